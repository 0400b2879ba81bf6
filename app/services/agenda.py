"""The organizer's agenda: forums, venues, speakers, sessions and stream links.

Every rule lives here, shared by the `/organize` pages and the organizer JSON API: each use case
takes a plain mapping of raw values (form data or decoded JSON), checks it (`ValidationFailed`
with messages by field name, nothing changed), then writes in one `write_transaction()`.

Concurrent edits. A session is saved against the `revision` and the `fingerprint` (a digest of
its editable fields and speakers) the editor started from. Inside the write transaction the
session row is locked by a conditional `UPDATE … WHERE id = :id AND revision = :revision`
(PostgreSQL re-checks the WHERE after waiting on the lock; SQLite serialises write
transactions with BEGIN IMMEDIATE), then the fingerprint is compared with the stored row. A
mismatch raises `StaleRevision` (409): a second editor is never silently overwritten. The
fingerprint is needed beside the revision because the revision (the calendar SEQUENCE) only
moves on changes calendars care about, and `updated_at` also moves when a seat is taken.

Lock order is the one registrations use: the forum row first, then session rows.

Changes to a published forum. A change of time, venue, title or status bumps the session's
`revision` and the forum's `programme_revision`, writes one `ProgrammeChange` per aspect, and
queues a `session_changed` outbox message to each affected registrant. Each kind's
`before`/`after` holds (ISO 8601 instants in UTC):

    moved       {"starts_at", "ends_at"}
    venue       {"venue_id", "name_ko", "name_en"}        (all None: no venue / online)
    retitled    {"title_ko", "title_en"}
    cancelled   {"status"}         reinstated  {"status"}
    added       after: {"title_ko", "title_en", "starts_at", "ends_at", "venue_id"}

A notice waits `CHANGE_NOTICE_DELAY_MINUTES` (default 10) before it is due; while it is still
pending and unclaimed, further changes to the same session are merged into it (its
`change_ids` grow), so a person gets one message for a burst of edits. Context:
`{"registration_id", "session_id", "change_ids": [...]}`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.db import ID_MAX, db, utcnow, write_transaction
from app.models import (
    Booking,
    ConflictAcceptance,
    Forum,
    ForumSession,
    OutboxMessage,
    ProgrammeChange,
    Registration,
    SessionSpeaker,
    Speaker,
    StreamLink,
    User,
    Venue,
)
from app.models.enums import (
    FORUM_FORMATS,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    STREAM_VISIBILITIES,
    VENUE_KINDS,
)
from app.services import outbox, programme
from app.services.errors import DomainError, NotFound, ValidationFailed
from scheduling.agenda import DayGrid, build_grid
from scheduling.conflicts import Conflict, find_conflicts
from scheduling.types import ForumInfo

# Which forum-wide sessions (no seats of their own) each attendance mode follows: the same
# rule as the personal calendar feeds.
FOLLOWS: dict[str, tuple[str, ...]] = {
    "in_person": ("in_person", "hybrid"),
    "online": ("online", "hybrid"),
}
# Attendance modes each forum format offers (as `registration.allowed_attendance`).
FOLLOWS_FORUM: dict[str, tuple[str, ...]] = {
    "in_person": ("in_person",),
    "online": ("online",),
    "hybrid": ("in_person", "online"),
}
NOTICE_KIND = "session_changed"
NOTICE_DELAY_MINUTES = 10
NOTIFYING_KINDS = ("moved", "venue", "retitled", "cancelled", "reinstated")

SESSION_FIELDS = (
    "title_ko",
    "title_en",
    "description_ko",
    "description_en",
    "kind",
    "format",
    "language",
    "status",
    "starts_at",
    "ends_at",
    "venue_id",
    "seats",
    "parent_id",
    "speakers",
)
VENUE_FIELDS = (
    "name_ko",
    "name_en",
    "kind",
    "building",
    "floor",
    "room",
    "address",
    "seats",
    "accessibility_notes",
    "map_url",
)
SPEAKER_FIELDS = ("name_ko", "name_en", "affiliation", "title", "country", "bio_ko", "bio_en")
STREAM_FIELDS = ("session_id", "platform", "url", "label", "visibility")
FORUM_FIELDS = (
    "title_ko",
    "title_en",
    "theme_ko",
    "theme_en",
    "description_ko",
    "description_en",
    "timezone",
    "first_day",
    "last_day",
    "format",
    "registration_opens_at",
    "registration_closes_at",
    "onsite_registration",
    "in_person_capacity",
    "organizer_name",
    "organizer_email",
    "homepage_url",
)
RESERVED_SLUGS = frozenset({"new"})  # /organize/forums/new is the form for a new forum
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[+,/][a-z]{2,3}){0,3}$")


# ============================================================================ domain errors


class StaleRevision(DomainError):
    """Someone saved the record since the editor opened it; nothing was changed."""

    status = 409
    code = "stale_revision"
    public_details = ("revision", "fingerprint")


class InUse(DomainError):
    """The record is still referred to (sessions in a venue, a speaker on the programme…)."""

    status = 409
    code = "in_use"


class PublishBlocked(DomainError):
    """Publishing is refused while conflicts are not accepted; `conflicts` lists them."""

    status = 409
    code = "unaccepted_conflicts"

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"


# ============================================================================ raw fields

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"", "0", "false", "no", "off", "n"}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Years a forum plausibly uses: catches a typo such as 0202 or 20260.
MIN_YEAR, MAX_YEAR = 1990, 2100


def _bad_characters(text: str, *, multiline: bool) -> bool:
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return True
    return False


def parse_moment(value: Any, zone: ZoneInfo) -> datetime:
    """An instant from `value`: an aware datetime, an ISO 8601 string with an offset, or a
    wall-clock time in `zone` ("2026-04-01T10:00" or "2026-04-01 10:00"). Returns aware UTC.

    Raises ValueError with a message for people: a missing time, a bad format, or a local time
    that does not exist in the zone (skipped by a clock change).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) <= 10:
            raise ValueError(_("Give a date and a time, like 2026-04-01 10:00."))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(_("Give a date and a time, like 2026-04-01 10:00.")) from None
    else:
        raise ValueError(_("This field has the wrong type."))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(_("Check the year."))
    if moment.tzinfo is None or moment.utcoffset() is None:
        aware = moment.replace(tzinfo=zone)
        # A wall-clock time skipped by a clock change comes back as another time.
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(fold=0):
            raise ValueError(_("This time does not exist in %(zone)s.", zone=zone.key))
        moment = aware
    return moment.astimezone(UTC)


def local_input(value: datetime | None, tz: str) -> str:
    """An instant as the wall-clock text a form shows: 2026-04-01T10:00 in the forum's zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


class Fields:
    """Reads fields from `raw`, collecting a list of messages per field name."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def has(self, name: str) -> bool:
        return name in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def _wrong_type(self, name: str) -> None:
        self.add(name, _("This field has the wrong type."))

    def text(
        self, name: str, *, limit: int, required: bool = False, multiline: bool = False
    ) -> str:
        value = self.raw.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self._wrong_type(name)
            return ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = unicodedata.normalize("NFC", value).strip()
        if required and not value:
            self.add(name, _("This field is required."))
        elif len(value) > limit:
            self.add(name, _("Use at most %(limit)d characters.", limit=limit))
        elif _bad_characters(value, multiline=multiline):
            self.add(
                name,
                _("Remove control characters.")
                if multiline
                else _("Remove line breaks and control characters."),
            )
        return value

    def choice(self, name: str, choices: Iterable[str], *, default: str | None = None) -> str:
        value = self.raw.get(name)
        allowed = tuple(choices)
        if (value is None or value == "") and default is not None:
            return default
        if not isinstance(value, str) or value not in allowed:
            self.add(name, _("Choose one of: %(choices)s.", choices=", ".join(allowed)))
            return default or ""
        return value

    def count(self, name: str, *, required: bool = False, limit: int = 1_000_000) -> int | None:
        """A whole number from 0 up, or None when left empty."""
        value = self.raw.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
            elif re.fullmatch(r"[+-]?\d{1,9}", value):
                value = int(value)
            else:
                self.add(name, _("Enter a whole number, or leave it empty."))
                return None
        if value is None:
            if required:
                self.add(name, _("This field is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(name)
            return None
        if value < 0:
            self.add(name, _("Enter 0 or more."))
            return None
        if value > limit:
            self.add(name, _("Enter at most %(limit)d.", limit=limit))
            return None
        return value

    def ref(self, name: str) -> int | None:
        """The id of another record, or None when left empty."""
        value = self.raw.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
            if not value.isdigit() or len(value) > 12:
                self.add(name, _("Choose from the list."))
                return None
            value = int(value)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self._wrong_type(name)
            return None
        return value

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self._wrong_type(name)
        return default

    def url(self, name: str, *, required: bool = False, limit: int = 500) -> str:
        value = self.text(name, limit=limit, required=required)
        if value and not self.has(name) and not _URL.match(value):
            self.add(name, _("Enter a web address starting with https:// or http://."))
        return value

    def email(self, name: str) -> str:
        from app.services.registration import normalise_email

        value = self.text(name, limit=254)
        if value and not self.has(name):
            checked = normalise_email(value)
            if checked is None:
                self.add(name, _("Enter a valid email address, like name@example.org."))
                return value
            return checked[0]
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.raw.get(name)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(name, _("This field is required."))
            return None
        if not isinstance(value, str):
            self._wrong_type(name)
            return None
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            self.add(name, _("Give a date like 2026-04-01."))
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.add(name, _("Check the year."))
            return None
        return parsed

    def moment(self, name: str, zone: ZoneInfo, *, required: bool = False) -> datetime | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(name, _("This field is required."))
            return None
        try:
            return parse_moment(value, zone)
        except ValueError as exc:
            self.add(name, str(exc))
            return None

    def timezone(self, name: str, *, default: str) -> str:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            self._wrong_type(name)
            return default
        value = value.strip()
        try:
            if "/" not in value and value != "UTC":
                raise ZoneInfoNotFoundError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.add(name, _("Give an IANA time zone such as Asia/Seoul."))
            return default
        return value


def _need_one(fields: Fields, names: tuple[str, str], values: tuple[str, str]) -> None:
    """Bilingual text: at least one of the two languages."""
    if not any(values) and not any(fields.has(n) for n in names):
        for name in names:
            fields.add(name, _("Give it in Korean, English or both."))


# ============================================================================ lookups


def forums_for(user: User) -> list[Forum]:
    """The forums `user` organizes: every forum for an admin, the assigned ones otherwise."""
    query = select(Forum).order_by(Forum.first_day.desc(), Forum.id)
    if user.role != "admin":
        ids = [f.id for f in user.forums]
        if user.role != "organizer" or not ids:
            return []
        query = query.where(Forum.id.in_(ids))
    return list(db.session.scalars(query))


def get_forum(slug: str) -> Forum:
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise NotFound(_("There is no such forum."))
    return forum


def _child(model, forum: Forum, item_id: int, message: str):
    row = db.session.get(model, item_id) if 0 < item_id <= ID_MAX else None
    if row is None or row.forum_id != forum.id:
        raise NotFound(message)
    return row


def get_venue(forum: Forum, venue_id: int) -> Venue:
    return _child(Venue, forum, venue_id, _("This forum has no such venue."))


def get_speaker(forum: Forum, speaker_id: int) -> Speaker:
    return _child(Speaker, forum, speaker_id, _("This forum has no such speaker."))


def get_session(forum: Forum, session_id: int) -> ForumSession:
    return _child(ForumSession, forum, session_id, _("This forum has no such session."))


def get_stream(forum: Forum, stream_id: int) -> StreamLink:
    return _child(StreamLink, forum, stream_id, _("This forum has no such stream link."))


def load_forum(forum_id: int) -> Forum:
    """The forum with venues, speakers, streams and sessions loaded in a fixed few queries."""
    return db.session.scalars(
        select(Forum)
        .where(Forum.id == forum_id)
        .options(
            selectinload(Forum.venues),
            selectinload(Forum.speakers),
            selectinload(Forum.all_streams),
            selectinload(Forum.sessions).options(
                selectinload(ForumSession.venue),
                selectinload(ForumSession.streams),
                selectinload(ForumSession.speaker_links).selectinload(SessionSpeaker.speaker),
            ),
        )
        .execution_options(populate_existing=True)
    ).one()


# ============================================================================ conflicts


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    acceptance: ConflictAcceptance | None

    @property
    def key(self) -> str:
        return self.conflict.key

    @property
    def accepted(self) -> bool:
        return self.acceptance is not None

    def message(self, locale: str) -> str:
        return self.conflict.message_ko if locale == "ko" else self.conflict.message_en


def _info(forum: Forum) -> ForumInfo:
    return programme.forum_info(forum, base_url=current_app.config["BASE_URL"])


def _acceptances(forum_id: int) -> dict[str, ConflictAcceptance]:
    rows = db.session.scalars(
        select(ConflictAcceptance)
        .where(ConflictAcceptance.forum_id == forum_id)
        .options(selectinload(ConflictAcceptance.accepted_by))
    )
    return {row.conflict_key: row for row in rows}


def forum_conflicts(forum: Forum) -> list[ConflictView]:
    """Every conflict in the forum's agenda, each with its acceptance if recorded."""
    info = _info(load_forum(forum.id))
    accepted = _acceptances(forum.id)
    return [ConflictView(c, accepted.get(c.key)) for c in find_conflicts(info, info.sessions)]


def session_conflicts(forum: Forum, session_id: int) -> list[ConflictView]:
    return [c for c in forum_conflicts(forum) if session_id in c.conflict.session_ids]


@dataclass(frozen=True)
class Timetable:
    forum: Forum
    info: ForumInfo
    days: list[DayGrid]
    conflicts: list[ConflictView]
    by_session: dict[int, list[ConflictView]]
    seats_taken: dict[int, int]

    @property
    def open_conflicts(self) -> list[ConflictView]:
        return [c for c in self.conflicts if not c.accepted]


def timetable(forum: Forum, *, slot_minutes: int = 15) -> Timetable:
    """The forum's grid per day (rooms across, time down) with conflicts by session."""
    forum = load_forum(forum.id)
    info = _info(forum)
    accepted = _acceptances(forum.id)
    conflicts = [ConflictView(c, accepted.get(c.key)) for c in find_conflicts(info, info.sessions)]
    by_session: dict[int, list[ConflictView]] = {}
    for view in conflicts:
        for session_id in view.conflict.session_ids:
            by_session.setdefault(session_id, []).append(view)
    return Timetable(
        forum=forum,
        info=info,
        days=build_grid(info, info.sessions, slot_minutes=slot_minutes),
        conflicts=conflicts,
        by_session=by_session,
        seats_taken={s.id: s.seats_taken for s in forum.sessions},
    )


def accept_conflicts(forum: Forum, user: User, keys: Iterable[str], note: str = "") -> int:
    """Record an explicit acceptance (who, when) of each current conflict in `keys`.

    Keys that match no current conflict are refused (the page was out of date); ones accepted
    already are left as they are. Returns how many acceptances were added.
    """
    fields = Fields({"note": note})
    note = fields.text("note", limit=1000, multiline=True)
    wanted = [k for k in dict.fromkeys(keys) if isinstance(k, str) and k]
    with write_transaction():
        _lock_forum(forum.id)
        current = {c.key for c in find_conflicts(*_info_pair(forum.id))}
        unknown = [k for k in wanted if k not in current]
        if unknown:
            fields.add(
                "accept",
                _("The list of conflicts has changed since the page was opened; look again."),
            )
        fields.raise_if_any()
        accepted = _acceptances(forum.id)
        added = 0
        for key in wanted:
            if key in accepted:
                continue
            db.session.add(
                ConflictAcceptance(
                    forum_id=forum.id, conflict_key=key, accepted_by_id=user.id, note=note
                )
            )
            added += 1
    return added


def withdraw_acceptance(forum: Forum, key: str) -> None:
    with write_transaction():
        row = db.session.scalar(
            select(ConflictAcceptance).where(
                ConflictAcceptance.forum_id == forum.id, ConflictAcceptance.conflict_key == key
            )
        )
        if row is None:
            raise NotFound(_("This conflict has not been accepted."))
        db.session.delete(row)


def _info_pair(forum_id: int) -> tuple[ForumInfo, Sequence]:
    info = _info(load_forum(forum_id))
    return info, info.sessions


# ============================================================================ publishing


def publish_forum(forum: Forum, user: User, *, accept: Iterable[str] = (), note: str = "") -> None:
    """Publish a draft forum. Refused with the list (`PublishBlocked`) while any conflict is
    neither accepted before nor in `accept`; then nothing at all is recorded."""
    wanted = {k for k in accept if isinstance(k, str)}
    note = Fields({"note": note}).text("note", limit=1000, multiline=True)
    with write_transaction():
        _lock_forum(forum.id)
        db.session.refresh(forum)
        if forum.status == "published":
            raise InvalidState(_("This forum is published already."))
        info, sessions = _info_pair(forum.id)
        conflicts = find_conflicts(info, sessions)
        accepted = _acceptances(forum.id)
        open_ = [c for c in conflicts if c.key not in accepted and c.key not in wanted]
        if open_:
            raise PublishBlocked(
                _("The forum was not published: accept each conflict below, or fix it first."),
                open_,
            )
        for conflict in conflicts:
            if conflict.key in wanted and conflict.key not in accepted:
                db.session.add(
                    ConflictAcceptance(
                        forum_id=forum.id,
                        conflict_key=conflict.key,
                        accepted_by_id=user.id,
                        note=note,
                    )
                )
        forum.status = "published"
        forum.programme_revision = forum.programme_revision + 1


def unpublish_forum(forum: Forum) -> None:
    """Back to draft: only while nobody holds a registration (they were told it exists)."""
    with write_transaction():
        _lock_forum(forum.id)
        db.session.refresh(forum)
        if forum.status != "published":
            raise InvalidState(_("This forum is a draft already."))
        held = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.forum_id == forum.id, Registration.status != "cancelled")
        )
        if held:
            raise InvalidState(
                ngettext(
                    "%(num)d person is registered: a forum with registrations stays published.",
                    "%(num)d people are registered: a forum with registrations stays published.",
                    held,
                )
            )
        forum.status = "draft"
        forum.programme_revision = forum.programme_revision + 1


# ============================================================================ forums


def _lock_forum(forum_id: int) -> None:
    """Take the forum row's lock first, as registrations do, so lock order is the same."""
    db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id)
        .values(programme_revision=Forum.programme_revision, updated_at=Forum.updated_at)
        .execution_options(synchronize_session=False)
    )


def _touch_programme(forum: Forum) -> None:
    if forum.status == "published":
        forum.programme_revision = forum.programme_revision + 1


def forum_values(forum: Forum, *, for_form: bool = True) -> dict[str, Any]:
    """The forum's editable fields: as a form shows them (local times in the forum's zone),
    or as stored when `for_form` is False (the base a partial update is merged onto)."""
    values = {name: getattr(forum, name) for name in FORUM_FIELDS}
    if for_form:
        values["first_day"] = forum.first_day.isoformat()
        values["last_day"] = forum.last_day.isoformat()
        for name in ("registration_opens_at", "registration_closes_at"):
            values[name] = local_input(getattr(forum, name), forum.timezone)
    return values


def _check_forum(raw: Mapping[str, Any], *, current: Forum | None) -> tuple[dict[str, Any], Fields]:
    fields = Fields(raw)
    out: dict[str, Any] = {}
    for name in ("title_ko", "title_en", "theme_ko", "theme_en"):
        out[name] = fields.text(name, limit=300)
    _need_one(fields, ("title_ko", "title_en"), (out["title_ko"], out["title_en"]))
    for name in ("description_ko", "description_en"):
        out[name] = fields.text(name, limit=20_000, multiline=True)
    out["timezone"] = fields.timezone(
        "timezone", default=current.timezone if current else current_app.config["DEFAULT_TIMEZONE"]
    )
    zone = ZoneInfo(out["timezone"])
    out["first_day"] = fields.day("first_day", required=True)
    out["last_day"] = fields.day("last_day", required=True)
    if out["first_day"] and out["last_day"] and out["last_day"] < out["first_day"]:
        fields.add("last_day", _("The last day cannot be before the first day."))
    out["format"] = fields.choice("format", FORUM_FORMATS)
    out["registration_opens_at"] = fields.moment("registration_opens_at", zone)
    out["registration_closes_at"] = fields.moment("registration_closes_at", zone)
    opens, closes = out["registration_opens_at"], out["registration_closes_at"]
    if opens and closes and closes <= opens:
        fields.add("registration_closes_at", _("Registration must close after it opens."))
    out["onsite_registration"] = fields.boolean("onsite_registration")
    out["in_person_capacity"] = fields.count("in_person_capacity")
    out["organizer_name"] = fields.text("organizer_name", limit=200)
    out["organizer_email"] = fields.email("organizer_email")
    out["homepage_url"] = fields.url("homepage_url")
    return out, fields


def create_forum(raw: Mapping[str, Any], user: User) -> Forum:
    """A new draft forum (admins only: the route checks)."""
    cleaned, fields = _check_forum(raw, current=None)
    slug = fields.text("slug", limit=80, required=True).lower()
    if slug and not fields.has("slug"):
        if not _SLUG.match(slug):
            fields.add("slug", _("Use lower-case letters, digits and single hyphens."))
        elif slug in RESERVED_SLUGS:
            fields.add("slug", _("This address is reserved; choose another."))
        elif db.session.scalar(select(Forum.id).where(Forum.slug == slug)) is not None:
            fields.add("slug", _("Another forum uses this address already."))
    fields.raise_if_any()
    with write_transaction():
        forum = Forum(slug=slug, status="draft", **cleaned)
        db.session.add(forum)
    return forum


def update_forum(forum: Forum, raw: Mapping[str, Any], user: User) -> Forum:
    """Save the forum's settings. Capacity cannot drop below the places held; a raised
    capacity goes to the waitlist first-come."""
    cleaned, fields = _check_forum({**forum_values(forum, for_form=False), **raw}, current=forum)
    fields.raise_if_any()
    from app.services import people, registration

    with write_transaction():
        _lock_forum(forum.id)
        capacity = cleaned["in_person_capacity"]
        if capacity is not None:
            # Registrations leave the counter alone while there is no capacity.
            registration.recount_places(forum.id)
        db.session.refresh(forum)
        if capacity is not None and capacity < forum.in_person_taken:
            fields.add(
                "in_person_capacity",
                ngettext(
                    "%(num)d in-person place is held already; the capacity cannot be lower.",
                    "%(num)d in-person places are held already; the capacity cannot be lower.",
                    forum.in_person_taken,
                ),
            )
        allowed = FOLLOWS_FORUM[cleaned["format"]]
        misfits = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.forum_id == forum.id,
                Registration.status != "cancelled",
                Registration.attendance.not_in(allowed),
            )
        )
        if misfits:
            fields.add(
                "format",
                ngettext(
                    "%(num)d registration attends in a way this format does not offer.",
                    "%(num)d registrations attend in a way this format does not offer.",
                    misfits,
                ),
            )
        fields.raise_if_any()
        for name, value in cleaned.items():
            setattr(forum, name, value)
        forum.updated_at = utcnow()
        _touch_programme(forum)
        db.session.flush()
        people.fill_forum_places(forum.id)
    return forum


# ============================================================================ venues


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
        _lock_forum(forum.id)
        venue = Venue(forum_id=forum.id, **cleaned)
        db.session.add(venue)
        db.session.refresh(forum)
        _touch_programme(forum)
    return venue


def update_venue(forum: Forum, venue_id: int, raw: Mapping[str, Any], user: User) -> Venue:
    venue = get_venue(forum, venue_id)
    cleaned = _check_venue({**venue_values(venue), **raw})
    with write_transaction():
        _lock_forum(forum.id)
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
        _lock_forum(forum.id)
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
        speaker = Speaker(forum_id=forum.id, **cleaned)
        db.session.add(speaker)
    return speaker


def update_speaker(forum: Forum, speaker_id: int, raw: Mapping[str, Any], user: User) -> Speaker:
    speaker = get_speaker(forum, speaker_id)
    cleaned = _check_speaker({**speaker_values(speaker), **raw})
    with write_transaction():
        _lock_forum(forum.id)
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
        _lock_forum(forum.id)
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
        _lock_forum(forum.id)
        stream = StreamLink(forum_id=forum.id, **cleaned)
        db.session.add(stream)
        db.session.refresh(forum)
        _touch_programme(forum)
    return stream


def update_stream(forum: Forum, stream_id: int, raw: Mapping[str, Any], user: User) -> StreamLink:
    stream = get_stream(forum, stream_id)
    cleaned = _check_stream(forum, {**stream_values(stream), **raw})
    with write_transaction():
        _lock_forum(forum.id)
        stream = get_stream(forum, stream_id)
        for name, value in cleaned.items():
            setattr(stream, name, value)
        stream.updated_at = utcnow()
        db.session.refresh(forum)
        _touch_programme(forum)
    return stream


def delete_stream(forum: Forum, stream_id: int, user: User) -> None:
    with write_transaction():
        _lock_forum(forum.id)
        db.session.delete(get_stream(forum, stream_id))
        db.session.refresh(forum)
        _touch_programme(forum)


# ============================================================================ sessions


@dataclass(frozen=True)
class SpeakerLine:
    speaker_id: int
    role: str
    position: int


@dataclass
class SessionSaved:
    """What a save did: the session, the programme changes recorded, how many notices were
    queued or merged, and the conflicts the session is now part of."""

    session: ForumSession
    changes: list[ProgrammeChange] = field(default_factory=list)
    notices: int = 0
    conflicts: list[ConflictView] = field(default_factory=list)


def _title(session: ForumSession) -> str:
    return session.title_en or session.title_ko or f"#{session.id}"


def session_values(session: ForumSession, tz: str | None = None) -> dict[str, Any]:
    """The session's editable fields: as a form shows them (local times in `tz`), or with
    aware datetimes when `tz` is None (the base a partial update is merged onto)."""
    values = {name: getattr(session, name) for name in SESSION_FIELDS if name != "speakers"}
    if tz is not None:
        values["starts_at"] = local_input(session.starts_at, tz)
        values["ends_at"] = local_input(session.ends_at, tz)
    values["speakers"] = [
        {"speaker_id": link.speaker_id, "role": link.role, "position": link.position}
        for link in sorted(session.speaker_links, key=lambda li: (li.position, li.id or 0))
    ]
    return values


def session_fingerprint(session: ForumSession) -> str:
    """A digest of the editable fields and speakers: changes when anybody edits the session,
    not when a seat is taken."""
    data = [
        session.title_ko,
        session.title_en,
        session.description_ko,
        session.description_en,
        session.kind,
        session.format,
        session.language,
        session.status,
        session.starts_at.astimezone(UTC).isoformat(),
        session.ends_at.astimezone(UTC).isoformat(),
        session.venue_id,
        session.seats,
        session.parent_id,
        sorted((li.position, li.speaker_id, li.role) for li in session.speaker_links),
    ]
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def _check_speakers(fields: Fields, forum: Forum, raw: Any) -> list[SpeakerLine]:
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list | tuple):
        fields.add("speakers", _("This field has the wrong type."))
        return []
    known = {
        s.id: s for s in db.session.scalars(select(Speaker).where(Speaker.forum_id == forum.id))
    }
    rows: list[tuple[int, int, int, str]] = []
    seen: set[int] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            fields.add("speakers", _("Each speaker line needs a speaker and a role."))
            continue
        if item.get("speaker_id") == "":
            continue  # an empty line of the form: nobody chosen
        line = Fields(item)
        speaker_id = line.ref("speaker_id")
        if speaker_id is None and not line.errors:
            line.add("speaker_id", _("Choose a speaker."))
        role = line.choice("role", SPEAKER_ROLES, default="presenter")
        position = line.count("position", limit=10_000)
        number = index + 1
        if line.errors:
            for messages in line.errors.values():
                for message in messages:
                    fields.add("speakers", _("Line %(n)d: %(message)s", n=number, message=message))
            continue
        assert speaker_id is not None
        speaker = known.get(speaker_id)
        if speaker is None:
            fields.add("speakers", _("Line %(n)d: choose a speaker of this forum.", n=number))
            continue
        if speaker_id in seen:
            fields.add(
                "speakers",
                _(
                    "%(name)s is listed twice: a speaker has one role in a session.",
                    name=speaker.name_en or speaker.name_ko,
                ),
            )
            continue
        seen.add(speaker_id)
        rows.append((position if position is not None else index, index, speaker_id, role))
    rows.sort()
    return [
        SpeakerLine(speaker_id, role, pos) for pos, (_p, _i, speaker_id, role) in enumerate(rows)
    ]


def check_session(
    forum: Forum, raw: Mapping[str, Any], *, current: ForumSession | None
) -> dict[str, Any]:
    fields = Fields(raw)
    zone = ZoneInfo(forum.timezone)
    out: dict[str, Any] = {}
    for name in ("title_ko", "title_en"):
        out[name] = fields.text(name, limit=300)
    _need_one(fields, ("title_ko", "title_en"), (out["title_ko"], out["title_en"]))
    for name in ("description_ko", "description_en"):
        out[name] = fields.text(name, limit=20_000, multiline=True)
    out["kind"] = fields.choice("kind", SESSION_KINDS, default="session")
    out["format"] = fields.choice("format", SESSION_FORMATS, default="in_person")
    out["status"] = fields.choice("status", SESSION_STATUSES, default="scheduled")
    language = fields.text("language", limit=16).lower() or "ko"
    if not fields.has("language") and not _LANGUAGE.match(language):
        fields.add("language", _("Give language codes such as ko, en or ko+en."))
    out["language"] = language
    out["starts_at"] = fields.moment("starts_at", zone, required=True)
    out["ends_at"] = fields.moment("ends_at", zone, required=True)
    if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
        fields.add("ends_at", _("The end must be after the start."))
    out["venue_id"] = fields.ref("venue_id")
    if out["venue_id"] is not None and not fields.has("venue_id"):
        venue = db.session.get(Venue, out["venue_id"])
        if venue is None or venue.forum_id != forum.id:
            fields.add("venue_id", _("Choose a venue of this forum."))
    out["seats"] = fields.count("seats", limit=100_000)
    out["parent_id"] = fields.ref("parent_id")
    if out["parent_id"] is not None and not fields.has("parent_id"):
        _check_parent(fields, forum, out["parent_id"], current)
    out["speakers"] = _check_speakers(fields, forum, raw.get("speakers"))
    fields.raise_if_any()
    return out


def _check_parent(fields: Fields, forum: Forum, parent_id: int, current: ForumSession | None):
    parent = db.session.get(ForumSession, parent_id)
    if parent is None or parent.forum_id != forum.id:
        fields.add("parent_id", _("Choose a session of this forum as the block."))
        return
    if current is None:
        return
    seen: set[int] = set()
    node: ForumSession | None = parent
    while node is not None and node.id not in seen:
        if node.id == current.id:
            fields.add("parent_id", _("A session cannot be a part of itself or of its own parts."))
            return
        seen.add(node.id)
        node = node.parent


def _venue_names(venue_id: int | None) -> dict[str, Any]:
    venue = db.session.get(Venue, venue_id) if venue_id is not None else None
    return {
        "venue_id": venue_id,
        "name_ko": venue.name_ko if venue else None,
        "name_en": venue.name_en if venue else None,
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _changes_between(before: ForumSession | dict, after: dict) -> list[tuple[str, dict, dict]]:
    """(kind, before, after) for each aspect of a session that calendars and people see."""
    get = before.get if isinstance(before, dict) else lambda name: getattr(before, name)
    out: list[tuple[str, dict, dict]] = []
    if get("starts_at") != after["starts_at"] or get("ends_at") != after["ends_at"]:
        out.append(
            (
                "moved",
                {"starts_at": _iso(get("starts_at")), "ends_at": _iso(get("ends_at"))},
                {"starts_at": _iso(after["starts_at"]), "ends_at": _iso(after["ends_at"])},
            )
        )
    if get("venue_id") != after["venue_id"]:
        out.append(("venue", _venue_names(get("venue_id")), _venue_names(after["venue_id"])))
    if get("title_ko") != after["title_ko"] or get("title_en") != after["title_en"]:
        out.append(
            (
                "retitled",
                {"title_ko": get("title_ko"), "title_en": get("title_en")},
                {"title_ko": after["title_ko"], "title_en": after["title_en"]},
            )
        )
    if get("status") != after["status"]:
        kind = "cancelled" if after["status"] == "cancelled" else "reinstated"
        out.append((kind, {"status": get("status")}, {"status": after["status"]}))
    return out


def _set_speakers(session: ForumSession, lines: list[SpeakerLine]) -> bool:
    """Make the session's speaker links match `lines`; True when anything changed."""
    existing = {link.speaker_id: link for link in session.speaker_links}
    wanted = {line.speaker_id for line in lines}
    changed = False
    for speaker_id, link in existing.items():
        if speaker_id not in wanted:
            session.speaker_links.remove(link)
            changed = True
    for line in lines:
        link = existing.get(line.speaker_id)
        if link is None:
            session.speaker_links.append(
                SessionSpeaker(speaker_id=line.speaker_id, role=line.role, position=line.position)
            )
            changed = True
        elif (link.role, link.position) != (line.role, line.position):
            link.role, link.position = line.role, line.position
            changed = True
    return changed


def _lock_session(session_id: int, revision: int) -> bool:
    """Lock the session row if it is still at `revision`; False when it is not (or gone)."""
    result = db.session.execute(
        update(ForumSession)
        .where(ForumSession.id == session_id, ForumSession.revision == revision)
        .values(revision=ForumSession.revision, updated_at=ForumSession.updated_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _stale(session: ForumSession | None) -> StaleRevision:
    if session is None:
        return StaleRevision(_("This session was deleted by someone else."), revision=None)
    return StaleRevision(
        _(
            "Someone else saved this session after you opened it (it is now at revision "
            "%(revision)d). Your changes were not saved: open the current version and make "
            "them again.",
            revision=session.revision,
        ),
        revision=session.revision,
        fingerprint=session_fingerprint(session),
    )


def _check_seats(forum_id: int, session: ForumSession, seats: int | None) -> None:
    """Seats cannot drop below the seats held."""
    if seats is None:
        return
    held = session.seats_taken if session.seats is not None else _seated_count(session.id)
    if seats < held:
        raise ValidationFailed(
            {
                "seats": [
                    ngettext(
                        "%(num)d seat is held already; the limit cannot be lower.",
                        "%(num)d seats are held already; the limit cannot be lower.",
                        held,
                    )
                ]
            }
        )


def _seated_count(session_id: int) -> int:
    """Confirmed in-person bookings: the seats a session would hold once it has a limit."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.session_id == session_id,
                Booking.status == "confirmed",
                Registration.attendance == "in_person",
            )
        )
        or 0
    )


def create_session(forum: Forum, raw: Mapping[str, Any], user: User) -> SessionSaved:
    """A new session. In a published forum it is listed as "added" on the changes page."""
    cleaned = check_session(forum, raw, current=None)
    lines = cleaned.pop("speakers")
    with write_transaction():
        _lock_forum(forum.id)
        db.session.refresh(forum)
        session, changes = apply_create(forum, cleaned, lines, user, now=utcnow())
    return SessionSaved(session, changes, 0, session_conflicts(forum, session.id))


def apply_create(
    forum: Forum, cleaned: dict[str, Any], lines: list[SpeakerLine], user: User, *, now: datetime
) -> tuple[ForumSession, list[ProgrammeChange]]:
    """Add a checked session inside the caller's write transaction (forum row locked)."""
    session = ForumSession(forum_id=forum.id, **cleaned)
    db.session.add(session)
    db.session.flush()
    _set_speakers(session, lines)
    changes: list[ProgrammeChange] = []
    if forum.status == "published":
        forum.programme_revision = forum.programme_revision + 1
        change = ProgrammeChange(
            forum_id=forum.id,
            session_id=session.id,
            kind="added",
            before={},
            after={
                "title_ko": session.title_ko,
                "title_en": session.title_en,
                "starts_at": _iso(session.starts_at),
                "ends_at": _iso(session.ends_at),
                "venue_id": session.venue_id,
            },
            changed_by_id=user.id,
            created_at=now,
        )
        db.session.add(change)
        changes.append(change)
    return session, changes


def update_session(
    forum: Forum,
    session_id: int,
    raw: Mapping[str, Any],
    user: User,
    *,
    revision: Any,
    fingerprint: str | None = None,
    now: datetime | None = None,
) -> SessionSaved:
    """Save a session edited from `revision` (and `fingerprint`, when given).

    `raw` may be partial (the API's PATCH): missing fields keep their values. Refused with
    `StaleRevision` when someone saved in between, with `ValidationFailed` for bad fields;
    either way nothing changes.
    """
    now = now or utcnow()
    session = get_session(forum, session_id)
    if isinstance(revision, str) and revision.strip().isdigit():
        revision = int(revision)
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise ValidationFailed(
            {"revision": [_("Send the revision you started from (a whole number).")]}
        )
    if session.revision != revision or (
        fingerprint and fingerprint != session_fingerprint(session)
    ):
        raise _stale(session)
    cleaned = check_session(forum, {**session_values(session), **raw}, current=session)
    lines = cleaned.pop("speakers")

    with write_transaction():
        _lock_forum(forum.id)
        if not _lock_session(session_id, revision):
            raise _stale(db.session.get(ForumSession, session_id))
        db.session.expire_all()
        session = db.session.get(ForumSession, session_id)
        forum = session.forum
        if fingerprint and fingerprint != session_fingerprint(session):
            raise _stale(session)
        _edited, recorded, notices = apply_update(forum, session, cleaned, lines, user, now=now)
    return SessionSaved(session, recorded, notices, session_conflicts(forum, session.id))


def apply_update(
    forum: Forum,
    session: ForumSession,
    cleaned: dict[str, Any],
    lines: list[SpeakerLine],
    user: User,
    *,
    now: datetime,
) -> tuple[bool, list[ProgrammeChange], int]:
    """Save checked values onto a session inside the caller's write transaction (forum and
    session rows locked): seats rules, revisions, programme changes and notices, waitlists.
    Returns (anything edited, changes recorded, notices queued or merged)."""
    from app.services import people

    _check_seats(forum.id, session, cleaned["seats"])
    changes = _changes_between(session, cleaned)
    old_format, old_seats = session.format, session.seats
    edited = any(getattr(session, k) != v for k, v in cleaned.items())
    for name, value in cleaned.items():
        setattr(session, name, value)
    edited = _set_speakers(session, lines) or edited
    if old_seats is None and session.seats is not None:
        session.seats_taken = _seated_count(session.id)
    if not edited:
        return False, [], 0
    recorded: list[ProgrammeChange] = []
    notices = 0
    session.updated_at = now
    if forum.status == "published":
        forum.programme_revision = forum.programme_revision + 1
        if changes:
            session.revision = session.revision + 1
            for kind, before, after in changes:
                change = ProgrammeChange(
                    forum_id=forum.id,
                    session_id=session.id,
                    kind=kind,
                    before=before,
                    after=after,
                    changed_by_id=user.id,
                    created_at=now,
                )
                db.session.add(change)
                recorded.append(change)
            db.session.flush()
            notices = _notify(session, recorded, {old_format, session.format}, now=now)
    db.session.flush()
    if session.seats is not None and (old_seats is None or session.seats > old_seats):
        people.fill_session_seats(session.id)
    elif old_seats is not None and session.seats is None:
        people.release_session_limit(session.id)
    return True, recorded, notices


def delete_session(forum: Forum, session_id: int, user: User, *, revision: Any) -> None:
    """Delete a session of a draft forum. In a published forum a session is cancelled
    instead (people are told); a session people hold places in or with parts stays."""
    session = get_session(forum, session_id)
    if isinstance(revision, str) and revision.strip().isdigit():
        revision = int(revision)
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise ValidationFailed(
            {"revision": [_("Send the revision you started from (a whole number).")]}
        )
    with write_transaction():
        _lock_forum(forum.id)
        if not _lock_session(session_id, revision):
            raise _stale(db.session.get(ForumSession, session_id))
        db.session.refresh(forum)
        session = db.session.get(ForumSession, session_id)
        if forum.status == "published":
            raise InvalidState(
                _(
                    "The forum is published: cancel the session instead of deleting it, "
                    "so that people are told."
                )
            )
        held = db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.session_id == session.id, Booking.status != "cancelled")
        )
        if held:
            raise InUse(
                ngettext(
                    "%(num)d person holds a place in this session; cancel it instead.",
                    "%(num)d people hold places in this session; cancel it instead.",
                    held,
                )
            )
        parts = db.session.scalars(
            select(ForumSession).where(ForumSession.parent_id == session.id)
        ).all()
        if parts:
            raise InUse(
                _(
                    "This block has parts (%(titles)s); move or delete them first.",
                    titles=", ".join(_title(p) for p in parts[:5]),
                )
            )
        db.session.delete(session)


# ============================================================================ notices


def _affected(session: ForumSession, formats: set[str]) -> list[Registration]:
    """Registrants a change concerns: holders of a confirmed or waitlisted place in the
    session; for a session without seats of its own, also every registrant of the forum
    (not cancelled) whose attendance follows its format."""
    held = select(Registration).join(Booking, Booking.registration_id == Registration.id)
    held = held.where(
        Booking.session_id == session.id,
        Booking.status.in_(("confirmed", "waitlisted")),
        Registration.status != "cancelled",
    )
    found = {r.id: r for r in db.session.scalars(held)}
    if session.seats is None:
        modes = [mode for mode, followed in FOLLOWS.items() if set(followed) & formats]
        for r in db.session.scalars(
            select(Registration).where(
                Registration.forum_id == session.forum_id,
                Registration.status != "cancelled",
                Registration.attendance.in_(modes),
            )
        ):
            found.setdefault(r.id, r)
    return [
        r for r in sorted(found.values(), key=lambda r: r.id) if r.email and r.anonymised_at is None
    ]


def _notify(
    session: ForumSession, changes: list[ProgrammeChange], formats: set[str], *, now: datetime
) -> int:
    """Queue (or merge into a pending one) a `session_changed` notice per affected person."""
    if not any(c.kind in NOTIFYING_KINDS for c in changes):
        return 0
    change_ids = [c.id for c in changes]
    delay = timedelta(
        minutes=current_app.config.get("CHANGE_NOTICE_DELAY_MINUTES", NOTICE_DELAY_MINUTES)
    )
    people = _affected(session, formats)
    # One query for every notice still waiting to go: merge into it rather than add one.
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.forum_id == session.forum_id,
            OutboxMessage.kind == NOTICE_KIND,
            OutboxMessage.status == "pending",
            OutboxMessage.attempts == 0,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)  # PostgreSQL: rows a worker holds are left alone
    ).all()
    waiting = {
        (m.registration_id, m.context.get("session_id")): m
        for m in reversed(pending)  # the oldest wins
    }
    count = 0
    for registration in people:
        mergeable = waiting.get((registration.id, session.id))
        if mergeable is not None:
            ids = [*mergeable.context.get("change_ids", []), *change_ids]
            mergeable.context = {**mergeable.context, "change_ids": ids}
        else:
            message = outbox.enqueue(
                NOTICE_KIND,
                recipient=registration.email,
                locale=registration.locale,
                context={
                    "registration_id": registration.id,
                    "session_id": session.id,
                    "change_ids": change_ids,
                },
                forum_id=registration.forum_id,
                registration_id=registration.id,
            )
            message.next_attempt_at = now + delay
        count += 1
    return count


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
    if forum is None or forum.status != "published":
        raise NotFound(_("There is no such forum."))
    return forum, programme_changes(forum)
