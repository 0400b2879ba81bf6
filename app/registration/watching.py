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
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.bounds import parse_id
from app.core.db import db, utcnow, write_transaction
from app.core.errors import NotFound
from app.models import ForumSession, OnlineAttendance, Registration, StreamLink
from app.registration.state import attendance_state
from app.registration.streams import http_url, watchable_session


@dataclass(frozen=True)
class WatchSession:
    session: ForumSession
    streams: list[StreamLink]
    on_now: bool
    watched_at: datetime | None  # when this person first opened one of its streams


@dataclass(frozen=True)
class WatchPage:
    watches_online: bool
    sessions: list[WatchSession]

    @property
    def on_now(self) -> list[WatchSession]:
        return [s for s in self.sessions if s.on_now]


def _streams_of(session: ForumSession) -> list[StreamLink]:
    """A session's own streams, then the forum's (a forum-wide stream carries every session)."""
    seen: set[str] = set()
    found = []
    for link in [*session.streams, *session.forum.streams]:
        if http_url(link.url) and link.url not in seen:
            seen.add(link.url)
            found.append(link)
    return found


def _watchable(registration: Registration) -> list[ForumSession]:
    state = attendance_state(registration, positions=False)
    if not state.watches_online():
        return []
    sessions = sorted(registration.forum.sessions, key=lambda s: (s.starts_at, s.id))
    return [s for s in sessions if watchable_session(state, s) and _streams_of(s)]


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
            session=s,
            streams=_streams_of(s),
            on_now=s.starts_at <= now < (s.ends_at or s.starts_at),
            watched_at=watched.get(s.id),
        )
        for s in _watchable(registration)
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
    session = next((s for s in _watchable(registration) if s.id == session_key), None)
    stream = (
        next((link for link in _streams_of(session) if link.id == stream_key), None)
        if session is not None
        else None
    )
    if session is None or stream is None:
        raise NotFound(_("This stream is not one you can watch from here."))
    with write_transaction():
        _record(
            forum_id=registration.forum_id,
            registration_id=registration.id,
            session_id=session.id,
            stream_id=stream.id,
            first_opened_at=now,
        )
    return stream.url


def _record(**values: object) -> None:
    """The first opening's row; nothing when the person and session have one already."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(OnlineAttendance)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[OnlineAttendance.registration_id, OnlineAttendance.session_id]
        )
    )
