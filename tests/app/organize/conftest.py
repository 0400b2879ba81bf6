"""Fixtures for the organizer workspace: staff accounts (hashed once per password, since
Argon2 is slow on purpose), signing in, a small agenda and registrations."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

PASSWORD = "correct horse battery"
EN = {"Accept-Language": "en"}


@pytest.fixture(scope="session")
def password_hash() -> str:
    from app.accounts.users import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(db, password_hash) -> Callable[..., Any]:
    """A staff account with PASSWORD, assigned to `forums`."""
    from app.models import User

    def make(role: str, *forums: Any, email: str | None = None) -> User:
        user = User(
            email=email or f"{role}-{secrets.token_hex(3)}@staff.example.org",
            name=role.title(),
            password_hash=password_hash,
            role=role,
        )
        user.forums = list(forums)
        db.session.add(user)
        db.session.commit()
        return user

    return make


def sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.fixture
def login(app) -> Callable[..., Any]:
    """A fresh test client signed in as `user` (None: anonymous)."""

    def make(user=None):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def api_token(db) -> Callable[..., str]:
    from app.accounts.users import issue_api_token

    return lambda user: issue_api_token(user, "tests")


SAMPLE = "seoul-smart-city-forum-sample"


@pytest.fixture
def sample(db):
    """The demo's upcoming sample forum (its speaker in Los Angeles breaks Session 1)."""
    from sqlalchemy import select

    from app.demo import load_demo
    from app.models import Forum

    load_demo(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    return db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))


def session_titled(forum, prefix: str):
    return next(s for s in forum.sessions if s.title_en.startswith(prefix))
