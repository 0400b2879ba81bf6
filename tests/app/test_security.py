"""Security headers, cookies, and secret URLs kept out of access logs."""

import logging
import re
import runpy
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.security import redact_secrets
from config import ProductionConfig

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_gets_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain development


def test_production_adds_hsts_and_secure_cookies(app_factory, tmp_path):
    app = app_factory(
        f"sqlite:///{tmp_path}/p.sqlite3",
        SECRET_KEY=secrets.token_urlsafe(32),
        ENV_NAME="production",
        SESSION_COOKIE_SECURE=ProductionConfig.SESSION_COOKIE_SECURE,
    )
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secret_paths_are_redacted():
    line = 'GET /manage/AbC_123-xyz HTTP/1.1 "http://h/calendar/tok.ics" /api/v1/registrations/t9'
    assert redact_secrets(line) == (
        'GET /manage/[redacted] HTTP/1.1 "http://h/calendar/[redacted]" '
        "/api/v1/registrations/[redacted]"
    )
    assert redact_secrets("/forums/x/sessions/3.ics") == "/forums/x/sessions/3.ics"


def wait_for_port(port: int, seconds: float = 30) -> None:
    """Poll until the server accepts connections (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)


def test_gunicorn_access_log_never_shows_a_manage_token(tmp_path):
    """A real gunicorn with the project's config: the token does not reach the log."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "access.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "MADANG_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path}/g.sqlite3",
        "MAIL_DELIVER_IN_PROCESS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESSLOG": str(log),
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
        token = TOKEN
        # Before: the percent-encoded spellings reached the log with the token.
        for path in (f"/manage/{token}", f"/%6Danage/{token}", f"/calendar%2F{token}.ics"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
                exc.close()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    text = log.read_text()
    assert text.count("/manage/[redacted]") == 2
    assert "/calendar/[redacted]" in text
    assert token not in text
    assert token not in errors.decode()


# ---------------------------------------------------------------- request size (finding 3)


def test_a_json_body_above_the_limit_is_refused_before_it_is_read(client, make_forum):
    """Before: a 50 MB JSON body was read whole."""
    forum = make_forum()
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    body = b'{"name": "' + b"x" * limit + b'"}'
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        data=body,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"
    assert "too large" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("language", "words"), [("en", "The request is too large"), ("ko", "요청이 너무 큽니다")]
)
def test_a_form_above_the_limit_gets_a_page_in_the_request_language(
    client, make_forum, language, words
):
    forum = make_forum()
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/forums/{forum.slug}/register",
        data={"name": "x" * limit, "email": "a@example.org"},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert words in response.get_data(as_text=True)


def test_the_limit_leaves_room_for_a_csv_import(app):
    """The import's confirmation carries the file base64-encoded in a form field."""
    from app.programme.csv_io import MAX_BYTES

    assert app.config["MAX_CONTENT_LENGTH"] > MAX_BYTES * 4 / 3 + 100_000
    assert app.config["MAX_FORM_MEMORY_SIZE"] == app.config["MAX_CONTENT_LENGTH"]


def test_a_configured_limit_applies(app, client, make_forum, monkeypatch):
    forum = make_forum()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    url = f"/api/v1/forums/{forum.slug}/registrations"
    assert client.post(url, json={"name": "x" * 4096}).status_code == 413
    assert client.post(url, json={"name": "x" * 1024}).status_code == 422


# ---------------------------------------------------------------- tokens in logs (finding 4)

TOKEN = "SECRETtoken1234567890abcdef"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /%6Danage/{TOKEN} HTTP/1.1", "GET /manage/[redacted] HTTP/1.1"),
        (f"GET /calendar%2F{TOKEN}.ics HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
        (f"GET /calendar%252F{TOKEN}.ics", "GET /calendar/[redacted]"),
        (f"PATCH //api/v1//registrations/{TOKEN}/", "PATCH //api/v1//registrations/[redacted]/"),
        (
            f"GET /%61pi/v1/registrations/{TOKEN}/export",
            "GET /api/v1/registrations/[redacted]/export",
        ),
        ("GET /forums/a%20b/sessions/3.ics", "GET /forums/a%20b/sessions/3.ics"),
    ],
)
def test_percent_encoded_secret_paths_are_redacted(line, expected):
    assert redact_secrets(line) == expected


def test_the_error_log_never_shows_a_token(app, client, monkeypatch, caplog):
    """Before: Flask logged `Exception on /api/v1/registrations/<token> [PATCH]`."""
    from app.web.api import registrations as api_registrations

    def broken(token):
        raise RuntimeError(f"lookup failed for /manage/{token}")

    monkeypatch.setattr(api_registrations.registrations, "registration_by_token", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app.logger, "disabled", False)  # the migrations' logging config
    with caplog.at_level(logging.ERROR):
        response = client.patch(f"/api/v1/registrations/{TOKEN}", json={})
    assert response.status_code == 500
    (record,) = [r for r in caplog.records if r.name == app.logger.name]
    assert record.getMessage() == "Exception on /api/v1/registrations/[redacted] [PATCH]"
    assert TOKEN not in caplog.text
    assert "RuntimeError: lookup failed for /manage/[redacted]" in caplog.text


def test_the_development_server_access_log_never_shows_a_token(app, caplog, monkeypatch):
    """Before: `flask run` printed manage and calendar tokens in plain text."""
    from werkzeug.serving import make_server

    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/manage/{TOKEN}", f"/%6Danage/{TOKEN}", f"/calendar%2F{TOKEN}.ics"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10)
                except urllib.error.HTTPError as exc:
                    assert exc.code == 404
                    exc.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) == 3 and all("[redacted]" in line for line in lines)
    assert TOKEN not in caplog.text


# ---------------------------------------------------------------- the session cookie (finding 5)


def session_of(client) -> dict:
    """The session as anyone holding the cookie can read it (signed, not encrypted)."""
    app = client.application
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_session_cookie_keeps_no_token_beyond_the_confirmation_page(client, make_forum):
    """Before: after a web registration the cookie kept {"manage": …, "calendar": …} while
    the person browsed on."""
    forum = make_forum(format="online")
    response = client.post(
        f"/forums/{forum.slug}/register",
        data={
            "name": "Kim",
            "email": "kim@example.org",
            "attendance": "online",
            "locale": "en",
            "consent_personal_data": "y",
        },
    )
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "/manage/" in page
    assert done.headers["Cache-Control"] == "no-store"
    manage = re.search(r"/manage/([A-Za-z0-9_\-]+)", page).group(1)
    calendar = re.search(r"/calendar/([A-Za-z0-9_\-]+)\.ics", page).group(1)

    client.get(f"/forums/{forum.slug}")  # browsing on
    cookie = session_of(client)
    assert "just_registered" not in cookie
    assert manage not in repr(cookie) and calendar not in repr(cookie)
    assert client.get(response.headers["Location"]).status_code == 303  # shown once


# ---------------------------------------------------------------- proxies (finding 12)


def sign_in_attempt(client, forwarded_for: str) -> int:
    return client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "not the password at all"},
        headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the reverse proxy
    ).status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app, app_factory, database_url):
    """Before: behind a reverse proxy every client shared one bucket, so one person could
    lock all staff out of sign-in."""
    from app.core.db import db
    from app.extensions import limiter

    proxied = app_factory(database_url, TRUSTED_PROXIES="1", LOGIN_RATE_LIMIT="2/minute")
    limiter.reset()
    client = proxied.test_client()
    try:
        assert [sign_in_attempt(client, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
        assert sign_in_attempt(client, "203.0.113.6") == 401  # someone else, same proxy
    finally:
        limiter.reset()
        with proxied.app_context():
            db.engine.dispose()  # this app's own pool


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app, client, monkeypatch):
    """A client cannot pick its own bucket by sending X-Forwarded-For."""
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2/minute")
    limiter.reset()
    try:
        codes = [sign_in_attempt(client, f"203.0.113.{n}") for n in range(3)]
        assert codes == [401, 401, 429]
    finally:
        limiter.reset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-", "-"),
        ("/var/log/madang/access.log", "/var/log/madang/access.log"),
        ("off", None),
        ("", None),
    ],
)
def test_the_access_log_goes_where_gunicorn_accesslog_says(monkeypatch, value, expected):
    monkeypatch.setenv("MADANG_ENV", "development")
    monkeypatch.setenv("GUNICORN_ACCESSLOG", value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["accesslog"] == expected
