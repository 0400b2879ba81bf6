"""The application factory and its configuration checks."""

import secrets
import subprocess
import sys

import pytest

from app import create_app
from config import ProductionConfig, TestingConfig


def test_production_refuses_the_development_secret(monkeypatch):
    with pytest.raises(SystemExit) as exc:
        create_app(ProductionConfig, SECRET_KEY="dev-only-secret-change-me")
    assert "SECRET_KEY" in str(exc.value)


def test_production_refuses_a_missing_secret():
    with pytest.raises(SystemExit) as exc:
        create_app(ProductionConfig, SECRET_KEY="")
    assert "SECRET_KEY" in str(exc.value)


def test_production_starts_with_a_real_secret(tmp_path):
    app = create_app(
        ProductionConfig,
        SECRET_KEY=secrets.token_urlsafe(32),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.sqlite3",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("url", ["nonsense://x", "postgresql+nodriver://u@h/db", "::::"])
def test_bad_database_url_stops_with_one_line(url):
    with pytest.raises(SystemExit) as exc:
        create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    message = str(exc.value)
    assert message.startswith("Configuration error: DATABASE_URL")
    assert "\n" not in message


def test_postgres_scheme_is_normalised(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="postgres://u@127.0.0.1/x")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_cli_start_without_secret_in_production_prints_one_clear_line(tmp_path):
    env = {"MADANG_ENV": "production", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: SECRET_KEY ")


def test_a_web_worker_does_not_load_the_solver():
    """OR-Tools (with numpy, about 65 MB) loads in the process that solves, on first use; a
    web worker that only imports the app stays without it."""
    env = {"MADANG_ENV": "development", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"}
    probe = (
        "import sys, wsgi\n"
        "from scheduling import solver\n"
        "assert 'ortools' not in sys.modules, 'loaded at import'\n"
        "assert callable(solver.propose) and callable(solver.repair)\n"
        "assert 'ortools' in sys.modules, 'not loaded on use'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
    )
    assert result.returncode == 0, result.stderr
