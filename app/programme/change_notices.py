"""Programme changes after publishing: the notices to registrants (grouped over a few minutes)
and the public list of changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import outbox
from app.core.db import db
from app.core.errors import NotFound
from app.models import (
    Booking,
    Forum,
    ForumSession,
    OutboxMessage,
    ProgrammeChange,
    Registration,
)
from app.models.enums import ForumStatus, OutboxStatus, PlaceStatus
from app.programme.checks import (
    FOLLOWS,
    NOTICE_DELAY_MINUTES,
    NOTICE_KIND,
    NOTIFYING_KINDS,
    SPEAKER_NOTICE_KIND,
)

# ============================================================================ notices


def _affected(session: ForumSession, formats: set[str]) -> list[Registration]:
    """Registrants a change concerns: holders of a confirmed or waitlisted place in the
    session; for a session without seats of its own, also every registrant of the forum
    (not cancelled) whose attendance follows its format."""
    held = select(Registration).join(Booking, Booking.registration_id == Registration.id)
    held = held.where(
        Booking.session_id == session.id,
        Booking.status.in_(("confirmed", "waitlisted")),
        Registration.status != PlaceStatus.CANCELLED,
    )
    found = {r.id: r for r in db.session.scalars(held)}
    if session.seats is None:
        modes = [mode for mode, followed in FOLLOWS.items() if set(followed) & formats]
        for r in db.session.scalars(
            select(Registration).where(
                Registration.forum_id == session.forum_id,
                Registration.status != PlaceStatus.CANCELLED,
                Registration.attendance.in_(modes),
            )
        ):
            found.setdefault(r.id, r)
    return [
        r for r in sorted(found.values(), key=lambda r: r.id) if r.email and r.anonymised_at is None
    ]


def affected_count(session: ForumSession) -> int:
    """How many people a change to `session` would tell (the solver weighs moves by it)."""
    return len(_affected(session, {session.format}))


def notice_delay_minutes() -> int:
    """How long a change notice waits for further edits before it is due."""
    return current_app.config.get("CHANGE_NOTICE_DELAY_MINUTES", NOTICE_DELAY_MINUTES)


def _notify(
    session: ForumSession,
    changes: list[ProgrammeChange],
    formats: set[str],
    *,
    now: datetime,
    at_once: bool = False,
) -> int:
    """Queue (or merge into a pending one) a `session_changed` notice per affected person, and
    a `speaker_session_changed` notice per speaker of the session with an address.

    A new notice waits `CHANGE_NOTICE_DELAY_MINUTES` for further edits to merge into it.
    `at_once` (an organizer's choice, for same-day changes) makes it due now instead, and so
    the pending notices it merges into: the merged mail leaves at once too."""
    if not any(c.kind in NOTIFYING_KINDS for c in changes):
        return 0
    change_ids = [c.id for c in changes]
    due = now if at_once else now + timedelta(minutes=notice_delay_minutes())
    people = _affected(session, formats)
    # One query for every notice still waiting to go: merge into it rather than add one.
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.forum_id == session.forum_id,
            OutboxMessage.kind.in_((NOTICE_KIND, SPEAKER_NOTICE_KIND)),
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.attempts == 0,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)  # PostgreSQL: rows a worker holds are left alone
    ).all()
    waiting = {_notice_key(m): m for m in reversed(pending)}  # the oldest wins
    speakers = {li.speaker.id: li.speaker for li in session.speaker_links if li.speaker.email}
    recipients = [
        (NOTICE_KIND, "registration_id", r.id, r.email, r.locale, r.id) for r in people
    ] + [
        (SPEAKER_NOTICE_KIND, "speaker_id", s.id, s.email, s.locale, None)
        for s in sorted(speakers.values(), key=lambda s: s.id)
    ]
    count = 0
    for kind, key, who, email, locale, registration_id in recipients:
        mergeable = waiting.get((kind, who, session.id))
        if mergeable is not None:
            ids = [*mergeable.context.get("change_ids", []), *change_ids]
            mergeable.context = {**mergeable.context, "change_ids": ids}
            if at_once:
                mergeable.next_attempt_at = now
        else:
            message = outbox.enqueue(
                kind,
                recipient=email,
                locale=locale,
                context={key: who, "session_id": session.id, "change_ids": change_ids},
                forum_id=session.forum_id,
                registration_id=registration_id,
            )
            message.next_attempt_at = due
        count += 1
    return count


def _notice_key(message: OutboxMessage) -> tuple[str, object, object]:
    """(kind, who, session): a pending notice a new change to the same session merges into."""
    context = message.context or {}
    who = message.registration_id if message.kind == NOTICE_KIND else context.get("speaker_id")
    return message.kind, who, context.get("session_id")


# ============================================================================ public changes


@dataclass(frozen=True)
class ChangeEntry:
    change: ProgrammeChange
    session: ForumSession | None


def programme_changes(forum: Forum, *, limit: int = 500) -> list[ChangeEntry]:
    """The changes recorded for a forum's published programme, latest first."""
    rows = db.session.scalars(
        select(ProgrammeChange)
        .where(ProgrammeChange.forum_id == forum.id)
        .order_by(ProgrammeChange.created_at.desc(), ProgrammeChange.id.desc())
        .limit(limit)
    ).all()
    ids = {r.session_id for r in rows if r.session_id is not None}
    sessions = {
        s.id: s for s in db.session.scalars(select(ForumSession).where(ForumSession.id.in_(ids)))
    }
    return [ChangeEntry(r, sessions.get(r.session_id)) for r in rows]


def public_changes(slug: str) -> tuple[Forum, list[ChangeEntry]]:
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None or forum.status != ForumStatus.PUBLISHED:
        raise NotFound(_("There is no such forum."))
    return forum, programme_changes(forum)
