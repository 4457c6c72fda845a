"""Benchmark: place one new substance among 50,000, and recluster 20,000 from scratch.

    .venv/bin/python bench/families.py            # 50,000 registered, 20,000 reclustered
    .venv/bin/python bench/families.py --n 10000  # smaller, quicker

The registry is generated deterministically: the NPS series of the tests plus every substance of
/work/shared/data/psychoactives.csv are the seeds; one-step analogues (ring H/F/Cl/Br/CH3/OCH3/
CF3/ethyl swaps, N-alkyl homologues; ``chemistry.propose.virtual_analogues``) of the seeds, then of
those analogues, fill it up. Each analogue is filed in its seed's family, so the index looks like a
registry with a few hundred families; the timed step is ``FamilyIndex.assign`` of substances not in
it (a further generation), p50/p95/p99 over ``--queries``.

Baselines, measured in the same run because the machine is shared and noisy:
- assignment: a Python loop of ``DataStructs.TanimotoSimilarity`` over every pair, on a 2,000
  member subsample, extrapolated linearly to the registry size;
- recluster: ``rdkit.ML.Cluster.Butina.ClusterData`` with its full distance list, on a 2,000
  subsample, extrapolated quadratically (it is O(n²) in time and memory: 2·10⁸ distances at 20,000).
No assertion on wall time here or in the tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from rdkit.ML.Cluster import Butina

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "chemistry"))

from chemistry.families import DEFAULT_THRESHOLD, FamilyIndex, butina_clusters, fingerprint, recluster  # noqa: E402
from chemistry.identity import StructureError, identify  # noqa: E402
from chemistry.propose import virtual_analogues  # noqa: E402
from nps_series import all_series, psychoactives  # noqa: E402

BASELINE_SAMPLE = 2000


def seeds() -> list[tuple[str, Chem.Mol]]:
    found: dict[str, tuple[str, Chem.Mol]] = {}
    named = list(psychoactives().items())
    named += [(name, smiles) for members in all_series().values() for name, smiles in members.items()]
    for name, smiles in named:
        try:
            identity = identify(smiles)
        except StructureError:
            continue
        found.setdefault(identity.smiles, (name, identity.mol))
    return list(found.values())


def generate(n_registry: int, n_queries: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(key, smiles, family) for the registry, and SMILES of unseen query substances."""
    registry: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    seed_list = seeds()
    for name, mol in seed_list:
        smiles = Chem.MolToSmiles(mol)
        seen.add(smiles)
        registry.append((f"seed:{name}", smiles, name))
    frontier = [(name, Chem.MolToSmiles(mol)) for name, mol in seed_list]
    generation = 0
    queries: list[str] = []
    with rdBase.BlockLogs():
        while frontier and (len(registry) < n_registry or len(queries) < n_queries):
            generation += 1
            next_frontier = []
            for family, smiles in frontier:
                for variant in virtual_analogues([Chem.MolFromSmiles(smiles)], limit=60):
                    if variant in seen:
                        continue
                    seen.add(variant)
                    if len(registry) < n_registry:
                        registry.append((f"g{generation}:{len(registry)}", variant, family))
                        next_frontier.append((family, variant))
                    elif len(queries) < n_queries:
                        queries.append(variant)
                if len(registry) >= n_registry and len(queries) >= n_queries:
                    break
            frontier = next_frontier
    return registry, queries


def index_from(registry: list[tuple[str, str, str]]) -> FamilyIndex:
    families = {}
    members = []
    for key, smiles, family in registry:
        family_id = "fam-" + "".join(ch if ch.isalnum() else "-" for ch in family.lower())
        families.setdefault(family_id, {"family_id": family_id, "founder": key})
        members.append({"key": key, "family_id": family_id, "smiles": smiles, "scaffold": "", "distinctive_scaffold": False})
    state = {
        "format": "varsel.families/1",
        "threshold": DEFAULT_THRESHOLD,
        "scaffold_threshold": 0.30,
        "families": list(families.values()),
        "members": members,
    }
    return FamilyIndex.from_state(state)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = np.percentile(np.array(samples) * 1000, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="registered substances (default 50,000)")
    parser.add_argument("--recluster", type=int, default=20_000, help="substances reclustered (default 20,000)")
    parser.add_argument("--queries", type=int, default=300, help="new substances placed (default 300)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    registry, queries = generate(args.n, args.queries)
    t_generate = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = index_from(registry)
    t_load = time.perf_counter() - t0
    print(f"registry: {len(registry):,} substances in {len(index.families()):,} seed families "
          f"(generated in {t_generate:.1f} s, indexed in {t_load:.1f} s); {len(queries)} new substances")

    # --- one assignment among n -------------------------------------------------------------
    query_mols = [Chem.MolFromSmiles(s) for s in queries]
    timings, outcomes = [], {"similarity": 0, "scaffold": 0, "new": 0}
    for i, mol in enumerate(query_mols):
        start = time.perf_counter()
        assignment = index.assign(f"query:{i}", mol)
        timings.append(time.perf_counter() - start)
        outcomes[assignment.reason] = outcomes.get(assignment.reason, 0) + 1
    p50, p95, p99 = percentiles(timings)

    sample = [fingerprint(Chem.MolFromSmiles(s)) for _, s, _ in registry[:BASELINE_SAMPLE]]
    naive = []
    for mol in query_mols[:20]:
        fp = fingerprint(mol)
        start = time.perf_counter()
        best = max(DataStructs.TanimotoSimilarity(fp, other) for other in sample)
        naive.append((time.perf_counter() - start) * len(registry) / len(sample))
    n50, n95, n99 = percentiles(naive)

    # --- recluster ------------------------------------------------------------------------------
    m = min(args.recluster, len(registry))
    items = [(key, Chem.MolFromSmiles(smiles)) for key, smiles, _ in registry[:m]]
    start = time.perf_counter()
    reclustered = recluster(items)
    t_recluster = time.perf_counter() - start
    sizes = sorted((len(v) for v in reclustered.families().values()), reverse=True)

    b = min(BASELINE_SAMPLE, m)
    fps = [fingerprint(mol) for _, mol in items[:b]]
    start = time.perf_counter()
    distances = [1.0 - s for i in range(1, b) for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])]
    Butina.ClusterData(distances, b, 1.0 - DEFAULT_THRESHOLD, isDistData=True, reordering=False)
    t_rdkit_sample = time.perf_counter() - start
    start = time.perf_counter()
    butina_clusters(fps, threshold=DEFAULT_THRESHOLD)
    t_ours_sample = time.perf_counter() - start
    t_rdkit_extrapolated = t_rdkit_sample * (m / b) ** 2

    print()
    print(f"{'measure':46s} {'Varsel':>12s} {'baseline':>12s} {'speed-up':>9s}  target")
    print("-" * 92)
    for label, ours, base, target in [
        (f"assign 1 among {len(registry):,}: p50 ms", p50, n50, ""),
        (f"assign 1 among {len(registry):,}: p95 ms", p95, n95, "p95 <= 50 ms"),
        (f"assign 1 among {len(registry):,}: p99 ms", p99, n99, ""),
        (f"Butina on {b:,} (measured both) s", t_ours_sample, t_rdkit_sample, ""),
        (f"recluster {m:,} s (baseline extrapolated n^2)", t_recluster, t_rdkit_extrapolated, "<= 60 s"),
    ]:
        print(f"{label:46s} {ours:12.2f} {base:12.2f} {base / ours:8.1f}x  {target}")
    print()
    print(f"assignment outcomes over {len(query_mols)} new substances: {outcomes}")
    print(f"recluster of {m:,}: {len(sizes):,} families, largest {sizes[:5]}, singletons {sizes.count(1):,}")
    print("baselines: assign = Python loop of TanimotoSimilarity over a 2,000 subsample, x n/2,000; "
          "recluster = rdkit Butina.ClusterData on 2,000, x (n/2,000)^2")


if __name__ == "__main__":
    main()
