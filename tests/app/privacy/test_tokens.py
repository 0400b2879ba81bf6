"""Token hygiene: every secret token is random with at least 128 bits, stored as a hash only,
compared in constant time, revocable, and kept out of access logs and referrers.

Look-ups go through the SHA-256 of the presented token (`WHERE manage_token_hash = :hash`), so
the database compares hashes, never the secret: timing can tell an attacker nothing about a
token they do not already have. Where a secret is compared in Python (a token in a queued
mail against the current hash, a QR signature), `hmac.compare_digest` does it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from sqlalchemy import select

from app.accounts.users import issue_api_token
from app.core import tokens
from app.core.db import utcnow
from app.mail.delivery import deliver_due
from app.models import ApiToken, Registration
from app.security import redact_secrets
from tests.app.privacy.helpers import fresh, scan


def bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def test_tokens_carry_at_least_128_random_bits():
    made = {tokens.new_token() for _ in range(2000)}
    assert len(made) == 2000
    assert all(bits(t) >= 128 for t in made)
    assert tokens.TOKEN_BYTES * 8 >= 128


def test_every_issued_secret_is_long_enough(client, make_forum, register, make_user):
    forum = make_forum()
    person = register(forum)
    assert bits(person.manage_token) >= 128 and bits(person.calendar_token) >= 128
    assert bits(issue_api_token(make_user("organizer", forum))) >= 128


def test_only_hashes_are_stored_and_mail_forgets_the_tokens_once_sent(
    app, client, db, make_forum, register, make_user
):
    forum = make_forum()
    person = register(forum)
    api_token = issue_api_token(make_user("organizer", forum), "hygiene")
    fresh(db)
    row = db.session.scalar(select(Registration))
    assert row.manage_token_hash == hashlib.sha256(person.manage_token.encode()).hexdigest()
    assert row.calendar_token_hash == hashlib.sha256(person.calendar_token.encode()).hexdigest()
    stored = db.session.scalar(select(ApiToken.token_hash))
    assert stored == tokens.hash_token(api_token)
    # Until its mail is sent, the plain token waits in the outbox row that carries it, and
    # nowhere else.
    plain = [person.manage_token, person.calendar_token, api_token]
    assert {hit.split(":")[0] for hit in scan(db, plain)} == {"outbox.context"}
    report = deliver_due()
    assert report.sent == 1
    assert scan(db, plain) == []


def test_secrets_are_compared_in_constant_time(monkeypatch):
    calls: list[tuple] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    token = tokens.new_token()
    assert tokens.tokens_match(token, tokens.hash_token(token))
    assert not tokens.tokens_match(token + "x", tokens.hash_token(token))
    payload = tokens.checkin_payload("k" * 32, "ABCDEFGH")
    assert tokens.verify_checkin_payload("k" * 32, payload) == "ABCDEFGH"
    assert len(calls) == 3


def test_manage_links_are_revocable(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    # Registering the same address again replaces the manage link (mailed to its owner).
    again = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "x",
            "email": person.email,
            "attendance": "in_person",
            "consent_personal_data": True,
        },
    )
    assert again.status_code == 409
    assert client.get(f"/manage/{person.manage_token}").status_code == 404


def test_calendar_links_are_revocable(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 200
    response = client.post(f"/manage/{person.manage_token}/calendar")
    assert response.status_code == 200
    assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 404


def test_api_tokens_are_revocable(client, db, make_forum, make_user):
    forum = make_forum()
    token = issue_api_token(make_user("organizer", forum), "revoke me")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/organize/forums", headers=headers).status_code == 200
    row = db.session.scalar(select(ApiToken))
    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/organize/forums", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/manage/SECRET123/export", "/manage/[redacted]/export"),
        ("/manage/SECRET123/erase", "/manage/[redacted]/erase"),
        ("/api/v1/registrations/SECRET123/export", "/api/v1/registrations/[redacted]/export"),
        ("/api/v1/registrations/SECRET123/erase", "/api/v1/registrations/[redacted]/erase"),
    ],
)
def test_the_new_secret_paths_stay_out_of_access_logs(path, kept):
    assert redact_secrets(f"GET {path} HTTP/1.1") == f"GET {kept} HTTP/1.1"


def test_pages_behind_a_secret_link_send_no_referrer(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    for path in (
        f"/manage/{person.manage_token}",
        f"/manage/{person.manage_token}/export",
        f"/manage/{person.manage_token}/erase",
        f"/api/v1/registrations/{person.manage_token}",
        f"/api/v1/registrations/{person.manage_token}/export",
    ):
        response = client.get(path)
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert response.headers["Cache-Control"] == "no-store", path
