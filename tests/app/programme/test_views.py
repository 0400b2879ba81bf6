"""The programme service: published forums, the forum tree, the mapping to plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import event

from app.models import StreamLink
from app.programme import views as programme
from scheduling.types import Bilingual, ForumInfo, SessionInfo

BASE = "http://madang.test"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _stream(db, forum, session=None, *, visibility="public", platform="YouTube"):
    link = StreamLink(
        forum=forum,
        session=session,
        platform=platform,
        url=f"https://example.org/{platform.lower()}/{visibility}",
        visibility=visibility,
    )
    db.session.add(link)
    db.session.commit()
    return link


# -- registration window and seats ------------------------------------------------------------


def test_registration_state_follows_the_window(make_forum):
    opens = datetime(2023, 9, 1, 0, 0, tzinfo=UTC)
    closes = datetime(2023, 9, 20, 14, 59, tzinfo=UTC)
    forum = make_forum(
        first_day=date(2023, 9, 26),
        last_day=date(2023, 9, 26),
        registration_opens_at=opens,
        registration_closes_at=closes,
    )
    assert programme.registration_state(forum, opens - timedelta(seconds=1)) == (
        "not_open",
        opens,
        closes,
    )
    state, got_opens, got_closes = programme.registration_state(forum, opens)
    assert (state, got_opens, got_closes) == ("open", opens, closes)
    assert programme.registration_state(forum, closes).state == "closed"


def test_without_an_opening_date_registration_is_not_open(make_forum):
    forum = make_forum(registration_opens_at=None, registration_closes_at=None)
    state = programme.registration_state(forum, datetime.now(UTC))
    assert state.state == "not_open"
    assert state.opens is None


def test_without_a_deadline_registration_closes_when_the_forum_ends(make_forum):
    forum = make_forum(
        first_day=date(2020, 9, 22),
        last_day=date(2020, 9, 23),
        registration_opens_at=datetime(2020, 9, 1, tzinfo=UTC),
        registration_closes_at=None,
    )
    state = programme.registration_state(forum, datetime(2020, 9, 23, 14, 0, tzinfo=UTC))
    assert state.state == "open"
    # Midnight after the last day in Seoul is 15:00 UTC on that day.
    assert state.closes == datetime(2020, 9, 23, 15, 0, tzinfo=UTC)
    assert programme.registration_state(forum, state.closes).state == "closed"


def test_seats_left_for_the_forum_and_a_session(make_forum, make_session):
    forum = make_forum(in_person_capacity=200, in_person_taken=195)
    assert programme.forum_seats_left(forum) == 5
    unlimited = make_forum(in_person_capacity=None)
    assert programme.forum_seats_left(unlimited) is None
    over = make_forum(in_person_capacity=10, in_person_taken=12)
    assert programme.forum_seats_left(over) == 0

    tour = make_session(forum, seats=30, seats_taken=28)
    open_hall = make_session(forum, seats=None)
    assert programme.session_seats_left(tour) == 2
    assert programme.session_seats_left(open_hall) is None


# -- the list ---------------------------------------------------------------------------------


def test_published_forums_upcoming_first_then_archive_latest_first(make_forum):
    today = NOW.date()
    make_forum(slug="past-2018", first_day=date(2018, 9, 19), last_day=date(2018, 9, 19))
    make_forum(slug="past-2023", first_day=date(2023, 9, 26), last_day=date(2023, 9, 26))
    make_forum(slug="later", first_day=today + timedelta(90), last_day=today + timedelta(91))
    make_forum(slug="soon", first_day=today + timedelta(10), last_day=today + timedelta(10))
    make_forum(slug="running", first_day=today - timedelta(1), last_day=today + timedelta(1))
    make_forum(slug="secret", status="draft", first_day=today + timedelta(5))

    listing = programme.published_forums(NOW)

    assert [e.forum.slug for e in listing.upcoming] == ["running", "soon", "later"]
    assert [e.forum.slug for e in listing.archive] == ["past-2023", "past-2018"]
    assert [e.forum.slug for e in listing.all][:3] == ["running", "soon", "later"]
    assert all(e.upcoming for e in listing.upcoming)
    assert not any(e.upcoming for e in listing.archive)


def test_get_published_forum_hides_drafts_and_unknown(make_forum):
    make_forum(slug="public")
    make_forum(slug="draft", status="draft")
    assert programme.get_published_forum("public").slug == "public"
    assert programme.get_published_forum("draft") is None
    assert programme.get_published_forum("nope") is None


# -- mapping to plain data --------------------------------------------------------------------


def test_forum_info_is_complete(db, make_forum, make_venue, make_session, make_speaker):
    forum = make_forum(
        slug="sds-2018",
        title_ko="서울 디지털 서밋 2018",
        title_en="Seoul Digital Summit 2018",
        theme_ko="시민의 삶을 바꾸는 스마트시티",
        theme_en="Smart City that changes citizens' lives",
        first_day=date(2018, 9, 19),
        last_day=date(2018, 9, 19),
        format="in_person",
    )
    hall = make_venue(forum, seats=300)
    block = make_session(forum, start="14:00", end="17:00", kind="plenary", title_en="Forum")
    part = make_session(
        forum,
        start="14:00",
        end="15:30",
        venue=hall,
        parent=block,
        seats=120,
        revision=3,
        title_ko="호모 사피엔시티",
        title_en="Homo Sapiencity",
    )
    moderator = make_speaker(forum, name_en="Moderator", name_ko="좌장")
    panelist = make_speaker(forum, name_en="Panelist", name_ko="", affiliation_en="Arm")
    from app.models import SessionSpeaker

    db.session.add_all(
        [
            SessionSpeaker(session=part, speaker=panelist, role="panelist", position=2),
            SessionSpeaker(session=part, speaker=moderator, role="moderator", position=1),
        ]
    )
    db.session.commit()
    _stream(db, forum, platform="TBS")
    _stream(db, forum, platform="Secret", visibility="registrants")
    _stream(db, forum, part, platform="YouTube")
    _stream(db, forum, part, platform="Zoom", visibility="registrants")

    forum = programme.get_published_forum("sds-2018")
    info = programme.forum_info(forum, base_url=BASE + "/")

    assert isinstance(info, ForumInfo)
    assert info.slug == "sds-2018"
    assert info.title == Bilingual("서울 디지털 서밋 2018", "Seoul Digital Summit 2018")
    assert info.theme.en == "Smart City that changes citizens' lives"
    assert info.timezone == "Asia/Seoul"
    assert info.url == "http://madang.test/forums/sds-2018"
    assert [(s.platform, s.registrants_only) for s in info.streams] == [
        ("TBS", False),
        ("Secret", True),
    ]
    assert [s.id for s in info.sessions] == [block.id, part.id]

    got = info.sessions[1]
    assert isinstance(got, SessionInfo)
    assert got.title == Bilingual("호모 사피엔시티", "Homo Sapiencity")
    assert got.start == datetime(2018, 9, 19, 5, 0, tzinfo=UTC)
    assert got.end == datetime(2018, 9, 19, 6, 30, tzinfo=UTC)
    assert got.start.tzinfo is not None and got.updated_at.tzinfo is not None
    assert got.venue.id == hall.id and got.venue.seats == 300
    assert got.venue.name == Bilingual("다목적홀", "Multipurpose Hall")
    assert got.venue.floor == Bilingual(ko="8층", en="8F")
    assert [(r.name.en, r.role, r.order) for r in got.speakers] == [
        ("Moderator", "moderator", 1),
        ("Panelist", "panelist", 2),
    ]
    assert got.speakers[1].affiliation == Bilingual(en="Arm")
    assert [(s.platform, s.registrants_only) for s in got.streams] == [
        ("YouTube", False),
        ("Zoom", True),
    ]
    assert got.parent_id == block.id
    assert got.seats == 120
    assert got.revision == 3
    assert got.status == "scheduled"
    assert got.url == f"http://madang.test/forums/sds-2018/sessions/{part.id}"
    assert info.updated_at >= got.updated_at


def test_forum_info_with_a_subset_of_sessions(make_forum, make_session):
    forum = make_forum()
    first = make_session(forum, start="09:00", end="10:00")
    make_session(forum, start="11:00", end="12:00")
    info = programme.forum_info(forum, base_url=BASE, sessions=[first])
    assert [s.id for s in info.sessions] == [first.id]


def test_session_info_on_its_own(make_forum, make_session):
    forum = make_forum(slug="solo")
    s = make_session(forum, format="online", status="cancelled")
    info = programme.session_info(s, base_url=BASE)
    assert info.venue is None
    assert info.status == "cancelled"
    assert info.url == f"{BASE}/forums/solo/sessions/{s.id}"


def test_paths_match_the_routes(app, make_forum):
    with app.test_request_context():
        assert programme.forum_path("x") == url_for("public.forum", slug="x")
        assert programme.programme_path("x") == url_for("public.programme", slug="x")
        assert programme.session_path("x", 3) == url_for("public.session", slug="x", session_id=3)
        assert programme.venue_path("x", 4) == url_for("public.venue", slug="x", venue_id=4)
        assert programme.speaker_path("x", 5) == url_for("public.speaker", slug="x", speaker_id=5)


# -- the programme ----------------------------------------------------------------------------


@pytest.fixture
def seoul_2020(make_forum, make_venue, make_session):
    """Two days; a seminar block with two parts; a tour the evening before."""
    forum = make_forum(
        slug="sclf-2020", first_day=date(2020, 9, 22), last_day=date(2020, 9, 23), format="online"
    )
    studio = make_venue(forum, kind="studio", name_en="Seoul-On studio", seats=None)
    tour = make_session(forum, day=date(2020, 9, 21), start="17:20", end="18:00", kind="tour")
    seminar = make_session(forum, start="14:00", end="17:00", title_en="Leaders Seminar")
    part2 = make_session(
        forum, start="15:40", end="17:00", parent=seminar, venue=studio, title_en="Part 2"
    )
    part1 = make_session(
        forum, start="14:00", end="15:30", parent=seminar, venue=studio, title_en="Part 1"
    )
    keynote = make_session(
        forum, day=date(2020, 9, 23), start="10:00", end="10:40", kind="keynote", seats=50
    )
    late_part = make_session(
        forum, day=date(2020, 9, 23), start="11:00", end="12:00", parent=seminar
    )
    return {
        "forum": forum,
        "tour": tour,
        "seminar": seminar,
        "part1": part1,
        "part2": part2,
        "keynote": keynote,
        "late_part": late_part,
    }


def test_programme_groups_by_local_day_and_nests_parts(seoul_2020):
    s = seoul_2020
    view = programme.forum_view("sclf-2020", base_url=BASE, now=NOW)

    days = view.programme.days
    assert [d.day for d in days] == [date(2020, 9, 21), date(2020, 9, 22), date(2020, 9, 23)]
    assert view.days == [date(2020, 9, 21), date(2020, 9, 22), date(2020, 9, 23)]

    day1 = days[1]
    assert [i.session.id for i in day1.items] == [s["seminar"].id]
    block = day1.items[0]
    assert [p.session.id for p in block.parts] == [s["part1"].id, s["part2"].id]
    assert block.parts[0].block.id == s["seminar"].id
    assert [(r.item.session.id, r.depth) for r in day1.rows] == [
        (s["seminar"].id, 0),
        (s["part1"].id, 1),
        (s["part2"].id, 1),
    ]

    # A part on another day than its block is top level on its own day, naming its block.
    day2 = days[2]
    assert [i.session.id for i in day2.items] == [s["keynote"].id, s["late_part"].id]
    assert day2.items[1].block.id == s["seminar"].id
    assert day2.items[0].seats_left == 50

    # The index has every session with all its parts.
    assert [p.session.id for p in view.session(s["seminar"].id).parts] == [
        s["part1"].id,
        s["part2"].id,
        s["late_part"].id,
    ]
    assert view.session(999_999) is None


def test_a_parent_cycle_hides_nothing(db, make_forum, make_session):
    forum = make_forum(slug="loop")
    a = make_session(forum, start="10:00", end="11:00")
    b = make_session(forum, start="11:00", end="12:00", parent=a)
    a.parent = b
    db.session.commit()
    view = programme.forum_view("loop", base_url=BASE, now=NOW)
    shown = {r.item.session.id for d in view.programme.days for r in d.rows}
    assert shown == {a.id, b.id}


def test_forum_view_lookups_stay_inside_the_forum(
    make_forum, make_venue, make_session, make_speaker
):
    mine = make_forum(slug="mine")
    other = make_forum(slug="other")
    my_hall = make_venue(mine)
    their_hall = make_venue(other)
    my_talk = make_session(mine, venue=my_hall)
    their_talk = make_session(other)
    me = make_speaker(mine, sessions=(my_talk,), role="keynote")
    them = make_speaker(other, sessions=(their_talk,))

    view = programme.forum_view("mine", base_url=BASE, now=NOW)
    assert view.session(my_talk.id) is not None
    assert view.session(their_talk.id) is None
    assert view.venue(my_hall.id) is not None
    assert view.venue(their_hall.id) is None
    assert view.speaker(me.id) is not None
    assert view.speaker(them.id) is None
    assert [i.session.id for i in view.venue_sessions(my_hall.id)] == [my_talk.id]
    [(item, role)] = view.speaker_sessions(me.id)
    assert item.session.id == my_talk.id and role.role == "keynote"


def test_public_streams_leave_out_registrants_only(db, make_forum, make_session):
    forum = make_forum(slug="streams")
    talk = make_session(forum)
    _stream(db, forum, platform="TBS")
    _stream(db, forum, platform="Private", visibility="registrants")
    _stream(db, forum, talk, platform="YouTube")
    _stream(db, forum, talk, platform="Zoom", visibility="registrants")
    view = programme.forum_view("streams", base_url=BASE, now=NOW)
    assert [s.platform for s in view.public_streams] == ["TBS"]
    assert [s.platform for s in view.session(talk.id).public_streams] == ["YouTube"]


def test_loading_a_forum_takes_a_fixed_number_of_queries(
    db, make_forum, make_venue, make_session, make_speaker
):
    def queries_for(slug: str) -> int:
        db.session.rollback()
        db.session.expunge_all()
        count = 0

        def count_it(conn, cursor, statement, *_args):
            nonlocal count
            if statement.lstrip().upper().startswith("SELECT"):
                count += 1

        event.listen(db.engine, "before_cursor_execute", count_it)
        try:
            view = programme.forum_view(slug, base_url=BASE, now=NOW)
            for day in view.programme.days:
                for row in day.rows:
                    _ = [r.name for r in row.item.session.speakers]
            _ = [v.name_en for v in view.forum.venues]
        finally:
            event.remove(db.engine, "before_cursor_execute", count_it)
        return count

    def build(slug: str, n: int) -> None:
        forum = make_forum(slug=slug)
        for i in range(n):
            venue = make_venue(forum, name_en=f"Room {i}")
            session = make_session(forum, start=f"{8 + i}:00", end=f"{8 + i}:30", venue=venue)
            make_speaker(forum, sessions=(session,), name_en=f"Speaker {i}")
            db.session.add(
                StreamLink(forum=forum, session=session, platform="YouTube", url="https://x.org")
            )
        db.session.commit()

    build("small", 1)
    build("large", 8)
    # forum, venues, speakers, streams, sessions + their venues, streams, speaker links, speakers,
    # and the access services of every session at once
    assert queries_for("large") == queries_for("small") <= 10
