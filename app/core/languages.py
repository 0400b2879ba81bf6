"""Language codes (ISO 639) as Babel knows them: which codes are real, and their names in the
reader's language. Korean and English come first wherever a list is offered."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

FIRST = ("ko", "en")
_CODE = re.compile(r"^[a-z]{2,3}$")


@cache
def _names(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale).languages)


def is_language(code: object) -> bool:
    """An ISO 639 code (two or three lower-case letters) that Babel names."""
    return isinstance(code, str) and bool(_CODE.match(code)) and code in _names("en")


def language_name(code: str, locale: str) -> str:
    """'한국어', 'English', 'español'…: the name in the reader's language; the code if unknown."""
    return _names(locale if locale in FIRST else "en").get(code, code)


def language_choices(locale: str) -> list[tuple[str, str]]:
    """(code, name) for every two-letter code, Korean and English first, then by name."""
    names = _names(locale if locale in FIRST else "en")
    rest = sorted(
        (c for c in names if len(c) == 2 and c not in FIRST), key=lambda c: names[c].casefold()
    )
    return [(c, names[c]) for c in (*FIRST, *rest)]


def parse_floor_languages(value: str) -> list[str]:
    """A session's floor languages as stored ("ko", "ko+en") as a list of codes."""
    return [part for part in (value or "").split("+") if part]
