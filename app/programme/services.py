"""A session's access services: interpretation into a language, Korean Sign Language,
International Sign, live captions and a transcript, each planned, confirmed or cancelled.

The rules, shared by the /organize pages and the organizer JSON API:
- `language` is an ISO 639 code (`is_language`) for interpretation (the language interpreted
  into), captions and a transcript (the language written); the sign kinds take none (the kind
  says which sign language);
- interpreting into the only language spoken on the floor makes no sense;
- one row per (session, kind, language): a second one is a field error (the unique constraint
  answers a race the same way);
- `provider` and `note` are for organizers only (the public API and pages never show them).

A change moves the session's `updated_at` (the calendars' LAST-MODIFIED and DTSTAMP: the event
shows its services) and, once the forum is published, its `programme_revision`: both are part
of the feeds' cache key, so every feed shows the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.bounds import id_in_range
from app.core.db import db, utcnow, write_transaction
from app.core.errors import NotFound, ValidationFailed
from app.core.languages import is_language, parse_floor_languages
from app.core.locks import lock_forum
from app.models import Forum, ForumSession, SessionService, User
from app.models.enums import SERVICE_KINDS, SERVICE_STATUSES, SIGN_KINDS, ServiceKind
from app.programme.agenda import _touch_programme, get_session
from app.programme.checks import Fields
from app.programme.views import service_order

SERVICE_FIELDS = ("kind", "language", "status", "provider", "note")
PROVIDER_LIMIT = 200
NOTE_LIMIT = 2_000


def services_of(session: ForumSession) -> list[SessionService]:
    """Every service of the session, cancelled ones included, in display order."""
    rows = db.session.scalars(
        select(SessionService).where(SessionService.session_id == session.id)
    ).all()
    return sorted(rows, key=service_order)


def get_service(forum: Forum, service_id: int) -> SessionService:
    row = db.session.get(SessionService, service_id) if id_in_range(service_id) else None
    if row is None or row.forum_id != forum.id:
        raise NotFound(_("This forum has no such service."))
    return row


def service_values(service: SessionService) -> dict[str, Any]:
    return {name: getattr(service, name) for name in SERVICE_FIELDS}


def check_service(
    session: ForumSession, raw: Mapping[str, Any], *, current: SessionService | None = None
) -> dict[str, Any]:
    """The checked fields, or ValidationFailed with messages by field (nothing changed)."""
    fields = Fields(raw)
    kind = fields.choice("kind", SERVICE_KINDS)
    language = fields.text("language", limit=8).lower()
    if kind and not fields.has("language"):
        _check_language(fields, session, kind, language)
    out = {
        "kind": kind,
        "language": language,
        "status": fields.choice("status", SERVICE_STATUSES, default="planned"),
        "provider": fields.text("provider", limit=PROVIDER_LIMIT),
        "note": fields.text("note", limit=NOTE_LIMIT, multiline=True),
    }
    if not fields.errors and _taken(session.id, kind, language, current):
        fields.add("language", _duplicate_message(kind))
    fields.raise_if_any()
    return out


def _check_language(fields: Fields, session: ForumSession, kind: str, language: str) -> None:
    if kind in SIGN_KINDS:
        if language:
            fields.add("language", _("Sign language has no language code: leave it empty."))
        return
    if not language:
        fields.add("language", _("Choose the language."))
    elif not is_language(language):
        fields.add("language", _("Choose a language from the list (an ISO 639 code)."))
    elif kind == ServiceKind.INTERPRETATION and parse_floor_languages(session.language) == [
        language
    ]:
        fields.add(
            "language",
            _("The session is held in this language only: interpret into another one."),
        )


def _taken(session_id: int, kind: str, language: str, current: SessionService | None) -> bool:
    query = select(SessionService.id).where(
        SessionService.session_id == session_id,
        SessionService.kind == kind,
        SessionService.language == language,
    )
    if current is not None:
        query = query.where(SessionService.id != current.id)
    return db.session.scalar(query.limit(1)) is not None


def _duplicate_message(kind: str) -> str:
    if kind in SIGN_KINDS:
        return _("The session offers this sign language already.")
    return _("The session offers this service in this language already: change that one.")


def _duplicate(kind: str) -> ValidationFailed:
    return ValidationFailed({"language": [_duplicate_message(kind)]})


def _changed(forum: Forum, session: ForumSession) -> None:
    """Feeds show services: move what their cache key reads (see the module docstring)."""
    session.updated_at = utcnow()
    db.session.refresh(forum)
    _touch_programme(forum)


def add_service(
    forum: Forum, session_id: int, raw: Mapping[str, Any], user: User
) -> SessionService:
    """A new service for a session of the forum (404 for a session of another forum)."""
    session = get_session(forum, session_id)
    cleaned = check_service(session, raw)
    try:
        with write_transaction():
            lock_forum(forum.id)
            session = get_session(forum, session_id)
            service = SessionService(forum_id=forum.id, session_id=session.id, **cleaned)
            db.session.add(service)
            # The unique constraint settles a race the check above could not see.
            db.session.flush()
            _changed(forum, session)
    except IntegrityError:
        raise _duplicate(cleaned["kind"]) from None
    return service


def update_service(
    forum: Forum, service_id: int, raw: Mapping[str, Any], user: User
) -> SessionService:
    """Change the fields sent (the others keep their values)."""
    service = get_service(forum, service_id)
    cleaned = check_service(service.session, {**service_values(service), **raw}, current=service)
    try:
        with write_transaction():
            lock_forum(forum.id)
            service = get_service(forum, service_id)
            if any(getattr(service, name) != value for name, value in cleaned.items()):
                for name, value in cleaned.items():
                    setattr(service, name, value)
                service.updated_at = utcnow()
                db.session.flush()
                _changed(forum, service.session)
    except IntegrityError:
        raise _duplicate(cleaned["kind"]) from None
    return service


def remove_service(forum: Forum, service_id: int, user: User) -> None:
    with write_transaction():
        lock_forum(forum.id)
        service = get_service(forum, service_id)
        session = service.session
        db.session.delete(service)
        _changed(forum, session)
