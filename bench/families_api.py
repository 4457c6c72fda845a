"""Benchmark: family placement through the service (database + worker job), per substance.

    .venv/bin/python bench/families_api.py                 # 10,000 registered, SQLite in a temp dir
    .venv/bin/python bench/families_api.py --n 50000
    .venv/bin/python bench/families_api.py --database-url postgresql://postgres@127.0.0.1:5432/varsel_bench

The registry is bench/families.py's generated one (NPS seeds and their analogues), written straight
into ``substance`` rows. Figures:
- initial placement of the whole registry by ``place_pending`` (batches of 200, one transaction
  each), per substance;
- the worker's index reload from stored fingerprints (what a restart or a second worker pays);
- the steady state: one new substance registered, then one ``place_pending`` call, p50/p95/p99 —
  the latency a report's substance waits for its family, excluding the scheduler's tick;
- ``GET /v1/substances/{inchikey}/neighbours``' service call, p50/p95;
Baseline in the same run: ``FamilyIndex.assign`` alone on the same index (pure chemistry), so the
ratio is the service's overhead (database round trips, locking, row writes). No assertions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rdkit import rdBase

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "chemistry"))

from families import generate, percentiles  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from chemistry.identity import StructureError, identify  # noqa: E402
from service.db import make_engine, utcnow  # noqa: E402
from service.families import service as families  # noqa: E402
from service.families.placement import (  # noqa: E402
    _engine_key,
    _live,
    forget,
    live_index,
    place_pending,
)
from service.schema import upgrade  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.substances.models import Substance  # noqa: E402


def substance_rows(smiles_list: list[str]) -> list[dict]:
    rows, seen = [], set()
    now = utcnow()
    with rdBase.BlockLogs():
        for smiles in smiles_list:
            try:
                i = identify(smiles)
            except StructureError:
                continue
            if i.inchikey in seen:
                continue
            seen.add(i.inchikey)
            rows.append(
                {
                    "inchikey": i.inchikey,
                    "connectivity_key": i.connectivity_key,
                    "inchi": i.inchi,
                    "smiles": i.smiles,
                    "formula": i.formula,
                    "monoisotopic_mass": i.monoisotopic_mass,
                    "average_mass": i.average_mass,
                    "created_at": now,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="registered substances")
    parser.add_argument("--queries", type=int, default=100, help="new substances placed one at a time")
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='varsel-bench-')}/bench.db"
    upgrade(url)
    engine = make_engine(url, pool_size=2)
    settings = Settings(database_url=url)

    registry, queries = generate(args.n, args.queries)
    started = time.perf_counter()
    rows = substance_rows([smiles for _, smiles, _ in registry])
    query_rows = substance_rows(queries)
    known = {r["inchikey"] for r in rows}
    query_rows = [r for r in query_rows if r["inchikey"] not in known][: args.queries]
    print(
        f"standardised {len(rows)} registry + {len(query_rows)} query substances in {time.perf_counter() - started:.1f} s"
    )
    with Session(engine) as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Substance), rows[chunk : chunk + 5000])
        session.commit()

    started = time.perf_counter()
    placed = place_pending(engine, settings=settings)
    initial = time.perf_counter() - started

    forget(engine)
    with Session(engine) as session:
        started = time.perf_counter()
        live_index(session, engine, settings)
        reload = time.perf_counter() - started
    live = _live[_engine_key(engine)]

    # steady state: register one, place it
    service_ms, chemistry_ms = [], []  # seconds; percentiles() reports ms
    with rdBase.BlockLogs():
        for row in query_rows:
            with Session(engine) as session:
                session.execute(insert(Substance), [row])
                session.commit()
            started = time.perf_counter()
            place_pending(engine, settings=settings)
            service_ms.append(time.perf_counter() - started)
        # baseline: the same assignments on a private copy of the index, chemistry only
        from chemistry.families import FamilyIndex

        copy = FamilyIndex.from_state(live.index.to_state())
        for row in query_rows:
            mol = identify(row["smiles"]).mol
            started = time.perf_counter()
            copy.assign(row["inchikey"] + "-copy", mol)
            chemistry_ms.append(time.perf_counter() - started)

    neighbour_ms = []
    with Session(engine) as session:
        families.fingerprints(session)  # warm the API process's cache, as a running replica has it
        targets = session.exec(select(Substance).order_by(col(Substance.id)).limit(50)).all()
        for substance in targets:
            started = time.perf_counter()
            families.neighbours(session, substance, limit=10, min_similarity=0.3)
            neighbour_ms.append(time.perf_counter() - started)

    s50, s95, s99 = percentiles(service_ms)
    c50, c95, c99 = percentiles(chemistry_ms)
    n50, n95, _ = percentiles(neighbour_ms)
    backend = engine.dialect.name
    print(f"\n{backend}, {placed} substances placed; times on this machine (shared, noisy)\n")
    print(f"{'step':<52}{'p50':>10}{'p95':>10}{'p99':>10}")
    print(f"{'initial placement, per substance (ms)':<52}{initial / max(placed, 1) * 1000:>10.2f}")
    print(f"{'worker index reload from stored fingerprints (s)':<52}{reload:>10.2f}")
    print(f"{'place one new substance: place_pending (ms)':<52}{s50:>10.2f}{s95:>10.2f}{s99:>10.2f}")
    print(f"{'  baseline FamilyIndex.assign alone (ms)':<52}{c50:>10.2f}{c95:>10.2f}{c99:>10.2f}")
    print(f"{'  service / chemistry (p95)':<52}{s95 / c95:>10.1f}x")
    print(f"{'neighbours of one substance, service call (ms)':<52}{n50:>10.2f}{n95:>10.2f}")
    print("\ntarget (issue 4): assignment among 50,000 p95 <= 50 ms (bench/families.py, chemistry only)")
    engine.dispose()


if __name__ == "__main__":
    main()
