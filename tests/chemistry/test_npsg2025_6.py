"""NpSG Anlage 1 Nr. 6, 7, 8 and 9 as worded by the Sechste Verordnung zur Änderung der Anlage des
NpSG (BGBl. 2025 I Nr. 292) and Anlage 2 as added by the Gesetz vom 7. Januar 2026 (BGBl. 2026 I
Nr. 2, in force 12 April 2026).

The Verordnung's promulgation was not read; it is dated 1 December 2025 (a secondary source), so the
Anlage 1 rules answer from 2 December 2025, its earliest day in force, and not on 1 December 2025.
Anlage 2 answers from 12 April 2026, the Gesetz's own date. These tests ask only whether the new rule
holds a compound, never the whole status.

Every expectation is read from the texts (2025/2026: github.com/habibhaidari1/gesetze
n/npsg/index.md at commit 48332e5c; 2024: github.com/thunderquack/bundestag_gesetze n/npsg/index.md
at commit 1b1dd816), never from running the engine. A compound inside a group counts whether the
group controls it or yields to the BtMG or to an authorised medicine (§ 1 Abs. 2 NpSG).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from chemistry.classify import Classifier
from chemistry.identity import identify
from chemistry.rulebook import load_rulebook

ANLAGE_1_FROM = date(2025, 12, 2)  # earliest day the Sechste Verordnung can be in force
ANLAGE_2_FROM = date(2026, 4, 12)  # the Gesetz vom 7. Januar 2026, in force 12 April 2026


def _first_day(rule: str) -> date:
    return ANLAGE_2_FROM if rule == "de-npsg-anlage2-2026" else ANLAGE_1_FROM


NEW_RULES = {
    "de-npsg-arylcyclohexylamines-2025",
    "de-npsg-benzimidazoles-2025",
    "de-npsg-diphenylpropylamines-2025",
    "de-npsg-aminobenzylpiperidines-2025",
    "de-npsg-anlage2-2026",
}


@dataclass(frozen=True)
class Boundary:
    rule: str  # the -2025 rule id
    substance: str
    smiles: str
    in_2025: bool  # inside the group as worded by the Sechste Verordnung
    why: str  # the sentences of the texts that decide it


BOUNDARIES = [
    # --- Nr. 6, Arylcyclohexyl(methyl)amine (R1-R3 and Rn unchanged; R4 and the second
    # Grundstruktur are in the figure and not encoded) ---
    Boundary(
        "de-npsg-arylcyclohexylamines-2025",
        "3-MeO-PCMo",
        "COc1cccc(C2(N3CCOCC3)CCCCC2)c1",
        True,
        "6 a (morpholine ring at N) and 6 b (methoxy): unchanged wording",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines-2025",
        "1-[1-(naphthalen-2-yl)cyclohexyl]piperidine",
        "C1CCN(CC1)C1(CCCCC1)c1ccc2ccccc2c1",
        False,
        "6 b: naphthyl is not a listed ring system (unchanged since 2024)",
    ),
    Boundary(
        "de-npsg-arylcyclohexylamines-2025",
        "N-(2-fluoroethyl)-1-phenylcyclohexylamine",
        "FCCNC1(c2ccccc2)CCCCC1",
        False,
        "6 a: R1/R2 further substituted with C, H, N and O only (unchanged)",
    ),
    # --- Nr. 7, Benzimidazole ---
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "ethyleneoxynitazene",
        "CCN(CC)CCn1c(Cc2ccc3OCCc3c2)nc2cc([N+](=O)[O-])ccc21",
        True,
        "7 d: an ethylenoxy bridge across two adjacent phenyl carbons is new (2024: no bridges)",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "N,N-dibutyl etonitazene analogue",
        "CCCCN(CCCC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        True,
        "7 a: alkyl at the amine up to C6 (2024: up to C3)",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "N,N-diheptyl etonitazene analogue",
        "CCCCCCCN(CCCCCCC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
        False,
        "7 a: alkyl at the amine only up to C6",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "5-nitro-2-[4-(2-fluoroethoxy)benzyl] nitazene",
        "CCN(CC)CCn1c(Cc2ccc(OCCF)cc2)nc2cc([N+](=O)[O-])ccc21",
        True,
        "7 d: the listed groups may carry fluorine (new sentence)",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "5-acetyl etodesnitazene analogue",
        "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc(C(C)=O)ccc21",
        True,
        "7 c: acetyl on the benzimidazole is new",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "N,N-dihexyl isotonitazene analogue (522.7 u)",
        "CCCCCCN(CCCCCC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
        True,
        "7: maximum mass 600 u (2024: 500 u) and alkyl at the amine up to C6",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "5-nitro-2-(4-hexyloxybenzyl) nitazene",
        "CCCCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1",
        False,
        "7 d: alkoxy only up to C5, unchanged",
    ),
    Boundary(
        "de-npsg-benzimidazoles-2025",
        "5-ethoxy etodesnitazene analogue",
        "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc(OCC)ccc21",
        False,
        "7 c: methoxy is the only plain alkoxy group listed for Rm",
    ),
    # --- Nr. 8, 3,3-Diphenylpropan-1-amine (new group) ---
    Boundary(
        "de-npsg-diphenylpropylamines-2025",
        "methadone thiophen-2-yl analogue",
        "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1cccs1",
        True,
        "8 a (alkylcarbonyl), b (methyl), c (dimethyl), d (thienyl): a new group",
    ),
    Boundary(
        "de-npsg-diphenylpropylamines-2025",
        "methadone (a BtMG substance, set aside)",
        "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
        True,
        "8: inside the definition; § 1 Abs. 2 Nr. 1 NpSG sets it aside",
    ),
    Boundary(
        "de-npsg-diphenylpropylamines-2025",
        "N-methyl-3,3-diphenylpropan-1-amine",
        "CNCCC(c1ccccc1)c1ccccc1",
        False,
        "8 a: R1 has no hydrogen in its list, so it is required",
    ),
    Boundary(
        "de-npsg-diphenylpropylamines-2025",
        "methadone heptyl analogue",
        "CCCCCCCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
        False,
        "8 a: alkylcarbonyl with the alkyl only up to C6",
    ),
    Boundary(
        "de-npsg-diphenylpropylamines-2025",
        "4-chlorophenyl methadone analogue",
        "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccc(Cl)cc1",
        False,
        "8 d: no substituents are listed for Ar1/Ar2",
    ),
    # --- Nr. 9, 4-Amino-1-benzylpiperidine (new group) ---
    Boundary(
        "de-npsg-aminobenzylpiperidines-2025",
        "des-bromo brorphine (orphine)",
        "CC(c1ccccc1)N1CCC(CC1)n1c(=O)[nH]c2ccccc21",
        True,
        "9: the benzimidazolone Grundstruktur with R1 methyl: a new group",
    ),
    Boundary(
        "de-npsg-aminobenzylpiperidines-2025",
        "brorphine (a BtMG Anlage II substance, set aside)",
        "CC(c1ccc(Br)cc1)N1CCC(CC1)n1c(=O)[nH]c2ccccc21",
        True,
        "9: inside the definition; § 1 Abs. 2 Nr. 1 NpSG sets it aside",
    ),
    Boundary(
        "de-npsg-aminobenzylpiperidines-2025",
        "brorphine 1-phenylbutyl analogue",
        "CCCC(c1ccc(Br)cc1)N1CCC(CC1)n1c(=O)[nH]c2ccccc21",
        False,
        "9 a: R1 only hydrogen, methyl or ethyl",
    ),
    Boundary(
        "de-npsg-aminobenzylpiperidines-2025",
        "benperidol",
        "O=C(CCCN1CCC(CC1)n1c(=O)[nH]c2ccccc21)c1ccc(F)cc1",
        False,
        "9: the piperidine nitrogen must carry the benzyl of the Grundstruktur",
    ),
    # --- Anlage 2 (Gesetz vom 7. Januar 2026, in force 12 April 2026) ---
    Boundary(
        "de-npsg-anlage2-2026",
        "γ-butyrolactone (GBL)",
        "O=C1CCCO1",
        True,
        "Anlage 2 row 2: γ-Butyrolacton (Oxolan-2-on)",
    ),
    Boundary(
        "de-npsg-anlage2-2026",
        "1,4-butanediol",
        "OCCCCO",
        True,
        "Anlage 2 row 1: 1,4-Butandiol (Butan-1,4-diol)",
    ),
    Boundary(
        "de-npsg-anlage2-2026",
        "1,3-butanediol",
        "CC(O)CCO",
        False,
        "Anlage 2 names butane-1,4-diol only",
    ),
    Boundary(
        "de-npsg-anlage2-2026",
        "γ-valerolactone",
        "CC1CCC(=O)O1",
        False,
        "Anlage 2 names γ-butyrolactone only, no homologues",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_rulebook())


def _group_rules_capturing(classifier: Classifier, smiles: str, day: date) -> set[str]:
    """Rule ids whose definition holds the compound on that day, controlling or set aside."""
    answer = classifier.classify(identify(smiles), jurisdictions=["DE"], as_of=day).results["DE"]
    return {m.rule_id for m in answer.matches} | {s.match.rule_id for s in answer.set_aside}


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.rule}/{b.substance}")
def test_no_new_rule_answers_the_day_before_it_applies(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, _first_day(case.rule) - timedelta(days=1))
    assert case.rule not in found, "the new wording does not apply before its first day"


@pytest.mark.parametrize("case", BOUNDARIES, ids=lambda b: f"{b.rule}/{b.substance}")
def test_the_new_rule_answers_from_its_first_day(classifier, case):
    found = _group_rules_capturing(classifier, case.smiles, _first_day(case.rule))
    assert (case.rule in found) is case.in_2025, case.why


def test_new_rules_are_in_force_from_their_first_day_only(classifier):
    def in_force(day: date) -> set[str]:
        return {rule.id for rule in classifier.rules_in_force(as_of=day, jurisdictions=["DE"])}

    anlage_1 = NEW_RULES - {"de-npsg-anlage2-2026"}
    assert not in_force(ANLAGE_1_FROM - timedelta(days=1)) & NEW_RULES
    assert in_force(ANLAGE_1_FROM) & NEW_RULES == anlage_1
    assert in_force(ANLAGE_2_FROM) >= NEW_RULES


def test_nitrous_oxide_is_an_anlage_2_substance_from_12_april_2026_and_an_authorised_medicine():
    """Anlage 2 row 3 names Distickstoffmonoxid (N2O): a molecule without carbon, which the engine
    standardises since 5 December 2026 (before, it refused it and gave no answer at all). N2O is
    also an authorised medicinal gas (Fachinformationen of LIVOPAN and Stickoxydul medizinisch), and
    § 1 Abs. 2 Nr. 2 NpSG excludes Arzneimittel from the whole Act: the Anlage 2 match is shown,
    set aside by the register, as every NpSG match of a medicine is."""
    nitrous_oxide = identify("N#[N+][O-]")
    assert nitrous_oxide.inchikey == "GQPLMRYTRLFLPF-UHFFFAOYSA-N"
    classifier = Classifier()
    after = classifier.classify(nitrous_oxide, jurisdictions=["DE"], as_of=ANLAGE_2_FROM).results["DE"]
    assert not after.matches
    assert [(s.match.rule_id, s.by) for s in after.set_aside] == [("de-npsg-anlage2-2026", ("de-amg-medicines",))]
    assert "Arzneimittel" in after.set_aside[0].reason
    before = classifier.classify(nitrous_oxide, jurisdictions=["DE"], as_of=ANLAGE_2_FROM - timedelta(days=1)).results[
        "DE"
    ]
    assert before.status == "not_controlled" and not before.set_aside
