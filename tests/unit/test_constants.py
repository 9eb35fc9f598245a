"""rebalancing.constants: each constant with its source (a comment or the word
"assumption" above it), and the values the code relies on."""

import re
from pathlib import Path

from rebalancing import constants


def test_every_constant_has_a_source_or_says_it_is_an_assumption():
    text = Path(constants.__file__).read_text(encoding="utf-8").splitlines()
    names = [i for i, line in enumerate(text) if re.match(r"^[A-Z][A-Z_0-9]* = ", line)]
    for i in names:
        above = "\n".join(text[max(0, i - 8) : i])
        assert "#" in above or '"""' in above, f"{text[i]} has no comment above it"


def test_bounds_are_ordered():
    assert constants.RATE_FLOOR < 0 < constants.RATE_CEILING
    assert 0 < constants.RER_REVERSION < 1 and 0 <= constants.RATE_GAP_MEMORY < 1
    assert constants.VALID_GAP_PCT > 0 and constants.VALID_CA_PCT > 0
