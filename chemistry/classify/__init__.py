"""Is this compound controlled, by which legal text, in which jurisdiction, on which date?

The engine, one room per job:

- ``results.py``       what the classifier answers (frozen result types);
- ``pieces.py``        a piece of the molecule outside a core match, and its cached facts;
- ``vocabulary.py``    the substituent vocabulary: what counts as alkyl, haloalkyl, alkoxy, ...;
- ``specs.py``         a position compiled: its classes, and "further substituted with C, H, N,
                       O, S and halogens, continuous chain of at most N atoms" as one mechanism;
- ``query_atoms.py``   what a SMARTS query atom fixes (element, aromaticity);
- ``prescreen.py``     the atoms each core certainly needs, counted once per molecule;
- ``gates.py``         shared gates: one search clears a whole family of core patterns; and a
                       pattern's recursion-free weakening, searched before the pattern itself;
- ``isomers.py``       positional isomers as 21 CFR 1300.01 defines them (US hallucinogens);
- ``compiled.py``      rules compiled once (positions, cores, group rules);
- ``evaluate.py``      reading a core match's surroundings as substituents and judging them;
- ``cross_group.py``   a group that gives way to the cores of other groups (NpSG Nr. 1);
- ``wording.py``       how a near miss is told, technically and in one plain sentence;
- ``bounds.py``        the bounds on the work one molecule can cause;
- ``classifier.py``    :class:`Classifier`, which ties them together.
"""

from chemistry.classify.bounds import (
    CLASSIFY_BUDGET_SECONDS,
    MAX_MATCHES_PER_CORE,
    MAX_RECURSIVE_MATCHES,
)
from chemistry.classify.classifier import Classifier, today_utc
from chemistry.classify.pieces import HALOGENS
from chemistry.classify.results import (
    Classification,
    CoreExplanation,
    JurisdictionResult,
    NearMiss,
    RuleMatch,
    SetAside,
    Status,
    SubstituentFound,
    Undetermined,
)
from chemistry.classify.vocabulary import IMPLEMENTED_CLASSES, describe_piece

__all__ = [
    "CLASSIFY_BUDGET_SECONDS",
    "Classification",
    "Classifier",
    "CoreExplanation",
    "HALOGENS",
    "IMPLEMENTED_CLASSES",
    "JurisdictionResult",
    "MAX_MATCHES_PER_CORE",
    "MAX_RECURSIVE_MATCHES",
    "NearMiss",
    "RuleMatch",
    "SetAside",
    "Status",
    "SubstituentFound",
    "Undetermined",
    "describe_piece",
    "today_utc",
]
