"""Headers and cookies on the new pages (tests/app/test_security.py covers the basics):
the privacy pages carry the same policy, contain no inline script or style, and a real
sign-in in production sets a Secure, HttpOnly, SameSite=Lax session cookie over HSTS."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from app.models import Registration
from config import ProductionConfig
from tests.app.privacy.helpers import PASSWORD, fresh

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def assert_policy(response) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Referrer-Policy" in headers


def assert_no_inline_code(page: str) -> None:
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page), INLINE_STYLE.search(page)


def test_the_attendee_privacy_pages(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    for path in (f"/manage/{person.manage_token}", f"/manage/{person.manage_token}/erase"):
        response = client.get(path)
        assert_policy(response)
        assert_no_inline_code(response.get_data(as_text=True))
    assert_policy(client.get(f"/manage/{person.manage_token}/export"))
    erased = client.post(f"/manage/{person.manage_token}/erase", data={"confirm": "y"})
    assert_policy(erased)
    assert erased.headers["Cache-Control"] == "no-store"
    assert_no_inline_code(erased.get_data(as_text=True))


def test_the_organizer_privacy_pages(db, make_forum, make_user, login, register):
    forum = make_forum()
    register(forum)
    client = login(make_user("organizer", forum))
    fresh(db)
    registration_id = db.session.scalar(select(Registration.id))
    for path in (
        "/organize/privacy",
        f"/organize/forums/{forum.slug}/privacy",
        f"/organize/forums/{forum.slug}/privacy/audit",
        f"/organize/forums/{forum.slug}/privacy/registrations/{registration_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_policy(response)
        assert_no_inline_code(response.get_data(as_text=True))
    export = client.post(
        f"/organize/forums/{forum.slug}/privacy/registrations/{registration_id}/export"
    )
    assert export.headers["Cache-Control"] == "no-store"
    assert export.headers["Referrer-Policy"] == "no-referrer"
    assert_policy(export)


def test_a_production_sign_in_sets_a_locked_down_cookie(app_factory, tmp_path):
    app = app_factory(
        f"sqlite:///{tmp_path}/prod.sqlite3",
        SECRET_KEY=secrets.token_urlsafe(32),
        ENV_NAME="production",
        SESSION_COOKIE_SECURE=ProductionConfig.SESSION_COOKIE_SECURE,
    )
    from app.accounts.users import create_user
    from app.core.db import db

    with app.app_context():
        db.create_all()
        create_user("admin@staff.example.org", PASSWORD, "admin")
        db.session.remove()
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": "admin@staff.example.org", "password": PASSWORD},
        base_url="https://madang.test",
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    with app.app_context():
        db.engine.dispose()
