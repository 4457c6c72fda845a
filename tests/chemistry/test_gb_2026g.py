"""United Kingdom, Misuse of Drugs Act 1971 Schedule 2: seventh pass, 6 December 2026.

UN-scheduled substances that gb_un_conventions.toml answered "Schedule 2 (Class not read: inferred from the UN
schedules)" now carry the Class read in these SECONDARY sources (chemistry/rules/sources/gb_mda_schedule2.txt,
[searched-2026-12-06d]); the expectations below are the sources' words, not the rule file's:

- [wiki-4mta] the Wikipedia drugbox of "4-Methylthioamphetamine" in two kiwix copies (iiab.me wikipedia_en_medicine
  2022-11 and medbox.iiab.me 2019-12): "Legal status ... UK: Class A".
- [king-us-annot] L. A. King's annotation of the US Schedule I list (isomerdesign.com): "UK: MDA Part I Class A
  Section 1(d) Acetyl-a-methylfentanyl" (Part I is the Class A part; 1(d) the fentanyl clause, whose words were not read).
- [wiki-fenetylline] the Wikipedia infobox of "Fenethylline" (en.wikipedia.org as stored): "Legal Uk: Class C".

None of them gives the instrument or the day: "date not recorded". Read and NOT encoded: cathine, "UK: Class C"
(alchetron.com copy of the Wikipedia drugbox), because Part III's stereoisomer paragraph excepts phenylpropanolamine
(isomerdesign.com, after King: "not being Phenylpropanolamine") and the named-entry generator matches an entry's
every stereoisomer: encoding cathine there would answer norephedrine Class C. It stays with the treaty inference,
which matches cathine's own stereoisomer only.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)

# structures of the UN Green/Yellow List entries (gb_un_conventions.toml, OPSIN's parse of the lists' chemical names)
MTA = "CSc1ccc(CC(C)N)cc1"  # 4-MTA, 1-[4-(methylsulfanyl)phenyl]propan-2-amine
ACETYL_AMF = "CC(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1"  # acetyl-alpha-methylfentanyl
FENETYLLINE = "CC(Cc1ccccc1)NCCn1cnc2c1c(=O)n(C)c(=O)n2C"
CATHINE = "C[C@H](N)[C@@H](O)c1ccccc1"  # (1S,2S)-2-amino-1-phenylpropan-1-ol
NOREPHEDRINE = "C[C@H](N)[C@H](O)c1ccccc1"  # (1R,2S): phenylpropanolamine, excepted from Part III para 2
# still inferred: no source read gives their Class
PHENTERMINE = "CC(C)(N)Cc1ccccc1"
TENOCYCLIDINE = "C1CCN(CC1)C1(CCCCC1)c1cccs1"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _gb(classifier, smiles, day=TODAY):
    return classifier.classify(identify(smiles), jurisdictions=["GB"], as_of=day).results["GB"]


READ = [
    (MTA, "gb-mda-class-a", "Class A", "4-MTA"),
    (ACETYL_AMF, "gb-mda-class-a", "Class A", "Acetyl-alpha-methylfentanyl"),
    (FENETYLLINE, "gb-mda-class-c", "Class C", "Fenetylline"),
]


@pytest.mark.parametrize(("smiles", "rule_id", "listed", "entry"), READ, ids=[e for *_, e in READ])
def test_the_class_read_replaces_the_inference(classifier, smiles, rule_id, listed, entry):
    result = _gb(classifier, smiles)
    assert result.status == "controlled_by_name"
    (match,) = result.matches  # answered once, by the Class; the treaty inference stands aside
    assert (match.rule_id, match.list) == (rule_id, listed)
    assert match.substance.startswith(entry)
    # no source read gives the day the substance entered its Class
    assert match.date_recorded is False


def test_the_entries_say_they_are_secondary_and_guess_no_date():
    with (RULES_DIR / "gb_named.toml").open("rb") as handle:
        entries = {s["name"].split(" (")[0]: s for r in tomllib.load(handle)["rule"] for s in r.get("substances", [])}
    for name in ("4-MTA", "Acetyl-alpha-methylfentanyl", "Fenetylline"):
        assert "SECONDARY" in entries[name]["source"], name
        assert entries[name]["in_force_from"] == "not recorded", name
        assert "not_before" not in entries[name], name
        assert "added_by" not in entries[name], name


def test_cathine_stays_inferred_and_phenylpropanolamine_is_not_made_class_c(classifier):
    (match,) = _gb(classifier, CATHINE).matches
    assert match.rule_id == "gb-mda-un-conventions"
    assert "Class not read" in match.list
    # Part III para 2: "Any stereoisomeric form ... not being Phenylpropanolamine"
    assert all(m.rule_id != "gb-mda-class-c" for m in _gb(classifier, NOREPHEDRINE).matches)


@pytest.mark.parametrize("smiles", [PHENTERMINE, TENOCYCLIDINE], ids=["phentermine", "tenocyclidine"])
def test_substances_whose_class_was_not_read_stay_inferred(classifier, smiles):
    (match,) = _gb(classifier, smiles).matches
    assert match.rule_id == "gb-mda-un-conventions"
    assert "Class not read" in match.list
