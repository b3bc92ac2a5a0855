"""The string formats of the LMS API document, taught to schemathesis.

`plain-line` and `plain-text` (lms-http/src/api/types.rs) are text without control or
invisible characters: Unicode categories Cc and Cf, and the Hangul fillers U+115F, U+1160,
U+3164 and U+FFA0; `plain-text` may hold line feeds, carriage returns and tabs.

schemathesis learns both sides of each format here: how to draw a valid value (with at
least one character that is not whitespace, since the core trims before it checks a
required value), and how to tell a valid value from an invalid one when it fuzzes with
invalid data. Without the second, it would count every value of a format it does not
know as invalid, and report the server for accepting valid text.
"""

import unicodedata

import schemathesis
from hypothesis import strategies as st
from schemathesis.specs.openapi import negative

FILLERS = "\u115f\u1160\u3164\uffa0"
LAYOUT = "\n\r\t"


def _allowed(c: str) -> bool:
    return unicodedata.category(c) not in ("Cc", "Cf") and c not in FILLERS


def is_plain_line(value: object) -> bool:
    return not isinstance(value, str) or all(_allowed(c) for c in value)


def is_plain_text(value: object) -> bool:
    return not isinstance(value, str) or all(c in LAYOUT or _allowed(c) for c in value)


# Unassigned (Cn) and private-use (Co) code points are not drawn: a newer Unicode table
# on either side could classify them differently.
VISIBLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Cn", "Co"), exclude_characters=FILLERS)


def _not_blank(alphabet):
    return st.text(alphabet, min_size=1, max_size=40).filter(lambda s: s.strip())


schemathesis.openapi.format("plain-line", _not_blank(VISIBLE))
schemathesis.openapi.format("plain-text", _not_blank(st.one_of(VISIBLE, st.sampled_from(LAYOUT))))

# The validator schemathesis 4.32 uses to decide that a mutated value really is invalid
# (`negative.get_validator`) checks the formats named in `STANDARD_FORMATS` with
# `_standard_format_check(name)` and fails every other one; these two join them.
CHECKS = {"plain-line": is_plain_line, "plain-text": is_plain_text}
negative.STANDARD_FORMATS = negative.STANDARD_FORMATS | CHECKS.keys()
_standard_format_check = negative._standard_format_check
negative._standard_format_check = lambda name: CHECKS.get(name) or _standard_format_check(name)
