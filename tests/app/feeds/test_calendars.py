"""app.feeds.calendars: which sessions a personal calendar holds, the attachments' UIDs and
methods, the cache and what invalidates it (any committed change, from any process)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from app.feeds import calendars, feed_cache
from tests.app.web.test_feeds import (
    BASE,
    FORUM_STAMP,
    Programme,
    build_programme,
    calendar_path,
    events,
    prop,
    register,
    session_stamp,
    uid,
)


@pytest.fixture
def prog(db, make_forum, make_venue, make_session, make_speaker) -> Programme:
    feed_cache.clear_feed_cache()
    return build_programme(db, make_forum, make_venue, make_session, make_speaker)


def registration_of(db, body: dict):
    from app.core.tokens import hash_token
    from app.models import Registration

    token = calendar_path(body).removeprefix("/calendar/").removesuffix(".ics")
    return db.session.scalars(
        select(Registration).where(Registration.calendar_token_hash == hash_token(token))
    ).one()


def token_of(body: dict) -> str:
    return calendar_path(body).removeprefix("/calendar/").removesuffix(".ics")


# -- the personal selection ------------------------------------------------------------------------


def _session(id_: int, fmt: str, seats: int | None = None):
    from app.models import ForumSession

    return ForumSession(id=id_, format=fmt, seats=seats, status="scheduled")


def _registration(attendance: str, status: str = "confirmed", bookings=()):
    from app.models import Booking, Registration

    return Registration(
        attendance=attendance,
        status=status,
        bookings=[Booking(session_id=sid, status=st) for sid, st in bookings],
    )


SESSIONS = [
    _session(1, "in_person"),
    _session(2, "hybrid"),
    _session(3, "online"),
    _session(4, "in_person", seats=10),
    _session(5, "hybrid", seats=10),
    _session(6, "online", seats=10),
    _session(7, "in_person", seats=1),
]


def _ids(result) -> tuple[list[int], list[int]]:
    chosen, tentative = result
    return [s.id for s in chosen], sorted(tentative)


@pytest.mark.usefixtures("app")
def test_in_person_attendees_get_their_places_and_the_in_person_and_hybrid_forum_wide():
    reg = _registration(
        "in_person", bookings=[(4, "confirmed"), (7, "waitlisted"), (5, "cancelled")]
    )
    assert _ids(calendars.personal_selection(reg, SESSIONS)) == ([1, 2, 4, 7], [7])


@pytest.mark.usefixtures("app")
def test_online_attendees_get_their_places_and_the_online_and_hybrid_forum_wide():
    reg = _registration("online", bookings=[(6, "confirmed"), (5, "waitlisted")])
    assert _ids(calendars.personal_selection(reg, SESSIONS)) == ([2, 3, 5, 6], [5])


@pytest.mark.usefixtures("app")
def test_a_waitlisted_forum_place_makes_everything_tentative():
    reg = _registration("in_person", status="waitlisted", bookings=[(4, "confirmed")])
    assert _ids(calendars.personal_selection(reg, SESSIONS)) == ([1, 2, 4], [1, 2, 4])


@pytest.mark.usefixtures("app")
def test_a_cancelled_registration_holds_nothing():
    reg = _registration("in_person", status="cancelled", bookings=[(4, "confirmed")])
    assert _ids(calendars.personal_selection(reg, SESSIONS)) == ([], [])


# -- attachments -----------------------------------------------------------------------------------


def test_session_calendar_publishes_with_an_organizer_and_the_feeds_uid(client, prog):
    keynote = prog.sessions["keynote"]
    data = calendars.session_calendar(keynote)
    assert prop(data, "METHOD") == ["PUBLISH"]
    assert prop(data, "ORGANIZER") == ["mailto:forum@smartcity.seoul.example"]
    assert "ATTENDEE" not in data.decode()
    assert list(events(data)) == [uid(keynote)] == ["session-1@madang.test"]
    # The same bytes as the public download, and the same UID as every feed.
    assert data == client.get(prog.url(f"sessions/{keynote.id}.ics")).data
    assert uid(keynote) in events(client.get(prog.url("schedule.ics")).data)


def test_session_calendar_for_registrants_carries_the_private_links(prog):
    panel = prog.sessions["panel"]
    public = calendars.session_calendar(panel)
    private = calendars.session_calendar(panel, include_private_streams=True)
    assert b"secret-panel" not in public
    assert b"secret-panel" in private
    assert list(events(private)) == list(events(public))


def test_session_calendar_without_an_organizer_address_has_no_organizer(db, prog):
    prog.forum.organizer_email = ""
    db.session.commit()
    data = calendars.session_calendar(prog.sessions["keynote"])
    assert prop(data, "METHOD") == ["PUBLISH"]
    assert prop(data, "ORGANIZER") == []


def test_personal_calendar_is_the_feed_published(client, db, prog):
    s = prog.sessions
    body = register(client, prog.slug, attendance="online", session_ids=[s["clinic"].id])
    feed = client.get(calendar_path(body)).data
    attachment = calendars.personal_calendar(registration_of(db, body))
    assert prop(attachment, "METHOD") == ["PUBLISH"]
    assert set(prop(attachment, "ORGANIZER")) == {"mailto:forum@smartcity.seoul.example"}
    assert "ATTENDEE" not in attachment.decode()
    assert list(events(attachment)) == list(events(feed))
    assert b"secret-clinic" in attachment
    assert prop(feed, "METHOD") == [] and prop(feed, "ORGANIZER") == []


def test_a_personal_calendar_loads_only_what_it_picks_from(client, db, prog):
    """Booked sessions and those without seats of their own are loaded, not a session with
    seats the person did not book; the calendar is the one the whole programme gives."""
    s = prog.sessions
    body = register(client, prog.slug, attendance="in_person", session_ids=[s["clinic"].id])
    registration = registration_of(db, body)
    whole = calendars._load_forum(registration.forum_id)
    picked = calendars._load_forum(registration.forum_id, only=calendars._candidates(registration))
    loaded = {x.id for x in picked.sessions}
    assert s["clinic"].id in loaded and s["keynote"].id in loaded
    assert s["tour"].id not in loaded and loaded < {x.id for x in whole.sessions}
    site = calendars._site()
    assert (
        calendars._personal(registration, picked, site, method=None).body
        == calendars._personal(registration, whole, site, method=None).body
    )
    assert list(events(client.get(calendar_path(body)).data)) == list(
        events(calendars._personal(registration, whole, site, method=None).body)
    )


# -- feeds and their metadata ----------------------------------------------------------------------


def test_feed_etag_is_the_sha256_of_the_bytes_and_last_modified_the_latest_change(prog):
    feed = calendars.forum_feed(prog.slug)
    assert feed is not None
    assert feed.etag == f'"{hashlib.sha256(feed.body).hexdigest()}"'
    assert feed.content_type == "text/calendar; charset=utf-8"
    assert feed.last_modified == session_stamp(7)  # the last session changed last
    assert feed.last_modified > FORUM_STAMP
    assert feed.filename == f"{prog.slug}.ics"


def test_last_modified_follows_a_speaker_change(db, prog):
    before = calendars.venue_feed(prog.slug, prog.venues["hall"].id)
    prog.speakers["kim"].name_en = "Kim Minji"
    db.session.commit()
    after = calendars.venue_feed(prog.slug, prog.venues["hall"].id)
    assert after.last_modified > before.last_modified
    assert after.etag != before.etag


def test_unknown_things_give_no_feed(prog):
    assert calendars.forum_feed("nope") is None
    assert calendars.session_feed(prog.slug, 10**6) is None
    assert calendars.venue_feed(prog.slug, 10**6) is None
    assert calendars.speaker_feed(prog.slug, 10**6) is None
    assert calendars.frab_export("nope", "xml") is None
    assert calendars.personal_feed("") is None
    assert calendars.personal_feed("x" * 10_000) is None
    assert calendars.personal_feed("not-a-token") is None
    with pytest.raises(ValueError):
        calendars.frab_export(prog.slug, "xml", "fr")
    with pytest.raises(ValueError):
        calendars.frab_export(prog.slug, "yaml")  # type: ignore[arg-type]


def test_a_cancelled_registration_has_no_feed(client, db, prog):
    from app.registration.operations import cancel_registration

    body = register(client, prog.slug, attendance="online")
    assert calendars.personal_feed(token_of(body)) is not None
    cancel_registration(registration_of(db, body))
    assert calendars.personal_feed(token_of(body)) is None


# -- the cache -------------------------------------------------------------------------------------


def _feed(body: bytes) -> calendars.Feed:
    return calendars.Feed.of(body, calendars.CALENDAR_TYPE, datetime(2025, 1, 1, tzinfo=UTC), "x")


def test_feed_cache_is_an_lru_bounded_by_entries_and_bytes():
    cache = feed_cache.FeedCache(max_entries=3, max_bytes=100)
    for key in "abc":
        cache.put(key, _feed(key.encode() * 10))
    assert cache.get("a") == (True, _feed(b"a" * 10))  # "a" is now the most recent
    cache.put("d", _feed(b"d" * 10))
    assert cache.get("b") == (False, None)  # the least recently used went
    assert len(cache) == 3 and cache.size_bytes == 30
    cache.put("big", _feed(b"x" * 80))  # too many bytes: the oldest go until it fits
    assert cache.size_bytes <= 100
    assert cache.get("big")[0] and not cache.get("c")[0]
    cache.put("huge", _feed(b"x" * 101))  # larger than the whole cache: not kept
    assert cache.get("huge") == (False, None)
    cache.put("big", _feed(b"y"))  # replacing an entry frees its bytes
    assert cache.size_bytes == sum(len(cache.get(k)[1].body) for k in ("a", "d", "big"))
    cache.clear()
    assert len(cache) == 0 and cache.size_bytes == 0


def test_absent_answers_are_cached_apart_and_never_push_feeds_out():
    cache = feed_cache.FeedCache(max_entries=2, max_bytes=100)
    cache.put("feed", _feed(b"f"))
    for n in range(10):
        cache.put(("missing", n), None)
    assert cache.get(("missing", 9)) == (True, None)
    assert cache.get(("missing", 0)) == (False, None)  # only the latest few are kept
    assert cache.get("feed") == (True, _feed(b"f"))
    cache.put(("missing", 9), _feed(b"now it exists"))
    assert cache.get(("missing", 9)) == (True, _feed(b"now it exists"))


def test_a_thousand_polls_render_once(client, prog):
    cache = feed_cache.feed_cache()
    path = prog.url("schedule.ics")
    bodies = {client.get(path).data for _ in range(50)}
    assert len(bodies) == 1
    assert cache.misses == 1 and cache.hits == 49


def test_registrants_with_the_same_choices_share_one_rendering(client, prog):
    one = register(client, prog.slug, attendance="online")
    two = register(client, prog.slug, attendance="online")
    cache = feed_cache.feed_cache()
    cache.clear()
    first = calendars.personal_feed(token_of(one))
    second = calendars.personal_feed(token_of(two))
    assert first.body == second.body
    assert (cache.misses, cache.hits) == (1, 1)


def _mutations():
    """Changes an organiser may commit; each must reach the next feed request."""
    from app.models import SessionSpeaker, StreamLink

    def session_title(db, p):
        p.sessions["keynote"].title_en = "Opening keynote (updated)"

    def programme_revision(db, p):
        p.forum.programme_revision += 1

    def forum_title(db, p):
        p.forum.title_en = "Seoul Smart City Forum 2030: Cities for People"

    def venue(db, p):
        p.venues["hall"].address_ko = "서울특별시 중구 세종대로 110 (시청)"

    def speaker(db, p):
        p.speakers["lee"].name_en = "Seok-woo Lee"

    def stream_added(db, p):
        db.session.add(
            StreamLink(
                forum=p.forum,
                session=p.sessions["workshop"],
                platform="YouTube",
                url="https://www.youtube.com/live/madang-workshop",
            )
        )

    def stream_removed(db, p):
        db.session.delete(p.sessions["keynote"].streams[0])

    def role_changed(db, p):
        link = db.session.scalars(
            select(SessionSpeaker).where(SessionSpeaker.session_id == p.sessions["online"].id)
        ).one()
        link.role = "keynote"

    def speakers_reordered(db, p):
        links = sorted(p.sessions["panel"].speaker_links, key=lambda link: link.id)
        positions = [link.position for link in links]
        for link, position in zip(links, reversed(positions), strict=True):
            link.position = position

    def link_removed(db, p):
        db.session.delete(p.sessions["panel"].speaker_links[-1])

    def session_removed(db, p):
        db.session.delete(p.sessions["tour"])

    return [
        session_title,
        programme_revision,
        forum_title,
        venue,
        speaker,
        stream_added,
        stream_removed,
        role_changed,
        speakers_reordered,
        link_removed,
        session_removed,
    ]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_any_committed_change_misses_the_cache(db, prog, mutate):
    cache = feed_cache.feed_cache()
    before = calendars.forum_feed(prog.slug)
    assert calendars.forum_feed(prog.slug) is before  # a hit
    mutate(db, prog)
    db.session.commit()
    misses = cache.misses
    after = calendars.forum_feed(prog.slug)
    assert cache.misses == misses + 1
    if mutate.__name__ != "programme_revision":  # a bare revision bump shows nothing new
        assert after.body != before.body


def test_a_change_made_by_another_process_reaches_this_ones_cache(app, db, prog):
    """Another worker, with its own engine and session (and its own cache), moves a session."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.models import ForumSession

    keynote_id = prog.sessions["keynote"].id
    before = calendars.forum_feed(prog.slug)
    assert calendars.forum_feed(prog.slug) is before
    db.session.commit()  # this "request" ends; nothing may touch the database until the next

    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with Session(other) as session:
            moved = session.get(ForumSession, keynote_id)
            moved.starts_at = datetime(2030, 10, 14, 2, 0, tzinfo=UTC)
            moved.ends_at = datetime(2030, 10, 14, 3, 0, tzinfo=UTC)
            moved.revision += 1
            session.commit()
    finally:
        other.dispose()

    after = calendars.forum_feed(prog.slug)
    assert after.etag != before.etag
    assert after.last_modified > before.last_modified
    assert prop(after.body, "SEQUENCE", prog.sessions["keynote"]) == ["3"]
    assert prop(after.body, "DTSTART", prog.sessions["keynote"]) == ["20301014T110000"]


def test_caches_belong_to_their_app(app):
    from app import create_app
    from config import TestingConfig

    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    mine = feed_cache.feed_cache()
    with other.app_context():
        assert feed_cache.feed_cache() is not mine
    assert feed_cache.feed_cache() is mine
    assert app.config["BASE_URL"] == BASE


# -- the version memo -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_remembered_version_serves_until_its_ttl_then_the_change_shows(
    app, client, db, prog, monkeypatch
):
    clock = FakeClock()
    monkeypatch.setitem(app.extensions, "madang.feed_versions", feed_cache._VersionMemo(clock))
    monkeypatch.setitem(app.config, "FEED_VERSION_TTL", 2.0)
    path = prog.url("schedule.ics")
    first = client.get(path)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        prog.venues["hall"].room_ko = "302호"
        db.session.commit()
        statements.clear()
        clock.now += 1.9
        stale = client.get(path)
        assert statements == []  # answered from memory: no query at all
        assert stale.headers["ETag"] == first.headers["ETag"]
        clock.now += 0.2
        fresh = client.get(path)
        assert statements  # the version was asked again
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert "302호" in prop(fresh.data, "LOCATION", prog.sessions["keynote"])[0]


def test_with_no_ttl_every_request_sees_the_latest_version(app, client, db, prog, monkeypatch):
    clock = FakeClock()
    monkeypatch.setitem(app.extensions, "madang.feed_versions", feed_cache._VersionMemo(clock))
    monkeypatch.setitem(app.config, "FEED_VERSION_TTL", 0)
    path = prog.url("schedule.ics")
    first = client.get(path)
    prog.venues["hall"].room_ko = "302호"
    db.session.commit()
    assert client.get(path).headers["ETag"] != first.headers["ETag"]


def test_an_unknown_slug_is_remembered_as_absent_too(app, client, prog, monkeypatch):
    clock = FakeClock()
    memo = feed_cache._VersionMemo(clock)
    monkeypatch.setitem(app.extensions, "madang.feed_versions", memo)
    monkeypatch.setitem(app.config, "FEED_VERSION_TTL", 5.0)
    assert client.get("/forums/no-such-forum/schedule.ics").status_code == 404
    assert memo._versions["no-such-forum"][1] is None
