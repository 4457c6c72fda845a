"""Denmark, bilag 1 entries read on 4 December 2026 (chemistry/rules/sources/dk_bek_bilag1.txt).

Each expectation is what the source read says: Lægemiddelstyrelsen's notice of 16 June 2017 (eleven
substances on list B from 15 June 2017), the Ministry's press release of 11 March 2009 with UNODC (kratom and
its constituents, BEK 174/2009, list B), the 2011 traffic-safety order quoting list B, DTU's guidance (codeine
on list C), and the sources that say a substance was put on bilag 1 without naming the list (salvinorin A
2003, TFMPP 2005, methoxetamine 2012, HHC from 3 May 2023): those answer from the rule dk-bek-list-unread.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from chemistry.classify import Classifier
from chemistry.rulebook import RULES_DIR, load_rulebook

TODAY = date(2026, 12, 1)
HHC = "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"
MITRAGYNINE = "CCC1CN2CCc3c([nH]c4cccc(OC)c34)C2CC1C(=COC)C(=O)OC"
SALVINORIN_A = "COC(=O)C1CC(OC(C)=O)C(=O)C2C1(C)CCC1C(=O)OC(c3ccoc3)CC21C"
METHOXETAMINE = "CCNC1(c2cccc(OC)c2)CCCCC1=O"
TFMPP = "FC(F)(F)c1cccc(N2CCNCC2)c1"
CODEINE = "COc1ccc2CC3N(C)CCC45C(Oc1c24)C(O)C=CC35"
FIVE_F_MDMB_PINACA = "COC(=O)C(NC(=O)c1nn(CCCCCF)c2ccccc12)C(C)(C)C"
CUMYL_5F_PINACA = "CC(C)(c1ccccc1)NC(=O)c1nn(CCCCCF)c2ccccc12"
U_47700 = "CN(C)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1"
BROMO_DRAGONFLY = "CC(N)Cc1c2ccoc2c(Br)c2ccoc12"
ETHYLONE = "CCNC(C)C(=O)c1ccc2OCOc2c1"
FIVE_F_PB_22 = "O=C(Oc1cccc2cccnc12)c1cn(CCCCCF)c2ccccc12"
HU_210 = "CCCCCCC(C)(C)c1cc(O)c2c(c1)OC(C)(C)C1CC=C(CO)CC21"


@pytest.fixture(scope="module")
def everything() -> Classifier:
    return Classifier(load_rulebook())


def _dk(everything, smiles, day=TODAY):
    return everything.classify(smiles, jurisdictions=["DK"], as_of=day).results["DK"]


def _rules(result) -> set[str]:
    return {m.rule_id for m in result.matches}


def _dk_named() -> dict[str, dict]:
    with (RULES_DIR / "dk_named.toml").open("rb") as handle:
        return {rule["id"]: rule for rule in tomllib.load(handle)["rule"]}


@pytest.mark.parametrize(
    ("name", "smiles"),
    [
        ("5F-MDMB-PINACA, no. 87. II (2017)", FIVE_F_MDMB_PINACA),
        ("CUMYL-5F-PINACA, no. 51 c (2017)", CUMYL_5F_PINACA),
        ("U-47700, no. 233.1 (2017)", U_47700),
        ("mitragynine (BEK 174/2009)", MITRAGYNINE),
        ("Bromo-DragonFLY (2011 traffic-safety order, list B)", BROMO_DRAGONFLY),
        ("HU-210 (UNODC: BEK 190/2010, list B)", HU_210),
    ],
)
def test_read_list_b_entries_answer_by_name_on_list_b(everything, name, smiles):
    result = _dk(everything, smiles)
    assert result.status == "controlled_by_name", name
    assert _rules(result) == {"dk-bek-list-b"}, name  # the read list, not the UN inference
    assert not result.matches[0].date_recorded  # added before BEK 2446/2021: presence there not read


def test_ethylone_is_named_on_list_b_as_well_as_a_cathinone(everything):
    # Lægemiddelstyrelsen 2017: "78.1. Ethylon" on list B, although the 2012 cathinone group covers it
    assert "dk-bek-list-b" in _rules(_dk(everything, ETHYLONE))


def test_codeine_is_on_list_c(everything):
    # DTU: "List C includes substances which are only covered ... if they are not prepared as pharmaceutical
    # preparations (eg. Codeine)"
    result = _dk(everything, CODEINE)
    assert _rules(result) == {"dk-bek-list-c"}
    assert everything.rulebook.rule("dk-bek-list-c").list_ == "liste C"


@pytest.mark.parametrize(
    ("name", "smiles"),
    [
        ("salvinorin A", SALVINORIN_A),
        ("methoxetamine", METHOXETAMINE),
        ("TFMPP", TFMPP),
        ("5F-PB-22 (Ministry, 30 October 2013)", FIVE_F_PB_22),
    ],
)
def test_bilag_1_entries_whose_list_was_not_read(everything, name, smiles):
    result = _dk(everything, smiles)
    assert result.status == "controlled_by_name", name
    assert _rules(result) == {"dk-bek-list-unread"}, name
    assert everything.rulebook.rule("dk-bek-list-unread").list_ == "liste A-E"


def test_hhc_from_3_may_2023(everything):
    # Ritzau, Aug 2023: on 13 May 2023 HHC had been on the list for ten days; Videnskab.dk: "det 3. maj"
    assert _dk(everything, HHC, date(2023, 5, 2)).status == "not_controlled"
    result = _dk(everything, HHC, date(2023, 5, 3))
    assert _rules(result) == {"dk-bek-list-unread"}
    (match,) = result.matches
    assert match.date_recorded and match.in_force_from == date(2023, 5, 3)


def test_unread_list_entries_say_that_their_source_does_not_name_the_list():
    for entry in _dk_named()["dk-bek-list-unread"]["substances"]:
        assert "list not named" in entry["source"], entry["name"]


def test_entries_added_before_2022_do_not_guess_a_date():
    rules = _dk_named()
    for rule_id in ("dk-bek-list-b", "dk-bek-list-c", "dk-bek-list-unread"):
        for entry in rules[rule_id]["substances"]:
            if entry["source"].startswith(("Lægemiddelstyrelsen, news of 16 June 2017", "Ministeriet", "DTU")):
                assert entry["in_force_from"] == "not recorded", entry["name"]


def test_the_2017_entries_say_their_order_is_an_inference():
    list_b = _dk_named()["dk-bek-list-b"]["substances"]
    from_2017 = [e for e in list_b if e["source"].startswith("Lægemiddelstyrelsen, news of 16 June 2017")]
    assert len(from_2017) == 11
    for entry in from_2017:
        assert "by inference" in entry["added_by"] and "15 June 2017" in entry["added_by"], entry["name"]


def test_the_2024_amending_orders_are_cited():
    # elov.dk, § 26 of BEK 2446/2021: "... bekendtgørelse nr. 454 af 7. maj 2024 og bekendtgørelse nr. 1012
    # af 3. september 2024"
    for rule in _dk_named().values():
        assert rule["citation"]["amended_by"][-2:] == ["BEK nr 454 af 07/05/2024", "BEK nr 1012 af 03/09/2024"]
