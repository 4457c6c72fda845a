"""Denmark, bilag 1: the second search of 5 December 2026 (chemistry/rules/sources/dk_bek_bilag1_2026b.txt).

The one new entry read: UNODC's Legal Library, "Rapid Procedure for DENMARK": "on 28.09.2012 Executive order
No. 971 of 28 September 2012 placed 5-IT under control (in force since 30.09.2012)". The list is not named, so
the answer comes from the rule dk-bek-list-unread-2026 ("liste A-E"), by name, date not recorded (presence in
BEK 2446/2021 not read). Every expectation below is what that source says, not what the code returns.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)
FIVE_IT = "CC(N)Cc1ccc2[nH]ccc2c1"  # 5-(2-aminopropyl)indole
FIVE_IT_HCL = "CC(N)Cc1ccc2[nH]ccc2c1.Cl"
AMT = "CC(N)Cc1c[nH]c2ccccc12"  # the 3-isomer, list B in the 2011 traffic-safety order (dk_named.toml)
SOURCE = RULES_DIR / "sources" / "dk_bek_bilag1_2026b.txt"
RULE_ID = "dk-bek-list-unread-2026"


@pytest.fixture(scope="module")
def everything() -> Classifier:
    return Classifier(load_rulebook())


def _dk(everything, smiles, day=TODAY):
    return everything.classify(smiles, jurisdictions=["DK"], as_of=day).results["DK"]


def _rule() -> dict:
    with (RULES_DIR / "dk_named_2026.toml").open("rb") as handle:
        (rule,) = tomllib.load(handle)["rule"]
    return rule


def _rows() -> list[list[str]]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return [[c.strip() for c in line.split("|")] for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("smiles", [FIVE_IT, FIVE_IT_HCL])
def test_5_it_is_on_bilag_1_by_name_list_not_read(everything, smiles):
    # UNODC: "Executive order No. 971 of 28 September 2012 placed 5-IT under control"
    result = _dk(everything, smiles)
    assert result.status == "controlled_by_name"
    assert {m.rule_id for m in result.matches} == {RULE_ID}
    (match,) = result.matches
    assert match.list == "liste A-E"  # the source does not name the list
    assert not match.date_recorded  # added in 2012: its presence in BEK 2446/2021 was not read


def test_the_3_isomer_keeps_its_read_list_b_entry(everything):
    # AMT (1-(1H-indol-3-yl)propan-2-amine) is read on list B; 5-IT's entry must not answer for it
    result = _dk(everything, AMT)
    assert {m.rule_id for m in result.matches} == {"dk-bek-list-b"}


def test_the_entry_cites_order_971_2012_and_its_date_without_guessing():
    (entry,) = _rule()["substances"]
    assert entry["name"] == "5-IT"
    assert "BEK nr 971 af 28/09/2012" in entry["added_by"] and "30 September 2012" in entry["added_by"]
    assert entry["in_force_from"] == "not recorded"
    assert "list not named" in entry["source"] and entry["source"].startswith("UNODC Legal Library")


def test_source_rows_and_entries_agree():
    rows = _rows()
    rule = _rule()
    assert [r[1] for r in rows] == [e["name"] for e in rule["substances"]]
    assert all(r[0] == "A-E" for r in rows)
    assert f"Encoded entries: {len(rule['substances'])}." in rule["notes"]
    text = SOURCE.read_text(encoding="utf-8")
    assert "placed 5-IT\n#              under control (in force since 30.09.2012)" in text


def test_newest_amending_orders_found_are_those_of_2024():
    # elov.dk § 26: "... bekendtgørelse nr. 454 af 7. maj 2024 og bekendtgørelse nr. 1012 af 3. september 2024";
    # no 2025 or 2026 order was found on 5 December 2026
    assert _rule()["citation"]["amended_by"][-2:] == ["BEK nr 454 af 07/05/2024", "BEK nr 1012 af 03/09/2024"]
    assert _rule()["citation"]["reference"] == "BEK nr 2446 af 12/12/2021"
