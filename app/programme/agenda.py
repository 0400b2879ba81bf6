"""The organizer's agenda: look-ups, conflicts, the timetable grid, publishing and forums.

Each use case takes a plain mapping of raw values (form data or decoded JSON), checks it
(`ValidationFailed` with messages by field name, nothing changed), then writes in one
`write_transaction()`, under the forum's lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.bounds import id_in_range
from app.core.db import db, utcnow, write_transaction
from app.core.errors import NotFound
from app.core.locks import lock_forum
from app.models import (
    ConflictAcceptance,
    Forum,
    ForumSession,
    Registration,
    SessionSpeaker,
    Speaker,
    StreamLink,
    User,
    Venue,
)
from app.models.enums import (
    FORUM_FORMATS,
    ForumStatus,
    PlaceStatus,
)
from app.places import ledger
from app.programme import views as programme
from app.programme.checks import (
    _SLUG,
    FOLLOWS_FORUM,
    FORUM_FIELDS,
    RESERVED_SLUGS,
    Fields,
    InvalidState,
    PublishBlocked,
    _need_one,
    local_input,
)
from scheduling.agenda import DayGrid, build_grid
from scheduling.conflicts import Conflict, find_conflicts
from scheduling.types import ForumInfo

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
    row = db.session.get(model, item_id) if id_in_range(item_id) else None
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
        lock_forum(forum.id)
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
        lock_forum(forum.id)
        db.session.refresh(forum)
        if forum.status == ForumStatus.PUBLISHED:
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
        lock_forum(forum.id)
        db.session.refresh(forum)
        if forum.status != ForumStatus.PUBLISHED:
            raise InvalidState(_("This forum is a draft already."))
        held = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.forum_id == forum.id, Registration.status != PlaceStatus.CANCELLED)
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


def _touch_programme(forum: Forum) -> None:
    if forum.status == ForumStatus.PUBLISHED:
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
    out["reserved_places"] = fields.count("reserved_places") or 0
    capacity, reserved = out["in_person_capacity"], out["reserved_places"]
    if reserved and not fields.has("in_person_capacity"):
        if capacity is None:
            fields.add("reserved_places", _("Give the forum a capacity to hold places back."))
        elif reserved > capacity:
            fields.add(
                "reserved_places", _("At most all %(num)d places can be held back.", num=capacity)
            )
    out.update(fields.bilingual("organizer_name", limit=200))
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

    with write_transaction():
        lock_forum(forum.id)
        capacity = cleaned["in_person_capacity"]
        if capacity is not None:
            # Registrations leave the counter alone while there is no capacity.
            ledger.recount_places(forum.id)
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
        invited = ledger.invited_places_held(forum)
        if cleaned["reserved_places"] < invited:
            fields.add(
                "reserved_places",
                ngettext(
                    "%(num)d place is held by invited people already; hold back at least that"
                    " many.",
                    "%(num)d places are held by invited people already; hold back at least that"
                    " many.",
                    invited,
                ),
            )
        allowed = FOLLOWS_FORUM[cleaned["format"]]
        misfits = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.forum_id == forum.id,
                Registration.status != PlaceStatus.CANCELLED,
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
        ledger.fill_forum_places(forum.id)
    return forum
