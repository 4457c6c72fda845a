"""Render a chemical name as printed in the BtMG (German IUPAC) in the English OPSIN reads.

Mechanical only: German spellings become English ones (Chlor -> chloro, -amin -> -amine,
-säure -> acid, Chinolin -> quinolin, ß as a stereo descriptor -> β, ...) and ester names get
the space English puts between the alcohol and the acid part. Nothing here corrects a printed
mistake: corrections are made per entry in curation.toml, with a note, and such entries are
marked structure_from = "reviewed".
"""

from __future__ import annotations

import re

_HALOGEN = re.compile(r"(?i)(chlor|brom|fluor|iod)(?!o|id)")
_ACIDS = (
    (re.compile(r"(?i)barbitursäure$"), "barbituric acid"),
    (re.compile(r"(?i)essigsäure$"), "acetic acid"),
    (re.compile(r"(?i)carbonsäure$"), "carboxylic acid"),
    (re.compile(r"(?i)ansäure$"), "anoic acid"),
)
_ANIONS = (
    "acetat|diacetat|propionat|carboxylat|benzoat|benzilat|butanoat|nicotinat|dinicotinat|"
    "tetradecanoat|carbamat|dicarbamat|propanoat|dihydrogenphosphat"
)
_ESTER_PREFIX = re.compile(r"^(Methyl|Ethyl|Isopropyl|Chinolin-8-yl|Naphthalin-1-yl)\s*-?\s*(?=[\[\{\(])")


def _keep_case(word: str, replacement: str) -> str:
    return replacement[0].upper() + replacement[1:] if word[0].isupper() else replacement


def _outer_bracket_spans_rest(text: str) -> bool:
    """True if text starts with a bracket whose partner is the last character."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    if not text or text[0] not in pairs or text[-1] != pairs[text[0]]:
        return False
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return False
    return depth == 0


def to_english(name: str) -> str:
    text = name.replace("ß", "β").replace("–", "-").replace("2alpha", "2α")
    text = re.sub(r"\s+", " ", text).strip()

    # "Methyl[...carboxylat]" -> "methyl ...carboxylat": the alcohol part before the acid part
    match = _ESTER_PREFIX.match(text)
    if match and _outer_bracket_spans_rest(text[match.end() :]):
        text = f"{match.group(1)} {text[match.end() + 1 : -1]}"
    text = re.sub(
        r"\] (?=[\[a-z])", "]", text
    )  # stray spaces: "[4,3-a] [1,4]", "-yl] cyclopropan..."  # fusion descriptors broken by a space: "[4,3-a] [1,4]"
    # "(...-yl)acetat" -> "(...-yl) acetat" when the bracket holds the whole alcohol part;
    # "2-(phenyl)-2-(piperidin-2-yl) acetat" (a substituted acetate) loses the stray space instead
    anion = re.search(rf"\s?({_ANIONS})$", text)
    if anion and text[anion.start() - 1 if text[anion.start()] != " " else anion.start() - 1] in ")]}":
        head = text[: anion.start()].rstrip()
        text = f"{head} {anion.group(1)}" if _outer_bracket_spans_rest(head) else f"{head}{anion.group(1)}"
    text = re.sub(r"dihydrogenphosphat$", "dihydrogen phosphat", text)

    for pattern, replacement in _ACIDS:
        text = pattern.sub(replacement, text)
    text = _HALOGEN.sub(lambda m: m.group(1) + "o", text)
    text = re.sub(r"(?i)cyan(?!o)", lambda m: m.group(0) + "o", text)
    text = re.sub(r"Chinolin|chinolin", lambda m: _keep_case(m.group(0), "quinolin"), text)
    text = re.sub(r"chinazolin", "quinazolin", text)
    text = re.sub(r"Naphthalin|naphthalin", lambda m: _keep_case(m.group(0), "naphthalen"), text)
    text = re.sub(r"(?i)ethinyl", lambda m: _keep_case(m.group(0), "ethynyl"), text)
    text = re.sub(r"(?<=\d)-in-(?=\d)", "-yn-", text)
    text = re.sub(r"methylen(?=[-\]\)\s]|$)", "methylene", text)
    text = re.sub(r"yliden", "ylidene", text)

    # word endings
    text = re.sub(r"annitril\b", "anenitrile", text)
    text = re.sub(r"nitril\b", "nitrile", text)
    text = re.sub(r"amin\b", "amine", text)
    text = re.sub(r"amid\b", "amide", text)
    text = re.sub(r"azanid\b", "azanide", text)
    text = re.sub(r"azan\b", "azane", text)
    text = re.sub(r"oxid\b", "oxide", text)
    text = re.sub(r"anon\b", "anone", text)
    text = re.sub(r"(?<=-)(di|tri)?on\b", lambda m: (m.group(1) or "") + "one", text)
    text = re.sub(r"(?<=\d)-(di)?en$", lambda m: "-" + (m.group(1) or "") + "ene", text)
    text = re.sub(r"(an|en)(carbox)", r"\1e\2", text)  # cyclopropancarboxamid, cyclohex-3-encarboxylat
    text = re.sub(rf"({_ANIONS})\b", lambda m: m.group(1) + "e", text)
    text = re.sub(r"dihydrogen phosphate$", "dihydrogen phosphate", text)
    # a ring or chain parent at the very end keeps its final e in English
    if re.search(r"(in|an|azol|indol|pyrrol)$", text):
        text += "e"
    return text
