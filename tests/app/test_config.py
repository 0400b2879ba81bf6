"""Start-up configuration: the development key only where asked for, every setting parsed and
checked, one line for a bad one (real processes: `gunicorn wsgi:app` and `import wsgi`)."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

import config
from config import ConfigError, ProductionConfig, TestingConfig, check, settings_of

ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {"PATH": "/usr/bin:/bin"}
REAL_KEY = secrets.token_urlsafe(32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stderr
    assert len(lines) == 1, result.stderr  # no traceback
    return lines[0]


def test_bare_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    """Before: with no MADANG_ENV it served as development, signing sessions and QR codes
    with the public development key."""
    result = run(
        [sys.executable, "-m", "gunicorn", "wsgi:app"],
        {"GUNICORN_BIND": f"127.0.0.1:{free_port()}"},
    )
    line = one_line(result)
    assert line.startswith("Configuration error: SECRET_KEY ")
    assert "MADANG_ENV=development" in line


@pytest.mark.parametrize(
    "key", ["", "a", config.DEV_SECRET_KEY, "x" * 64, secrets.token_hex(16)], ids=repr
)
def test_production_refuses_weak_keys(key):
    settings = settings_of(ProductionConfig) | {"SECRET_KEY": key}
    with pytest.raises(ConfigError) as exc:
        check(settings)
    assert exc.value.variable == "SECRET_KEY"


@pytest.mark.parametrize(
    "key", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(48)]
)
def test_production_accepts_32_random_bytes(key):
    check(settings_of(ProductionConfig) | {"SECRET_KEY": key})


def test_only_an_explicit_development_setting_may_use_the_development_key(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/d.sqlite3", "MAIL_DELIVER_IN_PROCESS": "0"}
    assert (
        run([sys.executable, "-c", "import wsgi"], {**env, "MADANG_ENV": "development"}).returncode
        == 0
    )
    line = one_line(run([sys.executable, "-c", "import wsgi"], env))
    assert line.startswith("Configuration error: SECRET_KEY ")


BAD_SETTINGS = [
    ("REGISTRATION_RATE_LIMIT", "30 per minute or so"),
    ("LOGIN_RATE_LIMIT", "10/fortnight"),
    ("LOGIN_ACCOUNT_RATE_LIMIT", ""),
    ("API_RATE_LIMIT", "lots"),
    ("DESK_SEARCH_RATE_LIMIT", "-1/minute"),
    ("SMTP_PORT", "abc"),
    ("SMTP_PORT", "70000"),
    ("SMTP_SECURITY", "ssl"),
    ("SMTP_TIMEOUT", "0"),
    ("SMTP_HOST", "smtp example org"),
    ("RETENTION_DAYS", "abc"),
    ("RETENTION_DAYS", "0"),
    ("FEED_VERSION_TTL", "x"),
    ("FEED_VERSION_TTL", "nan"),
    ("RATELIMIT_STORAGE_URI", "bogus://"),
    ("RATELIMIT_STORAGE_URI", "localhost:6379"),
    pytest.param(
        "RATELIMIT_STORAGE_URI",
        "mongodb://127.0.0.1:27017",
        marks=pytest.mark.skipif(bool(find_spec("pymongo")), reason="pymongo is installed"),
    ),
    ("RATELIMIT_STORAGE_URI", "async+redis://127.0.0.1:6379"),
    ("RATELIMIT_ENABLED", "maybe"),
    ("MAIL_BACKEND", "bogus"),
    ("MAIL_FROM", "nobody"),
    ("MAIL_DELIVER_IN_PROCESS", "2"),
    ("DEFAULT_TIMEZONE", "Mars/Base"),
    ("DEFAULT_TIMEZONE", "../../etc/passwd"),
    ("BASE_URL", "forum.example.org"),
    ("MAX_CONTENT_LENGTH", "1MB"),
    ("TRUSTED_PROXIES", "-1"),
    ("MANAGE_LINK_RESENDS_PER_HOUR", "three"),
    ("SQLITE_BUSY_TIMEOUT_MS", "1.5"),
    ("OUTBOX_BATCH_SIZE", "0"),
    ("OUTBOX_LEASE_SECONDS", "soon"),
    ("OUTBOX_POLL_SECONDS", "0"),
    ("PRIVACY_PURGE_SECONDS", "-5"),
    ("DATABASE_URL", "nonsense://x"),
    ("MADANG_ENV", "staging"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS, ids=lambda v: str(v))
def test_each_bad_setting_stops_the_app_with_one_line_naming_it(tmp_path, variable, value):
    """Before: tracebacks (SMTP_PORT, RETENTION_DAYS, FEED_VERSION_TTL, the storage URI) or a
    silent default (a malformed rate limit turned the limit off; MAIL_BACKEND, DEFAULT_TIMEZONE
    were accepted)."""
    env = {
        "MADANG_ENV": "production",
        "SECRET_KEY": REAL_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3",
        variable: value,
    }
    if variable == "LOGIN_ACCOUNT_RATE_LIMIT":  # blank means the default; a space is not
        env[variable] = " / "
    line = one_line(run([sys.executable, "-c", "import wsgi"], env))
    assert line.startswith(f"Configuration error: {variable} ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SMTP_PORT", "abc"), ("REGISTRATION_RATE_LIMIT", "often"), ("GUNICORN_WORKERS", "many")],
)
def test_gunicorn_stops_in_the_master_with_one_line(variable, value):
    result = run(
        [sys.executable, "-m", "gunicorn", "wsgi:app"],
        {
            "MADANG_ENV": "production",
            "SECRET_KEY": REAL_KEY,
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
            variable: value,
        },
    )
    assert one_line(result).startswith(f"Configuration error: {variable} ")


def test_settings_are_parsed_to_their_types():
    settings = settings_of(ProductionConfig) | {
        "SECRET_KEY": REAL_KEY,
        "SMTP_PORT": " 587 ",
        "FEED_VERSION_TTL": "0",
        "RATELIMIT_ENABLED": "off",
        "MAIL_BACKEND": "SMTP",
        "BASE_URL": "https://forum.example.org/",
        "RETENTION_DAYS": "30",
        "TRUSTED_PROXIES": "1",
        "MAX_CONTENT_LENGTH": "2000000",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",  # not connected to at start-up
    }
    check(settings)
    assert settings["SMTP_PORT"] == 587
    assert settings["FEED_VERSION_TTL"] == 0.0
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["BASE_URL"] == "https://forum.example.org"
    assert settings["RETENTION_DAYS"] == 30
    assert settings["TRUSTED_PROXIES"] == 1
    assert settings["MAX_CONTENT_LENGTH"] == 2_000_000
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_every_default_passes_its_own_check():
    for config_class in (ProductionConfig, TestingConfig):
        check(settings_of(config_class) | {"SECRET_KEY": REAL_KEY})


def test_memory_limits_with_several_workers_are_reported():
    production = settings_of(ProductionConfig)
    assert config.shared_limits_warning(production, 1) is None
    assert config.shared_limits_warning(production, 4).startswith(
        "RATELIMIT_STORAGE_URI is memory:// with 4 workers"
    )
    shared = production | {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    assert config.shared_limits_warning(shared, 4) is None
    assert config.shared_limits_warning(settings_of(TestingConfig), 4) is None


def test_gunicorn_warns_at_start_up_about_per_worker_limits(tmp_path):
    """Before: two workers with memory:// silently doubled every limit."""
    log = tmp_path / "error.log"
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--error-logfile",
            str(log),
            "wsgi:app",
        ],
        cwd=ROOT,
        env={
            **BASE_ENV,
            "MADANG_ENV": "production",
            "SECRET_KEY": REAL_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while "Booting worker" not in (log.read_text() if log.exists() else ""):
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "[WARNING] RATELIMIT_STORAGE_URI is memory:// with 2 workers" in text
    assert text.index("RATELIMIT_STORAGE_URI") < text.index("Booting worker")
