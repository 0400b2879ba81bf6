"""Security headers, cookies, and secret URLs kept out of access logs."""

import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
        token = "SECRETtoken1234567890abcdef"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/manage/{token}", timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            exc.close()
    finally:
        server.terminate()
        server.communicate(timeout=30)
    text = log.read_text()
    assert "/manage/[redacted]" in text
    assert token not in text
