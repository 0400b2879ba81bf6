"""Abuse resistance: every endpoint that can be hammered answers 429 past its limit, with the
usual JSON error (API) or page (web); and repeated registrations of one address mail at most
MANAGE_LINK_RESENDS_PER_HOUR links, answering the same each time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.users import issue_api_token
from app.models import OutboxMessage
from tests.app.privacy.helpers import PASSWORD, fresh

LIMIT = 3


def hammer(send: Callable[[], Any], times: int = LIMIT) -> list[int]:
    return [send().status_code for _ in range(times + 1)]


def assert_limited(codes: list[int]) -> None:
    assert 429 not in codes[:-1], codes
    assert codes[-1] == 429, codes


@pytest.fixture
def world(db, make_forum, make_user, register):
    forum = make_forum(desk_override="open")
    person = register(forum)
    organizer = make_user("organizer", forum)
    desk = make_user("desk", forum)
    return {
        "forum": forum,
        "person": person,
        "organizer": organizer,
        "desk": desk,
        "organizer_token": issue_api_token(organizer, "rate"),
        "desk_token": issue_api_token(desk, "rate desk"),
    }


def api_calls(world) -> dict[str, Callable[[Any], Any]]:
    slug, token = world["forum"].slug, world["person"].manage_token
    bearer = {"Authorization": f"Bearer {world['organizer_token']}"}
    desk = {"Authorization": f"Bearer {world['desk_token']}"}
    return {
        "forums": lambda c: c.get("/api/v1/forums"),
        "forum": lambda c: c.get(f"/api/v1/forums/{slug}"),
        "openapi": lambda c: c.get("/api/v1/openapi.json"),
        "registration": lambda c: c.get(f"/api/v1/registrations/{token}"),
        "unknown token": lambda c: c.get("/api/v1/registrations/guess"),
        "patch": lambda c: c.patch(f"/api/v1/registrations/{token}", json={}),
        "delete": lambda c: c.delete("/api/v1/registrations/guess"),
        "export": lambda c: c.get(f"/api/v1/registrations/{token}/export"),
        "erase": lambda c: c.post("/api/v1/registrations/guess/erase", json={"confirm": True}),
        "organizer api": lambda c: c.get("/api/v1/organize/forums", headers=bearer),
        "checkins": lambda c: c.post(
            f"/api/v1/forums/{slug}/checkins", json={"code": "NOPE"}, headers=desk
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "forums",
        "forum",
        "openapi",
        "registration",
        "unknown token",
        "patch",
        "delete",
        "export",
        "erase",
        "organizer api",
        "checkins",
    ],
)
def test_every_api_endpoint_answers_429_past_its_limit(client, world, rate_limits, name):
    rate_limits("API_RATE_LIMIT", f"{LIMIT}/minute")
    call = api_calls(world)[name]
    codes = hammer(lambda: call(client))
    assert_limited(codes)
    response = call(client)
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert response.get_json()["message"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_answers_within_the_limit_carry_no_limiter_headers(client, world, rate_limits):
    """The X-RateLimit-* headers would cost two storage round trips on every answer
    (RATELIMIT_HEADERS_ENABLED turns them on); only a refusal says when to come back."""
    rate_limits("API_RATE_LIMIT", f"{LIMIT}/minute")
    response = api_calls(world)["forums"](client)
    assert response.status_code == 200
    assert not [k for k, _ in response.headers.items() if k.startswith(("X-RateLimit", "Retry"))]


def test_each_api_endpoint_counts_on_its_own(client, world, rate_limits):
    rate_limits("API_RATE_LIMIT", f"{LIMIT}/minute")
    calls = api_calls(world)
    assert_limited(hammer(lambda: calls["forums"](client)))
    assert calls["forum"](client).status_code == 200


def test_creating_registrations_is_limited(client, world, rate_limits):
    rate_limits("REGISTRATION_RATE_LIMIT", f"{LIMIT}/minute")
    slug = world["forum"].slug
    counter = iter(range(100))

    def create():
        n = next(counter)
        return client.post(
            f"/api/v1/forums/{slug}/registrations",
            json={
                "name": f"P{n}",
                "email": f"limit{n}@example.org",
                "attendance": "online",
                "consent_personal_data": True,
            },
        )

    assert_limited(hammer(create))
    form = {"name": "F", "email": "form@example.org", "attendance": "online"}
    assert_limited(hammer(lambda: client.post(f"/forums/{slug}/register", data=form)))
    page = client.post(f"/forums/{slug}/register", data=form)
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert 1 <= int(page.headers["Retry-After"]) <= 60


def test_sign_in_is_limited(login, world, rate_limits):
    rate_limits("LOGIN_RATE_LIMIT", f"{LIMIT}/minute")
    client = login(None)
    codes = hammer(
        lambda: client.post(
            "/login", data={"email": world["organizer"].email, "password": "wrong password"}
        )
    )
    assert_limited(codes)
    # Even the right password waits now.
    right = client.post("/login", data={"email": world["organizer"].email, "password": PASSWORD})
    assert right.status_code == 429


def test_desk_search_is_limited(login, world, rate_limits):
    rate_limits("DESK_SEARCH_RATE_LIMIT", f"{LIMIT}/minute")
    client = login(world["desk"])
    slug = world["forum"].slug
    assert_limited(hammer(lambda: client.post(f"/desk/{slug}", data={"q": "Kim"})))


def test_the_kiosk_is_limited(client, make_forum, rate_limits):
    rate_limits("DESK_SEARCH_RATE_LIMIT", f"{LIMIT}/minute")
    forum = make_forum(desk_override="open", kiosk_enabled=True)
    assert_limited(hammer(lambda: client.post(f"/kiosk/{forum.slug}", data={"code": "NOPE"})))


def test_manage_link_resends_are_capped_and_the_answer_never_changes(
    client, db, app, world, rate_limits
):
    rate_limits("MANAGE_LINK_RESENDS_PER_HOUR", 2)
    person, slug = world["person"], world["forum"].slug
    answers = []
    for _ in range(5):
        response = client.post(
            f"/api/v1/forums/{slug}/registrations",
            json={
                "name": "Someone Else",
                "email": person.email.upper(),
                "attendance": "in_person",
                "consent_personal_data": True,
            },
        )
        answers.append((response.status_code, response.get_json()))
    assert len({str(a) for a in answers}) == 1
    assert answers[0][0] == 409
    fresh(db)
    sent = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "manage_link")
    )
    assert sent == 2


def test_the_limiter_store_is_configurable(app_factory, tmp_path):
    """Several processes share counts through the store named by RATELIMIT_STORAGE_URI."""
    from app.extensions import limiter

    app = app_factory(f"sqlite:///{tmp_path}/r.sqlite3", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert limiter.enabled
    from config import Config

    assert Config.RATELIMIT_STORAGE_URI.startswith(("memory://", "redis://"))
