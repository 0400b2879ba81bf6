"""A registration's attendance state: the one answer every page, mail, feed and desk reads.

For the forum: an in-person place (confirmed), a place on the forum's waiting list (with its
position), online attendance, or cancelled. For each booked session: a seat (confirmed), a
place on its waiting list (with its position), or not booked. What follows from it (the kind
of confirmation mail, a calendar entry's STATUS, whether a desk may check the person in) is
answered here, so no reader works it out again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from app.models import Registration
from app.models.enums import AttendanceMode, PlaceStatus
from app.places import ledger


class ForumPlace(StrEnum):
    IN_PERSON = "in_person"  # a confirmed in-person place
    WAITLISTED = "waitlisted"  # in person, on the forum's waiting list
    ONLINE = "online"
    CANCELLED = "cancelled"


class Refusal(StrEnum):
    """Why a desk may not check a person in (the codes the desk and its API answer with)."""

    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"  # for a forum place
    ONLINE = "online"
    NOT_BOOKED = "not_booked"
    SESSION_WAITLISTED = "session_waitlisted"
    SESSION_CANCELLED = "session_cancelled"


@dataclass(frozen=True)
class SessionPlace:
    session_id: int
    status: PlaceStatus  # confirmed, waitlisted, or cancelled (given up)
    waitlist_position: int | None = None


@dataclass(frozen=True)
class Attendance:
    registration_id: int
    forum: ForumPlace
    forum_position: int | None = None
    sessions: dict[int, SessionPlace] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return self.forum is ForumPlace.CANCELLED

    @property
    def status(self) -> PlaceStatus:
        """The registration's own status as the API states it."""
        if self.forum is ForumPlace.CANCELLED:
            return PlaceStatus.CANCELLED
        if self.forum is ForumPlace.WAITLISTED:
            return PlaceStatus.WAITLISTED
        return PlaceStatus.CONFIRMED

    @property
    def waitlist_position(self) -> int | None:
        """The position on the forum's waiting list (as the API states it), if waiting."""
        return self.forum_position

    def position_in(self, session_id: int) -> int | None:
        """The position on a session's waiting list, if waiting for it."""
        place = self.sessions.get(session_id)
        return place.waitlist_position if place is not None else None

    @property
    def mail_kind(self) -> str:
        """The confirmation to send: the waitlist notice only while the forum place itself is
        waiting. A full session alone does not keep a person away from the forum; the
        confirmation lists that session as waitlisted."""
        if self.forum is ForumPlace.WAITLISTED:
            return "registration_waitlisted"
        return "registration_confirmed"

    def session(self, session_id: int) -> SessionPlace | None:
        """The person's place in a session, None when not booked (or given up)."""
        place = self.sessions.get(session_id)
        return place if place is not None and place.status != PlaceStatus.CANCELLED else None

    def is_tentative(self, session_id: int) -> bool:
        """A calendar entry's STATUS: TENTATIVE while the forum place waits, or the session's."""
        if self.forum is ForumPlace.WAITLISTED:
            return True
        place = self.session(session_id)
        return place is not None and place.status == PlaceStatus.WAITLISTED

    def watches_online(self) -> bool:
        return self.forum is ForumPlace.ONLINE

    def refusal(self, session_id: int | None = None) -> Refusal | None:
        """Why this person may not be checked in at the forum's desk (`session_id` None) or
        at a session's; None when they may. A session desk admits only people who hold both an
        in-person forum place and a seat in that session."""
        if self.forum is ForumPlace.CANCELLED:
            return Refusal.CANCELLED
        if session_id is not None:
            place = self.sessions.get(session_id)
            if place is None:
                return Refusal.NOT_BOOKED
            if place.status == PlaceStatus.CANCELLED:
                return Refusal.SESSION_CANCELLED
            if place.status == PlaceStatus.WAITLISTED:
                return Refusal.SESSION_WAITLISTED
        if self.forum is ForumPlace.WAITLISTED:
            return Refusal.WAITLISTED
        if self.forum is ForumPlace.ONLINE:
            return Refusal.ONLINE
        return None


def forum_place(registration: Registration) -> ForumPlace:
    if registration.status == PlaceStatus.CANCELLED:
        return ForumPlace.CANCELLED
    if registration.attendance == AttendanceMode.ONLINE:
        return ForumPlace.ONLINE
    if registration.status == PlaceStatus.WAITLISTED:
        return ForumPlace.WAITLISTED
    return ForumPlace.IN_PERSON


def forum_place_is(place: ForumPlace) -> ColumnElement[bool]:
    """The SQL twin of `forum_place(registration) is place`."""
    r = Registration
    if place is ForumPlace.CANCELLED:
        return r.status == PlaceStatus.CANCELLED
    live = r.status != PlaceStatus.CANCELLED
    if place is ForumPlace.ONLINE:
        return and_(live, r.attendance == AttendanceMode.ONLINE)
    in_person = and_(live, r.attendance != AttendanceMode.ONLINE)
    if place is ForumPlace.WAITLISTED:
        return and_(in_person, r.status == PlaceStatus.WAITLISTED)
    return and_(in_person, r.status != PlaceStatus.WAITLISTED)


def attendance_state(registration: Registration, *, positions: bool = True) -> Attendance:
    """The registration's state, from its row and bookings. `positions=False` skips the
    waiting-list ranks (one query each) where only the statuses are read."""
    place = forum_place(registration)
    forum_position = (
        ledger.forum_waitlist_position(registration)
        if positions and place is ForumPlace.WAITLISTED
        else None
    )
    sessions = {
        b.session_id: SessionPlace(
            b.session_id,
            PlaceStatus(b.status),
            ledger.booking_waitlist_position(b)
            if positions and b.status == PlaceStatus.WAITLISTED
            else None,
        )
        for b in registration.bookings
    }
    return Attendance(registration.id, place, forum_position, sessions)
