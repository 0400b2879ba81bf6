"""The organizer's view of people: registrations per forum and per session, counts, and the
hand-made changes an organizer may make (cancel a registration, promote from a waitlist), each
written to the audit log in the same transaction.

Accessibility needs are sensitive: this module hands out counts per session and per forum, never
who needs what.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.core.db import db, write_transaction
from app.core.errors import NotFound
from app.core.locks import lock_forum
from app.models import AuditEntry, Booking, Forum, ForumSession, Registration, User
from app.models.enums import ACCESSIBILITY_NEEDS, PlaceStatus
from app.places import ledger
from app.programme.agenda import get_session
from app.programme.checks import FOLLOWS, InvalidState
from app.registration import operations

PAGE_SIZE = 100
STATUSES = ("confirmed", "waitlisted", "cancelled")

# ============================================================================ reading


@dataclass(frozen=True)
class PersonRow:
    registration: Registration
    waitlist_position: int | None
    bookings: list[Booking]


@dataclass(frozen=True)
class ForumCounts:
    confirmed_in_person: int = 0
    confirmed_online: int = 0
    waitlisted: int = 0  # for a forum place
    cancelled: int = 0
    checked_in: int = 0
    waiting_for_a_session: int = 0  # people with a place (or none needed) waiting for a seat

    @property
    def active(self) -> int:
        return self.confirmed_in_person + self.confirmed_online + self.waitlisted


@dataclass(frozen=True)
class ForumPeople:
    forum: Forum
    rows: list[PersonRow]
    counts: ForumCounts
    matching: int  # rows matching the filters, over every page
    page: int
    pages: int
    accessibility: dict[str, int]
    other_needs: int
    capacity: int | None
    taken: int


def forum_counts(forum_id: int) -> ForumCounts:
    """Registrations of a forum by status and attendance, and how many have checked in."""
    rows = db.session.execute(
        select(Registration.status, Registration.attendance, func.count())
        .where(Registration.forum_id == forum_id)
        .group_by(Registration.status, Registration.attendance)
    ).all()
    by = {(status, attendance): n for status, attendance, n in rows}
    checked_in = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum_id,
            Registration.checked_in_at.is_not(None),
            Registration.status != PlaceStatus.CANCELLED,
        )
    )
    waiting_for_a_session = db.session.scalar(
        select(func.count(func.distinct(Booking.registration_id)))
        .join(Registration, Registration.id == Booking.registration_id)
        .where(
            Registration.forum_id == forum_id,
            Registration.status != PlaceStatus.CANCELLED,
            Booking.status == PlaceStatus.WAITLISTED,
        )
    )
    return ForumCounts(
        waiting_for_a_session=int(waiting_for_a_session or 0),
        confirmed_in_person=by.get(("confirmed", "in_person"), 0),
        confirmed_online=by.get(("confirmed", "online"), 0),
        waitlisted=sum(n for (s, _a), n in by.items() if s == "waitlisted"),
        cancelled=sum(n for (s, _a), n in by.items() if s == "cancelled"),
        checked_in=int(checked_in or 0),
    )


def _need_counts(registrations: list[Registration]) -> tuple[dict[str, int], int]:
    counter: Counter[str] = Counter()
    other = 0
    for r in registrations:
        if not r.accessibility_consent:
            continue
        counter.update(n for n in set(r.accessibility_needs or []) if n in ACCESSIBILITY_NEEDS)
        if (r.accessibility_other or "").strip():
            other += 1
    return {need: counter.get(need, 0) for need in ACCESSIBILITY_NEEDS}, other


def forum_people(
    forum: Forum,
    *,
    status: str | None = None,
    attendance: str | None = None,
    query: str = "",
    page: int = 1,
) -> ForumPeople:
    """The forum's registrations (waitlist in order first, then the rest by arrival), with
    counts over all of them and the page asked for."""
    where: list[Any] = [Registration.forum_id == forum.id]
    if status in STATUSES:
        where.append(Registration.status == status)
    if attendance in FOLLOWS:
        where.append(Registration.attendance == attendance)
    query = (query or "").strip()[:100]
    if query:
        like = f"%{query.replace('%', '').replace('_', '')}%"
        code = "".join(ch for ch in query.upper() if ch.isalnum())
        where.append(
            or_(
                Registration.name.ilike(like),
                Registration.email.ilike(like),
                Registration.affiliation.ilike(like),
                *([Registration.confirmation_code == code] if code else []),
            )
        )
    matching = int(
        db.session.scalar(select(func.count()).select_from(Registration).where(*where)) or 0
    )
    pages = max((matching + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    waiting_first = func.coalesce(Registration.waitlist_seq, 2**31 - 1)
    rows = db.session.scalars(
        select(Registration)
        .where(*where)
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
        .order_by(
            (Registration.status != PlaceStatus.WAITLISTED),
            waiting_first,
            Registration.created_at,
            Registration.id,
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ranks = ledger.forum_waitlist_ranks(forum.id)
    active = db.session.scalars(
        select(Registration).where(
            Registration.forum_id == forum.id, Registration.status != PlaceStatus.CANCELLED
        )
    ).all()
    needs, other = _need_counts(list(active))
    return ForumPeople(
        forum=forum,
        rows=[
            PersonRow(
                r, ranks.get(r.id), [b for b in r.bookings if b.status != PlaceStatus.CANCELLED]
            )
            for r in rows
        ],
        counts=forum_counts(forum.id),
        matching=matching,
        page=page,
        pages=pages,
        accessibility=needs,
        other_needs=other,
        capacity=forum.in_person_capacity,
        taken=ledger.places_taken(forum),
    )


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    registration: Registration
    waitlist_position: int | None


@dataclass(frozen=True)
class SessionPeople:
    session: ForumSession
    seated: bool  # the session has seats of its own (people book it)
    rows: list[BookingRow]
    counts: dict[str, int]
    followers: int  # people expected: booking holders, or the forum registrants who follow it
    accessibility: dict[str, int]
    other_needs: int


def session_people(forum: Forum, session_id: int) -> SessionPeople:
    """Who holds a place in a session (waitlist in order), counts, and accessibility needs as
    counts only."""
    session = get_session(forum, session_id)
    bookings = db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session.id)
        .options(selectinload(Booking.registration))
        .order_by(
            (Booking.status != PlaceStatus.WAITLISTED),
            func.coalesce(Booking.waitlist_seq, 2**31 - 1),
            Booking.created_at,
            Booking.id,
        )
    ).all()
    rank = 0
    rows = []
    for b in bookings:
        position = None
        if b.status == PlaceStatus.WAITLISTED:
            rank += 1
            position = rank
        rows.append(BookingRow(b, b.registration, position))
    counts = {s: 0 for s in STATUSES}
    for b in bookings:
        counts[b.status] = counts.get(b.status, 0) + 1
    counts["checked_in"] = sum(
        1 for b in bookings if b.checked_in_at is not None and b.status != PlaceStatus.CANCELLED
    )
    holders = [
        b.registration
        for b in bookings
        if b.status in ("confirmed", "waitlisted")
        and b.registration.status != PlaceStatus.CANCELLED
    ]
    if session.seats is None:
        modes = [mode for mode, followed in FOLLOWS.items() if session.format in followed]
        followers = db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum.id,
                Registration.status != PlaceStatus.CANCELLED,
                Registration.attendance.in_(modes),
            )
        ).all()
        people = {r.id: r for r in [*holders, *followers]}
    else:
        people = {r.id: r for r in holders}
    needs, other = _need_counts(list(people.values()))
    return SessionPeople(
        session=session,
        seated=session.seats is not None,
        rows=rows,
        counts=counts,
        followers=len(people),
        accessibility=needs,
        other_needs=other,
    )


def session_counts(forum: Forum) -> dict[int, dict[str, int]]:
    """Per session id: confirmed and waitlisted places held."""
    rows = db.session.execute(
        select(Booking.session_id, Booking.status, func.count())
        .join(ForumSession, ForumSession.id == Booking.session_id)
        .where(ForumSession.forum_id == forum.id)
        .group_by(Booking.session_id, Booking.status)
    ).all()
    out: dict[int, dict[str, int]] = {}
    for session_id, status, n in rows:
        out.setdefault(session_id, {s: 0 for s in STATUSES})[status] = n
    return out


def get_registration(forum: Forum, registration_id: int) -> Registration:
    row = db.session.get(Registration, registration_id)
    if row is None or row.forum_id != forum.id:
        raise NotFound(_("This forum has no such registration."))
    return row


def get_booking(forum: Forum, booking_id: int) -> Booking:
    row = db.session.get(Booking, booking_id)
    if row is None or row.session.forum_id != forum.id:
        raise NotFound(_("This forum has no such booking."))
    return row


# ============================================================================ changing


def audit_person(user: User, action: str, forum: Forum, registration: Registration, **details: Any):
    db.session.add(
        AuditEntry(
            user_id=user.id,
            action=action,
            forum_id=forum.id,
            registration_id=registration.id,
            details=details,
        )
    )


def _clean_reason(reason: str) -> str:
    return " ".join((reason or "").split())[:500]


def cancel_registration(
    forum: Forum, registration_id: int, user: User, *, reason: str = ""
) -> Registration:
    """Cancel a registration for its owner: every freed place goes to the first person
    waiting; the person is told (with the reason); the audit log records who did it."""
    reason = _clean_reason(reason)
    with write_transaction():
        lock_forum(forum.id)
        registration = get_registration(forum, registration_id)
        db.session.refresh(registration)
        previous = registration.status
        operations.cancel_locked(registration, cancelled_by="organizer", reason=reason or None)
        audit_person(
            user, "registration.cancel", forum, registration, previous=previous, reason=reason
        )
    return registration


def _no_place() -> InvalidState:
    return InvalidState(
        _(
            "No place is free. Raise the capacity first, or confirm that you admit this "
            "person beyond it."
        )
    )


def promote_registration(
    forum: Forum,
    registration_id: int,
    user: User,
    *,
    over_capacity: bool = False,
    reason: str = "",
) -> Registration:
    """Give a waitlisted person an in-person place by hand, out of turn if need be; beyond
    the capacity only when `over_capacity` says so."""
    reason = _clean_reason(reason)
    with write_transaction():
        lock_forum(forum.id)
        registration = get_registration(forum, registration_id)
        db.session.refresh(registration)
        if registration.status != PlaceStatus.WAITLISTED:
            raise InvalidState(_("This person is not on the waitlist."))
        position = ledger.forum_waitlist_position(registration)
        taken = ledger.promote_registration(registration, beyond_capacity=over_capacity)
        if taken is None:
            raise _no_place()
        if not taken:
            registration.over_capacity_reason = reason or _("Promoted by an organizer.")
        audit_person(
            user,
            "registration.promote",
            forum,
            registration,
            position=position,
            over_capacity=not taken,
            reason=reason,
        )
    return registration


def promote_booking(
    forum: Forum, booking_id: int, user: User, *, over_capacity: bool = False, reason: str = ""
) -> Booking:
    """Give a person waiting for a session a seat by hand (beyond its seats only when
    `over_capacity` says so)."""
    reason = _clean_reason(reason)
    with write_transaction():
        lock_forum(forum.id)
        booking = get_booking(forum, booking_id)
        db.session.refresh(booking)
        if booking.status != PlaceStatus.WAITLISTED:
            raise InvalidState(_("This person is not waiting for this session."))
        if booking.registration.status == PlaceStatus.CANCELLED:
            raise InvalidState(_("This registration has been cancelled."))
        position = ledger.booking_waitlist_position(booking)
        taken = ledger.promote_booking(booking, beyond_capacity=over_capacity)
        if taken is None:
            raise _no_place()
        audit_person(
            user,
            "booking.promote",
            forum,
            booking.registration,
            session_id=booking.session_id,
            position=position,
            over_capacity=not taken,
            reason=reason,
        )
    return booking
