"""Pre-registration: the rules shared by the web form and the JSON API.

Seats are taken with one conditional UPDATE whose row count is checked, inside a write
transaction that starts with BEGIN IMMEDIATE on SQLite. Locks are always taken in the same
order (the forum row, then session rows by id), so concurrent registrations cannot deadlock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.bounds import ID_MAX
from app.core.db import db, utcnow, write_transaction
from app.core.errors import (
    AlreadyRegistered,
    NotFound,
    RegistrationCancelled,
    RegistrationClosed,
    ValidationFailed,
)
from app.core.locks import CapacityChanged, lock_forum, share_forum
from app.core.text import check_text, normalise_email
from app.core.tokens import (
    hash_token,
    link_matches,
    new_confirmation_code,
    new_token,
    read_manage_link,
)
from app.models import (
    Booking,
    Forum,
    ForumSession,
    OutboxMessage,
    Registration,
    ServiceRequest,
)
from app.models.enums import (
    ACCESSIBILITY_NEEDS,
    ATTENDANCE_MODES,
    ATTENDEE_CATEGORIES,
    INVITE_SOURCE,
    INVITED_CATEGORIES,
    LOCALES,
    AttendanceMode,
    AttendeeCategory,
    ForumFormat,
    ForumStatus,
    PlaceStatus,
    SessionStatus,
)
from app.outbox import notify
from app.places import ledger
from app.programme.views import window_state
from app.registration import access_requests
from app.registration.state import attendance_state

NAME_MAX = 200
AFFILIATION_MAX = 200
OTHER_NEEDS_MAX = 500
# The version of the consent text shown on the form; recorded with every registration.
CONSENT_VERSION = "2026-11-v1"
# Recorded instead for a person an organizer registered: the organizer answers for the basis
# (an invitation accepted, a speaker's contract), and the person is told by the usual mail.
INVITE_CONSENT_BASIS = "organizer-invite"


@dataclass
class RegistrationRequest:
    """What a person asks for, from the form or the API, before validation."""

    name: str
    email: str
    attendance: str
    session_ids: list[int] = field(default_factory=list)
    affiliation: str = ""
    locale: str = "ko"
    consent_personal_data: bool = False
    consent_marketing: bool = False
    consent_accessibility: bool = False
    accessibility_needs: list[str] = field(default_factory=list)
    accessibility_other: str = ""
    source: str = "web"
    # The language the person listens in (empty: the floor's), a receiver in the hall, and
    # requests for access services: [{session_id, kind, language}] (see access_requests).
    listening_language: object = ""
    needs_receiver: object = False
    service_requests: object = field(default_factory=list)
    # Set by organizers only (`invite`): the public form and API never carry it.
    category: str = AttendeeCategory.GENERAL


@dataclass
class RegistrationResult:
    registration: Registration
    manage_token: str
    calendar_token: str
    # The new registration's service requests when known without asking the database (none
    # asked for, as most people); None: read them.
    service_requests: list[ServiceRequest] | None = None


# ----------------------------------------------------------------------------- lookups


def published_forum(slug: str) -> Forum:
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None or forum.status != ForumStatus.PUBLISHED:
        raise NotFound(_("There is no such forum."))
    return forum


def registration_by_token(token: str) -> Registration:
    """The registration a manage link opens: the person's own token, or a signed link from a
    mail sent to many (valid while that token is). NotFound for an unknown or replaced one."""
    if not token or len(token) > 200:
        raise NotFound(_("This link is not valid."))
    signed = read_manage_link(current_app.config["SECRET_KEY"], token)
    found = (
        Registration.id == signed[0]
        if signed
        else Registration.manage_token_hash == hash_token(token)
    )
    registration = db.session.scalar(
        select(Registration)
        .where(found)
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
    )
    if registration is None or (
        signed and not link_matches(signed[1], registration.manage_token_hash)
    ):
        raise NotFound(_("This link is not valid."))
    return registration


def allowed_attendance(forum: Forum) -> tuple[str, ...]:
    if forum.format == ForumFormat.HYBRID:
        return ATTENDANCE_MODES
    return (forum.format,)


def bookable_sessions(forum: Forum) -> list[ForumSession]:
    """Sessions with seats of their own that a person chooses on the form."""
    return list(
        db.session.scalars(
            select(ForumSession)
            .where(
                ForumSession.forum_id == forum.id,
                ForumSession.status == SessionStatus.SCHEDULED,
                ForumSession.seats.is_not(None),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )


# -------------------------------------------------------------------------- validation


def _overlapping(sessions: Sequence[ForumSession]) -> tuple[ForumSession, ForumSession] | None:
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for earlier, later in itertools.pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            return earlier, later
    return None


def _session_title(session: ForumSession, locale: str) -> str:
    first, second = (
        (session.title_ko, session.title_en)
        if locale == "ko"
        else (session.title_en, session.title_ko)
    )
    return first or second


def _check_sessions(
    errors: dict[str, list[str]],
    forum: Forum,
    session_ids: Iterable[object],
    attendance: str,
    locale: str,
) -> list[ForumSession]:
    ids: list[int] = []
    for raw in session_ids:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            errors.setdefault("session_ids", []).append(_("Session ids must be numbers."))
            return []
        try:
            ids.append(int(raw))
        except ValueError:
            errors.setdefault("session_ids", []).append(_("Session ids must be numbers."))
            return []
    ids = sorted(set(ids))
    if not ids:
        return []
    # Ids outside the column's range match nothing; the database must not see them (SQLite
    # raises OverflowError past 64 bits, PostgreSQL "out of range" past 32).
    in_range = [i for i in ids if 0 < i <= ID_MAX]
    found = {
        s.id: s
        for s in db.session.scalars(
            select(ForumSession).where(
                ForumSession.id.in_(in_range), ForumSession.forum_id == forum.id
            )
        )
    }
    unknown = [i for i in ids if i not in found]
    if unknown:
        errors.setdefault("session_ids", []).append(
            _(
                "These sessions are not part of this forum: %(ids)s",
                ids=", ".join(map(str, unknown)),
            )
        )
        return []
    chosen = [found[i] for i in ids]
    for session in chosen:
        if session.status != SessionStatus.SCHEDULED:
            errors.setdefault("session_ids", []).append(
                _("“%(title)s” has been cancelled.", title=_session_title(session, locale))
            )
        elif attendance == "online" and session.format == ForumFormat.IN_PERSON:
            errors.setdefault("session_ids", []).append(
                _(
                    "“%(title)s” takes place in person only;"
                    " choose in-person attendance to join it.",
                    title=_session_title(session, locale),
                )
            )
    clash = _overlapping(chosen)
    if clash:
        errors.setdefault("session_ids", []).append(
            _(
                "“%(first)s” and “%(second)s” take place at the same time; choose one.",
                first=_session_title(clash[0], locale),
                second=_session_title(clash[1], locale),
            )
        )
    return chosen


def validate(forum: Forum, req: RegistrationRequest) -> tuple[dict, list[ForumSession]]:
    """Check every field; return the cleaned values and the chosen sessions, or raise."""
    errors: dict[str, list[str]] = {}
    name = check_text(errors, "name", req.name, required=True, limit=NAME_MAX)
    affiliation = check_text(
        errors, "affiliation", req.affiliation, required=False, limit=AFFILIATION_MAX
    )
    email = normalise_email(req.email)
    if email is None:
        errors.setdefault("email", []).append(
            _("Enter a valid email address, like name@example.org.")
        )
    locale = req.locale if req.locale in LOCALES else None
    if locale is None:
        errors.setdefault("locale", []).append(_("Choose Korean or English."))
    if not req.attendance:
        errors.setdefault("attendance", []).append(_("This field is required."))
    elif req.attendance not in allowed_attendance(forum):
        errors.setdefault("attendance", []).append(
            _("This forum does not offer that way of attending.")
        )
    if req.consent_personal_data is not True:
        errors.setdefault("consent_personal_data", []).append(
            _("Registration needs your consent to the collection and use of personal data.")
        )
    needs = list(dict.fromkeys(req.accessibility_needs or []))
    unknown_needs = [n for n in needs if n not in ACCESSIBILITY_NEEDS]
    if unknown_needs:
        errors.setdefault("accessibility_needs", []).append(_("Choose from the listed needs."))
    other = check_text(
        errors,
        "accessibility_other",
        req.accessibility_other,
        required=False,
        limit=OTHER_NEEDS_MAX,
    )
    if (needs or other) and req.consent_accessibility is not True:
        errors.setdefault("consent_accessibility", []).append(
            _("To record accessibility needs, tick the separate consent for them.")
        )
    if req.category not in ATTENDEE_CATEGORIES:
        errors.setdefault("category", []).append(_("Choose one of the listed categories."))
    sessions = _check_sessions(errors, forum, req.session_ids or [], req.attendance, locale or "ko")
    languages = access_requests.check(
        errors,
        forum,
        attendance=req.attendance,
        chosen=sessions,
        choice=access_requests.LanguageChoice(
            req.listening_language, req.needs_receiver, req.service_requests
        ),
        consent=req.consent_accessibility is True,
        locale=locale or "ko",
    )
    if errors:
        raise ValidationFailed(errors)
    assert email is not None and locale is not None
    cleaned = {
        "name": name,
        "affiliation": affiliation,
        "email": email[0],
        "email_normalized": email[1],
        "locale": locale,
        "needs": needs if req.consent_accessibility else [],
        "other": other if req.consent_accessibility else "",
        "languages": languages,
    }
    return cleaned, sessions


# ------------------------------------------------------------------------------ use cases


def register(
    forum: Forum, req: RegistrationRequest, *, now: datetime | None = None
) -> RegistrationResult:
    """Register a person: validate, take places in a fixed lock order, queue the mail."""
    now = now or utcnow()
    if window_state(forum, now) != "open":
        raise RegistrationClosed(_("Pre-registration for this forum is not open."))
    return _register(forum, replace(req, category=AttendeeCategory.GENERAL), now=now)


def invite(
    forum: Forum, req: RegistrationRequest, *, now: datetime | None = None
) -> RegistrationResult:
    """An organizer registers an invited person (a speaker, a guest, the press, staff) or
    anyone else by hand, whether or not pre-registration is open; invited people may take the
    places held back for them. The person gets the usual mail with their links."""
    req = replace(req, source=INVITE_SOURCE, consent_personal_data=True)
    return _register(forum, req, now=now or utcnow())


def _register(forum: Forum, req: RegistrationRequest, *, now: datetime) -> RegistrationResult:
    cleaned, sessions = validate(forum, req)
    manage_token, calendar_token = new_token(), new_token()
    # Only an in-person registration in a forum with a capacity takes the forum row's lock
    # exclusively; the others share it. A new address is the rule, so the first try inserts
    # without looking: an address already there (or arriving at the same moment) fails on
    # the unique index, and the next try finds its registration. A third try is for two
    # people coming back at once to the same cancelled registration: one of them wins.
    exclusive = counts_forum_place(forum, req.attendance)
    attempts = (False, True, True)
    for attempt, look_first in enumerate(attempts, start=1):
        try:
            registration = _register_once(
                forum,
                req,
                cleaned,
                sessions,
                now,
                (manage_token, calendar_token),
                exclusive=exclusive,
                look_first=look_first,
            )
            break
        except CapacityChanged:
            exclusive = True
        except IntegrityError:
            if attempt == len(attempts):
                raise
    # The counters moved in the database, not in the loaded rows: reload them when next read.
    db.session.expire(forum, ledger.FORUM_COUNTERS)
    for session in sessions:
        db.session.expire(session, ledger.SESSION_COUNTERS)
    asked = _asked(cleaned)
    return RegistrationResult(
        registration, manage_token, calendar_token, None if asked.wishes else []
    )


def _asked(cleaned: dict) -> access_requests.Checked:
    """The checked listening language and services (nothing asked when the form had none)."""
    return cleaned.get("languages") or access_requests.Checked()


def counts_forum_place(forum: Forum, attendance: str) -> bool:
    """Whether a registration attending so takes a counted forum place: it then takes the
    forum row's lock exclusively (`add_registration(exclusive=True)`)."""
    return attendance == AttendanceMode.IN_PERSON and forum.in_person_capacity is not None


def _register_once(
    forum: Forum,
    req: RegistrationRequest,
    cleaned: dict,
    sessions: list[ForumSession],
    now: datetime,
    tokens: tuple[str, str],
    *,
    exclusive: bool,
    look_first: bool,
) -> Registration:
    forum_id = forum.id
    # The forum and sessions loaded above stay loaded (not expired and reloaded one by one):
    # seats and places are taken by conditional UPDATEs, whatever a loaded row says.
    with write_transaction(expire_on_commit=False):
        existing = (
            db.session.scalar(
                select(Registration).where(
                    Registration.forum_id == forum_id,
                    Registration.email_normalized == cleaned["email_normalized"],
                )
            )
            if look_first
            else None
        )
        if existing is not None and existing.status != PlaceStatus.CANCELLED:
            if req.source == INVITE_SOURCE:
                raise AlreadyRegistered(
                    _(
                        "%(email)s is registered already: change the category on their page.",
                        email=existing.email,
                    )
                )
            # Never reveal the registration: send its owner a fresh manage link instead.
            _resend_manage_link(existing, now=now)
            db.session.commit()
            raise AlreadyRegistered(
                _("This address is already registered. We have sent its manage link to it.")
            )
        if existing is not None:
            release_address(existing)
        registration = add_registration(
            forum, req, cleaned, sessions, now, tokens, exclusive=exclusive
        )
    return registration


def release_address(cancelled: Registration) -> None:
    """Someone registers the address of a cancelled registration: a fresh registration with a
    new code, which shows nothing of the old one. The old row stays (the organizer's record
    of a cancellation) but gives up the address's key, and its links stop working."""
    cancelled.email_normalized = None
    cancelled.manage_token_hash = hash_token(new_token())
    cancelled.calendar_token_hash = hash_token(new_token())
    db.session.flush()


def add_registration(
    forum: Forum,
    req: RegistrationRequest,
    cleaned: dict,
    sessions: list[ForumSession],
    now: datetime,
    tokens: tuple[str, str],
    *,
    exclusive: bool,
) -> Registration:
    """Take the places, add the registration and its bookings, queue its mail: inside the
    caller's write transaction, checked values only. `exclusive`: the caller holds the forum
    row's lock exclusively (a forum place is counted); else it is shared here."""
    forum_id = forum.id
    manage_token, calendar_token = tokens
    # The forum row's lock before any other row's: the same order everywhere.
    if exclusive:
        invited = req.category in INVITED_CATEGORIES
        status, waitlist_seq = ledger.claim_forum_place(forum.id, invited=invited)
    else:
        share_forum(forum_id, counting=req.attendance == AttendanceMode.IN_PERSON)
        status, waitlist_seq = "confirmed", None
    fields = {
        "name": cleaned["name"],
        "email": cleaned["email"],
        "email_normalized": cleaned["email_normalized"],
        "affiliation": cleaned["affiliation"],
        "attendance": req.attendance,
        "locale": cleaned["locale"],
        "source": req.source,
        "category": req.category,
        "manage_token_hash": hash_token(manage_token),
        "calendar_token_hash": hash_token(calendar_token),
        "consent_version": (
            INVITE_CONSENT_BASIS if req.source == INVITE_SOURCE else CONSENT_VERSION
        ),
        "consented_at": now,
        "marketing_consent": bool(req.consent_marketing),
        "marketing_consented_at": now if req.consent_marketing else None,
        "accessibility_consent": bool(req.consent_accessibility),
        "accessibility_consented_at": now if req.consent_accessibility else None,
        "accessibility_needs": cleaned["needs"],
        "accessibility_other": cleaned["other"],
    }
    registration = Registration(
        forum_id=forum_id, confirmation_code=new_confirmation_code(), bookings=[], **fields
    )
    registration.status, registration.waitlist_seq = status, waitlist_seq
    db.session.add(registration)
    db.session.flush()  # its id, for the bookings and the mail (and the unique index)
    for session in sorted(sessions, key=lambda s: s.id):
        _book(registration, session)
    access_requests.store(registration, _asked(cleaned), new=True)
    kind = attendance_state(registration, positions=False).mail_kind
    notify(registration, kind, manage_token=manage_token, calendar_token=calendar_token)
    return registration


def _book(registration: Registration, session: ForumSession) -> Booking:
    status, number = ledger.claim_session_seat(registration, session)
    # A registration that comes back after cancelling reuses its old rows.
    booking = next((b for b in registration.bookings if b.session_id == session.id), None)
    if booking is None:
        booking = Booking(registration=registration, session=session)
        db.session.add(booking)
    booking.status, booking.waitlist_seq = status, number
    return booking


def _resend_manage_link(registration: Registration, *, now: datetime) -> None:
    """Replace the manage token and mail the new link; earlier links stop working.

    At most MANAGE_LINK_RESENDS_PER_HOUR a registration: beyond that nothing is queued and
    the working link is left alone, so repeated attempts cannot flood an inbox or keep
    breaking its owner's link. The answer to the person asking stays the same.
    """
    limit = current_app.config.get("MANAGE_LINK_RESENDS_PER_HOUR", 3)
    recent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.registration_id == registration.id,
            OutboxMessage.kind == "manage_link",
            OutboxMessage.created_at >= now - timedelta(hours=1),
        )
    )
    if recent >= limit:
        return
    notify(registration, "manage_link", manage_token=renew_manage_token(registration))


def renew_manage_token(registration: Registration) -> str:
    """A new manage link for the registration (inside the caller's transaction); earlier
    links stop working."""
    token = new_token()
    registration.manage_token_hash = hash_token(token)
    return token


def update_registration(
    registration: Registration,
    *,
    attendance: str | None = None,
    session_ids: Sequence[object] | None = None,
    languages: access_requests.LanguageChoice | None = None,
    consent_accessibility: bool | None = None,
) -> Registration:
    """Switch attendance and/or replace the chosen sessions, and change the listening
    language, the receiver and the service requests, under the same rules as registering.
    `consent_accessibility=True` gives the separate consent now (it is never withdrawn here)."""
    if registration.status == PlaceStatus.CANCELLED:
        raise RegistrationCancelled(_("This registration has been cancelled."))
    forum = registration.forum
    new_attendance = attendance if attendance is not None else registration.attendance
    errors: dict[str, list[str]] = {}
    if new_attendance not in allowed_attendance(forum):
        errors.setdefault("attendance", []).append(
            _("This forum does not offer that way of attending.")
        )
    current_ids = [b.session_id for b in registration.bookings if b.status != PlaceStatus.CANCELLED]
    wanted = _check_sessions(
        errors,
        forum,
        current_ids if session_ids is None else session_ids,
        new_attendance,
        registration.locale,
    )
    before = access_requests.current_choice(registration)
    consent = bool(registration.accessibility_consent or consent_accessibility is True)
    checked = access_requests.check(
        errors,
        forum,
        attendance=new_attendance,
        chosen=wanted,
        choice=languages or access_requests.LanguageChoice(),
        consent=consent,
        locale=registration.locale,
        before=before,
    )
    if errors:
        raise ValidationFailed(errors)
    closed = window_state(forum) != "open"
    if closed and _takes_a_new_place(registration, new_attendance, wanted):
        raise RegistrationClosed(
            _(
                "Pre-registration has closed: you can still give up places or cancel,"
                " but not take new ones. The registration desk can help on the day."
            )
        )
    if closed and checked.asks_more_than(before):
        raise RegistrationClosed(
            _(
                "Pre-registration has closed: languages, receivers and access services can no"
                " longer be asked for here (you can still withdraw a request). Write to the"
                " organizers, or ask at the registration desk on the day."
            )
        )

    with write_transaction():
        lock_forum(forum.id)
        db.session.refresh(registration)
        wanted_ids = {s.id for s in wanted}
        mode_changed = new_attendance != registration.attendance
        active = {
            b.session_id: b for b in registration.bookings if b.status != PlaceStatus.CANCELLED
        }
        # Release first (seats go back to the waitlist), in session-id order.
        for session_id in sorted(active):
            if session_id not in wanted_ids or mode_changed:
                ledger.release_booking(active[session_id])
        if mode_changed:
            ledger.release_forum_place(registration)
            registration.attendance = new_attendance
            if new_attendance == "in_person":
                registration.status, registration.waitlist_seq = ledger.claim_forum_place(
                    forum.id, invited=registration.invited
                )
            else:
                registration.status = "confirmed"
        db.session.flush()
        for session in sorted(wanted, key=lambda s: s.id):
            if session.id not in active or mode_changed:
                _book(registration, session)
        if checked.wishes and not registration.accessibility_consent:
            registration.accessibility_consent = True
            registration.accessibility_consented_at = utcnow()
        access_requests.store(registration, checked)
        registration.updated_at = utcnow()
    return registration


def _takes_a_new_place(
    registration: Registration, attendance: str, wanted: Sequence[ForumSession]
) -> bool:
    """Whether a change asks for something the person does not hold yet: in-person attendance,
    or a session not booked now. Giving things up never does."""
    held = {b.session_id for b in registration.bookings if b.status != PlaceStatus.CANCELLED}
    joins_in_person = (
        attendance == AttendanceMode.IN_PERSON
        and registration.attendance != AttendanceMode.IN_PERSON
    )
    return joins_in_person or any(s.id not in held for s in wanted)


def cancel_registration(registration: Registration) -> Registration:
    """Cancel everything; every freed place goes to the first person waiting for it."""
    if registration.status == PlaceStatus.CANCELLED:
        raise RegistrationCancelled(_("This registration has been cancelled."))
    with write_transaction():
        lock_forum(registration.forum_id)
        db.session.refresh(registration)
        cancel_locked(registration)
    return registration


def cancel_locked(registration: Registration, **notice: object) -> None:
    """Cancel a registration whose forum the caller has locked: release its seats and place
    (the first people waiting get them) and tell the person (`notice`: who cancelled, why)."""
    if registration.status == PlaceStatus.CANCELLED:
        raise RegistrationCancelled(_("This registration has been cancelled."))
    for booking in sorted(registration.bookings, key=lambda b: b.session_id):
        if booking.status != PlaceStatus.CANCELLED:
            ledger.release_booking(booking)
    ledger.release_forum_place(registration)
    registration.status = PlaceStatus.CANCELLED
    registration.cancelled_at = utcnow()
    notify(registration, "registration_cancelled", **notice)


def replace_calendar_token(registration: Registration) -> str:
    """A new personal feed address; the old one answers 404 from now on."""
    token = new_token()
    with write_transaction():
        db.session.refresh(registration)
        registration.calendar_token_hash = hash_token(token)
    return token
