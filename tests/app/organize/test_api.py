"""The organizer JSON API: bearer tokens, the same rules and conflict answers as the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import ForumSession, OutboxMessage, ProgrammeChange, Speaker, Venue


@pytest.fixture
def api(db, make_forum, make_user, make_venue, make_speaker, api_token, login):
    forum = make_forum(slug="api-forum", status="draft")
    other = make_forum(slug="other-forum")
    user = make_user("organizer", forum)
    token = api_token(user)
    client = login()

    def call(method, path, body=None, *, token=token, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            kwargs["json"] = body
        return client.open(f"/api/v1/organize{path}", method=method, headers=headers, **kwargs)

    return {
        "forum": forum,
        "other": other,
        "user": user,
        "call": call,
        "hall": make_venue(forum, name_en="Hall"),
        "kim": make_speaker(forum, name_en="Kim"),
        "lee": make_speaker(forum, name_en="Lee"),
    }


def session_body(forum, **overrides):
    day = forum.first_day.isoformat()
    body = {
        "title_ko": "기조연설",
        "title_en": "Keynote",
        "kind": "keynote",
        "format": "hybrid",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T11:00:00+09:00",
    }
    body.update(overrides)
    return body


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_tokens_are_required_and_checked(api, make_user, api_token):
    call, slug = api["call"], api["forum"].slug
    response = call("GET", f"/forums/{slug}", token=None)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="madang"'
    assert call("GET", f"/forums/{slug}", token="not-a-token").status_code == 401
    assert call("GET", f"/forums/{api['other'].slug}").status_code == 403
    desk = api_token(make_user("desk", api["forum"]))
    assert call("GET", f"/forums/{slug}", token=desk).status_code == 403
    admin = api_token(make_user("admin"))
    assert call("GET", f"/forums/{api['other'].slug}", token=admin).status_code == 200
    assert call("GET", "/forums/no-such-forum").status_code == 404
    listed = call("GET", "/forums").json["forums"]
    assert [f["slug"] for f in listed] == [slug]


def test_bodies_must_be_json(api):
    call, slug = api["call"], api["forum"].slug
    response = call("POST", f"/forums/{slug}/sessions", data="title_en=Keynote")
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"
    response = call("POST", f"/forums/{slug}/sessions", ["not", "an", "object"])
    assert response.status_code == 422
    response = call("POST", f"/forums/{slug}/sessions", session_body(api["forum"], colour="red"))
    assert response.status_code == 422
    assert response.json["errors"] == {"colour": ["Unknown field."]}


def test_create_read_update_and_delete_a_session(db, api):
    call, forum = api["call"], api["forum"]
    body = session_body(
        forum,
        venue_id=api["hall"].id,
        seats=80,
        speakers=[
            {"speaker_id": api["lee"].id, "role": "moderator"},
            {"speaker_id": api["kim"].id, "role": "keynote"},
        ],
    )
    created = call("POST", f"/forums/{forum.slug}/sessions", body)
    assert created.status_code == 201, created.json
    session = created.json["session"]
    assert created.headers["Location"].endswith(f"/sessions/{session['id']}")
    assert session["starts_at"] == f"{forum.first_day.isoformat()}T10:00:00+09:00"
    assert session["starts_at_utc"] == f"{forum.first_day.isoformat()}T01:00:00Z"
    assert session["ends_at_utc"] == f"{forum.first_day.isoformat()}T02:00:00Z"
    assert [s["speaker_id"] for s in session["speakers"]] == [api["lee"].id, api["kim"].id]
    assert session["revision"] == 1 and created.json["conflicts"] == []

    fetched = call("GET", f"/forums/{forum.slug}/sessions/{session['id']}").json["session"]
    assert fetched == session

    patched = call(
        "PATCH",
        f"/forums/{forum.slug}/sessions/{session['id']}",
        {"revision": 1, "fingerprint": session["fingerprint"], "title_en": "Opening keynote"},
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["session"]["title"] == {"ko": "기조연설", "en": "Opening keynote"}
    assert patched.json["session"]["seats"] == 80  # untouched fields keep their values
    assert len(patched.json["session"]["speakers"]) == 2

    gone = call("DELETE", f"/forums/{forum.slug}/sessions/{session['id']}?revision=1")
    assert gone.status_code == 204
    assert count(db, ForumSession) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "{day}T09:00"}, "ends_at"),
        ({"starts_at": "10 o'clock"}, "starts_at"),
        ({"starts_at": 1700000000}, "starts_at"),
        ({"seats": -5}, "seats"),
        ({"seats": "lots"}, "seats"),
        ({"venue_id": "{other_venue}"}, "venue_id"),
        ({"format": "telepathy"}, "format"),
        ({"title_en": 42}, "title_en"),
        ({"speakers": "Kim"}, "speakers"),
        ({"speakers": [{"speaker_id": "{kim}", "role": "keynote"}] * 2}, "speakers"),
    ],
)
def test_bad_sessions_are_refused_with_field_errors(db, api, make_venue, overrides, field):
    call, forum = api["call"], api["forum"]
    ids = {
        "day": forum.first_day.isoformat(),
        "other_venue": make_venue(api["other"]).id,
        "kim": api["kim"].id,
    }

    def fill(value):
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return ids[value[1:-1]]
        if isinstance(value, str):
            return value.format(**ids)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    response = call(
        "POST", f"/forums/{forum.slug}/sessions", session_body(forum, **fill(overrides))
    )
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid"
    assert field in response.json["errors"]
    assert count(db, ForumSession) == 0


def test_a_stale_revision_is_refused_with_the_current_one(db, api, make_session):
    call, forum = api["call"], api["forum"]
    forum.status = "published"
    db.session.commit()
    session = make_session(forum, title_en="Talk")
    url = f"/forums/{forum.slug}/sessions/{session.id}"
    day = forum.first_day.isoformat()
    moved = call(
        "PATCH", url, {"revision": 1, "starts_at": f"{day}T12:00", "ends_at": f"{day}T13:00"}
    )
    assert moved.status_code == 200 and moved.json["session"]["revision"] == 2
    assert [c["kind"] for c in moved.json["changes"]] == ["moved"]
    stale = call("PATCH", url, {"revision": 1, "title_en": "Overwrite"})
    assert stale.status_code == 409
    assert stale.json["error"] == "stale_revision"
    assert stale.json["revision"] == 2
    assert stale.json["fingerprint"] == moved.json["session"]["fingerprint"]
    # Same revision, but someone edited the description meanwhile: the fingerprint says so.
    call("PATCH", url, {"revision": 2, "description_en": "New words"})
    stale = call(
        "PATCH",
        url,
        {"revision": 2, "fingerprint": moved.json["session"]["fingerprint"], "title_en": "X"},
    )
    assert stale.status_code == 409
    missing = call("PATCH", url, {"title_en": "No revision"})
    assert missing.status_code == 422 and "revision" in missing.json["errors"]
    db.session.expire_all()
    assert db.session.get(ForumSession, session.id).title_en == "Talk"


def test_moving_through_the_api_notifies_like_the_pages(db, api, make_session, make_registration):
    call, forum = api["call"], api["forum"]
    forum.status = "published"
    db.session.commit()
    session = make_session(forum, seats=10, seats_taken=1)
    make_registration(forum, sessions=(session,))
    day = forum.first_day.isoformat()
    url = f"/forums/{forum.slug}/sessions/{session.id}"
    first = call(
        "PATCH", url, {"revision": 1, "starts_at": f"{day}T16:00", "ends_at": f"{day}T17:00"}
    )
    assert first.json["notices"] == 1
    second = call("PATCH", url, {"revision": 2, "status": "cancelled"})
    assert second.json["notices"] == 1
    (notice,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "session_changed")
    ).all()
    assert notice.context["change_ids"] == list(
        db.session.scalars(select(ProgrammeChange.id).order_by(ProgrammeChange.id))
    )
    assert notice.next_attempt_at > datetime.now(UTC)


def test_a_change_patched_with_notify_at_once_is_due_now(db, api, make_session, make_registration):
    call, forum = api["call"], api["forum"]
    forum.status = "published"
    db.session.commit()
    session = make_session(forum, seats=10, seats_taken=1)
    make_registration(forum, sessions=(session,))
    url = f"/forums/{forum.slug}/sessions/{session.id}"
    wrong = call("PATCH", url, {"revision": 1, "title_en": "Now", "notify_at_once": "yes"})
    assert wrong.status_code == 422
    assert wrong.json["errors"] == {"notify_at_once": ["This field has the wrong type."]}
    first = call("PATCH", url, {"revision": 1, "title_en": "Later", "notify_at_once": False})
    assert first.json["notices"] == 1
    (notice,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "session_changed")
    ).all()
    assert notice.next_attempt_at > datetime.now(UTC)
    second = call("PATCH", url, {"revision": 2, "title_en": "Now", "notify_at_once": True})
    assert second.status_code == 200 and second.json["notices"] == 1
    db.session.expire_all()
    (notice,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "session_changed")
    ).all()
    assert len(notice.context["change_ids"]) == 2
    assert notice.next_attempt_at <= datetime.now(UTC)


def test_conflicts_are_answered_like_the_pages(db, api, make_session):
    call, forum = api["call"], api["forum"]
    make_session(forum, title_en="First", venue=api["hall"])
    created = call(
        "POST", f"/forums/{forum.slug}/sessions", session_body(forum, venue_id=api["hall"].id)
    )
    assert created.status_code == 201
    (conflict,) = created.json["conflicts"]
    assert conflict["code"] == "venue_double_booked"
    assert conflict["accepted"] is False
    assert "overlap in Hall" in conflict["message"]["en"]
    assert call("GET", f"/forums/{forum.slug}/conflicts").json["conflicts"] == [conflict]


def test_venues_and_speakers(db, api, make_session):
    call, forum = api["call"], api["forum"]
    venue = call(
        "POST", f"/forums/{forum.slug}/venues", {"name_en": "Studio", "kind": "studio", "seats": 0}
    )
    assert venue.status_code == 201
    venue_id = venue.json["venue"]["id"]
    assert call("POST", f"/forums/{forum.slug}/venues", {"name_en": ""}).status_code == 422
    assert call("POST", f"/forums/{forum.slug}/venues", {"name_en": "X", "seats": -1}).json[
        "errors"
    ] == {"seats": ["Enter 0 or more."]}
    renamed = call("PATCH", f"/forums/{forum.slug}/venues/{venue_id}", {"name_ko": "스튜디오"})
    assert renamed.json["venue"]["name_ko"] == "스튜디오"
    assert renamed.json["venue"]["name_en"] == "Studio"
    # An in-person session in a studio: allowed, answered with the conflict.
    created = call(
        "POST",
        f"/forums/{forum.slug}/sessions",
        session_body(forum, format="in_person", venue_id=venue_id),
    )
    assert [c["code"] for c in created.json["conflicts"]] == ["audience_in_studio"]
    in_use = call("DELETE", f"/forums/{forum.slug}/venues/{venue_id}")
    assert in_use.status_code == 409 and in_use.json["error"] == "in_use"

    speaker = call("POST", f"/forums/{forum.slug}/speakers", {"name_en": "Park", "country": "KR"})
    assert speaker.status_code == 201
    speaker_id = speaker.json["speaker"]["id"]
    assert (
        call("GET", f"/forums/{forum.slug}/speakers/{speaker_id}").json["speaker"]["country"]
        == "KR"
    )
    assert call("DELETE", f"/forums/{forum.slug}/speakers/{speaker_id}").status_code == 204
    assert db.session.get(Speaker, speaker_id) is None
    assert call("DELETE", f"/forums/{forum.slug}/speakers/{api['kim'].id}").status_code == 204
    assert call("GET", f"/forums/{forum.slug}/venues/999999").status_code == 404
    assert count(db, Venue) == 2


# ---------------------------------------------------------------- access services


def test_access_services_through_the_api(db, api, make_session):
    from app.models import SessionService
    from app.web.api.openapi import openapi_document

    call, forum = api["call"], api["forum"]
    session = make_session(forum, language="ko")
    base = f"/forums/{forum.slug}/sessions/{session.id}/services"
    assert call("GET", base).json == {
        "session_id": session.id,
        "floor_languages": ["ko"],
        "services": [],
    }

    added = call(
        "POST", base, {"kind": "interpretation", "language": "en", "provider": "Seoul Interpreters"}
    )
    assert added.status_code == 201, added.json
    service = added.json["service"]
    assert {
        k: service[k] for k in ("session_id", "kind", "language", "status", "provider", "note")
    } == {
        "session_id": session.id,
        "kind": "interpretation",
        "language": "en",
        "status": "planned",
        "provider": "Seoul Interpreters",
        "note": "",
    }
    assert service["updated_at"].endswith("Z")
    assert call("POST", base, {"kind": "ksl"}).status_code == 201
    listed = call("GET", base).json["services"]
    assert [(s["kind"], s["language"]) for s in listed] == [("interpretation", "en"), ("ksl", "")]

    item = f"/forums/{forum.slug}/services/{service['id']}"
    patched = call("PATCH", item, {"status": "confirmed", "note": "Booth 2"})
    assert patched.status_code == 200
    assert (patched.json["service"]["status"], patched.json["service"]["note"]) == (
        "confirmed",
        "Booth 2",
    )
    assert patched.json["service"]["provider"] == "Seoul Interpreters"  # kept

    assert call("DELETE", item).status_code == 204
    assert call("DELETE", item).status_code == 404
    assert count(db, SessionService) == 1

    # Documented with the new path parameter.
    paths = openapi_document()["paths"]
    params = paths["/organize/forums/{slug}/services/{service_id}"]["patch"]["parameters"]
    assert [p["name"] for p in params] == ["slug", "service_id"]
    assert set(paths["/organize/forums/{slug}/sessions/{session_id}/services"]) == {
        "get",
        "post",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "interpretation", "language": "xx"}, "language"),
        ({"kind": "interpretation", "language": "ko"}, "language"),  # the only floor language
        ({"kind": "ksl", "language": "en"}, "language"),
        ({"kind": "captions"}, "language"),
        ({"kind": "sign"}, "kind"),
        ({"language": "en"}, "kind"),
        ({"kind": "ksl", "status": "done"}, "status"),
        ({"kind": "ksl", "extra": 1}, "extra"),
    ],
)
def test_bad_services_are_422_and_nothing_changes(db, api, make_session, body, field):
    from app.models import SessionService

    call, forum = api["call"], api["forum"]
    session = make_session(forum, language="ko")
    response = call("POST", f"/forums/{forum.slug}/sessions/{session.id}/services", body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert count(db, SessionService) == 0


def test_services_answer_404_and_422_like_the_rest(db, api, make_session, make_forum):
    from app.models import SessionService

    call, forum = api["call"], api["forum"]
    session = make_session(forum, language="ko")
    base = f"/forums/{forum.slug}/sessions/{session.id}/services"
    call("POST", base, {"kind": "captions", "language": "en"})
    duplicate = call("POST", base, {"kind": "captions", "language": "en"})
    assert duplicate.status_code == 422 and "language" in duplicate.json["errors"]
    [row] = db.session.scalars(select(SessionService)).all()
    moved = call("PATCH", f"/forums/{forum.slug}/services/{row.id}", {"kind": "ksl"})
    assert moved.status_code == 422 and "language" in moved.json["errors"]
    theirs = make_session(api["other"])
    assert call("GET", f"/forums/{forum.slug}/sessions/{theirs.id}/services").status_code == 404
    assert (
        call(
            "POST", f"/forums/{forum.slug}/sessions/{theirs.id}/services", {"kind": "ksl"}
        ).status_code
        == 404
    )
    assert (
        call(
            "PATCH", f"/forums/{forum.slug}/services/{10**30}", {"status": "confirmed"}
        ).status_code
        == 404
    )
    # Another forum's organizer token sees nothing of it.
    assert (
        call("GET", f"/forums/{api['other'].slug}/sessions/{theirs.id}/services").status_code == 403
    )
    db.session.expire_all()
    assert [(r.kind, r.language) for r in db.session.scalars(select(SessionService))] == [
        ("captions", "en")
    ]
