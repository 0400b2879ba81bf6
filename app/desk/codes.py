"""Reading what was typed or scanned at the desk: a QR payload (the confirmation code and its
HMAC: no personal data), a typed code, or a search. A forged, truncated or garbled scan is
refused before the database is asked anything.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from flask import current_app
from flask_babel import gettext as _

from app.core.text import has_control_characters
from app.core.tokens import (
    CODE_ALPHABET,
    CODE_LENGTH,
    QR_PREFIX,
    is_well_formed_code,
    normalise_code,
    verify_checkin_payload,
)
from app.desk.desks import _HEX, _TYPED_CODE, INPUT_MAX, SEARCH_MIN, InvalidInput

# ------------------------------------------------------------------- reading what was typed


@dataclass(frozen=True)
class ParsedInput:
    """A confirmation code (from a signed QR payload or typed), or a search."""

    kind: Literal["code", "search"]
    value: str
    scanned: bool = False
    # A typed code that might also be a name (PARKJUNE): searched when no code matches.
    could_be_name: bool = False


def _garbage() -> InvalidInput:
    return InvalidInput(
        "garbage",
        _(
            "This is not a Madang QR code or confirmation code. Scan the QR code on the"
            " confirmation, or type the 8-character code."
        ),
    )


def _truncated() -> InvalidInput:
    return InvalidInput(
        "truncated",
        _("The QR code was read only in part. Scan it again, holding it steady."),
    )


def _forged() -> InvalidInput:
    return InvalidInput(
        "forged",
        _(
            "This QR code's signature is not valid: it was not issued by this site, or it was"
            " altered. Nobody was looked up. Ask for the confirmation code or search by name."
        ),
    )


def _classify_payload(text: str) -> InvalidInput:
    """Why a payload starting with the prefix failed: truncated, forged or garbage."""
    parts = text.split(":")
    if len(parts) > 3 or parts[0].upper() != QR_PREFIX:
        return _garbage()
    code = parts[1].upper() if len(parts) > 1 else ""
    signature = parts[2] if len(parts) > 2 else ""
    if any(ch not in CODE_ALPHABET for ch in code) or any(ch not in _HEX for ch in signature):
        return _garbage()
    if len(code) == CODE_LENGTH and len(signature) == 16:
        return _forged()
    if len(code) > CODE_LENGTH or len(signature) > 16:
        return _garbage()
    # A prefix of a well-shaped payload: the scanner stopped early.
    return _truncated()


def parse_input(raw: str | None, *, allow_search: bool = True, secret: str | None = None):
    """What the desk's one field holds: a signed QR payload, a typed code, or a search.

    Pure: nothing is looked up. Raises InvalidInput for garbage, a truncated or forged payload,
    a mistyped code, an empty or too short search, or a search where only codes are allowed
    (the kiosk).
    """
    secret = secret if secret is not None else current_app.config["SECRET_KEY"]
    text = unicodedata.normalize("NFC", raw or "").strip()
    if not text:
        raise InvalidInput(
            "empty", _("Scan a QR code, type a confirmation code or a name to search.")
        )
    if len(text) > INPUT_MAX or has_control_characters(text):
        raise _garbage()
    if text[: len(QR_PREFIX)].upper() == QR_PREFIX and (
        len(text) == len(QR_PREFIX) or text[len(QR_PREFIX)] == ":"
    ):
        parts = text.split(":")
        canonical = (
            f"{QR_PREFIX}:{parts[1].upper()}:{parts[2].lower()}" if len(parts) == 3 else text
        )
        code = verify_checkin_payload(secret, canonical)
        if code is None:
            raise _classify_payload(text)
        return ParsedInput("code", code, scanned=True)
    if text[: len(QR_PREFIX)].upper() == QR_PREFIX and not text[len(QR_PREFIX)].isalnum():
        # Our prefix with another separator: a scanner on the wrong keyboard layout.
        raise _garbage()
    if ":" in text or not any(unicodedata.category(ch).startswith("L") for ch in text):
        # Another kind of QR code or barcode (a URL, an EAN number): not ours.
        raise _garbage()
    if _TYPED_CODE.match(text):
        code = normalise_code(text)
        letters_only = code.isalpha() and "-" not in text and " " not in text
        if is_well_formed_code(code):
            return ParsedInput("code", code, could_be_name=letters_only and allow_search)
        if not letters_only:
            raise InvalidInput(
                "malformed_code",
                _(
                    "This is not a valid confirmation code: codes have 8 characters, letters"
                    " and the digits 2 to 9 (there is no 0, O, 1, I or L). Check it and try"
                    " again."
                ),
            )
    if not allow_search:
        raise InvalidInput(
            "code_only",
            _("Scan your QR code, or type your 8-character confirmation code."),
        )
    if len(text) < SEARCH_MIN:
        raise InvalidInput(
            "too_short",
            _("Type at least %(n)d characters to search.", n=SEARCH_MIN),
        )
    return ParsedInput("search", text)
