"""The outbox as people read it: each message's state, the counts, a forum's or a person's mail,
and dead messages tried again.

A row's `status` is what delivery needs; a person needs one more distinction. `mail_state` is
the one place that derives it: a pending row that has failed before is *retrying* (its last
error is shown), and a *skipped* row was left out by design (a confirmation for a registration
cancelled before its turn came): it is neither counted nor requeued as dead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from app.core.bounds import parse_id
from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError
from app.models import Announcement, AuditEntry, OutboxMessage, Registration, User
from app.models.enums import OutboxStatus
from app.registration.operations import renew_manage_token

PAGE_SIZE = 50


class MailState(StrEnum):
    PENDING = "pending"  # not tried yet
    RETRYING = "retrying"  # failed for now; tried again at `next_attempt_at`
    SENT = "sent"
    DEAD = "dead"  # refused for good or out of attempts: an organizer may requeue it
    SKIPPED = "skipped"  # no longer meaningful when its turn came


MAIL_STATES = tuple(state.value for state in MailState)


def mail_state(status: str, attempts: int) -> MailState:
    """A row's state for people (the SQL twin is `_state_column`)."""
    if status == OutboxStatus.PENDING and attempts > 0:
        return MailState.RETRYING
    return MailState(status)


def _state_column() -> ColumnElement[str]:
    return case(
        (
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0),
            MailState.RETRYING.value,
        ),
        else_=OutboxMessage.status,
    )


def _state_filter(state: MailState) -> ColumnElement[bool]:
    if state is MailState.RETRYING:
        return and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0)
    if state is MailState.PENDING:
        return and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0)
    return OutboxMessage.status == state.value


# ============================================================================ reading


def mail_counts(forum_id: int | None = None) -> dict[str, int]:
    """Messages per state, in `MAIL_STATES` order: every forum's, or one forum's."""
    state = _state_column()
    query = select(state, func.count()).group_by(state)
    if forum_id is not None:
        query = query.where(OutboxMessage.forum_id == forum_id)
    counts = dict.fromkeys(MAIL_STATES, 0)
    counts.update({name: int(n) for name, n in db.session.execute(query)})
    return counts


@dataclass(frozen=True)
class MailRow:
    id: int
    kind: str
    recipient: str
    locale: str
    state: MailState
    attempts: int
    last_error: str | None
    queued_at: datetime
    next_attempt_at: datetime | None  # pending and retrying rows only
    sent_at: datetime | None
    registration_id: int | None


@dataclass(frozen=True)
class MailPage:
    rows: list[MailRow]
    counts: dict[str, int]
    state: MailState | None
    matching: int
    page: int
    pages: int


_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.kind,
    OutboxMessage.recipient,
    OutboxMessage.locale,
    OutboxMessage.status,
    OutboxMessage.attempts,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
    OutboxMessage.next_attempt_at,
    OutboxMessage.sent_at,
    OutboxMessage.registration_id,
)


def _row(values) -> MailRow:
    (id_, kind, recipient, locale, status, attempts, error, queued, due, sent, reg_id) = values
    state = mail_state(status, attempts)
    waiting = state in (MailState.PENDING, MailState.RETRYING)
    return MailRow(
        id=id_,
        kind=kind,
        recipient=recipient,
        locale=locale,
        state=state,
        attempts=attempts,
        last_error=error,
        queued_at=queued,
        next_attempt_at=due if waiting else None,
        sent_at=sent,
        registration_id=reg_id,
    )


def parse_state(value: str | None) -> MailState | None:
    """A state from a query string; None for none or an unknown one (then every state shows)."""
    return MailState(value) if value in MAIL_STATES else None


def forum_mail(forum_id: int, state: MailState | None = None, page: int = 1) -> MailPage:
    """A forum's messages, newest first, one page at a time, with the counts per state."""
    counts = mail_counts(forum_id)
    matching = counts[state.value] if state else sum(counts.values())
    pages = max(1, -(-matching // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = select(*_COLUMNS).where(OutboxMessage.forum_id == forum_id)
    if state is not None:
        query = query.where(_state_filter(state))
    query = query.order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    rows = db.session.execute(query.offset((page - 1) * PAGE_SIZE)).all()
    return MailPage(
        rows=[_row(r) for r in rows],
        counts=counts,
        state=state,
        matching=matching,
        page=page,
        pages=pages,
    )


def person_mail(registration_id: int) -> list[MailRow]:
    """Every message queued for a registration, newest first."""
    rows = db.session.execute(
        select(*_COLUMNS)
        .where(OutboxMessage.registration_id == registration_id)
        .order_by(OutboxMessage.id.desc())
    ).all()
    return [_row(r) for r in rows]


@dataclass(frozen=True)
class SentAnnouncement:
    announcement: Announcement
    counts: dict[str, int]  # its messages per state, in `MAIL_STATES` order


def sent_announcements(forum_id: int) -> list[SentAnnouncement]:
    """A forum's announcements, newest first, each with where its messages stand."""
    announcements = db.session.scalars(
        select(Announcement)
        .where(Announcement.forum_id == forum_id)
        .order_by(Announcement.sent_at.desc(), Announcement.id.desc())
    ).all()
    state = _state_column()
    counted = db.session.execute(
        select(OutboxMessage.announcement_id, state, func.count())
        .where(
            OutboxMessage.forum_id == forum_id,
            OutboxMessage.announcement_id.in_([a.id for a in announcements]),
        )
        .group_by(OutboxMessage.announcement_id, state)
    ).all()
    counts = {a.id: dict.fromkeys(MAIL_STATES, 0) for a in announcements}
    for announcement_id, name, n in counted:
        counts[announcement_id][name] = int(n)
    return [SentAnnouncement(a, counts[a.id]) for a in announcements]


# ============================================================================ requeue


def requeue_dead(
    ids: Sequence[int] | None = None,
    *,
    forum_id: int | None = None,
    by: User | None = None,
    now: datetime | None = None,
) -> int:
    """Give dead rows (all, those in `ids`, and only a forum's with `forum_id`) a fresh set of
    attempts, due now; how many. With `by`, the organizer's request is audited in the same
    transaction.

    A dead row's manage token was scrubbed when it died, and only its hash is kept: a message
    that carries the manage link gets a new one, so the person can still reach their
    registration (the link they never received stops working; nothing else changes)."""
    now = now or utcnow()
    where = [OutboxMessage.status == OutboxStatus.DEAD]
    if ids is not None:
        where.append(OutboxMessage.id.in_(list(ids)))
    if forum_id is not None:
        where.append(OutboxMessage.forum_id == forum_id)
    with write_transaction():
        _renew_links(where)
        requeued = db.session.scalars(
            update(OutboxMessage)
            .where(*where)
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
            )
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
        if by is not None and requeued:
            db.session.add(
                AuditEntry(
                    user_id=by.id,
                    action="mail.requeue",
                    forum_id=forum_id,
                    details={"outbox_ids": sorted(requeued)},
                )
            )
    return len(requeued)


class NothingToRequeue(DomainError):
    status = 409
    code = "nothing_to_requeue"


def requeue_forum_mail(
    forum_id: int, user: User, outbox_ids: Sequence[str], *, every_dead: bool = False
) -> int:
    """An organizer's request to try a forum's failed messages again: those named, or every
    one. Refused, with nothing changed, for a malformed id or when none of them has failed."""
    if every_dead:
        ids = None
    else:
        ids = [parse_id(value) for value in outbox_ids]
        if not ids or None in ids:
            raise NothingToRequeue(_("Tick the failed messages to try again, or choose all."))
    requeued = requeue_dead(ids, forum_id=forum_id, by=user)  # type: ignore[arg-type]
    if not requeued:
        raise NothingToRequeue(_("None of these messages has failed: nothing was tried again."))
    return requeued


# The kinds whose message carries the person's manage link (see `ContextBuilder._urls`).
MANAGE_LINK_KINDS = ("registration_confirmed", "registration_waitlisted", "manage_link")


def _renew_links(where: list[ColumnElement[bool]]) -> None:
    query = select(OutboxMessage).where(
        *where,
        OutboxMessage.kind.in_(MANAGE_LINK_KINDS),
        OutboxMessage.registration_id.is_not(None),
    )
    for row in db.session.scalars(query):
        registration = db.session.get(Registration, row.registration_id)
        if registration is None or registration.anonymised_at is not None:
            continue
        if not row.context.get("manage_token"):
            token = renew_manage_token(registration)
            row.context = {**row.context, "manage_token": token}
    db.session.flush()
