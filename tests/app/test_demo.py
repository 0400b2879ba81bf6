"""`flask demo load`: the four real editions and the upcoming sample, loaded faithfully and once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.demo import load_demo
from app.models import Forum, ForumSession, SessionSpeaker, Speaker, StreamLink, Venue

SEOUL = ZoneInfo("Asia/Seoul")
# A fixed "now" for the sample: 2026-03-02 12:00 KST, so the sample falls on Wed 2026-04-01.
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)

SLUGS = [
    "seoul-digital-summit-2018",
    "smart-city-leaders-forum-2020",
    "seoul-smart-city-week-2021",
    "wego-general-assembly-2023",
    "seoul-smart-city-forum-sample",
]

# slug: (first day, last day, format, sessions, speakers, venues, streams)
EXPECTED = {
    "seoul-digital-summit-2018": (date(2018, 9, 19), date(2018, 9, 19), "in_person", 6, 1, 2, 6),
    "smart-city-leaders-forum-2020": (date(2020, 9, 22), date(2020, 9, 23), "online", 7, 8, 1, 4),
    "seoul-smart-city-week-2021": (date(2021, 10, 12), date(2021, 10, 19), "online", 8, 8, 1, 2),
    "wego-general-assembly-2023": (date(2023, 9, 26), date(2023, 9, 26), "hybrid", 7, 8, 4, 1),
    "seoul-smart-city-forum-sample": (date(2026, 4, 1), date(2026, 4, 1), "hybrid", 6, 8, 4, 2),
}


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def forum(db, slug: str) -> Forum:
    found = db.session.scalar(select(Forum).where(Forum.slug == slug))
    assert found is not None, f"{slug} not loaded"
    return found


def session_titled(f: Forum, title_en: str) -> ForumSession:
    matches = [s for s in f.sessions if s.title_en == title_en]
    assert len(matches) == 1, f"{title_en!r}: {[s.title_en for s in f.sessions]}"
    return matches[0]


def roles(session: ForumSession) -> list[tuple[str, str]]:
    return [(link.speaker.name_en, link.role) for link in session.speaker_links]


def local(moment: datetime) -> datetime:
    return moment.astimezone(SEOUL)


# ------------------------------------------------------------------ all five forums


def test_all_five_forums_load_with_their_days_formats_and_counts(db):
    report = load_demo(NOW)

    assert list(db.session.scalars(select(Forum.slug).order_by(Forum.id))) == SLUGS
    for slug, (first, last, fmt, n_sessions, n_speakers, n_venues, n_streams) in EXPECTED.items():
        f = forum(db, slug)
        assert (f.first_day, f.last_day, f.format, f.status) == (first, last, fmt, "published")
        assert f.timezone == "Asia/Seoul"
        assert len(f.sessions) == n_sessions, slug
        assert len(f.speakers) == n_speakers, slug
        assert len(f.venues) == n_venues, slug
        assert len(f.all_streams) == n_streams, slug
    assert (
        report[0] == "loaded seoul-digital-summit-2018: 6 sessions, 1 speaker, 2 venues, 6 streams"
    )
    assert report[-1] == "demo: 5 loaded, 0 already loaded"
    assert len(report) == 6


def test_every_forum_is_bilingual_and_says_where_its_data_comes_from(db):
    load_demo(NOW)
    for f in db.session.scalars(select(Forum)):
        for field in ("title", "theme", "description"):
            assert getattr(f, f"{field}_ko") and getattr(f, f"{field}_en"), (f.slug, field)
        assert f.organizer_name_ko and f.organizer_name_en and "@" in f.organizer_email
        assert f.homepage_url.startswith(("http://", "https://"))
        assert "example.org" in f.data_note or "placeholder" in f.data_note
        for s in f.sessions:
            assert s.title_ko and s.title_en and s.description_ko and s.description_en
        for v in f.venues:
            assert v.name_ko and v.name_en and v.address_ko and v.building_ko
        for sp in f.speakers:
            assert sp.name_ko and sp.name_en and sp.affiliation_ko
        for stream in f.all_streams:
            assert stream.platform and stream.label
            assert stream.url.startswith(("http://", "https://"))


# ------------------------------------------------------------------ 2018


def test_2018_summit_main_meeting_streams_and_wego_block(db):
    load_demo(NOW)
    f = forum(db, "seoul-digital-summit-2018")
    assert f.onsite_registration is True
    assert f.registration_closes_at < datetime(2018, 9, 19, tzinfo=UTC)

    main = session_titled(f, "Main meeting: Smart City that changes citizens' lives")
    assert main.starts_at == datetime(2018, 9, 19, 1, 0, tzinfo=UTC)
    assert main.ends_at == datetime(2018, 9, 19, 3, 0, tzinfo=UTC)
    assert main.kind == "plenary"
    assert (main.venue.name_en, main.venue.floor_ko) == ("Multipurpose Hall", "8F")

    tour = session_titled(f, "Pre-event: Digital Mayor's Office tour")
    assert local(tour.starts_at) == kst(2018, 9, 18, 17, 20)
    assert (tour.kind, tour.venue.floor_ko) == ("tour", "6F")

    assert [s.platform for s in f.streams] == [
        "TBS",
        "Live Seoul",
        "AfreecaTV",
        "YouTube",
        "Pandora TV",
        "Mobile Seoul",
    ]
    assert all(s.session_id is None and s.visibility == "public" for s in f.streams)

    block = session_titled(f, "WeGO Smart City Global Leaders Forum")
    assert block.parent is None
    assert [p.title_en for p in block.parts] == [
        "Session 1: Homo Sapiencity: Citizen-centered Innovation in Smart Cities",
        "Session 2: Smart Economy: AI, Blockchain, Protech in Smart Cities",
    ]
    assert "Kampala" in block.parts[0].description_en and "LG CNS" in block.parts[0].description_en
    assert "Dresden" in block.parts[1].description_en and "BCCC" in block.parts[1].description_en
    assert local(block.starts_at).hour >= 12  # the afternoon

    titles = [s.title_en for s in f.sessions]
    assert titles.index("City–company networking session") > titles.index(main.title_en)


# ------------------------------------------------------------------ 2020


def test_2020_leaders_forum_two_days_from_the_studio(db):
    load_demo(NOW)
    f = forum(db, "smart-city-leaders-forum-2020")
    assert (f.last_day - f.first_day).days == 1
    assert [v.kind for v in f.venues] == ["studio"]
    studio = f.venues[0]
    assert "Seoul-On" in studio.name_en and "Taepyeong" in studio.name_en
    assert "서울온" in studio.name_ko and "태평홀" in studio.name_ko
    assert all(s.venue_id == studio.id and s.format == "online" for s in f.sessions)
    assert "Seoul Digital Foundation" in f.organizer_name_en
    assert "서울디지털재단" in f.organizer_name_ko
    assert sorted(s.platform for s in f.streams) == [
        "Homepage",
        "Live Seoul",
        "TBS YouTube",
        "YouTube",
    ]

    day1 = session_titled(f, "Day 1: Leaders Seminar")
    assert local(day1.starts_at).date() == date(2020, 9, 22)
    assert [p.kind for p in day1.parts] == ["session", "talk_concert"]
    concert = day1.parts[1]
    assert roles(concert) == [("Jung Chul-kyu", "host"), ("Cho Won-hee", "presenter")]
    assert "Smart cities in film" in concert.description_en

    day2 = [s for s in f.sessions if local(s.starts_at).date() == date(2020, 9, 23)]
    parts = [s for s in day2 if s.parent_id is not None]
    assert [s.title_en for s in parts] == [
        "Keynote: The concept and outlook of the inclusive smart city",
        "Session 1: Big data for the inclusive smart city",
        "Session 2: Inclusive smart city and citizen participation",
    ]
    keynote, session1, session2 = parts
    assert keynote.kind == "keynote"
    assert keynote.ends_at <= session1.starts_at and session1.ends_at <= session2.starts_at
    assert roles(keynote) == [("Lee Seok-woo", "keynote")]
    assert roles(session1) == [("Lee Jung-hoon", "presenter"), ("Ying Long", "presenter")]
    assert roles(session2) == [
        ("Park In-kwon", "presenter"),
        ("Fernando Vilariño", "presenter"),
        ("Iwan Rudiarto", "presenter"),
    ]
    assert "NIST" in keynote.speaker_links[0].speaker.affiliation_en


# ------------------------------------------------------------------ 2021


def test_2021_week_leaders_forum_on_tuesday_19_october(db):
    load_demo(NOW)
    f = forum(db, "seoul-smart-city-week-2021")
    block = session_titled(f, "Seoul Smart City Leaders Forum")
    assert local(block.starts_at) == kst(2021, 10, 19, 16, 0)
    assert local(block.starts_at).strftime("%A") == "Tuesday"
    assert block.venue.kind == "studio" and "DDP" in block.venue.name_en
    assert [p.kind for p in block.parts] == ["panel", "lecture", "roundtable"]
    assert roles(block.parts[0]) == [
        ("Lee Jung-hoon", "moderator"),
        ("Cristina Garrido", "panelist"),
    ]
    lecturers = {
        link.speaker.name_en for s in f.sessions if s.kind == "lecture" for link in s.speaker_links
    }
    assert lecturers == {
        "Lee Seung-kyu",
        "Kim Jeong-young",
        "Kim Sang-kyun",
        "Shin Woo-seok",
        "Choi Jae-boong",
    }
    assert all(f.first_day <= local(s.starts_at).date() <= f.last_day for s in f.sessions)


# ------------------------------------------------------------------ 2023


def test_2023_general_assembly_and_preregistration_close(db):
    load_demo(NOW)
    f = forum(db, "wego-general-assembly-2023")
    assert f.registration_closes_at == kst(2023, 9, 20, 23, 59)
    assert local(f.registration_closes_at).strftime("%a") == "Wed"
    assert "public reports" in f.data_note

    ga = session_titled(f, "WeGO 6th General Assembly")
    assert ga.kind == "general_assembly"
    assert ga.seats == 200
    assert local(ga.starts_at) == kst(2023, 9, 26, 14, 0)
    assert ga.starts_at == datetime(2023, 9, 26, 5, 0, tzinfo=UTC)
    assert (ga.venue.name_en, ga.venue.floor_ko, ga.venue.seats) == ("Multipurpose Hall", "8F", 200)
    assert roles(ga) == [("Oh Se-hoon", "moderator")]

    block = session_titled(
        f, "Seoul Smart City Forum 2023: Challenges and inclusion of digital innovation"
    )
    assert local(block.starts_at) == kst(2023, 9, 26, 10, 0)
    assert block.venue.floor_ko == "3F"
    assert [s.platform for s in block.streams] == ["YouTube"]
    assert roles(block.parts[0]) == [("Bill Banks", "keynote")]
    assert [name for name, _ in roles(block.parts[2])] == [
        "Park Kyung-ryul",
        "Bae Soon-min",
        "Jennifer Cowley",
        "Ha Jung-woo",
        "Bruno Lanvin",
    ]

    visits = [s for s in f.sessions if s.kind in ("tour", "site_visit")]
    assert len(visits) == 2
    assert all(s.venue.kind == "offsite" and s.seats for s in visits)
    assert {s.venue.name_en for s in visits} == {
        "Smart Seoul Exhibition Hall",
        "LG Science Park, Magok",
    }


# ------------------------------------------------------------------ the sample


@pytest.mark.parametrize(
    ("now", "first_day"),
    [
        (NOW, date(2026, 4, 1)),  # a Wednesday: kept
        # +30 days is Friday 3 Apr in UTC but Saturday 4 Apr in Seoul: moved to Monday.
        (datetime(2026, 3, 4, 16, 0, tzinfo=UTC), date(2026, 4, 6)),
        (datetime(2026, 3, 6, 3, 0, tzinfo=UTC), date(2026, 4, 6)),  # a Sunday
    ],
)
def test_sample_is_dated_relative_to_now(db, now, first_day):
    load_demo(now)
    f = forum(db, "seoul-smart-city-forum-sample")
    assert (f.first_day, f.last_day) == (first_day, first_day)
    assert f.first_day.weekday() < 5
    assert str(first_day.year) in f.title_ko and str(first_day.year) in f.title_en
    assert f.registration_opens_at == now - timedelta(days=1)
    assert f.registration_opens_at <= now < f.registration_closes_at
    closes = local(f.registration_closes_at)
    assert closes.date() == first_day - timedelta(days=7)
    assert (closes.hour, closes.minute) == (18, 0)
    assert f.onsite_registration is True
    for s in f.sessions:
        assert local(s.starts_at).date() == first_day


def test_sample_programme_seats_and_streams(db):
    load_demo(NOW)
    f = forum(db, "seoul-smart-city-forum-sample")
    by_kind = {s.kind: s for s in f.sessions}
    assert by_kind["tour"].seats == 20
    assert by_kind["site_visit"].seats == 30
    assert by_kind["site_visit"].venue.kind == "offsite"
    assert by_kind["general_assembly"].seats == 200
    assert local(by_kind["general_assembly"].starts_at) == kst(2026, 4, 1, 14, 0)
    assert by_kind["general_assembly"].venue.floor_ko == "8F"

    morning = [s for s in f.sessions if local(s.starts_at).hour < 12]
    assert [s.kind for s in morning] == ["keynote", "panel", "panel"]
    assert all(s.venue.floor_ko == "3F" and s.venue.name_ko == "대회의실" for s in morning)
    assert roles(morning[0]) == [("Kim Ha-neul", "keynote")]
    assert [role for _, role in roles(morning[1])] == ["moderator", "panelist", "panelist"]

    assert [(s.platform, s.visibility) for s in f.streams] == [
        ("YouTube", "public"),
        ("Zoom", "registrants"),
    ]


# ------------------------------------------------------------------ idempotency


def _snapshot(db) -> dict[str, list[tuple]]:
    snapshot: dict[str, list[tuple]] = {}
    for model in (Forum, Venue, ForumSession, Speaker, SessionSpeaker, StreamLink):
        table = model.__table__
        rows = db.session.execute(select(table).order_by(table.c.id)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def _updated_at(db) -> dict[str, list[datetime]]:
    return {
        model.__tablename__: list(db.session.scalars(select(model.updated_at).order_by(model.id)))
        for model in (Forum, Venue, ForumSession, Speaker, StreamLink)
    }


def test_loading_twice_changes_nothing(db):
    load_demo(NOW)
    db.session.expire_all()
    before, stamps = _snapshot(db), _updated_at(db)
    counts = {name: len(rows) for name, rows in before.items()}
    assert counts["forums"] == 5 and counts["session_speakers"] > 0

    # A later day: the sample keeps the dates it was first given.
    report = load_demo(NOW + timedelta(days=3))
    db.session.expire_all()

    assert report[:-1] == [f"already loaded {slug}: left untouched" for slug in SLUGS]
    assert report[-1] == "demo: 0 loaded, 5 already loaded"
    assert {name: len(rows) for name, rows in _snapshot(db).items()} == counts
    assert _updated_at(db) == stamps
    assert _snapshot(db) == before
    assert forum(db, "seoul-smart-city-forum-sample").first_day == date(2026, 4, 1)


def test_an_existing_forum_is_left_alone_and_the_others_load(db):
    load_demo(NOW)
    f = forum(db, "smart-city-leaders-forum-2020")
    f.title_en = "Edited by an organizer"
    db.session.delete(f.sessions[0])
    db.session.delete(forum(db, "seoul-smart-city-week-2021"))
    db.session.commit()

    report = load_demo(NOW)

    assert "loaded seoul-smart-city-week-2021: 8 sessions, 8 speakers, 1 venue, 2 streams" in report
    assert "already loaded smart-city-leaders-forum-2020: left untouched" in report
    f = forum(db, "smart-city-leaders-forum-2020")
    assert f.title_en == "Edited by an organizer"
    assert db.session.scalar(select(func.count()).select_from(Forum)) == 5


def test_now_must_be_aware(db):
    with pytest.raises(ValueError):
        load_demo(datetime(2026, 3, 2, 12, 0))
    assert db.session.scalar(select(func.count()).select_from(Forum)) == 0


def test_cli_loads_then_reports_already_loaded(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "loaded wego-general-assembly-2023: 7 sessions, 8 speakers" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert second.output.count("already loaded") == 6  # five forums and the summary


# ------------------------------------------------------------------ consistency


def test_every_session_is_consistent_with_its_forum(db):
    load_demo(NOW)
    outside_days = []
    for f in db.session.scalars(select(Forum)):
        zone = ZoneInfo(f.timezone)
        for s in f.sessions:
            assert s.ends_at > s.starts_at, s.title_en
            assert s.starts_at.tzinfo is not None
            if s.venue is not None:
                assert s.venue.forum_id == f.id, s.title_en
                if s.venue.kind == "studio":
                    assert s.format == "online", s.title_en
                if s.seats is not None and s.venue.seats is not None:
                    assert s.seats <= s.venue.seats, s.title_en
            for link in s.speaker_links:
                assert link.speaker.forum_id == f.id, s.title_en
            for stream in s.streams:
                assert stream.forum_id == f.id
            if s.parent is not None:
                assert s.parent.forum_id == f.id
                assert s.parent.starts_at <= s.starts_at and s.ends_at <= s.parent.ends_at
            if f.format == "online":
                assert s.format == "online"
            day = s.starts_at.astimezone(zone).date()
            if not f.first_day <= day <= f.last_day:
                outside_days.append((f.slug, s.title_en))
            assert s.ends_at.astimezone(zone).date() == day  # nothing runs past midnight
        positions = [
            [link.position for link in s.speaker_links] for s in f.sessions if s.speaker_links
        ]
        assert all(p == list(range(len(p))) for p in positions)
        urls = [stream.url for stream in f.all_streams]
        assert len(urls) == len(set(urls)), f.slug
    # Only the 2018 pre-event tour, the evening before the summit.
    assert outside_days == [("seoul-digital-summit-2018", "Pre-event: Digital Mayor's Office tour")]


def test_schedule_conflicts_are_only_the_accepted_pre_event_tour(db):
    conflicts = pytest.importorskip("scheduling.conflicts")
    from scheduling.types import Bilingual, ForumInfo, SessionInfo, SpeakerRole, VenueInfo

    load_demo(NOW)
    found = {}
    for f in db.session.scalars(select(Forum)):
        info = ForumInfo(
            id=f.id,
            slug=f.slug,
            title=Bilingual(f.title_ko, f.title_en),
            timezone=f.timezone,
            first_day=f.first_day,
            last_day=f.last_day,
            updated_at=f.updated_at,
        )
        sessions = [
            SessionInfo(
                id=s.id,
                title=Bilingual(s.title_ko, s.title_en),
                kind=s.kind,
                format=s.format,
                start=s.starts_at,
                end=s.ends_at,
                status=s.status,
                revision=s.revision,
                updated_at=s.updated_at,
                venue=(
                    VenueInfo(
                        id=s.venue.id,
                        name=Bilingual(s.venue.name_ko, s.venue.name_en),
                        kind=s.venue.kind,
                        seats=s.venue.seats,
                    )
                    if s.venue is not None
                    else None
                ),
                speakers=tuple(
                    SpeakerRole(
                        speaker_id=link.speaker_id,
                        name=Bilingual(link.speaker.name_ko, link.speaker.name_en),
                        role=link.role,
                    )
                    for link in s.speaker_links
                ),
                parent_id=s.parent_id,
                seats=s.seats,
            )
            for s in f.sessions
        ]
        found[f.slug] = [c.code for c in conflicts.find_conflicts(info, sessions)]
    assert found == {
        "seoul-digital-summit-2018": ["outside_forum_days"],
        "smart-city-leaders-forum-2020": [],
        "seoul-smart-city-week-2021": [],
        "wego-general-assembly-2023": [],
        "seoul-smart-city-forum-sample": [],
    }
