"""Conflict detection: each code with cases that must and must not fire."""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.conflicts import CODES, Conflict, find_conflicts
from scheduling.types import (
    Bilingual,
    ForumInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
    VenueInfo,
)

KST = ZoneInfo("Asia/Seoul")
DAY1 = date(2025, 10, 14)
DAY2 = date(2025, 10, 15)

FORUM = ForumInfo(
    id=1,
    slug="smart-seoul-2025",
    title=Bilingual("스마트 서울 포럼", "Smart Seoul Forum"),
    timezone="Asia/Seoul",
    first_day=DAY1,
    last_day=DAY2,
    updated_at=datetime(2025, 9, 1, tzinfo=UTC),
)

HALL = VenueInfo(1, Bilingual("대강당", "Main Hall"), "hall", seats=300)
ROOM_A = VenueInfo(2, Bilingual("회의실 A", "Room A"), "hall", seats=40)
STUDIO = VenueInfo(3, Bilingual("방송 스튜디오", "Studio"), "studio")
KIM = SpeakerRole(7, Bilingual("김민지", "Kim Minji"), "presenter")
LEE = SpeakerRole(8, Bilingual("이준호", "Lee Junho"), "moderator")
YOUTUBE = StreamInfo(1, "youtube", "https://youtube.com/live/abc")


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def session(
    id: int,
    start: str | datetime,
    end: str | datetime,
    *,
    day: date = DAY1,
    venue: VenueInfo | None = HALL,
    format: str = "in_person",
    status: str = "scheduled",
    parent_id: int | None = None,
    speakers: tuple[SpeakerRole, ...] = (),
    streams: tuple[StreamInfo, ...] = (),
    seats: int | None = None,
) -> SessionInfo:
    return SessionInfo(
        id=id,
        title=Bilingual(f"세션 {id}", f"Session {id}"),
        kind="talk",
        format=format,
        start=at(day, start) if isinstance(start, str) else start,
        end=at(day, end) if isinstance(end, str) else end,
        status=status,
        revision=1,
        updated_at=datetime(2025, 9, 1, tzinfo=UTC),
        venue=venue,
        speakers=speakers,
        streams=streams,
        parent_id=parent_id,
        seats=seats,
    )


def of(code: str, sessions: list[SessionInfo]) -> list[Conflict]:
    return [c for c in find_conflicts(FORUM, sessions) if c.code == code]


def keys(code: str, sessions: list[SessionInfo]) -> list[str]:
    return [c.key for c in of(code, sessions)]


# -- end_not_after_start ----------------------------------------------------------------------


def test_end_equal_or_before_start_is_flagged() -> None:
    sessions = [session(1, "10:00", "10:00"), session(2, "11:00", "10:30")]
    found = of("end_not_after_start", sessions)
    assert [c.session_ids for c in found] == [(1,), (2,)]
    assert found[0].key == "end_not_after_start:1"
    assert "10:00" in found[0].message_en and "10:00" in found[0].message_ko


def test_end_after_start_is_fine() -> None:
    assert of("end_not_after_start", [session(1, "10:00", "10:01")]) == []


def test_end_not_after_start_still_reported_for_cancelled() -> None:
    # Bad data is worth fixing even on a cancelled row.
    cancelled = session(1, "10:00", "09:00", status="cancelled")
    assert keys("end_not_after_start", [cancelled]) == ["end_not_after_start:1"]


def test_zero_length_session_collides_with_nothing() -> None:
    sessions = [session(1, "10:30", "10:30"), session(2, "10:00", "11:00")]
    assert of("venue_double_booked", sessions) == []


# -- outside_forum_days -----------------------------------------------------------------------


def test_tour_the_evening_before_is_flagged() -> None:
    tour = session(1, "18:00", "20:00", day=DAY1 - timedelta(days=1), venue=None)
    found = of("outside_forum_days", [tour])
    assert [c.key for c in found] == ["outside_forum_days:1"]
    assert "2025-10-13 18:00" in found[0].message_en
    assert "2025-10-14" in found[0].message_ko and "2025-10-15" in found[0].message_ko


def test_forum_day_edges_are_inside() -> None:
    first_minute = session(1, "00:00", "01:00")
    until_midnight = session(2, at(DAY2, "23:00"), at(DAY2 + timedelta(days=1), "00:00"))
    assert of("outside_forum_days", [first_minute, until_midnight]) == []


def test_running_past_the_last_midnight_is_flagged() -> None:
    late = session(1, at(DAY2, "23:00"), at(DAY2 + timedelta(days=1), "00:30"))
    assert keys("outside_forum_days", [late]) == ["outside_forum_days:1"]


def test_forum_days_are_taken_in_the_forum_zone() -> None:
    # 16:00 UTC the day before is 01:00 KST on day one: inside, though UTC says otherwise.
    early = session(1, datetime(2025, 10, 13, 16, 0, tzinfo=UTC), at(DAY1, "02:00"))
    # 15:30 UTC on the last day is 00:30 KST the next day: outside.
    late_start = datetime(2025, 10, 15, 15, 30, tzinfo=UTC)
    late = session(2, late_start, late_start + timedelta(hours=1))
    assert keys("outside_forum_days", [early, late]) == ["outside_forum_days:2"]


def test_cancelled_session_outside_the_days_is_not_flagged() -> None:
    tour = session(1, "18:00", "20:00", day=DAY1 - timedelta(days=1), status="cancelled")
    assert of("outside_forum_days", [tour]) == []


# -- venue_double_booked ----------------------------------------------------------------------


def test_overlap_in_the_same_venue_is_flagged() -> None:
    found = of(
        "venue_double_booked", [session(15, "10:00", "11:00"), session(12, "10:30", "12:00")]
    )
    assert len(found) == 1
    assert found[0].session_ids == (12, 15)
    assert found[0].key == "venue_double_booked:12:15"
    # The message names the venue and the overlapping window in local time.
    assert "Main Hall" in found[0].message_en and "10:30–11:00" in found[0].message_en
    assert "대강당" in found[0].message_ko and "세션 12" in found[0].message_ko


def test_touching_sessions_do_not_overlap() -> None:
    assert (
        of("venue_double_booked", [session(1, "10:00", "11:00"), session(2, "11:00", "12:00")])
        == []
    )


def test_overlap_in_different_venues_or_online_is_fine() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=HALL),
        session(2, "10:00", "11:00", venue=ROOM_A),
        session(3, "10:00", "11:00", venue=None, format="online"),
        session(4, "10:00", "11:00", venue=None, format="online"),
    ]
    assert of("venue_double_booked", sessions) == []


def test_cancelled_session_does_not_double_book() -> None:
    sessions = [session(1, "10:00", "11:00"), session(2, "10:00", "11:00", status="cancelled")]
    assert of("venue_double_booked", sessions) == []


def test_block_and_its_parts_share_the_venue() -> None:
    block = session(1, "13:00", "15:00")
    parts = [session(2, "13:00", "14:00", parent_id=1), session(3, "14:00", "15:00", parent_id=1)]
    assert of("venue_double_booked", [block, *parts]) == []


def test_block_and_nested_grandchild_share_the_venue() -> None:
    sessions = [
        session(1, "13:00", "17:00"),
        session(2, "13:00", "15:00", parent_id=1),
        session(3, "13:00", "14:00", parent_id=2),
    ]
    assert of("venue_double_booked", sessions) == []


def test_two_parts_overlapping_in_the_venue_are_a_conflict() -> None:
    block = session(1, "13:00", "15:00")
    parts = [session(2, "13:00", "14:00", parent_id=1), session(3, "13:30", "15:00", parent_id=1)]
    assert keys("venue_double_booked", [block, *parts]) == ["venue_double_booked:2:3"]


def test_part_clashes_with_another_blocks_session() -> None:
    sessions = [
        session(1, "13:00", "15:00", venue=ROOM_A),
        session(2, "13:00", "14:00", parent_id=1, venue=HALL),
        session(3, "13:30", "14:30", venue=HALL),  # not part of block 1
    ]
    assert keys("venue_double_booked", sessions) == ["venue_double_booked:2:3"]


def test_parent_cycle_does_not_hang() -> None:
    sessions = [
        session(1, "10:00", "11:00", parent_id=2),
        session(2, "10:00", "11:00", parent_id=1),
    ]
    # Each counts as the other's block, so no double booking; the cycle just ends the walk.
    assert of("venue_double_booked", sessions) == []


# -- speaker_double_booked --------------------------------------------------------------------


def test_speaker_in_two_overlapping_sessions_is_flagged() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, speakers=(KIM,)),
        session(2, "10:30", "11:30", venue=ROOM_A, speakers=(KIM,)),
    ]
    found = of("speaker_double_booked", sessions)
    assert [c.key for c in found] == ["speaker_double_booked:1:2:speaker=7"]
    assert "Kim Minji" in found[0].message_en and "김민지" in found[0].message_ko


def test_each_shared_speaker_is_a_separate_conflict() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, speakers=(KIM, LEE, KIM)),
        session(2, "10:30", "11:30", venue=ROOM_A, speakers=(LEE, KIM)),
    ]
    assert keys("speaker_double_booked", sessions) == [
        "speaker_double_booked:1:2:speaker=7",
        "speaker_double_booked:1:2:speaker=8",
    ]


def test_speaker_without_overlap_or_other_speaker_is_fine() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, speakers=(KIM,)),
        session(2, "11:00", "12:00", venue=ROOM_A, speakers=(KIM,)),
        session(3, "10:00", "11:00", venue=ROOM_A, speakers=(LEE,)),
    ]
    assert of("speaker_double_booked", sessions) == []


def test_block_moderator_speaking_in_a_part_is_fine() -> None:
    block = session(1, "13:00", "15:00", speakers=(LEE,))
    part = session(2, "13:30", "14:00", parent_id=1, speakers=(LEE,))
    assert of("speaker_double_booked", [block, part]) == []


def test_cancelled_session_does_not_double_book_a_speaker() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, speakers=(KIM,)),
        session(2, "10:30", "11:30", venue=ROOM_A, speakers=(KIM,), status="cancelled"),
    ]
    assert of("speaker_double_booked", sessions) == []


# -- seats_exceed_venue -----------------------------------------------------------------------


def test_more_seats_than_the_venue_holds_is_flagged() -> None:
    found = of("seats_exceed_venue", [session(1, "10:00", "11:00", venue=ROOM_A, seats=41)])
    assert [c.key for c in found] == ["seats_exceed_venue:1"]
    assert "41" in found[0].message_en and "40" in found[0].message_ko


@pytest.mark.parametrize(
    ("venue", "seats", "status"),
    [
        (ROOM_A, 40, "scheduled"),  # exactly full
        (ROOM_A, None, "scheduled"),  # session seats unknown
        (STUDIO, 500, "scheduled"),  # venue capacity unknown
        (None, 500, "scheduled"),  # no venue
        (ROOM_A, 41, "cancelled"),
    ],
)
def test_seats_within_or_unknown_are_fine(
    venue: VenueInfo | None, seats: int | None, status: str
) -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=venue, seats=seats, status=status, format="online")
    ]
    assert of("seats_exceed_venue", sessions) == []


# -- audience_in_studio -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["in_person", "hybrid"])
def test_audience_in_a_studio_is_flagged(fmt: str) -> None:
    found = of("audience_in_studio", [session(1, "10:00", "11:00", venue=STUDIO, format=fmt)])
    assert [c.key for c in found] == ["audience_in_studio:1"]
    assert "Studio" in found[0].message_en and "방송 스튜디오" in found[0].message_ko


def test_online_session_in_a_studio_or_live_one_in_a_hall_is_fine() -> None:
    sessions = [
        session(1, "10:00", "11:00", venue=STUDIO, format="online"),
        session(2, "10:00", "11:00", venue=HALL, format="hybrid"),
        session(3, "12:00", "13:00", venue=STUDIO, format="in_person", status="cancelled"),
    ]
    assert of("audience_in_studio", sessions) == []


# -- stream_shared ----------------------------------------------------------------------------


def test_same_stream_url_in_overlapping_sessions_is_flagged() -> None:
    other_record = StreamInfo(2, "youtube", " https://youtube.com/live/abc ")  # same URL, padded
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, streams=(YOUTUBE,)),
        session(2, "10:30", "11:30", venue=ROOM_A, streams=(other_record,)),
    ]
    found = of("stream_shared", sessions)
    assert len(found) == 1
    assert found[0].session_ids == (1, 2)
    assert found[0].key.startswith("stream_shared:1:2:url=")
    assert "https://youtube.com/live/abc" in found[0].message_en
    # The key is a pure function of the facts, so it matches on the next run.
    assert keys("stream_shared", list(reversed(sessions))) == [found[0].key]


def test_stream_not_shared_or_not_overlapping_is_fine() -> None:
    other = StreamInfo(2, "zoom", "https://zoom.us/j/1")
    blank = StreamInfo(3, "zoom", "  ")
    sessions = [
        session(1, "10:00", "11:00", venue=HALL, streams=(YOUTUBE, blank)),
        session(2, "10:30", "11:30", venue=ROOM_A, streams=(other, blank)),
        session(3, "11:00", "12:00", venue=HALL, streams=(YOUTUBE,)),
        session(4, "10:00", "11:00", venue=STUDIO, streams=(YOUTUBE,), status="cancelled"),
    ]
    assert of("stream_shared", sessions) == []


def test_block_and_part_may_share_a_stream() -> None:
    block = session(1, "13:00", "15:00", streams=(YOUTUBE,))
    part = session(2, "13:00", "14:00", parent_id=1, venue=ROOM_A, streams=(YOUTUBE,))
    assert of("stream_shared", [block, part]) == []


# -- part_outside_block -----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [("12:45", "13:30"), ("14:30", "15:15")])
def test_part_outside_its_block_is_flagged(start: str, end: str) -> None:
    block = session(10, "13:00", "15:00")
    part = session(3, start, end, parent_id=10)
    found = of("part_outside_block", [block, part])
    assert [(c.session_ids, c.key) for c in found] == [((3, 10), "part_outside_block:3:10")]
    assert "Session 10" in found[0].message_en and "세션 3" in found[0].message_ko


def test_part_inside_or_matching_its_block_is_fine() -> None:
    sessions = [
        session(10, "13:00", "15:00"),
        session(3, "13:00", "15:00", parent_id=10),
        session(4, "13:30", "14:00", parent_id=10),
        session(5, "09:00", "10:00", parent_id=99),  # block not given: nothing to check against
        session(6, "09:00", "10:00", parent_id=10, status="cancelled"),
    ]
    assert of("part_outside_block", sessions) == []


# -- whole result -----------------------------------------------------------------------------


def test_empty_programme_has_no_conflicts() -> None:
    assert find_conflicts(FORUM, []) == []


def test_result_is_sorted_and_independent_of_input_order() -> None:
    sessions = [
        session(5, "10:00", "11:00", venue=STUDIO, speakers=(KIM,)),
        session(4, "10:30", "11:30", venue=STUDIO, speakers=(KIM,)),
        session(3, "09:00", "08:00"),
        session(2, "10:00", "11:00", venue=ROOM_A, seats=100),
        session(1, "10:15", "10:45", venue=ROOM_A),
    ]
    found = find_conflicts(FORUM, sessions)
    assert [(c.code, c.session_ids) for c in found] == [
        ("audience_in_studio", (4,)),
        ("audience_in_studio", (5,)),
        ("end_not_after_start", (3,)),
        ("seats_exceed_venue", (2,)),
        ("speaker_double_booked", (4, 5)),
        ("venue_double_booked", (1, 2)),
        ("venue_double_booked", (4, 5)),
    ]
    shuffled = sessions[:]
    random.Random(3).shuffle(shuffled)
    assert find_conflicts(FORUM, shuffled) == found
    assert {c.code for c in found} <= set(CODES)


# -- scale ------------------------------------------------------------------------------------


def _random_programme(rng: random.Random, count: int) -> list[SessionInfo]:
    venues = [VenueInfo(v, Bilingual(f"방 {v}", f"Room {v}"), "hall", seats=100) for v in range(12)]
    people = [
        SpeakerRole(p, Bilingual(f"연사 {p}", f"Speaker {p}"), "presenter") for p in range(60)
    ]
    urls = [StreamInfo(u, "youtube", f"https://example.org/live/{u}") for u in range(6)]
    sessions: list[SessionInfo] = []
    for sid in range(1, count + 1):
        day = rng.choice([DAY1, DAY2])
        start = at(day, f"{rng.randrange(8, 19)}:{rng.choice([0, 10, 15, 30, 45])}")
        end = start + timedelta(minutes=rng.choice([10, 20, 30, 45, 60, 90]))
        # Some parts of earlier sessions, so the block exemption is exercised at scale.
        parent = rng.randrange(1, sid) if sid > 1 and rng.random() < 0.15 else None
        sessions.append(
            session(
                sid,
                start,
                end,
                venue=rng.choice([*venues, None]),
                status="cancelled" if rng.random() < 0.05 else "scheduled",
                parent_id=parent,
                speakers=tuple(rng.sample(people, rng.randrange(0, 3))),
                streams=tuple(rng.sample(urls, rng.randrange(0, 2))),
            )
        )
    return sessions


def _expected_overlap_keys(sessions: list[SessionInfo]) -> set[str]:
    """The pairwise definition, O(n²), to check the sweep against."""
    by_id = {s.id: s for s in sessions}

    def ancestors(s: SessionInfo) -> set[int]:
        found: set[int] = set()
        while s.parent_id is not None and s.parent_id not in found:
            found.add(s.parent_id)
            s = by_id[s.parent_id]
        return found

    expected: set[str] = set()
    live = [s for s in sessions if s.status != "cancelled" and s.end > s.start]
    for a, b in itertools.combinations(sorted(live, key=lambda s: s.id), 2):
        if not (a.start < b.end and b.start < a.end):
            continue
        if a.id in ancestors(b) or b.id in ancestors(a):
            continue
        if a.venue is not None and b.venue is not None and a.venue.id == b.venue.id:
            expected.add(f"venue_double_booked:{a.id}:{b.id}")
        shared = {r.speaker_id for r in a.speakers} & {r.speaker_id for r in b.speakers}
        expected |= {f"speaker_double_booked:{a.id}:{b.id}:speaker={p}" for p in shared}
        if {x.url for x in a.streams} & {x.url for x in b.streams}:
            expected.add(f"stream_shared:{a.id}:{b.id}")
    return expected


def test_five_hundred_sessions_match_the_pairwise_definition() -> None:
    sessions = _random_programme(random.Random(20251014), 500)
    found = find_conflicts(FORUM, sessions)
    overlap_codes = {"venue_double_booked", "speaker_double_booked", "stream_shared"}
    # Stream keys end in a URL digest; compare them up to that suffix.
    got = {c.key.rsplit(":url=", 1)[0] for c in found if c.code in overlap_codes}
    expected = _expected_overlap_keys(sessions)
    assert expected, "the random programme should contain overlaps"
    assert got == expected
    assert len({c.key for c in found}) == len(found)  # keys are unique
    assert found == sorted(found, key=lambda c: (c.code, c.session_ids, c.key))


# -- messages and keys in full ----------------------------------------------------------------


def test_every_conflict_reads_in_full_in_both_languages() -> None:
    """What the organizer reads, word for word: names, times in the forum's zone, keys."""
    sessions = [
        session(1, "11:00", "10:30", venue=None),
        session(2, "18:00", "20:00", day=DAY1 - timedelta(days=1), venue=None),
        session(3, "09:00", "10:00", venue=ROOM_A, seats=50),
        session(4, "09:00", "10:00", venue=STUDIO, format="in_person"),
        session(10, "13:00", "15:00", venue=None),
        session(11, "12:45", "13:30", venue=None, parent_id=10),
        session(20, "16:00", "17:00"),
        session(21, "16:30", "17:30"),
        session(30, "18:00", "19:00", venue=None, speakers=(KIM,)),
        session(31, "18:30", "19:30", venue=None, speakers=(KIM,)),
        session(40, "10:00", "11:00", day=DAY2, venue=None, format="online", streams=(YOUTUBE,)),
        session(41, "10:30", "23:30", day=DAY2, venue=None, format="online", streams=(YOUTUBE,)),
    ]
    digest = hashlib.sha256(YOUTUBE.url.encode()).hexdigest()[:12]
    found = [
        (c.code, c.session_ids, c.key, c.message_en, c.message_ko)
        for c in find_conflicts(FORUM, sessions)
    ]
    assert found == [
        (
            "audience_in_studio",
            (4,),
            "audience_in_studio:4",
            'Session #4 "Session 4" is in-person but Studio is a broadcast studio with no '
            "audience.",
            "세션 #4 「세션 4」: 현장 참석이 있는 세션인데 장소(방송 스튜디오)는 관객이 없는 "
            "방송 스튜디오입니다.",
        ),
        (
            "end_not_after_start",
            (1,),
            "end_not_after_start:1",
            'Session #1 "Session 1" ends (2025-10-14 10:30) no later than it starts '
            "(2025-10-14 11:00).",
            "세션 #1 「세션 1」: 종료 시각(2025-10-14 10:30)이 시작 시각(2025-10-14 11:00) "
            "이후가 아닙니다.",
        ),
        (
            "outside_forum_days",
            (2,),
            "outside_forum_days:2",
            'Session #2 "Session 2" (2025-10-13 18:00–20:00) falls outside the forum days '
            "2025-10-14 – 2025-10-15.",
            "세션 #2 「세션 2」(2025-10-13 18:00–20:00): 포럼 기간(2025-10-14 – 2025-10-15) "
            "밖의 일정입니다.",
        ),
        (
            "part_outside_block",
            (10, 11),
            "part_outside_block:10:11",
            'Part #11 "Session 11" (2025-10-14 12:45–13:30) runs outside its block '
            '#10 "Session 10" (2025-10-14 13:00–15:00).',
            "세부 세션 #11 「세션 11」(2025-10-14 12:45–13:30)의 시간이 상위 블록 "
            "#10 「세션 10」(2025-10-14 13:00–15:00)의 범위를 벗어납니다.",
        ),
        (
            "seats_exceed_venue",
            (3,),
            "seats_exceed_venue:3",
            'Session #3 "Session 3" offers 50 seats but Room A holds 40.',
            "세션 #3 「세션 3」: 좌석 수(50)가 장소(회의실 A)의 수용 인원(40)을 넘습니다.",
        ),
        (
            "speaker_double_booked",
            (30, 31),
            "speaker_double_booked:30:31:speaker=7",
            'Speaker Kim Minji is in two overlapping sessions: #30 "Session 30" and '
            '#31 "Session 31" (2025-10-14 18:30–19:00).',
            "시간이 겹치는 두 세션에 같은 연사(김민지)가 배정되어 있습니다: "
            "#30 「세션 30」, #31 「세션 31」 (2025-10-14 18:30–19:00)",
        ),
        (
            "stream_shared",
            (40, 41),
            f"stream_shared:40:41:url={digest}",
            'Sessions #40 "Session 40" and #41 "Session 41" overlap (2025-10-15 10:30–11:00) '
            "and use the same stream https://youtube.com/live/abc.",
            "시간이 겹치는 세션이 같은 중계 주소(https://youtube.com/live/abc)를 사용합니다: "
            "#40 「세션 40」, #41 「세션 41」 (2025-10-15 10:30–11:00)",
        ),
        (
            "venue_double_booked",
            (20, 21),
            "venue_double_booked:20:21",
            'Sessions #20 "Session 20" and #21 "Session 21" overlap in Main Hall '
            "(2025-10-14 16:30–17:00).",
            "같은 장소(대강당)에서 시간이 겹치는 세션: #20 「세션 20」, #21 「세션 21」 "
            "(2025-10-14 16:30–17:00)",
        ),
    ]


# -- edges the checks must not blur -----------------------------------------------------------


def test_an_instant_at_the_midnight_after_the_last_day_is_outside() -> None:
    midnight = at(DAY2 + timedelta(days=1), "00:00")
    found = keys("outside_forum_days", [session(1, midnight, midnight)])
    assert found == ["outside_forum_days:1"]


def test_an_instant_at_the_first_midnight_is_inside() -> None:
    midnight = at(DAY1, "00:00")
    assert of("outside_forum_days", [session(1, midnight, midnight)]) == []


def test_every_part_outside_its_block_is_found_whatever_comes_before_it() -> None:
    sessions = [
        session(10, "13:00", "15:00"),
        session(5, "09:00", "10:00", parent_id=99),  # its block is not given: skipped
        session(3, "13:00", "14:00", parent_id=10),  # inside: fine
        session(4, "14:30", "15:30", parent_id=10),  # outside
    ]
    assert keys("part_outside_block", sessions) == ["part_outside_block:4:10"]


def test_a_part_whose_block_is_not_given_still_collides_with_others() -> None:
    sessions = [session(3, "10:00", "11:00", parent_id=99), session(4, "10:30", "11:30")]
    assert keys("venue_double_booked", sessions) == ["venue_double_booked:3:4"]
