"""The agenda solver on a forum's rows: the problem it is given, the proposal kept as JSON, and
applying a proposal through the same edit operations as a hand edit.

What the database does not say is decided here, once:
- the programme's hours each day are those of the current sessions (earliest start, latest
  end), 09:00–18:00 when there are none;
- ceremonies, general assemblies, tours and site visits stay where they are (a bus is booked,
  a hall dressed), and so does every session the organizer pins;
- a session keeps to the kind of venue it is in (an off-site visit stays off site);
- the audience a room must hold is the larger of the seat limit and the confirmed in-person
  places; the people a move affects are those its change notice would tell;
- going between an off-site venue and any other takes `OFFSITE_TRAVEL_MINUTES`.

A proposal is computed against the programme as it was (`programme_digest`: every session's
fingerprint, the speakers' availability, the venues). Applying it is refused whole when that
has changed since: never applied half, never onto a programme nobody saw.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError, ValidationFailed
from app.core.locks import lock_forum
from app.models import (
    Booking,
    Forum,
    ForumSession,
    Registration,
    Speaker,
    User,
    Venue,
)
from app.models.enums import AttendanceMode, PlaceStatus, SessionStatus, SolverMode
from app.programme.change_notices import affected_count
from app.programme.session_edits import (
    apply_update,
    check_session,
    session_fingerprint,
    session_values,
)
from scheduling import solver
from scheduling.types import Bilingual

FIXED_KINDS = frozenset({"ceremony", "general_assembly", "tour", "site_visit"})
DEFAULT_HOURS = (time(9, 0), time(18, 0))
OFFSITE_TRAVEL_MINUTES = 30
COARSEST_STEP_MINUTES = 15
DEFAULT_TIME_LIMIT_S = 10.0


class NothingToApply(DomainError):
    status = 409
    code = "nothing_to_apply"


class StaleProposal(DomainError):
    """The programme changed after the proposal was computed; nothing was applied."""

    status = 409
    code = "stale_proposal"


@dataclass(frozen=True)
class Snapshot:
    """The problem as the forum's rows give it, and the digest of those rows."""

    problem: solver.Problem
    digest: str


# ============================================================================ the problem


def _sessions(forum_id: int) -> list[ForumSession]:
    return list(
        db.session.scalars(
            select(ForumSession)
            .where(ForumSession.forum_id == forum_id)
            .options(
                selectinload(ForumSession.speaker_links),
                selectinload(ForumSession.streams),
                selectinload(ForumSession.venue),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )


def _speakers(forum_id: int) -> list[Speaker]:
    return list(
        db.session.scalars(
            select(Speaker)
            .where(Speaker.forum_id == forum_id)
            .options(selectinload(Speaker.availability))
            .order_by(Speaker.id)
        )
    )


def _venues(forum_id: int) -> list[Venue]:
    return list(
        db.session.scalars(select(Venue).where(Venue.forum_id == forum_id).order_by(Venue.id))
    )


def programme_digest(forum_id: int) -> str:
    """A digest of everything a proposal depends on: changes whenever any of it does."""
    data = [
        [(s.id, session_fingerprint(s)) for s in _sessions(forum_id)],
        [
            (
                k.id,
                k.timezone,
                [(w.starts_at.isoformat(), w.ends_at.isoformat()) for w in k.availability],
            )
            for k in _speakers(forum_id)
        ],
        [(v.id, v.kind, v.seats) for v in _venues(forum_id)],
    ]
    blob = json.dumps(data, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _in_room(forum_id: int) -> dict[int, int]:
    """Per session: confirmed in-person places."""
    in_room: dict[int, int] = {}
    rows = db.session.execute(
        select(Booking.session_id, Booking.status, Registration.attendance, func.count())
        .join(Registration, Registration.id == Booking.registration_id)
        .join(ForumSession, ForumSession.id == Booking.session_id)
        .where(ForumSession.forum_id == forum_id, Booking.status != PlaceStatus.CANCELLED)
        .group_by(Booking.session_id, Booking.status, Registration.attendance)
    )
    for session_id, status, attendance, count in rows:
        if status == PlaceStatus.CONFIRMED and attendance == AttendanceMode.IN_PERSON:
            in_room[session_id] = in_room.get(session_id, 0) + count
    return in_room


def _shared(forum_id: int) -> dict[tuple[int, int], int]:
    """Pairs of sessions and how many people hold places in both."""
    a, b = aliased(Booking), aliased(Booking)
    rows = db.session.execute(
        select(a.session_id, b.session_id, func.count())
        .join(b, (b.registration_id == a.registration_id) & (b.session_id > a.session_id))
        .join(ForumSession, ForumSession.id == a.session_id)
        .where(
            ForumSession.forum_id == forum_id,
            a.status != PlaceStatus.CANCELLED,
            b.status != PlaceStatus.CANCELLED,
        )
        .group_by(a.session_id, b.session_id)
    )
    return {(x, y): n for x, y, n in rows}


def _minutes(moment: datetime, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute


def _step(sessions: list[ForumSession], speakers: list[Speaker], zone: ZoneInfo) -> int:
    """The coarsest grid every start, duration and window lies on (at most 15 minutes)."""
    step = COARSEST_STEP_MINUTES
    for s in sessions:
        step = math.gcd(step, _minutes(s.starts_at, zone), _minutes(s.ends_at, zone))
    for k in speakers:
        for w in k.availability:
            step = math.gcd(step, _minutes(w.starts_at, zone), _minutes(w.ends_at, zone))
    return max(step, 1)


def _hours(sessions: list[ForumSession], zone: ZoneInfo) -> tuple[time, time] | None:
    """From the earliest start to the latest end; None (around the clock) when a session
    runs past midnight."""
    if not sessions:
        return DEFAULT_HOURS
    starts = [s.starts_at.astimezone(zone) for s in sessions]
    ends = [s.ends_at.astimezone(zone) for s in sessions]
    if any(
        e.date() != st.date() and e.time() != time(0) for st, e in zip(starts, ends, strict=True)
    ):
        return None
    if any(e.time() == time(0) for e in ends):
        return None
    closes = max(e.time() for e in ends)
    return min(t.time() for t in starts), closes


def snapshot(forum: Forum, *, pinned: Iterable[int] = ()) -> Snapshot:
    """The forum's programme as the solver's problem (cancelled sessions left out)."""
    zone = ZoneInfo(forum.timezone)
    rows = [s for s in _sessions(forum.id) if s.status != SessionStatus.CANCELLED]
    speakers = _speakers(forum.id)
    venues = _venues(forum.id)
    pinned = set(pinned)
    in_room = _in_room(forum.id)
    has_parts = {s.parent_id for s in rows if s.parent_id is not None}
    sessions = tuple(
        solver.Session(
            id=s.id,
            title=Bilingual(ko=s.title_ko, en=s.title_en),
            duration_minutes=int((s.ends_at - s.starts_at).total_seconds() // 60),
            kind=s.kind,
            format=s.format,
            venue_kind=s.venue.kind if s.venue is not None else None,
            audience=max(s.seats or 0, in_room.get(s.id, 0)),
            speaker_ids=tuple(dict.fromkeys(li.speaker_id for li in s.speaker_links)),
            stream_urls=tuple(link.url for link in s.streams),
            parent_id=s.parent_id,
            fixed=s.kind in FIXED_KINDS or s.id in pinned,
            uses_venue=not (s.id in has_parts and s.venue_id is None),
        )
        for s in rows
    )
    offsite = [v.id for v in venues if v.kind == "offsite"]
    travel = tuple(
        solver.Travel(a, b.id, OFFSITE_TRAVEL_MINUTES)
        for a in offsite
        for b in venues
        if b.id != a and (b.kind != "offsite" or b.id > a)
    )
    problem = solver.Problem(
        timezone=forum.timezone,
        first_day=forum.first_day,
        last_day=forum.last_day,
        sessions=sessions,
        venues=tuple(
            solver.Venue(
                id=v.id, name=Bilingual(ko=v.name_ko, en=v.name_en), kind=v.kind, capacity=v.seats
            )
            for v in venues
        ),
        speakers=tuple(
            solver.Speaker(
                id=k.id,
                name=Bilingual(ko=k.name_ko, en=k.name_en),
                timezone=k.timezone,
                availability=tuple(solver.Window(w.starts_at, w.ends_at) for w in k.availability),
            )
            for k in speakers
        ),
        current={s.id: solver.Placement(s.starts_at, s.venue_id) for s in rows},
        travel=travel,
        registrants={s.id: n for s in rows if (n := affected_count(s))},
        shared_registrants=_shared(forum.id),
        step_minutes=_step(rows, speakers, zone),
        hours=_hours(rows, zone),
    )
    return Snapshot(problem, programme_digest(forum.id))


def current_violations(forum: Forum) -> list[solver.Reason]:
    """What in the current timetable breaks a rule the solver keeps (speakers' availability
    and travel among them, which conflict detection does not know)."""
    problem = snapshot(forum).problem
    try:
        prep = solver.prepare(problem)
    except solver.SolverInputError:
        return []
    return solver.violations(prep, dict(problem.current))


# ============================================================================ solving


def solve(
    forum: Forum,
    *,
    mode: str,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    pinned: Iterable[int] = (),
    on_solution: Callable[[float, float], None] | None = None,
) -> tuple[dict[str, Any], str]:
    """Solve now (a worker or the CLI, never a web request): the proposal as JSON and the
    digest of the programme it was computed from. Bad input raises `ValidationFailed`."""
    shot = snapshot(forum, pinned=pinned)
    # Read what the proposal needs before the search: the search holds no transaction open.
    db.session.rollback()
    options = solver.SolveOptions(time_limit_s=time_limit_s, on_solution=on_solution)
    try:
        proposal = search(shot.problem, mode, options)
    except solver.SolverInputError as exc:
        raise ValidationFailed({"problem": [bilingual_text(exc.messages)]}) from None
    return proposal_record(proposal, shot.problem), shot.digest


def search(problem: solver.Problem, mode: str, options: solver.SolveOptions) -> solver.Proposal:
    """Repair (the fewest moves from the current timetable) or propose (a whole one)."""
    if mode == SolverMode.REPAIR:
        return solver.repair(problem, options)
    return solver.propose(problem, options)


def bilingual_text(messages: list[tuple[str, str]]) -> str:
    """The solver's (English, Korean) messages as one text in both languages."""
    return " ".join(f"{en} / {ko}" for en, ko in messages)


def _placement(p: solver.Placement | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"starts_at": p.start.astimezone(UTC).isoformat(), "venue_id": p.venue_id}


def proposal_record(proposal: solver.Proposal, problem: solver.Problem) -> dict[str, Any]:
    """The proposal as JSON, kept on the run and sent by the API."""
    durations = {s.id: s.duration_minutes for s in problem.sessions}
    score = proposal.score
    return {
        "mode": proposal.mode,
        "status": proposal.status,
        "wall_time_s": round(proposal.wall_time_s, 3),
        "first_solution_s": (
            None if proposal.first_solution_s is None else round(proposal.first_solution_s, 3)
        ),
        "objective": proposal.objective,
        "best_bound": proposal.best_bound,
        "gap": proposal.gap,
        "score": None
        if score is None
        else {
            "moved": score.moved,
            "affected_registrants": score.affected_registrants,
            "keep_apart": score.keep_apart,
            "speaker_days": score.speaker_days,
            "preferred": score.preferred,
        },
        "moves": [
            {
                "session_id": m.session_id,
                "title_ko": m.title.ko,
                "title_en": m.title.en,
                "before": _placement(m.before),
                "after": _placement(m.after),
                "duration_minutes": durations[m.session_id],
                "registrants": m.registrants,
            }
            for m in proposal.moves
        ],
        "reasons": [
            {
                "code": r.code,
                "session_ids": list(r.session_ids),
                "message_en": r.message_en,
                "message_ko": r.message_ko,
            }
            for r in proposal.reasons
        ],
        "reasons_minimal": proposal.reasons_minimal,
    }


# ============================================================================ applying


@dataclass
class Applied:
    sessions: list[int]
    notices: int


def _stale_programme() -> StaleProposal:
    return StaleProposal(
        _(
            "The programme changed after this proposal was computed (a session, a speaker's "
            "availability or a venue). Nothing was applied: run the solver again."
        )
    )


def apply_moves(
    forum: Forum,
    record: dict[str, Any],
    *,
    digest: str,
    session_ids: Iterable[int] | None,
    user: User,
    now: datetime | None = None,
) -> Applied:
    """Apply the proposal's moves (all of them, or those of `session_ids`) in one transaction,
    each through the hand edit's own operation: revisions, programme changes, change notices,
    feeds. Refused whole when the programme changed since the proposal."""
    with write_transaction():
        return apply_moves_locked(
            forum, record, digest=digest, session_ids=session_ids, user=user, now=now
        )


def apply_moves_locked(
    forum: Forum,
    record: dict[str, Any],
    *,
    digest: str,
    session_ids: Iterable[int] | None,
    user: User,
    now: datetime | None = None,
) -> Applied:
    """`apply_moves` inside the caller's write transaction."""
    now = now or utcnow()
    moves = {m["session_id"]: m for m in record.get("moves", [])}
    chosen = list(moves) if session_ids is None else list(dict.fromkeys(session_ids))
    unknown = [sid for sid in chosen if sid not in moves]
    if unknown:
        raise ValidationFailed(
            {
                "sessions": [
                    _(
                        "Choose moves of this proposal (not %(ids)s).",
                        ids=", ".join(map(str, unknown)),
                    )
                ]
            }
        )
    if not chosen:
        raise NothingToApply(_("Choose at least one move to apply."))
    notices = 0
    lock_forum(forum.id)
    if programme_digest(forum.id) != digest:
        raise _stale_programme()
    db.session.refresh(forum)
    for sid in chosen:
        move = moves[sid]
        session = db.session.get(ForumSession, sid)
        start = datetime.fromisoformat(move["after"]["starts_at"])
        raw = {
            "starts_at": start,
            "ends_at": start + timedelta(minutes=move["duration_minutes"]),
            "venue_id": move["after"]["venue_id"],
        }
        cleaned = check_session(forum, {**session_values(session), **raw}, current=session)
        lines = cleaned.pop("speakers")
        _edited, _changes, queued = apply_update(forum, session, cleaned, lines, user, now=now)
        notices += queued
    return Applied(sessions=chosen, notices=notices)


def describe_moves(count: int) -> str:
    return ngettext("%(num)d session moved.", "%(num)d sessions moved.", count)


# ============================================================================ showing


@dataclass(frozen=True)
class MoveView:
    """A session in a proposal as people read it: local times in the forum's zone and the
    venue's name; `after` is None for a session the proposal leaves where it is."""

    session_id: int
    title: str
    before: str
    after: str | None
    registrants: int


def move_views(
    forum: Forum, record: dict[str, Any], locale: str, *, every_session: bool = False
) -> list[MoveView]:
    """The proposal's moves; with `every_session`, the whole programme in time order with
    the moves beside it (the diff against the current timetable)."""
    zone = ZoneInfo(forum.timezone)
    venues = {v.id: (v.name_ko if locale == "ko" else v.name_en) for v in _venues(forum.id)}

    def where(start: datetime, minutes: int, venue_id: int | None) -> str:
        start = start.astimezone(zone)
        end = start + timedelta(minutes=minutes)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} · {venues.get(venue_id, '—')}"

    def placed(placement: dict[str, Any] | None, minutes: int) -> str:
        if placement is None:
            return "—"
        start = datetime.fromisoformat(placement["starts_at"])
        return where(start, minutes, placement["venue_id"])

    moves = {
        m["session_id"]: MoveView(
            session_id=m["session_id"],
            title=m["title_ko"] if locale == "ko" else m["title_en"],
            before=placed(m["before"], m["duration_minutes"]),
            after=placed(m["after"], m["duration_minutes"]),
            registrants=m["registrants"],
        )
        for m in record.get("moves", [])
    }
    if not every_session:
        return list(moves.values())
    rows = []
    for s in _sessions(forum.id):
        if s.status == SessionStatus.CANCELLED:
            continue
        if s.id in moves:
            rows.append(moves[s.id])
            continue
        title = (s.title_ko if locale == "ko" else s.title_en) or s.title_en or s.title_ko
        minutes = int((s.ends_at - s.starts_at).total_seconds() // 60)
        rows.append(MoveView(s.id, title, where(s.starts_at, minutes, s.venue_id), None, 0))
    return rows


def reason_texts(record: dict[str, Any], locale: str) -> list[str]:
    key = "message_ko" if locale == "ko" else "message_en"
    return [r[key] for r in record.get("reasons", [])]
