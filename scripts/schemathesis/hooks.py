"""The string formats of the LMS API document, taught to schemathesis.

`plain-line` and `plain-text` (lms-http/src/api/types.rs) are text without control or
invisible characters: Unicode categories Cc and Cf, and the Hangul fillers U+115F, U+1160,
U+3164 and U+FFA0; `plain-text` may hold line feeds, carriage returns and tabs. Values of
these formats are drawn here from exactly that alphabet, with at least one character that
is not whitespace (the core trims before it checks a required value).
"""

import schemathesis
from hypothesis import strategies as st

FILLERS = "\u115f\u1160\u3164\uffa0"
# Unassigned (Cn) and private-use (Co) code points are left out as well: a newer Unicode
# table on either side could classify them differently.
VISIBLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Cn", "Co"), exclude_characters=FILLERS)
LAYOUT = st.sampled_from("\n\r\t")


def _not_blank(alphabet):
    return st.text(alphabet, min_size=1, max_size=40).filter(lambda s: s.strip())


schemathesis.openapi.format("plain-line", _not_blank(VISIBLE))
schemathesis.openapi.format("plain-text", _not_blank(st.one_of(VISIBLE, LAYOUT)))
