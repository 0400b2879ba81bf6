"""Live questions for a session: asked from the hall (a short link and QR code) or by an online
viewer from their own link, in Korean or English, anonymously or with a name; voted on once per
voter; moderated (approved, hidden, answered, duplicates merged) by the forum's organizers and,
when an organizer allows it, its desk staff; shown on the presenter's screen by votes.

A question is `pending` until a moderator approves it: the public list, the screen and the votes
see approved (and answered) questions only. One vote per (question, voter) is an INSERT that
does nothing on a conflict, and the counter moves in SQL only when a row went in, in the same
transaction; a merge moves the duplicate's vote rows whose voter has not voted on the target and
recounts the target from its rows, so nobody is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts.access import can_organize, can_work_desk
from app.core.bounds import id_in_range, parse_id
from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from app.models import Forum, ForumSession, Question, QuestionBoard, QuestionVote, Registration
from app.models.enums import LOCALES, PlaceStatus, QuestionStatus, SessionStatus
from app.programme import agenda
from app.programme.checks import Fields, local_input
from app.programme.csv_io import _csv as spreadsheet_csv
from app.registration.state import attendance_state
from app.registration.streams import watchable_session

TEXT_MAX = 300
NAME_MAX = 100
ACTIONS = ("approve", "hide", "answer", "merge")
# On the screen and in the public list.
SHOWN = (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)
# What a duplicate may be merged into: a question still in play.
MERGE_TARGETS = (QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.ANSWERED)
_STATUS_ORDER = {status: n for n, status in enumerate(QuestionStatus)}


class QuestionsClosed(DomainError):
    """The board is closed, the session cancelled or over: nothing is asked or voted."""

    status = 409
    code = "questions_closed"


class NoQuestions(NotFound):
    """The session does not take questions (no board)."""

    code = "questions_off"


class NotWatching(Forbidden):
    """An online viewer's link for a session they may neither watch nor sit in."""

    code = "not_watching"


class NotVotable(DomainError):
    status = 409
    code = "not_votable"


class InvalidModeration(DomainError):
    status = 409
    code = "invalid_moderation"


@dataclass(frozen=True)
class VoteResult:
    created: bool
    votes: int


@dataclass(frozen=True)
class BoardRow:
    """A session on the organizer's overview: its board (None: questions off) and counts."""

    session: ForumSession
    board: QuestionBoard | None
    pending: int
    approved: int
    answered: int

    @property
    def state(self) -> str:
        if self.board is None:
            return "off"
        return "open" if self.board.open else "closed"


# ------------------------------------------------------------------------------ reading


def board_for(session: ForumSession) -> QuestionBoard | None:
    return db.session.get(QuestionBoard, session.id)


def taking_questions(session_ids: Iterable[int]) -> set[int]:
    """Which of these sessions have questions switched on and open (the pages that show the
    ask link and its QR code offer it only for those)."""
    ids = list(session_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(QuestionBoard.session_id).where(
                QuestionBoard.session_id.in_(ids), QuestionBoard.open.is_(True)
            )
        )
    )


def session_of(forum: Forum, session_id: int) -> ForumSession:
    """The forum's session; NotFound for another forum's or an unknown one."""
    return agenda.get_session(forum, session_id)


def session_by_id(session_id: int) -> ForumSession | None:
    """The session behind a short link, whatever its forum."""
    return db.session.get(ForumSession, session_id) if id_in_range(session_id) else None


def board_of(forum: Forum, session_id: int) -> tuple[ForumSession, QuestionBoard]:
    """The session and its board; NoQuestions when questions are off for it."""
    session = session_of(forum, session_id)
    board = board_for(session)
    if board is None:
        raise NoQuestions(_("This session does not take questions."))
    return session, board


def closed_reason(
    session: ForumSession, board: QuestionBoard | None, now: datetime | None = None
) -> str | None:
    """Why nobody may ask or vote now (None: they may)."""
    now = now or utcnow()
    if board is None:
        return _("This session does not take questions.")
    if session.status == SessionStatus.CANCELLED:
        return _("This session is cancelled: it takes no questions.")
    if session.ends_at <= now:
        return _("This session has ended: it takes no more questions.")
    if not board.open:
        return _("Questions for this session are closed.")
    return None


def screen(session: ForumSession) -> list[Question]:
    """The presenter's screen and the public list: approved questions by votes (most first,
    then the oldest first), then the answered ones in the same order."""
    rows = db.session.scalars(
        select(Question)
        .where(Question.session_id == session.id, Question.status.in_(SHOWN))
        .order_by(Question.votes.desc(), Question.created_at, Question.id)
    ).all()
    return [q for q in rows if q.status == QuestionStatus.APPROVED] + [
        q for q in rows if q.status == QuestionStatus.ANSWERED
    ]


def for_moderation(session: ForumSession, status: str | None = None) -> list[Question]:
    """Every question of the session (or those with `status`), pending first, then approved,
    answered, hidden and merged; by votes and age within each."""
    query = select(Question).where(Question.session_id == session.id)
    if status is not None:
        query = query.where(Question.status == status)
    rows = db.session.scalars(
        query.order_by(Question.votes.desc(), Question.created_at, Question.id)
    ).all()
    return sorted(rows, key=lambda q: _STATUS_ORDER.get(q.status, 99))


def merge_targets(session: ForumSession, question: Question) -> list[Question]:
    """The session's other questions still in play, the choices of a merge."""
    return [
        q
        for q in for_moderation(session)
        if q.id != question.id and q.status in MERGE_TARGETS and q.merged_into_id is None
    ]


def overview(forum: Forum) -> list[BoardRow]:
    """Every session of the forum with its board and its questions counted by status."""
    boards = {
        b.session_id: b
        for b in db.session.scalars(select(QuestionBoard).where(QuestionBoard.forum_id == forum.id))
    }
    counts: dict[tuple[int, str], int] = {
        (session_id, status): n
        for session_id, status, n in db.session.execute(
            select(Question.session_id, Question.status, func.count())
            .where(Question.forum_id == forum.id)
            .group_by(Question.session_id, Question.status)
        )
    }
    sessions = sorted(forum.sessions, key=lambda s: (s.starts_at, s.id))
    return [
        BoardRow(
            s,
            boards.get(s.id),
            counts.get((s.id, QuestionStatus.PENDING), 0),
            counts.get((s.id, QuestionStatus.APPROVED), 0),
            counts.get((s.id, QuestionStatus.ANSWERED), 0),
        )
        for s in sessions
    ]


def may_moderate(user: Any, forum: Forum, board: QuestionBoard | None) -> bool:
    """The forum's organizers always; its desk staff when the board allows them."""
    if can_organize(user, forum):
        return True
    return board is not None and board.desk_may_moderate and can_work_desk(user, forum)


def may_ask_online(registration: Registration, session: ForumSession) -> bool:
    """An online viewer asks for a session they may watch, or one they hold a seat in."""
    if registration.forum_id != session.forum_id:
        return False
    state = attendance_state(registration, positions=False)
    if state.cancelled:
        return False
    if watchable_session(state, session):
        return True
    place = state.session(session.id)
    return place is not None and place.status == PlaceStatus.CONFIRMED


# ------------------------------------------------------------------------------ asking


def _check_open(session: ForumSession, now: datetime) -> QuestionBoard:
    """The board, read inside the write transaction (FOR SHARE on PostgreSQL: a close waits
    for the question being asked); QuestionsClosed or NoQuestions otherwise."""
    board = db.session.scalar(
        select(QuestionBoard)
        .where(QuestionBoard.session_id == session.id)
        .with_for_update(read=True)
    )
    reason = closed_reason(session, board, now)
    if board is None:
        raise NoQuestions(reason or "")
    if reason is not None:
        raise QuestionsClosed(reason)
    return board


def ask(
    forum: Forum,
    session_id: int,
    raw: Mapping[str, Any],
    *,
    origin: str = "hall",
    registration: Registration | None = None,
    now: datetime | None = None,
) -> Question:
    """A new question, pending until a moderator approves it. NoQuestions (404) without a
    board; QuestionsClosed (409) when closed, cancelled or over; NotWatching (403) for an online
    viewer who may not watch the session; ValidationFailed (422) for bad fields. Nothing is
    stored when it is refused."""
    now = now or utcnow()
    session = session_of(forum, session_id)
    if origin == "online":
        if registration is None or not may_ask_online(registration, session):
            raise NotWatching(
                _("You can ask questions in the sessions you may watch online or hold a seat in.")
            )
    elif origin != "hall":
        raise ValueError(f"unknown origin {origin!r}")
    fields = Fields(raw)
    text = fields.text("text", limit=TEXT_MAX, required=True, multiline=True)
    # Left out: Korean; given, it must be one of the languages (an empty one too).
    locale = fields.choice("locale", LOCALES) if raw.get("locale") is not None else "ko"
    name = fields.text("name", limit=NAME_MAX)
    with write_transaction(expire_on_commit=False):
        _check_open(session, now)
        fields.raise_if_any()
        question = Question(
            forum_id=forum.id,
            session_id=session.id,
            text=text,
            locale=locale,
            author_name=name,
            origin=origin,
            registration_id=registration.id if origin == "online" and registration else None,
            status=QuestionStatus.PENDING,
            votes=0,
            created_at=now,
            updated_at=now,
        )
        db.session.add(question)
    return question


# ------------------------------------------------------------------------------ votes


def _insert_vote(question_id: int, voter: str, now: datetime) -> bool:
    """One row per (question, voter): True when this call put it in."""
    inserted = db.session.scalar(
        upsert_insert(QuestionVote)
        .values(question_id=question_id, voter=voter, created_at=now)
        .on_conflict_do_nothing(index_elements=["question_id", "voter"])
        .returning(QuestionVote.id)
    )
    return inserted is not None


def vote(
    forum: Forum, session_id: int, question_id: int, voter: str, *, now: datetime | None = None
) -> VoteResult:
    """The voter's vote for an approved question of an open board, once: `created` is False
    (and nothing changes) when they voted already."""
    now = now or utcnow()
    session = session_of(forum, session_id)
    with write_transaction():
        _check_open(session, now)
        question = (
            db.session.get(Question, question_id, populate_existing=True)
            if id_in_range(question_id)
            else None
        )
        if question is None or question.session_id != session.id or question.status not in SHOWN:
            raise NotFound(_("This session has no such question."))
        if question.status != QuestionStatus.APPROVED:
            raise NotVotable(_("This question has been answered: it takes no more votes."))
        created = _insert_vote(question.id, voter, now)
        if created:
            # Conditional: a question merged or hidden meanwhile takes no vote (rolled back).
            counted = db.session.execute(
                update(Question)
                .where(Question.id == question.id, Question.status == QuestionStatus.APPROVED)
                .values(votes=Question.votes + 1)
                .execution_options(synchronize_session=False)
            )
            if counted.rowcount != 1:
                raise NotVotable(_("This question takes no more votes."))
        votes = db.session.scalar(select(Question.votes).where(Question.id == question.id))
    return VoteResult(created, int(votes or 0))


# ------------------------------------------------------------------------------ moderating


def set_board(
    forum: Forum, session_id: int, *, open: bool, desk_may_moderate: bool, user: Any
) -> QuestionBoard:
    """Switch questions on for a session (or change its board): organizers only."""
    if not can_organize(user, forum):
        raise Forbidden(_("You are not an organizer of this forum."))
    session = session_of(forum, session_id)
    with write_transaction(expire_on_commit=False):
        board = db.session.get(QuestionBoard, session.id)
        if board is None:
            board = QuestionBoard(session_id=session.id, forum_id=forum.id)
            db.session.add(board)
        board.open = bool(open)
        board.desk_may_moderate = bool(desk_may_moderate)
    return board


def _locked(question_ids: list[int]) -> dict[int, Question]:
    """The questions, locked in id order (PostgreSQL) and read afresh."""
    rows = db.session.scalars(
        select(Question)
        .where(Question.id.in_(sorted(question_ids)))
        .order_by(Question.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {q.id: q for q in rows}


def moderate(
    forum: Forum,
    session_id: int,
    question_id: int,
    action: str,
    *,
    into: Any = None,
    user: Any,
    now: datetime | None = None,
) -> Question:
    """Approve, hide, mark answered, or merge a duplicate `into` another question of the same
    session (its votes follow, nobody counted twice). Forbidden for who may not moderate;
    NotFound for an unknown question; ValidationFailed for an unknown action or target;
    InvalidModeration for a merged question or a merge into itself."""
    now = now or utcnow()
    session = session_of(forum, session_id)
    board = board_for(session)
    if not may_moderate(user, forum, board):
        raise Forbidden(_("You may not moderate the questions of this session."))
    if board is None:
        raise NoQuestions(_("This session does not take questions."))
    fields = Fields({"action": action})
    action = fields.choice("action", ACTIONS)
    target_id: int | None = None
    if action == "merge":
        target_id = parse_id(into) if not isinstance(into, bool) else None
        if target_id is None:
            fields.add("into", _("Choose the question to merge it into."))
    fields.raise_if_any()
    wanted = [question_id, *([target_id] if target_id else [])]
    with write_transaction(expire_on_commit=False):
        found = _locked([i for i in wanted if id_in_range(i)])
        question = found.get(question_id)
        if question is None or question.session_id != session.id:
            raise NotFound(_("This session has no such question."))
        if question.status == QuestionStatus.MERGED:
            raise InvalidModeration(_("This question was merged into another one."))
        if action == "approve":
            question.status = QuestionStatus.APPROVED
            question.answered_at = None
        elif action == "hide":
            question.status = QuestionStatus.HIDDEN
        elif action == "answer":
            question.status = QuestionStatus.ANSWERED
            question.answered_at = now
        else:
            target = found.get(target_id) if target_id else None
            if target is None or target.session_id != session.id:
                raise ValidationFailed(
                    {"into": [_("Choose another question of this session to merge it into.")]}
                )
            if target.id == question.id:
                raise InvalidModeration(_("A question cannot be merged into itself."))
            if target.status not in MERGE_TARGETS:
                raise InvalidModeration(_("Merge into a question that is still in play."))
            _merge(question, target)
        question.updated_at = now
    return question


def _merge(duplicate: Question, target: Question) -> None:
    """The duplicate's voters who have not voted on the target move over; both counters are
    recounted from their rows."""
    already = select(QuestionVote.voter).where(QuestionVote.question_id == target.id)
    db.session.execute(
        update(QuestionVote)
        .where(QuestionVote.question_id == duplicate.id, QuestionVote.voter.not_in(already))
        .values(question_id=target.id)
        .execution_options(synchronize_session=False)
    )
    for question in (target, duplicate):
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(
                votes=select(func.count())
                .select_from(QuestionVote)
                .where(QuestionVote.question_id == question.id)
                .scalar_subquery()
            )
            .execution_options(synchronize_session=False)
        )
    duplicate.status = QuestionStatus.MERGED
    duplicate.merged_into_id = target.id
    db.session.flush()
    db.session.refresh(target)
    db.session.refresh(duplicate)


# ------------------------------------------------------------------------------ export

EXPORT_HEADER = [
    "id",
    "asked_at",
    "language",
    "origin",
    "name",
    "text",
    "status",
    "votes",
    "merged_into",
    "answered_at",
]


def export_rows(session: ForumSession) -> list[list[Any]]:
    """Every question of the session, oldest first, times in the forum's zone."""
    tz = session.forum.timezone
    rows = db.session.scalars(
        select(Question)
        .where(Question.session_id == session.id)
        .order_by(Question.created_at, Question.id)
    ).all()
    return [
        [
            q.id,
            _local(q.created_at, tz),
            q.locale,
            q.origin,
            q.author_name or "anonymous",
            q.text,
            q.status,
            q.votes,
            q.merged_into_id or "",
            _local(q.answered_at, tz) if q.answered_at else "",
        ]
        for q in rows
    ]


def export_csv(session: ForumSession) -> str:
    """The export as CSV: UTF-8 with a BOM (Excel opens Korean), formulas neutralised."""
    return spreadsheet_csv(EXPORT_HEADER, export_rows(session))


def _local(moment: datetime, tz: str) -> str:
    return local_input(moment, tz).replace("T", " ")
