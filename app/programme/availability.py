"""Speakers' availability: the windows in which a speaker can take part, in their own zone.

A speaker joining a Seoul morning from Los Angeles gives "2026-09-03 17:00-20:00" in
America/Los_Angeles. A speaker without windows is available throughout the forum. Windows are
kept in UTC; each must reach into the forum's days and none may overlap another. Edited on the
speaker's page (one window per line) and by the API, or imported for many speakers from CSV.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.core.db import db, write_transaction
from app.core.locks import lock_forum
from app.models import Forum, Speaker, SpeakerAvailability, User
from app.programme.agenda import get_speaker
from app.programme.checks import Fields
from app.programme.csv_io import CsvRefused, decode

MAX_WINDOWS = 50
_LINE = re.compile(
    r"^(?P<day>\d{4}-\d{2}-\d{2})[ T]+(?P<start>\d{1,2}:\d{2})\s*(?:-|–|~|to)\s*"
    r"(?:(?P<end_day>\d{4}-\d{2}-\d{2})[ T]+)?(?P<end>\d{1,2}:\d{2})$"
)
CSV_COLUMNS = ("speaker_id", "timezone", "date", "start", "end")


@dataclass(frozen=True)
class LocalWindow:
    starts_at: datetime  # aware, in the speaker's zone
    ends_at: datetime


def _clock(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(0, 0)
    return time(hours, minutes)


def _window(day: str, start: str, end: str, end_day: str | None, zone: ZoneInfo) -> LocalWindow:
    """One window; ValueError with a message for people."""
    try:
        first = date.fromisoformat(day)
        starts = datetime.combine(first, _clock(start), zone)
        last = date.fromisoformat(end_day) if end_day else first
        if end.strip() in ("24:00",) and not end_day:
            last = first + timedelta(days=1)
        ends = datetime.combine(last, _clock(end), zone)
    except ValueError:
        raise ValueError(_("Write a window as 2026-09-03 17:00-20:00.")) from None
    if ends <= starts:
        raise ValueError(
            _("A window must end after it starts (%(day)s %(start)s).", day=day, start=start)
        )
    return LocalWindow(starts, ends)


def format_window(window: SpeakerAvailability, zone: str) -> str:
    """A stored window as one line of the page's text box, in the speaker's zone."""
    tz = ZoneInfo(zone)
    starts, ends = window.starts_at.astimezone(tz), window.ends_at.astimezone(tz)
    if ends.date() == starts.date():
        return f"{starts:%Y-%m-%d %H:%M}-{ends:%H:%M}"
    return f"{starts:%Y-%m-%d %H:%M}-{ends:%Y-%m-%d %H:%M}"


def availability_text(speaker: Speaker) -> str:
    return "\n".join(format_window(w, speaker.timezone) for w in speaker.availability)


def _forum_span(forum: Forum) -> tuple[datetime, datetime]:
    zone = ZoneInfo(forum.timezone)
    return (
        datetime.combine(forum.first_day, time(0), zone),
        datetime.combine(forum.last_day + timedelta(days=1), time(0), zone),
    )


def _check_windows(forum: Forum, windows: list[LocalWindow], errors: list[str]) -> None:
    opens, closes = _forum_span(forum)
    if len(windows) > MAX_WINDOWS:
        errors.append(_("Give at most %(num)d windows.", num=MAX_WINDOWS))
    for w in windows:
        if w.ends_at <= opens or w.starts_at >= closes:
            errors.append(
                _(
                    "%(window)s is outside the forum's days (%(first)s to %(last)s, %(zone)s).",
                    window=f"{w.starts_at:%Y-%m-%d %H:%M}-{w.ends_at:%H:%M}",
                    first=forum.first_day.isoformat(),
                    last=forum.last_day.isoformat(),
                    zone=forum.timezone,
                )
            )
    ordered = sorted(windows, key=lambda w: w.starts_at)
    for a, b in itertools.pairwise(ordered):
        if b.starts_at < a.ends_at:
            errors.append(
                _(
                    "Two windows overlap (%(a)s and %(b)s): join them into one.",
                    a=f"{a.starts_at:%Y-%m-%d %H:%M}",
                    b=f"{b.starts_at:%Y-%m-%d %H:%M}",
                )
            )


def _parse(raw: Any, zone: ZoneInfo, errors: list[str]) -> list[LocalWindow]:
    """Windows from text (a line each) or a JSON list of {"starts_at", "ends_at"} (local
    wall-clock times in the speaker's zone, or with an offset)."""
    windows: list[LocalWindow] = []
    if raw is None or raw == "":
        return windows
    if isinstance(raw, str):
        for line in raw.splitlines():
            line = line.strip()
            if not line:
                continue
            match = _LINE.match(line)
            if match is None:
                errors.append(
                    _("“%(line)s”: write a window as 2026-09-03 17:00-20:00.", line=line[:60])
                )
                continue
            try:
                windows.append(
                    _window(match["day"], match["start"], match["end"], match["end_day"], zone)
                )
            except ValueError as exc:
                errors.append(str(exc))
        return windows
    if not isinstance(raw, list):
        errors.append(_("Give the windows as a list."))
        return windows
    for item in raw:
        if not isinstance(item, Mapping):
            errors.append(_("Give each window as starts_at and ends_at."))
            continue
        try:
            starts = _moment(item.get("starts_at"), zone)
            ends = _moment(item.get("ends_at"), zone)
        except ValueError:
            errors.append(_("Give each window's starts_at and ends_at as 2026-09-03T17:00."))
            continue
        if ends <= starts:
            errors.append(
                _(
                    "A window must end after it starts (%(day)s %(start)s).",
                    day=f"{starts:%Y-%m-%d}",
                    start=f"{starts:%H:%M}",
                )
            )
            continue
        windows.append(LocalWindow(starts, ends))
    return windows


def _moment(value: Any, zone: ZoneInfo) -> datetime:
    if not isinstance(value, str):
        raise ValueError
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def check_availability(
    forum: Forum, speaker: Speaker, raw: Mapping[str, Any]
) -> tuple[str, list[LocalWindow]]:
    fields = Fields(raw)
    timezone = fields.timezone("timezone", default=speaker.timezone)
    errors: list[str] = []
    windows = _parse(raw.get("windows"), ZoneInfo(timezone), errors)
    if not errors:
        _check_windows(forum, windows, errors)
    for message in errors:
        fields.add("windows", message)
    fields.raise_if_any()
    return timezone, windows


def _replace(speaker_id: int, timezone: str, windows: list[LocalWindow]) -> None:
    db.session.execute(
        delete(SpeakerAvailability).where(SpeakerAvailability.speaker_id == speaker_id)
    )
    speaker = db.session.get(Speaker, speaker_id)
    speaker.timezone = timezone
    for w in windows:
        db.session.add(
            SpeakerAvailability(
                speaker_id=speaker_id,
                starts_at=w.starts_at.astimezone(UTC),
                ends_at=w.ends_at.astimezone(UTC),
            )
        )


def set_availability(forum: Forum, speaker_id: int, raw: Mapping[str, Any], user: User) -> Speaker:
    """Replace a speaker's zone and windows. Refused with `ValidationFailed`, nothing changed."""
    speaker = get_speaker(forum, speaker_id)
    timezone, windows = check_availability(forum, speaker, raw)
    with write_transaction():
        lock_forum(forum.id)
        _replace(speaker.id, timezone, windows)
    db.session.expire(speaker)
    return speaker


# ============================================================================ CSV


def import_availability(forum: Forum, data: bytes, user: User) -> int:
    """Windows for many speakers from CSV (speaker_id, timezone, date, start, end; a row per
    window). Every speaker named gets exactly the windows of its rows; the others keep
    theirs. Refused whole (`CsvRefused`) when any row is wrong. Returns the speakers changed."""
    text, _encoding = decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header[: len(CSV_COLUMNS)] != list(CSV_COLUMNS):
        raise CsvRefused(_("The columns must be: %(columns)s.", columns=", ".join(CSV_COLUMNS)))
    speakers = {
        k.id: k for k in db.session.scalars(select(Speaker).where(Speaker.forum_id == forum.id))
    }
    plan: dict[int, tuple[str, list[LocalWindow]]] = {}
    errors: list[str] = []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        sid = row.get("speaker_id", "")
        speaker = speakers.get(int(sid)) if sid.isdigit() else None
        if speaker is None:
            errors.append(
                _("Row %(row)d: no speaker %(id)s in this forum.", row=number, id=sid[:20])
            )
            continue
        fields = Fields({"timezone": row.get("timezone", "")})
        zone_name = fields.timezone("timezone", default=speaker.timezone)
        if fields.errors:
            errors.append(_("Row %(row)d: give an IANA time zone such as Asia/Seoul.", row=number))
            continue
        zone, windows = plan.setdefault(speaker.id, (zone_name, []))
        if zone != zone_name:
            errors.append(_("Row %(row)d: give one time zone per speaker.", row=number))
            continue
        try:
            windows.append(
                _window(
                    row.get("date", ""),
                    row.get("start", ""),
                    row.get("end", ""),
                    None,
                    ZoneInfo(zone),
                )
            )
        except ValueError as exc:
            errors.append(_("Row %(row)d: %(error)s", row=number, error=str(exc)))
    if not plan and not errors:
        errors.append(_("The file has no rows."))
    for speaker_id, (_zone, windows) in plan.items():
        problems: list[str] = []
        _check_windows(forum, windows, problems)
        name = speakers[speaker_id].name_en or speakers[speaker_id].name_ko
        errors.extend(f"{name}: {p}" for p in problems)
    if errors:
        raise CsvRefused(" ".join(errors[:20]))
    with write_transaction():
        lock_forum(forum.id)
        for speaker_id, (zone, windows) in plan.items():
            _replace(speaker_id, zone, windows)
    return len(plan)
