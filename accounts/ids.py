"""Reading a row id (or any whole number a column holds) from a query string or a path.

`str.isdigit()` accepts "²" and "١٢" (int() refuses the first) and any number of digits (a
26-digit id overflows SQLite's and PostgreSQL's bigint): both were 500s. parse_id() takes
ASCII digits only, within a bigint, and says None for anything else, which the caller treats
as "no such row".
"""

import re

_DIGITS = re.compile(r"[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1


def parse_id(raw, *, minimum: int = 1) -> int | None:
    """The whole number in `raw` (ASCII digits, minimum … 2**63-1), else None."""
    text = str(raw).strip() if raw is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= BIGINT_MAX else None
