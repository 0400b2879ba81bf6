"""Invited people: speakers, guests, press and staff, registered by an organizer.

A person's category is set by organizers only (the public form and API always register the
general public). Invited people may take the places a forum or session holds back for them
(`reserved_places`, `reserved_seats`); the place ledger keeps the counts. An organizer adds
one person on the guests page, many from a CSV file (checked as a whole first, then added
all or nothing in one transaction), or changes the category of someone registered already.

The guest file
--------------
One row per person; English or Korean column names, in any order:

===========  ==========  ===================================================================
column       Korean      value
===========  ==========  ===================================================================
name         이름        required
email        이메일      required; an address registered already is refused (change its
                         category on the person's page instead)
affiliation  소속
category     구분        speaker, guest, press, staff or general (or 연사, 귀빈, 취재, 운영,
                         일반); default guest
attendance   참석 방법   in_person or online (현장, 온라인); default: in person where the
                         forum offers it
locale       언어        ko or en, the language of their mail; default ko
sessions     세션        the sessions with seats they take, by key as the programme export
                         writes them (``S12 S14``)
===========  ==========  ===================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.db import db, utcnow, write_transaction
from app.core.errors import ValidationFailed
from app.core.locks import lock_forum
from app.core.tokens import new_token
from app.models import AuditEntry, Forum, ForumSession, Registration, User
from app.models.enums import (
    ATTENDEE_CATEGORIES,
    INVITED_CATEGORIES,
    AttendanceMode,
    AttendeeCategory,
    PlaceStatus,
)
from app.places import ledger
from app.programme import csv_io
from app.programme.checks import InvalidState
from app.registration import operations
from app.registration.operations import RegistrationRequest, RegistrationResult
from app.registration.people import audit_person, get_registration

MAX_GUESTS = 1_000
COLUMNS: csv_io.Columns = (
    ("name", "이름"),
    ("email", "이메일"),
    ("affiliation", "소속"),
    ("category", "구분"),
    ("attendance", "참석 방법"),
    ("locale", "언어"),
    ("sessions", "세션"),
)
_KOREAN_VALUES = {
    "연사": "speaker",
    "귀빈": "guest",
    "초청": "guest",
    "취재": "press",
    "언론": "press",
    "운영": "staff",
    "일반": "general",
    "현장": "in_person",
    "온라인": "online",
    "한국어": "ko",
    "영어": "en",
}
_SESSION_KEY = re.compile(r"^S(\d{1,12})$", re.IGNORECASE)


# ============================================================================ reading


@dataclass(frozen=True)
class CategoryCount:
    category: str
    active: int  # not cancelled
    in_person: int  # confirmed, in person: the places they hold


def category_counts(forum_id: int) -> list[CategoryCount]:
    """Per category, every one listed: the people registered and the in-person places held."""
    rows = db.session.execute(
        select(Registration.category, Registration.status, Registration.attendance, func.count())
        .where(Registration.forum_id == forum_id, Registration.status != PlaceStatus.CANCELLED)
        .group_by(Registration.category, Registration.status, Registration.attendance)
    ).all()
    active: dict[str, int] = {}
    in_person: dict[str, int] = {}
    for category, status, attendance, n in rows:
        active[category] = active.get(category, 0) + n
        if status == PlaceStatus.CONFIRMED and attendance == AttendanceMode.IN_PERSON:
            in_person[category] = in_person.get(category, 0) + n
    return [CategoryCount(c, active.get(c, 0), in_person.get(c, 0)) for c in ATTENDEE_CATEGORIES]


def invited_people(forum_id: int) -> list[Registration]:
    """Everyone in an invited category, cancelled last, then by category and name."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.forum_id == forum_id,
                Registration.category.in_(INVITED_CATEGORIES),
            )
            .order_by(
                Registration.status == PlaceStatus.CANCELLED,
                Registration.category,
                Registration.name,
                Registration.id,
            )
        )
    )


# ============================================================================ changing


def invite_one(forum: Forum, req: RegistrationRequest, user: User) -> RegistrationResult:
    """Register one invited person by hand (the audit log records who did it)."""
    result = operations.invite(forum, req)
    with write_transaction():
        audit_person(user, "registration.invite", forum, result.registration, category=req.category)
    return result


def change_category(forum: Forum, registration_id: int, category: str, user: User) -> Registration:
    """Set a person's category; the places they hold move between the public and the invited
    counts (a public place freed so goes to the first person waiting)."""
    if category not in ATTENDEE_CATEGORIES:
        raise ValidationFailed({"category": [_("Choose one of the listed categories.")]})
    with write_transaction():
        lock_forum(forum.id)
        registration = get_registration(forum, registration_id)
        db.session.refresh(registration)
        if registration.status == PlaceStatus.CANCELLED:
            raise InvalidState(_("This registration has been cancelled."))
        previous = registration.category
        if previous == category:
            return registration
        invited = category in INVITED_CATEGORIES
        moves = invited != registration.invited
        if moves and not ledger.move_invited_places(registration, invited=invited):
            raise InvalidState(
                _(
                    "This person holds a place held for invited people, and the public has"
                    " no free place to take it in. Lower the reserve or add places first."
                )
            )
        registration.category = category
        registration.updated_at = utcnow()
        audit_person(
            user, "registration.category", forum, registration, previous=previous, now=category
        )
    return registration


# ============================================================================ the CSV file


@dataclass
class GuestRow:
    line: int
    name: str
    email: str
    category: str
    errors: list[str] = field(default_factory=list)
    request: RegistrationRequest | None = None
    # The checked values and sessions of a row without errors, as `operations.validate` gave.
    cleaned: dict | None = None
    sessions: list[ForumSession] = field(default_factory=list)


@dataclass
class GuestPlan:
    rows: list[GuestRow]
    encoding: str

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def _value(raw: str) -> str:
    text = raw.strip()
    return _KOREAN_VALUES.get(text, text.lower())


def _missing(present: list[str]) -> list[str]:
    return [n for n in ("name", "email") if n not in present]


def _session_ids(text: str, errors: list[str]) -> list[int]:
    ids = []
    for key in re.split(r"[\s,;]+", text.strip()):
        if not key:
            continue
        match = _SESSION_KEY.match(key)
        if match is None:
            errors.append(_("Name sessions by key, as the programme export writes them: S12."))
            return []
        ids.append(int(match.group(1)))
    return ids


def default_attendance(forum: Forum) -> str:
    """In person where the forum offers it, else online."""
    allowed = operations.allowed_attendance(forum)
    return AttendanceMode.IN_PERSON if AttendanceMode.IN_PERSON in allowed else allowed[0]


def plan_guests(forum: Forum, data: bytes) -> GuestPlan:
    """Check every row of a guest file as the import would (the dry run); nothing changes."""
    text, encoding = csv_io.decode(data)
    rows = csv_io.read_rows(text, COLUMNS, _missing)
    if len(rows) > MAX_GUESTS:
        raise csv_io.CsvRefused(_("Too many rows (at most %(n)d).", n=MAX_GUESTS))
    registered = set(
        db.session.scalars(
            select(Registration.email_normalized).where(
                Registration.forum_id == forum.id,
                Registration.status != PlaceStatus.CANCELLED,
                Registration.email_normalized.is_not(None),
            )
        )
    )
    seen: dict[str, int] = {}
    plan = GuestPlan([], encoding)
    for row in rows:
        line = int(row["_line"])
        category = _value(row.get("category", "")) or AttendeeCategory.GUEST
        guest = GuestRow(line, row["name"].strip(), row["email"].strip(), category)
        session_ids = _session_ids(row.get("sessions", ""), guest.errors)
        req = RegistrationRequest(
            name=row["name"],
            email=row["email"],
            affiliation=row.get("affiliation", ""),
            attendance=_value(row.get("attendance", "")) or default_attendance(forum),
            locale=_value(row.get("locale", "")) or "ko",
            session_ids=session_ids,
            category=category,
            source="invite",
            consent_personal_data=True,
        )
        try:
            cleaned, sessions = operations.validate(forum, req)
        except ValidationFailed as exc:
            guest.errors.extend(
                f"{name}: {message}"
                for name, messages in exc.errors.items()
                for message in messages
            )
        else:
            address = cleaned["email_normalized"]
            if address in registered:
                guest.errors.append(
                    _(
                        "%(email)s is registered already: change the category on their page.",
                        email=cleaned["email"],
                    )
                )
            elif address in seen:
                guest.errors.append(_("This address is on line %(line)d too.", line=seen[address]))
            seen.setdefault(address, line)
            guest.request, guest.cleaned, guest.sessions = req, cleaned, sessions
        plan.rows.append(guest)
    return plan


@dataclass(frozen=True)
class GuestImport:
    added: int
    waitlisted: int  # added, but waiting for a forum place or a seat


def import_guests(forum: Forum, data: bytes, user: User) -> GuestImport:
    """Add every person of a file whose dry run has no errors: all or nothing, in one
    transaction under the forum's lock, each told by the usual mail."""
    now = utcnow()
    added = waitlisted = 0
    with write_transaction():
        lock_forum(forum.id)
        plan = plan_guests(forum, data)
        if not plan.ok:
            raise ValidationFailed(
                {"file": [_("The file has rows with errors; nobody was added.")]}
            )
        for row in plan.rows:
            assert row.request is not None and row.cleaned is not None
            cleaned = row.cleaned
            cancelled = db.session.scalar(
                select(Registration).where(
                    Registration.forum_id == forum.id,
                    Registration.email_normalized == cleaned["email_normalized"],
                )
            )
            if cancelled is not None:
                operations.release_address(cancelled)
            registration = operations.add_registration(
                forum,
                row.request,
                cleaned,
                row.sessions,
                now,
                (new_token(), new_token()),
                exclusive=operations.counts_forum_place(forum, row.request.attendance),
            )
            waiting = registration.status == PlaceStatus.WAITLISTED or any(
                b.status == PlaceStatus.WAITLISTED for b in registration.bookings
            )
            added += 1
            waitlisted += waiting
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="registrations.import",
                forum_id=forum.id,
                details={"rows": added, "waitlisted": waitlisted},
            )
        )
    db.session.expire(forum, ledger.FORUM_COUNTERS)
    return GuestImport(added, waitlisted)
