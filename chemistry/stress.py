"""How costly a rule's patterns are to search, measured on molecules built to be hard.

A substructure search is exponential in the worst case, and SMARTS that pass every syntactic
bound can still take minutes on the wrong molecule: a chain of 40 wildcard atoms on a network of
fused rings, for one. Before a rule is added to the live rulebook its patterns are searched in
each molecule below with a deadline; a pattern that does not finish within the budget is refused.
The molecules are chosen for what makes the search branch: many fused rings (many paths of every
length), cages, heteroatom-rich macrocycles, long flexible chains, and large real NPS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

from rdkit import Chem, rdBase

__all__ = ["STRESS_BUDGET_SECONDS", "STRESS_SMILES", "PatternCost", "pattern_costs", "too_costly"]

# Per pattern and stress molecule. The slowest shipped pattern takes about a fifth of this, with
# the deadline check that costs ~5x a plain search (bench/rule_costs.py prints the table).
STRESS_BUDGET_SECONDS = 0.5

STRESS_SMILES: dict[str, str] = {
    "aza-oxa ring network": (
        "C1CC2CC3CC4CC5CC6CCC7CC8CC9CC%10CC%11COCC%12CC%13CC%14CC%15CC%16CCC%17CC%18CC%19CC%20CC(C1)N2C1C3C2C4C3C5C4"
        "C6C7C5C8C6C9C7C%10C(C%11%12)C%13C8C%14C9C%15C%10C%16C%17C%11C%18C%12C%19C(C2C2C3C3C4C5C4C6C(C78)C9C5C%10C%11"
        "C(C%122)C3C45)C%201"
    ),
    "fullerene C60": (
        "c12c3c4c5c1c1c6c7c2c2c8c3c3c9c4c4c%10c5c5c1c1c6c6c%11c7c2c2c7c8c3c3c8c9c4c4c9c%10c5c5c1c1c6c6c%11c2c2"
        "c7c3c3c8c4c4c9c5c1c1c6c2c3c41"
    ),
    "diamondoid cage": "C1C2CC3CC1CC(C2)C3C1C2CC3CC1CC(C2)C3C1C2CC3CC1CC(C2)C3",
    "polyaza macrocycle": "C1CNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCNCCN1",
    "long polyether chain": "C" + "COC" * 60 + "C",
    "oligopeptide": "NCC(=O)" + "NC(CO)C(=O)NC(Cc1ccccc1)C(=O)" * 6 + "O",
    "fused polyaromatic": "c1cc2ccc3ccc4ccc5ccc6ccc7ccc8ccc1c1c2c3c4c5c6c7c81",
    "synthetic cannabinoid": "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21",
    "nitazene": "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
    "fentanyl analogue": "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
}


@dataclass(frozen=True)
class PatternCost:
    smarts: str
    molecule: str | None  # the stress molecule that ran out of time, if any
    seconds: float  # the longest search of the pattern in one molecule (at most the budget)

    @property
    def within_budget(self) -> bool:
        return self.molecule is None


@cache
def _stress_molecules() -> tuple[tuple[str, Chem.Mol], ...]:
    with rdBase.BlockLogs():
        return tuple((name, Chem.MolFromSmiles(smiles)) for name, smiles in STRESS_SMILES.items())


def pattern_costs(queries: dict[str, Chem.Mol], *, budget_seconds: float, max_matches: int = 256) -> list[PatternCost]:
    """Search each pattern (SMARTS -> compiled query) in each stress molecule, each search
    stopped at ``budget_seconds``."""
    deadline = [0.0]

    def before_deadline(_atom, _query_atom) -> bool:  # noqa: ANN001
        return time.perf_counter() < deadline[0]

    params = Chem.SubstructMatchParameters()
    params.uniquify = False  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    params.maxMatches = max_matches  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    params.setExtraAtomCheckFunc(before_deadline)
    out = []
    for text, query in queries.items():
        slowest, failed = 0.0, None
        for name, mol in _stress_molecules():
            started = time.perf_counter()
            deadline[0] = started + budget_seconds
            mol.GetSubstructMatches(query, params)
            took = time.perf_counter() - started
            slowest = max(slowest, took)
            if took >= budget_seconds:
                failed = name
                break
        out.append(PatternCost(text, failed, round(min(slowest, budget_seconds), 4)))
    return out


def too_costly(queries: dict[str, Chem.Mol], *, budget_seconds: float) -> list[PatternCost]:
    """The patterns whose search in some stress molecule does not end within the budget."""
    return [cost for cost in pattern_costs(queries, budget_seconds=budget_seconds) if not cost.within_budget]
