"""Identity: one compound however it is written; precise errors for what cannot be a substance."""

import pytest
from rdkit import Chem

from chemistry.identity import StructureError, StructureFormat, identify

# Mephedrone (4-methylmethcathinone), named in the UK Misuse of Drugs Act 1971 (Amendment) Order 2010.
MEPHEDRONE = "CNC(C)C(=O)c1ccc(C)cc1"
MEPHEDRONE_HCL = "CNC(C)C(=O)c1ccc(C)cc1.Cl"
MEPHEDRONE_PROTONATED = "C[NH2+]C(C)C(=O)c1ccc(C)cc1.[Cl-]"
S_METHCATHINONE = "CN[C@@H](C)C(=O)c1ccccc1"
R_METHCATHINONE = "CN[C@H](C)C(=O)c1ccccc1"


def test_salt_free_base_and_inchi_are_one_substance():
    base = identify(MEPHEDRONE)
    assert identify(MEPHEDRONE_HCL).inchikey == base.inchikey
    assert identify(MEPHEDRONE_PROTONATED).inchikey == base.inchikey
    from_inchi = identify(base.inchi)
    assert from_inchi.inchikey == base.inchikey
    assert from_inchi.input_format is StructureFormat.inchi
    # the standard InChIKey of mephedrone, as published by PubChem (CID 45266826) for the racemate
    assert base.inchikey == "YELGFTGWJGBAQU-UHFFFAOYSA-N"


@pytest.mark.parametrize("writer", [Chem.MolToMolBlock, Chem.MolToV3KMolBlock], ids=["V2000", "V3000"])
def test_molfiles_give_the_same_substance(writer):
    block = writer(Chem.MolFromSmiles(MEPHEDRONE_HCL))
    identity = identify(block)
    assert identity.input_format is StructureFormat.molfile
    assert identity.inchikey == identify(MEPHEDRONE).inchikey


def test_stereoisomers_are_distinct_but_share_the_skeleton_block():
    s, r, racemic = identify(S_METHCATHINONE), identify(R_METHCATHINONE), identify("CNC(C)C(=O)c1ccccc1")
    assert len({s.inchikey, r.inchikey, racemic.inchikey}) == 3
    assert s.connectivity_key == r.connectivity_key == racemic.connectivity_key
    assert "@" in s.smiles  # stereochemistry survives standardisation


def test_computed_properties_of_the_parent():
    identity = identify(MEPHEDRONE_HCL)
    assert identity.formula == "C11H15NO"  # the parent, without HCl
    assert identity.monoisotopic_mass == pytest.approx(177.11536, abs=1e-4)
    assert identity.average_mass == pytest.approx(177.247, abs=1e-2)
    assert "." not in identity.smiles


@pytest.mark.parametrize(
    "text, code, words",
    [
        ("", "empty", "empty"),
        ("   ", "empty", "empty"),
        ("C1CC(", "unparseable", "syntax error"),
        ("c1cccc1", "unparseable", "kekulize"),
        ("C(C)(C)(C)(C)C", "unparseable", "valence"),
        ("InChI=1S/garbage", "unparseable", "inchi"),
        ("CC O", "unparseable", "whitespace"),
        ("[Na+].[Cl-]", "not_organic", "organic"),
        ("[K+].[O-][N+](=O)[O-]", "not_organic", "non-metals"),  # a salt: its anion is not a substance
        ("O", "not_organic", "organic"),  # one heavy atom
        ("[Xe]", "not_organic", "organic"),
        ("C" * 400, "too_large", "heavy atoms"),
    ],
)
def test_bad_structures_get_a_precise_error(text, code, words):
    with pytest.raises(StructureError) as caught:
        identify(text)
    assert caught.value.code == code
    assert words.lower() in caught.value.message.lower()


# --- size bounds checked on the text before parsing ------------------------------------------

from chemistry.identity import (  # noqa: E402
    MAX_FRAGMENTS,
    MAX_HEAVY_ATOMS,
    MAX_RING_CLOSURES,
    check_size_before_parsing,
)


def test_no_real_substance_is_refused_by_the_text_bounds():
    import csv
    from pathlib import Path

    # the repository's verbatim copy of shared/data/psychoactives.csv (see service/seed/README.md)
    rows = list(csv.DictReader(open(Path(__file__).parents[2] / "service/seed/psychoactives.csv")))
    assert len(rows) > 300
    for row in rows:
        check_size_before_parsing(row["smiles"], StructureFormat.smiles)  # raises if refused


@pytest.mark.parametrize(
    ("smiles", "refused"),
    [
        ("C" * MAX_HEAVY_ATOMS, False),
        ("C" * (MAX_HEAVY_ATOMS + 1), True),
        ("[2H]" * 300 + "C", False),  # hydrogens are not heavy atoms
        ("[CH3]" * (MAX_HEAVY_ATOMS + 1), True),
        ("Cl" * 200 + "Br" * 51, True),  # two-letter symbols count once each
        (".".join(["O"] * MAX_FRAGMENTS), False),
        (".".join(["O"] * (MAX_FRAGMENTS + 1)), True),
        ("C1" * (MAX_RING_CLOSURES + 1), True),
    ],
)
def test_smiles_text_bounds(smiles, refused):
    if refused:
        with pytest.raises(StructureError) as caught:
            check_size_before_parsing(smiles, StructureFormat.smiles)
        assert caught.value.code == "too_large"
    else:
        check_size_before_parsing(smiles, StructureFormat.smiles)


def test_the_text_bound_agrees_with_rdkits_heavy_atom_count_at_the_limit():
    # a branched, ringed, bracketed molecule of exactly the limit passes the text check and parses
    unit = "c1cc([NH3+])ccc1C(Cl)(Br)"  # 10 heavy atoms
    smiles = unit * (MAX_HEAVY_ATOMS // 10)
    check_size_before_parsing(smiles, StructureFormat.smiles)
    from rdkit import Chem

    assert Chem.MolFromSmiles(smiles).GetNumHeavyAtoms() == MAX_HEAVY_ATOMS


def test_inchi_and_molfile_bounds():
    with pytest.raises(StructureError):
        check_size_before_parsing("InChI=1S/C300H602/c1-3", StructureFormat.inchi)
    with pytest.raises(StructureError):
        check_size_before_parsing("InChI=1S/2C150H302/c1-3", StructureFormat.inchi)  # 2 x 150
    check_size_before_parsing(
        "InChI=1S/C8H10N4O2/c1-10-4-9-6-5(10)7(13)12(3)8(14)11(6)2/h4H,1-3H3", StructureFormat.inchi
    )
    v3000 = "\n  x\n\n  0  0  0     0  0            999 V3000\nM  V30 BEGIN CTAB\nM  V30 COUNTS 5000 0 0 0 0\n"
    with pytest.raises(StructureError):
        check_size_before_parsing(v3000, StructureFormat.molfile)
    v2000 = "\n  x\n\n999  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n"  # 999 fits hydrogens
    check_size_before_parsing(v2000, StructureFormat.molfile)


def test_a_nul_in_a_structure_is_refused_not_truncated():
    # RDKit stops at the NUL and would read "CCO\x00..." as ethanol
    with pytest.raises(StructureError) as caught:
        identify("CCO\x00c1ccccc1")
    assert caught.value.code == "unparseable" and "NUL" in caught.value.message


@pytest.mark.parametrize("text", ["N#[N+][O-]", "[N-]=[N+]=O", "O.N#[N+][O-]"])
def test_nitrous_oxide_is_a_substance_though_it_has_no_carbon(text):
    # UK Class C since 8 November 2023, NpSG Anlage 2 from 12 April 2026: laws name it, so the
    # registry must take it (a molecule of non-metals, from an input without metals)
    identity = identify(text)
    assert identity.inchikey == "GQPLMRYTRLFLPF-UHFFFAOYSA-N"
    assert "." not in identity.smiles
