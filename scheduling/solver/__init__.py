"""The agenda solver: propose a timetable for a draft forum, or repair a published one after a
change with the fewest moves, on Google OR-Tools CP-SAT.

Pure like the rest of `scheduling`: plain dataclasses in (`Problem`), a `Proposal` out (status,
times, objective, the diff as `Move`s, or the clashing constraints as `Reason`s). Bad input
raises `SolverInputError` before anything is solved.
"""

from scheduling.solver.check import score, violations
from scheduling.solver.model import (
    FEASIBLE,
    INFEASIBLE,
    MAX_TIME_LIMIT_S,
    OPTIMAL,
    UNKNOWN,
    Break,
    Move,
    OpeningHours,
    Placement,
    Problem,
    Proposal,
    Reason,
    Score,
    Session,
    SolveOptions,
    SolverInputError,
    Speaker,
    Travel,
    Venue,
    Weights,
    Window,
)
from scheduling.solver.prepare import prepare


def __getattr__(name: str):
    """`propose` and `repair` load OR-Tools (about 65 MB with numpy) on first use: only the
    process that solves pays for it, not every web worker that imports the package."""
    if name in ("propose", "repair"):
        from scheduling.solver import solve

        return getattr(solve, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FEASIBLE",
    "INFEASIBLE",
    "MAX_TIME_LIMIT_S",
    "OPTIMAL",
    "UNKNOWN",
    "Break",
    "Move",
    "OpeningHours",
    "Placement",
    "Problem",
    "Proposal",
    "Reason",
    "Score",
    "Session",
    "SolveOptions",
    "SolverInputError",
    "Speaker",
    "Travel",
    "Venue",
    "Weights",
    "Window",
    "prepare",
    "propose",
    "repair",
    "score",
    "violations",
]
