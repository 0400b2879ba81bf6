"""CSV import and export of a forum's programme, and the export of its registrations.

The programme file
------------------
One row per session. The header may use the English column names or the Korean ones (any
mix, any order; case and spaces around names do not matter):

=================  ==============  ==========================================================
column             Korean          value
=================  ==============  ==========================================================
key                키              an id for the row, unique in the file. ``S<id>`` (as the
                                   export writes, e.g. ``S12``) updates that session of this
                                   forum; any other key (``new-1``), or none, makes a new
                                   session; a key lets other rows name it as their block.
revision           버전            optional: the revision exported; an updated session that
                                   has moved on since is refused (someone else edited it).
title_ko           제목(한국어)    at least one of the two titles
title_en           제목(영어)
kind               유형            keynote, plenary, session, panel, lecture, talk_concert,
                                   roundtable, networking, tour, site_visit, ceremony,
                                   general_assembly (default session)
format             형식            in_person, online, hybrid (default in_person)
language           언어            ko, en, ko+en … (default ko)
status             상태            scheduled, cancelled (default scheduled)
starts_at          시작            local time of the forum: 2026-04-01 10:00
ends_at            종료            local time of the forum, after the start
venue              장소            a venue of the forum by its Korean or English name, or #id;
                                   empty: online, no venue
seats              좌석            seats of its own; empty: open to every attendee
block              상위 블록       the key of the programme block this session is part of
speakers           연사            ``role: name; role: name`` in order (roles: keynote,
                                   presenter, moderator, panelist, host, guest); a speaker of
                                   the forum by Korean or English name, or #id
description_ko     설명(한국어)
description_en     설명(영어)
meeting_point_ko   집결 장소(한국어)  where a tour gathers (the bus at City Hall's gate); the
meeting_point_en   집결 장소(영어)    place it goes to is the venue
meeting_at         집결 시각       local time, before the start and at most 12 hours earlier
meeting_note_ko    집결 안내(한국어)
meeting_note_en    집결 안내(영어)
=================  ==============  ==========================================================

A file without the meeting columns (exported before they existed) leaves the meeting points of
the sessions it updates as they are.

Files are read as UTF-8 (with or without a byte-order mark) or as CP949 (Korean Excel's
"CSV"). The import is checked as a whole first (`plan_import`, the dry run: every row with
its errors); it is applied only when no row has an error, all in one transaction
(`apply_import`), with the same rules, revisions, change records and notices as the pages.
The export writes UTF-8 with a byte-order mark, so Excel shows Korean text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError, ValidationFailed
from app.core.locks import lock_forum
from app.models import AuditEntry, Booking, Forum, ForumSession, Registration, User
from app.models.enums import SPEAKER_ROLES, PlaceStatus
from app.places import ledger
from app.places.ledger import booking_waitlist_position
from app.programme import agenda, checks, session_edits

MAX_BYTES = 2_000_000
MAX_ROWS = 2_000

COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "키"),
    ("revision", "버전"),
    ("title_ko", "제목(한국어)"),
    ("title_en", "제목(영어)"),
    ("kind", "유형"),
    ("format", "형식"),
    ("language", "언어"),
    ("status", "상태"),
    ("starts_at", "시작"),
    ("ends_at", "종료"),
    ("venue", "장소"),
    ("seats", "좌석"),
    ("block", "상위 블록"),
    ("speakers", "연사"),
    ("description_ko", "설명(한국어)"),
    ("description_en", "설명(영어)"),
    ("meeting_point_ko", "집결 장소(한국어)"),
    ("meeting_point_en", "집결 장소(영어)"),
    ("meeting_at", "집결 시각"),
    ("meeting_note_ko", "집결 안내(한국어)"),
    ("meeting_note_en", "집결 안내(영어)"),
)
_MEETING_COLUMNS = (
    "meeting_point_ko",
    "meeting_point_en",
    "meeting_at",
    "meeting_note_ko",
    "meeting_note_en",
)
Columns = tuple[tuple[str, str], ...]  # (English name, Korean name) of each column


def _programme_missing(present: list[str]) -> list[str]:
    missing = [n for n in ("key", "starts_at", "ends_at") if n not in present]
    if "title_ko" not in present and "title_en" not in present:
        missing.append("title_ko / title_en")
    return missing


def _aliases(columns: Columns) -> dict[str, str]:
    return {
        norm: name
        for name, korean in columns
        for norm in (name.lower(), re.sub(r"\s+", "", korean).lower())
    }


_KEY = re.compile(r"^S(\d{1,12})$")
_REF = re.compile(r"^#(\d{1,12})$")


class CsvRefused(DomainError):
    """The file as a whole cannot be read (size, encoding, header)."""

    status = 422
    code = "bad_csv"


# ============================================================================ reading


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, else CP949; else refused, and
    refused too when the text holds a NUL byte, which no database column stores."""
    text, encoding = _decode(data)
    if "\x00" in text:
        raise CsvRefused(
            _("The file holds NUL bytes, so it is not CSV text. Save it as “CSV UTF-8”.")
        )
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    if len(data) > MAX_BYTES:
        raise CsvRefused(_("The file is too large (at most 2 MB)."))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp949"), "cp949"
        except UnicodeDecodeError:
            pass
    raise CsvRefused(
        _("The file is neither UTF-8 nor CP949 text. Save it as “CSV UTF-8” and try again.")
    )


def read_rows(
    text: str,
    columns: Columns = COLUMNS,
    missing_in: Callable[[list[str]], list[str]] = _programme_missing,
) -> list[dict[str, str]]:
    """The rows as {column: value}; a wrong or incomplete header is refused (`missing_in`
    names the required columns a header lacks). Programme columns unless told otherwise."""
    aliases = _aliases(columns)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvRefused(_("The file is empty.")) from None
    except csv.Error as exc:
        raise CsvRefused(_("The file is not valid CSV: %(error)s", error=str(exc))) from None
    names: list[str | None] = []
    unknown = []
    for raw in header:
        name = aliases.get(re.sub(r"\s+", "", raw).lower())
        if raw.strip() and name is None:
            unknown.append(raw.strip())
        names.append(name)
    expected = ", ".join(name for name, _ko in columns)
    if unknown:
        raise CsvRefused(
            _(
                "Unknown columns: %(unknown)s. The columns are: %(expected)s.",
                unknown=", ".join(unknown),
                expected=expected,
            )
        )
    present = [n for n in names if n]
    doubled = sorted({n for n in present if present.count(n) > 1})
    if doubled:
        raise CsvRefused(_("Columns given twice: %(names)s.", names=", ".join(doubled)))
    missing = missing_in(present)
    if missing:
        raise CsvRefused(
            _(
                "Missing columns: %(missing)s. The columns are: %(expected)s.",
                missing=", ".join(missing),
                expected=expected,
            )
        )
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvRefused(_("Too many rows (at most %(n)d).", n=MAX_ROWS))
            row = {name: "" for name in present}
            for name, value in zip(names, values, strict=False):
                if name:
                    row[name] = _uncell(value)
            row["_line"] = str(reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        raise CsvRefused(_("The file is not valid CSV: %(error)s", error=str(exc))) from None
    return rows


# ============================================================================ planning


@dataclass
class RowPlan:
    line: int
    key: str
    title: str
    action: str = "create"  # create | update | unchanged
    session_id: int | None = None
    errors: list[str] = field(default_factory=list)
    cleaned: dict[str, Any] | None = None
    speakers: list[session_edits.SpeakerLine] = field(default_factory=list)
    block: str = ""


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    encoding: str

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "unchanged": 0, "errors": 0}
        for row in self.rows:
            if row.errors:
                out["errors"] += 1
            else:
                out[row.action] += 1
        return out


class _Names:
    """Look records up by Korean or English name (exactly, case-insensitively) or #id."""

    def __init__(self, rows: Iterable[Any], field_name: str) -> None:
        self.by_id = {r.id: r for r in rows}
        self.by_name: dict[str, list[Any]] = {}
        for r in self.by_id.values():
            for lang in ("ko", "en"):
                name = (getattr(r, f"{field_name}_{lang}") or "").strip().casefold()
                if name and r not in self.by_name.setdefault(name, []):
                    self.by_name[name].append(r)

    def find(self, text: str) -> tuple[Any | None, str | None]:
        text = text.strip()
        match = _REF.match(text)
        if match:
            found = self.by_id.get(int(match.group(1)))
            return (found, None) if found else (None, "unknown")
        matches = self.by_name.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0], None
        return None, "ambiguous" if matches else "unknown"

    def label(self, record: Any, field_name: str) -> str:
        """The name that finds `record` again, or #id when the name would not."""
        for lang in ("en", "ko"):
            name = (getattr(record, f"{field_name}_{lang}") or "").strip()
            if name and not (set(name) & set(";:#")) and self.find(name)[0] is record:
                return name
        return f"#{record.id}"


def _parse_speakers(text: str, speakers: _Names, errors: list[str]) -> list[dict[str, Any]]:
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        role, sep, name = part.partition(":")
        if not sep:
            errors.append(
                _(
                    "Speakers: write “role: name”, e.g. “moderator: Kim Ji-won” (got “%(part)s”).",
                    part=part,
                )
            )
            continue
        role = role.strip().lower()
        if role not in SPEAKER_ROLES:
            errors.append(
                _(
                    "Speakers: “%(role)s” is not a role; use one of %(roles)s.",
                    role=role,
                    roles=", ".join(SPEAKER_ROLES),
                )
            )
            continue
        speaker, problem = speakers.find(name)
        if speaker is None:
            errors.append(
                _(
                    "Speakers: more than one speaker is called “%(name)s”; write #id instead.",
                    name=name.strip(),
                )
                if problem == "ambiguous"
                else _("Speakers: this forum has no speaker “%(name)s”.", name=name.strip())
            )
            continue
        out.append({"speaker_id": speaker.id, "role": role})
    return out


_FIELD_LABELS = {
    "title_ko": "title_ko",
    "title_en": "title_en",
    "venue_id": "venue",
    "parent_id": "block",
}


def _same(
    session: ForumSession, cleaned: dict[str, Any], lines: list[session_edits.SpeakerLine]
) -> bool:
    if any(getattr(session, k) != v for k, v in cleaned.items()):
        return False
    current = sorted((li.position, li.speaker_id, li.role) for li in session.speaker_links)
    return current == [(line.position, line.speaker_id, line.role) for line in lines]


def plan_import(forum: Forum, data: bytes) -> ImportPlan:
    """The dry run: every row checked with the forum's rules, nothing written."""
    text, encoding = decode(data)
    raw_rows = read_rows(text)
    forum = agenda.load_forum(forum.id)
    venues = _Names(forum.venues, "name")
    speakers = _Names(forum.speakers, "name")
    sessions = {s.id: s for s in forum.sessions}
    plans: list[RowPlan] = []
    keys: dict[str, RowPlan] = {}

    for raw in raw_rows:
        key = raw.get("key", "").strip()
        title = raw.get("title_en", "").strip() or raw.get("title_ko", "").strip()
        plan = RowPlan(line=int(raw["_line"]), key=key, title=title)
        plans.append(plan)
        if not key:
            pass  # a new session that no other row names as its block
        elif key in keys:
            plan.errors.append(_("key: “%(key)s” is used by another row.", key=key))
        else:
            keys[key] = plan
        match = _KEY.match(key)
        current = sessions.get(int(match.group(1))) if match else None
        if current is not None:
            plan.action, plan.session_id = "update", current.id
            revision = raw.get("revision", "").strip()
            if revision and revision != str(current.revision):
                plan.errors.append(
                    _(
                        "revision: this session changed since the export (now revision "
                        "%(now)d); export again.",
                        now=current.revision,
                    )
                )
        values: dict[str, Any] = {
            name: raw.get(name, "")
            for name in (
                "title_ko",
                "title_en",
                "kind",
                "format",
                "language",
                "status",
                "starts_at",
                "ends_at",
                "seats",
                "description_ko",
                "description_en",
            )
        }
        for name in _MEETING_COLUMNS:
            if name in raw:
                values[name] = raw[name]
            elif current is not None:  # an older file: keep what the session has
                values[name] = getattr(current, name)
        venue_text = raw.get("venue", "").strip()
        values["venue_id"] = None
        if venue_text:
            venue, problem = venues.find(venue_text)
            if venue is None:
                plan.errors.append(
                    _(
                        "venue: more than one venue is called “%(name)s”; write #id instead.",
                        name=venue_text,
                    )
                    if problem == "ambiguous"
                    else _("venue: this forum has no venue “%(name)s”.", name=venue_text)
                )
            else:
                values["venue_id"] = venue.id
        values["speakers"] = _parse_speakers(raw.get("speakers", ""), speakers, plan.errors)
        plan.block = raw.get("block", "").strip()
        values["parent_id"] = None
        try:
            cleaned = session_edits.check_session(forum, values, current=current)
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    plan.errors.append(f"{_FIELD_LABELS.get(name, name)}: {message}")
            continue
        plan.speakers = cleaned.pop("speakers")
        plan.cleaned = cleaned

    _resolve_blocks(plans, keys, sessions)
    for plan in plans:
        if plan.errors or plan.cleaned is None or plan.action != "update":
            continue
        current = sessions[plan.session_id]
        parent = plan.cleaned.get("parent_id")
        if isinstance(parent, int):
            fields = checks.Fields({})
            session_edits._check_parent(fields, forum, parent, current)
            plan.errors.extend(f"block: {m}" for m in fields.errors.get("parent_id", []))
        seats = plan.cleaned["seats"]
        if current.seats is not None and seats is not None and seats < current.seats_taken:
            plan.errors.append(_("seats: %(n)d seats are held already.", n=current.seats_taken))
        if plan.errors:
            continue
        if parent != "pending" and _same(current, plan.cleaned, plan.speakers):
            plan.action = "unchanged"
    return ImportPlan(plans, encoding)


def _resolve_blocks(
    plans: list[RowPlan], keys: dict[str, RowPlan], sessions: dict[int, ForumSession]
) -> None:
    """Point each row's block at a session id (existing) or "pending" (a new row)."""
    for plan in plans:
        if plan.cleaned is None:
            continue
        if not plan.block:
            plan.cleaned["parent_id"] = None
            continue
        target = keys.get(plan.block)
        if target is None:
            match = _KEY.match(plan.block)
            if match and int(match.group(1)) in sessions:
                plan.cleaned["parent_id"] = int(match.group(1))
                continue
            plan.errors.append(_("block: no row has the key “%(key)s”.", key=plan.block))
            continue
        if target is plan:
            plan.errors.append(_("block: a session cannot be its own block."))
            continue
        plan.cleaned["parent_id"] = target.session_id if target.session_id else "pending"
    # A cycle of blocks among the rows.
    for plan in plans:
        seen: set[int] = set()
        node: RowPlan | None = plan
        while node is not None and node.block and id(node) not in seen:
            seen.add(id(node))
            node = keys.get(node.block)
            if node is plan:
                plan.errors.append(_("block: the blocks of these rows form a circle."))
                break


# ============================================================================ applying


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    notices: int


def apply_import(forum: Forum, data: bytes, user: User) -> ImportResult:
    """Apply a file whose dry run has no errors, all or nothing, in one transaction."""
    now = utcnow()
    notices = 0
    with write_transaction():
        lock_forum(forum.id)
        plan = plan_import(forum, data)
        if not plan.ok:
            raise ValidationFailed(
                {"file": [_("The file has rows with errors; nothing was imported.")]}
            )
        forum = db.session.get(Forum, forum.id)
        by_key: dict[str, ForumSession] = {}
        by_line: dict[int, ForumSession] = {}
        for row in plan.rows:
            assert row.cleaned is not None
            cleaned = dict(row.cleaned)
            parent = cleaned.pop("parent_id")
            if row.action == "create":
                session, _changes = session_edits.apply_create(
                    forum, {**cleaned, "parent_id": None}, row.speakers, user, now=now
                )
            else:
                session = db.session.get(ForumSession, row.session_id)
                if row.action == "update":
                    cleaned["parent_id"] = session.parent_id if parent == "pending" else parent
                    _edited, _changes, sent = session_edits.apply_update(
                        forum, session, cleaned, row.speakers, user, now=now
                    )
                    notices += sent
            by_line[row.line] = session
            if row.key:
                by_key[row.key] = session
        db.session.flush()
        for row in plan.rows:
            if row.cleaned and row.cleaned.get("parent_id") == "pending":
                by_line[row.line].parent_id = by_key[row.block].id
        counts = plan.counts
    return ImportResult(counts["create"], counts["update"], counts["unchanged"], notices)


# ============================================================================ exporting


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    """Every cell made safe for spreadsheets (see `_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def _local(moment: datetime, tz: str) -> str:
    return checks.local_input(moment, tz).replace("T", " ")


def export_programme(forum: Forum, *, korean_header: bool = False) -> str:
    """The programme as CSV in the import's columns: importing it again changes nothing."""
    forum = agenda.load_forum(forum.id)
    venues = _Names(forum.venues, "name")
    speakers = _Names(forum.speakers, "name")
    header = [korean if korean_header else name for name, korean in COLUMNS]
    rows = []
    for s in forum.sessions:
        rows.append(
            [
                f"S{s.id}",
                s.revision,
                s.title_ko,
                s.title_en,
                s.kind,
                s.format,
                s.language,
                s.status,
                _local(s.starts_at, forum.timezone),
                _local(s.ends_at, forum.timezone),
                venues.label(s.venue, "name") if s.venue is not None else "",
                s.seats,
                f"S{s.parent_id}" if s.parent_id is not None else "",
                "; ".join(
                    f"{link.role}: {speakers.label(link.speaker, 'name')}"
                    for link in s.speaker_links
                ),
                s.description_ko,
                s.description_en,
                s.meeting_point_ko,
                s.meeting_point_en,
                _local(s.meeting_at, forum.timezone) if s.meeting_at else "",
                s.meeting_note_ko,
                s.meeting_note_en,
            ]
        )
    return _csv(header, rows)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text made safe for spreadsheets (no formula injection): a cell a spreadsheet would read
    as a formula gets a leading apostrophe, which it shows as text. Text that already starts
    with apostrophes before such a character gets one more, so `_uncell` restores any text."""
    if isinstance(value, str) and value.lstrip("'").startswith(_FORMULA):
        return "'" + value
    return value


def _uncell(value: str) -> str:
    """The text `_cell` was given: an import reads back what the export wrote."""
    if value.startswith("'") and value.lstrip("'").startswith(_FORMULA):
        return value[1:]
    return value


def export_registrations(forum: Forum, user: User) -> str:
    """The forum's registrations as CSV, with the fields each person agreed to share: whether
    they may be told about future forums; nothing of an anonymised registration but its
    status. Accessibility needs never leave per person: the consent promises organizers
    counts per session only (the people pages). Logged."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.forum_id == forum.id)
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    tz = forum.timezone

    ranks = ledger.forum_waitlist_ranks(forum.id)
    header = [
        "confirmation_code",
        "name",
        "email",
        "affiliation",
        "attendance",
        "status",
        "waitlist_position",
        "sessions",
        "registered_at",
        "checked_in_at",
        "future_forums_by_email",
        "category",
    ]
    rows = []
    for r in registrations:
        anonymous = r.anonymised_at is not None
        sessions = "; ".join(
            f"{s.title_en or s.title_ko} ({b.status}"
            + (f" #{booking_waitlist_position(b)}" if b.status == PlaceStatus.WAITLISTED else "")
            + ")"
            for b in r.bookings
            if b.status != PlaceStatus.CANCELLED and (s := b.session) is not None
        )
        rows.append(
            [
                r.confirmation_code,
                "" if anonymous else r.name,
                "" if anonymous else r.email,
                "" if anonymous else r.affiliation,
                r.attendance,
                r.status,
                ranks.get(r.id),
                sessions,
                _local(r.created_at, tz),
                _local(r.checked_in_at, tz) if r.checked_in_at else "",
                "yes" if r.marketing_consent and not anonymous else "no",
                r.category,
            ]
        )
    with write_transaction():
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="registrations.export",
                forum_id=forum.id,
                details={"rows": len(rows)},
            )
        )
    return _csv(header, rows)


__all__ = [
    "COLUMNS",
    "CsvRefused",
    "ImportPlan",
    "ImportResult",
    "RowPlan",
    "apply_import",
    "decode",
    "export_programme",
    "export_registrations",
    "plan_import",
    "read_rows",
]
