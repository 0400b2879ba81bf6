"""Fixtures for the privacy tests: registering through the API, staff accounts, signing in,
and a scan of every table for a person's data."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

# The organizer's privacy pages register on the `organize` blueprint when this module is
# imported; it must happen before the app (and so the blueprint) is set up. Importing it here,
# at collection time, does that whether or not app/web/organize/__init__.py imports it yet.
import app.web.organize.privacy_views  # noqa: F401
from tests.app.privacy.helpers import PASSWORD, Person, register_person


@pytest.fixture(scope="session")
def password_hash() -> str:
    from app.accounts.users import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(db, password_hash) -> Callable[..., Any]:
    """A staff account with PASSWORD, assigned to `forums`."""
    from app.models import User

    def make(role: str, *forums: Any) -> Any:
        user = User(
            email=f"{role}-{secrets.token_hex(3)}@staff.example.org",
            name=role.title(),
            password_hash=password_hash,
            role=role,
        )
        user.forums = list(forums)
        db.session.add(user)
        db.session.commit()
        return user

    return make


class FreshContextClient(FlaskClient):
    """A client whose every request runs in an app context of its own: the test's context
    would otherwise carry the signed-in user (flask.g) from one client's request to another's."""

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def login(app) -> Callable[..., Any]:
    """A fresh test client, in English, signed in as `user` (None: anonymous)."""

    def make(user=None):
        client = FreshContextClient(app, app.response_class, use_cookies=True)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if user is not None:
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def client(app):
    """The test client, asking for English pages (the messages checked here are English)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def register(client) -> Callable[..., Person]:
    """Register a person through the JSON API; returns what they were given."""

    def make(forum, **fields: Any) -> Person:
        return register_person(client, forum, **fields)

    return make
