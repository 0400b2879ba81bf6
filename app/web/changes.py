"""The public list of changes to a forum's published programme: /forums/<slug>/changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from app.core.errors import NotFound
from app.core.i18n import current_locale, pick
from app.core.presenters import fmt_datetime, fmt_day, fmt_time, meeting_line
from app.programme import change_notices

bp = Blueprint("changes", __name__)


@dataclass(frozen=True)
class ChangeLine:
    when: datetime
    kind: str
    session_id: int | None
    title: str
    old: str
    new: str


def _span(data: dict, tz: str) -> str:
    try:
        start = datetime.fromisoformat(data["starts_at"])
        end = datetime.fromisoformat(data["ends_at"])
    except (KeyError, TypeError, ValueError):
        return ""
    return f"{fmt_day(start, tz)} {fmt_time(start, tz)}–{fmt_time(end, tz)}"


def _bilingual(data: dict, field: str, locale: str) -> str:
    first, second = ("ko", "en") if locale == "ko" else ("en", "ko")
    return data.get(f"{field}_{first}") or data.get(f"{field}_{second}") or ""


def describe(entry: change_notices.ChangeEntry, tz: str, locale: str) -> ChangeLine:
    change, session = entry.change, entry.session
    before, after = change.before or {}, change.after or {}
    old = new = ""
    if change.kind == "moved":
        old, new = _span(before, tz), _span(after, tz)
    elif change.kind == "venue":
        old = _bilingual(before, "name", locale) or _("Online")
        new = _bilingual(after, "name", locale) or _("Online")
    elif change.kind == "retitled":
        old, new = _bilingual(before, "title", locale), _bilingual(after, "title", locale)
    elif change.kind == "meeting":
        old = meeting_line(before, tz, locale) or _("None")
        new = meeting_line(after, tz, locale) or _("None")
    elif change.kind == "cancelled":
        new = _("Cancelled")
    elif change.kind == "reinstated":
        new = _("Scheduled again")
    elif change.kind == "added":
        new = _span(after, tz)
    title = pick(session, "title", locale) if session is not None else ""
    title = title or _bilingual(after, "title", locale) or _bilingual(before, "title", locale)
    return ChangeLine(change.created_at, change.kind, change.session_id, title, old, new)


@bp.get("/forums/<slug>/changes")
def forum_changes(slug: str):
    try:
        forum, entries = change_notices.public_changes(slug)
    except NotFound:
        abort(404)
    locale = current_locale()
    lines = [describe(e, forum.timezone, locale) for e in entries]
    return render_template(
        "organize/changes_public.html",
        forum=forum,
        lines=lines,
        fmt_changed=lambda when: fmt_datetime(when, forum.timezone),
    )
