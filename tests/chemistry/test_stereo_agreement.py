"""A stereo-specific entry means the same isomer in every instrument that names it.

Where two instruments list a substance under the same name and both match it on the full InChIKey
(stereoisomers_included = false: levorphanol, levomethorphan, dextromoramide ...), their structures
must be the same isomer. A wrong diastereomer written in one file would make that instrument miss
the substance while the other finds it; US levorphanol and levomethorphan were such a case (the CFR
prints no chemical name, and the structure written by hand had one centre inverted).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict

from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR


def _stereo_specific_entries() -> dict[str, list[tuple[str, str]]]:
    by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted(RULES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            for rule in tomllib.load(handle).get("rule", []):
                for entry in rule.get("substances", []):
                    included = entry.get("stereoisomers_included", rule.get("stereoisomers_included", True))
                    if entry.get("smiles") and not included:
                        key = identify(entry["smiles"]).inchikey
                        by_name[entry["name"].strip().lower()].append((rule["id"], key))
    return by_name


def test_instruments_naming_the_same_isomer_agree_on_its_structure():
    disagreements = {
        name: found for name, found in _stereo_specific_entries().items() if len({key for _, key in found}) > 1
    }
    assert not disagreements, disagreements


def test_levorphanol_is_the_natural_morphinan_everywhere():
    # (1R,9R,10R)-17-methyl-17-azatetracyclo[7.5.3.0^{1,10}.0^{2,7}]heptadeca-2,4,6-trien-4-ol, i.e.
    # (-)-17-methylmorphinan-3-ol; its enantiomer dextrorphan is excepted by the 1961 Convention
    found = _stereo_specific_entries()["levorphanol"]
    assert {key for _, key in found} == {"JAQUASYNZVUNQP-USXIJHARSA-N"}
    assert {rule for rule, _ in found} >= {"un-1961-schedule-i", "us-csa-schedule-ii"}
