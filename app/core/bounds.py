"""What the databases can hold: integers within a 32-bit column, text without NUL bytes or
unpaired surrogates. Input beyond these bounds is refused before any query sees it."""

from __future__ import annotations

import re
from typing import Any

# The largest value an INTEGER column (every id, revision and count) holds on every supported
# database: PostgreSQL answers "out of range" past it, SQLite raises OverflowError past 2**63.
ID_MAX = 2**31 - 1

# NUL (PostgreSQL refuses it in text) and lone surrogates (no UTF-8 encoding exists for them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    """True when every database can store `text` as it is."""
    return _UNSTORABLE.search(text) is None


def id_in_range(value: int) -> bool:
    """True for an id a row could have (1 … ID_MAX)."""
    return 0 < value <= ID_MAX


def parse_id(value: Any) -> int | None:
    """An id from a form, a query string or JSON (digits or an int), or None when it is not
    one, or out of every row's range."""
    number = parse_whole_number(value)
    return number if number is not None and id_in_range(number) else None


def parse_whole_number(value: Any) -> int | None:
    """A whole number from 0 to ID_MAX (a revision, a count) as an int, or None."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= ID_MAX else None
