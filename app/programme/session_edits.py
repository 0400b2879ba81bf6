"""Sessions: created, edited and deleted by organizers.

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

Changes to a published forum. A change of time, venue, title, meeting point or status bumps
the session's `revision` and the forum's `programme_revision`, writes one `ProgrammeChange` per
aspect, and queues a `session_changed` outbox message to each affected registrant. Each kind's
`before`/`after` holds (ISO 8601 instants in UTC):

    moved       {"starts_at", "ends_at"}
    venue       {"venue_id", "name_ko", "name_en"}        (all None: no venue / online)
    retitled    {"title_ko", "title_en"}
    meeting     {"meeting_point_ko", "meeting_point_en", "meeting_at"}   (a tour's meeting point)
    cancelled   {"status"}         reinstated  {"status"}
    added       after: {"title_ko", "title_en", "starts_at", "ends_at", "venue_id"}

A notice waits `CHANGE_NOTICE_DELAY_MINUTES` (default 10) before it is due; while it is still
pending and unclaimed, further changes to the same session are merged into it (its
`change_ids` grow), so a person gets one message for a burst of edits. An organizer may send a
same-day change at once (`notify_at_once`): its notices, and the pending ones they merge into,
are due now. Context:
`{"registration_id", "session_id", "change_ids": [...]}`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from app.core.bounds import parse_whole_number
from app.core.db import db, utcnow, write_transaction
from app.core.errors import ValidationFailed
from app.core.languages import is_language, parse_floor_languages
from app.core.locks import lock_forum
from app.models import (
    Booking,
    Forum,
    ForumSession,
    ProgrammeChange,
    SessionSpeaker,
    Speaker,
    User,
    Venue,
)
from app.models.enums import (
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    ForumStatus,
    PlaceStatus,
)
from app.places import ledger
from app.programme.agenda import ConflictView, get_session, session_conflicts
from app.programme.change_notices import _notify
from app.programme.checks import (
    _LANGUAGE,
    MEETING_FIELDS,
    MEETING_LEAD_HOURS,
    SESSION_FIELDS,
    Fields,
    InUse,
    InvalidState,
    StaleRevision,
    _need_one,
    local_input,
)

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
        values["meeting_at"] = local_input(session.meeting_at, tz)
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
        session.reserved_seats,
        session.parent_id,
        session.meeting_point_ko,
        session.meeting_point_en,
        session.meeting_at.astimezone(UTC).isoformat() if session.meeting_at else None,
        session.meeting_note_ko,
        session.meeting_note_en,
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
    out["language"] = _check_floor_languages(fields)
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
    reserved = fields.count("reserved_seats", limit=100_000)
    if reserved is None:  # left out (a file from before the column): as it is
        reserved = current.reserved_seats if current is not None else 0
    out["reserved_seats"] = reserved
    if reserved and not fields.has("seats"):
        if out["seats"] is None:
            fields.add("reserved_seats", _("Give the session seats of its own to hold some back."))
        elif reserved > out["seats"]:
            fields.add(
                "reserved_seats",
                _("At most all %(num)d seats can be held back.", num=out["seats"]),
            )
    out["parent_id"] = fields.ref("parent_id")
    if out["parent_id"] is not None and not fields.has("parent_id"):
        _check_parent(fields, forum, out["parent_id"], current)
    _check_meeting(fields, zone, out)
    out["speakers"] = _check_speakers(fields, forum, raw.get("speakers"))
    fields.raise_if_any()
    return out


def _check_floor_languages(fields: Fields) -> str:
    """The language(s) spoken on the floor: ISO 639 codes joined by "+" ("ko", "ko+en"), each
    one Babel knows, none twice. Empty means Korean."""
    language = fields.text("language", limit=16).lower() or "ko"
    if fields.has("language"):
        return language
    codes = parse_floor_languages(language)
    if (
        not _LANGUAGE.match(language)
        or "+".join(codes) != language
        or not all(is_language(code) for code in codes)
        or len(set(codes)) != len(codes)
    ):
        fields.add(
            "language", _("Give ISO 639 language codes joined by +, such as ko, en or ko+en.")
        )
    return language


def _check_meeting(fields: Fields, zone: ZoneInfo, out: dict[str, Any]) -> None:
    """A tour's meeting point: where (in either language), optionally when (before the start,
    not more than MEETING_LEAD_HOURS earlier) and a note; a time or note needs the place."""
    for name in ("meeting_point_ko", "meeting_point_en"):
        out[name] = fields.text(name, limit=300)
    for name in ("meeting_note_ko", "meeting_note_en"):
        out[name] = fields.text(name, limit=2_000, multiline=True)
    out["meeting_at"] = fields.moment("meeting_at", zone)
    has_place = out["meeting_point_ko"] or out["meeting_point_en"]
    extras = out["meeting_at"] or out["meeting_note_ko"] or out["meeting_note_en"]
    if extras and not has_place and not fields.has("meeting_point_ko"):
        fields.add("meeting_point_ko", _("Say where people meet (in Korean or English)."))
    meeting, start = out["meeting_at"], out["starts_at"]
    if meeting is None or start is None:
        return
    if meeting > start:
        fields.add("meeting_at", _("People meet before the session starts, not after."))
    elif start - meeting > timedelta(hours=MEETING_LEAD_HOURS):
        fields.add(
            "meeting_at",
            _(
                "The meeting time is at most %(hours)d hours before the start.",
                hours=MEETING_LEAD_HOURS,
            ),
        )


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


def _meeting_values(get: Callable[[str], Any]) -> dict[str, Any]:
    meeting_at = get("meeting_at")
    return {
        "meeting_point_ko": get("meeting_point_ko"),
        "meeting_point_en": get("meeting_point_en"),
        "meeting_at": _iso(meeting_at) if meeting_at else None,
    }


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
    if any(get(name) != after[name] for name in MEETING_FIELDS):
        out.append(("meeting", _meeting_values(get), _meeting_values(after.get)))
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


def _check_seats(forum_id: int, session: ForumSession, seats: int | None, reserved: int) -> None:
    """Seats cannot drop below the seats held, nor the reserve below the seats invited people
    hold."""
    if seats is None:
        return
    counted = session.seats is not None
    held = session.seats_taken if counted else ledger.seats_held(session.id)
    invited = (
        session.invited_seats_taken if counted else ledger.seats_held(session.id, invited=True)
    )
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
    if reserved < invited:
        raise ValidationFailed(
            {
                "reserved_seats": [
                    ngettext(
                        "%(num)d seat is held by invited people already; hold back at least"
                        " that many.",
                        "%(num)d seats are held by invited people already; hold back at least"
                        " that many.",
                        invited,
                    )
                ]
            }
        )


def create_session(forum: Forum, raw: Mapping[str, Any], user: User) -> SessionSaved:
    """A new session. In a published forum it is listed as "added" on the changes page."""
    cleaned = check_session(forum, raw, current=None)
    lines = cleaned.pop("speakers")
    with write_transaction():
        lock_forum(forum.id)
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
    if forum.status == ForumStatus.PUBLISHED:
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
    notify_at_once: bool = False,
) -> SessionSaved:
    """Save a session edited from `revision` (and `fingerprint`, when given).

    `raw` may be partial (the API's PATCH): missing fields keep their values. Refused with
    `StaleRevision` when someone saved in between, with `ValidationFailed` for bad fields;
    either way nothing changes. `notify_at_once`: the change notices are due now rather than
    after the grouping delay (a same-day change), with the pending ones they merge into.
    """
    now = now or utcnow()
    session = get_session(forum, session_id)
    revision = parse_whole_number(revision)
    if revision is None:
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
        lock_forum(forum.id)
        if not _lock_session(session_id, revision):
            raise _stale(db.session.get(ForumSession, session_id))
        db.session.expire_all()
        session = db.session.get(ForumSession, session_id)
        forum = session.forum
        if fingerprint and fingerprint != session_fingerprint(session):
            raise _stale(session)
        _edited, recorded, notices = apply_update(
            forum, session, cleaned, lines, user, now=now, at_once=notify_at_once
        )
    return SessionSaved(session, recorded, notices, session_conflicts(forum, session.id))


def apply_update(
    forum: Forum,
    session: ForumSession,
    cleaned: dict[str, Any],
    lines: list[SpeakerLine],
    user: User,
    *,
    now: datetime,
    at_once: bool = False,
) -> tuple[bool, list[ProgrammeChange], int]:
    """Save checked values onto a session inside the caller's write transaction (forum and
    session rows locked): seats rules, revisions, programme changes and notices, waitlists.
    `at_once` makes the notices due now instead of after the grouping delay.
    Returns (anything edited, changes recorded, notices queued or merged)."""

    _check_seats(forum.id, session, cleaned["seats"], cleaned["reserved_seats"])
    changes = _changes_between(session, cleaned)
    old_format, old_seats = session.format, session.seats
    edited = any(getattr(session, k) != v for k, v in cleaned.items())
    for name, value in cleaned.items():
        setattr(session, name, value)
    edited = _set_speakers(session, lines) or edited
    if old_seats is None and session.seats is not None:
        ledger.recount_session_seats(session.id)
        db.session.expire(session, ["seats_taken", "invited_seats_taken"])
    if not edited:
        return False, [], 0
    recorded: list[ProgrammeChange] = []
    notices = 0
    session.updated_at = now
    if forum.status == ForumStatus.PUBLISHED:
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
            notices = _notify(
                session, recorded, {old_format, session.format}, now=now, at_once=at_once
            )
    db.session.flush()
    if session.seats is not None:
        # More seats, a smaller reserve, or seats of its own at last: people waiting get them.
        ledger.fill_session_seats(session.id)
    elif old_seats is not None and session.seats is None:
        ledger.release_session_limit(session.id)
    return True, recorded, notices


def delete_session(forum: Forum, session_id: int, user: User, *, revision: Any) -> None:
    """Delete a session of a draft forum. In a published forum a session is cancelled
    instead (people are told); a session people hold places in or with parts stays."""
    session = get_session(forum, session_id)
    revision = parse_whole_number(revision)
    if revision is None:
        raise ValidationFailed(
            {"revision": [_("Send the revision you started from (a whole number).")]}
        )
    with write_transaction():
        lock_forum(forum.id)
        if not _lock_session(session_id, revision):
            raise _stale(db.session.get(ForumSession, session_id))
        db.session.refresh(forum)
        session = db.session.get(ForumSession, session_id)
        if forum.status == ForumStatus.PUBLISHED:
            raise InvalidState(
                _(
                    "The forum is published: cancel the session instead of deleting it, "
                    "so that people are told."
                )
            )
        held = db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.session_id == session.id, Booking.status != PlaceStatus.CANCELLED)
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
