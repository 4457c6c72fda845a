"""Schemathesis hooks for tests/e2e/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

POST /v1/reports:upload documents its file part as text/csv, chemical/x-mdl-sdfile or
application/octet-stream. Schemathesis has no generator for chemical/x-mdl-sdfile and reports
"Serialization not possible" whenever its fuzzing phase picks that type (whether it does depends on
how many cases fit in the time budget, so on the machine's load). Registered here: a small real
SD file, an empty one, a truncated one, and arbitrary bytes, so the upload's SDF path is fuzzed too.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

# ethanol as an MDL molfile record, with a name field, as laboratories export them
_ETHANOL = b"""ethanol
  RDKit          2D

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
> <substance_name>
ethanol

$$$$
"""

schemathesis.openapi.media_type(
    "chemical/x-mdl-sdfile",
    st.sampled_from([_ETHANOL, b"", _ETHANOL[:60], _ETHANOL * 3]) | st.binary(max_size=512),
)
