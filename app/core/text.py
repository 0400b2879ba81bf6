"""Text that people type: one set of rules for every form, API and import.

Names and free text are NFC-normalised and trimmed; control characters (line breaks, NUL…)
are refused in one-line fields; addresses are checked for syntax (never deliverability) and
compared case-folded.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _


def has_control_characters(text: str) -> bool:
    # Cc: controls (CR, LF, NUL…); Zl/Zp: line and paragraph separators. Format characters
    # (Cf) are allowed: emoji sequences need the zero-width joiner.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def check_text(
    errors: dict[str, list[str]], name: str, value: str, *, required: bool, limit: int
) -> str:
    value = unicodedata.normalize("NFC", (value or "").strip())
    if required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(value) > limit:
        errors.setdefault(name, []).append(_("Use at most %(limit)d characters.", limit=limit))
    elif has_control_characters(value):
        errors.setdefault(name, []).append(_("Remove line breaks and control characters."))
    return value


def normalise_email(raw: str) -> tuple[str, str] | None:
    """(address as given but cleaned, normalised key) or None when the syntax is not valid."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 254 or has_control_characters(raw):
        return None
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized, checked.normalized.casefold()
