"""Benchmark: place one new substance among 50,000, and recluster 20,000 from scratch; with
--quality, how good the families are on real substances.

    .venv/bin/python bench/families.py            # 50,000 registered, 20,000 reclustered
    .venv/bin/python bench/families.py --n 10000  # smaller, quicker
    .venv/bin/python bench/families.py --quality  # purity, class concentration, cores (psychoactives.csv)

--quality streams ../shared/data/psychoactives.csv (its ``class0`` column) plus the synthetic
cannabinoids written below (labelled by their modular scaffold class) through incremental
placement, in file order, and prints per configuration: families, purity (member-weighted share
of a family's majority class, families of two or more, known classes only), concentration (per
class of three or more: the share of its members in its largest family, averaged), cannabinoid
scaffold purity, and the families of three or more whose core is trivial (a lone ring or a
chain) or missing. The baseline row is the placement and core of the previous release
(similarity alone; the core every member shares), measured in the same run.

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

from nps_series import all_series, psychoactives  # noqa: E402

from chemistry.families import DEFAULT_THRESHOLD, FamilyIndex, butina_clusters, fingerprint, recluster  # noqa: E402
from chemistry.identity import StructureError, identify  # noqa: E402
from chemistry.propose import virtual_analogues  # noqa: E402

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
    families: dict[str, dict[str, str]] = {}
    members = []
    for key, smiles, family in registry:
        family_id = "fam-" + "".join(ch if ch.isalnum() else "-" for ch in family.lower())
        families.setdefault(family_id, {"family_id": family_id, "founder": key})
        members.append(
            {"key": key, "family_id": family_id, "smiles": smiles, "scaffold": "", "distinctive_scaffold": False}
        )
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


# Synthetic cannabinoids by their modular parts (core, linker, head group, tail), the way the
# laws describe them; the label is the scaffold class (core + linker).
CANNABINOIDS = {
    "ADB-PINACA": ("indazole-3-carboxamide", "CCCCCn1nc(C(=O)NC(C(N)=O)C(C)(C)C)c2ccccc21"),
    "AB-PINACA": ("indazole-3-carboxamide", "CCCCCn1nc(C(=O)NC(C(N)=O)C(C)C)c2ccccc21"),
    "5F-AB-PINACA": ("indazole-3-carboxamide", "NC(=O)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(C)C"),
    "5F-ADB": ("indazole-3-carboxamide", "COC(=O)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(C)(C)C"),
    "AB-FUBINACA": ("indazole-3-carboxamide", "NC(=O)C(NC(=O)c1nn(Cc2ccc(F)cc2)c2ccccc12)C(C)C"),
    "ADB-FUBINACA": ("indazole-3-carboxamide", "NC(=O)C(NC(=O)c1nn(Cc2ccc(F)cc2)c2ccccc12)C(C)(C)C"),
    "AB-CHMINACA": ("indazole-3-carboxamide", "NC(=O)C(NC(=O)c1nn(CC2CCCCC2)c2ccccc12)C(C)C"),
    "APINACA": ("indazole-3-carboxamide", "CCCCCn1nc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21"),
    "5F-APINACA": ("indazole-3-carboxamide", "FCCCCCn1nc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21"),
    "MDMB-CHMICA": ("indole-3-carboxamide", "COC(=O)C(NC(=O)c1cn(CC2CCCCC2)c2ccccc12)C(C)(C)C"),
    "APICA": ("indole-3-carboxamide", "CCCCCn1cc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21"),
    "STS-135": ("indole-3-carboxamide", "FCCCCCn1cc(C(=O)NC23CC4CC(CC(C4)C2)C3)c2ccccc21"),
    "AM-2201": ("3-naphthoylindole", "FCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
    "JWH-122": ("3-naphthoylindole", "CCCCCn1cc(C(=O)c2ccc(C)c3ccccc23)c2ccccc21"),
    "JWH-210": ("3-naphthoylindole", "CCCCCn1cc(C(=O)c2ccc(CC)c3ccccc23)c2ccccc21"),
    "JWH-081": ("3-naphthoylindole", "CCCCCn1cc(C(=O)c2ccc(OC)c3ccccc23)c2ccccc21"),
    "XLR-11": ("3-(tetramethylcyclopropanoyl)indole", "FCCCCCn1cc(C(=O)C2C(C)(C)C2(C)C)c2ccccc21"),
    "A-834735": ("3-(tetramethylcyclopropanoyl)indole", "CC1(C)C(C(=O)c2cn(CC3CCOCC3)c3ccccc23)C1(C)C"),
    "RCS-4": ("3-benzoylindole", "CCCCCn1cc(C(=O)c2ccc(OC)cc2)c2ccccc21"),
    "PB-22": ("indole-3-carboxylate", "CCCCCn1cc(C(=O)Oc2cccc3cccnc23)c2ccccc21"),
    "5F-PB-22": ("indole-3-carboxylate", "FCCCCCn1cc(C(=O)Oc2cccc3cccnc23)c2ccccc21"),
    "FUB-PB-22": ("indole-3-carboxylate", "O=C(Oc1cccc2cccnc12)c1cn(Cc2ccc(F)cc2)c2ccccc12"),
}
CSV_SCAFFOLDS = {
    "JWH-018": "3-naphthoylindole",
    "JWH-073": "3-naphthoylindole",
    "UR-144": "3-(tetramethylcyclopropanoyl)indole",
    "THJ-018": "3-naphthoylindazole",
    "THJ-2201": "3-naphthoylindazole",
}


def quality_items() -> list[tuple[str, str, str, str | None]]:
    """(name, smiles, class, cannabinoid scaffold class) in placement order."""
    import csv

    items = []
    with (ROOT.parent / "shared" / "data" / "psychoactives.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            items.append((row["name"], row["smiles"], row["class0"] or "", CSV_SCAFFOLDS.get(row["name"])))
    items += [(name, smiles, "Cannabinoid", scaffold) for name, (scaffold, smiles) in CANNABINOIDS.items()]
    return items


def measure_quality(items, *, min_shared: float, core_share: float, modular: bool = True) -> dict:
    from collections import Counter

    from chemistry.families import family_core, is_trivial_core

    index = FamilyIndex(min_shared=min_shared, modular=modular)
    label, scaffold_of_key = {}, {}  # scaffold: core + linker + head, indole and indazole alike
    for _name, smiles, klass, scaffold in items:
        try:
            identity = identify(smiles)
        except StructureError:
            continue
        if identity.inchikey in index:
            continue
        index.assign(identity.inchikey, identity.mol)
        label[identity.inchikey] = klass
        if scaffold:
            scaffold_of_key[identity.inchikey] = scaffold.replace("indazole", "indole")
    families = index.families()
    multi = [m for m in families.values() if len(m) >= 2]
    known = [[label[k] for k in m if label[k]] for m in multi]
    purity = sum(Counter(c).most_common(1)[0][1] for c in known if c) / max(1, sum(len(c) for c in known))
    by_class: dict[str, Counter] = {}
    for family_id, members in families.items():
        for key in members:
            if label[key]:
                by_class.setdefault(label[key], Counter())[family_id] += 1
    shares = [max(c.values()) / sum(c.values()) for c in by_class.values() if sum(c.values()) >= 3]
    cannabinoid_families = [[scaffold_of_key[k] for k in m if k in scaffold_of_key] for m in families.values()]
    cannabinoid_families = [c for c in cannabinoid_families if c]
    scaffold_purity = sum(Counter(c).most_common(1)[0][1] for c in cannabinoid_families) / max(
        1, sum(len(c) for c in cannabinoid_families)
    )
    trivial = missing = 0
    for family_id, members in families.items():
        if len(members) < 3:
            continue
        core = family_core([Chem.MolFromSmiles(s) for s in index.member_smiles(family_id)][:20], share=core_share)
        if core is None:
            missing += 1
        elif is_trivial_core(core):
            trivial += 1
    # without the share fallback a trivial MCS is still returned by the baseline; count it as such
    return {
        "families": len(families),
        "multi": len(multi),
        "purity": purity,
        "concentration": sum(shares) / max(1, len(shares)),
        "cannabinoid_scaffold_purity": scaffold_purity,
        "cannabinoid_families": len(cannabinoid_families),
        "trivial": trivial,
        "missing": missing,
    }


def baseline_core(mols, share):  # noqa: ANN001, ANN201 - the previous release's core: every member, trivial or not
    from rdkit.Chem import rdFMCS

    with rdBase.BlockLogs():
        result = rdFMCS.FindMCS(
            list(mols),
            timeout=2,
            ringMatchesRingOnly=True,
            completeRingsOnly=True,
            atomCompare=rdFMCS.AtomCompare.CompareElements,
            bondCompare=rdFMCS.BondCompare.CompareOrder,
        )
    return result.smartsString if result.numAtoms >= 3 else None


def quality() -> None:
    import chemistry.families as families_module

    items = quality_items()
    print(f"{len(items)} substances: psychoactives.csv and {len(CANNABINOIDS)} synthetic cannabinoids, placed in order")
    print()
    header = (
        f"{'configuration':44s} {'families':>8s} {'2+':>4s} {'purity':>7s} {'concentr.':>9s} "
        f"{'SC scaffold purity':>18s} {'SC families':>11s} {'trivial cores':>13s} {'no core':>7s}"
    )
    print(header)
    print("-" * len(header))
    original = families_module.family_core
    rows: list[tuple[str, float, float | None]] = [("baseline: similarity alone, core of all members", 0.0, None)]
    rows += [
        (
            f"Varsel: min_shared {m:.2f}, core share {families_module.DEFAULT_CORE_SHARE:.2f}",
            m,
            families_module.DEFAULT_CORE_SHARE,
        )
        for m in (0.4, 0.5, 0.6)
    ]
    for label, min_shared, share in rows:
        if share is None:
            families_module.family_core = lambda mols, share=1.0, **_: baseline_core(mols, share)  # noqa: E731
        try:
            found = measure_quality(items, min_shared=min_shared, core_share=share or 1.0, modular=share is not None)
        finally:
            families_module.family_core = original
        print(
            f"{label:44s} {found['families']:8d} {found['multi']:4d} {found['purity']:7.3f} "
            f"{found['concentration']:9.3f} {found['cannabinoid_scaffold_purity']:18.3f} "
            f"{found['cannabinoid_families']:11d} {found['trivial']:13d} {found['missing']:7d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="registered substances (default 50,000)")
    parser.add_argument("--recluster", type=int, default=20_000, help="substances reclustered (default 20,000)")
    parser.add_argument("--queries", type=int, default=300, help="new substances placed (default 300)")
    parser.add_argument("--quality", action="store_true", help="family purity and cores on psychoactives.csv only")
    args = parser.parse_args()
    if args.quality:
        quality()
        return

    t0 = time.perf_counter()
    registry, queries = generate(args.n, args.queries)
    t_generate = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = index_from(registry)
    t_load = time.perf_counter() - t0
    print(
        f"registry: {len(registry):,} substances in {len(index.families()):,} seed families "
        f"(generated in {t_generate:.1f} s, indexed in {t_load:.1f} s); {len(queries)} new substances"
    )

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
        max(DataStructs.TanimotoSimilarity(fp, other) for other in sample)  # the work timed
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
    print(
        "baselines: assign = Python loop of TanimotoSimilarity over a 2,000 subsample, x n/2,000; "
        "recluster = rdkit Butina.ClusterData on 2,000, x (n/2,000)^2"
    )


if __name__ == "__main__":
    main()
