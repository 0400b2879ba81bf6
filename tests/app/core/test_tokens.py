"""Secrets and codes: manage/calendar tokens, confirmation codes, signed check-in payloads."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest

from app.core import tokens
from tests.qr import scan_png

SECRET = "testing-secret-key"


# ------------------------------------------------------------------------------- tokens


def test_tokens_carry_at_least_128_bits_and_are_url_safe():
    seen = {tokens.new_token() for _ in range(500)}
    assert len(seen) == 500
    for token in seen:
        assert re.fullmatch(r"[A-Za-z0-9_\-]+", token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    # Every position varies: the randomness is spread over the whole token.
    length = len(next(iter(seen)))
    for i in range(length):
        assert len({t[i] for t in seen if len(t) == length}) > 10


def test_tokens_are_192_bits():
    token = tokens.new_token()
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 == 192


def test_only_the_sha256_of_a_token_is_kept():
    token = tokens.new_token()
    stored = tokens.hash_token(token)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert len(stored) == 64 and token not in stored
    assert tokens.tokens_match(token, stored)
    assert not tokens.tokens_match(token + "x", stored)
    assert not tokens.tokens_match(token[:-1], stored)
    assert tokens.hash_token("한국어") == hashlib.sha256("한국어".encode()).hexdigest()


# ------------------------------------------------------------------- confirmation codes


def test_the_code_alphabet_has_no_look_alikes():
    for confusable in "0O1IL":
        assert confusable not in tokens.CODE_ALPHABET
    assert len(set(tokens.CODE_ALPHABET)) == len(tokens.CODE_ALPHABET) >= 30
    assert tokens.CODE_ALPHABET.isupper()


def test_confirmation_codes_are_eight_readable_characters():
    codes = [tokens.new_confirmation_code() for _ in range(2000)]
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(tokens.CODE_ALPHABET)
        assert tokens.is_well_formed_code(code)
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", tokens.display_code(code))
    assert len(set(codes)) > 1990
    # Over many codes, every letter of the alphabet turns up.
    assert set("".join(codes)) == set(tokens.CODE_ALPHABET)


def test_display_and_normalise_round_trip():
    code = "ABCDEFGH"
    assert tokens.display_code(code) == "ABCD-EFGH"
    for typed in ("abcd-efgh", " ABCD EFGH ", "abcdefgh", "ABCD–EFGH"):
        assert tokens.normalise_code(typed) == code
    assert tokens.display_code("SHORT") == "SHORT"


@pytest.mark.parametrize("code", ["ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGO", "abcdefgh", ""])
def test_malformed_codes_are_recognised(code):
    assert not tokens.is_well_formed_code(code)


# ------------------------------------------------------------------- check-in payloads


def test_a_genuine_payload_verifies():
    code = tokens.new_confirmation_code()
    payload = tokens.checkin_payload(SECRET, code)
    assert payload.startswith(f"{tokens.QR_PREFIX}:{code}:")
    assert tokens.verify_checkin_payload(SECRET, payload) == code
    # Scanners may add white space or upper-case the signature.
    head, sig = payload.rsplit(":", 1)
    assert tokens.verify_checkin_payload(SECRET, f" {head}:{sig.upper()}\n") == code


def test_the_payload_holds_no_personal_data():
    payload = tokens.checkin_payload(SECRET, "ABCDEFGH")
    assert re.fullmatch(rf"{tokens.QR_PREFIX}:ABCDEFGH:[0-9a-f]{{16}}", payload)


def _forgeries(payload: str) -> list[str]:
    prefix, code, sig = payload.split(":")
    other_code = "HGFEDCBA" if code != "HGFEDCBA" else "ABCDEFGH"
    flipped = ("0" if sig[-1] != "0" else "1") + sig[1:]
    return [
        f"{prefix}:{other_code}:{sig}",  # someone else's code under this signature
        f"{prefix}:{code}:{flipped}",  # a changed signature
        f"{prefix}:{code}:{sig[:-1]}",  # truncated
        f"{prefix}:{code}:",  # no signature
        f"{prefix}:{code}",
        payload[: len(payload) // 2],
        f"MDG2:{code}:{sig}",  # another prefix
        f"{prefix}:{code.lower()}:{sig}",
        f"{prefix}:{code}:{sig}:extra",
        f"{prefix}:{code}0:{sig}",
        "",
        ":::",
        code,
    ]


def test_forged_and_truncated_payloads_are_refused():
    payload = tokens.checkin_payload(SECRET, "ABCDEFGH")
    for forged in _forgeries(payload):
        assert tokens.verify_checkin_payload(SECRET, forged) is None, forged


def test_a_payload_signed_with_another_secret_is_refused():
    code = "ABCDEFGH"
    foreign = tokens.checkin_payload("another-secret", code)
    assert foreign != tokens.checkin_payload(SECRET, code)
    assert tokens.verify_checkin_payload(SECRET, foreign) is None
    assert tokens.verify_checkin_payload("another-secret", foreign) == code


@pytest.mark.parametrize("code", ["ABCDEFGH", "K7M9P2QX"])
def test_the_checkin_qr_reads_back_as_the_signed_payload(code):
    qr = tokens.checkin_qr(SECRET, code)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4)
    assert scan_png(png.getvalue()) == [tokens.checkin_payload(SECRET, code)]
    assert qr.error in {"M", "Q", "H"}  # survives a scuffed or glared phone screen
    assert not qr.is_micro
    assert qr.mask == 0  # fixed: the eight masks are not scored for every email


def test_a_checkin_qr_is_the_same_every_time():
    first, again = (tokens.checkin_qr(SECRET, "ABCDEFGH") for _ in range(2))
    assert first.matrix == again.matrix


def test_a_token_with_a_lone_surrogate_is_hashed_not_an_error():
    """A path can decode to a lone surrogate: it matches nothing instead of failing."""
    expected = hashlib.sha256(b"ab\xed\xa0\x80").hexdigest()
    assert tokens.hash_token("ab\ud800") == expected
    assert tokens.tokens_match("ab\ud800", tokens.hash_token("ab")) is False
