"""Locale selection and bilingual content helpers."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, request
from flask_babel import get_locale as babel_locale

LOCALE_COOKIE = "madang_lang"


def select_locale() -> str:
    """An explicit choice (cookie) first, then Accept-Language, then Korean."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and mail worker: force_locale() decides there
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_locale() -> str:
    locale = babel_locale()
    return locale.language if locale else "ko"


def pick(obj: object, field: str, locale: str | None = None) -> str:
    """`obj.<field>_<locale>`, falling back to the other language when empty."""
    locale = locale or current_locale()
    other = "en" if locale == "ko" else "ko"
    return getattr(obj, f"{field}_{locale}", "") or getattr(obj, f"{field}_{other}", "") or ""


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def split_glued(value: str) -> tuple[str, str] | None:
    """("한국어", "English") from "English / 한국어" or "한국어 / English": a text that holds both
    languages in one string. None when `value` is not two such halves."""
    parts = [p.strip() for p in (value or "").split(" / ")]
    if len(parts) != 2 or not all(parts):
        return None
    korean = [p for p in parts if _HANGUL.search(p)]
    other = [p for p in parts if not _HANGUL.search(p)]
    if len(korean) != 1 or len(other) != 1:
        return None
    return korean[0], other[0]
