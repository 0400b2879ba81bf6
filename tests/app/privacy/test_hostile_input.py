"""Input that once reached a 500: NUL bytes and lone surrogates, deeply nested JSON, ids beyond
the database's integers, non-ASCII signatures. Each answers 4xx and changes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.tokens import QR_PREFIX, checkin_payload, verify_checkin_payload
from tests.app.privacy.helpers import fresh

BIG = 2**31
HUGE = 2**63


@pytest.fixture
def world(db, make_forum, make_session, make_venue, make_speaker, make_user, login, register):
    """A published forum with a venue, a session and a speaker; its staff signed in (browser
    cookies and bearer tokens) and one registration."""
    from app.accounts.users import issue_api_token

    forum = make_forum(desk_override="open", kiosk_enabled=True)
    venue = make_venue(forum)
    session = make_session(forum, venue=venue, seats=5, kind="tour")
    speaker = make_speaker(forum)
    organizer = make_user("organizer", forum)
    desk = make_user("desk", forum)
    person = register(forum)
    return {
        "forum": forum,
        "venue": venue,
        "session": session,
        "speaker": speaker,
        "person": person,
        "anonymous": login(),
        "organizer": login(organizer),
        "desk": login(desk),
        "organizer_token": issue_api_token(organizer),
        "desk_token": issue_api_token(desk),
    }


def answer(client, method: str, path: str, **kwargs: Any) -> int:
    response = client.open(path, method=method, **kwargs)
    return response.status_code


def rows(db) -> dict[str, int]:
    """How many rows each table holds: bad input changes nothing."""
    fresh(db)
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in ("api_tokens",)
    }


@pytest.mark.parametrize(
    "path",
    [
        "/forums/%00",
        "/forums/%00/programme",
        "/forums/%00/schedule.ics",
        "/kiosk/%00",
        "/api/v1/forums/%00",
        "/manage/%00",
        "/calendar/%00.ics",
        "/api/v1/registrations/%00",
        "/forums/a%00b",
        "/?q=%00",
        "/forums/x?y=%ED%A0%80%00",
    ],
)
def test_nul_bytes_in_paths_and_query_strings_answer_4xx(world, path):
    expected = 400 if "?" in path else 404
    assert answer(world["anonymous"], "GET", path) == expected


def test_nul_bytes_in_staff_paths_answer_4xx(world):
    for role in ("organizer", "desk"):
        for path in ("/desk/%00", "/organize/forums/%00", "/organize/forums/%00/people?q=%00"):
            assert 400 <= answer(world[role], "GET", path) < 500, (role, path)


def test_a_nul_byte_in_a_query_string_answers_400(world):
    forum = world["forum"]
    response = world["desk"].get(f"/desk/{forum.slug}?session=1%00")
    assert response.status_code == 400
    response = world["anonymous"].get("/api/v1/forums?x=%00")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_lone_surrogates_and_nul_bytes_in_json_answer_4xx_and_change_nothing(db, world):
    forum = world["forum"]
    client = world["anonymous"]
    before = rows(db)
    for name in ("\ud800", "Kim\x00", "\udfff Lee"):
        body = json.dumps(
            {
                "name": name,
                "email": "surrogate@example.org",
                "affiliation": name,
                "attendance": "in_person",
                "consent_personal_data": True,
            }
        )
        response = client.post(
            f"/api/v1/forums/{forum.slug}/registrations",
            data=body,
            content_type="application/json",
        )
        assert response.status_code == 422, (name, response.status_code)
        assert {*response.get_json()["errors"]} in ({"name"}, {"affiliation"})
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        data='{"name": "x", "\\ud800": 1}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "body": ["Remove NUL bytes and unpaired surrogate characters."]
    }
    response = client.patch(
        f"/api/v1/registrations/{world['person'].manage_token}",
        data='{"session_ids": ["\\udfff"]}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["session_ids"]
    assert rows(db) == before


def test_a_nul_byte_in_an_organizer_form_answers_4xx_and_changes_nothing(db, world):
    forum = world["forum"]
    before = rows(db)
    response = world["organizer"].post(
        f"/organize/forums/{forum.slug}/venues/new",
        data={"name_ko": "홀\x00", "name_en": "Hall", "kind": "hall", "seats": "10"},
    )
    assert 400 <= response.status_code < 500
    assert rows(db) == before


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_answers_400(world, depth):
    forum = world["forum"]
    body = "[" * depth + "]" * depth
    for client, path, headers in (
        (world["anonymous"], f"/api/v1/forums/{forum.slug}/registrations", {}),
        (
            world["anonymous"],
            f"/api/v1/registrations/{world['person'].manage_token}",
            {},
        ),
        (
            world["anonymous"],
            f"/api/v1/organize/forums/{forum.slug}/venues",
            {"Authorization": f"Bearer {world['organizer_token']}"},
        ),
        (
            world["anonymous"],
            f"/api/v1/forums/{forum.slug}/checkins",
            {"Authorization": f"Bearer {world['desk_token']}"},
        ),
    ):
        method = "PATCH" if "/registrations/" in path else "POST"
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["error"] == "bad_json"


def test_deep_nesting_inside_an_object_answers_400(world):
    forum = world["forum"]
    nested = '{"name": ' + "[" * 50 + "]" * 50 + "}"
    response = world["anonymous"].post(
        f"/api/v1/forums/{forum.slug}/registrations", data=nested, content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("number", [BIG, HUGE, 10**30])
def test_ids_beyond_the_database_answer_404_in_paths(world, number):
    forum = world["forum"]
    slug = forum.slug
    pages = {
        "anonymous": [
            f"/forums/{slug}/sessions/{number}",
            f"/forums/{slug}/sessions/{number}.ics",
            f"/forums/{slug}/venues/{number}",
            f"/forums/{slug}/venues/{number}.ics",
            f"/forums/{slug}/venues/{number}/now",
            f"/forums/{slug}/speakers/{number}",
            f"/forums/{slug}/speakers/{number}.ics",
        ],
        "desk": [
            f"/desk/{slug}/people/{number}",
            f"/desk/{slug}/people/{number}/badge",
        ],
        "organizer": [
            f"/organize/forums/{slug}/sessions/{number}",
            f"/organize/forums/{slug}/venues/{number}/edit",
            f"/organize/forums/{slug}/speakers/{number}/edit",
            f"/organize/forums/{slug}/streams/{number}/edit",
            f"/organize/forums/{slug}/people/{number}",
            f"/organize/forums/{slug}/people/sessions/{number}",
            f"/organize/forums/{slug}/privacy/registrations/{number}",
        ],
    }
    for role, paths in pages.items():
        for path in paths:
            assert answer(world[role], "GET", path) == 404, (role, path)
    posts = [
        f"/organize/forums/{slug}/people/{number}/cancel",
        f"/organize/forums/{slug}/people/bookings/{number}/promote",
        f"/organize/forums/{slug}/privacy/registrations/{number}/erase",
        f"/organize/forums/{slug}/sessions/{number}/delete",
        f"/organize/forums/{slug}/venues/{number}/delete",
    ]
    for path in posts:
        assert answer(world["organizer"], "POST", path) == 404, path
    # A session the desk cannot have is no session: the forum's entrance desk.
    assert answer(world["desk"], "GET", f"/desk/{slug}?session={number}") == 200
    assert answer(world["desk"], "GET", f"/desk/{slug}/badges?page={number}") == 200
    bearer = {"Authorization": f"Bearer {world['organizer_token']}"}
    for kind in ("sessions", "venues", "speakers"):
        path = f"/api/v1/organize/forums/{slug}/{kind}/{number}"
        assert answer(world["anonymous"], "GET", path, headers=bearer) == 404, path
        assert answer(world["anonymous"], "DELETE", path, headers=bearer) == 404, path


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_ids_beyond_the_database_in_fields_answer_422(db, world, number):
    forum = world["forum"]
    session = world["session"]
    slug = forum.slug
    before = rows(db)
    form = {
        "title_ko": "세션",
        "title_en": "Session",
        "kind": "talk",
        "format": "in_person",
        "language": "ko",
        "status": "scheduled",
        "starts_at": f"{forum.first_day}T10:00",
        "ends_at": f"{forum.first_day}T11:00",
        "venue_id": str(number),
        "parent_id": str(number),
        "speakers-0-speaker_id": str(number),
        "speakers-0-role": "speaker",
        "revision": str(number),
    }
    response = world["organizer"].post(f"/organize/forums/{slug}/sessions/new", data=form)
    assert response.status_code in (200, 422), response.status_code
    response = world["organizer"].post(f"/organize/forums/{slug}/sessions/{session.id}", data=form)
    assert response.status_code in (200, 409, 422), response.status_code
    bearer = {"Authorization": f"Bearer {world['organizer_token']}"}
    api = world["anonymous"]
    for body in (
        {"venue_id": number},
        {"parent_id": number},
        {"speakers": [{"speaker_id": number, "role": "speaker"}]},
    ):
        response = api.post(
            f"/api/v1/organize/forums/{slug}/sessions",
            json={
                "title_ko": "세션",
                "title_en": "Session",
                "starts_at": f"{forum.first_day}T10:00",
                "ends_at": f"{forum.first_day}T11:00",
                **body,
            },
            headers=bearer,
        )
        assert response.status_code == 422, (body, response.status_code)
        response = api.patch(
            f"/api/v1/organize/forums/{slug}/sessions/{session.id}",
            json={"revision": session.revision, **body},
            headers=bearer,
        )
        assert response.status_code == 422, (body, response.status_code)
    for revision in (number, str(number)):
        response = api.patch(
            f"/api/v1/organize/forums/{slug}/sessions/{session.id}",
            json={"revision": revision, "title_en": "New"},
            headers=bearer,
        )
        assert response.status_code in (409, 422), (revision, response.status_code)
    path = f"/api/v1/organize/forums/{slug}/sessions/{session.id}?revision={number}"
    assert answer(api, "DELETE", path, headers=bearer) in (409, 422)
    response = world["organizer"].post(
        f"/organize/forums/{slug}/sessions/{session.id}/delete", data={"revision": str(number)}
    )
    assert response.status_code in (303, 409, 422), response.status_code
    desk = {"Authorization": f"Bearer {world['desk_token']}"}
    response = api.post(
        f"/api/v1/forums/{slug}/checkins",
        json={"code": world["person"].code, "session_id": number},
        headers=desk,
    )
    assert response.status_code == 404
    assert rows(db) == before


@pytest.mark.parametrize("signature", ["é" * 16, "\u00ff" * 16, "한" * 16, "0" * 15 + "é"])
def test_non_ascii_qr_signatures_are_refused_everywhere(app, db, world, signature):
    forum = world["forum"]
    code = world["person"].code
    payload = f"{QR_PREFIX}:{code}:{signature}"
    assert verify_checkin_payload(app.config["SECRET_KEY"], payload) is None
    assert answer(world["anonymous"], "POST", f"/kiosk/{forum.slug}", data={"code": payload}) in (
        400,
        404,
        409,
        422,
    )
    assert answer(world["desk"], "POST", f"/desk/{forum.slug}", data={"q": payload}) < 500
    response = world["anonymous"].post(
        f"/api/v1/forums/{forum.slug}/checkins",
        json={"code": payload},
        headers={"Authorization": f"Bearer {world['desk_token']}"},
    )
    assert 400 <= response.status_code < 500
    fresh(db)
    from app.models import CheckIn

    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    # The genuine payload still checks the person in.
    genuine = checkin_payload(app.config["SECRET_KEY"], code)
    assert verify_checkin_payload(app.config["SECRET_KEY"], genuine) == code


@pytest.mark.parametrize("token", ["é" * 32, "\u00ff", "토큰"])
def test_non_ascii_bearer_tokens_answer_401(world, token):
    forum = world["forum"]
    for path, method in (
        (f"/api/v1/forums/{forum.slug}/checkins", "POST"),
        ("/api/v1/organize/forums", "GET"),
    ):
        response = world["anonymous"].open(
            path,
            method=method,
            json={"code": "x"},
            headers={"Authorization": "Bearer " + token},
        )
        assert response.status_code == 401, (path, response.status_code)


def test_a_csv_with_nul_bytes_is_refused_and_changes_nothing(db, world):
    forum = world["forum"]
    before = rows(db)
    data = "key,title_en,starts_at,ends_at\r\nnew,Talk\x00,2030-01-01 10:00,2030-01-01 11:00\r\n"
    for button in ("preview", "confirm"):
        response = world["organizer"].post(
            f"/organize/forums/{forum.slug}/import",
            data={"file": (io.BytesIO(data.encode()), "x.csv"), button: "y"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, (button, response.status_code)
        assert "NUL" in response.get_data(as_text=True)
    assert rows(db) == before


@pytest.mark.parametrize("body", ["[1]", '["a"]', '{"email": [1, 2]}', '"x"', "1", "{"])
def test_json_sent_to_a_page_answers_415(world, body):
    forum = world["forum"]
    for role, path in (
        ("anonymous", "/login"),
        ("anonymous", f"/forums/{forum.slug}/register"),
        ("anonymous", f"/kiosk/{forum.slug}"),
        ("desk", f"/desk/{forum.slug}"),
        ("organizer", f"/organize/forums/{forum.slug}/venues/new"),
    ):
        response = world[role].post(path, data=body, content_type="application/json")
        assert response.status_code == 415, (role, path, response.status_code)


def test_a_multipart_part_with_a_broken_name_is_no_error(world):
    """A field named "\\r\\n" breaks its part's headers: the parser gives None as its value."""
    forum = world["forum"]
    for role, method, path in (
        ("anonymous", "PATCH", f"/api/v1/organize/forums/{forum.slug}/sessions/1"),
        ("organizer", "POST", f"/organize/forums/{forum.slug}/venues/new"),
        ("organizer", "POST", f"/organize/forums/{forum.slug}/import"),
    ):
        response = world[role].open(
            path,
            method=method,
            data={"\r\n": "x", "name_en": "Hall", "file": (io.BytesIO(b"key\r\n"), "x.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code < 500, (path, response.status_code)
