"""scheduling.calendar: golden bytes, RFC 5545 line rules, and what independent parsers read."""

from __future__ import annotations

import dataclasses
import os
import random
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from scheduling.calendar import (
    CANCELLED_PREFIX,
    PRODID,
    _event_block,
    _timezone_block,
    build_calendar,
    session_uid,
)
from scheduling.types import Bilingual, MeetingInfo, SessionInfo, SpeakerRole, StreamInfo
from tests.scheduling.factories import (
    DOMAIN,
    GRAND_HALL,
    KST,
    LONG_TITLE,
    PANEL_ZOOM,
    WEBEX,
    YOUTUBE,
    cancelled,
    keynote,
    kst,
    long_title,
    panel,
    sample_forum,
    sample_sessions,
    stamp,
    workshop,
)

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def rendered_afresh() -> None:
    """Each test renders its events and time zones itself, never from an earlier test's
    memo: what it checks is what the code builds now."""
    _event_block.cache_clear()
    _timezone_block.cache_clear()


def assert_golden(name: str, data: bytes) -> None:
    """Compare with tests/scheduling/golden/<name>; UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run the tests once with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from golden (UPDATE_GOLDEN=1 to accept)"


def feed(**kwargs: object) -> bytes:
    return build_calendar(sample_forum(), sample_sessions(), domain=DOMAIN, **kwargs)


def unfold(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in parse(data).walk("VEVENT")}


def logical_lines(data: bytes) -> list[tuple[str, set[int]]]:
    """Each content line unfolded, with the character offsets where a fold was."""
    result: list[tuple[str, set[int]]] = []
    for raw in data.decode("utf-8").split("\r\n")[:-1]:
        if raw.startswith(" "):
            text, folds = result[-1]
            result[-1] = (text + raw[1:], folds | {len(text)})
        else:
            result.append((raw, set()))
    return result


def assert_rfc5545_lines(data: bytes) -> None:
    """CRLF everywhere, ≤ 75 octets a line, each line valid UTF-8 alone, escapes never split."""
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # raises if a fold cut a multi-byte character
    for text, folds in logical_lines(data):
        i = 0
        while i < len(text):
            if text[i] == "\\":
                assert i + 1 not in folds, f"fold between backslash and escaped char: {text!r}"
                i += 2
            else:
                i += 1


# --- golden files and determinism ------------------------------------------------------------


def test_forum_feed_matches_golden() -> None:
    assert_golden("forum-feed.ics", feed())


def test_personal_feed_matches_golden() -> None:
    data = build_calendar(
        sample_forum(),
        [keynote(), panel(), long_title(), cancelled()],
        domain=DOMAIN,
        name=Bilingual(ko="나의 포럼 일정", en="My forum sessions"),
        tentative_ids=frozenset({102}),
        include_private_streams=True,
    )
    assert_golden("personal-feed.ics", data)


def test_single_session_publish_matches_golden() -> None:
    data = build_calendar(sample_forum(), [long_title()], domain=DOMAIN, method="PUBLISH")
    assert_golden("session-104-publish.ics", data)


def test_same_data_gives_same_bytes_whatever_the_input_order() -> None:
    shuffled = sample_sessions()
    random.Random(5).shuffle(shuffled)
    first = feed()
    assert first == feed()
    assert first == build_calendar(sample_forum(), shuffled, domain=DOMAIN)
    assert first == build_calendar(sample_forum(), iter(shuffled), domain=DOMAIN)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"tentative_ids": frozenset({101, 102})},
        {"include_private_streams": True},
        {"method": "PUBLISH"},
        {"organizer": True},
    ],
    ids=["feed", "tentative", "private", "publish", "organizer"],
)
def test_rendered_events_are_reused_only_for_the_same_inputs(variant) -> None:
    _event_block.cache_clear()
    cold = feed(**variant)
    assert feed(**variant) == cold  # from the cache: the same bytes
    plain = feed()
    if variant:
        assert plain != cold  # no block of one variant leaks into another
    retitled = [
        dataclasses.replace(s, title=Bilingual(ko="바뀐 제목", en="New title"))
        if s.id == 101
        else s
        for s in sample_sessions()
    ]
    changed = build_calendar(sample_forum(), retitled, domain=DOMAIN, **variant)
    assert "바뀐 제목 / New title" in unfold(changed)
    assert "바뀐 제목" not in unfold(cold)


def test_events_are_sorted_by_start_then_id() -> None:
    twin = dataclasses.replace(keynote(), id=100)  # same start as 101, lower id
    data = build_calendar(sample_forum(), [*sample_sessions(), twin], domain=DOMAIN)
    uids = [str(e["UID"]) for e in parse(data).walk("VEVENT")]
    expected = [100, 101, 102, 103, 104, 105]
    assert uids == [session_uid(i, DOMAIN) for i in expected]


# --- line rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [None, "PUBLISH"])
def test_output_lines_follow_rfc5545(method: str | None) -> None:
    data = feed(method=method, include_private_streams=True)
    assert_rfc5545_lines(data)
    # The long Korean title really was folded (so the checks above had something to check).
    summary = next(t for t, f in logical_lines(data) if t.startswith("SUMMARY:스마트시티"))
    assert len(summary.encode()) > 3 * 75


@pytest.mark.parametrize("offset", range(0, 90))
def test_folding_never_splits_escapes_or_characters(offset: int) -> None:
    # Runs of backslashes next to escaped characters, shifted through every fold position.
    title = "가" * (offset % 7) + "x" * offset + "\\\\,\\;\\\\\\n😀\\\\" * 6 + "끝"
    session = keynote(title=Bilingual(ko=title, en=title[::-1]))
    data = build_calendar(sample_forum(), [session], domain=DOMAIN)
    assert_rfc5545_lines(data)
    summary = parse(data).walk("VEVENT")[0]["SUMMARY"]
    assert summary == f"{title} / {title[::-1]}"


def test_icalendar_own_folding_still_needs_our_fold() -> None:
    """Canary for the workaround in calendar._fold: icalendar 7.3.0 splits ``\\\\`` pairs."""
    event = icalendar.Event()
    event.add("SUMMARY", "x" * 64 + "\\\\," + "y" * 40)
    raw = b"BEGIN:VCALENDAR\r\n" + event.to_ical() + b"END:VCALENDAR\r\n"
    try:
        assert_rfc5545_lines(raw)
    except AssertionError:
        return  # still broken upstream: our fold is needed
    pytest.skip("icalendar now folds escapes correctly; calendar._fold could be dropped")


def test_fold_only_inserts_line_breaks() -> None:
    # Unfolded, our output is exactly icalendar's own serialisation unfolded.
    data = feed(include_private_streams=True)
    reference = parse(data).to_ical()
    assert unfold(data) == unfold(reference)


def test_text_is_escaped_and_round_trips() -> None:
    data = build_calendar(sample_forum(), [long_title()], domain=DOMAIN)
    text = unfold(data)
    assert "SUMMARY:스마트시티\\, 데이터\\; 그리고 시민\\\\행정" in text
    assert "심층 토론\\n2부 🏙️🤖 (AI·IoT\\, 5G\\; 자율주행)" in text
    event = parse(data).walk("VEVENT")[0]
    assert event["SUMMARY"] == LONG_TITLE.both()
    description = event["DESCRIPTION"]
    assert "Commas, semicolons; a backslash \\ and a newline\nin the text ✨" in description
    assert "쉼표, 세미콜론; 백슬래시 \\ 그리고 줄바꿈\n을 포함한 설명 ✨" in description


def test_control_characters_are_dropped() -> None:
    session = keynote(title=Bilingual(ko="벨\x07소리\x00", en="Tab\there\r\nnext"))
    data = build_calendar(sample_forum(), [session], domain=DOMAIN)
    assert b"\x07" not in data and b"\x00" not in data
    assert parse(data).walk("VEVENT")[0]["SUMMARY"] == "벨소리 / Tab\there\nnext"


# --- what independent parsers read --------------------------------------------------------------


def expected_instants() -> dict[int, tuple[datetime, datetime]]:
    return {s.id: (s.start, s.end) for s in sample_sessions()}


def test_ical_package_reads_the_right_utc_instants() -> None:
    calendar_stream = pytest.importorskip("ical.calendar_stream")
    data = feed()
    calendar = calendar_stream.IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    read = {e.uid: e for e in calendar.events}
    assert set(read) == {session_uid(i, DOMAIN) for i in expected_instants()}
    for session_id, (start, end) in expected_instants().items():
        event = read[session_uid(session_id, DOMAIN)]
        assert event.dtstart.astimezone(UTC) == start
        assert event.dtend.astimezone(UTC) == end
    keynote_event = read[session_uid(101, DOMAIN)]
    assert keynote_event.dtstart.astimezone(UTC) == datetime(2025, 10, 14, 1, 30, tzinfo=UTC)
    assert keynote_event.dtstart.utcoffset() == timedelta(hours=9)
    assert keynote_event.sequence == 2
    assert read[session_uid(104, DOMAIN)].summary == LONG_TITLE.both()
    assert str(read[session_uid(103, DOMAIN)].status.value) == "CANCELLED"


def test_recurring_ical_events_finds_each_session_at_its_instant() -> None:
    calendar = parse(feed())
    window = recurring_ical_events.of(calendar).between(kst(14, 0), kst(16, 0))
    found = {int(str(e["UID"]).split("@")[0].removeprefix("session-")): e for e in window}
    assert set(found) == set(expected_instants())
    for session_id, (start, end) in expected_instants().items():
        assert found[session_id].start.astimezone(UTC) == start
        assert found[session_id].end.astimezone(UTC) == end
    # 10:30 in Seoul is 01:30 UTC.
    assert found[101].start.astimezone(UTC).strftime("%H:%MZ") == "01:30Z"


def test_times_carry_the_forum_zone_and_a_matching_vtimezone() -> None:
    data = feed()
    text = unfold(data)
    assert "DTSTART;TZID=Asia/Seoul:20251014T103000\r\n" in text
    assert "DTEND;TZID=Asia/Seoul:20251014T113000\r\n" in text
    # Never floating, never UTC-only (VTIMEZONE's own DTSTART is local time by definition).
    vevents = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S)
    assert len(vevents) == 5
    for block in vevents:
        assert not re.search(r"^DT(START|END):", block, re.M)
        assert not re.search(r"^DT(START|END)[^\r]*Z\r$", block, re.M)
        assert len(re.findall(r"^DT(?:START|END);TZID=Asia/Seoul:\d{8}T\d{6}\r$", block, re.M)) == 2
    timezones = parse(data).walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Asia/Seoul"]
    assert "TZOFFSETTO:+0900" in text
    assert "X-WR-TIMEZONE:Asia/Seoul\r\n" in text


def test_another_zone_gets_its_own_vtimezone_with_dst() -> None:
    forum = sample_forum(timezone="Europe/Berlin")
    data = build_calendar(forum, [keynote()], domain=DOMAIN)
    text = unfold(data)
    # 01:30Z on 14 October is 03:30 CEST.
    assert "DTSTART;TZID=Europe/Berlin:20251014T033000\r\n" in text
    assert [str(tz["TZID"]) for tz in parse(data).walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert "TZOFFSETTO:+0200" in text


# --- calendar properties ------------------------------------------------------------------------


def test_calendar_level_properties() -> None:
    text = unfold(feed())
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert f"PRODID:{PRODID}" in lines
    assert "VERSION:2.0" in lines
    assert "CALSCALE:GREGORIAN" in lines
    assert "NAME:2025 서울 스마트시티 포럼 / Seoul Smart City Forum 2025" in lines
    assert "X-WR-CALNAME:2025 서울 스마트시티 포럼 / Seoul Smart City Forum 2025" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert not any(line.startswith("METHOD") for line in lines)
    assert not any(line.startswith(("ORGANIZER", "ATTENDEE")) for line in lines)


def test_name_overrides_the_calendar_name() -> None:
    data = feed(name=Bilingual(ko="나의 일정", en="My sessions"))
    assert parse(data)["X-WR-CALNAME"] == "나의 일정 / My sessions"
    assert parse(data)["NAME"] == "나의 일정 / My sessions"
    # An empty name falls back to the forum title rather than an empty calendar name.
    assert parse(feed(name=Bilingual()))["X-WR-CALNAME"] == sample_forum().title.both()


def test_publish_has_method_and_organizer_and_never_attendees() -> None:
    data = build_calendar(sample_forum(), [keynote()], domain=DOMAIN, method="PUBLISH")
    calendar = parse(data)
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:forum@smartcity.seoul.example"
    assert event["ORGANIZER"].params["CN"] == "서울특별시 스마트도시정책관"
    assert "ATTENDEE" not in event
    assert b"ATTENDEE" not in data


def test_organizer_flag_adds_organizer_to_feeds() -> None:
    data = feed(organizer=True)
    assert "METHOD" not in parse(data)
    organizers = {str(e["ORGANIZER"]) for e in parse(data).walk("VEVENT")}
    assert organizers == {"mailto:forum@smartcity.seoul.example"}


def test_no_organizer_without_an_address() -> None:
    forum = sample_forum(organizer_email="")
    data = build_calendar(forum, [keynote()], domain=DOMAIN, method="PUBLISH")
    assert b"ORGANIZER" not in data


def test_unsupported_method_is_refused() -> None:
    with pytest.raises(ValueError, match="REQUEST"):
        build_calendar(sample_forum(), [keynote()], domain=DOMAIN, method="REQUEST")


def test_naive_datetimes_are_refused() -> None:
    naive = keynote(start=datetime(2025, 10, 14, 10, 30))
    with pytest.raises(ValueError, match="naive"):
        build_calendar(sample_forum(), [naive], domain=DOMAIN)


def test_event_properties() -> None:
    event = events_by_uid(feed())[session_uid(101, DOMAIN)]
    assert event["SUMMARY"] == "개회 기조연설: 시민과 함께 만드는 스마트시티 / Opening keynote"
    assert event["LOCATION"] == (
        "대회의실 / Grand Hall, 서울시청 본관, 3층, 301호, 서울특별시 중구 세종대로 110"
    )
    assert str(event["URL"]) == "https://madang.example/forums/smart-city-2025/sessions/101"
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == 2
    assert event["DTSTAMP"].dt == stamp(1)
    assert event["LAST-MODIFIED"].dt == stamp(1)
    assert event.categories == ["keynote"]
    assert "TRANSP" not in event


def test_description_lists_text_speakers_page_and_streams() -> None:
    events = events_by_uid(feed())
    assert events[session_uid(101, DOMAIN)]["DESCRIPTION"] == (
        "서울의 스마트시티 전략을 소개합니다.\n\n"
        "Seoul's smart-city strategy, from sensors to services.\n\n"
        "Keynote / 기조연설: 이석우 / Lee Seok-woo (NIST)\n\n"
        "Session page: https://madang.example/forums/smart-city-2025/sessions/101\n"
        "Livestream: YouTube https://www.youtube.com/live/madang-101"
    )
    panel_text = events[session_uid(102, DOMAIN)]["DESCRIPTION"]
    speakers = [line for line in panel_text.split("\n") if ": " in line and "/" in line[:20]]
    assert speakers == [
        "Moderator / 좌장: 박준호 / Park Jun-ho (서울시)",
        "Panelist / 패널: 김민지 / Kim Min-ji (KAIST)",
        "Panelist / 패널: Anna Schmidt (TU Berlin)",
    ]


def test_a_place_and_an_affiliation_in_two_languages_give_both() -> None:
    # A calendar is read in any language: like the names, each part carries both.
    hall = dataclasses.replace(
        GRAND_HALL,
        building=Bilingual(ko="서울시청 본관", en="Seoul City Hall"),
        floor=Bilingual(ko="3층", en="3F"),
        room=Bilingual(),
        address=Bilingual(),
    )
    (lee,) = keynote().speakers
    lee = dataclasses.replace(lee, affiliation=Bilingual(ko="미국 국립표준연구원", en="NIST"))
    session = keynote(venue=hall, speakers=(lee,))
    event = events_by_uid(build_calendar(sample_forum(), [session], domain=DOMAIN))[
        session_uid(101, DOMAIN)
    ]
    assert event["LOCATION"] == "대회의실 / Grand Hall, 서울시청 본관 / Seoul City Hall, 3층 / 3F"
    assert "기조연설: 이석우 / Lee Seok-woo (미국 국립표준연구원 / NIST)" in event["DESCRIPTION"]


def test_online_session_without_venue_says_online() -> None:
    event = events_by_uid(feed())[session_uid(104, DOMAIN)]
    assert event["LOCATION"] == "온라인 / Online"


def test_streams_become_conference_properties() -> None:
    event = events_by_uid(feed())[session_uid(101, DOMAIN)]
    conference = event["CONFERENCE"]
    assert str(conference) == "https://www.youtube.com/live/madang-101"
    assert conference.params["VALUE"] == "URI"
    assert conference.params["FEATURE"] == "VIDEO"
    assert conference.params["LABEL"] == "YouTube"


def test_private_streams_only_when_asked() -> None:
    public = unfold(feed())
    for stream in (PANEL_ZOOM, WEBEX):
        assert stream.url not in public
    assert "secret102" not in public
    private = unfold(feed(include_private_streams=True))
    for stream in (PANEL_ZOOM, WEBEX):
        assert stream.url in private
    event = events_by_uid(feed(include_private_streams=True))[session_uid(102, DOMAIN)]
    labels = [c.params["LABEL"] for c in event["CONFERENCE"]]
    # The stream's own label where it has one, else the platform.
    assert labels == ["YouTube", "Zoom Q&A (참가자 전용)"]
    assert f"Livestream: Zoom Q&A (참가자 전용) {PANEL_ZOOM.url}" in event["DESCRIPTION"]
    # A stream without a label is named by its platform.
    webex = events_by_uid(feed(include_private_streams=True))[session_uid(104, DOMAIN)]
    assert f"Livestream: Webex {WEBEX.url}" in webex["DESCRIPTION"]


def test_cancelled_session_stays_with_status_and_prefix() -> None:
    event = events_by_uid(feed())[session_uid(103, DOMAIN)]
    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == CANCELLED_PREFIX + "드론 배송 시연 / Drone delivery demo"
    assert event["SUMMARY"].startswith("[취소됨 / Cancelled] ")
    assert event["TRANSP"] == "TRANSPARENT"


def test_cancelled_session_offers_no_stream_links() -> None:
    gone = cancelled(streams=(keynote().streams[0], PANEL_ZOOM))
    data = build_calendar(sample_forum(), [gone], domain=DOMAIN, include_private_streams=True)
    event = parse(data).walk("VEVENT")[0]
    assert "CONFERENCE" not in event
    assert "Livestream" not in event["DESCRIPTION"]
    assert "youtube" not in unfold(data)


def test_tentative_ids_mark_waitlisted_sessions() -> None:
    data = feed(tentative_ids=frozenset({102, 103}))
    events = events_by_uid(data)
    assert events[session_uid(102, DOMAIN)]["STATUS"] == "TENTATIVE"
    assert events[session_uid(101, DOMAIN)]["STATUS"] == "CONFIRMED"
    # Cancelled wins over tentative.
    assert events[session_uid(103, DOMAIN)]["STATUS"] == "CANCELLED"


def test_revision_changes_sequence_and_last_modified_not_uid() -> None:
    before = build_calendar(sample_forum(), [keynote()], domain=DOMAIN)
    later = stamp(20, 8)
    after = build_calendar(sample_forum(), [keynote(revision=3, updated_at=later)], domain=DOMAIN)
    old = parse(before).walk("VEVENT")[0]
    new = parse(after).walk("VEVENT")[0]
    assert old["UID"] == new["UID"] == "session-101@madang.example"
    assert (old["SEQUENCE"], new["SEQUENCE"]) == (2, 3)
    assert old["LAST-MODIFIED"].dt == stamp(1)
    assert new["LAST-MODIFIED"].dt == later
    assert new["DTSTAMP"].dt == later


def test_stamps_come_from_the_data_not_the_clock() -> None:
    session = keynote(updated_at=datetime(2025, 9, 1, 21, 0, 0, 123456, tzinfo=kst(1, 0).tzinfo))
    text = unfold(build_calendar(sample_forum(), [session], domain=DOMAIN))
    assert "DTSTAMP:20250901T210000Z\r\n" in text
    assert "LAST-MODIFIED:20250901T210000Z\r\n" in text


def test_session_uid() -> None:
    assert session_uid(42, "madang.example") == "session-42@madang.example"


def test_empty_calendar_is_still_valid() -> None:
    data = build_calendar(sample_forum(), [], domain=DOMAIN)
    assert_rfc5545_lines(data)
    assert parse(data).walk("VEVENT") == []
    assert b"X-WR-CALNAME:" in data
    # RFC 5545 3.4: a VCALENDAR holds at least one component (here the forum's time zone).
    assert [c.name for c in parse(data).subcomponents] == ["VTIMEZONE"]


def test_an_empty_feeds_time_zone_covers_the_forums_last_day() -> None:
    """Summer time ends in Berlin at 03:00 on 26 October 2025, the forum's last day: the
    VTIMEZONE of a feed without events covers it as a feed with an event that day does."""
    forum = sample_forum(
        timezone="Europe/Berlin", first_day=date(2025, 10, 25), last_day=date(2025, 10, 26)
    )
    [zone] = parse(build_calendar(forum, [], domain=DOMAIN)).walk("VTIMEZONE")
    standard = [c for c in zone.subcomponents if c.name == "STANDARD"]
    assert [(c["DTSTART"].dt, c["TZOFFSETTO"].to_ical()) for c in standard] == [
        (datetime(2025, 10, 26, 3, 0), "+0100")
    ]


def test_a_studio_is_never_given_as_the_place_to_go() -> None:
    event = events_by_uid(build_calendar(sample_forum(), [workshop()], domain=DOMAIN))
    assert event[session_uid(105, DOMAIN)]["LOCATION"] == "온라인 / Online"


def test_forum_streams_reach_the_sessions_watched_online_without_a_stream_of_their_own() -> None:
    forum_wide = StreamInfo(id=9, platform="YouTube", url="https://www.youtube.com/@seoul")
    online = keynote(id=201, format="online", streams=())
    in_person = keynote(id=202, format="in_person", streams=())
    own = keynote(id=203, format="hybrid")
    data = build_calendar(
        sample_forum(streams=(forum_wide,)), [online, in_person, own], domain=DOMAIN
    )
    events = events_by_uid(data)
    assert str(events[session_uid(201, DOMAIN)]["CONFERENCE"]) == forum_wide.url
    assert "CONFERENCE" not in events[session_uid(202, DOMAIN)]
    assert str(events[session_uid(203, DOMAIN)]["CONFERENCE"]) == YOUTUBE.url


def test_session_type_is_plain_data() -> None:
    # Guard for the factories: sessions are the real dataclass, so tests exercise real inputs.
    assert all(isinstance(s, SessionInfo) for s in sample_sessions())


# --- details each rule owns -------------------------------------------------------------------


def test_stamps_are_written_in_utc_whatever_zone_they_come_in() -> None:
    edited = keynote(updated_at=datetime(2025, 9, 1, 21, 0, tzinfo=KST))
    text = unfold(build_calendar(sample_forum(), [edited], domain=DOMAIN))
    assert "DTSTAMP:20250901T120000Z\r\n" in text
    assert "LAST-MODIFIED:20250901T120000Z\r\n" in text


def test_a_session_without_a_kind_has_no_categories() -> None:
    text = unfold(build_calendar(sample_forum(), [keynote(kind="")], domain=DOMAIN))
    assert "CATEGORIES" not in text


def test_the_organizer_is_named_when_the_forum_has_a_name() -> None:
    data = build_calendar(sample_forum(), [keynote()], domain=DOMAIN, method="PUBLISH")
    assert (
        'ORGANIZER;CN="서울특별시 스마트도시정책관":mailto:forum@smartcity.seoul.example\r\n'
        in unfold(data)
    )
    nameless = sample_forum(organizer_name=Bilingual())
    data = build_calendar(nameless, [keynote()], domain=DOMAIN, method="PUBLISH")
    assert "ORGANIZER:mailto:forum@smartcity.seoul.example\r\n" in unfold(data)


def test_a_session_in_no_venue_and_not_online_has_no_location() -> None:
    session = keynote(venue=None, format="in_person")
    assert "LOCATION" not in unfold(build_calendar(sample_forum(), [session], domain=DOMAIN))


def test_a_role_without_a_label_is_spelled_out() -> None:
    chair = SpeakerRole(21, Bilingual(en="Kim Min-ji"), "session_chair")
    session = keynote(speakers=(chair,))
    event = events_by_uid(build_calendar(sample_forum(), [session], domain=DOMAIN))
    (description,) = [str(e["DESCRIPTION"]) for e in event.values()]
    assert "Session chair: Kim Min-ji" in description.split("\n")


def test_a_description_the_same_in_both_languages_is_given_once() -> None:
    same = keynote(description=Bilingual(ko="Smart city", en="Smart city"), url=None)
    events = events_by_uid(build_calendar(sample_forum(), [same], domain=DOMAIN))
    (description,) = [str(e["DESCRIPTION"]) for e in events.values()]
    assert description.count("Smart city") == 1
    assert "Session page" not in description  # no page, no link


def test_a_meeting_point_opens_the_description_in_the_forum_zone() -> None:
    meeting = MeetingInfo(
        place=Bilingual(ko="시청 정문", en="City Hall, main entrance"),
        at=datetime(2026, 4, 1, 4, 15, tzinfo=UTC),  # 13:15 in Seoul
        note=Bilingual(ko="버스는 13:20 출발", en="The bus leaves at 13:20"),
    )
    tour = keynote(meeting=meeting)
    events = events_by_uid(build_calendar(sample_forum(), [tour], domain=DOMAIN))
    (description,) = [str(e["DESCRIPTION"]) for e in events.values()]
    lines = description.split("\n")
    assert lines[:3] == [
        "집결 장소 / Meeting point: 13:15, 시청 정문 / City Hall, main entrance",
        "버스는 13:20 출발",
        "The bus leaves at 13:20",
    ]
    # No time, one language, a note the same in both: the place alone, the note once.
    bare = keynote(
        meeting=MeetingInfo(place=Bilingual(en="Gate 3"), note=Bilingual(ko="ID", en="ID"))
    )
    events = events_by_uid(build_calendar(sample_forum(), [bare], domain=DOMAIN))
    (description,) = [str(e["DESCRIPTION"]) for e in events.values()]
    assert description.split("\n")[:2] == ["집결 장소 / Meeting point: Gate 3", "ID"]
    assert description.count("ID") == 1


def test_a_datetime_whose_zone_gives_no_offset_is_refused() -> None:
    class NoOffset(tzinfo):
        def utcoffset(self, dt):
            return None

    with pytest.raises(ValueError, match="naive"):
        build_calendar(
            sample_forum(),
            [keynote(start=datetime(2025, 10, 14, 10, tzinfo=NoOffset()))],
            domain=DOMAIN,
        )


def test_a_lone_carriage_return_becomes_a_line_break() -> None:
    session = keynote(title=Bilingual(ko="첫 줄\r둘째 줄", en=""))
    assert "SUMMARY:첫 줄\\n둘째 줄\r\n" in unfold(
        build_calendar(sample_forum(), [session], domain=DOMAIN)
    )


def test_the_vtimezone_covers_the_forum_days_in_its_own_zone() -> None:
    # Berlin moves to summer time early on 30 March 2025. A forum on 31 March with a session
    # at 00:30 local time (22:30 UTC the day before) needs summer time only.
    forum = sample_forum(
        timezone="Europe/Berlin", first_day=date(2025, 3, 31), last_day=date(2025, 3, 31)
    )
    berlin = ZoneInfo("Europe/Berlin")
    early = keynote(
        start=datetime(2025, 3, 31, 0, 30, tzinfo=berlin),
        end=datetime(2025, 3, 31, 1, 0, tzinfo=berlin),
    )
    (timezone,) = parse(build_calendar(forum, [early], domain=DOMAIN)).walk("VTIMEZONE")
    assert [c.name for c in timezone.subcomponents] == ["DAYLIGHT"]
