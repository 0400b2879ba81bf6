"""The desk itself: who works it (a forum's, or one session's), when it is open, and the
refusals the desk answers with.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.db import db, utcnow
from app.core.errors import (
    DomainError,
    NotFound,
)
from app.core.tokens import (
    CODE_LENGTH,
    QR_PREFIX,
)
from app.models import (
    Forum,
    ForumSession,
    User,
)
from app.models.enums import ForumFormat, ForumStatus

INPUT_MAX = 200
SEARCH_MIN = 2
SEARCH_LIMIT = 20
DESK_LABEL_MAX = 100
REASON_MAX = 500
KIOSK_DESK = "kiosk"
# MDG1:ABCDEFGH:0123456789abcdef
PAYLOAD_LENGTH = len(QR_PREFIX) + 1 + CODE_LENGTH + 1 + 16
_HEX = set("0123456789abcdefABCDEF")
_TYPED_CODE = re.compile(r"^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$")


# ------------------------------------------------------------------------------ errors


class InvalidInput(DomainError):
    """What was scanned or typed is no code, payload or search; refused before any look-up.

    `reason`: garbage, truncated, forged, malformed_code, empty, too_short, code_only.
    """

    status = 422
    code = "invalid_input"
    public_details = ("reason",)

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


class UnknownCode(NotFound):
    code = "unknown_code"


class OtherForum(DomainError):
    """A genuine code of another forum. Carries that forum's (public) title, nobody's data."""

    status = 409
    code = "other_forum"


class NotAdmitted(DomainError):
    """The person holds no place here. `reason`: waitlisted, online, not_booked,
    session_waitlisted, session_cancelled, not_checked_in."""

    status = 409
    code = "not_admitted"
    public_details = ("reason",)

    def __init__(self, reason: str, message: str, **details: object) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class DeskClosed(DomainError):
    status = 409
    code = "desk_closed"


class OnsiteRegistrationClosed(DomainError):
    status = 409
    code = "onsite_registration_closed"


class ForumFull(DomainError):
    status = 409
    code = "forum_full"


# ------------------------------------------------------------------------- the desk itself


@dataclass(frozen=True)
class Desk:
    """Where a check-in happens: a forum, who operates it (None: the self check-in kiosk),
    the desk's name, and the session it checks people into (None: the forum's entrance)."""

    forum: Forum
    operator: User | None
    label: str = ""
    session: ForumSession | None = None

    @property
    def name(self) -> str:
        if self.operator is None:
            return KIOSK_DESK
        return clean_desk_label(self.label)


def clean_desk_label(raw: str | None) -> str:
    text = unicodedata.normalize("NFC", (raw or "").strip())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Zl", "Zp"))
    return text[:DESK_LABEL_MAX]


def forum_by_slug(slug: str) -> Forum | None:
    """Any forum, draft or published (desk staff prepare drafts too)."""
    if not slug or len(slug) > 80:
        return None
    return db.session.scalar(select(Forum).where(Forum.slug == slug))


def all_forums() -> list[Forum]:
    """Every forum, the latest first (the desk index filters by who may work each desk)."""
    return list(db.session.scalars(select(Forum).order_by(Forum.first_day.desc(), Forum.id)))


def published_forum(slug: str) -> Forum | None:
    forum = forum_by_slug(slug)
    return forum if forum is not None and forum.status == ForumStatus.PUBLISHED else None


def operator_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.name or user.email


# ------------------------------------------------------------------------- the desk's hours


@dataclass(frozen=True)
class DeskState:
    """Whether the desk is open at a moment, and why: `forum_day` or `not_forum_day` (by
    itself), `opened` or `closed` (an organizer's override)."""

    is_open: bool
    why: Literal["forum_day", "not_forum_day", "opened", "closed"]
    local_day: date


def local_today(forum: Forum, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(forum.timezone)).date()


def desk_state(forum: Forum, now: datetime | None = None) -> DeskState:
    """Open by itself on the forum's days (in its time zone), unless an organizer opened it
    earlier (a tour the day before) or closed it."""
    today = local_today(forum, now)
    if forum.desk_override == "open":
        return DeskState(True, "opened", today)
    if forum.desk_override == "closed":
        return DeskState(False, "closed", today)
    if forum.first_day <= today <= forum.last_day:
        return DeskState(True, "forum_day", today)
    return DeskState(False, "not_forum_day", today)


def _require_open(forum: Forum, now: datetime) -> None:
    if not desk_state(forum, now).is_open:
        raise DeskClosed(
            _(
                "The desk is closed. It opens by itself on the forum's days; an organizer can"
                " open it earlier in the desk settings."
            )
        )


def walk_in_state(forum: Forum, now: datetime | None = None) -> str:
    """'open', or why walk-ins are refused: 'online_only', 'onsite_off', 'desk_closed'."""
    if forum.format == ForumFormat.ONLINE:
        return "online_only"
    if not forum.onsite_registration:
        return "onsite_off"
    if not desk_state(forum, now).is_open:
        return "desk_closed"
    return "open"
