"""Secrets and codes: manage and calendar tokens, confirmation codes, signed check-in payloads."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import segno
from itsdangerous import BadSignature, URLSafeSerializer

# No 0/O, 1/I/L: a code read aloud at a desk or over the phone is not misheard.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
TOKEN_BYTES = 24  # 192 bits
QR_PREFIX = "MDG1"
_LINK_SALT = "manage-link"
_LINK_HASH_CHARS = 32  # of the manage token's hash: a new manage token retires every link


def new_token() -> str:
    """A random URL-safe secret of 192 bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the database keeps of a token: its SHA-256, so a leaked table opens nothing."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_match(token: str, stored_hash: str) -> bool:
    return _same_ascii(hash_token(token), stored_hash)


def _same_ascii(expected: str, given: str) -> bool:
    """A constant-time comparison for any text: `hmac.compare_digest` raises TypeError on
    non-ASCII str, and no secret of ours has a non-ASCII character."""
    return given.isascii() and hmac.compare_digest(expected.encode(), given.encode())


def new_confirmation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Accept a code typed with spaces, dashes or in lower case."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def display_code(code: str) -> str:
    """ABCD-EFGH: two groups of four, easy to read aloud."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def is_well_formed_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def _signature(secret_key: str, code: str) -> str:
    digest = hmac.new(secret_key.encode(), f"{QR_PREFIX}:{code}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def checkin_payload(secret_key: str, code: str) -> str:
    """What the QR code holds: the confirmation code and its HMAC, no personal data."""
    return f"{QR_PREFIX}:{code}:{_signature(secret_key, code)}"


def checkin_qr(secret_key: str, code: str) -> segno.QRCode:
    """The check-in QR code: the signed payload at error level M (or better if it fits).

    The mask is fixed instead of chosen by scoring all eight: scoring costs ~8 ms a code in
    pure Python, a confirmation email carries one, and every mask decodes alike.
    """
    return segno.make(checkin_payload(secret_key, code), error="m", micro=False, mask=0)


def verify_checkin_payload(secret_key: str, payload: str) -> str | None:
    """The code inside a genuine payload, or None for a forged, mistyped or truncated one."""
    parts = payload.strip().split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        return None
    code, signature = parts[1], parts[2]
    if not is_well_formed_code(code):
        return None
    if not _same_ascii(_signature(secret_key, code), signature.lower()):
        return None
    return code


def signed_manage_link(secret_key: str, registration_id: int, manage_token_hash: str) -> str:
    """A manage link for a mail sent to many (an announcement) without replacing anyone's
    token: the registration's id and a piece of its current token hash, signed. Valid exactly
    as long as the token it was made from."""
    serializer = URLSafeSerializer(secret_key, salt=_LINK_SALT)
    return serializer.dumps([registration_id, manage_token_hash[:_LINK_HASH_CHARS]])


def read_manage_link(secret_key: str, link: str) -> tuple[int, str] | None:
    """(registration id, token hash piece) of a genuine signed link; None for anything else."""
    if "." not in link:
        return None
    try:
        value = URLSafeSerializer(secret_key, salt=_LINK_SALT).loads(link)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def link_matches(hash_piece: str, manage_token_hash: str) -> bool:
    return _same_ascii(manage_token_hash[:_LINK_HASH_CHARS], hash_piece)
