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
        ("N#[N+][O-]", "not_organic", "organic"),  # nitrous oxide: psychoactive but not organic
        ("C" * 400, "too_large", "heavy atoms"),
    ],
)
def test_bad_structures_get_a_precise_error(text, code, words):
    with pytest.raises(StructureError) as caught:
        identify(text)
    assert caught.value.code == code
    assert words.lower() in caught.value.message.lower()
