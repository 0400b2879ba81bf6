"""Browser tests: the real app on a loopback server, driven by Debian's Chromium.

Without /usr/bin/chromium these tests are skipped with the reason; with
MADANG_REQUIRE_BROWSER=1 (CI) a missing or broken browser is a failure.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_LOCALES = {"ko": "ko-KR", "en": "en-US"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app with CSRF on, the demo forums loaded, on a fresh SQLite database."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import load_demo
    from config import TestingConfig

    path = tmp_path_factory.mktemp("e2e") / "madang.sqlite3"
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
        load_demo()
    return app


@pytest.fixture(scope="session")
def base_url(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live_app.config["BASE_URL"]
    server.shutdown()
    thread.join()


@pytest.fixture
def page(request, browser, base_url):
    """A page of a Korean browser; `@pytest.mark.parametrize("page", ["ko", "en"],
    indirect=True)` runs a test in a browser of each language (`page.lang`)."""
    lang = getattr(request, "param", "ko")
    context = browser.new_context(base_url=base_url, locale=BROWSER_LOCALES[lang])
    page = context.new_page()
    page.lang = lang
    errors: list[str] = []

    def on_console(message) -> None:
        # A page answered 4xx on purpose (a form with errors) logs "Failed to load resource";
        # failed subresources are caught below instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", on_response)
    page.console_errors = errors
    yield page
    context.close()


class Account(NamedTuple):
    id: int
    email: str
    password: str


@pytest.fixture
def staff_account(live_app) -> Callable[..., Account]:
    """`staff_account(role, *forum_slugs)`: a new staff account of the live app (the demo
    loader makes none), assigned to those forums."""
    from app.accounts.users import create_user

    def make(role: str, *forum_slugs: str) -> Account:
        email = f"{role}-{secrets.token_hex(4)}@staff.example.org"
        password = secrets.token_urlsafe(12)
        with live_app.app_context():
            user = create_user(
                email, password, role, name=f"{role.title()} Kim", forum_slugs=list(forum_slugs)
            )
            return Account(user.id, email, password)

    return make


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
