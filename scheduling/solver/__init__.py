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
from scheduling.solver.solve import propose, repair

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
