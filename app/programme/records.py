"""A forum's venues, speakers and stream links: create, update, delete, under the forum's lock,
and the programme revision moved when the forum is published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.db import db, utcnow, write_transaction
from app.core.languages import is_language
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
    LOCALES,
    STREAM_KINDS,
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

R = TypeVar("R", Venue, Speaker, StreamLink)
# Streams that carry a language of their own: an interpretation channel, a captioned feed.
STREAM_LANGUAGE_KINDS = ("interpretation", "captions")


def venue_values(venue: Venue) -> dict[str, Any]:
    return {name: getattr(venue, name) for name in VENUE_FIELDS}


def _check_venue(raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "name_ko": fields.text("name_ko", limit=200),
        "name_en": fields.text("name_en", limit=200),
        "kind": fields.choice("kind", VENUE_KINDS, default="hall"),
        **fields.bilingual("building", limit=200),
        **fields.bilingual("floor", limit=40),
        **fields.bilingual("room", limit=200),
        **fields.bilingual("address", limit=300),
        "seats": fields.count("seats"),
        **fields.bilingual("accessibility_notes", limit=5000, multiline=True),
        "map_url": fields.url("map_url"),
    }
    _need_one(fields, ("name_ko", "name_en"), (out["name_ko"], out["name_en"]))
    fields.raise_if_any()
    return out


def create_venue(forum: Forum, raw: Mapping[str, Any], user: User) -> Venue:
    return _create(forum, Venue, _check_venue(raw))


def update_venue(forum: Forum, venue_id: int, raw: Mapping[str, Any], user: User) -> Venue:
    venue = get_venue(forum, venue_id)
    cleaned = _check_venue({**venue_values(venue), **raw})
    return _update(forum, lambda: get_venue(forum, venue_id), cleaned)


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
        _delete(forum, venue)


# ============================================================================ speakers


def speaker_values(speaker: Speaker) -> dict[str, Any]:
    return {name: getattr(speaker, name) for name in SPEAKER_FIELDS}


def _check_speaker(raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "name_ko": fields.text("name_ko", limit=200),
        "name_en": fields.text("name_en", limit=200),
        **fields.bilingual("affiliation", limit=300),
        **fields.bilingual("title", limit=300),
        "country": fields.text("country", limit=100),
        "bio_ko": fields.text("bio_ko", limit=20_000, multiline=True),
        "bio_en": fields.text("bio_en", limit=20_000, multiline=True),
        "email": fields.email("email"),
        "locale": fields.choice("locale", LOCALES, default="ko"),
        "connection_details": fields.text("connection_details", limit=2_000, multiline=True),
    }
    _need_one(fields, ("name_ko", "name_en"), (out["name_ko"], out["name_en"]))
    fields.raise_if_any()
    return out


def create_speaker(forum: Forum, raw: Mapping[str, Any], user: User) -> Speaker:
    return _create(forum, Speaker, _check_speaker(raw))


def update_speaker(forum: Forum, speaker_id: int, raw: Mapping[str, Any], user: User) -> Speaker:
    speaker = get_speaker(forum, speaker_id)
    cleaned = _check_speaker({**speaker_values(speaker), **raw})
    return _update(forum, lambda: get_speaker(forum, speaker_id), cleaned)


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
        _delete(forum, speaker)


# ============================================================================ stream links


def stream_values(stream: StreamLink) -> dict[str, Any]:
    return {name: getattr(stream, name) for name in STREAM_FIELDS}


def _check_stream(forum: Forum, raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    out = {
        "session_id": fields.ref("session_id"),
        "platform": fields.text("platform", limit=60, required=True),
        "url": fields.url("url", required=True),
        "kind": fields.choice("kind", STREAM_KINDS, default="main"),
        "language": fields.text("language", limit=8).lower(),
        "label": fields.text("label", limit=200),
        "label_en": fields.text("label_en", limit=200),
        "visibility": fields.choice("visibility", STREAM_VISIBILITIES, default="public"),
    }
    _check_stream_language(fields, out["kind"], out["language"])
    if out["session_id"] is not None:
        session = db.session.get(ForumSession, out["session_id"])
        if session is None or session.forum_id != forum.id:
            fields.add("session_id", _("Choose a session of this forum."))
    fields.raise_if_any()
    return out


def _check_stream_language(fields: Fields, kind: str, language: str) -> None:
    """An interpretation channel or a captioned feed says its language (ISO 639); the main and
    sign-language feeds have none of their own."""
    if fields.has("kind") or fields.has("language"):
        return
    if kind not in STREAM_LANGUAGE_KINDS:
        if language:
            fields.add("language", _("Only an interpretation or captions stream has a language."))
    elif not language:
        fields.add("language", _("Choose the language of this channel."))
    elif not is_language(language):
        fields.add("language", _("Choose a language from the list (an ISO 639 code)."))


def create_stream(forum: Forum, raw: Mapping[str, Any], user: User) -> StreamLink:
    return _create(forum, StreamLink, _check_stream(forum, raw))


def update_stream(forum: Forum, stream_id: int, raw: Mapping[str, Any], user: User) -> StreamLink:
    stream = get_stream(forum, stream_id)
    cleaned = _check_stream(forum, {**stream_values(stream), **raw})
    return _update(forum, lambda: get_stream(forum, stream_id), cleaned)


def delete_stream(forum: Forum, stream_id: int, user: User) -> None:
    with write_transaction():
        lock_forum(forum.id)
        _delete(forum, get_stream(forum, stream_id))


# ============================================================================ shared steps


def _create(forum: Forum, model: type[R], cleaned: dict[str, Any]) -> R:
    """Add a record of the forum under its lock; a published programme's revision moves."""
    with write_transaction():
        lock_forum(forum.id)
        record = model(forum_id=forum.id, **cleaned)
        db.session.add(record)
        _touch(forum)
    return record


def _update(forum: Forum, load: Callable[[], R], cleaned: dict[str, Any]) -> R:
    """Save checked values onto a record loaded again under the forum's lock."""
    with write_transaction():
        lock_forum(forum.id)
        record = load()
        for name, value in cleaned.items():
            setattr(record, name, value)
        record.updated_at = utcnow()
        _touch(forum)
    return record


def _delete(forum: Forum, record: Any) -> None:
    """Delete a record inside the caller's write transaction (the forum already locked)."""
    db.session.delete(record)
    _touch(forum)


def _touch(forum: Forum) -> None:
    db.session.refresh(forum)
    _touch_programme(forum)
