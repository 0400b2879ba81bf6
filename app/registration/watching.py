"""The watch page: the sessions a registrant may watch online with their streams, the session on
now first, and online attendance recorded when a stream is opened from it.

Which sessions a person may watch is `streams.watchable_session` (the same rule as the links in
their mail). Opening a stream records one row per person and session, with the time of the
first opening: an INSERT that does nothing when the row exists, so a second click, a second tab
or two processes at once never count a person twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.bounds import parse_id
from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import NotFound
from app.models import ForumSession, OnlineAttendance, Registration, StreamLink
from app.registration.state import Attendance, attendance_state
from app.registration.streams import Watchable, usable_links, watchable, watchable_session


@dataclass(frozen=True)
class WatchSession:
    session: ForumSession
    streams: list[Watchable]  # with kind, language and both labels
    on_now: bool
    watched_at: datetime | None  # when this person first opened one of its streams


@dataclass(frozen=True)
class WatchPage:
    watches_online: bool
    sessions: list[WatchSession]

    @property
    def on_now(self) -> list[WatchSession]:
        return [s for s in self.sessions if s.on_now]


def _watchable(
    registration: Registration, state: Attendance
) -> list[tuple[ForumSession, list[StreamLink]]]:
    """The sessions this person may watch that have a stream, each with its streams: its own,
    then the forum's (a forum-wide stream carries every session)."""
    if not state.watches_online():
        return []
    found = []
    for session in sorted(registration.forum.sessions, key=lambda s: (s.starts_at, s.id)):
        if watchable_session(state, session):
            streams = usable_links([*session.streams, *session.forum.streams])
            if streams:
                found.append((session, streams))
    return found


def watch_page(registration: Registration, *, now: datetime | None = None) -> WatchPage:
    """What the person's watch page shows."""
    now = now or utcnow()
    state = attendance_state(registration, positions=False)
    watched = dict(
        db.session.execute(
            select(OnlineAttendance.session_id, OnlineAttendance.first_opened_at).where(
                OnlineAttendance.registration_id == registration.id
            )
        ).all()
    )
    sessions = [
        WatchSession(
            session=session,
            streams=[watchable(link, registration.locale) for link in streams],
            on_now=session.starts_at <= now < (session.ends_at or session.starts_at),
            watched_at=watched.get(session.id),
        )
        for session, streams in _watchable(registration, state)
    ]
    return WatchPage(state.watches_online(), sessions)


def open_stream(
    registration: Registration,
    session_id: object,
    stream_id: object,
    *,
    now: datetime | None = None,
) -> str:
    """Record that the person opened `stream_id` of `session_id` (once per session) and give
    the stream's address. NotFound, with nothing recorded, for a session they may not watch or
    a stream that is not one of its streams."""
    now = now or utcnow()
    session_key, stream_key = parse_id(session_id), parse_id(stream_id)
    state = attendance_state(registration, positions=False)
    streams = next(
        (links for s, links in _watchable(registration, state) if s.id == session_key), []
    )
    stream = next((link for link in streams if link.id == stream_key), None)
    if stream is None:
        raise NotFound(_("This stream is not one you can watch from here."))
    with write_transaction():
        _record(
            forum_id=registration.forum_id,
            registration_id=registration.id,
            session_id=session_key,
            stream_id=stream.id,
            first_opened_at=now,
        )
    return stream.url


def _record(**values: object) -> None:
    """The first opening's row; nothing when the person and session have one already."""
    db.session.execute(
        upsert_insert(OnlineAttendance)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[OnlineAttendance.registration_id, OnlineAttendance.session_id]
        )
    )
