"""The registrations API: POST on a forum, GET/PATCH/DELETE through the manage token.

Every refusal checks the status, the machine-readable error and the field it names, and that
nothing was written (registrations, bookings, outbox rows, seats and waitlist numbers).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.tokens import CODE_ALPHABET, hash_token
from app.extensions import limiter
from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration

CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
BASE = "http://madang.test"


# ------------------------------------------------------------------------------- helpers


def body(n: int | str = 1, **fields) -> dict:
    values = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "affiliation": "",
        "attendance": "in_person",
        "session_ids": [],
        "locale": "ko",
        "consent_personal_data": True,
    }
    values.update(fields)
    return values


def post(client, forum_or_slug, payload, **kwargs):
    slug = getattr(forum_or_slug, "slug", forum_or_slug)
    return client.post(f"/api/v1/forums/{slug}/registrations", json=payload, **kwargs)


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/manage/"), url
    return url.rsplit("/", 1)[1]


def snapshot(db) -> dict:
    db.session.expire_all()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {
        "registrations": count(Registration),
        "bookings": count(Booking),
        "outbox": count(OutboxMessage),
        "sessions": db.session.execute(
            select(ForumSession.id, ForumSession.seats_taken, ForumSession.waitlist_seq).order_by(
                ForumSession.id
            )
        ).all(),
        "forums": db.session.execute(
            select(Forum.id, Forum.in_person_taken, Forum.waitlist_seq).order_by(Forum.id)
        ).all(),
    }


def outbox(db, kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def invalid(client, db, forum, payload, field: str, **kwargs) -> list[str]:
    """POST, expect 422 naming `field`, and check that nothing was written."""
    before = snapshot(db)
    response = post(client, forum, payload, **kwargs)
    assert response.status_code == 422, response.get_json()
    data = response.get_json()
    assert data["error"] == "invalid"
    assert field in data["errors"], data["errors"]
    assert all(isinstance(m, str) and m for m in data["errors"][field])
    assert snapshot(db) == before
    return data["errors"][field]


def seats_taken(db, session) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ForumSession.seats_taken).where(ForumSession.id == session.id))


# ------------------------------------------------------------------------------- create


def test_a_registration_is_created(client, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=100)
    tour = make_session(forum, seats=20, kind="tour")
    response = post(client, forum, body(session_ids=[tour.id], affiliation="서울시"))
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert CODE_RE.match(data["confirmation_code"])
    assert data["attendance"] == "in_person"
    assert data["status"] == "confirmed"
    assert data["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]
    assert data["calendar_url"].startswith(f"{BASE}/calendar/")
    assert data["calendar_url"].endswith(".ics")

    db.session.expire_all()
    row = db.session.scalar(select(Registration))
    assert row.source == "api"
    assert row.affiliation == "서울시"
    assert row.confirmation_code == data["confirmation_code"].replace("-", "")
    assert row.manage_token_hash == hash_token(token_of(data["manage_url"]))
    assert seats_taken(db, tour) == 1
    [message] = outbox(db)
    assert message.kind == "registration_confirmed"
    assert message.context["manage_token"] == token_of(data["manage_url"])

    fetched = client.get(f"/api/v1/registrations/{token_of(data['manage_url'])}")
    assert fetched.status_code == 200
    assert fetched.get_json()["confirmation_code"] == data["confirmation_code"]
    assert "manage_url" not in fetched.get_json()


@pytest.mark.parametrize(
    "name",
    ["김민지", "Zoë Ångström-Núñez", "👩‍💻 개발자", "🇰🇷 Kim", "👨‍👩‍👧‍👦 Family", "가" * 200],
)
def test_names_come_back_exactly_as_typed(client, make_forum, name):
    forum = make_forum()
    response = post(client, forum, body(name=name))
    assert response.status_code == 201, response.get_json()
    token = token_of(response.get_json()["manage_url"])
    fetched = client.get(f"/api/v1/registrations/{token}")
    assert fetched.get_json()["name"] == name


# ------------------------------------------------------------------------------- window


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(timedelta(days=2), timedelta(days=9)), (timedelta(days=-9), timedelta(minutes=-1))],
    ids=["not_open_yet", "closed"],
)
def test_outside_the_window_the_api_answers_409(client, db, make_forum, opens, closes):
    now = datetime.now(UTC)
    forum = make_forum(registration_opens_at=now + opens, registration_closes_at=now + closes)
    before = snapshot(db)
    response = post(client, forum, body())
    assert response.status_code == 409
    assert response.get_json()["error"] == "registration_closed"
    assert response.get_json()["message"]
    assert snapshot(db) == before


# ------------------------------------------------------------------------ repeated email


def test_a_repeated_email_answers_409_without_details_and_mails_the_manage_link(
    client, db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=5, title_en="Secret tour")
    first = post(
        client, forum, body(name="김민지", email="Minji@Example.org", session_ids=[tour.id])
    )
    assert first.status_code == 201
    old_token = token_of(first.get_json()["manage_url"])
    code = first.get_json()["confirmation_code"]
    before = snapshot(db)

    again = post(client, forum, body(name="Other", email="minji@example.ORG"))
    assert again.status_code == 409
    data = again.get_json()
    assert data["error"] == "already_registered"
    assert set(data) == {"error", "message"}
    text = again.get_data(as_text=True)
    for secret in ("김민지", code, code.replace("-", ""), old_token, "confirmed", str(tour.id)):
        assert secret not in text

    after = snapshot(db)
    assert after["registrations"] == before["registrations"] == 1
    assert after["sessions"] == before["sessions"]
    [message] = outbox(db, "manage_link")
    assert message.recipient.casefold() == "minji@example.org"
    new_token = message.context["manage_token"]
    assert client.get(f"/api/v1/registrations/{old_token}").status_code == 404
    fetched = client.get(f"/api/v1/registrations/{new_token}")
    assert fetched.status_code == 200
    assert fetched.get_json()["name"] == "김민지"


# ----------------------------------------------------------------------------- sessions


def test_session_rules(client, db, make_forum, make_session):
    forum, other = make_forum(), make_forum()
    a = make_session(forum, seats=5, start="10:00", end="11:00", title_en="Tour A")
    b = make_session(forum, seats=5, start="10:30", end="11:30", title_en="Tour B")
    gone = make_session(forum, seats=5, start="14:00", end="15:00", status="cancelled")
    foreign = make_session(other, seats=5)

    assert (
        str(foreign.id)
        in invalid(client, db, forum, body(session_ids=[foreign.id]), "session_ids")[0]
    )
    assert "424242" in invalid(client, db, forum, body(session_ids=[424242]), "session_ids")[0]
    invalid(client, db, forum, body(session_ids=[gone.id]), "session_ids")
    overlap = invalid(client, db, forum, body(session_ids=[a.id, b.id], locale="en"), "session_ids")
    assert "Tour A" in overlap[0] and "Tour B" in overlap[0]
    online = invalid(
        client, db, forum, body(attendance="online", session_ids=[a.id], locale="en"), "session_ids"
    )
    assert "Tour A" in online[0]
    for bad in (["abc"], [1.5], [True], [None], [[a.id]], "1,2", a.id, {"id": a.id}, 2**63):
        invalid(client, db, forum, body(session_ids=bad), "session_ids")


# ---------------------------------------------------------------------- attendance modes


@pytest.mark.parametrize(
    ("forum_format", "attendance", "status"),
    [
        ("in_person", "in_person", 201),
        ("in_person", "online", 422),
        ("online", "online", 201),
        ("online", "in_person", 422),
        ("hybrid", "in_person", 201),
        ("hybrid", "online", 201),
    ],
)
def test_attendance_modes_follow_the_forum_format(
    client, db, make_forum, forum_format, attendance, status
):
    forum = make_forum(format=forum_format)
    if status == 422:
        invalid(client, db, forum, body(attendance=attendance), "attendance")
    else:
        response = post(client, forum, body(attendance=attendance))
        assert response.status_code == 201
        assert response.get_json()["attendance"] == attendance


# -------------------------------------------------------------------------------- seats


def test_seats_online_attendance_and_waitlists(client, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=2)
    tour = make_session(forum, seats=1, format="hybrid")
    first = post(client, forum, body(1, session_ids=[tour.id])).get_json()
    second = post(client, forum, body(2, session_ids=[tour.id])).get_json()
    online = post(client, forum, body(3, attendance="online", session_ids=[tour.id])).get_json()
    third = post(client, forum, body(4, session_ids=[tour.id])).get_json()
    fourth = post(client, forum, body(5, session_ids=[tour.id])).get_json()

    assert first["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]
    assert second["status"] == "confirmed"
    assert second["sessions"] == [{"id": tour.id, "status": "waitlisted", "waitlist_position": 1}]
    assert online["status"] == "confirmed"
    assert online["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)
    assert third["sessions"][0]["waitlist_position"] == 2
    assert (fourth["status"], fourth["waitlist_position"]) == ("waitlisted", 2)
    assert seats_taken(db, tour) == 1
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 2


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "no-at-sign"),
        ("email", "a@b"),
        ("email", "a@@example.org"),
        ("email", '"x"@'),
        ("email", "min ji@example.org"),
        ("email", " "),
        ("email", ""),
        ("email", "minji@example.org\r\nBcc: x@example.org"),
        ("name", ""),
        ("name", "   "),
        ("name", "가" * 201),
        ("name", "Min\x00ji"),
        ("name", "Min\nji"),
        ("name", "Min\rji"),
        ("name", "Min\u2028ji"),
        ("affiliation", "x" * 201),
        ("consent_personal_data", False),
        ("consent_personal_data", "true"),
        ("consent_personal_data", 1),
        ("consent_personal_data", None),
        ("locale", "fr"),
        ("locale", "KO"),
        ("locale", 1),
        ("name", 42),
        ("name", ["김민지"]),
        ("email", {"address": "a@example.org"}),
        ("attendance", True),
        ("attendance", "both"),
        ("session_ids", "1"),
        ("consent_marketing", "yes"),
        ("accessibility_needs", "wheelchair"),
        ("accessibility_needs", ["teleport"]),
    ],
)
def test_bad_input_is_refused_with_the_field_named(client, db, make_forum, field, value):
    forum = make_forum()
    payload = body(**{field: value})
    if field == "accessibility_needs":
        payload["consent_accessibility"] = True
    invalid(client, db, forum, payload, field)


def test_a_missing_consent_is_refused(client, db, make_forum):
    forum = make_forum()
    payload = body()
    del payload["consent_personal_data"]
    invalid(client, db, forum, payload, "consent_personal_data")


@pytest.mark.parametrize("missing", ["name", "email", "attendance"])
def test_missing_required_fields_are_refused(client, db, make_forum, missing):
    forum = make_forum()
    payload = body()
    del payload[missing]
    invalid(client, db, forum, payload, missing)


def test_accessibility_needs_need_their_own_consent(client, db, make_forum):
    forum = make_forum()
    invalid(client, db, forum, body(accessibility_needs=["wheelchair"]), "consent_accessibility")
    invalid(client, db, forum, body(accessibility_other="A quiet room"), "consent_accessibility")
    response = post(
        client,
        forum,
        body(
            accessibility_needs=["sign_language"],
            accessibility_other="수어 통역",
            consent_accessibility=True,
        ),
    )
    assert response.status_code == 201
    db.session.expire_all()
    row = db.session.scalar(select(Registration))
    assert (row.accessibility_needs, row.accessibility_other) == (["sign_language"], "수어 통역")
    assert row.accessibility_consent is True


def test_a_form_encoded_body_is_refused_with_415(client, db, make_forum):
    forum = make_forum()
    before = snapshot(db)
    flat = {k: str(v) for k, v in body().items() if k != "session_ids"}
    response = client.post(f"/api/v1/forums/{forum.slug}/registrations", data=flat)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        data='{"name": "x"}',
        content_type="text/plain",
    )
    assert response.status_code == 415
    assert snapshot(db) == before


@pytest.mark.parametrize("raw", ["[]", '[{"name": "x"}]', '"text"', "42", "null", "{", ""])
def test_a_body_that_is_not_a_json_object_is_refused_with_422(client, db, make_forum, raw):
    forum = make_forum()
    before = snapshot(db)
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations", data=raw, content_type="application/json"
    )
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]
    assert snapshot(db) == before


def test_an_unknown_or_draft_forum_is_404(client, db, make_forum):
    draft = make_forum(status="draft")
    before = snapshot(db)
    for slug in ("no-such-forum", draft.slug):
        response = post(client, slug, body())
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert snapshot(db) == before


# ------------------------------------------------------------------------------ manage


def _registered(client, forum, n=1, **fields) -> tuple[str, dict]:
    response = post(client, forum, body(n, **fields))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    return token_of(data["manage_url"]), data


def test_get_shows_the_registration_privately(client, make_forum):
    forum = make_forum()
    token, created = _registered(client, forum, affiliation="Seoul Digital Foundation")
    response = client.get(f"/api/v1/registrations/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    data = response.get_json()
    assert data["confirmation_code"] == created["confirmation_code"]
    assert data["affiliation"] == "Seoul Digital Foundation"
    assert data["forum"] == forum.slug
    assert data["email"] == "person1@example.org"


@pytest.mark.parametrize("token", ["nope", "x" * 300, "A" * 32])
def test_a_bad_token_is_404(client, make_forum, token):
    forum = make_forum()
    _registered(client, forum)
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/registrations/{token}", json={})
        assert response.status_code == 404, method
        assert response.get_json()["error"] == "not_found"


def test_patch_switches_attendance_and_promotes_the_first_waiting(
    client, db, make_forum, make_session
):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, format="hybrid")
    holder, _ = _registered(client, forum, 1, session_ids=[tour.id])
    waiting, data = _registered(client, forum, 2, session_ids=[tour.id])
    assert data["status"] == "waitlisted"

    response = client.patch(f"/api/v1/registrations/{holder}", json={"attendance": "online"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["attendance"] == "online" and data["status"] == "confirmed"
    assert data["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]

    promoted = client.get(f"/api/v1/registrations/{waiting}").get_json()
    assert promoted["status"] == "confirmed"
    assert promoted["sessions"][0]["status"] == "confirmed"
    assert seats_taken(db, tour) == 1
    assert {m.recipient for m in outbox(db, "waitlist_promoted")} == {"person2@example.org"}


def test_patch_adds_and_drops_sessions_under_the_same_rules(client, db, make_forum, make_session):
    forum = make_forum()
    morning = make_session(forum, seats=3, start="10:00", end="11:00")
    clash = make_session(forum, seats=3, start="10:30", end="11:30")
    noon = make_session(forum, seats=3, start="12:00", end="13:00")
    token, _ = _registered(client, forum, session_ids=[morning.id])

    response = client.patch(
        f"/api/v1/registrations/{token}", json={"session_ids": [morning.id, noon.id]}
    )
    assert response.status_code == 200
    assert sorted(s["id"] for s in response.get_json()["sessions"]) == [morning.id, noon.id]
    assert seats_taken(db, noon) == 1

    before = snapshot(db)
    response = client.patch(
        f"/api/v1/registrations/{token}", json={"session_ids": [morning.id, clash.id]}
    )
    assert response.status_code == 422
    assert "session_ids" in response.get_json()["errors"]
    assert snapshot(db) == before

    response = client.patch(f"/api/v1/registrations/{token}", json={"session_ids": []})
    assert response.status_code == 200
    assert response.get_json()["sessions"] == []
    assert seats_taken(db, morning) == 0 and seats_taken(db, noon) == 0


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": "New name"}, "name"),
        ({"email": "other@example.org"}, "email"),
        ({"status": "confirmed"}, "status"),
        ({"attendance": 1}, "attendance"),
        ({"attendance": "teleport"}, "attendance"),
        ({"session_ids": "1"}, "session_ids"),
        ({"session_ids": ["x"]}, "session_ids"),
    ],
)
def test_patch_refuses_unknown_fields_and_wrong_values(client, db, make_forum, patch, field):
    forum = make_forum(format="in_person")
    token, _ = _registered(client, forum)
    before = snapshot(db)
    response = client.patch(f"/api/v1/registrations/{token}", json=patch)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert snapshot(db) == before


def test_patch_needs_a_json_object(client, db, make_forum):
    forum = make_forum()
    token, _ = _registered(client, forum)
    before = snapshot(db)
    assert (
        client.patch(f"/api/v1/registrations/{token}", data={"attendance": "online"}).status_code
        == 415
    )
    assert client.patch(f"/api/v1/registrations/{token}", json=["online"]).status_code == 422
    assert snapshot(db) == before


def test_delete_cancels_frees_seats_and_refuses_a_second_time(client, db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    holder, _ = _registered(client, forum, 1, session_ids=[tour.id])
    waiting, _ = _registered(client, forum, 2, session_ids=[tour.id])

    response = client.delete(f"/api/v1/registrations/{holder}")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["sessions"] == []
    assert seats_taken(db, tour) == 1
    assert client.get(f"/api/v1/registrations/{waiting}").get_json()["sessions"][0]["status"] == (
        "confirmed"
    )
    assert [m.recipient for m in outbox(db, "registration_cancelled")] == ["person1@example.org"]
    assert [m.recipient for m in outbox(db, "waitlist_promoted")] == ["person2@example.org"]

    before = snapshot(db)
    again = client.delete(f"/api/v1/registrations/{holder}")
    assert again.status_code == 409
    assert again.get_json()["error"] == "registration_cancelled"
    changed = client.patch(f"/api/v1/registrations/{holder}", json={"attendance": "online"})
    assert changed.status_code == 409
    assert changed.get_json()["error"] == "registration_cancelled"
    assert snapshot(db) == before
    assert client.get(f"/api/v1/registrations/{holder}").get_json()["status"] == "cancelled"


# --------------------------------------------------------------------------- rate limit


@pytest.fixture
def low_rate_limit(app):
    previous = app.config["REGISTRATION_RATE_LIMIT"]
    app.config["REGISTRATION_RATE_LIMIT"] = "2/minute"
    limiter.reset()
    yield
    app.config["REGISTRATION_RATE_LIMIT"] = previous
    limiter.reset()


def test_too_many_registrations_are_answered_429(client, db, make_forum, low_rate_limit):
    forum = make_forum()
    assert post(client, forum, body(1)).status_code == 201
    assert post(client, forum, body(2)).status_code == 201
    before = snapshot(db)
    response = post(client, forum, body(3))
    assert response.status_code == 429
    data = response.get_json()
    assert data["error"] == "too_many_requests"
    assert data["message"]
    assert snapshot(db) == before
