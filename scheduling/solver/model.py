"""What the agenda solver is given and what it gives back: plain dataclasses, no OR-Tools.

Times: a `Placement` start is an aware datetime. A `Window` may be naive, and is then read in the
zone of whoever gave it (a speaker's availability in the speaker's own zone, breaks and preferred
slots in the forum's zone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from scheduling.types import Bilingual

PROPOSE = "propose"
REPAIR = "repair"

OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
UNKNOWN = "unknown"

VENUE_KINDS = ("hall", "studio", "offsite")
FORMATS = ("in_person", "online", "hybrid")

MAX_TIME_LIMIT_S = 600.0

BREAK_LABEL = Bilingual(ko="휴식", en="break")


class SolverInputError(ValueError):
    """The problem cannot be solved as given; `messages` say why (English and Korean)."""

    def __init__(self, messages: list[tuple[str, str]]) -> None:
        self.messages = messages
        super().__init__("; ".join(en for en, _ in messages))

    @property
    def messages_en(self) -> list[str]:
        return [en for en, _ in self.messages]


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A venue's hours, local to the forum; `day=None` means every forum day without hours of
    its own."""

    opens: time
    closes: time
    day: date | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    id: int
    name: Bilingual
    kind: str  # "hall" | "studio" | "offsite"
    capacity: int | None = None  # None: no limit
    open_hours: tuple[OpeningHours, ...] = ()  # empty: open around the clock


@dataclass(frozen=True, slots=True)
class Speaker:
    id: int
    name: Bilingual
    timezone: str = "Asia/Seoul"  # IANA; naive availability windows are read in it
    # Empty: available throughout the forum. A window wholly outside the forum's days, or two
    # overlapping windows, are refused; a window reaching past the forum is cut to it.
    availability: tuple[Window, ...] = ()


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    title: Bilingual
    duration_minutes: int
    kind: str = "talk"
    format: str = "in_person"  # "in_person" | "online" | "hybrid"
    venue_kind: str | None = None  # a required venue kind, if any
    audience: int = 0  # expected people in the room: seats, or registrations once open
    speaker_ids: tuple[int, ...] = ()
    stream_urls: tuple[str, ...] = ()
    parent_id: int | None = None  # the block this session is a part of
    fixed: bool = False  # stays at its current placement (the opening, a tour's bus)
    preferred: tuple[Window, ...] = ()  # soft: start and end within one of these
    uses_venue: bool = True  # False for a container block or a walk with no room


@dataclass(frozen=True, slots=True)
class Placement:
    start: datetime  # aware
    venue_id: int | None  # None: online through its stream only, or a session with no room


@dataclass(frozen=True, slots=True)
class Travel:
    """Minutes needed between two venues (both ways), e.g. City Hall and an off-site lab."""

    venue_a: int
    venue_b: int
    minutes: int


@dataclass(frozen=True, slots=True)
class Break:
    window: Window  # naive: forum zone
    label: Bilingual = BREAK_LABEL


@dataclass(frozen=True, slots=True)
class Weights:
    """Soft constraints, in penalty points."""

    keep_apart: int = 1  # per shared registrant of two overlapping sessions
    keep_apart_min_shared: int = 1  # pairs sharing fewer registrants are ignored
    speaker_days: int = 20  # per extra day a speaker has to come
    preferred: int = 10  # per session outside its preferred slots


@dataclass(frozen=True)
class Problem:
    timezone: str
    first_day: date
    last_day: date
    sessions: tuple[Session, ...]
    venues: tuple[Venue, ...]
    speakers: tuple[Speaker, ...] = ()
    current: Mapping[int, Placement] = field(default_factory=dict)
    travel: tuple[Travel, ...] = ()
    breaks: tuple[Break, ...] = ()
    registrants: Mapping[int, int] = field(default_factory=dict)  # per session
    shared_registrants: Mapping[tuple[int, int], int] = field(default_factory=dict)
    weights: Weights = Weights()
    step_minutes: int = 5  # every start, duration and window is on this grid
    # The programme's hours each forum day (forum zone); None: around the clock. Sessions with
    # no venue (online through a stream) keep to them too.
    hours: tuple[time, time] | None = None


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """One worker and a fixed seed give the same proposal for the same input whenever the
    search ends before the time limit (a search cut short by the clock may stop elsewhere)."""

    time_limit_s: float = 10.0  # more than 0, at most MAX_TIME_LIMIT_S
    seed: int = 0
    workers: int = 1
    explain: bool = True  # on infeasibility, look for a minimal set of clashing constraints
    # Told of each solution the search finds: (seconds into this search, its objective). It
    # runs on the search's thread and must return quickly.
    on_solution: Callable[[float, float], None] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Move:
    session_id: int
    title: Bilingual
    before: Placement | None  # None: not placed before
    after: Placement
    registrants: int  # people registered for the session, to be told of the move


@dataclass(frozen=True, slots=True)
class Reason:
    """One constraint taking part in a clash, or one violation of a timetable."""

    code: str
    session_ids: tuple[int, ...]
    message_en: str
    message_ko: str


@dataclass(frozen=True, slots=True)
class Score:
    moved: int
    # Registrants of the moved sessions, summed: someone registered for two moved sessions
    # counts twice (registrants are known per session, not per person).
    affected_registrants: int
    keep_apart: int  # penalty points
    speaker_days: int
    preferred: int

    @property
    def soft(self) -> int:
        return self.keep_apart + self.speaker_days + self.preferred


@dataclass(frozen=True)
class Proposal:
    mode: str  # PROPOSE | REPAIR
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN
    wall_time_s: float
    first_solution_s: float | None
    objective: int | None
    best_bound: float | None
    score: Score | None
    placements: dict[int, Placement]
    moves: tuple[Move, ...]
    reasons: tuple[Reason, ...] = ()  # why it is infeasible
    reasons_minimal: bool = False  # no reason can be dropped and still clash

    @property
    def gap(self) -> float | None:
        """Relative distance between the objective found and the best bound proven."""
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))
