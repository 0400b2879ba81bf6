"""Calendar feeds and schedule exports over HTTP: golden bytes, an independent parser, moving and
cancelling sessions, conditional GET, HEAD, personal feeds and their tokens, the frab exports."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import xmlschema
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import event, select, update

GOLDEN = Path(__file__).parent / "golden"
SCHEMAS = Path(__file__).parents[2] / "scheduling" / "schemas"
BASE = "http://madang.test"
SEOUL = ZoneInfo("Asia/Seoul")
SLUG = "smart-city-2030"

# Fixed "last change" times, in the past so a real edit made by a test is always later.
FORUM_STAMP = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
VENUE_STAMP = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
SPEAKER_STAMP = datetime(2025, 1, 3, 9, 0, tzinfo=UTC)
STREAM_STAMP = datetime(2025, 1, 4, 9, 0, tzinfo=UTC)


# The feeds tested here name places in Korean only (the factory adds English).
KOREAN_ONLY = {"building_en": "", "floor_en": "", "room_en": "", "address_en": ""}


def session_stamp(n: int) -> datetime:
    return datetime(2025, 2, n, 12, 0, tzinfo=UTC)


LONG_TITLE_KO = (
    "스마트시티, 데이터; 그리고 시민\\행정: 서울 디지털 트윈 실험과 시민 참여형 도시 문제"
    " 해결에 관한 아주 길고 자세한 심층 토론\n2부 🏙️🤖 (AI·IoT, 5G; 자율주행)"
)
LONG_TITLE_EN = "Smart city, data; and citizen\\government: Seoul's digital twin\nPart 2 🏙️🤖"
LONG_DESCRIPTION = (
    "Commas, semicolons; a backslash \\ and a newline\nin the text ✨ 한국어도, 함께;"
)


# -- a realistic forum -----------------------------------------------------------------------------


@dataclass
class Programme:
    """The forum the tests share, with its rows by name."""

    forum: Any
    venues: dict[str, Any] = field(default_factory=dict)
    speakers: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.forum.slug

    def url(self, path: str) -> str:
        return f"/forums/{self.slug}/{path}"


def kst(day: int, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2030, 10, day, hour, minute, tzinfo=SEOUL)


def build_programme(db, make_forum, make_venue, make_session, make_speaker, *, slug=SLUG):
    """Two days in October 2030 (KST): a keynote, a three-speaker panel, a cancelled demo, an
    online talk whose title needs every escape, a seated workshop, a seated hybrid clinic with
    a registrants-only stream and a one-seat tour. Timestamps are pinned (see `pin`)."""
    from app.models import SessionSpeaker, StreamLink

    forum = make_forum(
        slug=slug,
        title_ko="2030 서울 스마트시티 포럼",
        title_en="Seoul Smart City Forum 2030",
        description_ko="시민, 기업, 행정이 함께 스마트시티를 이야기합니다.",
        description_en="Citizens, companies and government discuss the smart city.",
        first_day=date(2030, 10, 14),
        last_day=date(2030, 10, 15),
        registration_opens_at=datetime(2020, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2030, 10, 13, tzinfo=UTC),
        in_person_capacity=None,
        organizer_name_ko="서울특별시 스마트도시정책관",
        organizer_name_en="",
        organizer_email="forum@smartcity.seoul.example",
    )
    p = Programme(forum)
    p.venues["hall"] = make_venue(
        forum,
        name_ko="대회의실",
        name_en="Grand Hall",
        building_ko="서울시청 본관",
        floor_ko="3층",
        room_ko="301호",
        address_ko="서울특별시 중구 세종대로 110",
        **KOREAN_ONLY,
        seats=300,
    )
    p.venues["studio"] = make_venue(
        forum,
        name_ko="스튜디오 S",
        name_en="Studio S",
        kind="studio",
        building_ko="서소문청사",
        floor_ko="B1",
        room_ko="",
        address_ko="",
        **KOREAN_ONLY,
        seats=40,
    )
    p.venues["offsite"] = make_venue(
        forum,
        name_ko="서울디지털재단",
        name_en="Seoul Digital Foundation",
        kind="offsite",
        building_ko="",
        floor_ko="",
        address_ko="서울특별시 마포구 월드컵북로 400",
        **KOREAN_ONLY,
        seats=None,
    )
    s = p.sessions
    s["keynote"] = make_session(
        forum,
        day=date(2030, 10, 14),
        start="10:30",
        end="11:30",
        title_ko="개회 기조연설: 시민과 함께 만드는 스마트시티",
        title_en="Opening keynote",
        description_ko="서울의 스마트시티 전략을 소개합니다.",
        description_en="Seoul's smart-city strategy, from sensors to services.",
        kind="keynote",
        format="hybrid",
        venue=p.venues["hall"],
        revision=2,
    )
    s["panel"] = make_session(
        forum,
        day=date(2030, 10, 14),
        start="13:00",
        end="14:30",
        title_ko="패널 토론: 도시 데이터의 개방과 보호",
        title_en="Panel: open and safe city data",
        description_en="Three views on open data and privacy.",
        kind="panel",
        format="hybrid",
        venue=p.venues["hall"],
    )
    s["demo"] = make_session(
        forum,
        day=date(2030, 10, 14),
        start="15:00",
        end="16:00",
        title_ko="드론 배송 시연",
        title_en="Drone delivery demo",
        kind="session",
        format="in_person",
        venue=p.venues["studio"],
        status="cancelled",
        revision=4,
        language="en",
    )
    s["tour"] = make_session(
        forum,
        day=date(2030, 10, 14),
        start="16:30",
        end="18:00",
        title_ko="현장 견학: 디지털 트윈 관제실",
        title_en="Site visit: the digital twin control room",
        kind="site_visit",
        format="in_person",
        venue=p.venues["offsite"],
        seats=1,
    )
    s["online"] = make_session(
        forum,
        day=date(2030, 10, 15),
        start="10:00",
        end="11:15",
        title_ko=LONG_TITLE_KO,
        title_en=LONG_TITLE_EN,
        description_ko="쉼표, 세미콜론; 백슬래시 \\ 그리고 줄바꿈\n을 포함한 설명 ✨",
        description_en=LONG_DESCRIPTION,
        kind="lecture",
        format="online",
    )
    s["clinic"] = make_session(
        forum,
        day=date(2030, 10, 15),
        start="11:30",
        end="12:30",
        title_ko="데이터 클리닉",
        title_en="Data clinic",
        kind="roundtable",
        format="hybrid",
        venue=p.venues["studio"],
        seats=20,
    )
    s["workshop"] = make_session(
        forum,
        day=date(2030, 10, 15),
        start="14:00",
        end="17:00",
        title_ko="공공 데이터 해커톤 워크숍",
        title_en="",
        kind="session",
        format="in_person",
        venue=p.venues["studio"],
        seats=30,
    )
    sp = p.speakers
    sp["lee"] = make_speaker(
        forum,
        name_ko="이석우",
        name_en="Lee Seok-woo",
        affiliation_ko="NIST",
        sessions=(s["keynote"],),
        role="keynote",
    )
    sp["park"] = make_speaker(
        forum,
        name_ko="박준호",
        name_en="Park Jun-ho",
        affiliation_ko="서울시",
        sessions=(s["panel"], s["clinic"]),
        role="moderator",
    )
    sp["kim"] = make_speaker(
        forum,
        name_ko="김민지",
        name_en="Kim Min-ji",
        affiliation_ko="KAIST",
        sessions=(s["panel"],),
        role="panelist",
    )
    sp["anna"] = make_speaker(
        forum,
        name_ko="",
        name_en="Anna Schmidt",
        affiliation_ko="TU Berlin",
        sessions=(s["panel"],),
        role="panelist",
    )
    sp["choi"] = make_speaker(
        forum,
        name_ko="최유나",
        name_en="Choi Yu-na",
        affiliation_ko="LG CNS",
        sessions=(s["online"],),
        role="presenter",
    )
    sp["jung"] = make_speaker(
        forum, name_ko="정하늘", name_en="", sessions=(s["workshop"],), role="host"
    )
    # Positions: the moderator first in the panel.
    for link in s["panel"].speaker_links:
        link.position = 0 if link.speaker is sp["park"] else 1
    assert all(isinstance(link, SessionSpeaker) for link in s["panel"].speaker_links)

    def stream(session, platform, url, visibility="public", label=""):
        db.session.add(
            StreamLink(
                forum=forum,
                session=session,
                platform=platform,
                url=url,
                visibility=visibility,
                label=label,
            )
        )

    stream(s["keynote"], "YouTube", "https://www.youtube.com/live/madang-keynote")
    stream(s["panel"], "YouTube", "https://www.youtube.com/live/madang-panel")
    stream(
        s["panel"],
        "Zoom",
        "https://zoom.us/j/9990001111?pwd=secret-panel",
        visibility="registrants",
        label="Zoom Q&A (참가자 전용)",
    )
    stream(s["online"], "NAVER NOW", "https://now.naver.com/l/madang-online")
    stream(
        s["online"], "Webex", "https://seoul.webex.com/meet/madang-online", visibility="registrants"
    )
    stream(s["clinic"], "Zoom", "https://zoom.us/j/9990002222?pwd=secret-clinic", "registrants")
    stream(None, "YouTube", "https://www.youtube.com/@madang-forum")
    db.session.commit()
    pin(db, forum)
    return p


def pin(db, forum) -> None:
    """Set every timestamp a feed shows to a fixed value, so bytes do not depend on the clock."""
    from app.models import Forum, ForumSession, Speaker, StreamLink, Venue

    db.session.execute(update(Forum).where(Forum.id == forum.id).values(updated_at=FORUM_STAMP))
    for model, stamp in (
        (Venue, VENUE_STAMP),
        (Speaker, SPEAKER_STAMP),
        (StreamLink, STREAM_STAMP),
    ):
        db.session.execute(update(model).where(model.forum_id == forum.id).values(updated_at=stamp))
    ids = sorted(s.id for s in forum.sessions)
    for n, session_id in enumerate(ids, start=1):
        db.session.execute(
            update(ForumSession)
            .where(ForumSession.id == session_id)
            .values(updated_at=session_stamp(n))
        )
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def prog(db, make_forum, make_venue, make_session, make_speaker) -> Programme:
    from app.feeds.feed_cache import clear_feed_cache

    clear_feed_cache()
    return build_programme(db, make_forum, make_venue, make_session, make_speaker)


def register(client, slug: str, *, attendance="in_person", session_ids=(), email=None) -> dict:
    response = client.post(
        f"/api/v1/forums/{slug}/registrations",
        json={
            "name": "홍길동",
            "email": email or f"person-{secrets.token_hex(4)}@example.org",
            "attendance": attendance,
            "session_ids": list(session_ids),
            "locale": "en",
            "consent_personal_data": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["calendar_url"].startswith(f"{BASE}/calendar/")
    return body


def calendar_path(body: dict) -> str:
    return body["calendar_url"].removeprefix(BASE)


# -- helpers: golden files, parsing ----------------------------------------------------------------


def assert_golden(name: str, data: bytes) -> None:
    """Compare with tests/app/web/golden/<name>; UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run the tests once with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from golden (UPDATE_GOLDEN=1 to accept)"


def parse(data: bytes):
    """Read a feed with `ical`, a parser independent of the icalendar library that wrote it."""
    return IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))


def events(data: bytes) -> dict[str, Any]:
    return {event.uid: event for event in parse(data).events}


def unfold(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def uid(session) -> str:
    return f"session-{session.id}@madang.test"


def prop(data: bytes, name: str, session=None) -> list[str]:
    """Values of property `name` (in one session's VEVENT when given), from the unfolded text."""
    text = unfold(data)
    if session is not None:
        start = text.index(f"UID:{uid(session)}")
        text = text[text.rindex("BEGIN:VEVENT", 0, start) : text.index("END:VEVENT", start)]
    return [
        line.split(":", 1)[1]
        for line in text.split("\r\n")
        if line.split(":", 1)[0].split(";", 1)[0] == name
    ]


def assert_rfc5545_lines(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n")[:-1]:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold never cuts a character


ICS_FEEDS = {
    "schedule.ics": lambda p: p.url("schedule.ics"),
    "session-keynote.ics": lambda p: p.url(f"sessions/{p.sessions['keynote'].id}.ics"),
    "session-online.ics": lambda p: p.url(f"sessions/{p.sessions['online'].id}.ics"),
    "venue-hall.ics": lambda p: p.url(f"venues/{p.venues['hall'].id}.ics"),
    "venue-studio.ics": lambda p: p.url(f"venues/{p.venues['studio'].id}.ics"),
    "speaker-park.ics": lambda p: p.url(f"speakers/{p.speakers['park'].id}.ics"),
}
EXPORTS = {
    "schedule-ko.xml": lambda p: p.url("schedule.xml"),
    "schedule-en.xml": lambda p: p.url("schedule.xml?lang=en"),
    "schedule-ko.json": lambda p: p.url("schedule.json"),
    "schedule-en.json": lambda p: p.url("schedule.json?lang=en"),
}


# -- golden bytes and determinism ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted({**ICS_FEEDS, **EXPORTS}))
def test_public_feeds_match_golden_and_are_deterministic(client, prog, name):
    from app.feeds.feed_cache import clear_feed_cache

    path = {**ICS_FEEDS, **EXPORTS}[name](prog)
    first = client.get(path)
    assert first.status_code == 200
    clear_feed_cache()  # built again from the database, not served from the cache
    second = client.get(path)
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert_golden(name, first.data)


def test_personal_feeds_match_golden(client, db, prog):
    s = prog.sessions
    in_person = register(client, prog.slug, session_ids=[s["tour"].id, s["workshop"].id])
    waiting = register(client, prog.slug, session_ids=[s["tour"].id])
    online = register(client, prog.slug, attendance="online", session_ids=[s["clinic"].id])
    assert [x["status"] for x in waiting["sessions"]] == ["waitlisted"]

    for name, body in (
        ("personal-in-person.ics", in_person),
        ("personal-waitlisted.ics", waiting),
        ("personal-online.ics", online),
    ):
        response = client.get(calendar_path(body))
        assert response.status_code == 200
        assert client.get(calendar_path(body)).data == response.data
        assert_golden(name, response.data)


# -- what every feed gets right --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ICS_FEEDS))
def test_an_independent_parser_reads_the_right_utc_instants(client, prog, name):
    data = client.get(ICS_FEEDS[name](prog)).data
    assert_rfc5545_lines(data)
    parsed = events(data)
    assert parsed, name
    by_uid = {uid(s): s for s in prog.sessions.values()}
    for event_uid, vevent in parsed.items():
        session = by_uid[event_uid]
        assert vevent.dtstart.tzinfo is not None and vevent.dtend.tzinfo is not None
        assert vevent.dtstart.astimezone(UTC) == session.starts_at
        assert vevent.dtend.astimezone(UTC) == session.ends_at
    if uid(prog.sessions["keynote"]) in parsed:
        keynote = parsed[uid(prog.sessions["keynote"])]
        assert keynote.dtstart.astimezone(UTC) == datetime(2030, 10, 14, 1, 30, tzinfo=UTC)
    # Local times with the forum's zone, never floating or UTC-only.
    text = unfold(data)
    assert "DTSTART;TZID=Asia/Seoul:" in text
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul" in text


def test_feed_headers(client, prog):
    for name, path in ICS_FEEDS.items():
        response = client.get(path(prog))
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8", name
        assert response.headers["ETag"].startswith('"') and len(response.headers["ETag"]) == 66
        assert response.headers["Last-Modified"].endswith(" GMT")
        assert "Set-Cookie" not in response.headers
        assert response.headers.get("Referrer-Policy") != "no-referrer"  # only personal feeds
        assert response.headers["Cache-Control"].startswith("public")
    xml = client.get(prog.url("schedule.xml"))
    assert xml.mimetype == "application/xml"
    jsn = client.get(prog.url("schedule.json"))
    assert jsn.mimetype == "application/json"
    download = client.get(ICS_FEEDS["session-keynote.ics"](prog))
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_subscription_feeds_have_no_method_and_downloads_publish(client, prog):
    feed = client.get(prog.url("schedule.ics")).data
    assert prop(feed, "METHOD") == []
    assert prop(feed, "ORGANIZER") == []
    assert prop(feed, "X-WR-CALNAME") == ["2030 서울 스마트시티 포럼 / Seoul Smart City Forum 2030"]
    assert prop(feed, "REFRESH-INTERVAL") == ["PT1H"]
    assert prop(feed, "X-WR-TIMEZONE") == ["Asia/Seoul"]

    download = client.get(ICS_FEEDS["session-keynote.ics"](prog)).data
    assert prop(download, "METHOD") == ["PUBLISH"]
    assert prop(download, "ORGANIZER") == ["mailto:forum@smartcity.seoul.example"]
    assert "ATTENDEE" not in unfold(download)
    assert list(events(download)) == [uid(prog.sessions["keynote"])]


def test_venue_and_speaker_feeds_hold_their_sessions(client, prog):
    s = prog.sessions
    studio = events(client.get(ICS_FEEDS["venue-studio.ics"](prog)).data)
    assert set(studio) == {uid(s["demo"]), uid(s["clinic"]), uid(s["workshop"])}
    park = client.get(ICS_FEEDS["speaker-park.ics"](prog)).data
    assert set(events(park)) == {uid(s["panel"]), uid(s["clinic"])}
    assert prop(park, "X-WR-CALNAME") == [
        "2030 서울 스마트시티 포럼 · 박준호 / Seoul Smart City Forum 2030 · Park Jun-ho"
    ]


def test_text_with_every_escape_survives_a_round_trip(client, prog):
    online = prog.sessions["online"]
    for path in (prog.url("schedule.ics"), prog.url(f"sessions/{online.id}.ics")):
        data = client.get(path).data
        assert_rfc5545_lines(data)
        event = events(data)[uid(online)]
        assert event.summary == f"{LONG_TITLE_KO} / {LONG_TITLE_EN}"
        assert LONG_DESCRIPTION in event.description
        assert "Speaker" not in event.description  # role labels, not a generic word
        assert "Presenter / 발표: 최유나 / Choi Yu-na (LG CNS)" in event.description
        assert event.location == "온라인 / Online"


def test_public_feeds_never_show_registrants_only_streams(client, prog):
    for path in [*(f(prog) for f in ICS_FEEDS.values()), *(f(prog) for f in EXPORTS.values())]:
        body = client.get(path).data
        assert b"secret-panel" not in body and b"secret-clinic" not in body, path
        assert b"seoul.webex.com" not in body, path
    feed = client.get(prog.url("schedule.ics")).data
    assert "https://www.youtube.com/live/madang-panel" in prop(
        feed, "CONFERENCE", prog.sessions["panel"]
    )


def test_the_accept_header_changes_nothing(client, prog):
    path = prog.url("schedule.ics")
    plain = client.get(path)
    for accept in ("application/json", "text/html", "application/xml", "*/*"):
        other = client.get(path, headers={"Accept": accept})
        assert other.status_code == 200
        assert other.data == plain.data
        assert other.headers["Content-Type"] == plain.headers["Content-Type"]
        vary = {v.strip() for v in other.headers.get("Vary", "").split(",")}
        assert "Accept" not in vary


def test_public_feeds_do_not_vary_by_cookie(client, prog, app):
    """A shared cache may keep one copy of a public feed for everybody, signed in or not."""
    for path in [prog.url("schedule.ics"), prog.url("schedule.json")]:
        vary = {v.strip() for v in client.get(path).headers.get("Vary", "").split(",")}
        assert "Cookie" not in vary, path
    with client.session_transaction() as session:
        session["_user_id"] = "someone"
    vary = client.get(prog.url("schedule.ics")).headers.get("Vary", "")
    assert "Cookie" not in vary
    # Pages that do depend on the visitor still say so.
    assert "Cookie" in client.get(f"/forums/{prog.slug}").headers.get("Vary", "")


def test_feeds_never_redirect(client, prog):
    for path in [*(f(prog) for f in ICS_FEEDS.values()), *(f(prog) for f in EXPORTS.values())]:
        assert client.get(path, follow_redirects=False).status_code == 200
    assert client.get(prog.url("schedule.ics/"), follow_redirects=False).status_code == 404


# -- moving and cancelling -------------------------------------------------------------------------


def test_moving_a_session_raises_sequence_and_last_modified_and_changes_the_etag(client, db, prog):
    keynote = prog.sessions["keynote"]
    paths = [
        prog.url("schedule.ics"),
        prog.url(f"sessions/{keynote.id}.ics"),
        prog.url(f"venues/{prog.venues['hall'].id}.ics"),
        prog.url(f"speakers/{prog.speakers['lee'].id}.ics"),
    ]
    before = {path: client.get(path) for path in paths}

    keynote.starts_at = kst(14, "11:00")
    keynote.ends_at = kst(14, "12:00")
    keynote.revision += 1
    db.session.commit()

    for path in paths:
        old, new = before[path], client.get(path)
        assert new.headers["ETag"] != old.headers["ETag"], path
        assert _http_date(new.headers["Last-Modified"]) > _http_date(old.headers["Last-Modified"])
        assert prop(new.data, "SEQUENCE", keynote) == ["3"]
        assert prop(old.data, "SEQUENCE", keynote) == ["2"]
        assert prop(new.data, "LAST-MODIFIED", keynote) > prop(old.data, "LAST-MODIFIED", keynote)
        moved = events(new.data)[uid(keynote)]  # the UID never changes
        assert moved.dtstart.astimezone(UTC) == datetime(2030, 10, 14, 2, 0, tzinfo=UTC)
        assert moved.sequence == 3


def test_cancelling_a_session_gives_status_cancelled_and_keeps_it(client, db, prog):
    panel = prog.sessions["panel"]
    personal = register(client, prog.slug, attendance="online")
    paths = [
        prog.url("schedule.ics"),
        prog.url(f"sessions/{panel.id}.ics"),
        calendar_path(personal),
    ]
    for path in paths:
        assert prop(client.get(path).data, "STATUS", panel) == ["CONFIRMED"]

    panel.status = "cancelled"
    panel.revision += 1
    db.session.commit()

    for path in paths:
        data = client.get(path).data
        assert prop(data, "STATUS", panel) == ["CANCELLED"], path
        event = events(data)[uid(panel)]
        assert event.summary.startswith("[취소됨 / Cancelled] ")
        assert event.sequence == 2
        assert "zoom.us" not in unfold(data).split(f"UID:{uid(panel)}")[1].split("END:VEVENT")[0]
    # The frab exports drop it (the format has no status).
    assert b"Panel: open and safe city data" not in client.get(prog.url("schedule.xml")).data


def test_any_committed_change_reaches_the_feed(client, db, prog):
    path = prog.url("schedule.ics")
    first = client.get(path)
    hall = prog.venues["hall"]
    hall.room_ko = "302호"
    db.session.commit()
    second = client.get(path)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "302호" in prop(second.data, "LOCATION", prog.sessions["keynote"])[0]

    prog.speakers["lee"].affiliation_ko = "Seoul National University"
    db.session.commit()
    third = client.get(path)
    assert third.headers["ETag"] != second.headers["ETag"]
    assert (
        "(Seoul National University)"
        in events(third.data)[uid(prog.sessions["keynote"])].description
    )
    assert _http_date(third.headers["Last-Modified"]) > _http_date(first.headers["Last-Modified"])


# -- conditional GET and HEAD ----------------------------------------------------------------------


def _http_date(value: str) -> datetime:
    return datetime.strptime(value, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)


def _all_paths(client, prog) -> list[str]:
    personal = register(client, prog.slug, attendance="online")
    return [
        *(f(prog) for f in ICS_FEEDS.values()),
        *(f(prog) for f in EXPORTS.values()),
        calendar_path(personal),
    ]


def test_if_none_match_gives_304(client, prog):
    for path in _all_paths(client, prog):
        full = client.get(path)
        etag = full.headers["ETag"]
        for sent in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
            response = client.get(path, headers={"If-None-Match": sent})
            assert response.status_code == 304, (path, sent)
            assert response.data == b""
            assert response.headers["ETag"] == etag
            assert response.headers["Cache-Control"] == full.headers["Cache-Control"]
        assert client.get(path, headers={"If-None-Match": '"nope"'}).status_code == 200


def test_clients_that_accept_gzip_get_the_same_feed_gzipped_with_its_own_etag(client, prog):
    for path in _all_paths(client, prog):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.status_code == 200, path
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.data) == plain.data, path
        assert len(packed.data) < len(plain.data)
        assert int(packed.headers["Content-Length"]) == len(packed.data)
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert "Accept-Encoding" in plain.headers["Vary"]
        assert "Content-Encoding" not in plain.headers
        etag = packed.headers["ETag"]
        assert etag != plain.headers["ETag"] and etag.startswith('"') and etag.endswith('"')
        # Compressed once, the same bytes every time.
        again = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert again.data == packed.data and again.headers["ETag"] == etag
        # Each representation is validated by its own tag.
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 200
        fresh = client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
        assert fresh.status_code == 304 and fresh.headers["ETag"] == etag
        stale = client.get(
            path, headers={"If-None-Match": plain.headers["ETag"], "Accept-Encoding": "gzip"}
        )
        assert stale.status_code == 200
        # gzip refused (q=0) or not offered: the plain bytes.
        for refused in ("gzip;q=0", "identity", "br"):
            response = client.get(path, headers={"Accept-Encoding": refused})
            assert "Content-Encoding" not in response.headers, refused
            assert response.data == plain.data


def test_if_modified_since_gives_304_unless_if_none_match_disagrees(client, prog):
    for path in _all_paths(client, prog):
        full = client.get(path)
        modified = full.headers["Last-Modified"]
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        later = _http_date(modified) + timedelta(hours=1)
        later_text = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert client.get(path, headers={"If-Modified-Since": later_text}).status_code == 304
        earlier = (_http_date(modified) - timedelta(seconds=1)).strftime(
            "%a, %d %b %Y %H:%M:%S GMT"
        )
        response = client.get(path, headers={"If-Modified-Since": earlier})
        assert response.status_code == 200 and response.data == full.data
        # If-None-Match takes precedence: a stale ETag means a full answer, whatever the date.
        response = client.get(
            path, headers={"If-None-Match": '"stale"', "If-Modified-Since": later_text}
        )
        assert response.status_code == 200 and response.data == full.data
        # A date that cannot be parsed is ignored.
        assert client.get(path, headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_a_change_ends_304_answers(client, db, prog):
    path = prog.url("schedule.ics")
    old = client.get(path)
    workshop = prog.sessions["workshop"]
    workshop.title_en = "Public data hackathon"
    workshop.revision += 1
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200
    response = client.get(path, headers={"If-Modified-Since": old.headers["Last-Modified"]})
    assert response.status_code == 200


def test_head_gives_the_headers_without_the_body(client, prog):
    for path in _all_paths(client, prog):
        full = client.get(path)
        head = client.head(path)
        assert head.status_code == 200
        assert head.data == b""
        for name in ("ETag", "Last-Modified", "Content-Type", "Cache-Control"):
            assert head.headers[name] == full.headers[name], (path, name)
        assert int(head.headers["Content-Length"]) == len(full.data)
        conditional = client.head(path, headers={"If-None-Match": full.headers["ETag"]})
        assert conditional.status_code == 304


# -- personal feeds --------------------------------------------------------------------------------


def test_personal_feed_headers_and_private_streams(client, prog):
    body = register(
        client, prog.slug, attendance="online", session_ids=[prog.sessions["clinic"].id]
    )
    response = client.get(calendar_path(body))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"].startswith("private")
    assert "Set-Cookie" not in response.headers
    data = response.data
    assert prop(data, "METHOD") == []
    # Registrants-only links appear here, in the description and as CONFERENCE.
    assert any("secret-clinic" in c for c in prop(data, "CONFERENCE", prog.sessions["clinic"]))
    assert any("secret-panel" in c for c in prop(data, "CONFERENCE", prog.sessions["panel"]))
    assert "seoul.webex.com" in events(data)[uid(prog.sessions["online"])].description
    assert prop(data, "X-WR-CALNAME") == [
        "2030 서울 스마트시티 포럼 · 내 일정 / Seoul Smart City Forum 2030 · My sessions"
    ]


def test_personal_feed_holds_places_and_the_forum_wide_sessions_of_the_mode(client, prog):
    s = prog.sessions
    in_person = register(client, prog.slug, session_ids=[s["tour"].id, s["workshop"].id])
    waiting = register(client, prog.slug, session_ids=[s["tour"].id])
    online = register(client, prog.slug, attendance="online", session_ids=[s["clinic"].id])

    got = events(client.get(calendar_path(in_person)).data)
    # Places held (tour, workshop) + forum-wide in-person and hybrid sessions (keynote, panel,
    # the cancelled demo); not the online talk nor the seated clinic they did not book.
    assert set(got) == {uid(s[k]) for k in ("keynote", "panel", "demo", "tour", "workshop")}
    assert str(got[uid(s["tour"])].status.value) == "CONFIRMED"
    assert str(got[uid(s["demo"])].status.value) == "CANCELLED"

    got = events(client.get(calendar_path(waiting)).data)
    assert str(got[uid(s["tour"])].status.value) == "TENTATIVE"  # waitlisted place
    assert str(got[uid(s["keynote"])].status.value) == "CONFIRMED"

    got = events(client.get(calendar_path(online)).data)
    assert set(got) == {uid(s[k]) for k in ("keynote", "panel", "online", "clinic")}


def test_a_waitlisted_forum_place_makes_everything_tentative(client, db, prog):
    prog.forum.in_person_capacity = 0
    db.session.commit()
    body = register(client, prog.slug, session_ids=[prog.sessions["workshop"].id])
    assert body["status"] == "waitlisted"
    data = client.get(calendar_path(body)).data
    statuses = set(prop(data, "STATUS")) - {"CANCELLED"}
    assert statuses == {"TENTATIVE"}


def test_booking_changes_reach_the_personal_feed_and_its_last_modified(client, db, prog):
    from app.models import Booking

    s = prog.sessions
    first = register(client, prog.slug, session_ids=[s["tour"].id])
    second = register(client, prog.slug, session_ids=[s["tour"].id])
    path = calendar_path(second)
    before = client.get(path)
    assert prop(before.data, "STATUS", s["tour"]) == ["TENTATIVE"]

    # The first person cancels: the waiting one is promoted, and their feed says so.
    manage = first["manage_url"].removeprefix(BASE + "/manage/")
    from app.registration import operations as registrations

    registrations.cancel_registration(registrations.registration_by_token(manage))
    promoted = db.session.scalars(select(Booking).where(Booking.session_id == s["tour"].id)).all()
    assert sorted(b.status for b in promoted) == ["cancelled", "confirmed"]

    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert prop(after.data, "STATUS", s["tour"]) == ["CONFIRMED"]
    assert _http_date(after.headers["Last-Modified"]) >= _http_date(before.headers["Last-Modified"])
    # And the cancelled registration's own feed has ended.
    assert client.get(calendar_path(first)).status_code == 404


def test_a_replaced_token_answers_404_and_the_new_one_works(client, db, prog):
    from app.core.tokens import hash_token
    from app.models import Registration
    from app.registration.operations import replace_calendar_token

    body = register(client, prog.slug, attendance="online")
    old_path = calendar_path(body)
    old = client.get(old_path)
    assert old.status_code == 200
    token = old_path.removeprefix("/calendar/").removesuffix(".ics")
    registration = db.session.scalars(
        select(Registration).where(Registration.calendar_token_hash == hash_token(token))
    ).one()

    new_token = replace_calendar_token(registration)
    assert client.get(old_path).status_code == 404
    assert client.get(old_path, headers={"If-None-Match": old.headers["ETag"]}).status_code == 404
    assert client.head(old_path).status_code == 404
    fresh = client.get(f"/calendar/{new_token}.ics")
    assert fresh.status_code == 200
    assert fresh.data == old.data  # the same calendar at a new address


@pytest.mark.parametrize(
    "token",
    ["unknown", "x" * 32, "x" * 5000, "%00", "..", "a.b"],
)
def test_unknown_tokens_answer_404(client, prog, token):
    register(client, prog.slug, attendance="online")
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert response.headers.get("Content-Type", "").startswith("text/html")


def test_personal_feed_of_a_forum_back_in_draft_answers_404(client, db, prog):
    body = register(client, prog.slug, attendance="online")
    prog.forum.status = "draft"
    db.session.commit()
    assert client.get(calendar_path(body)).status_code == 404


# -- bad input -------------------------------------------------------------------------------------


def test_a_draft_forum_has_no_feed(client, db, prog):
    paths = [*(f(prog) for f in ICS_FEEDS.values()), *(f(prog) for f in EXPORTS.values())]
    for path in paths:
        assert client.get(path).status_code == 200
    prog.forum.status = "draft"
    db.session.commit()
    for path in paths:
        assert client.get(path).status_code == 404, path
        assert client.head(path).status_code == 404, path


def test_unknown_or_foreign_ids_answer_404(
    client, db, prog, make_forum, make_venue, make_session, make_speaker
):
    other = make_forum(slug="other-forum")
    venue = make_venue(other)
    session = make_session(other, venue=venue)
    speaker = make_speaker(other, sessions=(session,))
    assert client.get(f"/forums/other-forum/sessions/{session.id}.ics").status_code == 200
    bad = [
        "/forums/no-such-forum/schedule.ics",
        "/forums/no-such-forum/schedule.xml",
        "/forums/no-such-forum/schedule.json",
        "/forums/no-such-forum/sessions/1.ics",
        prog.url("sessions/999999.ics"),
        prog.url("venues/999999.ics"),
        prog.url("speakers/999999.ics"),
        prog.url("sessions/99999999999999999999999.ics"),
        prog.url(f"sessions/{session.id}.ics"),  # another forum's
        prog.url(f"venues/{venue.id}.ics"),
        prog.url(f"speakers/{speaker.id}.ics"),
        prog.url("sessions/abc.ics"),
        prog.url("sessions/-1.ics"),
        prog.url("schedule.xml?lang=fr"),
        prog.url("schedule.json?lang="),
    ]
    for path in bad:
        assert client.get(path).status_code == 404, path
        assert client.get(path).status_code == 404, path  # also when answered from the cache


def test_a_venue_or_speaker_without_sessions_gives_an_empty_calendar(
    client, prog, make_venue, make_speaker
):
    venue = make_venue(prog.forum, name_ko="빈 방", name_en="Empty room")
    speaker = make_speaker(prog.forum, name_ko="무대 밖", name_en="Offstage")
    for path in (prog.url(f"venues/{venue.id}.ics"), prog.url(f"speakers/{speaker.id}.ics")):
        response = client.get(path)
        assert response.status_code == 200
        assert parse(response.data).events == []


# -- frab exports ----------------------------------------------------------------------------------


@cache
def _xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "schedule.xml.xsd"))


@cache
def _json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads((SCHEMAS / "schedule.schema.json").read_text("utf-8"))
    return jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


def validate_exports(client, slug: str) -> tuple[ET.Element, dict]:
    for lang in ("ko", "en"):
        xml = client.get(f"/forums/{slug}/schedule.xml?lang={lang}")
        assert xml.status_code == 200, slug
        root = ET.fromstring(xml.data)
        _xsd().validate(root)
        jsn = client.get(f"/forums/{slug}/schedule.json?lang={lang}")
        assert jsn.status_code == 200, slug
        document = json.loads(jsn.data.decode("utf-8"))
        _json_validator().validate(document)
        xml_ids = sorted(int(e.get("id")) for e in root.iter("event"))
        json_ids = sorted(
            e["id"]
            for day in document["schedule"]["conference"]["days"]
            for room in day["rooms"].values()
            for e in room
        )
        assert xml_ids == json_ids, slug
    return root, document


def test_exports_validate_against_the_shared_schemas(client, prog):
    root, document = validate_exports(client, prog.slug)
    s = prog.sessions
    shown = {s[k].id for k in s if k != "demo"}  # the cancelled one is left out
    assert {int(e.get("id")) for e in root.iter("event")} == shown
    assert document["schedule"]["conference"]["time_zone_name"] == "Asia/Seoul"
    keynote = next(e for e in root.iter("event") if int(e.get("id")) == s["keynote"].id)
    assert keynote.findtext("date") == "2030-10-14T10:30:00+09:00"
    assert keynote.findtext("url") == f"{BASE}/forums/{prog.slug}/sessions/{s['keynote'].id}"
    en = ET.fromstring(client.get(prog.url("schedule.xml?lang=en")).data)
    assert en.findtext("conference/title") == "Seoul Smart City Forum 2030"
    ko = ET.fromstring(client.get(prog.url("schedule.xml")).data)
    assert ko.findtext("conference/title") == "2030 서울 스마트시티 포럼"


def test_exports_validate_for_every_demo_forum(client, db):
    demo = pytest.importorskip("app.demo")
    from app.models import Forum

    demo.load_demo()
    slugs = db.session.scalars(select(Forum.slug).where(Forum.status == "published")).all()
    assert slugs
    for slug in slugs:
        validate_exports(client, slug)
        feed = client.get(f"/forums/{slug}/schedule.ics")
        assert feed.status_code == 200
        assert_rfc5545_lines(feed.data)
        forum = db.session.scalars(select(Forum).where(Forum.slug == slug)).one()
        assert len(parse(feed.data).events) == len(forum.sessions)


# -- cost ------------------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement: str, *args: object) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.count += 1


def test_a_cached_feed_costs_one_query_and_a_miss_a_fixed_number(client, db, prog, make_session):
    from app.feeds.feed_cache import clear_feed_cache

    path = prog.url("schedule.ics")
    with QueryCounter(db.engine) as miss:
        client.get(path)
    with QueryCounter(db.engine) as hit:
        assert client.get(path).status_code == 200
    assert hit.count == 1  # the version query

    for n in range(15):  # many more sessions: still the same number of queries
        make_session(
            prog.forum, day=date(2030, 10, 15), start="18:00", end="19:00", title_en=f"#{n}"
        )
    clear_feed_cache()
    with QueryCounter(db.engine) as bigger:
        client.get(path)
    assert bigger.count == miss.count == 8  # version + six for the forum tree + services


def test_personal_feed_cache_hit_costs_three_queries(client, db, prog):
    body = register(client, prog.slug, attendance="online")
    path = calendar_path(body)
    client.get(path)
    with QueryCounter(db.engine) as hit:
        assert client.get(path).status_code == 200
    assert hit.count == 3  # registration, bookings, version


def test_taking_a_seat_neither_changes_the_calendar_nor_empties_the_cache(client, prog):
    from app.feeds.feed_cache import feed_cache

    paths = [prog.url("schedule.ics"), prog.url(f"sessions/{prog.sessions['workshop'].id}.ics")]
    before = {path: client.get(path).data for path in paths}
    register(client, prog.slug, session_ids=[prog.sessions["workshop"].id])
    register(client, prog.slug, session_ids=[prog.sessions["tour"].id])
    misses = feed_cache().misses
    for path in paths:
        assert client.get(path).data == before[path]
    assert feed_cache().misses == misses  # seats taken show in no feed: still cached


# -- the subscribe macro ---------------------------------------------------------------------------


def test_subscribe_links_macro(app):
    from urllib.parse import parse_qs, urlsplit

    from flask import render_template_string

    feed = f"{BASE}/calendar/abc_-123.ics"
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "feeds/_subscribe.html" import subscribe_links %}'
            "{{ subscribe_links(url, label='Forum') }}",
            url=feed,
        )
    root = ET.fromstring(html)
    hrefs = [a.get("href") for a in root.iter("a")]
    assert hrefs[0] == "webcal://madang.test/calendar/abc_-123.ics"
    google = urlsplit(hrefs[1])
    assert (google.scheme, google.netloc, google.path) == (
        "https",
        "calendar.google.com",
        "/calendar/r",
    )
    assert "%2F" in google.query and "%3A" in google.query  # the whole address is encoded
    assert parse_qs(google.query)["cid"] == ["webcal://madang.test/calendar/abc_-123.ics"]
    assert hrefs[2] == feed
    assert root.get("aria-label") == "Forum"
    assert all(a.text and a.text.strip() for a in root.iter("a"))


def test_every_public_page_offers_its_feed_to_subscribe(
    client, make_forum, make_venue, make_session, make_speaker
):
    forum = make_forum()
    hall = make_venue(forum)
    talk = make_session(forum, venue=hall)
    speaker = make_speaker(forum, sessions=(talk,))
    base = f"http://madang.test/forums/{forum.slug}"
    pages = {
        f"/forums/{forum.slug}": f"{base}/schedule.ics",
        f"/forums/{forum.slug}/programme": f"{base}/schedule.ics",
        f"/forums/{forum.slug}/sessions/{talk.id}": f"{base}/sessions/{talk.id}.ics",
        f"/forums/{forum.slug}/venues/{hall.id}": f"{base}/venues/{hall.id}.ics",
        f"/forums/{forum.slug}/speakers/{speaker.id}": f"{base}/speakers/{speaker.id}.ics",
    }
    for page, feed in pages.items():
        html = client.get(page).get_data(as_text=True)
        webcal = "webcal://" + feed.split("://", 1)[1]
        assert f'href="{feed}"' in html, page
        assert f'href="{webcal}"' in html, page
        assert "calendar.google.com/calendar/r?cid=webcal%3A%2F%2F" in html, page
        assert client.get(feed.replace("http://madang.test", "")).status_code == 200
