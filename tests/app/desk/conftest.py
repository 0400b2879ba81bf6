"""Fixtures for the day of the forum: staff accounts, signing in, registrations, payloads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.app.desk.helpers import PASSWORD


@pytest.fixture
def client(app):
    """A client that asks for English, so the messages checked here stay English once the
    Korean catalog is compiled."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def open_forum(make_forum) -> Callable[..., Any]:
    """A forum whose desk an organizer has opened (its days are a month away)."""

    def make(**fields: Any):
        fields.setdefault("desk_override", "open")
        return make_forum(**fields)

    return make


@pytest.fixture
def staff(db) -> Callable[..., Any]:
    """`staff(role, *forums, email=None, name="")`: a staff account assigned to the forums."""
    from app.accounts.users import create_user

    counter = {"n": 0}

    def make(role: str, *forums, email: str | None = None, name: str = ""):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@staff.example.org"
        return create_user(email, PASSWORD, role, name=name, forum_slugs=[f.slug for f in forums])

    return make


@pytest.fixture
def login() -> Callable[..., Any]:
    def sign_in(client, user) -> None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)

    return sign_in


@pytest.fixture
def register(db) -> Callable[..., Any]:
    """`register(forum, name, email=None, attendance="in_person", sessions=(), **fields)`:
    a pre-registration through the real service (seats and waitlist included)."""
    from app.registration import operations as registrations

    counter = {"n": 0}

    def make(
        forum, name: str, email: str | None = None, *, attendance="in_person", sessions=(), **fields
    ):
        counter["n"] += 1
        result = registrations.register(
            forum,
            registrations.RegistrationRequest(
                name=name,
                email=email or f"person{counter['n']}@example.org",
                attendance=attendance,
                session_ids=[s.id for s in sessions],
                affiliation=fields.pop("affiliation", ""),
                locale="en",
                consent_personal_data=True,
                consent_accessibility=bool(fields.get("accessibility_needs")),
                accessibility_needs=fields.pop("accessibility_needs", []),
            ),
            now=datetime.now(UTC),
        )
        return result.registration

    return make


@pytest.fixture
def payload(app) -> Callable[[str], str]:
    from app.core.tokens import checkin_payload

    return lambda code: checkin_payload(app.config["SECRET_KEY"], code)
