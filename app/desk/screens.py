"""What the desk and the doors show: organizer settings for desks, badges, live counts and
the now-and-next display at a venue's door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.access import can_organize
from app.core.bounds import ID_MAX
from app.core.db import db, utcnow, write_transaction
from app.core.errors import (
    Forbidden,
    ValidationFailed,
)
from app.core.languages import language_name
from app.core.presenters import meeting_line
from app.desk.checkin import desk_sessions
from app.desk.desks import published_forum
from app.models import (
    AuditEntry,
    Booking,
    Forum,
    ForumSession,
    OnlineAttendance,
    ProgrammeChange,
    Registration,
    SessionSpeaker,
    User,
    Venue,
)
from app.models.enums import (
    ATTENDEE_CATEGORIES,
    WALK_IN_SOURCE,
    AttendanceMode,
    PlaceStatus,
    SessionStatus,
)
from app.places import ledger
from app.programme.views import (
    SessionAccess,
    StreamView,
    forum_services,
    session_access,
    stream_view,
)


# ------------------------------------------------------------------- organizer settings
def set_desk_override(forum: Forum, value: str | None, user: User) -> None:
    """Open the desk now, close it, or let it open by itself on the forum's days (None)."""
    if not can_organize(user, forum):
        raise Forbidden(_("Only an organizer of this forum can open or close its desk."))
    if value not in (None, "open", "closed"):
        raise ValidationFailed({"desk": [_("Choose open, closed or automatic.")]})
    with write_transaction():
        fresh = db.session.get(Forum, forum.id, populate_existing=True)
        fresh.desk_override = value
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="desk_override",
                forum_id=forum.id,
                details={"desk_override": value},
            )
        )


def set_kiosk(forum: Forum, enabled: bool, user: User) -> None:
    if not can_organize(user, forum):
        raise Forbidden(_("Only an organizer of this forum can turn its kiosk on or off."))
    with write_transaction():
        fresh = db.session.get(Forum, forum.id, populate_existing=True)
        fresh.kiosk_enabled = bool(enabled)
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="kiosk_enabled" if enabled else "kiosk_disabled",
                forum_id=forum.id,
                details={},
            )
        )


# ------------------------------------------------------------------------------- badges


class BadgeGroup(StrEnum):
    """Who a batch of badges is for. Walk-ins get a badge at the desk when they register; a
    batch of them reprints those for a second day or a lost badge."""

    PRE_REGISTERED = "pre-registered"
    WALK_INS = "walk-ins"
    EVERYONE = "everyone"


def badge_people(
    forum: Forum, group: BadgeGroup = BadgeGroup.PRE_REGISTERED, category: str | None = None
) -> list[Registration]:
    """Everyone of `group` (and of `category`, if given) with a confirmed in-person place, by
    name: the batch to print."""
    query = select(Registration).where(
        Registration.forum_id == forum.id,
        Registration.status == PlaceStatus.CONFIRMED,
        Registration.attendance == AttendanceMode.IN_PERSON,
        Registration.anonymised_at.is_(None),
    )
    if group == BadgeGroup.PRE_REGISTERED:
        query = query.where(Registration.source != WALK_IN_SOURCE)
    elif group == BadgeGroup.WALK_INS:
        query = query.where(Registration.source == WALK_IN_SOURCE)
    if category is not None:
        query = query.where(Registration.category == category)
    query = query.options(selectinload(Registration.bookings).selectinload(Booking.session))
    return list(db.session.scalars(query.order_by(Registration.name, Registration.id)))


def badge_meetings(registration: Registration) -> list[tuple[ForumSession, str]]:
    """The tours a person holds a confirmed seat on, each with its meeting point: printed on
    the badge so nobody has to look up where the bus leaves."""
    tz = registration.forum.timezone
    booked = (
        b.session
        for b in sorted(registration.bookings, key=lambda b: b.session.starts_at)
        if b.status == PlaceStatus.CONFIRMED and b.session.status != SessionStatus.CANCELLED
    )
    lines = ((session, meeting_line(session, tz)) for session in booked)
    return [(session, line) for session, line in lines if line]


# ---------------------------------------------------------------------------- live counts


@dataclass
class SessionCount:
    session: ForumSession
    confirmed: int = 0
    waitlisted: int = 0
    checked_in: int = 0


@dataclass
class Counts:
    at: datetime
    capacity: int | None
    taken: int
    # Confirmed registrations and check-ins per attendance mode (walk-ins included).
    registered: dict[str, int] = field(default_factory=dict)
    checked_in: dict[str, int] = field(default_factory=dict)
    waitlisted: int = 0
    cancelled: int = 0
    walk_ins: int = 0
    over_capacity: int = 0
    sessions: list[SessionCount] = field(default_factory=list)
    # People who opened a stream from their watch page: in all, and per session watched.
    watched_online: int = 0
    online_sessions: list[tuple[ForumSession, int]] = field(default_factory=list)
    # Confirmed registrations and check-ins per category (speaker, guest…), every one listed.
    categories: dict[str, list[int]] = field(
        default_factory=lambda: {c: [0, 0] for c in ATTENDEE_CATEGORIES}
    )

    @property
    def registered_total(self) -> int:
        return sum(self.registered.values())

    @property
    def checked_in_total(self) -> int:
        return sum(self.checked_in.values())

    @property
    def pre_registered(self) -> int:
        return self.registered_total - self.walk_ins


def live_counts(forum: Forum, *, now: datetime | None = None) -> Counts:
    fresh = db.session.get(Forum, forum.id, populate_existing=True)
    counts = Counts(
        at=now or utcnow(),
        capacity=fresh.in_person_capacity,
        taken=ledger.places_taken(fresh),
        registered={"in_person": 0, "online": 0},
        checked_in={"in_person": 0, "online": 0},
    )
    rows = db.session.execute(
        select(
            Registration.attendance,
            Registration.status,
            Registration.source,
            Registration.category,
            func.count(),
            func.count(Registration.checked_in_at),
        )
        .where(Registration.forum_id == forum.id)
        .group_by(
            Registration.attendance,
            Registration.status,
            Registration.source,
            Registration.category,
        )
    ).all()
    for attendance, status, source, category, total, checked in rows:
        if status == "confirmed":
            by_category = counts.categories.setdefault(category, [0, 0])
            by_category[0] += total
            by_category[1] += checked
            counts.registered[attendance] = counts.registered.get(attendance, 0) + total
            counts.checked_in[attendance] = counts.checked_in.get(attendance, 0) + checked
            if source == WALK_IN_SOURCE:
                counts.walk_ins += total
        elif status == "waitlisted":
            counts.waitlisted += total
        else:
            counts.cancelled += total
    counts.over_capacity = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum.id,
            Registration.status == PlaceStatus.CONFIRMED,
            Registration.over_capacity_reason != "",
        )
    )
    sessions = {s.id: SessionCount(s) for s in desk_sessions(forum)}
    if sessions:
        for session_id, status, total, checked in db.session.execute(
            select(
                Booking.session_id,
                Booking.status,
                func.count(),
                func.count(Booking.checked_in_at),
            )
            .where(Booking.session_id.in_(list(sessions)))
            .group_by(Booking.session_id, Booking.status)
        ):
            item = sessions[session_id]
            if status == "confirmed":
                item.confirmed += total
                item.checked_in += checked
            elif status == "waitlisted":
                item.waitlisted += total
    counts.sessions = list(sessions.values())
    _count_online(counts, forum)
    return counts


def _count_online(counts: Counts, forum: Forum) -> None:
    """Online attendance beside the check-ins: distinct people, and people per session."""
    watched = OnlineAttendance.forum_id == forum.id
    counts.watched_online = db.session.scalar(
        select(func.count(func.distinct(OnlineAttendance.registration_id))).where(watched)
    )
    per_session = dict(
        db.session.execute(
            select(OnlineAttendance.session_id, func.count())
            .where(watched)
            .group_by(OnlineAttendance.session_id)
        ).all()
    )
    counts.online_sessions = [
        (s, per_session[s.id])
        for s in sorted(forum.sessions, key=lambda s: (s.starts_at, s.id))
        if s.id in per_session
    ]


# ------------------------------------------------------------------- now and next at a door


@dataclass(frozen=True)
class DoorChannel:
    """An interpretation channel of a session on now: its language and the stream that carries
    it, or none (listen on a receiver in the hall)."""

    language: str
    stream: StreamView | None = None
    planned: bool = False

    def language_name(self, locale: str) -> str:
        return language_name(self.language, locale)


@dataclass
class DoorItem:
    session: ForumSession
    block: ForumSession | None = None
    new_time: bool = False
    moved_here: bool = False
    floor: tuple[str, ...] = ()  # the languages spoken on the floor
    channels: list[DoorChannel] = field(default_factory=list)

    def floor_names(self, locale: str) -> str:
        return SessionAccess(floor=self.floor).floor_names(locale)

    @property
    def cancelled(self) -> bool:
        return self.session.status == SessionStatus.CANCELLED


@dataclass
class MovedAway:
    session: ForumSession


@dataclass
class DoorView:
    forum: Forum
    venue: Venue
    now: datetime
    current: list[DoorItem]
    next: list[DoorItem]
    later: list[DoorItem]
    moved_away: list[MovedAway]


def _before_venue(change: ProgrammeChange) -> int | None:
    before = change.before or {}
    value = before.get("venue_id", before.get("venue"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def door_view(slug: str, venue_id: int, *, now: datetime | None = None) -> DoorView | None:
    """What the screen at a venue's door shows: the session on now, what comes next (a
    cancelled session shown plainly, with the next one that does take place), the rest of the
    day, and sessions moved away from this room. None for an unknown forum or venue."""
    now = now or utcnow()
    forum = published_forum(slug)
    if forum is None or not 0 < venue_id <= ID_MAX:
        return None
    venue = db.session.scalar(select(Venue).where(Venue.id == venue_id, Venue.forum_id == forum.id))
    if venue is None:
        return None
    sessions = list(
        db.session.scalars(
            select(ForumSession)
            .where(ForumSession.forum_id == forum.id)
            .options(
                selectinload(ForumSession.venue),
                selectinload(ForumSession.parent),
                selectinload(ForumSession.speaker_links).selectinload(SessionSpeaker.speaker),
                selectinload(ForumSession.streams),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )
    here = [s for s in sessions if s.venue_id == venue.id]
    # A programme block whose parts take place in this room is shown through its parts.
    parents_here = {s.parent_id for s in here if s.parent_id is not None}
    leaves = [s for s in here if s.id not in parents_here]
    changes = list(
        db.session.scalars(
            select(ProgrammeChange)
            .where(ProgrammeChange.forum_id == forum.id, ProgrammeChange.session_id.is_not(None))
            .order_by(ProgrammeChange.created_at, ProgrammeChange.id)
        )
    )
    retimed = {c.session_id for c in changes if c.kind == "moved"}
    moved_in = {
        c.session_id
        for c in changes
        if c.kind == "venue" and _before_venue(c) not in (None, venue.id)
    }
    zone = ZoneInfo(forum.timezone)
    today = now.astimezone(zone).date()

    def item(s: ForumSession) -> DoorItem:
        block = s.parent if s.parent is not None and s.parent.id != s.id else None
        return DoorItem(s, block, s.id in retimed, s.id in moved_in)

    current = [item(s) for s in leaves if s.starts_at <= now < s.ends_at]
    _add_languages(current, forum)
    upcoming = [item(s) for s in leaves if s.starts_at > now]
    nxt: list[DoorItem] = []
    for entry in upcoming:
        nxt.append(entry)
        if not entry.cancelled:
            break
    later = [
        entry
        for entry in upcoming[len(nxt) :]
        if entry.session.starts_at.astimezone(zone).date() == today
    ]
    by_id = {s.id: s for s in sessions}
    moved_away: dict[int, MovedAway] = {}
    for change in changes:
        moved = by_id.get(change.session_id)
        if (
            moved is not None
            and change.kind == "venue"
            and _before_venue(change) == venue.id
            and moved.venue_id != venue.id
            and moved.ends_at > now
        ):
            moved_away[moved.id] = MovedAway(moved)
    return DoorView(forum, venue, now, current, nxt, later, list(moved_away.values()))


def _add_languages(items: list[DoorItem], forum: Forum) -> None:
    """Each session's floor languages and interpretation channels, with the stream of each
    channel (the session's own first, then the forum's; a public one first)."""
    if not items:
        return
    services = forum_services(forum.id)
    forum_streams = [stream_view(link) for link in forum.streams]
    for entry in items:
        access = session_access(entry.session, services.get(entry.session.id, ()))
        entry.floor = access.floor
        streams = [*access.streams, *forum_streams]
        for service in access.interpretation:
            carriers = sorted(
                (
                    s
                    for s in streams
                    if s.kind == "interpretation" and s.language == service.language
                ),
                key=lambda s: s.registrants_only,
            )
            entry.channels.append(
                DoorChannel(service.language, carriers[0] if carriers else None, service.planned)
            )
