"""The watch page as a service: the sessions an online attendee may watch with their streams,
the session on now, and online attendance recorded once per person and session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import NotFound
from app.models import OnlineAttendance, StreamLink
from app.registration import watching


@pytest.fixture
def streamed(db, make_forum, make_session, make_registration):
    """A hybrid forum: a plenary for everyone with its own stream, a booked workshop that uses
    the forum's stream, a cancelled session, and an in-person-only tour."""
    forum = make_forum(slug="streamed", format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    workshop = make_session(forum, seats=30, format="online", start="13:00", end="14:00")
    cancelled = make_session(forum, seats=None, format="online", status="cancelled")
    tour = make_session(forum, seats=None, format="in_person", title_en="Tour")
    main = StreamLink(forum_id=forum.id, platform="YouTube", url="https://youtube.example/main")
    own = StreamLink(
        forum_id=forum.id,
        session_id=plenary.id,
        platform="Zoom",
        url="https://zoom.example/j/1",
        label="Q&A",
        visibility="registrants",
    )
    db.session.add_all([main, own])
    db.session.commit()
    viewer = make_registration(forum, attendance="online", sessions=(workshop,))
    return {
        "forum": forum,
        "plenary": plenary,
        "workshop": workshop,
        "cancelled": cancelled,
        "tour": tour,
        "main": main,
        "own": own,
        "viewer": viewer,
    }


def _attendance(db) -> list[tuple[int, int, int | None]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(
            OnlineAttendance.registration_id,
            OnlineAttendance.session_id,
            OnlineAttendance.stream_id,
        ).order_by(OnlineAttendance.id)
    )
    return [tuple(r) for r in rows]


def test_the_page_lists_what_the_person_may_watch_with_the_session_on_now(db, streamed):
    s = streamed
    now = s["plenary"].starts_at + timedelta(minutes=5)
    page = watching.watch_page(s["viewer"], now=now)
    assert page.watches_online
    assert [w.session.id for w in page.sessions] == [s["plenary"].id, s["workshop"].id]
    plenary, workshop = page.sessions
    assert [link.id for link in plenary.streams] == [s["own"].id, s["main"].id]
    assert [link.id for link in workshop.streams] == [s["main"].id]  # the forum's stream
    assert [w.session.id for w in page.on_now] == [s["plenary"].id]
    assert plenary.watched_at is None


def test_opening_a_stream_records_attendance_once_per_session(db, streamed):
    s = streamed
    viewer, plenary = s["viewer"], s["plenary"]
    first = datetime(2026, 5, 14, 1, 5, tzinfo=UTC)
    url = watching.open_stream(viewer, str(plenary.id), str(s["own"].id), now=first)
    assert url == "https://zoom.example/j/1"
    # Again, from another stream and later: still one row, with the first time and stream.
    watching.open_stream(viewer, plenary.id, s["main"].id, now=first + timedelta(minutes=30))
    watching.open_stream(viewer, s["workshop"].id, s["main"].id, now=first)
    assert _attendance(db) == [
        (viewer.id, plenary.id, s["own"].id),
        (viewer.id, s["workshop"].id, s["main"].id),
    ]
    page = watching.watch_page(viewer, now=first)
    assert page.sessions[0].watched_at == first


@pytest.mark.parametrize(
    ("session", "stream"),
    [
        ("cancelled", "main"),  # cancelled
        ("tour", "main"),  # in person only
        ("plenary", None),  # no such stream
        ("workshop", "own"),  # another session's stream
        (None, "main"),  # no such session
        ("malformed", "main"),
    ],
)
def test_a_stream_the_person_may_not_open_records_nothing(db, streamed, session, stream):
    s = streamed
    session_id = {None: 99_999, "malformed": "1; drop"}.get(session) or s[session].id
    stream_id = s[stream].id if stream else 99_999
    with pytest.raises(NotFound):
        watching.open_stream(s["viewer"], session_id, stream_id)
    assert _attendance(db) == []


def test_in_person_and_unbooked_people_watch_nothing(db, streamed, make_registration):
    s = streamed
    in_person = make_registration(s["forum"], attendance="in_person")
    unbooked = make_registration(s["forum"], attendance="online")
    assert watching.watch_page(in_person).sessions == []
    assert not watching.watch_page(in_person).watches_online
    with pytest.raises(NotFound):
        watching.open_stream(in_person, s["plenary"].id, s["main"].id)
    with pytest.raises(NotFound):  # the workshop has seats, and they did not book one
        watching.open_stream(unbooked, s["workshop"].id, s["main"].id)
    assert db.session.scalar(select(func.count(OnlineAttendance.id))) == 0
