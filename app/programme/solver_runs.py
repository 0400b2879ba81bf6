"""Solver runs: asked for by an organizer, computed by a worker, applied by choice.

A search may take minutes, so it never runs in a web request. The request checks the input
(what is wrong is said at once, and nothing is queued) and queues a `SolverRun`. A worker
(`flask agenda work --watch`, or a thread of the development server) claims the oldest queued
run with a short lease, searches on a thread of its own, and while it searches writes the
progress and renews the lease every second. A worker that dies stops renewing: once the lease
has run out, the next worker claims the run again (up to `MAX_ATTEMPTS` times). Results are
written only by the worker holding the run, so a run taken over is never written twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time as clock
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.core.bounds import parse_id
from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.i18n import current_locale
from app.core.locks import lock_forum
from app.models import Forum, ForumSession, SolverRun, User
from app.models.enums import ForumStatus, SolverMode, SolverRunStatus
from app.programme import solving
from app.programme.checks import Fields
from scheduling import solver

log = logging.getLogger("madang.agenda")

LEASE = timedelta(seconds=60)  # renewed every HEARTBEAT_S while the search runs
HEARTBEAT_S = 1.0
MAX_ATTEMPTS = 3
QUEUE_LIMIT = 5  # runs waiting or running per forum
LOST = "lost"  # what `execute` returns when another worker took the run over


class RunNotReady(DomainError):
    status = 409
    code = "not_ready"


# ============================================================================ asking


def default_mode(forum: Forum) -> str:
    """Repair a published programme (people hold places in it); propose for a draft."""
    return SolverMode.REPAIR if forum.status == ForumStatus.PUBLISHED else SolverMode.PROPOSE


def _check_request(forum: Forum, raw: Mapping[str, Any]) -> tuple[str, float, list[int]]:
    fields = Fields(raw)
    mode = fields.choice("mode", tuple(SolverMode), default=default_mode(forum))
    limit: float = solving.DEFAULT_TIME_LIMIT_S
    value = raw.get("time_limit_s")
    if value not in (None, ""):
        try:
            limit = float(value)
        except (TypeError, ValueError):
            limit = -1.0
        if not 0 < limit <= solver.MAX_TIME_LIMIT_S:
            fields.add(
                "time_limit_s",
                _(
                    "Give a time limit of more than 0 and at most %(most)d seconds.",
                    most=int(solver.MAX_TIME_LIMIT_S),
                ),
            )
    pinned: list[int] = []
    values = raw.get("pinned") or []
    if isinstance(values, str | int):
        values = [values]
    if not isinstance(values, list | tuple):
        fields.add("pinned", _("Give the sessions to keep in place as a list of ids."))
        values = []
    ours = set(db.session.scalars(select(ForumSession.id).where(ForumSession.forum_id == forum.id)))
    for value in values:
        sid = parse_id(value)
        if sid is None or sid not in ours:
            fields.add("pinned", _("Choose sessions of this forum to keep in place."))
            break
        pinned.append(sid)
    fields.raise_if_any()
    return mode, limit, pinned


def request_run(forum: Forum, raw: Mapping[str, Any], user: User) -> SolverRun:
    """Check the request and the forum's programme, then queue a run. Refused with
    `ValidationFailed` (bad options, or a programme the solver cannot take: every reason at
    once) and nothing queued."""
    mode, limit, pinned = _check_request(forum, raw)
    problem = solving.snapshot(forum, pinned=pinned).problem
    try:
        solver.prepare(problem)
        if mode == SolverMode.REPAIR and not problem.current:
            raise solver.SolverInputError(
                [
                    (
                        "There is no timetable to repair yet: propose one instead.",
                        "고칠 시간표가 아직 없습니다. 새 시간표를 제안받으세요.",
                    )
                ]
            )
    except solver.SolverInputError as exc:
        raise ValidationFailed({"problem": _in_locale(exc.messages)}) from None
    with write_transaction():
        lock_forum(forum.id)
        waiting = db.session.scalar(
            select(db.func.count())
            .select_from(SolverRun)
            .where(
                SolverRun.forum_id == forum.id,
                SolverRun.status.in_((SolverRunStatus.QUEUED, SolverRunStatus.RUNNING)),
            )
        )
        if waiting >= QUEUE_LIMIT:
            raise ValidationFailed(
                {"problem": [_("Several runs are waiting already; wait for them to finish.")]}
            )
        run = SolverRun(
            forum_id=forum.id,
            mode=mode,
            status=SolverRunStatus.QUEUED,
            time_limit_s=limit,
            pinned=pinned,
            requested_by_id=user.id,
            base_digest="",
            worker_id="",
            attempts=0,
            progress={},
            result={},
            error="",
            applied_sessions=[],
        )
        db.session.add(run)
    kick_in_process(current_app._get_current_object())  # type: ignore[attr-defined]
    return run


def _in_locale(messages: list[tuple[str, str]]) -> list[str]:
    ko = current_locale() == "ko"
    return [m_ko if ko else m_en for m_en, m_ko in messages]


def get_run(forum: Forum, run_id: int) -> SolverRun:
    run = db.session.get(SolverRun, run_id)
    if run is None or run.forum_id != forum.id:
        raise NotFound(_("No such solver run in this forum."))
    return run


def recent_runs(forum: Forum, limit: int = 10) -> list[SolverRun]:
    return list(
        db.session.scalars(
            select(SolverRun)
            .where(SolverRun.forum_id == forum.id)
            .order_by(SolverRun.id.desc())
            .limit(limit)
        )
    )


# ============================================================================ working


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim_next(worker_id: str, *, now: datetime | None = None) -> int | None:
    """Claim the oldest queued run, or a running one whose worker stopped renewing its lease;
    committed. A run tried `MAX_ATTEMPTS` times is failed instead, and the next one claimed."""
    now = now or utcnow()
    while True:
        with write_transaction():
            row = db.session.execute(
                select(SolverRun.id, SolverRun.attempts)
                .where(
                    or_(
                        SolverRun.status == SolverRunStatus.QUEUED,
                        (SolverRun.status == SolverRunStatus.RUNNING)
                        & (SolverRun.lease_until < now),
                    )
                )
                .order_by(SolverRun.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            run_id, attempts = row
            if attempts < MAX_ATTEMPTS:
                db.session.execute(
                    update(SolverRun)
                    .where(SolverRun.id == run_id)
                    .values(
                        status=SolverRunStatus.RUNNING,
                        worker_id=worker_id,
                        attempts=attempts + 1,
                        lease_until=now + LEASE,
                        started_at=now,
                        progress={"elapsed_s": 0.0, "solutions": 0, "objective": None},
                    )
                )
                return run_id
            db.session.execute(
                update(SolverRun)
                .where(SolverRun.id == run_id)
                .values(
                    status=SolverRunStatus.FAILED,
                    finished_at=now,
                    lease_until=None,
                    error=(
                        f"The search was started {attempts} times and its worker stopped each "
                        "time before it finished."
                    ),
                )
            )


def _held(run_id: int, worker_id: str):
    return (
        update(SolverRun)
        .where(
            SolverRun.id == run_id,
            SolverRun.worker_id == worker_id,
            SolverRun.status == SolverRunStatus.RUNNING,
        )
        .execution_options(synchronize_session=False)
    )


def _write(run_id: int, worker_id: str, **values: Any) -> bool:
    """Write to a run this worker still holds; False when another worker has taken it over."""
    with write_transaction():
        result = db.session.execute(_held(run_id, worker_id).values(**values))
    return result.rowcount == 1


@dataclass
class _Search:
    """The search's state, shared between its thread and the thread reporting on it."""

    solutions: int = 0
    objective: float | None = None
    record: dict[str, Any] | None = None
    failure: BaseException | None = None

    def on_solution(self, _seconds: float, objective: float) -> None:
        self.solutions += 1
        self.objective = objective


def execute(run_id: int, worker_id: str, *, heartbeat_s: float = HEARTBEAT_S) -> str:
    """Search for a claimed run, reporting progress and renewing the lease meanwhile; write
    the proposal (or why there is none). Returns the run's status afterwards."""
    run = db.session.get(SolverRun, run_id)
    forum = db.session.get(Forum, run.forum_id)
    shot = solving.snapshot(forum, pinned=run.pinned)
    mode, limit = run.mode, run.time_limit_s
    db.session.rollback()  # no transaction stays open during the search
    search = _Search()
    options = solver.SolveOptions(time_limit_s=limit, on_solution=search.on_solution)

    def work() -> None:
        try:
            proposal = solving.search(shot.problem, mode, options)
            search.record = solving.proposal_record(proposal, shot.problem)
        except BaseException as exc:  # reported by the worker's thread below
            search.failure = exc

    thread = threading.Thread(target=work, name=f"madang-solver-{run_id}", daemon=True)
    started = clock.monotonic()
    thread.start()
    while thread.is_alive():
        thread.join(heartbeat_s)
        progress = {
            "elapsed_s": round(clock.monotonic() - started, 1),
            "solutions": search.solutions,
            "objective": search.objective,
        }
        if not _write(run_id, worker_id, progress=progress, lease_until=utcnow() + LEASE):
            log.warning("solver run %s was taken over; its result will not be written", run_id)
            thread.join()
            return LOST
    now = utcnow()
    if search.failure is not None:
        exc = search.failure
        if isinstance(exc, solver.SolverInputError):
            message = solving.bilingual_text(exc.messages)
        else:
            log.exception("solver run %s failed", run_id, exc_info=exc)
            message = f"The search failed: {type(exc).__name__}."
        if not _write(
            run_id, worker_id, status=SolverRunStatus.FAILED, error=message, finished_at=now
        ):
            return LOST
        return SolverRunStatus.FAILED
    written = _write(
        run_id,
        worker_id,
        status=SolverRunStatus.DONE,
        result=search.record,
        base_digest=shot.digest,
        finished_at=now,
        lease_until=None,
        progress={
            "elapsed_s": round(clock.monotonic() - started, 1),
            "solutions": search.solutions,
            "objective": search.objective,
        },
    )
    # A search shorter than a heartbeat never renewed its lease: the result is written only
    # if this worker still holds the run.
    return SolverRunStatus.DONE if written else LOST


def work_once(worker_id: str) -> int:
    """Run every claimable run; how many were run."""
    done = 0
    while (run_id := claim_next(worker_id)) is not None:
        execute(run_id, worker_id)
        done += 1
    return done


def watch(app: Flask, worker_id: str, *, interval: float, should_stop: Callable[[], bool]) -> None:
    """Claim and run solver runs until `should_stop()`; errors are logged and tried again."""
    while not should_stop():
        try:
            with app.app_context():
                work_once(worker_id)
        except Exception:
            log.exception("solver worker round failed; trying again")
        waited = 0.0
        while waited < interval and not should_stop():
            clock.sleep(0.25)
            waited += 0.25


_IN_PROCESS_LOCK = threading.Lock()


def _queued() -> bool:
    found = db.session.scalar(
        select(SolverRun.id).where(SolverRun.status == SolverRunStatus.QUEUED).limit(1)
    )
    db.session.rollback()
    return found is not None


def kick_in_process(app: Flask) -> threading.Thread | None:
    """Development: run queued searches on a daemon thread of this process (one at a time).
    Returns the thread started, if any."""
    if not app.config.get("AGENDA_SOLVE_IN_PROCESS"):
        return None

    def run() -> None:
        # A run queued while another thread finishes is left to that thread, which looks
        # again after letting go of the lock.
        while _IN_PROCESS_LOCK.acquire(blocking=False):
            try:
                with app.app_context():
                    work_once(worker_identity())
            except Exception:
                log.exception("in-process solver failed")
                return
            finally:
                _IN_PROCESS_LOCK.release()
            with app.app_context():
                if not _queued():
                    return

    thread = threading.Thread(target=run, name="madang-solver", daemon=True)
    thread.start()
    return thread


# ============================================================================ applying


def _chosen(value: Any) -> list[int] | None:
    """The sessions whose moves to apply (ids from a form or JSON); None: every move."""
    if value is None:
        return None
    ids = [parse_id(v) for v in value] if isinstance(value, list | tuple) else [None]
    if None in ids:
        raise ValidationFailed({"sessions": [_("Choose the moves to apply by session id.")]})
    return ids  # type: ignore[return-value]


def apply_run(forum: Forum, run_id: int, session_ids: Any, user: User) -> solving.Applied:
    """Apply a finished run's moves (all, or those chosen: a list of session ids) through the
    hand edit's operation. Refused whole when the run is not finished, was applied already,
    or the programme changed since it was computed."""
    session_ids = _chosen(session_ids)
    run = get_run(forum, run_id)
    if run.status == SolverRunStatus.APPLIED:
        raise RunNotReady(_("This proposal was applied already."))
    if run.status != SolverRunStatus.DONE or not run.result.get("moves"):
        raise RunNotReady(_("This run has no proposal to apply."))
    with write_transaction():
        claimed = db.session.execute(
            update(SolverRun)
            .where(SolverRun.id == run.id, SolverRun.status == SolverRunStatus.DONE)
            .values(status=SolverRunStatus.APPLIED, applied_at=utcnow(), applied_by_id=user.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise RunNotReady(_("This proposal was applied already."))
        applied = solving.apply_moves_locked(
            forum, run.result, digest=run.base_digest, session_ids=session_ids, user=user
        )
        db.session.execute(
            update(SolverRun)
            .where(SolverRun.id == run.id)
            .values(applied_sessions=applied.sessions)
            .execution_options(synchronize_session=False)
        )
    db.session.expire(run)
    return applied
