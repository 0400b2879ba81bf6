"""A forum's comment event: people complete a sentence with their name and address; the address
is confirmed by a mailed link (double opt-in) before the comment counts; organizers moderate;
visitors like published comments; a moderator reads picked comments out in a session.

One entry per normalised address and event, whatever is submitted: the first submission makes
it (pending, unconfirmed, with a confirmation link), a later one from an unconfirmed address
replaces its text and sends a new link (the old one dies), and a confirmed entry never changes.
Each step is a single conditional statement (INSERT … ON CONFLICT DO NOTHING, then an UPDATE
that only matches an unconfirmed row), so two submissions at once still make one entry.

A like is one row per (entry, voter), inserted with ON CONFLICT DO NOTHING; the counter moves
in the same transaction only when the row was inserted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.access import can_organize
from app.core.bounds import parse_id
from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from app.core.text import normalise_email
from app.core.tokens import hash_token, new_token
from app.models import AuditEntry, CommentEntry, CommentEvent, CommentLike, Forum, ForumSession
from app.models.enums import COMMENT_STATUSES, LOCALES, CommentStatus, PlaceStatus
from app.outbox import enqueue, enqueue_once
from app.programme.checks import Fields
from app.registration.operations import registration_by_token
from app.voices.common import COMMENT_CONSENT_VERSION

CONFIRM_KIND = "comment_confirm"
THANKS_KIND = "comment_thanks"
# The mailed link still confirms this long after the event closes (mail can be slow).
CONFIRM_GRACE = timedelta(hours=48)
PER_PAGE = 50
MODERATION_PER_PAGE = 100
NAME_MAX = 200
PROMPT_MAX = 300
PRIZE_MAX = 300
REWARD_NOTE_MAX = 2000
REASON_MAX = 1000
DEFAULT_MAX_LENGTH = 200
MIN_MAX_LENGTH, MAX_MAX_LENGTH = 10, 2000
MAX_PRIZES = 1000
SORTS = ("new", "top")
ACTIONS = ("publish", "hide")
DIRECTIONS = ("up", "down")
EVENT_FIELDS = (
    "prompt_ko",
    "prompt_en",
    "opens_at",
    "closes_at",
    "max_length",
    "prizes",
    "prize_ko",
    "prize_en",
    "sends_streams",
    "reward_note_ko",
    "reward_note_en",
)


class CommentsClosed(DomainError):
    """Outside the event's window: nothing was taken."""

    status = 409
    code = "comments_closed"


class ConfirmationExpired(DomainError):
    status = 409
    code = "confirmation_expired"


class CannotTakePart(DomainError):
    """A registration's manage link that cannot stand in for the confirmation (cancelled)."""

    status = 409
    code = "registration_cancelled"


class EditedMeanwhile(DomainError):
    status = 409
    code = "edited_meanwhile"


# ============================================================================ the event


def event_for(forum: Forum) -> CommentEvent | None:
    return db.session.scalar(select(CommentEvent).where(CommentEvent.forum_id == forum.id))


def _event_or_404(forum: Forum) -> CommentEvent:
    event = event_for(forum)
    if event is None:
        raise NotFound(_("This forum has no comment event."))
    return event


def window_state(event: CommentEvent, now: datetime | None = None) -> str:
    """ "upcoming", "open" or "closed"."""
    now = now or utcnow()
    if now < event.opens_at:
        return "upcoming"
    return "open" if now < event.closes_at else "closed"


@dataclass(frozen=True)
class CommentBox:
    """The box on the forum's page: its comment event and whether it is open."""

    event: CommentEvent
    state: str  # upcoming, open, closed


def comment_box(forum: Forum) -> CommentBox | None:
    event = event_for(forum)
    return CommentBox(event, window_state(event)) if event is not None else None


def event_values(event: CommentEvent | None, tz: str) -> dict[str, Any]:
    """The event's fields as the set-up form shows them (local times in the forum's zone)."""
    if event is None:
        return {"max_length": DEFAULT_MAX_LENGTH, "prizes": 0, "sends_streams": True}
    values = {name: getattr(event, name) for name in EVENT_FIELDS}
    zone = ZoneInfo(tz)
    for name in ("opens_at", "closes_at"):
        values[name] = values[name].astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    return values


def _bounded(fields: Fields, name: str, low: int, high: int, default: int) -> int:
    """A whole number from `low` to `high`; `default` when left empty."""
    value = fields.count(name, limit=high)
    if value is None:
        return default
    if value < low:
        fields.add(name, _("Enter a number from %(low)d to %(high)d.", low=low, high=high))
    return value


def _one_language(fields: Fields, names: tuple[str, str], values: tuple[str, str]) -> None:
    """Bilingual text: at least one of the two languages."""
    if not any(values) and not any(fields.has(n) for n in names):
        for name in names:
            fields.add(name, _("Give it in Korean, English or both."))


def _checked_event(forum: Forum, raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = Fields(raw)
    zone = ZoneInfo(forum.timezone)
    values: dict[str, Any] = {
        "prompt_ko": fields.text("prompt_ko", limit=PROMPT_MAX),
        "prompt_en": fields.text("prompt_en", limit=PROMPT_MAX),
    }
    _one_language(fields, ("prompt_ko", "prompt_en"), (values["prompt_ko"], values["prompt_en"]))
    values["opens_at"] = fields.moment("opens_at", zone, required=True)
    values["closes_at"] = fields.moment("closes_at", zone, required=True)
    if values["opens_at"] and values["closes_at"] and values["closes_at"] <= values["opens_at"]:
        fields.add("closes_at", _("The event must close after it opens."))
    values["max_length"] = _bounded(
        fields, "max_length", MIN_MAX_LENGTH, MAX_MAX_LENGTH, DEFAULT_MAX_LENGTH
    )
    values["prizes"] = _bounded(fields, "prizes", 0, MAX_PRIZES, 0)
    values["prize_ko"] = fields.text("prize_ko", limit=PRIZE_MAX)
    values["prize_en"] = fields.text("prize_en", limit=PRIZE_MAX)
    if values["prizes"]:
        _one_language(fields, ("prize_ko", "prize_en"), (values["prize_ko"], values["prize_en"]))
    values["sends_streams"] = fields.boolean("sends_streams")
    values["reward_note_ko"] = fields.text("reward_note_ko", limit=REWARD_NOTE_MAX, multiline=True)
    values["reward_note_en"] = fields.text("reward_note_en", limit=REWARD_NOTE_MAX, multiline=True)
    fields.raise_if_any()
    return values


def save_event(forum: Forum, raw: Mapping[str, Any], *, user: Any) -> CommentEvent:
    """Set up the forum's comment event, or change it. ValidationFailed changes nothing."""
    _must_organize(user, forum)
    values = _checked_event(forum, raw)
    try:
        with write_transaction():
            event = event_for(forum)
            created = event is None
            if event is None:
                event = CommentEvent(forum_id=forum.id)
                db.session.add(event)
            else:
                _keep_the_draws_terms(event, values)
            for name, value in values.items():
                setattr(event, name, value)
            db.session.flush()
            db.session.add(
                AuditEntry(
                    user_id=user.id,
                    action="comments.event_created" if created else "comments.event_changed",
                    forum_id=forum.id,
                    details={"event_id": event.id},
                )
            )
    except IntegrityError:  # another organizer set it up at the same moment
        raise EditedMeanwhile(
            _("Someone set up this comment event a moment ago. Reload the page and try again.")
        ) from None
    return event


def _keep_the_draws_terms(event: CommentEvent, values: Mapping[str, Any]) -> None:
    """A committed seed fixes the number of prizes; a draw fixes the window too (anyone
    re-running the draw checks it against them)."""
    errors: dict[str, list[str]] = {}
    if event.seed_hash is not None and values["prizes"] != event.prizes:
        errors["prizes"] = [_("A seed is committed for the draw: the prizes cannot change.")]
    if event.drawn_at is not None:
        for name in ("opens_at", "closes_at"):
            if values[name] != getattr(event, name):
                errors[name] = [_("The draw has taken place: the event's dates cannot change.")]
    if errors:
        raise ValidationFailed(errors)


def _must_organize(user: Any, forum: Forum) -> None:
    if not can_organize(user, forum):
        raise Forbidden(_("You are not an organizer of this forum."))


# ============================================================================ entries


def _checked_entry(
    event: CommentEvent, raw: Mapping[str, Any], *, fixed_email: str | None
) -> dict[str, Any]:
    fields = Fields(raw)
    name = fields.text("name", limit=NAME_MAX, required=True)
    if fixed_email is None:
        email_raw = fields.text("email", limit=254, required=True)
        checked = normalise_email(email_raw) if email_raw and not fields.has("email") else None
        if email_raw and not fields.has("email") and checked is None:
            fields.add("email", _("Enter a valid email address, like name@example.org."))
    else:
        checked = normalise_email(fixed_email)
    text = fields.text("comment", limit=event.max_length, required=True)
    # Left out: Korean; given, it must be one of the languages ("" included).
    locale = "ko" if raw.get("locale") is None else fields.choice("locale", LOCALES)
    if fields.boolean("consent") is not True and not fields.has("consent"):
        fields.add(
            "consent",
            _("Taking part needs your consent to the collection and use of personal data."),
        )
    fields.raise_if_any()
    if checked is None:  # a registration whose address was removed
        raise NotFound(_("This link is not valid."))
    return {"name": name, "email": checked[0], "key": checked[1], "text": text, "locale": locale}


def _refuse_outside_window(event: CommentEvent, now: datetime) -> None:
    state = window_state(event, now)
    if state == "upcoming":
        raise CommentsClosed(_("The comment event has not opened yet."))
    if state == "closed":
        raise CommentsClosed(_("The comment event has closed: no more comments are taken."))


def submit(
    forum: Forum,
    raw: Mapping[str, Any],
    *,
    manage_token: str | None = None,
    now: datetime | None = None,
) -> CommentEntry:
    """Take a comment: `raw` has name, email, comment, locale and consent.

    By the mailed link (no `manage_token`): a new address makes a pending, unconfirmed entry
    and mails its confirmation link; an unconfirmed one has its name, text and language
    replaced and gets a new link (the old one dies); a confirmed one is left as it is and
    nothing is mailed. The caller says the same thing in all three cases.

    With a registration's manage token the address is the registration's, confirmed at once
    (an entry confirmed before is left as it is), and the thanks are mailed.
    """
    now = now or utcnow()
    event = _event_or_404(forum)
    _refuse_outside_window(event, now)
    registration = None
    if manage_token is not None:
        registration = registration_by_token(manage_token)
        if registration.forum_id != forum.id or registration.anonymised_at is not None:
            raise NotFound(_("This link is not valid."))
        if registration.cancelled_at is not None or registration.status == PlaceStatus.CANCELLED:
            raise CannotTakePart(_("This registration is cancelled: it cannot take part."))
    given = _checked_entry(
        event, raw, fixed_email=registration.email if registration is not None else None
    )
    if registration is not None:
        return _submit_confirmed(forum, event, given, registration.id, now)
    return _submit_unconfirmed(forum, event, given, now)


def _new_entry_values(event: CommentEvent, given: dict[str, Any], now: datetime) -> dict:
    return {
        "event_id": event.id,
        "name": given["name"],
        "email": given["email"],
        "email_normalized": given["key"],
        "locale": given["locale"],
        "text": given["text"],
        "status": CommentStatus.PENDING.value,
        "hidden_reason": "",
        "consent_version": COMMENT_CONSENT_VERSION,
        "consented_at": now,
        "likes": 0,
        "sample": False,
        "created_at": now,
        "updated_at": now,
    }


def _insert_entry(values: dict[str, Any]) -> int | None:
    """The new entry's id, or None when the address has one in this event already."""
    statement = (
        upsert_insert(CommentEntry)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[CommentEntry.event_id, CommentEntry.email_normalized]
        )
        .returning(CommentEntry.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


def _unconfirmed(event: CommentEvent, key: str) -> tuple[ColumnElement[bool], ...]:
    return (
        CommentEntry.event_id == event.id,
        CommentEntry.email_normalized == key,
        CommentEntry.confirmed_at.is_(None),
    )


# A changed text goes back to the moderator; a hidden entry stays hidden.
_BACK_TO_PENDING = case(
    (CommentEntry.status == CommentStatus.HIDDEN.value, CommentEntry.status),
    else_=CommentStatus.PENDING.value,
)


def _replace_fields(given: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "name": given["name"],
        "email": given["email"],
        "text": given["text"],
        "locale": given["locale"],
        "status": _BACK_TO_PENDING,
        "consent_version": COMMENT_CONSENT_VERSION,
        "consented_at": now,
        "updated_at": now,
    }


def _submit_unconfirmed(
    forum: Forum, event: CommentEvent, given: dict[str, Any], now: datetime
) -> CommentEntry:
    token = new_token()
    with write_transaction():
        entry_id = _insert_entry(
            {**_new_entry_values(event, given, now), "confirm_token_hash": hash_token(token)}
        )
        if entry_id is None:
            entry_id = db.session.execute(
                update(CommentEntry)
                .where(*_unconfirmed(event, given["key"]))
                .values(**_replace_fields(given, now), confirm_token_hash=hash_token(token))
                .returning(CommentEntry.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
        if entry_id is not None:  # new, or unconfirmed and replaced: a new link
            enqueue(
                CONFIRM_KIND,
                recipient=given["email"],
                locale=given["locale"],
                context={"entry_id": entry_id, "confirm_token": token},
                forum_id=forum.id,
                registration_id=None,
            )
    return _entry_by_address(event, given["key"])


def _submit_confirmed(
    forum: Forum, event: CommentEvent, given: dict[str, Any], registration_id: int, now: datetime
) -> CommentEntry:
    with write_transaction():
        entry_id = _insert_entry(
            {
                **_new_entry_values(event, given, now),
                "confirm_token_hash": None,
                "confirmed_at": now,
                "registration_id": registration_id,
            }
        )
        if entry_id is None:
            entry_id = db.session.execute(
                update(CommentEntry)
                .where(*_unconfirmed(event, given["key"]))
                .values(
                    **_replace_fields(given, now),
                    confirm_token_hash=None,
                    confirmed_at=now,
                    registration_id=registration_id,
                )
                .returning(CommentEntry.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
        if entry_id is not None:
            _thank(forum, entry_id, given["email"], given["locale"])
    return _entry_by_address(event, given["key"])


def _entry_by_address(event: CommentEvent, key: str) -> CommentEntry:
    return db.session.execute(
        select(CommentEntry).where(
            CommentEntry.event_id == event.id, CommentEntry.email_normalized == key
        )
    ).scalar_one()


def _thank(forum: Forum, entry_id: int, email: str, locale: str) -> None:
    enqueue_once(
        THANKS_KIND,
        recipient=email,
        locale=locale,
        dedupe_key=f"comment_thanks:{entry_id}",
        context={"entry_id": entry_id},
        forum_id=forum.id,
        registration_id=None,
    )


# ============================================================================ confirming


def pending_confirmation(forum: Forum, token: str, *, now: datetime | None = None) -> CommentEntry:
    """The unconfirmed entry behind a confirmation link: NotFound for an unknown, replaced or
    used link, ConfirmationExpired once the grace after the event's close is over."""
    now = now or utcnow()
    event = _event_or_404(forum)
    unknown = NotFound(
        _("This confirmation link is not valid: it was used already, or a newer one replaced it.")
    )
    if not token or len(token) > 200 or not token.isascii():
        raise unknown
    entry = db.session.scalar(
        select(CommentEntry).where(
            CommentEntry.event_id == event.id,
            CommentEntry.confirm_token_hash == hash_token(token),
            CommentEntry.confirmed_at.is_(None),
        )
    )
    if entry is None:
        raise unknown
    if now > event.closes_at + CONFIRM_GRACE:
        raise ConfirmationExpired(
            _("The time to confirm has passed: the comment event closed more than 48 hours ago.")
        )
    return entry


def confirm(forum: Forum, token: str, *, now: datetime | None = None) -> CommentEntry:
    """Confirm the address behind the link (once) and queue the thanks (once)."""
    now = now or utcnow()
    entry = pending_confirmation(forum, token, now=now)
    with write_transaction():
        confirmed = db.session.execute(
            update(CommentEntry)
            .where(
                CommentEntry.id == entry.id,
                CommentEntry.confirm_token_hash == hash_token(token),
                CommentEntry.confirmed_at.is_(None),
            )
            .values(confirmed_at=now, confirm_token_hash=None, updated_at=now)
            .returning(CommentEntry.email, CommentEntry.locale)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if confirmed is None:  # the same link, clicked twice at once
            raise NotFound(_("This confirmation link has been used already."))
        _thank(forum, entry.id, confirmed.email, confirmed.locale)
    db.session.refresh(entry)
    return entry


# ============================================================================ moderation


def _entry_of(forum: Forum, entry_id: object) -> CommentEntry:
    event = _event_or_404(forum)
    key = parse_id(entry_id)
    entry = (
        db.session.scalar(
            select(CommentEntry).where(CommentEntry.id == key, CommentEntry.event_id == event.id)
        )
        if key is not None
        else None
    )
    if entry is None:
        raise NotFound(_("This comment is not one of this forum's."))
    return entry


def moderate(
    forum: Forum, entry_id: object, action: str, *, reason: str = "", user: Any
) -> CommentEntry:
    """Publish or hide an entry; hiding needs a reason, kept for organizers only (and takes
    the entry off any reading list). Each action is in the audit log."""
    _must_organize(user, forum)
    fields = Fields({"action": action, "reason": reason})
    chosen = fields.choice("action", ACTIONS)
    why = fields.text("reason", limit=REASON_MAX, required=chosen == "hide", multiline=True)
    fields.raise_if_any()
    entry = _entry_of(forum, entry_id)
    with write_transaction():
        if chosen == "publish":
            entry.status = CommentStatus.PUBLISHED.value
            entry.hidden_reason = ""
        else:
            entry.status = CommentStatus.HIDDEN.value
            entry.hidden_reason = why
            entry.reading_session_id = entry.reading_order = entry.read_at = None
        _audit(user, forum, f"comments.{chosen}", entry, **({"reason": why} if why else {}))
    return entry


@dataclass(frozen=True)
class ModerationPage:
    entries: list[CommentEntry]
    page: int
    pages: int
    total: int
    counts: dict[str, int]  # by status, and "unconfirmed"


def moderation_list(
    event: CommentEvent,
    *,
    status: str | None = None,
    confirmed: bool | None = None,
    page: int = 1,
) -> ModerationPage:
    """Entries for the organizers (addresses included), newest first, filtered."""
    conditions: list[ColumnElement[bool]] = [
        CommentEntry.event_id == event.id,
        CommentEntry.anonymised_at.is_(None),
    ]
    if status in COMMENT_STATUSES:
        conditions.append(CommentEntry.status == status)
    if confirmed is True:
        conditions.append(CommentEntry.confirmed_at.is_not(None))
    elif confirmed is False:
        conditions.append(CommentEntry.confirmed_at.is_(None))
    total = db.session.scalar(select(func.count(CommentEntry.id)).where(*conditions)) or 0
    pages = max(1, math.ceil(total / MODERATION_PER_PAGE))
    page = min(max(1, page), pages)
    entries = db.session.scalars(
        select(CommentEntry)
        .where(*conditions)
        .order_by(CommentEntry.created_at.desc(), CommentEntry.id.desc())
        .limit(MODERATION_PER_PAGE)
        .offset((page - 1) * MODERATION_PER_PAGE)
    ).all()
    counts = dict.fromkeys(COMMENT_STATUSES, 0)
    for value, n in db.session.execute(
        select(CommentEntry.status, func.count())
        .where(CommentEntry.event_id == event.id, CommentEntry.anonymised_at.is_(None))
        .group_by(CommentEntry.status)
    ):
        counts[value] = n
    counts["unconfirmed"] = (
        db.session.scalar(
            select(func.count(CommentEntry.id)).where(
                CommentEntry.event_id == event.id,
                CommentEntry.anonymised_at.is_(None),
                CommentEntry.confirmed_at.is_(None),
            )
        )
        or 0
    )
    return ModerationPage(list(entries), page, pages, total, counts)


# ============================================================================ the wall


def eligible_filter(event_id: int) -> tuple[ColumnElement[bool], ...]:
    """The entries that count: confirmed, published and not anonymised (the wall, likes and
    the draw all ask this one question)."""
    return (
        CommentEntry.event_id == event_id,
        CommentEntry.status == CommentStatus.PUBLISHED.value,
        CommentEntry.confirmed_at.is_not(None),
        CommentEntry.anonymised_at.is_(None),
    )


def eligible_entries(event: CommentEvent) -> list[CommentEntry]:
    """The entries of the draw, in id order (one per address by the table's constraint)."""
    return list(
        db.session.scalars(
            select(CommentEntry).where(*eligible_filter(event.id)).order_by(CommentEntry.id)
        )
    )


@dataclass(frozen=True)
class WallPage:
    event: CommentEvent
    entries: list[CommentEntry]
    sort: str
    page: int
    pages: int
    total: int


def wall(event: CommentEvent, *, sort: str = "new", page: int = 1) -> WallPage:
    """The published comments: newest first ("new") or most liked first ("top"), PER_PAGE a
    page (a page beyond the last shows the last)."""
    sort = sort if sort in SORTS else "new"
    total = db.session.scalar(select(func.count(CommentEntry.id)).where(*eligible_filter(event.id)))
    pages = max(1, math.ceil((total or 0) / PER_PAGE))
    page = min(max(1, page), pages)
    newest = (CommentEntry.created_at.desc(), CommentEntry.id.desc())
    order = newest if sort == "new" else (CommentEntry.likes.desc(), *newest)
    entries = db.session.scalars(
        select(CommentEntry)
        .where(*eligible_filter(event.id))
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return WallPage(event, list(entries), sort, page, pages, total or 0)


# ============================================================================ likes


@dataclass(frozen=True)
class LikeResult:
    created: bool
    likes: int


def like(forum: Forum, entry_id: object, voter: str) -> LikeResult:
    """One like per (entry, voter): `created` is False when this voter liked it already. Only
    a published comment of a confirmed entry; NotFound otherwise, with nothing changed."""
    event = _event_or_404(forum)
    key = parse_id(entry_id)
    missing = NotFound(_("This comment is not on the wall."))
    if key is None:
        raise missing
    with write_transaction():
        found = db.session.scalar(
            select(CommentEntry.id).where(CommentEntry.id == key, *eligible_filter(event.id))
        )
        if found is None:
            raise missing
        liked = _record_like(key, voter)
        if liked:
            likes = db.session.execute(
                update(CommentEntry)
                .where(CommentEntry.id == key)
                .values(likes=CommentEntry.likes + 1)
                .returning(CommentEntry.likes)
                .execution_options(synchronize_session=False)
            ).scalar_one()
        else:
            likes = db.session.scalar(select(CommentEntry.likes).where(CommentEntry.id == key))
    return LikeResult(created=liked, likes=int(likes or 0))


def _record_like(entry_id: int, voter: str) -> bool:
    """The like's row; False (and nothing written) when this voter has one already."""
    inserted = db.session.execute(
        upsert_insert(CommentLike)
        .values(entry_id=entry_id, voter=voter, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[CommentLike.entry_id, CommentLike.voter])
        .returning(CommentLike.id)
    ).scalar_one_or_none()
    return inserted is not None


# ============================================================================ the reading list


def reading_list(event: CommentEvent, session_id: int | None = None) -> list[CommentEntry]:
    """Picked comments in reading order: of one session, or of every session."""
    conditions: list[ColumnElement[bool]] = [
        CommentEntry.event_id == event.id,
        CommentEntry.reading_session_id.is_not(None),
        CommentEntry.anonymised_at.is_(None),
    ]
    if session_id is not None:
        conditions.append(CommentEntry.reading_session_id == session_id)
    return list(
        db.session.scalars(
            select(CommentEntry)
            .where(*conditions)
            .order_by(
                CommentEntry.reading_session_id,
                CommentEntry.reading_order,
                CommentEntry.id,
            )
        )
    )


def _session_of(forum: Forum, session_id: object) -> ForumSession:
    key = parse_id(session_id)
    session = db.session.get(ForumSession, key) if key is not None else None
    if session is None or session.forum_id != forum.id:
        raise ValidationFailed({"session_id": [_("Choose a session of this forum.")]})
    return session


def _audit(user: Any, forum: Forum, action: str, entry: CommentEntry, **details: Any) -> None:
    db.session.add(
        AuditEntry(
            user_id=user.id,
            action=action,
            forum_id=forum.id,
            registration_id=entry.registration_id,
            details={"entry_id": entry.id, **details},
        )
    )


def pick(forum: Forum, entry_id: object, session_id: object, user: Any) -> CommentEntry:
    """Put a published comment at the end of a session's reading list (moved there from
    another session's list; nothing changes when it is on this one already)."""
    _must_organize(user, forum)
    entry = _entry_of(forum, entry_id)
    session = _session_of(forum, session_id)
    if entry.status != CommentStatus.PUBLISHED or entry.confirmed_at is None:
        raise ValidationFailed(
            {"entry_id": [_("Only a published comment of a confirmed entry can be read out.")]}
        )
    with write_transaction():
        if entry.reading_session_id != session.id:
            last = db.session.scalar(
                select(func.max(CommentEntry.reading_order)).where(
                    CommentEntry.event_id == entry.event_id,
                    CommentEntry.reading_session_id == session.id,
                )
            )
            entry.reading_session_id = session.id
            entry.reading_order = (last or 0) + 1
            entry.read_at = None
            _audit(user, forum, "comments.pick", entry, session_id=session.id)
    return entry


def unpick(forum: Forum, entry_id: object, user: Any) -> CommentEntry:
    _must_organize(user, forum)
    entry = _entry_of(forum, entry_id)
    with write_transaction():
        if entry.reading_session_id is not None:
            _audit(user, forum, "comments.unpick", entry, session_id=entry.reading_session_id)
        entry.reading_session_id = entry.reading_order = entry.read_at = None
    return entry


def move(forum: Forum, entry_id: object, direction: str, user: Any) -> CommentEntry:
    """Move a picked comment one place up or down its session's list (numbered 1…n again, so
    two picks made at the same moment never leave a tie)."""
    _must_organize(user, forum)
    if direction not in DIRECTIONS:
        raise ValidationFailed({"direction": [_("Choose up or down.")]})
    entry = _entry_of(forum, entry_id)
    if entry.reading_session_id is None:
        raise NotFound(_("This comment is not on a reading list."))
    with write_transaction():
        listed = reading_list(entry.event, entry.reading_session_id)
        at = next(i for i, e in enumerate(listed) if e.id == entry.id)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(listed):
            listed[at], listed[to] = listed[to], listed[at]
        for position, item in enumerate(listed, start=1):
            item.reading_order = position
    return entry


def mark_read(forum: Forum, entry_id: object, user: Any, *, read: bool = True) -> CommentEntry:
    """Mark a picked comment as read out (or not read after all)."""
    _must_organize(user, forum)
    entry = _entry_of(forum, entry_id)
    if entry.reading_session_id is None:
        raise NotFound(_("This comment is not on a reading list."))
    with write_transaction():
        entry.read_at = utcnow() if read else None
    return entry


def sessions_for_reading(forum: Forum) -> Sequence[ForumSession]:
    return sorted(forum.sessions, key=lambda s: (s.starts_at, s.id))
