"""The agenda solver in the organizer API: ask for a run (answered 202 at once; a worker
searches), poll it, apply its moves (all, or those chosen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from app.models import Forum, SolverRun, User
from app.programme import solver_runs
from app.web.api.bodies import parse, respond
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import Answer
from app.web.api.organize import NO_FORUM, PREFIX, organize_operation
from app.web.api.schemas import solver as schemas
from app.web.api.schemas.base import Bilingual, Error

NOT_READY = Answer(
    "The run has no proposal to apply yet, or it was applied already (`not_ready`); the "
    "programme changed since it was computed (`stale_proposal`); or no move was chosen "
    "(`nothing_to_apply`). Nothing was applied.",
    Error,
)


def _placement(value: dict[str, Any] | None, tz: str) -> schemas.Placement | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value["starts_at"])
    return schemas.Placement(
        starts_at=local_iso(moment, tz),
        starts_at_utc=utc_iso(moment),
        venue_id=value["venue_id"],
    )


def _proposal(record: dict[str, Any], tz: str) -> schemas.Proposal | None:
    if not record:
        return None
    score = record["score"]
    return schemas.Proposal(
        status=record["status"],
        wall_time_s=record["wall_time_s"],
        first_solution_s=record["first_solution_s"],
        objective=record["objective"],
        best_bound=record["best_bound"],
        gap=record["gap"],
        score=None if score is None else schemas.Score(**score),
        moves=[
            schemas.Move(
                session_id=m["session_id"],
                title=Bilingual(ko=m["title_ko"], en=m["title_en"]),
                before=_placement(m["before"], tz),
                after=_placement(m["after"], tz),
                duration_minutes=m["duration_minutes"],
                registrants=m["registrants"],
            )
            for m in record["moves"]
        ],
        reasons=[
            schemas.Reason(
                code=r["code"],
                session_ids=r["session_ids"],
                message=Bilingual(ko=r["message_ko"], en=r["message_en"]),
            )
            for r in record["reasons"]
        ],
        reasons_minimal=record["reasons_minimal"],
    )


def run_body(run: SolverRun, forum: Forum) -> schemas.SolverRun:
    progress = run.progress or None
    return schemas.SolverRun(
        id=run.id,
        mode=run.mode,
        status=run.status,
        time_limit_s=run.time_limit_s,
        pinned=list(run.pinned),
        created_at=utc_iso(run.created_at),
        started_at=utc_iso(run.started_at),
        finished_at=utc_iso(run.finished_at),
        attempts=run.attempts,
        progress=None if progress is None else schemas.Progress(**progress),
        proposal=_proposal(run.result, forum.timezone),
        error=run.error,
        applied_sessions=list(run.applied_sessions),
    )


@organize_operation(
    f"{PREFIX}/solve",
    "POST",
    operation_id="organizeSolve",
    summary="Ask the agenda solver for a proposal",
    description="Checks the options and the programme at once (422 with every reason, nothing "
    "queued), then queues a run that a worker searches; poll it at `Location`. Nothing is "
    "applied until you apply the run.",
    body=schemas.SolveRequest,
    responses={202: Answer("Queued (Location: the run).", schemas.SolverRunBody), 404: NO_FORUM},
)
def organize_solve(user: User, forum: Forum):
    raw = parse(schemas.SolveRequest).model_dump(exclude_none=True)
    run = solver_runs.request_run(forum, raw, user)
    response = respond(schemas.SolverRunBody(run=run_body(run, forum)), 202)
    response.headers["Location"] = url_for(
        "api.organize_solver_run", slug=forum.slug, run_id=run.id
    )
    return response


@organize_operation(
    f"{PREFIX}/solve/<int:run_id>",
    "GET",
    operation_id="organizeSolverRun",
    summary="A solver run: its progress, then its proposal",
    responses={200: Answer("The run.", schemas.SolverRunBody), 404: NO_FORUM},
)
def organize_solver_run(user: User, forum: Forum, run_id: int):
    return respond(schemas.SolverRunBody(run=run_body(solver_runs.get_run(forum, run_id), forum)))


@organize_operation(
    f"{PREFIX}/solve/<int:run_id>/apply",
    "POST",
    operation_id="organizeApplySolverRun",
    summary="Apply a proposal's moves",
    description="Each move goes through the same operation as a hand edit: revisions, "
    "recorded changes, change notices, feeds. Refused whole when the programme changed since "
    "the proposal was computed.",
    body=schemas.ApplyRequest,
    responses={200: Answer("Applied.", schemas.Applied), 404: NO_FORUM, 409: NOT_READY},
)
def organize_apply_solver_run(user: User, forum: Forum, run_id: int):
    chosen = parse(schemas.ApplyRequest).sessions
    applied = solver_runs.apply_run(forum, run_id, chosen, user)
    run = solver_runs.get_run(forum, run_id)
    return respond(
        schemas.Applied(
            run=run_body(run, forum), sessions=applied.sessions, notices=applied.notices
        )
    )
