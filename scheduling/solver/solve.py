"""Propose a timetable, or repair the current one with as few moves as possible."""

from __future__ import annotations

import time as clock
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduling.solver import check, explain
from scheduling.solver.cpsat import TimetableModel
from scheduling.solver.model import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    PROPOSE,
    REPAIR,
    UNKNOWN,
    Move,
    Placement,
    Problem,
    Proposal,
    Reason,
    SolveOptions,
    SolverInputError,
)
from scheduling.solver.prepare import Prepared, check_options, prepare

_STATUS = {
    cp_model.OPTIMAL: OPTIMAL,
    cp_model.FEASIBLE: FEASIBLE,
    cp_model.INFEASIBLE: INFEASIBLE,
    cp_model.UNKNOWN: UNKNOWN,
}


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_solution: Callable[[float, float], None] | None = None) -> None:
        super().__init__()
        self.first_s: float | None = None
        self.on_solution = on_solution

    def on_solution_callback(self) -> None:
        if self.first_s is None:
            self.first_s = self.wall_time
        if self.on_solution is not None:
            self.on_solution(self.wall_time, self.objective_value)


def propose(problem: Problem, options: SolveOptions | None = None) -> Proposal:
    """A whole timetable for a draft forum. Fixed sessions stay; the others may go anywhere.
    The diff is against `problem.current` (sessions not placed there appear as new)."""
    return _solve(problem, options or SolveOptions(), PROPOSE)


def repair(problem: Problem, options: SolveOptions | None = None) -> Proposal:
    """The current timetable made sound again after a change, lexicographically: fewest moved
    sessions, then fewest registrants told of a move, then the soft constraints."""
    if not problem.current:
        raise SolverInputError(
            [
                (
                    "There is no current timetable to repair: propose one instead.",
                    "고칠 현재 시간표가 없습니다. 새 시간표를 제안받으세요.",
                )
            ]
        )
    return _solve(problem, options or SolveOptions(), REPAIR)


def _solve(problem: Problem, options: SolveOptions, mode: str) -> Proposal:
    check_options(options)
    started = clock.monotonic()
    prep = prepare(problem)

    def remaining() -> float:
        return max(0.01, options.time_limit_s - (clock.monotonic() - started))

    first_s: float | None = None
    hint = None
    if mode == REPAIR:
        # Moving only the sessions that break a rule is a far smaller model. When it needs at
        # most one move it is the best repair: any one-move repair moves one of them.
        free = _breaking(prep)
        if len(free) < len(prep.sessions):
            tm = TimetableModel(prep, mode=mode, free=free)
            status, solver, first = _run(tm, options, remaining(), started)
            first_s = first
            if status in (OPTIMAL, FEASIBLE):
                placements = _placements(prep, tm, solver)
                if status == OPTIMAL and len(_moves(prep, placements)) <= 1:
                    return _proposal(prep, mode, status, solver, placements, started, first_s)
                hint = {
                    sid: (prep.grid.floor(p.start), p.venue_id) for sid, p in placements.items()
                }
    tm = TimetableModel(prep, mode=mode, hint=hint)
    status, solver, first = _run(tm, options, remaining(), started)
    first_s = first_s if first_s is not None else first
    if status in (OPTIMAL, FEASIBLE):
        placements = _placements(prep, tm, solver)
        return _proposal(prep, mode, status, solver, placements, started, first_s)
    reasons: tuple[Reason, ...] = ()
    minimal = False
    if status == INFEASIBLE and options.explain:
        remaining = options.time_limit_s - (clock.monotonic() - started)
        groups, minimal = explain.clashing_groups(
            prep, mode=mode, seed=options.seed, seconds=max(1.0, remaining)
        )
        reasons = tuple(explain.describe(prep, group) for group in groups)
    return Proposal(
        mode=mode,
        status=status,
        wall_time_s=clock.monotonic() - started,
        first_solution_s=None,
        objective=None,
        best_bound=None,
        score=None,
        placements={},
        moves=(),
        reasons=reasons,
        reasons_minimal=minimal,
    )


def _run(
    tm: TimetableModel, options: SolveOptions, seconds: float, started: float
) -> tuple[str, cp_model.CpSolver, float | None]:
    """Status, the solver, and when (since `started`) the first solution came."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.random_seed = options.seed
    solver.parameters.num_workers = options.workers
    # One thread taking turns between CP-SAT's strategies (LNS among them): still deterministic,
    # and it mends a timetable's small penalties far faster than the plain search alone.
    solver.parameters.interleave_search = options.workers == 1
    # Presolve probing costs tens of seconds on a few hundred sessions (the venues' no-overlap
    # constraints make each probe dear) and buys little here: the hint gives a solution at once.
    solver.parameters.cp_model_probing_level = 0
    callback = _FirstSolution(options.on_solution)
    status = _STATUS.get(solver.solve(tm.model, callback), UNKNOWN)
    solved_at = clock.monotonic() - started
    first = None if callback.first_s is None else solved_at - solver.wall_time + callback.first_s
    return status, solver, first


def _breaking(prep: Prepared) -> set[int]:
    """Sessions that break a rule where they are now, and those not placed yet."""
    current = {sid: prep.problem.current[sid] for sid in prep.current}
    involved = {sid for r in check.violations(prep, current) for sid in r.session_ids}
    return involved | (set(prep.sessions) - set(prep.current))


def _proposal(
    prep: Prepared,
    mode: str,
    status: str,
    solver: cp_model.CpSolver,
    placements: dict[int, Placement],
    started: float,
    first_s: float | None,
) -> Proposal:
    broken = check.violations(prep, placements)
    if broken:  # the model and the rules disagree: never hand that out
        raise RuntimeError(
            "the solver proposed a timetable that breaks a rule: " + broken[0].message_en
        )
    return Proposal(
        mode=mode,
        status=status,
        wall_time_s=clock.monotonic() - started,
        first_solution_s=first_s,
        objective=round(solver.objective_value),
        best_bound=solver.best_objective_bound,
        score=check.score(prep, placements, count_moves=True),
        placements=placements,
        moves=_moves(prep, placements),
    )


def _placements(
    prep: Prepared, tm: TimetableModel, solver: cp_model.CpSolver
) -> dict[int, Placement]:
    out = {}
    for sid, start in tm.start.items():
        venue_id = next(v for v, x in tm.options[sid].items() if solver.boolean_value(x))
        out[sid] = Placement(prep.grid.moment(solver.value(start)), venue_id)
    return out


def _moves(prep: Prepared, placements: dict[int, Placement]) -> tuple[Move, ...]:
    moves = []
    for sid, after in sorted(placements.items()):
        before_steps = prep.current.get(sid)
        before = prep.problem.current.get(sid)
        if before_steps is not None and before_steps == (
            prep.grid.floor(after.start),
            after.venue_id,
        ):
            continue
        moves.append(
            Move(
                session_id=sid,
                title=prep.sessions[sid].title,
                before=before,
                after=after,
                registrants=prep.problem.registrants.get(sid, 0),
            )
        )
    return tuple(moves)
