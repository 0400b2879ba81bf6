"""A forum's venues, speakers and stream links: create, update, delete, under the forum's lock,
and the programme revision moved when the forum is published.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.db import db, utcnow, write_transaction
from app.core.locks import lock_forum
from app.models import (
    Forum,
    ForumSession,
    SessionSpeaker,
    Speaker,
    StreamLink,
    User,
    Venue,
)
from app.models.enums import (
    STREAM_VISIBILITIES,
    VENUE_KINDS,
)
from app.programme.agenda import _touch_programme, get_speaker, get_stream, get_venue

# ============================================================================ venues
from app.programme.checks import (
    SPEAKER_FIELDS,
    STREAM_FIELDS,
    VENUE_FIELDS,
    Fields,
    InUse,
    _need_one,
)
from app.programme.session_edits import _title


def venue_values(venue: Venue) -> dict[str, Any]:
    return {name: getattr(venue, name) for name in VENUE_FIELDS}


def _check_venue(raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "name_ko": fields.text("name_ko", limit=200),
        "name_en": fields.text("name_en", limit=200),
        "kind": fields.choice("kind", VENUE_KINDS, default="hall"),
        "building": fields.text("building", limit=200),
        "floor": fields.text("floor", limit=40),
        "room": fields.text("room", limit=200),
        "address": fields.text("address", limit=300),
        "seats": fields.count("seats"),
        "accessibility_notes": fields.text("accessibility_notes", limit=5000, multiline=True),
        "map_url": fields.url("map_url"),
    }
    _need_one(fields, ("name_ko", "name_en"), (out["name_ko"], out["name_en"]))
    fields.raise_if_any()
    return out


def create_venue(forum: Forum, raw: Mapping[str, Any], user: User) -> Venue:
    cleaned = _check_venue(raw)
    with write_transaction():
        lock_forum(forum.id)
        venue = Venue(forum_id=forum.id, **cleaned)
        db.session.add(venue)
        db.session.refresh(forum)
        _touch_programme(forum)
    return venue


def update_venue(forum: Forum, venue_id: int, raw: Mapping[str, Any], user: User) -> Venue:
    venue = get_venue(forum, venue_id)
    cleaned = _check_venue({**venue_values(venue), **raw})
    with write_transaction():
        lock_forum(forum.id)
        venue = get_venue(forum, venue_id)
        for name, value in cleaned.items():
            setattr(venue, name, value)
        venue.updated_at = utcnow()
        db.session.refresh(forum)
        _touch_programme(forum)
    return venue


def delete_venue(forum: Forum, venue_id: int, user: User) -> None:
    """Refused while sessions take place there: they would lose their room silently."""
    with write_transaction():
        lock_forum(forum.id)
        venue = get_venue(forum, venue_id)
        used = db.session.scalars(
            select(ForumSession).where(ForumSession.venue_id == venue.id).order_by(ForumSession.id)
        ).all()
        if used:
            raise InUse(
                _(
                    "Sessions take place in this venue (%(titles)s); move them first.",
                    titles=", ".join(_title(s) for s in used[:5]),
                )
            )
        db.session.delete(venue)
        db.session.refresh(forum)
        _touch_programme(forum)


# ============================================================================ speakers


def speaker_values(speaker: Speaker) -> dict[str, Any]:
    return {name: getattr(speaker, name) for name in SPEAKER_FIELDS}


def _check_speaker(raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "name_ko": fields.text("name_ko", limit=200),
        "name_en": fields.text("name_en", limit=200),
        "affiliation": fields.text("affiliation", limit=300),
        "title": fields.text("title", limit=300),
        "country": fields.text("country", limit=100),
        "bio_ko": fields.text("bio_ko", limit=20_000, multiline=True),
        "bio_en": fields.text("bio_en", limit=20_000, multiline=True),
    }
    _need_one(fields, ("name_ko", "name_en"), (out["name_ko"], out["name_en"]))
    fields.raise_if_any()
    return out


def create_speaker(forum: Forum, raw: Mapping[str, Any], user: User) -> Speaker:
    cleaned = _check_speaker(raw)
    with write_transaction():
        lock_forum(forum.id)
        speaker = Speaker(forum_id=forum.id, **cleaned)
        db.session.add(speaker)
        db.session.refresh(forum)
        _touch_programme(forum)
    return speaker


def update_speaker(forum: Forum, speaker_id: int, raw: Mapping[str, Any], user: User) -> Speaker:
    speaker = get_speaker(forum, speaker_id)
    cleaned = _check_speaker({**speaker_values(speaker), **raw})
    with write_transaction():
        lock_forum(forum.id)
        speaker = get_speaker(forum, speaker_id)
        for name, value in cleaned.items():
            setattr(speaker, name, value)
        speaker.updated_at = utcnow()
        db.session.refresh(forum)
        _touch_programme(forum)
    return speaker


def delete_speaker(forum: Forum, speaker_id: int, user: User) -> None:
    """Refused while the speaker is on a session: take them off the sessions first."""
    with write_transaction():
        lock_forum(forum.id)
        speaker = get_speaker(forum, speaker_id)
        sessions = db.session.scalars(
            select(ForumSession)
            .join(SessionSpeaker, SessionSpeaker.session_id == ForumSession.id)
            .where(SessionSpeaker.speaker_id == speaker.id)
            .order_by(ForumSession.id)
        ).all()
        if sessions:
            raise InUse(
                _(
                    "This speaker is on sessions (%(titles)s); take them off first.",
                    titles=", ".join(_title(s) for s in sessions[:5]),
                )
            )
        db.session.delete(speaker)


# ============================================================================ stream links


def stream_values(stream: StreamLink) -> dict[str, Any]:
    return {name: getattr(stream, name) for name in STREAM_FIELDS}


def _check_stream(forum: Forum, raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "session_id": fields.ref("session_id"),
        "platform": fields.text("platform", limit=60, required=True),
        "url": fields.url("url", required=True),
        "label": fields.text("label", limit=200),
        "visibility": fields.choice("visibility", STREAM_VISIBILITIES, default="public"),
    }
    if out["session_id"] is not None:
        session = db.session.get(ForumSession, out["session_id"])
        if session is None or session.forum_id != forum.id:
            fields.add("session_id", _("Choose a session of this forum."))
    fields.raise_if_any()
    return out


def create_stream(forum: Forum, raw: Mapping[str, Any], user: User) -> StreamLink:
    cleaned = _check_stream(forum, raw)
    with write_transaction():
        lock_forum(forum.id)
        stream = StreamLink(forum_id=forum.id, **cleaned)
        db.session.add(stream)
        db.session.refresh(forum)
        _touch_programme(forum)
    return stream


def update_stream(forum: Forum, stream_id: int, raw: Mapping[str, Any], user: User) -> StreamLink:
    stream = get_stream(forum, stream_id)
    cleaned = _check_stream(forum, {**stream_values(stream), **raw})
    with write_transaction():
        lock_forum(forum.id)
        stream = get_stream(forum, stream_id)
        for name, value in cleaned.items():
            setattr(stream, name, value)
        stream.updated_at = utcnow()
        db.session.refresh(forum)
        _touch_programme(forum)
    return stream


def delete_stream(forum: Forum, stream_id: int, user: User) -> None:
    with write_transaction():
        lock_forum(forum.id)
        db.session.delete(get_stream(forum, stream_id))
        db.session.refresh(forum)
        _touch_programme(forum)
