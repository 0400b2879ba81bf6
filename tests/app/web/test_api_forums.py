"""The read-only JSON API (/api/v1/forums…) and its OpenAPI description."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import jsonschema
import pytest

from app.models import SessionSpeaker, StreamLink
from app.web.api.openapi import openapi_document


def validate(instance, schema_name: str) -> None:
    """Check a response against a schema of the OpenAPI document (JSON Schema 2020-12)."""
    doc = openapi_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


def _stream(db, forum, session=None, *, platform, visibility="public"):
    db.session.add(
        StreamLink(
            forum=forum,
            session=session,
            platform=platform,
            url=f"https://{platform.lower()}.example.org/{visibility}",
            visibility=visibility,
        )
    )
    db.session.commit()


@pytest.fixture
def leaders_forum(db, make_forum, make_venue, make_session, make_speaker):
    """2020 Seoul Smart City Leaders Forum, in miniature."""
    forum = make_forum(
        slug="sclf-2020",
        title_ko="2020 서울 스마트도시 리더스 포럼",
        title_en="2020 Seoul Smart City Leaders Forum",
        theme_en="The inclusive smart city",
        first_day=date(2020, 9, 22),
        last_day=date(2020, 9, 23),
        format="online",
        homepage_url="https://forum.example.org",
        in_person_capacity=None,
    )
    studio = make_venue(forum, kind="studio", name_en="Seoul-On studio", seats=None)
    seminar = make_session(forum, start="10:00", end="12:00", title_en="Leaders Seminar")
    part = make_session(
        forum,
        start="10:30",
        end="11:00",
        parent=seminar,
        venue=studio,
        title_en="Inclusive cities",
        seats=40,
        seats_taken=15,
        format="online",
        revision=2,
    )
    keynote = make_session(forum, day=date(2020, 9, 23), start="09:00", end="09:40", kind="keynote")
    host = make_speaker(forum, name_en="Jung Chul-kyu", name_ko="정철규")
    guest = make_speaker(forum, name_en="Cho Won-hee", name_ko="조원희", affiliation_en="Director")
    db.session.add_all(
        [
            SessionSpeaker(session=part, speaker=guest, role="guest", position=1),
            SessionSpeaker(session=part, speaker=host, role="host", position=0),
        ]
    )
    db.session.commit()
    _stream(db, forum, platform="YouTube")
    _stream(db, forum, platform="Zoom", visibility="registrants")
    _stream(db, forum, part, platform="TBS")
    _stream(db, forum, part, platform="Webex", visibility="registrants")
    return {"forum": forum, "studio": studio, "seminar": seminar, "part": part, "kn": keynote}


# -- list -------------------------------------------------------------------------------------


def test_list_published_forums_upcoming_first(client, make_forum):
    today = datetime.now(UTC).date()
    make_forum(slug="old", first_day=date(2018, 9, 19), last_day=date(2018, 9, 19))
    make_forum(slug="newer", first_day=date(2023, 9, 26), last_day=date(2023, 9, 26))
    make_forum(slug="next", first_day=today + timedelta(days=3), last_day=today + timedelta(3))
    make_forum(slug="draft", status="draft")

    response = client.get("/api/v1/forums")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    validate(body, "ForumList")
    assert [f["slug"] for f in body["forums"]] == ["next", "newer", "old"]
    assert [f["upcoming"] for f in body["forums"]] == [True, False, False]
    first = body["forums"][0]
    assert first["url"] == "http://madang.test/forums/next"
    assert first["api_url"] == "http://madang.test/api/v1/forums/next"
    assert first["registration"]["state"] == "open"
    assert first["registration"]["closes_at"].endswith("+09:00")
    assert first["registration"]["closes_at_utc"].endswith("Z")


def test_list_is_empty_without_published_forums(client, make_forum):
    make_forum(status="draft")
    assert client.get("/api/v1/forums").get_json() == {"forums": []}


# -- detail -----------------------------------------------------------------------------------


def test_forum_detail(client, leaders_forum):
    f = leaders_forum
    response = client.get("/api/v1/forums/sclf-2020")

    assert response.status_code == 200
    body = response.get_json()
    validate(body, "ForumDetail")
    assert body["slug"] == "sclf-2020"
    assert body["title"] == {
        "ko": "2020 서울 스마트도시 리더스 포럼",
        "en": "2020 Seoul Smart City Leaders Forum",
    }
    assert body["timezone"] == "Asia/Seoul"
    assert (body["first_day"], body["last_day"]) == ("2020-09-22", "2020-09-23")
    assert body["format"] == "online"
    assert body["homepage_url"] == "https://forum.example.org"
    assert body["upcoming"] is False
    assert body["registration"]["state"] == "closed"
    assert body["in_person"] == {"capacity": None, "seats_left": None}
    assert body["url"] == "http://madang.test/forums/sclf-2020"
    assert body["programme_url"] == "http://madang.test/forums/sclf-2020/programme"

    seminar, part, keynote = f["seminar"].id, f["part"].id, f["kn"].id
    assert body["days"] == [
        {"date": "2020-09-22", "session_ids": [seminar, part]},
        {"date": "2020-09-23", "session_ids": [keynote]},
    ]
    assert [v["id"] for v in body["venues"]] == [f["studio"].id]
    assert body["venues"][0]["kind"] == "studio"
    assert [s["name"]["en"] for s in body["speakers"]] == ["Jung Chul-kyu", "Cho Won-hee"]

    sessions = {s["id"]: s for s in body["sessions"]}
    assert list(sessions) == [seminar, part, keynote]
    assert sessions[seminar]["part_ids"] == [part]
    assert sessions[seminar]["venue_id"] is None
    got = sessions[part]
    assert got["parent_id"] == seminar
    assert got["venue_id"] == f["studio"].id
    assert (got["seats"], got["seats_left"]) == (40, 25)
    assert got["revision"] == 2
    assert got["status"] == "scheduled"
    assert got["day"] == "2020-09-22"
    assert got["url"] == f"http://madang.test/forums/sclf-2020/sessions/{part}"
    assert [(s["name"]["en"], s["role"], s["order"]) for s in got["speakers"]] == [
        ("Jung Chul-kyu", "host", 0),
        ("Cho Won-hee", "guest", 1),
    ]
    assert got["speakers"][1]["affiliation"] == {"ko": "", "en": "Director"}


def test_times_carry_the_forum_offset_and_utc(client, leaders_forum):
    body = client.get("/api/v1/forums/sclf-2020").get_json()
    part = next(s for s in body["sessions"] if s["id"] == leaders_forum["part"].id)
    # 10:30 in Seoul is 01:30 UTC.
    assert part["starts_at"] == "2020-09-22T10:30:00+09:00"
    assert part["ends_at"] == "2020-09-22T11:00:00+09:00"
    assert part["starts_at_utc"] == "2020-09-22T01:30:00Z"
    assert part["ends_at_utc"] == "2020-09-22T02:00:00Z"
    assert part["updated_at"].endswith("Z")


def test_public_api_leaves_out_registrants_only_streams(client, leaders_forum):
    response = client.get("/api/v1/forums/sclf-2020")
    body = response.get_json()
    assert body["streams"] == [
        {
            "platform": "YouTube",
            "url": "https://youtube.example.org/public",
            "kind": "main",
            "language": "",
            "label": {"ko": "", "en": ""},
        }
    ]
    part = next(s for s in body["sessions"] if s["id"] == leaders_forum["part"].id)
    assert [s["platform"] for s in part["streams"]] == ["TBS"]
    raw = response.get_data(as_text=True)
    assert "registrants" not in raw
    assert "Zoom" not in raw and "Webex" not in raw


def test_cancelled_sessions_are_listed_as_cancelled(client, make_forum, make_session):
    forum = make_forum(slug="c")
    gone = make_session(forum, status="cancelled")
    body = client.get("/api/v1/forums/c").get_json()
    assert [(s["id"], s["status"]) for s in body["sessions"]] == [(gone.id, "cancelled")]


def test_forum_seats_left(client, make_forum):
    make_forum(slug="seats", in_person_capacity=200, in_person_taken=180)
    body = client.get("/api/v1/forums/seats").get_json()
    assert body["in_person"] == {"capacity": 200, "seats_left": 20}


@pytest.mark.parametrize("url", ["/api/v1/forums/nope", "/api/v1/forums/draft"])
def test_unknown_or_draft_forum_is_a_json_404(client, make_forum, url):
    make_forum(slug="draft", status="draft")
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "not_found"
    validate(body, "Error")


# -- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_document_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.1")
    assert {"/forums", "/forums/{slug}", "/openapi.json"} <= set(doc["paths"])
    assert doc["servers"] == [{"url": "http://madang.test/api/v1"}]
    detail = doc["components"]["schemas"]["ForumDetail"]["properties"]
    assert {"days", "venues", "sessions", "streams", "registration"} <= set(detail)
    session = doc["components"]["schemas"]["Session"]["properties"]
    assert {"starts_at", "starts_at_utc", "seats", "seats_left", "speakers"} <= set(session)


def test_openapi_document_is_a_valid_openapi_3_1_document():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_document())


def test_every_schema_is_valid_json_schema():
    for name, schema in openapi_document()["components"]["schemas"].items():
        doc = {**schema, "components": openapi_document()["components"]}
        jsonschema.Draft202012Validator.check_schema(doc)
        assert schema["type"] == "object", name


def test_operations_declared_by_other_modules_are_documented(monkeypatch):
    from app.web.api import openapi

    extra = replace(openapi.OPERATIONS[0], rule="/extra", operation_id="extra")
    monkeypatch.setattr(openapi, "OPERATIONS", [*openapi.OPERATIONS, extra])
    assert "/extra" in openapi_document()["paths"]
    doc = openapi_document()
    doc["paths"].clear()  # a copy: the generated document is untouched
    assert "/forums" in openapi_document()["paths"]


# ---------------------------------------------------------------- languages and services


def test_sessions_carry_languages_services_and_channels(db, client, make_forum, make_session):
    from app.models import SessionService

    forum = make_forum(slug="wego-2023")
    keynote = make_session(forum, title_en="Keynote", language="ko+en")
    plain = make_session(forum, title_en="Tour", start="14:00", end="15:00")
    for kind, language, status in (
        ("captions", "ko", "confirmed"),
        ("interpretation", "en", "planned"),
        ("ksl", "", "confirmed"),
        ("interpretation", "zh", "cancelled"),
    ):
        db.session.add(
            SessionService(
                forum_id=forum.id,
                session=keynote,
                kind=kind,
                language=language,
                status=status,
                provider="Agency Kim",
                note="budget 3m won",
            )
        )
    db.session.add(
        StreamLink(
            forum=forum,
            session=keynote,
            platform="YouTube",
            url="https://youtube.example.org/en",
            kind="interpretation",
            language="en",
            label="영어 통역",
            label_en="English interpretation",
        )
    )
    db.session.commit()
    response = client.get("/api/v1/forums/wego-2023")
    body = response.get_json()
    validate(body, "ForumDetail")
    by_id = {s["id"]: s for s in body["sessions"]}
    shown = by_id[keynote.id]
    assert shown["languages"] == ["ko", "en"]
    # Kinds in their fixed order; cancelled ones left out; nothing for organizers only.
    assert shown["services"] == [
        {"kind": "interpretation", "language": "en", "status": "planned"},
        {"kind": "ksl", "language": "", "status": "confirmed"},
        {"kind": "captions", "language": "ko", "status": "confirmed"},
    ]
    assert shown["streams"] == [
        {
            "platform": "YouTube",
            "url": "https://youtube.example.org/en",
            "kind": "interpretation",
            "language": "en",
            "label": {"ko": "영어 통역", "en": "English interpretation"},
        }
    ]
    assert by_id[plain.id]["languages"] == ["ko"] and by_id[plain.id]["services"] == []
    raw = response.get_data(as_text=True)
    assert "Agency Kim" not in raw and "budget" not in raw and "zh" not in raw


def test_the_document_describes_languages_services_and_stream_kinds():
    schemas = openapi_document()["components"]["schemas"]
    session = schemas["Session"]["properties"]
    assert {"languages", "services"} <= set(session)
    stream = schemas["Stream"]["properties"]
    assert stream["kind"]["enum"] == ["main", "interpretation", "sign", "captions"]
    assert stream["label"]["$ref"].endswith("/Bilingual")
    service = schemas["Service"]["properties"]
    assert set(service) == {"kind", "language", "status"}
    assert service["status"]["enum"] == ["planned", "confirmed"]
