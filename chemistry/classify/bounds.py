"""Bounds on the work one molecule can cause (see chemistry/rules/FORMAT.md, "Bounds")."""

from __future__ import annotations

from rdkit import Chem

# Bounds on the work one molecule can cause (see FORMAT.md, "Bounds").
MAX_MATCHES_PER_CORE = 256
# The longest the core search for one molecule may take before the rules left unsearched are
# reported as undetermined. The whole shipped rulebook searches a molecule in about a millisecond,
# and its slowest molecule of the stress set (chemistry/stress.py) in far less than this.
CLASSIFY_BUDGET_SECONDS = 2.0
MAX_RECURSIVE_MATCHES = 1000


def _match_params() -> Chem.SubstructMatchParameters:
    params = Chem.SubstructMatchParameters()
    params.uniquify = False  # type: ignore[assignment]  # symmetric mappings can put different atoms on different positions
    params.maxMatches = MAX_MATCHES_PER_CORE  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    params.maxRecursiveMatches = MAX_RECURSIVE_MATCHES  # type: ignore[assignment]  # RDKit's stub types the attribute wrongly
    return params
