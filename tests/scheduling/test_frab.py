"""scheduling.frab: golden bytes and validation against the c3voc schemas (copied in schemas/)."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import xmlschema

from scheduling.frab import build_frab_json, build_frab_xml
from scheduling.types import Bilingual, VenueInfo
from tests.scheduling.factories import (
    BASE_URL,
    GRAND_HALL,
    PANEL_ZOOM,
    WEBEX,
    cancelled,
    keynote,
    kst,
    long_title,
    panel,
    sample_forum,
    sample_sessions,
    workshop,
)

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
SCHEMAS = HERE / "schemas"


def assert_golden(name: str, data: bytes) -> None:
    """Compare with tests/scheduling/golden/<name>; UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run the tests once with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from golden (UPDATE_GOLDEN=1 to accept)"


@cache
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "schedule.xml.xsd"))


@cache
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads((SCHEMAS / "schedule.schema.json").read_text("utf-8"))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


def validate_xml(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    xsd().validate(root)
    return root


def validate_json(data: bytes) -> dict[str, Any]:
    document = json.loads(data.decode("utf-8"))
    json_validator().validate(document)
    check_json_formats(document)
    return document


def check_json_formats(document: dict[str, Any]) -> None:
    """Formats draft-06 jsonschema does not check by itself (uuid, uri, date, date-time)."""

    def uri(value: str) -> None:
        parts = urlsplit(value)
        assert parts.scheme in ("http", "https") and parts.netloc, value

    def date_time(value: str) -> None:
        assert datetime.fromisoformat(value).tzinfo is not None, value

    schedule = document["schedule"]
    uri(schedule["base_url"])
    conference = schedule["conference"]
    date.fromisoformat(conference["start"])
    date.fromisoformat(conference["end"])
    uri(conference["url"])
    for room in conference["rooms"]:
        uuid.UUID(room["guid"])
    for day in conference["days"]:
        date.fromisoformat(day["date"])
        date_time(day["day_start"])
        date_time(day["day_end"])
        for events in day["rooms"].values():
            for event in events:
                assert str(uuid.UUID(event["guid"])) == event["guid"]
                date_time(event["date"])
                date_time(event["end"])
                uri(event["url"])
                for link in event["links"]:
                    uri(link["url"])
                for person in event["persons"]:
                    uuid.UUID(person["guid"])


def xml_doc(locale: str = "en", sessions: list | None = None, **forum: Any) -> bytes:
    chosen = sample_sessions() if sessions is None else sessions
    return build_frab_xml(sample_forum(**forum), chosen, base_url=BASE_URL, locale=locale)


def json_doc(locale: str = "en", sessions: list | None = None, **forum: Any) -> bytes:
    chosen = sample_sessions() if sessions is None else sessions
    return build_frab_json(sample_forum(**forum), chosen, base_url=BASE_URL, locale=locale)


def json_events(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        event["id"]: event
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    }


def session_guid(session_id: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"session-{session_id}@madang.example"))


# --- golden files, validity, determinism --------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_xml_matches_golden_and_validates(locale: str) -> None:
    data = xml_doc(locale)
    assert_golden(f"schedule-{locale}.xml", data)
    validate_xml(data)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_json_matches_golden_and_validates(locale: str) -> None:
    data = json_doc(locale)
    assert_golden(f"schedule-{locale}.json", data)
    validate_json(data)


def test_validators_are_not_vacuous() -> None:
    root = ET.fromstring(xml_doc())
    event = root.find("day/room/event")
    assert event is not None
    del event.attrib["guid"]
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xsd().validate(root)
    document = json.loads(json_doc())
    first = next(iter(json_events(document).values()))
    first["start"] = "25:00"
    with pytest.raises(jsonschema.ValidationError):
        json_validator().validate(document)


def test_same_data_gives_same_bytes_whatever_the_input_order() -> None:
    shuffled = sample_sessions()
    random.Random(3).shuffle(shuffled)
    assert xml_doc() == xml_doc() == xml_doc(sessions=shuffled)
    assert json_doc("ko") == json_doc("ko") == json_doc("ko", sessions=shuffled)


def test_json_is_utf8_not_escaped_and_xml_declares_utf8() -> None:
    data = json_doc("ko")
    assert "개회 기조연설".encode() in data
    assert b"\\u" not in data
    assert xml_doc("ko").startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<schedule>")
    assert "개회 기조연설".encode() in xml_doc("ko")


# --- content ----------------------------------------------------------------------------------


def test_conference_header() -> None:
    conference = validate_json(json_doc())["schedule"]["conference"]
    assert conference["acronym"] == "smart_city_2025"
    assert conference["title"] == "Seoul Smart City Forum 2025"
    assert (conference["start"], conference["end"], conference["daysCount"]) == (
        "2025-10-14",
        "2025-10-15",
        2,
    )
    assert conference["time_zone_name"] == "Asia/Seoul"
    assert [t["name"] for t in conference["tracks"]] == ["keynote", "panel", "talk", "workshop"]
    ko = validate_json(json_doc("ko"))["schedule"]["conference"]
    assert ko["title"] == "2025 서울 스마트시티 포럼"
    root = validate_xml(xml_doc("ko"))
    assert root.findtext("conference/title") == "2025 서울 스마트시티 포럼"
    assert root.findtext("conference/acronym") == "smart_city_2025"
    assert root.findtext("conference/days") == "2"


def test_days_run_from_four_to_four() -> None:
    days = validate_json(json_doc())["schedule"]["conference"]["days"]
    assert [(d["index"], d["date"], d["day_start"], d["day_end"]) for d in days] == [
        (1, "2025-10-14", "2025-10-14T04:00:00+09:00", "2025-10-15T03:59:00+09:00"),
        (2, "2025-10-15", "2025-10-15T04:00:00+09:00", "2025-10-16T03:59:00+09:00"),
    ]
    xml_days = validate_xml(xml_doc()).findall("day")
    assert [(d.get("index"), d.get("date"), d.get("start")) for d in xml_days] == [
        ("1", "2025-10-14", "2025-10-14T04:00:00+09:00"),
        ("2", "2025-10-15", "2025-10-15T04:00:00+09:00"),
    ]


def test_after_midnight_stays_on_the_evening_and_days_extend_to_fit() -> None:
    late = keynote(id=201, start=kst(16, 1, 30), end=kst(16, 2, 30))
    outside = keynote(id=202, start=kst(17, 10), end=kst(17, 11))
    data = json_doc(sessions=[*sample_sessions(), late, outside])
    days = validate_json(data)["schedule"]["conference"]["days"]
    by_date = {d["date"]: [e["id"] for es in d["rooms"].values() for e in es] for d in days}
    assert list(by_date) == ["2025-10-14", "2025-10-15", "2025-10-16", "2025-10-17"]
    assert 201 in by_date["2025-10-15"]
    assert by_date["2025-10-16"] == []
    assert by_date["2025-10-17"] == [202]
    validate_xml(xml_doc(sessions=[*sample_sessions(), late, outside]))


def test_rooms_are_the_venues_used_that_day() -> None:
    days = validate_json(json_doc())["schedule"]["conference"]["days"]
    # Day 1's studio session is cancelled, so only the hall is left.
    assert [list(d["rooms"]) for d in days] == [["Grand Hall"], ["Studio S", "Online"]]
    ko_days = validate_json(json_doc("ko"))["schedule"]["conference"]["days"]
    assert [list(d["rooms"]) for d in ko_days] == [["대회의실"], ["스튜디오 S", "온라인"]]
    xml_rooms = [
        [r.get("name") for r in d.findall("room")] for d in validate_xml(xml_doc()).findall("day")
    ]
    assert xml_rooms == [["Grand Hall"], ["Studio S", "Online"]]
    rooms = validate_json(json_doc())["schedule"]["conference"]["rooms"]
    assert [(r["name"], r.get("type"), r.get("capacity")) for r in rooms] == [
        ("Grand Hall", "lecturehall", 300),
        ("Studio S", None, None),
        ("Online", "online", None),
    ]


def test_two_venues_with_the_same_name_stay_apart() -> None:
    twin = VenueInfo(id=9, name=GRAND_HALL.name, kind="hall")
    sessions = [keynote(), panel(venue=twin)]
    day = validate_json(json_doc(sessions=sessions))["schedule"]["conference"]["days"][0]
    assert list(day["rooms"]) == ["Grand Hall (1)", "Grand Hall (9)"]
    validate_xml(xml_doc(sessions=sessions))


def test_event_fields() -> None:
    events = json_events(validate_json(json_doc()))
    event = events[101]
    assert event["guid"] == session_guid(101)
    assert event["date"] == "2025-10-14T10:30:00+09:00"
    assert (event["start"], event["duration"]) == ("10:30", "01:00")
    assert event["room"] == "Grand Hall"
    assert event["slug"] == "smart_city_2025-101-opening-keynote"
    assert event["url"] == "https://madang.example/forums/smart-city-2025/sessions/101"
    assert event["title"] == "Opening keynote"
    assert event["subtitle"] == "개회 기조연설: 시민과 함께 만드는 스마트시티"
    assert (event["track"], event["type"], event["language"]) == ("keynote", "keynote", "ko")
    assert event["abstract"] == "Seoul's smart-city strategy, from sensors to services."
    assert event["description"] == "서울의 스마트시티 전략을 소개합니다."
    assert event["links"] == [
        {"title": "YouTube", "type": "web", "url": "https://www.youtube.com/live/madang-101"}
    ]
    assert event["attachments"] == []
    assert events[104]["duration"] == "01:15"
    assert events[104]["room"] == "Online"
    # A Korean-only title still gets an ASCII slug and shows in Korean in the English export.
    assert events[105]["slug"] == "smart_city_2025-105-session"
    assert events[105]["title"] == "공공 데이터 해커톤 워크숍"
    assert events[105]["subtitle"] == ""


def test_korean_export_keeps_escaping_characters_verbatim() -> None:
    events = json_events(validate_json(json_doc("ko")))
    assert events[104]["title"] == long_title().title.ko
    assert events[104]["subtitle"] == long_title().title.en
    root = validate_xml(xml_doc("ko"))
    titles = {e.get("id"): e.findtext("title") for e in root.iter("event")}
    assert titles["104"] == long_title().title.ko
    assert "\\" in titles["104"] and "\n" in titles["104"] and "🤖" in titles["104"]


def test_persons_keep_order_and_role() -> None:
    persons = json_events(validate_json(json_doc()))[102]["persons"]
    assert [(p["id"], p["public_name"], p["role"]) for p in persons] == [
        (13, "Park Jun-ho", "moderator"),
        (12, "Kim Min-ji", "panelist"),
        (14, "Anna Schmidt", "panelist"),
    ]
    root = validate_xml(xml_doc("ko"))
    panel_el = next(e for e in root.iter("event") if e.get("id") == "102")
    assert [(p.get("id"), p.text) for p in panel_el.iter("person")] == [
        ("13", "박준호"),
        ("12", "김민지"),
        ("14", "Anna Schmidt"),
    ]


def test_xml_and_json_agree() -> None:
    root = validate_xml(xml_doc())
    from_xml = {
        int(e.get("id", "0")): (e.get("guid"), e.findtext("title"), e.findtext("date"))
        for e in root.iter("event")
    }
    from_json = {
        i: (e["guid"], e["title"], e["date"])
        for i, e in json_events(validate_json(json_doc())).items()
    }
    assert from_xml == from_json
    assert set(from_xml) == {101, 102, 104, 105}


def test_cancelled_sessions_are_omitted() -> None:
    assert 103 not in json_events(validate_json(json_doc()))
    assert b"Drone delivery" not in xml_doc() and b"Drone delivery" not in json_doc()
    assert session_guid(103).encode() not in xml_doc()


def test_cancelling_changes_the_version() -> None:
    before = validate_json(json_doc())["schedule"]["version"]
    later = dataclasses.replace(workshop(), status="cancelled", updated_at=kst(20, 9))
    sessions = [s for s in sample_sessions() if s.id != 105] + [later]
    after = validate_json(json_doc(sessions=sessions))["schedule"]["version"]
    assert before == "2025-09-05 21:00:00"  # latest updated_at (the cancelled demo), in KST
    assert after == "2025-10-20 09:00:00"
    assert validate_xml(xml_doc(sessions=sessions)).findtext("version") == after


def test_only_public_streams_are_linked() -> None:
    for data in (xml_doc(), json_doc(), xml_doc("ko"), json_doc("ko")):
        assert PANEL_ZOOM.url.encode() not in data
        assert WEBEX.url.encode() not in data
    assert b"https://www.youtube.com/live/madang-102" in xml_doc()


def test_empty_schedule_is_valid() -> None:
    root = validate_xml(xml_doc(sessions=[]))
    assert len(root.findall("day")) == 2 and root.find("day/room") is None
    document = validate_json(json_doc(sessions=[]))
    assert [d["rooms"] for d in document["schedule"]["conference"]["days"]] == [{}, {}]


@pytest.mark.parametrize(
    ("slug", "acronym"),
    [
        ("AI", "forum7_ai"),
        ("스마트시티", "forum7"),
        ("Seoul-Smart City 2025!", "seoul_smart_city_2025"),
    ],
)
def test_awkward_slugs_still_give_valid_acronyms(slug: str, acronym: str) -> None:
    document = validate_json(json_doc(slug=slug))
    assert document["schedule"]["conference"]["acronym"] == acronym
    root = validate_xml(xml_doc(slug=slug))
    assert root.findtext("conference/acronym") == acronym
    assert all(s.text and s.text.startswith(f"{acronym}-") for s in root.iter("slug"))


def test_urls_are_made_absolute() -> None:
    relative = keynote(url="/forums/smart-city-2025/sessions/101")
    missing = panel(url="")
    events = json_events(validate_json(json_doc(sessions=[relative, missing])))
    assert events[101]["url"] == "https://madang.example/forums/smart-city-2025/sessions/101"
    assert events[102]["url"] == "https://madang.example/forums/smart-city-2025/"
    validate_xml(xml_doc(sessions=[relative, missing]))


def test_control_characters_do_not_break_xml() -> None:
    session = keynote(title=Bilingual(ko="제목\x0b\x00", en="Title\x1b[31m"))
    root = validate_xml(xml_doc(sessions=[session]))
    assert root.findtext("day/room/event/title") == "Title[31m"


def test_base_url_must_be_absolute_http() -> None:
    with pytest.raises(ValueError, match="base_url"):
        build_frab_xml(sample_forum(), [], base_url="/schedule/")
    with pytest.raises(ValueError, match="base_url"):
        build_frab_json(sample_forum(), [], base_url="ftp://madang.example/")


def test_cancelled_factory_is_really_cancelled() -> None:
    # Guard: the omission tests above mean something only if the sample is cancelled.
    assert cancelled().status == "cancelled"
