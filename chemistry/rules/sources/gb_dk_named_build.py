"""Build gb_named.toml and dk_named.toml from the transcribed source rows next to this file.

    .venv/bin/python -m chemistry.rules.sources.gb_dk_named_build

The committed product is the TOML; this script documents how each entry's structure was obtained:
OPSIN's parse of the systematic name the instrument prints ("opsin"), else a structure reviewed by
the encoder ("reviewed", with a note), and nothing for plants and preparations. A row whose
structure was not reviewed is listed in the rule's notes as "listed, not encoded", never dropped
silently; tests/chemistry/test_gb_dk_named.py counts rows against entries.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from py2opsin import py2opsin
from rdkit import rdBase

from chemistry.identity import identify

rdBase.DisableLog("rdApp.*")
HERE = Path(__file__).parent
RULES = HERE.parent

# ------------------------------------------------------------------------------------------------
# Structures for printed names that carry no systematic name (INNs, trivial names). Drawn by the
# encoder from the INN definition; connectivity only (every rule covers stereoisomers).
_MORPHINE = "CN1CCC23C4C1CC5=C2C(=C(C=C5){r3})OC3{c6}"  # 4,5-epoxymorphinan; r3 = 3-substituent
REVIEWED: dict[str, str] = {
    "allylprodine": "C=CCC1CN(C)CCC1(OC(=O)CC)c1ccccc1",
    "alphacetylmethadol": "CCC(OC(C)=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "alphameprodine": "CCC1CN(C)CCC1(OC(=O)CC)c1ccccc1",
    "alphamethadol": "CCC(O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "alphaprodine": "CCC(=O)OC1(c2ccccc2)CCN(C)CC1C",
    "anileridine": "CCOC(=O)C1(c2ccccc2)CCN(CCc2ccc(N)cc2)CC1",
    "benzethidine": "CCOC(=O)C1(c2ccccc2)CCN(CCOCc2ccccc2)CC1",
    "benzylmorphine": _MORPHINE.format(r3="OCc6ccccc6", c6="C(C=C4)O"),
    "betacetylmethadol": "CCC(OC(C)=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "betameprodine": "CCC1CN(C)CCC1(OC(=O)CC)c1ccccc1",
    "betamethadol": "CCC(O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "betaprodine": "CCC(=O)OC1(c2ccccc2)CCN(C)CC1C",
    "bezitramide": "CCC(=O)N1C(=O)N(C2CCN(CCC(C#N)(c3ccccc3)c3ccccc3)CC2)c2ccccc21",
    "bufotenine": "CN(C)CCc1c[nH]c2ccc(O)cc12",
    "cannabinol": "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2",
    "carfentanil": "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1",
    "clonitazene": "CCN(CC)CCn1c(Cc2ccc(Cl)cc2)nc2cc([N+](=O)[O-])ccc21",
    "cocaine": "COC(=O)C1C(OC(=O)c2ccccc2)CC2CCC1N2C",
    "desomorphine": _MORPHINE.format(r3="O", c6="CCC4"),
    "dextromoramide": "CC(CN1CCOCC1)C(C(=O)N1CCCC1)(c1ccccc1)c1ccccc1",
    "diamorphine": _MORPHINE.format(r3="OC(C)=O", c6="C(C=C4)OC(C)=O"),
    "diampromide": "CCC(=O)N(CC(C)N(C)CCc1ccccc1)c1ccccc1",
    "diethylthiambutene": "CCN(CC)C(C)C=C(c1cccs1)c1cccs1",
    "dihydrocodeinone o-carboxymethyloxime": _MORPHINE.format(r3="OC", c6="C(=NOCC(=O)O)CC4"),
    "dihydromorphine": _MORPHINE.format(r3="O", c6="C(CC4)O"),
    "dimenoxadole": "CCOC(C(=O)OCCN(C)C)(c1ccccc1)c1ccccc1",
    "dimepheptanol": "CCC(O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "dimethylthiambutene": "CC(C=C(c1cccs1)c1cccs1)N(C)C",
    "dioxaphetyl butyrate": "CCOC(=O)C(CCN1CCOCC1)(c1ccccc1)c1ccccc1",
    "diphenoxylate": "CCOC(=O)C1(c2ccccc2)CCN(CCC(C#N)(c2ccccc2)c2ccccc2)CC1",
    "dipipanone": "CCC(=O)C(CC(C)N1CCCCC1)(c1ccccc1)c1ccccc1",
    "ecgonine": "CN1C2CCC1C(C(=O)O)C(O)C2",
    "ethylmethylthiambutene": "CCN(C)C(C)C=C(c1cccs1)c1cccs1",
    "eticyclidine": "CCNC1(c2ccccc2)CCCCC1",
    "alfentanil": "CCn1nnn(CCN2CCC(COC)(N(C(=O)CC)c3ccccc3)CC2)c1=O",
    "lysergamide": "NC(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34",
    "lysergide": "CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34",
    "mescaline": "COc1cc(CCN)cc(OC)c1OC",
    "metazocine": "CC1C2Cc3ccc(O)cc3C1(C)CCN2C",
    "methadone": "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "methadyl acetate": "CCC(OC(C)=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1",
    "methyldesorphine": _MORPHINE.format(r3="O", c6="C(C)=CC4"),
    "methyldihydromorphine": _MORPHINE.format(r3="O", c6="C(C)(O)CC4"),
    "metopon": "CN1CCC23C4C1CC5=C2C(=C(C=C5)O)OC3(C)C(=O)CC4",
    "morpheridine": "CCOC(=O)C1(c2ccccc2)CCN(CCN2CCOCC2)CC1",
    "morphine": _MORPHINE.format(r3="O", c6="C(C=C4)O"),
    "morphine methobromide": "C[N+]1(C)CCC23C4C1CC5=C2C(=C(C=C5)O)OC3C(C=C4)O",
    "myrophine": _MORPHINE.format(r3="OCc6ccccc6", c6="C(C=C4)OC(=O)CCCCCCCCCCCCC"),
    "nicomorphine": _MORPHINE.format(r3="OC(=O)c6cccnc6", c6="C(C=C4)OC(=O)c6cccnc6"),
    "noracymethadol": "CCC(OC(C)=O)C(CC(C)NC)(c1ccccc1)c1ccccc1",
    "norlevorphanol": "N1CCC23CCCCC2C1Cc1ccc(O)cc13",
    "normethadone": "CCC(=O)C(CCN(C)C)(c1ccccc1)c1ccccc1",
    "normorphine": "N1CCC23C4C1CC5=C2C(=C(C=C5)O)OC3C(C=C4)O",
    "norpipanone": "CCC(=O)C(CCN1CCCCC1)(c1ccccc1)c1ccccc1",
    "oxycodone": "CN1CCC23C4(O)C1CC5=C2C(=C(C=C5)OC)OC3C(=O)CC4",
    "oxymorphone": "CN1CCC23C4(O)C1CC5=C2C(=C(C=C5)O)OC3C(=O)CC4",
    "pethidine": "CCOC(=O)C1(c2ccccc2)CCN(C)CC1",
    "phenadoxone": "CCC(=O)C(CC(C)N1CCOCC1)(c1ccccc1)c1ccccc1",
    "phenampromide": "CCC(=O)N(c1ccccc1)C(C)CN1CCCCC1",
    "phenazocine": "CC1C2Cc3ccc(O)cc3C1(C)CCN2CCc1ccccc1",
    "phencyclidine": "C1CCN(CC1)C1(c2ccccc2)CCCCC1",
    "phenomorphan": "Oc1ccc2CC3N(CCc4ccccc4)CCC4(CCCCC34)c2c1",
    "phenoperidine": "CCOC(=O)C1(c2ccccc2)CCN(CCC(O)c2ccccc2)CC1",
    "piminodine": "CCOC(=O)C1(c2ccccc2)CCN(CCCNc2ccccc2)CC1",
    "piritramide": "NC(=O)C1(N2CCCCC2)CCN(CCC(C#N)(c2ccccc2)c2ccccc2)CC1",
    "proheptazine": "CCC(=O)OC1(c2ccccc2)CCCN(C)CC1C",
    "psilocin": "CN(C)CCc1c[nH]c2cccc(O)c12",
    "racemoramide": "CC(CN1CCOCC1)C(C(=O)N1CCCC1)(c1ccccc1)c1ccccc1",
    "rolicyclidine": "C1CCC(CC1)(c1ccccc1)N1CCCC1",
    "etonitazene": "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "fentanyl": "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    "isomethadone": "CCC(=O)C(C(C)CN(C)C)(c1ccccc1)c1ccccc1",
    "1-methyl-4-phenylpiperdine-4-carboxylic acid": "CN1CCC(C(=O)O)(c2ccccc2)CC1",
    "methylamphetamine": "CNC(C)Cc1ccccc1",
    "brorphine": "CC(c1ccc(Br)cc1)N1CCC(n2c(=O)[nH]c3ccccc32)CC1",
    "butonitazene": "CCN(CC)CCn1c(Cc2ccc(OCCCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "ethyleneoxynitazene": "CCN(CC)CCn1c(Cc2ccc3OCCc3c2)nc2cc([N+](=O)[O-])ccc21",
    "etodesnitazene": "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2ccccc21",
    "flunitazene": "CCN(CC)CCn1c(Cc2ccc(F)cc2)nc2ccccc21",
    "isotonitazene": "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
    "metodesnitazene": "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2ccccc21",
    "metonitazene": "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "protonitazene": "CCN(CC)CCn1c(Cc2ccc(OCCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "n-desethyl etonitazene": "CCNCCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21",
    "n-desethylisotonitazene": "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21",
    "ap-238": "CCC(=O)N1C(C)CN(C/C=C/c2ccccc2)CC1C",
    "para-methyl-ap-237": "CCCC(=O)N1CCN(C/C=C/c2ccc(C)cc2)CC1",
    "para-nitroazaprocin": "CCC(=O)N1C2CCC1CN(C/C=C/c1ccc([N+](=O)[O-])cc1)C2",
    "2-methyl-ap-237": "CCCC(=O)N1CCN(C/C=C/c2ccccc2)CC1C",
    # Class B
    "amphetamine": "CC(N)Cc1ccccc1",
    # "Nicodicodine (6-nicotinoyldihydrocodeine)" (SI 1973/771): OPSIN reads the printed name as a C-nicotinoyl
    # ketone on C6 that keeps a 6-hydroxy group; nicodicodine is the 6-O-nicotinoyl ESTER of dihydrocodeine (as in
    # named_un1961.toml, un-1961-schedule-ii, and the Regulations' Schedule 5 name "nicodicodine
    # (6-nicotinoyldihydrocodeine)" beside nicocodine, the ester of codeine)
    "nicodicodine": "COc1ccc2c3c1O[C@H]1[C@@H](OC(=O)c4cccnc4)CC[C@H]4[C@@H](C2)N(C)CC[C@@]341",
    "ethylmorphine": _MORPHINE.format(r3="OCC", c6="C(C=C4)O"),
    "glutethimide": "CCC1(c2ccccc2)CCC(=O)NC1=O",
    "methylphenobarbitone": "CCC1(c2ccccc2)C(=O)NC(=O)N(C)C1=O",
    "n-benzyl-ethylphenidate": "CCOC(=O)C(c1ccccc1)C1CCCCN1Cc1ccccc1",
    "ketamine": "CNC1(c2ccccc2Cl)CCCCC1=O",
    "lisdexamfetamine": "NCCCCC(N)C(=O)NC(C)Cc1ccccc1",
    "nabilone": "CCCCCCC(C)(C)c1cc(O)c2c(c1)OC(C)(C)C1CCC(=O)CC21",
    "4-hydroxy-n-butyric acid": "OCCCC(=O)O",
    "gamma-butyrolactone": "O=C1CCCO1",
    "1,4-butanediol": "OCCCCO",
    # Class C
    "bromazepam": "O=C1CN=C(c2ccccn2)c2cc(Br)ccc2N1",
    "oxazolam": "CC1CN2CC(=O)Nc3ccc(Cl)cc3C2(c2ccccc2)O1",
    "camazepam": "CN(C)C(=O)OC1N=C(c2ccccc2)c2cc(Cl)ccc2N(C)C1=O",
    "fenproporex": "N#CCCNC(C)Cc1ccccc1",
    "flunitrazepam": "CN1C(=O)CN=C(c2ccccc2F)c2cc([N+](=O)[O-])ccc21",
    "nordazepam": "O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1",
    "buprenorphine": "CC(C)(C)C(C)(O)C1CC23CCC1(OC)C1Oc4c(O)ccc5c4C12CCN(CC1CC1)C3C5",
    # the Danish spelling (Toldstyrelsen's guidance prints "buprenorphin")
    "buprenorphin": "CC(C)(C)C(C)(O)C1CC23CCC1(OC)C1Oc4c(O)ccc5c4C12CCN(CC1CC1)C3C5",
    "pemoline": "NC1=NC(=O)C(c2ccccc2)O1",
    "tramadol": "COc1cccc(C2(O)CCCCC2CN(C)C)c1",
    "zaleplon": "CCN(C(C)=O)c1cccc(-c2ccnc3c(C#N)cnn23)c1",
    "zopiclone": "CN1CCN(C(=O)OC2c3nccnc3C(=O)N2c2ccc(Cl)cn2)CC1",
    # Denmark (Danish printed names)
    "ketamin": "CNC1(c2ccccc2Cl)CCCCC1=O",
    "diacetylmorphin": _MORPHINE.format(r3="OC(C)=O", c6="C(C=C4)OC(C)=O"),
    "lysergid": "CCN(CC)C(=O)C1CN(C)C2Cc3c[nH]c4cccc(C2=C1)c34",
    "acetyl-alpha-methylfentanyl": "CC(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1",
    "alpha-methylfentanyl": "CCC(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1",
    "alpha-methylthiofentanyl": "CCC(=O)N(c1ccccc1)C1CCN(C(C)Cc2cccs2)CC1",
    "amfetamin": "CC(N)Cc1ccccc1",
    "amfetaminil": "N#CC(NC(C)Cc1ccccc1)c1ccccc1",
    "beta-hydroxyfentanyl": "CCC(=O)N(c1ccccc1)C1CCN(CC(O)c2ccccc2)CC1",
    "beta-hydroxy-3-methylfentanyl": "CCC(=O)N(c1ccccc1)C1CCN(CC(O)c2ccccc2)CC1C",
    "brolamfetamin": "COc1cc(CC(C)N)c(OC)cc1Br",
    "bufotenin": "CN(C)CCc1c[nH]c2ccc(O)cc12",
    "cathinon": "CC(N)C(=O)c1ccccc1",
    "cocain": "COC(=O)C1C(OC(=O)c2ccccc2)CC2CCC1N2C",
    "det": "CCN(CC)CCc1c[nH]c2ccccc12",
    "dexamfetamin": "CC(N)Cc1ccccc1",
    "dextromoramid": "CC(CN1CCOCC1)C(C(=O)N1CCCC1)(c1ccccc1)c1ccccc1",
    "dextropropoxyphen": "CCC(=O)OC(Cc1ccccc1)(c1ccccc1)C(C)CN(C)C",
    "dihydromorphin": _MORPHINE.format(r3="O", c6="C(CC4)O"),
    "diphenoxylat": "CCOC(=O)C1(c2ccccc2)CCN(CCC(C#N)(c2ccccc2)c2ccccc2)CC1",
    "dma": "COc1ccc(OC)c(CC(C)N)c1",
    "dmhp": "CCCCCC(C)C(C)c1cc(O)c2c(c1)OC(C)(C)C1=C2CC(C)CC1",
    "dmt": "CN(C)CCc1c[nH]c2ccccc12",
}

# Structures taken over from other rule files of this repository (name printed without a systematic
# name): the origin is named in each entry's structure_note. named_un1971.toml / named_un1961.toml hold
# OPSIN's parse of the chemical name the UN Green/Yellow List prints (or a structure reviewed there);
# approved_medicines.csv is ChEMBL's structure of the authorised medicine. Copied here (not looked up at run
# time) so that this file's answers do not change when those files are re-encoded.
_UN71 = "named_un1971.toml (un-1971-schedule-iv: OPSIN's parse of the chemical name in the UN Green List)"
_UN61 = "named_un1961.toml (un-1961-schedule-ii: the structure encoded there for the UN Yellow List entry"
_CHEMBL = "chemistry/data/approved_medicines.csv (ChEMBL structure of the authorised medicine"
BORROWED: dict[str, tuple[str, str]] = {
    "alprazolam": ("Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1)=NC2", _UN71),
    "aminorex": ("NC1=NCC(c2ccccc2)O1", _UN71),
    "brotizolam": ("Cc1nnc2n1-c1sc(Br)cc1C(c1ccccc1Cl)=NC2", _UN71),
    "chlordiazepoxide": ("CNC1=Nc2ccc(Cl)cc2C(c2ccccc2)=[N+]([O-])C1", _UN71),
    "clobazam": ("CN1C(=O)CC(=O)N(c2ccccc2)c2cc(Cl)ccc21", _UN71),
    "clonazepam": ("O=C1CN=C(c2ccccc2Cl)c2cc([N+](=O)[O-])ccc2N1", _UN71),
    "clorazepic acid": ("O=C(O)C1N=C(c2ccccc2)c2cc(Cl)ccc2NC1=O", _CHEMBL + " CHEMBL1213252)"),
    "clotiazepam": ("CCc1cc2c(s1)N(C)C(=O)CN=C2c1ccccc1Cl", _UN71),
    "cloxazolam": ("O=C1CN2CCOC2(c2ccccc2Cl)c2cc(Cl)ccc2N1", _UN71),
    "delorazepam": ("O=C1CN=C(c2ccccc2Cl)c2cc(Cl)ccc2N1", _UN71),
    "diazepam": ("CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", _UN71),
    "estazolam": ("Clc1ccc2c(c1)C(c1ccccc1)=NCc1nncn1-2", _UN71),
    "ethyl loflazepate": ("CCOC(=O)C1N=C(c2ccccc2F)c2cc(Cl)ccc2NC1=O", _UN71),
    "fencamfamin": ("CCNC1C2CCC(C2)C1c1ccccc1", _UN71),
    "fludiazepam": ("CN1C(=O)CN=C(c2ccccc2F)c2cc(Cl)ccc21", _UN71),
    "flurazepam": ("CCN(CC)CCN1C(=O)CN=C(c2ccccc2F)c2cc(Cl)ccc21", _UN71),
    "halazepam": ("O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1CC(F)(F)F", _UN71),
    "haloxazolam": ("O=C1CN2CCOC2(c2ccccc2F)c2cc(Br)ccc2N1", _UN71),
    "ketazolam": ("CC1=CC(=O)N2CC(=O)N(C)c3ccc(Cl)cc3C2(c2ccccc2)O1", _UN71),
    "loprazolam": ("CN1CCN(C=C2N=C3CN=C(c4ccccc4Cl)c4cc([N+](=O)[O-])ccc4N3C2=O)CC1", _UN71),
    "lorazepam": ("O=C1Nc2ccc(Cl)cc2C(c2ccccc2Cl)=NC1O", _UN71),
    "lormetazepam": ("CN1C(=O)C(O)N=C(c2ccccc2Cl)c2cc(Cl)ccc21", _UN71),
    "medazepam": ("CN1CCN=C(c2ccccc2)c2cc(Cl)ccc21", _UN71),
    "mefenorex": ("CC(Cc1ccccc1)NCCCCl", _UN71),
    "mesocarb": (
        "CC(Cc1ccccc1)[n+]1cc([N-]C(=O)Nc2ccccc2)on1",
        _UN71.replace("OPSIN's parse of the chemical name", "the reviewed structure"),
    ),
    "nimetazepam": ("CN1C(=O)CN=C(c2ccccc2)c2cc([N+](=O)[O-])ccc21", _UN71),
    "nitrazepam": ("O=C1CN=C(c2ccccc2)c2cc([N+](=O)[O-])ccc2N1", _UN71),
    "oxazepam": ("O=C1Nc2ccc(Cl)cc2C(c2ccccc2)=NC1O", _UN71),
    "pinazepam": ("C#CCN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", _UN71),
    "prazepam": ("O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1CC1CC1", _UN71),
    "pyrovalerone": ("CCCC(C(=O)c1ccc(C)cc1)N1CCCC1", _UN71),
    "remimazolam": ("COC(=O)CC[C@@H]1N=C(c2ccccn2)c2cc(Br)ccc2-n2c(C)cnc21", _CHEMBL + " CHEMBL4297526)"),
    "tetrazepam": ("CN1C(=O)CN=C(C2=CCCCC2)c2cc(Cl)ccc21", _UN71),
    "triazolam": ("Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1Cl)=NC2", _UN71),
    "n-ethylamphetamine": ("CCNC(C)Cc1ccccc1", _UN71 + ", entry etilamfetamine"),
    "zolpidem": ("Cc1ccc(-c2nc3ccc(C)cn3c2CC(=O)N(C)C)cc1", _UN71),
    "nicocodine": ("COc1ccc2c3c1O[C@H]1[C@@H](OC(=O)c4cccnc4)C=C[C@H]4[C@@H](C2)N(C)CC[C@@]341", _UN61 + ")"),
    "pholcodine": ("CN1CC[C@]23c4c5ccc(OCCN6CCOCC6)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5", _UN61 + ")"),
    "nicodicodine": ("COc1ccc2c3c1O[C@H]1[C@@H](OC(=O)c4cccnc4)CC[C@H]4[C@@H](C2)N(C)CC[C@@]341", _UN61 + ")"),
    "propiram": (
        "CCC(=O)N(c1ccccn1)C(C)CN1CCCCC1",
        _UN61.replace("the structure encoded there for", "OPSIN's parse of the chemical name in") + ")",
    ),
    # Denmark, list E (names as UNODC prints them)
    "clonazolam": ("Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2", _UN71),
    "diclazepam": ("CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21", _UN71),
    "flubromazepam": ("O=C1CN=C(c2ccccc2F)c2cc(Br)ccc2N1", _UN71),
    "flubromazolam": ("Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1F)=NC2", _UN71),
    # Denmark, "liste A-E" (names as the Ministry's news of 30 October 2013 prints them)
    "5f-apinaca": ("O=C(NC12CC3CC(CC(C3)C1)C2)c1nn(CCCCCF)c2ccccc12", _UN71),
    "5f-pb-22": ("O=C(Oc1cccc2cccnc12)c1cn(CCCCCF)c2ccccc12", _UN71),
}
# Drawn by the encoder from the systematic name given here; OPSIN's parse of that name has the same InChIKey
# (checked when this table was written; the name is the common chemical name, not one the instrument prints).
_UN61_II = "named_un1961.toml (un-1961-schedule-ii: the structure encoded there for the UN Yellow List entry)"
_UN71_ANY = "named_un1971.toml (the structure encoded there for the UN Green List entry, checked against OPSIN)"
_BTMG = "de_btmg.toml (the BtMG Anlage entry: OPSIN's parse of the chemical name the Anlage prints)"
# Part II (Class B) entries read from the revised Part II in 2026 (source part2-current)
BORROWED.update(
    {
        "acetyldihydrocodeine": (
            "COc1ccc2c3c1O[C@H]1[C@@H](OC(C)=O)CC[C@H]4[C@@H](C2)N(C)CC[C@@]341",
            _UN61_II,
        ),
        "codeine": ("COc1ccc2c3c1O[C@H]1[C@@H](O)C=C[C@H]4[C@@H](C2)N(C)CC[C@@]341", _UN61_II),
        "dihydrocodeine": ("COc1ccc2c3c1O[C@H]1[C@@H](O)CC[C@H]4[C@@H](C2)N(C)CC[C@@]341", _UN61_II),
        "norcodeine": ("COc1ccc2c3c1O[C@H]1[C@@H](O)C=C[C@H]4[C@@H](C2)NCC[C@@]341", _UN61_II),
        "methylphenidate": ("COC(=O)C(c1ccccc1)C1CCCCN1", _UN71_ANY),
        "phenmetrazine": ("CC1NCCOC1c1ccccc1", _UN71_ANY),
        "diphenidine": ("c1ccc(CC(c2ccccc2)N2CCCCC2)cc1", _UN71_ANY),
        "lefetamine": ("CN(C)C(Cc1ccccc1)c1ccccc1", _UN71_ANY),
        "mecloqualone": ("Cc1nc2ccccc2c(=O)n1-c1ccccc1Cl", _UN71_ANY),
        "methaqualone": ("Cc1ccccc1-n1c(C)nc2ccccc2c1=O", _UN71_ANY),
        "methcathinone": ("CNC(C)C(=O)c1ccccc1", _UN71_ANY),
        "ethylphenidate": ("CCOC(=O)C(c1ccccc1)C1CCCCN1", _UN71_ANY),
        "pentazocine": ("CC(C)=CCN1CC[C@@]2(C)c3cc(O)ccc3C[C@@H]1[C@@H]2C", _UN71_ANY),
        "cumyl-pegaclone": ("CCCCCn1c2ccccc2c2c(=O)n(C(C)(C)c3ccccc3)ccc21", _BTMG),
        "zipeprol": ("COC(CN1CCN(CC(O)C(OC)c2ccccc2)CC1)c1ccccc1", _BTMG),
        "a-methylphenethylhydroxylamine": ("CC(Cc1ccccc1)NO", _BTMG + " for N-Hydroxyamfetamin"),
        # SI 2011/744: sufentanil (Part 1, named as the place of the insertion) and amineptine (Part 3)
        "sufentanil": ("CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1", _UN61_II.replace("schedule-ii", "schedule-i")),
        "amineptine": ("O=C(O)CCCCCCNC1c2ccccc2CCc2ccccc21", _UN71_ANY),
        # SI 2012/1390 (phenazepam, Part 3) and pipradrol (Part 3 per the Minister on that Order)
        "phenazepam": ("O=C1CN=C(c2ccccc2Cl)c2cc(Br)ccc2N1", _UN71_ANY),
        "pipradrol": ("OC(c1ccccc1)(c1ccccc1)C1CCCCN1", _UN71_ANY),
        # Part I entries read in the point-in-time text of 1 December 2020 (pit2020)
        "etorphine": (
            "CCCC(C)(O)[C@H]1C[C@@]23C=C[C@@]1(OC)[C@@H]1Oc4c(O)ccc5c4[C@]12CCN(C)[C@@H]3C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "dihydroetorphine": (
            "CCCC(C)(O)[C@H]1C[C@]23CC[C@]1(OC)[C@@H]1Oc4c(O)ccc5c4[C@]12CCN(C)[C@@H]3C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "etoxeridine": ("CCOC(=O)C1(c2ccccc2)CCN(CCOCCO)CC1", _UN61_II.replace("schedule-ii", "schedule-i")),
        "furethidine": ("CCOC(=O)C1(c2ccccc2)CCN(CCOCC2CCCO2)CC1", _UN61_II.replace("schedule-ii", "schedule-i")),
        "hydrocodone": (
            "COc1ccc2c3c1O[C@H]1C(=O)CC[C@H]4[C@@H](C2)N(C)CC[C@]314",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "hydromorphinol": (
            "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)CC[C@@]3(O)[C@H]1C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "hydromorphone": (
            "CN1CC[C@]23c4c5ccc(O)c4O[C@H]2C(=O)CC[C@H]3[C@H]1C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "hydroxypethidine": ("CCOC(=O)C1(c2cccc(O)c2)CCN(C)CC1", _UN61_II.replace("schedule-ii", "schedule-i")),
        "ketobemidone": ("CCC(=O)C1(c2cccc(O)c2)CCN(C)CC1", _UN61_II.replace("schedule-ii", "schedule-i")),
        "levophenacylmorphan": (
            "O=C(CN1CC[C@@]23CCCC[C@@H]2[C@@H]1Cc1ccc(O)cc13)c1ccccc1",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "etryptamine": ("CCC(N)Cc1c[nH]c2ccccc12", _UN71_ANY),
        # named as Class A / Class C by a medical dictionary (dict-cd): structures of the UN list entries
        "remifentanil": (
            "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCC(=O)OC)CC1",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "diethylpropion": ("CCN(CC)C(C)C(=O)c1ccccc1", _UN71_ANY + ", entry amfepramone"),
        "meprobamate": ("CCCC(C)(COC(N)=O)COC(N)=O", _UN71_ANY),
        # SI 2017/634 (Part 3, Class C): etizolam, named by the ACMD letter and a secondary source (em2017-634)
        "etizolam": ("CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl", _UN71_ANY),
        # SI 1996/1300 art. 2(2)(b): Part III para 1(b), the named anabolic steroids (Class C)
        "fluoxymesterone": (
            "C[C@]1(O)CC[C@H]2[C@@H]3CCC4=CC(=O)CC[C@]4(C)[C@@]3(F)[C@@H](O)C[C@@]21C",
            _CHEMBL + " CHEMBL1445)",
        ),
        "methyltestosterone": (
            "C[C@]12CCC(=O)C=C1CC[C@@H]1[C@@H]2CC[C@@]2(C)[C@H]1CC[C@]2(C)O",
            _CHEMBL + " CHEMBL1395)",
        ),
        "oxandrolone": (
            "C[C@]12COC(=O)C[C@@H]1CC[C@@H]1[C@@H]2CC[C@@]2(C)[C@H]1CC[C@]2(C)O",
            _CHEMBL + " CHEMBL1200436)",
        ),
        "oxymetholone": (
            "C[C@]12C/C(=C/O)C(=O)C[C@@H]1CC[C@@H]1[C@@H]2CC[C@@]2(C)[C@H]1CC[C@]2(C)O",
            _CHEMBL + " CHEMBL1200585)",
        ),
        "prasterone": ("C[C@]12CC[C@H](O)CC1=CC[C@@H]1[C@@H]2CC[C@]2(C)C(=O)CC[C@@H]12", _CHEMBL + " CHEMBL90593)"),
        "stanozolol": (
            "C[C@]12Cc3c[nH]nc3C[C@@H]1CC[C@@H]1[C@@H]2CC[C@@]2(C)[C@H]1CC[C@]2(C)O",
            _CHEMBL + " CHEMBL2079587)",
        ),
        "ethyloestrenol": (
            "CC[C@]1(O)CC[C@H]2[C@@H]3CCC4=CCCC[C@@H]4[C@H]3CC[C@@]21C",
            _CHEMBL + " CHEMBL1200623, listed there as 'ethylestrenol')",
        ),
        "testosterone": ("C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@]43C)[C@@H]1CC[C@@H]2O", _CHEMBL + " CHEMBL386630)"),
        # 6 December 2026: UN-list entries whose UK Class was read in secondary sources (gb_mda_schedule2.txt, fourth
        # pass): the structure of the UN Green/Yellow List entry, exactly as named_un1971.toml / named_un1961.toml
        # encode it (OPSIN's parse of the Green List's chemical name; thebaine reviewed there)
        "allobarbital": ("C=CCC1(CC=C)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "amobarbital": ("CCC1(CCC(C)C)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "barbital": ("CCC1(CC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "butalbital": ("C=CCC1(CC(C)C)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "butobarbital": ("CCCCC1(CC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "cyclobarbital": ("CCC1(C2=CCCCC2)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "pentobarbital": ("CCCC(C)C1(CC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "phenobarbital": ("CCC1(c2ccccc2)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "secbutabarbital": ("CCC(C)C1(CC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "secobarbital": ("C=CCC1(C(C)CCC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "vinylbital": ("C=CC1(C(C)CCC)C(=O)NC(=O)NC1=O", _UN71_ANY),
        "temazepam": ("CN1C(=O)C(O)N=C(c2ccccc2)c2cc(Cl)ccc21", _UN71_ANY),
        # 6 December 2026: Part I entries read as enacted (pit1991) whose structure is the UN Yellow List entry's:
        # acetorphine (etorphine 3-acetate; reviewed in named_un1961.toml) and morphine N-oxide (named inside the
        # entry "Morphine methobromide, morphine N-oxide and other pentavalent nitrogen morphine derivatives")
        "acetorphine": (
            "CCCC(C)(O)[C@H]1C[C@@]23C=C[C@@]1(OC)[C@@H]1Oc4c(OC(C)=O)ccc5c4[C@]12CCN(C)[C@@H]3C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "morphine n-oxide": (
            "C[N+]1([O-])CC[C@]23c4c5ccc(O)c4O[C@H]2[C@@H](O)C=C[C@H]3[C@H]1C5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "dextropropoxyphene": ("CCC(=O)O[C@](Cc1ccccc1)(c1ccccc1)[C@H](C)CN(C)C", _UN61_II),
        "midazolam": ("Cc1ncc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2", _UN71_ANY),
        "benzfetamine": ("CC(Cc1ccccc1)N(C)Cc1ccccc1", _UN71_ANY),
        "mazindol": ("OC1(c2ccc(Cl)cc2)c2ccccc2C2=NCCN21", _UN71_ANY),
        "cathinone": ("C[C@H](N)C(=O)c1ccccc1", _UN71_ANY),
        "4-mta": ("CSc1ccc(CC(C)N)cc1", _UN71_ANY),
        "fenetylline": ("CC(Cc1ccccc1)NCCn1cnc2c1c(=O)n(C)c(=O)n2C", _UN71_ANY),
        "acetyl-alpha-methylfentanyl": (
            "CC(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
        "thebaine": (
            "COC1=CC=C2[C@H]3Cc4ccc(OC)c5c4[C@@]2(CCN3C)[C@H]1O5",
            _UN61_II.replace("schedule-ii", "schedule-i"),
        ),
    }
)

# 6 December 2026: SI 1996/1300 art. 2(2)(b), the other named anabolic steroids of Part III para 1(b) (Class C).
# The Order prints INNs only. Where 21 CFR 1308.13(f) (us_21cfr1308_13.txt) lists the same substance, its structure
# is taken from us_csa.toml, which encodes that CFR entry; the CFR item and the encoding there are named per entry.
_USCSA_OPSIN = (
    "us_csa.toml (us-csa-schedule-iii: OPSIN's parse of the chemical name 21 CFR 1308.13(f)({item}) prints for "
    "'{us}', read in us_21cfr1308_13.txt{link})"
)
_USCSA_DRAWN = (
    "us_csa.toml (us-csa-schedule-iii: the structure written there by the encoder for 21 CFR 1308.13(f)({item}) "
    "'{us}', whose printed chemical name OPSIN cannot read{link})"
)
_STEROIDS_CFR = {  # UK printed name -> (CFR item, CFR name, how the encoding there was made, link between the names)
    "bolasterone": (10, "bolasterone (7α,17α-dimethyl-17β-hydroxyandrost-4-en-3-one)", "drawn", ""),
    "boldenone": (11, "boldenone (17β-hydroxyandrost-1,4-diene-3-one)", "opsin", ""),
    "calusterone": (15, "calusterone (7β,17α-dimethyl-17β-hydroxyandrost-4-en-3-one)", "drawn", ""),
    "clostebol": (20, "clostebol (4-chloro-17β-hydroxyandrost-4-en-3-one)", "opsin", ""),
    "drostanolone": (28, "drostanolone (17β-hydroxy-2α-methyl-5α-androstan-3-one)", "opsin", ""),
    "formebolone": (34, "formebolone (2-formyl-17α-methyl-11α,17β-dihydroxyandrost-1,4-dien-3-one)", "drawn", ""),
    "furazabol": (35, "furazabol (17α-methyl-17β-hydroxyandrostano[2,3-c]furazan)", "drawn", ""),
    "mestanolone": (44, "mestanolone (17α-methyl-17β-hydroxy-5α-androstan-3-one)", "opsin", ""),
    "mesterolone": (45, "mesterolone (1α-methyl-17β-hydroxy-5α-androstan-3-one)", "opsin", ""),
    "methandienone": (46, "methandienone (17α-methyl-17β-hydroxyandrost-1,4-dien-3-one)", "opsin", ""),
    "methandriol": (47, "methandriol (17α-methyl-3β,17β-dihydroxyandrost-5-ene)", "drawn", ""),
    "methenolone": (49, "methenolone (1-methyl-17β-hydroxy-5α-androst-1-en-3-one)", "opsin", ""),
    "mibolerone": (63, "mibolerone (7α,17α-dimethyl-17β-hydroxyestr-4-en-3-one)", "drawn", ""),
    "norclostebol": (73, "norclostebol (4-chloro-17β-hydroxyestr-4-en-3-one)", "opsin", ""),
    "norethandrolone": (74, "norethandrolone (17α-ethyl-17β-hydroxyestr-4-en-3-one)", "opsin", ""),
    "oxymesterone": (77, "oxymesterone (17α-methyl-4,17β-dihydroxyandrost-4-en-3-one)", "drawn", ""),
    "stenbolone": (82, "stenbolone (17β-hydroxy-2-methyl-5α-androst-1-en-3-one)", "opsin", ""),
    "trenbolone": (86, "trenbolone (17β-hydroxyestr-4,9,11-trien-3-one)", "opsin", ""),
    "norboletone": (
        72,
        "norbolethone (13β,17α-diethyl-17β-hydroxygon-4-en-3-one)",
        "drawn",
        "; 'Norboletone (INN) ... or norbolethone' (Wikipedia, 'Norboletone', as stored at friendlywiki.com/article/"
        "index.php?title=Norboletone, whose IUPAC name (8R,9S,10R,13S,14S,17S)-13,17-diethyl-17-hydroxy-"
        "1,2,6,7,8,9,10,11,12,14,15,16-dodecahydrocyclopenta[a]phenanthren-3-one OPSIN parses to the same connectivity",
    ),
}
_USCSA_SMILES = {  # as encoded in us_csa.toml (us-csa-schedule-iii) on 6 December 2026
    "bolasterone": "CC12CCC3C(C(C)CC4=CC(=O)CCC34C)C1CCC2(C)O",
    "boldenone": "O[C@@H]1[C@]2(C)[C@@H](CC1)[C@@H]1CCC3=CC(C=C[C@]3(C)[C@H]1CC2)=O",
    "calusterone": "CC12CCC3C(C(C)CC4=CC(=O)CCC34C)C1CCC2(C)O",
    "clostebol": "ClC1=C2CC[C@H]3[C@@H]4CC[C@@H]([C@@]4(C)CC[C@@H]3[C@]2(CCC1=O)C)O",
    "drostanolone": "O[C@@H]1[C@]2(C)[C@@H](CC1)[C@@H]1CC[C@H]3CC([C@@H](C[C@]3(C)[C@H]1CC2)C)=O",
    "formebolone": "CC12CC(O)C3C(CCC4=CC(=O)C(C=O)=CC34C)C1CCC2(C)O",
    "furazabol": "CC12CCC3C(CCC4Cc5nonc5CC34C)C1CCC2(C)O",
    "mestanolone": "C[C@]1([C@]2(C)[C@@H](CC1)[C@@H]1CC[C@H]3CC(CC[C@]3(C)[C@H]1CC2)=O)O",
    "mesterolone": "C[C@H]1CC(C[C@@H]2CC[C@H]3[C@@H]4CC[C@@H]([C@@]4(C)CC[C@@H]3[C@@]12C)O)=O",
    "methandienone": "C[C@]1([C@]2(C)[C@@H](CC1)[C@@H]1CCC3=CC(C=C[C@]3(C)[C@H]1CC2)=O)O",
    "methandriol": "CC12CCC3C(CC=C4CC(O)CCC34C)C1CCC2(C)O",
    "methenolone": "CC1=CC(C[C@@H]2CC[C@H]3[C@@H]4CC[C@@H]([C@@]4(C)CC[C@@H]3[C@@]12C)O)=O",
    "mibolerone": "CC12CCC3C(C(C)CC4=CC(=O)CCC34)C1CCC2(C)O",
    "norclostebol": "ClC1=C2CC[C@H]3[C@@H]4CC[C@@H]([C@@]4(C)CC[C@@H]3[C@H]2CCC1=O)O",
    "norethandrolone": "C(C)[C@]1([C@]2(C)[C@@H](CC1)[C@@H]1CCC3=CC(CC[C@@H]3[C@H]1CC2)=O)O",
    "oxymesterone": "CC12CCC3C(CCC4=C(O)C(=O)CCC34C)C1CCC2(C)O",
    "stenbolone": "O[C@@H]1[C@]2(C)[C@@H](CC1)[C@@H]1CC[C@H]3CC(C(=C[C@]3(C)[C@H]1CC2)C)=O",
    "trenbolone": "O[C@@H]1[C@]2(C)[C@@H](CC1)[C@@H]1CCC3=CC(CCC3=C1C=C2)=O",
    "norboletone": "CCC12CCC3C(CCC4=CC(=O)CCC34)C1CCC2(O)CC",
}
BORROWED.update(
    {
        name: (
            _USCSA_SMILES[name],
            (_USCSA_OPSIN if how == "opsin" else _USCSA_DRAWN).format(item=item, us=us, link=link),
        )
        for name, (item, us, how, link) in _STEROIDS_CFR.items()
    }
)
# SI 1996/1300 (clenbuterol, Class C; see [hoc29-1996] in gb_mda_schedule2.txt)
BORROWED["clenbuterol"] = (
    "CC(C)(C)NCC(O)c1cc(Cl)c(N)c(Cl)c1",
    "chemistry/data/approved_medicines.csv (DrugCentral 673, the structure of the authorised medicine; "
    "the same as drugcentral_structures_subset.tsv row 673)",
)

# Names the instrument prints without a systematic name, whose systematic name is read in another source (named
# here): the structure is OPSIN's parse of that name, made at build time. 6 December 2026, SI 1996/1300 Part III 1(b).
_WADA2017 = (
    "the World Anti-Doping Agency's Prohibited List of January 2017, S1.1a (docslib.org/download/9817406/"
    "2017-prohibited-list)"
)
NAMED_ELSEWHERE: dict[str, tuple[str, str]] = {
    "bolandiol": ("estr-4-ene-3β,17β-diol", f"{_WADA2017}: 'Bolandiol (estr-4-ene-3β,17β-diol)'"),
    "metribolone": (
        "17β-hydroxy-17α-methylestra-4,9,11-trien-3-one",
        f"{_WADA2017}: 'Metribolone (methyltrienolone, 17β-hydroxy-17α-methylestra-4,9,11-trien-3-one)'; the same "
        "connectivity as us_csa.toml's 'methyltrienolone', 21 CFR 1308.13(f)(62)",
    ),
    "4-chloromethandienone": (
        "4-chloro-17β-hydroxy-17α-methylandrosta-1,4-dien-3-one",
        "the encoder's reading of the printed name as methandienone ('Metandienone (17β-hydroxy-17α-methylandrosta-"
        f"1,4-dien-3-one)', {_WADA2017}) with a 4-chloro substituent; the name is the one the same List gives "
        "'Dehydrochlormethyltestosterone (4-chloro-17β-hydroxy-17α-methylandrosta-1,4-dien-3-one)'; the Order prints "
        "only '4-Chloromethandienone', so this structure is the encoder's reading of that name",
    ),
    "stanolone": (
        "(5S,8R,9S,10S,13S,14S,17S)-17-hydroxy-10,13-dimethyl-1,2,4,5,6,7,8,9,11,12,14,15,16,17-"
        "tetradecahydrocyclopenta[a]phenanthren-3-one",
        "Wikipedia, 'Androstanolone' (copy at cryer.org.uk/Stanolone: 'Androstanolone, or stanolone, also known as "
        "dihydrotestosterone (DHT)'; the IUPAC name of its drugbox; its SMILES has the same connectivity)",
    ),
    "atamestane": (
        "1-methylandrosta-1,4-diene-3,17-dione",
        "Schweikert et al., J. Steroid Biochem. Mol. Biol. 44(4-6), 1993, 573-576, abstract (copy at "
        "acnpsearch.tweb-dev.unibo.it/singlejournalindex/43041995): '1-methyl-androsta-1,4-diene-3,17-dione "
        "(Atamestane)'; also Gingell et al., J. Urol. 154(2), 1995, 399-401, abstract (same site): 'atamestane "
        "(1-methylandrosin-1,4 diene-3 17-dione' (sic, as stored)",
    ),
    "epitiostanol": (
        "(1S,3aS,3bR,5aS,6aS,7aR,8aS,8bS,10aS)-8a,10a-dimethylhexadecahydro-1H-cyclopenta[7,8]phenanthro"
        "[2,3-b]thiiren-1-ol",
        "Wikipedia, 'Epitiostanol' (copy at iiab.me/kiwix/content/wikipedia_en_medicine_2022-11/A/Epitiostanol: "
        "other names '2α,3α-Epithio-5α-androstan-17β-ol'; the IUPAC name of its drugbox, printed '3AS', read 3aS; "
        "its SMILES and the name '2α,3α-epithio-5α-androstan-17β-ol' have the same connectivity under OPSIN)",
    ),
}
# Written by the encoder from a chemical name that a named source gives and OPSIN cannot read (6 December 2026).
WRITTEN: dict[str, tuple[str, str]] = {
    "roxibolone": (
        "CC12CC(O)C3C(CCC4=CC(=O)C(C(=O)O)=CC34C)C1CCC2(C)O",
        "'11β,17β-dihydroxy-17α-methyl-3-oxoandrosta-1,4-diene-2-carboxylic acid', the name Wikipedia gives "
        "('Roxibolone', copy at cryer.org.uk/roxibolone: 'Roxibolone (INN) ... also known as 11β,17β-dihydroxy-17α-"
        "methyl-3-oxoandrosta-1,4-diene-2-carboxylic acid'); the skeleton is us_csa.toml's formebolone with the "
        "2-formyl group read as 2-carboxy, as that page describes",
    ),
}

DRAWN: dict[str, tuple[str, str]] = {
    # Part I (Class A), SI 2011/744 art. 2; OPSIN's parse of the INN's chemical name agrees
    "tapentadol": ("CC[C@@H](c1cccc(O)c1)[C@@H](C)CN(C)C", "3-[(2R,3R)-1-(dimethylamino)-2-methylpentan-3-yl]phenol"),
    # Part II (Class B) entries read in 2026 (part2-current); each chemical name parsed by OPSIN agrees
    "ephenidine": ("CCNC(Cc1ccccc1)c1ccccc1", "N-ethyl-1,2-diphenylethan-1-amine"),
    "methoxyphenidine": ("COc1ccccc1C(Cc1ccccc1)N1CCCCC1", "1-[1-(2-methoxyphenyl)-2-phenylethyl]piperidine"),
    "isopropylphenidate": ("CC(C)OC(=O)C(c1ccccc1)C1CCCCN1", "propan-2-yl 2-phenyl-2-(piperidin-2-yl)acetate"),
    "propylphenidate": ("CCCOC(=O)C(c1ccccc1)C1CCCCN1", "propyl 2-phenyl-2-(piperidin-2-yl)acetate"),
    "methylnaphthidate": (
        "COC(=O)C(c1ccc2ccccc2c1)C1CCCCN1",
        "methyl 2-(naphthalen-2-yl)-2-(piperidin-2-yl)acetate",
    ),
    "ethylnaphthidate": (
        "CCOC(=O)C(c1ccc2ccccc2c1)C1CCCCN1",
        "ethyl 2-(naphthalen-2-yl)-2-(piperidin-2-yl)acetate",
    ),
    "methylmorphenate": ("COC(=O)C(c1ccccc1)C1COCCN1", "methyl 2-(morpholin-3-yl)-2-phenylacetate"),
    "3,4-dichloroethylphenidate": (
        "CCOC(=O)C(c1ccc(Cl)c(Cl)c1)C1CCCCN1",
        "ethyl 2-(3,4-dichlorophenyl)-2-(piperidin-2-yl)acetate",
    ),
    "3,4-dichloromethylphenidate": (
        "COC(=O)C(c1ccc(Cl)c(Cl)c1)C1CCCCN1",
        "methyl 2-(3,4-dichlorophenyl)-2-(piperidin-2-yl)acetate",
    ),
    "xylazine": ("Cc1cccc(C)c1NC1=NCCCS1", "N-(2,6-dimethylphenyl)-5,6-dihydro-4H-1,3-thiazin-2-amine"),
    "deschloroetizolam": (
        "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1",
        "2-ethyl-9-methyl-4-phenyl-6H-thieno[3,2-f][1,2,4]triazolo[4,3-a][1,4]diazepine",
    ),
    "metizolam": (
        "CCc1cc2c(s1)-n1cnnc1CN=C2c1ccccc1Cl",
        "4-(2-chlorophenyl)-2-ethyl-6H-thieno[3,2-f][1,2,4]triazolo[4,3-a][1,4]diazepine",
    ),
    "nifoxipam": (
        "O=C1Nc2ccc([N+](=O)[O-])cc2C(c2ccccc2F)=NC1O",
        "5-(2-fluorophenyl)-3-hydroxy-7-nitro-1,3-dihydro-2H-1,4-benzodiazepin-2-one",
    ),
    "pyrazolam": (
        "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccn1)=NC2",
        "8-bromo-1-methyl-6-(pyridin-2-yl)-4H-[1,2,4]triazolo[4,3-a][1,4]benzodiazepine",
    ),
    # Denmark, rows read 4 December 2026 (names as the Danish sources print them)
    "mitragynin": (
        "CC[C@@H]1CN2CCc3c([nH]c4cccc(OC)c34)[C@@H]2C[C@@H]1/C(=C\\OC)C(=O)OC",
        "methyl (E)-2-[(2S,3S,12bS)-3-ethyl-8-methoxy-1,2,3,4,6,7,12,12b-octahydroindolo[2,3-a]quinolizin-2-yl]"
        "-3-methoxyprop-2-enoate",
    ),
    "7-hydroxymitragynin": (
        "CC[C@@H]1CN2CC[C@@]3(O)C(=Nc4cccc(OC)c43)[C@@H]2C[C@@H]1/C(=C\\OC)C(=O)OC",
        "methyl (E)-2-[(2S,3S,7aS,12bS)-3-ethyl-7a-hydroxy-8-methoxy-2,3,4,6,7,12b-hexahydro-1H-indolo[2,3-a]"
        "quinolizin-2-yl]-3-methoxyprop-2-enoate",
    ),
    "2-aminoindan": ("NC1Cc2ccccc2C1", "2,3-dihydro-1H-inden-2-amine"),
    "amt": ("CC(N)Cc1c[nH]c2ccccc12", "1-(1H-indol-3-yl)propan-2-amine"),
    "bzp": ("c1ccc(CN2CCNCC2)cc1", "1-benzylpiperazine"),
    "cra-13": ("CCCCCOc1ccc(C(=O)c2cccc3ccccc23)c2ccccc12", "naphthalen-1-yl(4-pentoxynaphthalen-1-yl)methanone"),
    "salvinorin a": (
        "COC(=O)[C@@H]1C[C@H](OC(C)=O)C(=O)[C@H]2[C@@]1(C)CC[C@H]1C(=O)O[C@H](c3ccoc3)C[C@]21C",
        "methyl (2S,4aR,6aR,7R,9S,10aS,10bR)-9-acetyloxy-2-(furan-3-yl)-6a,10b-dimethyl-4,10-dioxo-"
        "2,4a,5,6,7,8,9,10a-octahydro-1H-benzo[f]isochromene-7-carboxylate",
    ),
    "methoxetamine": ("CCNC1(c2cccc(OC)c2)CCCCC1=O", "2-(ethylamino)-2-(3-methoxyphenyl)cyclohexan-1-one"),
    "tfmpp": ("FC(F)(F)c1cccc(N2CCNCC2)c1", "1-[3-(trifluoromethyl)phenyl]piperazine"),
    "mcpp": ("Clc1cccc(N2CCNCC2)c1", "1-(3-chlorophenyl)piperazine"),
    # "MeOPP" names no position; the para isomer (pMeOPP) is the one sold under that name: the encoder's reading
    "meopp": ("COc1ccc(N2CCNCC2)cc1", "1-(4-methoxyphenyl)piperazine"),
    "hu-210": (
        "CCCCCCC(C)(C)c1cc(O)c2c(c1)OC(C)(C)[C@@H]1CC=C(CO)C[C@@H]21",
        "(6aR,10aR)-9-(hydroxymethyl)-6,6-dimethyl-3-(2-methyloctan-2-yl)-6a,7,10,10a-tetrahydro-6H-benzo[c]chromen-1-ol",
    ),
    "hu-308": (
        "CCCCCCC(C)(C)c1cc(OC)c([C@@H]2C=C(CO)[C@@H]3C[C@H]2C3(C)C)c(OC)c1",
        "[(1R,4R,5R)-4-[2,6-dimethoxy-4-(2-methyloctan-2-yl)phenyl]-6,6-dimethylbicyclo[3.1.1]hept-2-en-2-yl]methanol",
    ),
    "win 55,212-2": (
        "Cc1c(C(=O)c2cccc3ccccc23)c2cccc3c2n1[C@H](CN1CCOCC1)CO3",
        "[(3R)-5-methyl-3-(morpholin-4-ylmethyl)-2,3-dihydro-[1,4]oxazino[2,3,4-hi]indol-6-yl](naphthalen-1-yl)methanone",
    ),
    "hhc": (
        "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21",
        "6,6,9-trimethyl-3-pentyl-6a,7,8,9,10,10a-hexahydro-6H-benzo[c]chromen-1-ol",
    ),  # Part III para 1(b) (SI 1996/1300 art. 2(2)(b)); OPSIN's parse of the steroid name has the same InChIKey
    "nandrolone": ("C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@@H]43)[C@@H]1CC[C@@H]2O", "17beta-hydroxyestr-4-en-3-one"),
}

# Entries matched on the FULL InChIKey, not its connectivity block: Part I's stereoisomer paragraph takes in
# every stereoisomeric form of a listed substance "not being dextromethorphan or dextrorphan" (the exception is
# not read in the Act: see [stereo-exception] in gb_mda_schedule2.txt). Racemethorphan and racemorphan are
# therefore the racemates (the stereo-undefined structure) and their other stereoisomers are listed beside them,
# as named_un1961.toml does for the Single Convention's identical exception. Structures as encoded there.
STEREO_SPECIFIC: dict[str, tuple[str, str]] = {
    "racemethorphan": (
        "COc1ccc2CC3N(C)CCC4(CCCCC34)c2c1",
        "the racemate, (+-)-3-methoxy-17-methylmorphinan: the stereo-undefined structure",
    ),
    "racemorphan": (
        "CN1CCC23CCCCC2C1Cc1ccc(O)cc13",
        "the racemate, (+-)-3-hydroxy-17-methylmorphinan: the stereo-undefined structure",
    ),
    "levomethorphan": (
        "COc1ccc2c(c1)[C@@]13CCCC[C@H]1[C@@H](C2)N(C)CC3",
        "(-)-3-methoxy-17-methylmorphinan, the enantiomer of dextromethorphan (structure as in named_un1961.toml)",
    ),
    "levorphanol": (
        "CN1CC[C@]23CCCC[C@H]2[C@H]1Cc1ccc(O)cc13",
        "(-)-3-hydroxy-17-methylmorphinan, the enantiomer of dextrorphan (structure as in named_un1961.toml)",
    ),
}
_STEREO_NOTE = (
    "; matched on the full InChIKey (stereoisomers_included = false): Part I's stereoisomer paragraph excepts "
    "dextromethorphan and dextrorphan, so the racemate and the levo form are listed and the dextro forms are not "
    "(the isomorphinan diastereomers and partly specified structures are not matched: under-capture)"
)

# Rows read from a source other than the instrument itself, whose `source` must say so (not "MDA 1971 Sch. 2").
SOURCE_PREFIX = {
    "stereo-of:": (
        "MDA 1971 Sch. 2 Part I paragraph 2 (a stereoisomeric form of the listed entry; its own listing in "
        "paragraph 1(a) was not read)"
    ),
    "order2018": (
        "MDA 1971 Sch. 2 Part III para 1(a), inserted by the Misuse of Drugs Act 1971 (Amendment) Order 2018 (the "
        "Order's text not read: Class C from Hansard on the draft Order; name as printed in the companion "
        "Regulations SI 2018/1383; number and date from secondary sources)"
    ),
    "hansard2012": (
        "MDA 1971 Sch. 2 Part III, Class C as the Minister stated it on the draft Misuse of Drugs Act 1971 "
        "(Amendment) Order 2012 (Hansard; the Order's text not read)"
    ),
    "mdr2001-s4p1": "Misuse of Drugs Regulations 2001, Sch. 4 Part I (the name; Class C inferred, not read in MDA Sch. 2 Part III)",
    # 6 December 2026 (gb_mda_schedule2.txt, fourth pass): the Class read in secondary sources only
    "barb": (
        "SECONDARY: Class B of the barbiturates as a group (British National Formulary; medical dictionary; drug "
        "information sites), MDA 1971 Sch. 2 Part II; the generic clause and the entry not read"
    ),
    "benzo-c": (
        "SECONDARY: Class C of the benzodiazepines (British National Formulary; drug information sites), MDA 1971 "
        "Sch. 2 Part III; the entry as printed not read"
    ),
    "bnf": (
        "SECONDARY: British National Formulary, 'Controlled drugs and drug dependence' (Class named there), MDA 1971 "
        "Sch. 2; the entry as printed not read"
    ),
    "hoc2010": (
        "SECONDARY: the Home Office circular on SI 2010/1207, para 5, as quoted on bluelight.org (Class C), MDA 1971 "
        "Sch. 2 Part III; the entry as printed not read"
    ),
    "wiki-dxp": (
        "SECONDARY: the Wikipedia drugbox of 'Dextropropoxyphene' (legal_UK = Class C), MDA 1971 Sch. 2 Part III; the "
        "entry as printed not read"
    ),
    "thebaine-sec": (
        "SECONDARY: nonpsychotoxic.com, text on oripavine (thebaine 'controlled under the Misuse of Drugs Act 1971 in "
        "Class A'), MDA 1971 Sch. 2 Part I; the entry as printed not read"
    ),
    "hoc29-1996": (
        "MDA 1971 Sch. 2 Part III, added by SI 1996/1300 in force 1 September 1996: SECONDARY for this entry. Home Office "
        "Circular 29/1996 (copy at elitepeptides.uk/misuse-of-drugs-act/): the Order and the Misuse of Drugs "
        "(Amendment) Regulations 1996 bring under control '1 adrenoceptor stimulant (clenbuterol); and 5 polypeptide "
        "hormones', and the Order 'adds to the list of Class C drugs specified in Part III'; the name as printed in the "
        "Misuse of Drugs Regulations (Northern Ireland) 2002, Sch. 4 Part II para 4; the Order's own sub-paragraph "
        "for it was not read"
    ),
    "unodc-lss": "UNODC Legal Library, Denmark (secondary; quotes additions to BEK bilag 1 lists B and E)",
    "skat-narkotika": (
        "Toldstyrelsen (Danish Customs), Den juridiske vejledning, 'Narkotika' (secondary; names examples of "
        "BEK 2446/2021 bilag 1 lists D and E)"
    ),
    # Denmark, read 4 December 2026 (dk_bek_bilag1.txt says what each says and what it does not)
    "lmst2017": "Lægemiddelstyrelsen, news of 16 June 2017 (secondary; quotes the 11 entries added to list B on 15 June 2017)",
    "sum2009": (
        "Ministeriet for Sundhed og Forebyggelse, press release of 11 March 2009, with UNODC's Legal Library "
        "(secondary; the ban of kratom and its constituents, list B per UNODC)"
    ),
    "ft2003": (
        "the Minister of the Interior and Health to Folketingets Sundhedsudvalg, 14 August 2003 (secondary; the "
        "amending order of that day, in force 23 August 2003; list not named)"
    ),
    "unodc-rp": "UNODC Legal Library, Denmark, rapid procedure (secondary; the order placing methoxetamine; list not named)",
    "erowid2005": (
        "Erowid's translation of a Ritzau report of 24 November 2005 (secondary, unofficial; the ban in effect "
        "3 December 2005; list not named)"
    ),
    "hhc2023": (
        "Kristeligt Dagblad/Ritzau, August 2023, and other press reports (secondary; HHC on the list from "
        "3 May 2023; order and list not named)"
    ),
    "sum2013": (
        "Ministeriet for Sundhed og Forebyggelse, news of 30 October 2013 (secondary; the ban in force that day; "
        "list not named)"
    ),
    "dtu": "DTU, internal guidance 'Euphoriant substances' (secondary; names codeine as an example of list C)",
}

# Rows listed by the instrument as a plant or a preparation: counted and cited, no structure.
PLANTS = {
    "coca leaf",
    "cannabis",
    "cannabis resin",
    "cannabis and cannabis resin",
    "catha edulis",
    "planten papaver somnifer l",
    "kratom (mitragyna speciosa)",
    "salvia divinorum",
}
PREPARATIONS = {
    "opium, whether raw, prepared or medicinal",
    "poppy-straw and concentrate of poppy-straw",
    "præpareret opium",
    "affald og residua, der bliver tilbage ved rygning af opium",
}
# Entries that name a class rather than one compound, with the representative that is encoded.
FORMULA = {
    "morphine methobromide, morphine n-oxide and other pentavalent nitrogen morphine derivatives": "morphine methobromide",
    "lysergide and other n-alkyl derivatives of lysergamide": "lysergide",
    "ecgonine, and any derivative of ecgonine which is convertible to ecgonine or to cocaine": "ecgonine",
    "cannabinol, except where contained in cannabis or cannabis resin": "cannabinol",
}
# Listed, structure not encoded here (and why).
NOT_ENCODED = {
    "cannabinol derivatives": (
        "a class defined in Part IV: encoded as the group rules gb-mda-cannabinol-derivatives-class-a/-class-c/-class-b in gb.toml"
    ),
    "3-dimethylheptyl-11-hydroxyhexahydrocannabinol": "OPSIN cannot parse 'cannabinol'; structure not reviewed",
    # SI 1996/1300 Part III para 1(b): INNs for which no source giving the structure was found on 6 December 2026
    # (searched briefly; a structure is not drawn from memory)
    **{
        name: "INN only; no source giving its structure was found (searched 6 December 2026)"
        for name in (
            "bolazine",
            "bolenol",
            "bolmantalate",
            "enestebol",
            "mebolazine",
            "mepitiostane",
            "mesabolone",
            "ovandrotone",
            "oxabolone",
            "propetandrol",
            "quinbolone",
            "silandrone",
            "thiomesterone",
        )
    },
    # the five polypeptide hormones of SI 1996/1300 (Home Office Circular 29/1996): no small-molecule structure
    **{
        name: "a polypeptide hormone: no small-molecule structure to encode"
        for name in (
            "chorionic gonadotrophin (hcg)",
            "non-human chorionic gonadotrophin",
            "somatotropin",
            "somatrem",
            "somatropin",
        )
    },
    "dmhp": "",  # encoded; placeholder keeps the set explicit
}
NOT_ENCODED.pop("dmhp")


@dataclass
class Row:
    list_: str
    printed: str
    added_by: str
    in_force_from: str
    in_force_to: str
    source: str


@dataclass
class Entry:
    name: str
    source: str
    systematic_name: str | None = None
    smiles: str | None = None
    structure_from: str | None = None
    structure_note: str | None = None
    added_by: str | None = None
    in_force_from: str | None = None
    in_force_to: str | None = None
    not_before: str | None = None  # a read lower bound of an entry whose date is "not recorded"
    aliases: list[str] = field(default_factory=list)
    stereo_specific: bool = False


def read_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 6:
            raise SystemExit(f"{path.name}: bad row {line!r}")
        rows.append(Row(*parts))
    return rows


def split_printed(printed: str) -> tuple[str, list[str]]:
    """'Name (paren1) (paren2).' -> ('Name', ['paren1', 'paren2']) with balanced parentheses."""
    text = printed.rstrip(".").strip()
    parens, depth, start, name_end = [], 0, None, None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
                if name_end is None and text[:i].endswith(" "):
                    name_end = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and start is not None and name_end is not None:
                parens.append(text[start + 1 : i])
    if depth > 0 and start is not None and name_end is not None:  # printed without its closing parenthesis
        parens.append(text[start + 1 :])
    if name_end is None:
        return text, []
    return text[:name_end].strip(), parens


def anglicised(name: str) -> str:
    """Danish print of an English systematic name -> the English form OPSIN reads."""
    name = name.replace("in-dolo", "indolo").replace("quino-lin", "quinolin").replace("- ", "-")
    name = re.sub(r"carboxamid\b", "carboxamide", name)
    name = name.replace("cyclopropancarbonyl", "cyclopropanecarbonyl")
    name = name.replace("lH-", "1H-").replace("[4,3-blindol-l-on", "[4,3-b]indol-1-one")
    return name


def anglicised_dk(name: str) -> str:
    """anglicised(), and the further Danish endings of names the Danish sources print ("dichlor-", "-amid",
    "-1-on") and the semicolon they print in a fusion descriptor ("benzo[1,2-b; 4,5-b']"). Used for the
    Danish rows only, so that the UK rows keep exactly the parse they had."""
    name = anglicised(name)
    name = re.sub(r"chlor-", "chloro-", name)
    name = re.sub(r"amid\b", "amide", name)
    name = re.sub(r"-(\d+)-on\b", r"-\1-one", name)
    return re.sub(r"\[(\d,\d-[a-z]); (\d,\d-[a-z]')\]", r"[\1:\2]", name)


def opsin_batch(names: list[str]) -> list[str]:
    """OPSIN in one Java start; py2opsin writes a fixed temp file name into the working directory, so
    run it in a private directory (other processes may be calling it from the checkout)."""
    import os
    import tempfile

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as private:
        os.chdir(private)
        try:
            return py2opsin(names)
        finally:
            os.chdir(here)


def key_of(smiles: str) -> str:
    return identify(smiles, fmt="smiles").inchikey.split("-")[0]


def full_key_of(smiles: str) -> str:
    return identify(smiles, fmt="smiles").inchikey


def build(rows: list[Row], *, key_word: str) -> tuple[dict[str, list[Entry]], dict[str, list[str]]]:
    """Entries per list, and per list the rows listed but not encoded (with the reason)."""
    danish = key_word.startswith("BEK")
    english = anglicised_dk if danish else anglicised
    candidates = []  # (row, name, systematic, aliases)
    for row in rows:
        name, parens = split_printed(row.printed)
        systematic, aliases = None, []
        # the printed name is itself a chemical name (not a trivial name with a locant: "3,4-Dichloroethylphenidate";
        # in the Danish rows not a code or trivial name either - "CUMYL-4CN-BINACA", "7-hydroxymitragynin" - : a
        # Danish printed name counts as chemical only with brackets, parentheses or a comma in it)
        if (
            len(name) > 15
            and re.search(r"\d", name)
            and not name.lower().endswith("phenidate")
            and (not danish or re.search(r"[\[\](),]", name))
        ):
            systematic = name
        for p in parens:
            chemical = len(p) > 15 and re.search(r"\d|yl|amine|ester|acid|one\b|diol|amid", p) and " or " not in p
            if systematic is None and chemical:
                systematic = p
            else:
                aliases.append(p)
        candidates.append((row, name, systematic, aliases))
    # OPSIN once, in one batch: printed names, and their anglicised forms
    to_parse = sorted(
        {c[2] for c in candidates if c[2]}
        | {english(c[2]) for c in candidates if c[2]}
        | {systematic for systematic, _ in NAMED_ELSEWHERE.values()}
    )
    parsed = dict(zip(to_parse, opsin_batch(to_parse)))

    by_list: dict[str, list[Entry]] = {}
    skipped: dict[str, list[str]] = {}
    keys: dict[str, dict[str, Entry]] = {}
    for row, name, systematic, aliases in candidates:
        low = name.lower()
        whole = row.printed.rstrip(".").lower()
        prefix = next((text for key, text in SOURCE_PREFIX.items() if row.source.startswith(key)), key_word)
        entry = Entry(name=row.printed.rstrip("."), source=f"{prefix}: {row.source}")
        if row.added_by and not row.added_by.startswith("F"):
            entry.added_by = row.added_by
        elif row.added_by.startswith("F"):
            entry.added_by = f"an amendment marked {row.added_by.split()[0]} in the revised text (annotation not read)"
        bounded = re.fullmatch(r"not recorded; not before (\d{4}-\d{2}-\d{2})", row.in_force_from)
        if row.in_force_from == "not recorded" or bounded:
            entry.in_force_from = "not recorded"
            entry.not_before = bounded.group(1) if bounded else None
        elif row.in_force_from not in ("", "enacted"):
            entry.in_force_from = row.in_force_from
        entry.in_force_to = row.in_force_to or None
        entry.aliases = aliases
        if whole in PLANTS or low in PLANTS:
            entry.structure_from = "plant"
        elif whole in PREPARATIONS:
            entry.structure_from = "preparation"
        elif low in STEREO_SPECIFIC:
            entry.smiles, what = STEREO_SPECIFIC[low]
            entry.structure_from, entry.stereo_specific = "reviewed", True
            entry.structure_note = f"the instrument prints no systematic name; {what}{_STEREO_NOTE}"
        elif whole in NOT_ENCODED or low in NOT_ENCODED:
            skipped.setdefault(row.list_, []).append(f"{entry.name} ({NOT_ENCODED.get(whole) or NOT_ENCODED[low]})")
            continue
        else:
            representative = FORMULA.get(whole)
            opsin = ""
            if systematic:
                entry.systematic_name = systematic
                opsin = parsed.get(systematic, "")
            reviewed = REVIEWED.get(representative or low.replace(" inn", "").split(" (")[0])
            if opsin and reviewed and key_of(opsin) != key_of(reviewed):
                entry.smiles, entry.structure_from = reviewed, "reviewed"
                entry.structure_note = (
                    f"OPSIN's parse of the printed name ({opsin}) differs from the reviewed structure"
                )
            elif opsin:
                entry.smiles, entry.structure_from = opsin, "opsin"
            elif systematic and parsed.get(english(systematic)):
                entry.smiles, entry.structure_from = parsed[english(systematic)], "reviewed"
                entry.structure_note = (
                    f"OPSIN cannot read the name as printed (Danish spelling/line-break hyphens); this is OPSIN's parse "
                    f"of the English form '{english(systematic)}'"
                )
            elif not reviewed and low in BORROWED:
                entry.smiles, origin = BORROWED[low]
                entry.structure_from = "reviewed"
                entry.structure_note = (
                    f"the source prints no systematic name; structure of the INN/common name taken from {origin} "
                    "(connectivity; every stereoisomer is covered)"
                )
            elif not reviewed and low in NAMED_ELSEWHERE and parsed.get(NAMED_ELSEWHERE[low][0]):
                named, origin = NAMED_ELSEWHERE[low]
                entry.smiles, entry.structure_from = parsed[named], "reviewed"
                entry.structure_note = (
                    f"the source prints no systematic name; OPSIN's parse of '{named}', the name given in {origin} "
                    "(connectivity; every stereoisomer is covered)"
                )
            elif not reviewed and low in WRITTEN:
                entry.smiles, origin = WRITTEN[low]
                entry.structure_from = "reviewed"
                entry.structure_note = (
                    f"the source prints no systematic name; structure written by the encoder from {origin}; OPSIN "
                    "cannot read that name (connectivity; every stereoisomer is covered)"
                )
            elif not reviewed and low in DRAWN:
                entry.smiles, drawn_name = DRAWN[low]
                entry.structure_from = "reviewed"
                entry.structure_note = (
                    f"the source prints no systematic name; structure drawn by the encoder for '{drawn_name}' "
                    "(OPSIN's parse of that name agrees; connectivity, every stereoisomer is covered)"
                )
            elif reviewed:
                entry.smiles, entry.structure_from = reviewed, "formula" if representative else "reviewed"
                if representative:
                    entry.structure_note = (
                        f"the entry names a class; the encoded structure is its first member, {representative}"
                    )
                else:
                    why = (
                        "OPSIN cannot parse the printed name"
                        if systematic
                        else "the instrument prints no systematic name"
                    )
                    entry.structure_note = (
                        f"{why}; structure of the INN/common name as drawn by the encoder from its definition "
                        "(connectivity; every stereoisomer is covered)"
                    )
            else:
                skipped.setdefault(row.list_, []).append(f"{entry.name} (no structure: OPSIN failed and none reviewed)")
                continue
        if entry.smiles:
            # one rule, one key: a diastereomer/enantiomer/racemate listed separately becomes an alias
            # (entries matched on the full InChIKey are keyed by it: they are distinct on purpose)
            key = full_key_of(entry.smiles) if entry.stereo_specific else key_of(entry.smiles)
            seen = keys.setdefault(row.list_, {})
            if key in seen:
                first = seen[key]
                first.aliases.append(entry.name)
                first.source += (
                    f"; also listed as '{entry.name}' ({row.source}), a stereoisomeric form with the same connectivity"
                )
                continue
            seen[key] = entry
        by_list.setdefault(row.list_, []).append(entry)
    return by_list, skipped


# ------------------------------------------------------------------------------------------------
def toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_entry(e: Entry) -> str:
    lines = ["[[rule.substances]]", f"name = {toml_str(e.name)}"]
    if e.systematic_name:
        lines.append(f"systematic_name = {toml_str(e.systematic_name)}")
    if e.smiles:
        lines.append(f"smiles = {toml_str(e.smiles)}")
    if e.structure_from:
        lines.append(f"structure_from = {toml_str(e.structure_from)}")
    if e.structure_note:
        lines.append(f"structure_note = {toml_str(e.structure_note)}")
    lines.append(f"source = {toml_str(e.source)}")
    if e.added_by:
        lines.append(f"added_by = {toml_str(e.added_by)}")
    if e.stereo_specific:
        lines.append("stereoisomers_included = false")
    if e.aliases:
        lines.append("aliases = [" + ", ".join(toml_str(a) for a in e.aliases) + "]")
    if e.in_force_from == "not recorded":
        lines.append('in_force_from = "not recorded"')
        if e.not_before:
            lines.append(f"not_before = {e.not_before}")
    elif e.in_force_from:
        lines.append(f"in_force_from = {e.in_force_from}")
    if e.in_force_to:
        lines.append(f"in_force_to = {e.in_force_to}")
    return "\n".join(lines)


def render_rule(head: str, notes: str, entries: list[Entry], skipped: list[str]) -> str:
    if skipped:
        notes += "\nListed in the source but NOT encoded (" + str(len(skipped)) + "): " + "; ".join(skipped) + "."
    notes += f"\nEncoded entries: {len(entries)}."
    body = head.rstrip() + '\nnotes = """\n' + notes.strip() + '\n"""\n'
    return body


def main() -> int:
    sys.path.insert(0, str(RULES.parent.parent))
    from chemistry.rules.sources import gb_dk_named_text as text

    gb, gb_skipped = build(read_rows(HERE / "gb_mda_schedule2.txt"), key_word="MDA 1971 Sch. 2")
    dk, dk_skipped = build(read_rows(HERE / "dk_bek_bilag1.txt"), key_word="BEK 2446/2021 bilag 1")
    for filename, header, spec, lists, skipped in (
        ("gb_named.toml", text.GB_HEADER, text.GB_RULES, gb, gb_skipped),
        ("dk_named.toml", text.DK_HEADER, text.DK_RULES, dk, dk_skipped),
    ):
        out = [header.strip(), ""]
        for list_key, (head, notes, citation) in spec.items():
            entries = lists.get(list_key, [])
            out.append("# " + "-" * 94)
            out.append(render_rule(head, notes, entries, skipped.get(list_key, [])))
            out.append(citation.strip() + "\n")
            out.extend(render_entry(e) + "\n" for e in entries)
        (RULES / filename).write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")
        print(filename, {k: len(v) for k, v in lists.items()}, {k: len(v) for k, v in skipped.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
