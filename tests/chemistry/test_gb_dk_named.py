"""UK Misuse of Drugs Act Schedule 2 and Danish bilag 1 named entries (gb_named.toml, dk_named.toml).

Known answers come from the instruments as read (chemistry/rules/sources/gb_mda_schedule2.txt and
dk_bek_bilag1.txt); answers the encoding cannot give yet because the text could not be read are strict
xfails naming the gap, so they fail loudly the day the entry is added.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import RULES_DIR, load_rulebook

SOURCES = RULES_DIR / "sources"
FILES = {"gb_named.toml": "gb_mda_schedule2.txt", "dk_named.toml": "dk_bek_bilag1.txt"}
TODAY = date(2025, 6, 1)


def _raw(filename: str) -> list[dict]:
    with (RULES_DIR / filename).open("rb") as handle:
        return tomllib.load(handle)["rule"]


RAW = {filename: _raw(filename) for filename in FILES}


@pytest.fixture(scope="module")
def everything() -> Classifier:
    return Classifier(load_rulebook())


def _entries():
    for rules in RAW.values():
        for rule in rules:
            for entry in rule["substances"]:
                if entry.get("smiles"):
                    yield pytest.param(rule["id"], entry, id=f"{rule['id']}/{entry['name'][:60]}")


def _a_day_in_force(rule_id: str, entry: dict, rulebook) -> date:
    rule = rulebook.rule(rule_id)
    start = entry.get("in_force_from")
    start = start if isinstance(start, date) else rule.in_force_from
    end = entry.get("in_force_to") or rule.in_force_to
    return end if end else max(start, TODAY)


@pytest.mark.parametrize(("rule_id", "entry"), list(_entries()))
def test_every_named_entry_is_found(everything, rule_id, entry):
    rule = everything.rulebook.rule(rule_id)
    on = _a_day_in_force(rule_id, entry, everything.rulebook)
    result = everything.classify(identify(entry["smiles"]), jurisdictions=[rule.jurisdiction], as_of=on)
    found = [m for m in result.results[rule.jurisdiction].matches if m.rule_id == rule_id]
    assert found, f"{entry['name']} not found by {rule_id} on {on}"
    assert found[0].substance == entry["name"]


def test_opsin_entries_are_opsins_parse_of_the_printed_systematic_name():
    from py2opsin import py2opsin

    entries = [
        e for rules in RAW.values() for r in rules for e in r["substances"] if e.get("structure_from") == "opsin"
    ]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as private:  # py2opsin writes a fixed temp file into the cwd
        os.chdir(private)
        try:
            parsed = py2opsin([e["systematic_name"] for e in entries])
        finally:
            os.chdir(here)
    for entry, smiles in zip(entries, parsed):
        assert smiles, entry["systematic_name"]
        assert identify(smiles).inchikey == identify(entry["smiles"]).inchikey, entry["name"]


def _source_rows(filename: str) -> dict[str, int]:
    """An independent count of the transcribed rows per list: one non-comment line is one row."""
    counts: dict[str, int] = {}
    for line in (SOURCES / filename).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            counts[line.split("|")[0].strip()] = counts.get(line.split("|")[0].strip(), 0) + 1
    return counts


@pytest.mark.parametrize("filename", FILES)
def test_every_source_row_is_an_entry_an_alias_or_listed_as_not_encoded(filename):
    rows = _source_rows(FILES[filename])
    for rule in RAW[filename]:
        list_key = rule["list"].split()[-1]  # "Class A" / "liste A" -> "A"
        entries = rule["substances"]
        merged = sum(e["source"].count("also listed as") for e in entries)
        not_encoded = re.search(r"NOT encoded \((\d+)\)", rule["notes"])
        skipped = int(not_encoded.group(1)) if not_encoded else 0
        assert len(entries) + merged + skipped == rows.pop(list_key), rule["id"]
        assert f"Encoded entries: {len(entries)}." in rule["notes"]
    assert not rows, f"source rows for lists without a rule: {rows}"


def test_one_rule_per_class_and_list():
    ids = {r["id"] for rules in RAW.values() for r in rules}
    assert ids == {
        "gb-mda-class-a",
        "gb-mda-class-b",
        "gb-mda-class-c",
        "dk-bek-list-a",
        "dk-bek-list-b",
        "dk-bek-list-c",
        "dk-bek-list-d",
        "dk-bek-list-e",
        "dk-bek-list-unread",  # "liste A-E": on bilag 1 by a source that does not name the list
    }


# --- known answers: United Kingdom ---------------------------------------------------------------

HEROIN = "CC(=O)O[C@H]1C=C[C@H]2[C@H]3Cc4ccc(OC(C)=O)c5c4[C@@]2(CCN3C)[C@H]1O5"
COCAINE = "COC(=O)[C@H]1[C@@H](OC(=O)c2ccccc2)C[C@@H]2CC[C@H]1N2C"
MDMA = "CNC(C)Cc1ccc2OCOc2c1"
AMPHETAMINE = "CC(N)Cc1ccccc1"
KETAMINE = "CNC1(c2ccccc2Cl)CCCCC1=O"
MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
ISOTONITAZENE = "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21"
METHAMPHETAMINE = "CN[C@@H](C)Cc1ccccc1"
GHB = "OCCCC(=O)O"
DIAZEPAM = "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21"
FENTANYL = "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"


def _gb(everything, smiles, day):
    return everything.classify(smiles, jurisdictions=["GB"], as_of=day).results["GB"]


def _lists(result) -> set[str]:
    return {m.rule_id for m in result.matches}


@pytest.mark.parametrize(
    ("name", "smiles", "day", "rule_id"),
    [
        ("heroin (diamorphine), enacted", HEROIN, date(1973, 7, 1), "gb-mda-class-a"),
        ("cocaine, enacted", COCAINE, TODAY, "gb-mda-class-a"),
        ("amfetamine", AMPHETAMINE, TODAY, "gb-mda-class-b"),
        ("ketamine since SI 2014/1106", KETAMINE, date(2014, 6, 10), "gb-mda-class-b"),
        ("ketamine Class C before", KETAMINE, date(2014, 6, 9), "gb-mda-class-c"),
        ("isotonitazene, SI 2024/190", ISOTONITAZENE, date(2024, 3, 20), "gb-mda-class-a"),
        ("methylamphetamine Class A, SI 2006/3331", METHAMPHETAMINE, date(2007, 1, 18), "gb-mda-class-a"),
        ("GHB Class B, SI 2022/322", GHB, date(2022, 4, 13), "gb-mda-class-b"),
        ("GHB Class C before", GHB, date(2022, 4, 12), "gb-mda-class-c"),
    ],
)
def test_gb_known_answers_by_name(everything, name, smiles, day, rule_id):
    assert _lists(_gb(everything, smiles, day)) == {rule_id}


def test_gb_dates_in_force(everything):
    assert _gb(everything, ISOTONITAZENE, date(2024, 3, 19)).status == "not_controlled"
    assert _lists(_gb(everything, METHAMPHETAMINE, date(2007, 1, 17))) == {"gb-mda-class-b"}
    assert _gb(everything, KETAMINE, date(2005, 12, 31)).status == "not_controlled"
    (heroin,) = _gb(everything, HEROIN, TODAY).matches
    assert heroin.substance == "Diamorphine" and heroin.date_recorded


def test_gb_groups_still_answer_for_mdma_and_mephedrone(everything):
    mdma = _gb(everything, MDMA, TODAY)
    assert mdma.status == "controlled_by_group"
    assert {everything.rulebook.rule(m.rule_id).list_ for m in mdma.matches} == {"Class A"}
    assert _lists(_gb(everything, MEPHEDRONE, TODAY)) == {"gb-mda-cathinones"}


def test_gb_cannabis_is_listed_class_b_with_its_history():
    class_b = next(r for r in RAW["gb_named.toml"] if r["id"] == "gb-mda-class-b")["substances"]
    cannabis = {e["name"]: e for e in class_b if e["name"].startswith("Cannabis")}
    assert cannabis["Cannabis"]["structure_from"] == "plant"
    assert cannabis["Cannabis"]["in_force_from"] == date(2009, 1, 26)
    assert cannabis["Cannabis and cannabis resin"]["in_force_to"] == date(2004, 1, 28)


def test_gb_cathinone_exclusions_point_at_where_the_substance_is_governed(everything):
    # A named exclusion must say truthfully where the excluded substance is governed: an entry
    # named in its reason exists and captures it; one said to be missing is indeed missing.
    cathinones = load_rulebook([RULES_DIR / "gb.toml", RULES_DIR / "gb_named.toml"]).rule("gb-mda-cathinones")
    for exclusion in cathinones.exclusions:
        listed = _lists(everything.classify(exclusion.smiles, jurisdictions=["GB"], as_of=TODAY).results["GB"])
        if "not in gb_named.toml" in exclusion.reason:
            assert "gb-mda-class-c" not in listed, exclusion.name
        elif "gb-mda-class-c" in exclusion.reason:
            assert "gb-mda-class-c" in listed, exclusion.name
    pyrovalerone = next(e for e in cathinones.exclusions if e.name == "pyrovalerone")
    assert "gb-mda-class-c" in pyrovalerone.reason


def test_gb_diazepam_is_class_c(everything):
    # by inference from the Misuse of Drugs Regulations 2001, Sch. 4 Part I (see gb_mda_schedule2.txt)
    result = _gb(everything, DIAZEPAM, TODAY)
    assert _lists(result) == {"gb-mda-class-c"}
    (diazepam,) = result.matches
    assert diazepam.substance == "Diazepam" and not diazepam.date_recorded


def test_gb_entries_inferred_from_the_regulations_say_so():
    class_c = next(r for r in RAW["gb_named.toml"] if r["id"] == "gb-mda-class-c")
    inferred = [e for e in class_c["substances"] if e["source"].startswith("Misuse of Drugs Regulations 2001")]
    # 39 names of Sch. 4 Part I, less alprazolam: SI 2011/744 art. 4 inserts amineptine "after 'Alprazolam'" in Part 3
    assert len(inferred) == 38
    for entry in inferred:  # the Regulations date their own entries, never the Act's: no date may be guessed
        assert entry["in_force_from"] == "not recorded" and "added_by" not in entry, entry["name"]
    assert "ADDED BY INFERENCE" in class_c["notes"]


def test_gb_si_1973_771_insertions_are_in_force_with_the_act(everything):
    propiram = "CCC(=O)N(c1ccccn1)C(C)CN1CCCCC1"
    (match,) = _gb(everything, propiram, date(1973, 7, 1)).matches
    assert (match.rule_id, match.substance) == ("gb-mda-class-b", "Propiram") and match.date_recorded
    drotebanol = next(e for r in RAW["gb_named.toml"] for e in r["substances"] if e["name"].startswith("Drotebanol"))
    assert drotebanol["in_force_from"] == date(1973, 7, 1) and drotebanol["added_by"] == "SI 1973/771"


# --- known answers: Denmark ----------------------------------------------------------------------


def _dk(everything, smiles, day=TODAY):
    return everything.classify(smiles, jurisdictions=["DK"], as_of=day).results["DK"]


def test_dk_ketamine_cocaine_and_heroin_by_name(everything):
    assert "dk-bek-list-b" in _lists(_dk(everything, KETAMINE))
    assert _lists(_dk(everything, COCAINE)) == {"dk-bek-list-b"}
    assert _lists(_dk(everything, HEROIN)) == {"dk-bek-list-a"}
    (ketamine,) = _dk(everything, KETAMINE).matches
    assert not ketamine.date_recorded  # listed since 2008 under earlier orders; not recorded in BEK 2446/2021


def test_dk_bek_2446_additions_start_on_1_january_2022(everything):
    one_cp_lsd = "CCN(CC)C(=O)C1CN(C)C2Cc3cn(C(=O)C4CC4)c4cccc(C2=C1)c34"
    assert _lists(_dk(everything, one_cp_lsd, date(2022, 1, 1))) >= {"dk-bek-list-b"}
    assert "dk-bek-list-b" not in _lists(_dk(everything, one_cp_lsd, date(2021, 12, 31)))


def test_dk_mephedrone_stays_a_group_answer(everything):
    # numbered before 2012, now covered by the cathinone group (Lægemiddelstyrelsen, 2016)
    assert _lists(_dk(everything, MEPHEDRONE)) == {"dk-bek-cathinones"}


def test_dk_list_e_designer_benzodiazepines_by_name(everything):
    flubromazolam = "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1F)=NC2"
    result = _dk(everything, flubromazolam)
    assert _lists(result) == {"dk-bek-list-e"}
    (match,) = result.matches
    assert match.substance == "Flubromazolam" and not match.date_recorded  # UNODC gives the year only
    list_e = next(r for r in RAW["dk_named.toml"] if r["id"] == "dk-bek-list-e")
    assert all(e["source"].startswith(("UNODC Legal Library", "Toldstyrelsen")) for e in list_e["substances"])


def test_dk_fentanyl_is_controlled_by_name_by_inference_from_the_1961_schedules(everything):
    # list B of BEK 2446/2021 could not be read; fentanyl is in Schedule I of the 1961 Convention, to
    # which Denmark is a Party (dk_un_conventions.toml): controlled by name, list and date not read
    result = _dk(everything, FENTANYL)
    assert result.status == "controlled_by_name" and _lists(result) == {"dk-bek-un-conventions"}
    assert not result.matches[0].date_recorded


def test_dk_diazepam_is_controlled_by_name_on_list_e(everything):
    # Toldstyrelsen's guidance: list E "omfatter hovedsageligt de såkaldte benzodiazepiner ... som fx diazepam"
    result = _dk(everything, DIAZEPAM)
    assert result.status == "controlled_by_name" and _lists(result) == {"dk-bek-list-e"}
    (match,) = result.matches
    assert not match.date_recorded  # the guidance names no amending order: "date not recorded"


def test_dk_list_d_holds_the_examples_toldstyrelsen_names(everything):
    # "Liste D ... omfatter bl.a. buprenorphin og flunitrazepam (rohypnol)"
    buprenorphine = "COC12CCC3(CC1C(C)(O)C(C)(C)C)C1Cc4ccc(O)c5OC2C3(CCN1CC1CC1)c45"
    flunitrazepam = "CN1C(=O)CN=C(c2ccccc2F)c2cc([N+](=O)[O-])ccc21"
    for smiles in (buprenorphine, flunitrazepam):
        assert _lists(_dk(everything, smiles)) == {"dk-bek-list-d"}


def test_gb_part_ii_as_enacted_and_as_inserted(everything):
    """The revised Part II para 1(a): codeine stands unannotated (the text as enacted, in force with the
    Act on 1 July 1973); ethylphenidate carries an F-annotation whose text was not read, so its answer
    must say 'date not recorded' and before 1973 nothing is controlled."""
    codeine = "COc1ccc2c3c1OC1C(O)C=CC4C(C2)N(C)CCC341"
    ethylphenidate = "CCOC(=O)C(c1ccccc1)C1CCCCN1"
    result = everything.classify(codeine, as_of=date(2000, 1, 1), jurisdictions=["GB"]).results["GB"]
    (match,) = [m for m in result.matches if m.rule_id == "gb-mda-class-b"]
    assert match.date_recorded and match.in_force_from == date(1973, 7, 1)
    result = everything.classify(ethylphenidate, jurisdictions=["GB"]).results["GB"]
    (match,) = [m for m in result.matches if m.rule_id == "gb-mda-class-b"]
    assert not match.date_recorded
