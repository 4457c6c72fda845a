"""The PNG drawing of a structure that alert e-mails and CAP resources carry (chemistry.depict)."""

from __future__ import annotations

import struct

from chemistry.depict import PNG_HEIGHT, PNG_WIDTH, png_of_smiles


def test_a_structure_is_drawn_as_a_png_of_the_stated_size():
    png = png_of_smiles("CCCNC(C)C(=O)c1ccc(CC)cc1")
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"  # the first chunk: width and height, big-endian
    assert struct.unpack(">II", png[16:24]) == (PNG_WIDTH, PNG_HEIGHT) == (300, 200)


def test_a_smiles_that_does_not_parse_has_no_picture():
    assert png_of_smiles("C1CC(") is None
