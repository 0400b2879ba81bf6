"""The agenda solver in the organizer API: asking for a run, reading it, applying it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from app.models.enums import SOLVER_MODES, SOLVER_RUN_STATUSES
from app.web.api.schemas.base import (
    Bilingual,
    LocalTime,
    RequestModel,
    ResponseModel,
    UtcTime,
    documented,
    one_of,
)


def _optional(schema: dict[str, Any]) -> None:
    """Left out means the default the description names (not a null to send)."""
    schema.pop("default", None)


Ids = documented(
    Any, {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 1000}
)


class SolveRequest(RequestModel):
    """What to solve. Every field may be left out."""

    mode: documented(Any, {"type": "string", "enum": list(SOLVER_MODES)}) = Field(
        None,
        description="repair: the fewest moves from the current timetable (the default for a "
        "published forum); propose: a whole timetable (the default for a draft).",
        json_schema_extra=_optional,
    )
    time_limit_s: documented(Any, {"type": "number", "exclusiveMinimum": 0, "maximum": 600}) = (
        Field(
            None,
            description="Seconds the search may take (default 10, at most 600).",
            json_schema_extra=_optional,
        )
    )
    pinned: Ids = Field(
        None, description="Sessions to keep where they are.", json_schema_extra=_optional
    )


class ApplyRequest(RequestModel):
    sessions: Ids = Field(
        None,
        description="The moves to apply, by session id; left out: every move.",
        json_schema_extra=_optional,
    )


class Placement(ResponseModel):
    starts_at: LocalTime
    starts_at_utc: UtcTime
    venue_id: int | None


class Move(ResponseModel):
    session_id: int
    title: Bilingual
    before: Placement | None
    after: Placement | None
    duration_minutes: int
    registrants: int = Field(description="People told of this move by a change notice.")


class Reason(ResponseModel):
    """A rule the timetable breaks, or a clash that makes the problem infeasible."""

    code: str
    session_ids: list[int]
    message: Bilingual


class Score(ResponseModel):
    moved: int
    affected_registrants: int
    keep_apart: int = Field(description="People whose sessions overlap.")
    speaker_days: int = Field(description="Extra days speakers come back on.")
    preferred: int = Field(description="Sessions away from their preferred slot.")


class Proposal(ResponseModel):
    status: StrictStr = Field(description="optimal, feasible, infeasible or unknown.")
    wall_time_s: float
    first_solution_s: float | None
    objective: float | None
    best_bound: float | None
    gap: float | None
    score: Score | None
    moves: list[Move]
    reasons: list[Reason] = Field(
        description="Infeasible: the constraints that clash; otherwise empty."
    )
    reasons_minimal: bool = Field(description="The clashing set cannot be made smaller.")


class Progress(ResponseModel):
    elapsed_s: float
    solutions: StrictInt
    objective: float | None


class SolverRun(ResponseModel):
    id: int
    mode: one_of(SOLVER_MODES)
    status: one_of(SOLVER_RUN_STATUSES) = Field(
        description="queued, running, done (the proposal is ready), failed or applied."
    )
    time_limit_s: float
    pinned: list[int]
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    attempts: int = Field(description="Times a worker started the search.")
    progress: Progress | None
    proposal: Proposal | None
    error: str
    applied_sessions: list[int]


class SolverRunBody(ResponseModel):
    run: SolverRun


class Applied(ResponseModel):
    run: SolverRun
    sessions: list[int] = Field(description="The sessions moved.")
    notices: int = Field(description="Change notices queued (or merged into waiting ones).")
