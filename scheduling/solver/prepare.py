"""Input validation, and the problem restated on the step grid for the model and the checker.

Everything wrong with the input is collected and raised at once as a `SolverInputError`, so an
organizer sees every problem in one go; nothing is solved then.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.solver import grid as g
from scheduling.solver.grid import Grid, Span
from scheduling.solver.model import (
    FORMATS,
    MAX_TIME_LIMIT_S,
    VENUE_KINDS,
    Problem,
    Session,
    SolveOptions,
    SolverInputError,
    Venue,
)

# Constraint groups: the unit in which an infeasible problem is explained.
FORUM_DAYS = "forum_days"
FIXED = "fixed"
VENUE = "venue"
SPEAKER = "speaker"
STREAM = "stream"
CAPACITY = "capacity"
FORMAT = "format"
VENUE_KIND = "venue_kind"
OPEN_HOURS = "open_hours"
BREAKS = "breaks"
BLOCK = "block"
AVAILABILITY = "availability"
TRAVEL = "travel"

Group = tuple  # (kind, subject id or url) or (kind,)


def check_options(options: SolveOptions) -> None:
    if not 0 < options.time_limit_s <= MAX_TIME_LIMIT_S:
        raise SolverInputError(
            [
                (
                    f"The time limit must be more than 0 and at most {MAX_TIME_LIMIT_S:.0f}"
                    f" seconds (got {options.time_limit_s:g}).",
                    f"제한 시간은 0초보다 길고 {MAX_TIME_LIMIT_S:.0f}초 이하여야 합니다"
                    f"(입력: {options.time_limit_s:g}).",
                )
            ]
        )
    if options.workers < 1:
        raise SolverInputError(
            [("Use at least one search worker.", "탐색 작업자는 1개 이상이어야 합니다.")]
        )


class Prepared:
    """The problem on the grid. Construct it through `prepare()`."""

    def __init__(self, problem: Problem, grid: Grid) -> None:
        self.problem = problem
        self.grid = grid
        self.sessions = {s.id: s for s in problem.sessions}
        self.venues = {v.id: v for v in problem.venues}
        self.speakers = {k.id: k for k in problem.speakers}
        self.window: Span = (0, grid.end)
        self.programme: list[Span] | None = None  # the programme's hours, if it has some
        self.duration = {s.id: s.duration_minutes // grid.step for s in problem.sessions}
        self.children: dict[int, list[int]] = defaultdict(list)
        for s in problem.sessions:
            if s.parent_id is not None:
                self.children[s.parent_id].append(s.id)
        self.ancestors = {s.id: self._ancestors(s) for s in problem.sessions}
        self.open: dict[int, list[Span] | None] = {}
        self.available: dict[int, list[Span] | None] = {}
        self.break_spans: list[Span] = []
        self.preferred: dict[int, list[Span]] = {}
        self.travel: dict[tuple[int, int], int] = {}
        self.current: dict[int, tuple[int, int | None]] = {}
        self.by_speaker: dict[int, list[int]] = defaultdict(list)
        self.by_stream: dict[str, list[int]] = defaultdict(list)
        for s in problem.sessions:
            for k in dict.fromkeys(s.speaker_ids):
                self.by_speaker[k].append(s.id)
            for url in dict.fromkeys(u.strip() for u in s.stream_urls if u.strip()):
                self.by_stream[url].append(s.id)

    def _ancestors(self, s: Session) -> frozenset[int]:
        seen: set[int] = set()
        parent = s.parent_id
        while parent is not None and parent not in seen and parent != s.id:
            seen.add(parent)
            block = self.sessions.get(parent)
            parent = block.parent_id if block is not None else None
        return frozenset(seen)

    def is_block(self, sid: int) -> bool:
        return sid in self.children

    def nested(self, a: int, b: int) -> bool:
        return a in self.ancestors[b] or b in self.ancestors[a]

    def travel_steps(self, va: int | None, vb: int | None) -> int:
        if va is None or vb is None or va == vb:
            return 0
        return self.travel.get((va, vb), 0)

    # -- static venue rules (a venue is out for a session whatever its time) -----------------

    def venue_groups(self, s: Session, v: Venue) -> list[Group]:
        """Groups that rule venue `v` out for session `s` (empty: allowed)."""
        out: list[Group] = []
        if (s.format == "online") != (v.kind == "studio"):
            out.append((FORMAT, s.id))
        if s.venue_kind is not None and s.venue_kind != v.kind:
            out.append((VENUE_KIND, s.id))
        if v.capacity is not None and s.audience > v.capacity:
            out.append((CAPACITY, s.id))
        opens = self.open[v.id]
        if opens is not None and not g.starts_within(opens, self.duration[s.id]):
            out.append((OPEN_HOURS, v.id))
        return out

    def no_venue_groups(self, s: Session) -> list[Group] | None:
        """Groups that rule out running `s` without a venue; None: never allowed."""
        if not s.uses_venue:
            return []
        if s.format != "online":
            return None
        return [] if self.by_stream_of(s) else [(FORMAT, s.id)]

    def by_stream_of(self, s: Session) -> list[str]:
        return [u.strip() for u in s.stream_urls if u.strip()]

    def programme_starts(self, sid: int) -> list[Span]:
        """Starts within the forum days (and the programme's hours, if any)."""
        return g.starts_within(self.programme or [self.window], self.duration[sid])

    def available_starts(self, speaker_id: int, sid: int) -> list[Span] | None:
        spans = self.available.get(speaker_id)
        if spans is None:
            return None
        return g.starts_within(spans, self.duration[sid])


def prepare(problem: Problem) -> Prepared:
    errors: list[tuple[str, str]] = []
    try:
        ZoneInfo(problem.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SolverInputError(
            [
                (
                    f"Unknown time zone {problem.timezone!r}.",
                    f"알 수 없는 시간대입니다: {problem.timezone!r}.",
                )
            ]
        ) from None
    if problem.last_day < problem.first_day:
        errors.append(("The forum ends before it starts.", "포럼 종료일이 시작일보다 앞섭니다."))
    step = problem.step_minutes
    if step <= 0 or (24 * 60) % step:
        errors.append(
            (
                f"The time step must divide a day evenly (got {step} minutes).",
                f"시간 단위는 하루를 나누어떨어지게 해야 합니다(입력: {step}분).",
            )
        )
    if not problem.venues:
        errors.append(
            (
                "The forum has no venues: add at least one before asking for a timetable.",
                "포럼에 장소가 없습니다. 시간표를 만들기 전에 장소를 하나 이상 추가하세요.",
            )
        )
    if errors:
        raise SolverInputError(errors)
    grid = Grid(problem.timezone, problem.first_day, problem.last_day, step)
    prep = Prepared(problem, grid)
    _check_ids(prep, errors)
    if errors:
        raise SolverInputError(errors)
    _check_sessions(prep, errors)
    _check_hours(prep, errors)
    _check_venues(prep, errors)
    _check_speakers(prep, errors)
    _check_breaks_travel_preferences(prep, errors)
    _check_current(prep, errors)
    if errors:
        raise SolverInputError(errors)
    _check_fixed(prep, errors)
    if errors:
        raise SolverInputError(errors)
    return prep


def _title(s: Session) -> tuple[str, str]:
    return f'#{s.id} "{s.title.get("en")}"', f"#{s.id} 「{s.title.get('ko')}」"


def _check_ids(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    p = prep.problem
    for label, ko, items in (
        ("session", "세션", p.sessions),
        ("venue", "장소", p.venues),
        ("speaker", "연사", p.speakers),
    ):
        ids = [i.id for i in items]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            errors.append((f"Two {label}s have the id {dup}.", f"{ko} id {dup}가 중복됩니다."))
    for s in p.sessions:
        en, ko = _title(s)
        for k in s.speaker_ids:
            if k not in prep.speakers:
                errors.append(
                    (
                        f"Session {en} names speaker {k}, who is not in the problem.",
                        f"세션 {ko}: 연사 {k}의 정보가 없습니다.",
                    )
                )
        if s.parent_id is not None and (
            s.parent_id not in prep.sessions or s.id in prep.ancestors.get(s.parent_id, ())
        ):
            errors.append(
                (
                    f"Session {en} belongs to block {s.parent_id}, which is missing or contains"
                    " it in a loop.",
                    f"세션 {ko}: 상위 블록 {s.parent_id}이(가) 없거나 순환 구조입니다.",
                )
            )


def _check_sessions(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    step = prep.grid.step
    for s in prep.problem.sessions:
        en, ko = _title(s)
        if s.duration_minutes <= 0 or s.duration_minutes % step:
            errors.append(
                (
                    f"Session {en} lasts {s.duration_minutes} minutes: it must be a positive"
                    f" multiple of {step} minutes.",
                    f"세션 {ko}: 진행 시간({s.duration_minutes}분)은 {step}분 단위의 양수여야"
                    " 합니다.",
                )
            )
        elif prep.duration[s.id] > prep.grid.end:
            errors.append(
                (
                    f"Session {en} is longer than the forum.",
                    f"세션 {ko}: 포럼 기간보다 깁니다.",
                )
            )
        if s.format not in FORMATS:
            errors.append(
                (
                    f"Session {en}: unknown format {s.format!r}.",
                    f"세션 {ko}: 알 수 없는 형식 {s.format!r}.",
                )
            )
        if s.venue_kind is not None and s.venue_kind not in VENUE_KINDS:
            errors.append(
                (
                    f"Session {en}: unknown venue kind {s.venue_kind!r}.",
                    f"세션 {ko}: 알 수 없는 장소 유형 {s.venue_kind!r}.",
                )
            )
        if s.audience < 0:
            errors.append(
                (
                    f"Session {en}: the audience cannot be negative.",
                    f"세션 {ko}: 예상 인원이 음수입니다.",
                )
            )


def _check_hours(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    hours = prep.problem.hours
    if hours is None:
        return
    opens, closes = hours
    if closes <= opens:
        errors.append(
            (
                f"The programme's hours end ({closes:%H:%M}) no later than they start"
                f" ({opens:%H:%M}).",
                f"프로그램 운영 시간의 끝({closes:%H:%M})이 시작({opens:%H:%M}) 이후가 아닙니다.",
            )
        )
        return
    grid = prep.grid
    prep.programme = g.normalise(
        (grid.ceil(grid.local(d, opens)), grid.floor(grid.local(d, closes))) for d in grid.days
    )


def _check_venues(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    grid = prep.grid
    forum_days = set(grid.days)
    for v in prep.problem.venues:
        name_en, name_ko = v.name.get("en"), v.name.get("ko")
        if v.kind not in VENUE_KINDS:
            errors.append(
                (
                    f"Venue {name_en}: unknown kind {v.kind!r}.",
                    f"장소 {name_ko}: 알 수 없는 유형 {v.kind!r}.",
                )
            )
        if v.capacity is not None and v.capacity < 0:
            errors.append(
                (f"Venue {name_en}: negative capacity.", f"장소 {name_ko}: 수용 인원이 음수입니다.")
            )
        if not v.open_hours:
            prep.open[v.id] = None
            continue
        spans: list[Span] = []
        dated = {h.day for h in v.open_hours if h.day is not None}
        for h in v.open_hours:
            if h.closes <= h.opens:
                errors.append(
                    (
                        f"Venue {name_en}: it closes ({h.closes:%H:%M}) no later than it opens"
                        f" ({h.opens:%H:%M}).",
                        f"장소 {name_ko}: 닫는 시각({h.closes:%H:%M})이 여는 시각"
                        f"({h.opens:%H:%M}) 이후가 아닙니다.",
                    )
                )
                continue
            if h.day is not None and h.day not in forum_days:
                errors.append(
                    (
                        f"Venue {name_en}: opening hours on {h.day}, outside the forum days.",
                        f"장소 {name_ko}: 포럼 기간 밖({h.day})의 운영 시간이 있습니다.",
                    )
                )
                continue
            days = [h.day] if h.day is not None else [d for d in grid.days if d not in dated]
            for d in days:
                spans.append(
                    (grid.ceil(grid.local(d, h.opens)), grid.floor(grid.local(d, h.closes)))
                )
        prep.open[v.id] = g.normalise(spans)


def _check_speakers(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    grid = prep.grid
    for k in prep.problem.speakers:
        name_en, name_ko = k.name.get("en"), k.name.get("ko")
        try:
            zone = ZoneInfo(k.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(
                (
                    f"Speaker {name_en}: unknown time zone {k.timezone!r}.",
                    f"연사 {name_ko}: 알 수 없는 시간대 {k.timezone!r}.",
                )
            )
            continue
        if not k.availability:
            prep.available[k.id] = None
            continue
        windows = sorted(
            (
                (grid.aware(w.start, k.timezone), grid.aware(w.end, k.timezone), i)
                for i, w in enumerate(k.availability)
            ),
            key=lambda item: (item[0], item[1]),
        )
        spans: list[Span] = []
        for start, end, _ in windows:
            said = grid.describe(start, end, zone)
            if end <= start:
                errors.append(
                    (
                        f"Speaker {name_en}: the availability {said} ends before it starts.",
                        f"연사 {name_ko}: 참여 가능 시간 {said}의 끝이 시작보다 앞섭니다.",
                    )
                )
                continue
            lo, hi = grid.minutes(start), grid.minutes(end)
            if hi <= 0 or lo >= grid.end * grid.step:
                errors.append(
                    (
                        f"Speaker {name_en}: the availability {said} ({grid.describe(start, end)})"
                        f" is outside the forum days {grid.days[0]} {_DASH} {grid.days[-1]}.",
                        f"연사 {name_ko}: 참여 가능 시간 {said}({grid.describe_ko(start, end)})이"
                        f"(가) 포럼 기간({grid.days[0]} {_DASH} {grid.days[-1]}) 밖입니다.",
                    )
                )
                continue
            spans.append(grid.span_of(start, end))
        for (s1, e1, _), (s2, e2, _) in itertools.pairwise(windows):
            if s2 < e1:
                errors.append(
                    (
                        f"Speaker {name_en}: the availability windows {grid.describe(s1, e1, zone)}"
                        f" and {grid.describe(s2, e2, zone)} overlap; merge them into one.",
                        f"연사 {name_ko}: 참여 가능 시간 {grid.describe_ko(s1, e1, zone)}와(과)"
                        f" {grid.describe_ko(s2, e2, zone)}이(가) 겹칩니다. 하나로 합치세요.",
                    )
                )
        prep.available[k.id] = g.intersect(g.normalise(spans), [prep.window])


_DASH = "\u2013"


def _check_breaks_travel_preferences(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    grid, p = prep.grid, prep.problem
    spans = []
    for b in p.breaks:
        start, end = grid.aware(b.window.start), grid.aware(b.window.end)
        if end <= start:
            errors.append(
                (
                    f"The break {b.label.get('en')} ends before it starts.",
                    f"휴식 시간 {b.label.get('ko')}의 끝이 시작보다 앞섭니다.",
                )
            )
            continue
        # A break blocks every step it touches.
        spans.append((grid.floor(start), grid.ceil(end)))
    prep.break_spans = g.normalise(spans)
    for t in p.travel:
        if t.venue_a not in prep.venues or t.venue_b not in prep.venues or t.minutes < 0:
            errors.append(
                (
                    "A travel time names an unknown venue or is negative"
                    f" ({t.venue_a}, {t.venue_b}).",
                    f"이동 시간에 알 수 없는 장소가 있거나 음수입니다({t.venue_a}, {t.venue_b}).",
                )
            )
            continue
        steps = grid.steps(t.minutes)
        for key in ((t.venue_a, t.venue_b), (t.venue_b, t.venue_a)):
            prep.travel[key] = max(prep.travel.get(key, 0), steps)
    for s in p.sessions:
        if not s.preferred:
            continue
        pref = []
        for w in s.preferred:
            start, end = grid.aware(w.start), grid.aware(w.end)
            if end <= start:
                en, ko = _title(s)
                errors.append(
                    (
                        f"Session {en}: a preferred slot ends before it starts.",
                        f"세션 {ko}: 선호 시간대의 끝이 시작보다 앞섭니다.",
                    )
                )
                continue
            pref.append(grid.span_of(start, end))
        prep.preferred[s.id] = g.starts_within(g.normalise(pref), prep.duration[s.id])
    for (a, b), n in p.shared_registrants.items():
        if a not in prep.sessions or b not in prep.sessions or n < 0:
            errors.append(
                (
                    f"Shared registrants name an unknown session or are negative ({a}, {b}).",
                    f"공통 등록자 정보에 알 수 없는 세션이 있거나 음수입니다({a}, {b}).",
                )
            )
    for sid, n in p.registrants.items():
        if sid not in prep.sessions or n < 0:
            errors.append(
                (
                    f"Registrants name an unknown session or are negative ({sid}).",
                    f"등록자 수에 알 수 없는 세션이 있거나 음수입니다({sid}).",
                )
            )


def _check_current(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    grid = prep.grid
    for sid, placement in prep.problem.current.items():
        s = prep.sessions.get(sid)
        if s is None:
            errors.append(
                (
                    f"The timetable places session {sid}, which is not in the problem.",
                    f"시간표에 없는 세션 {sid}이(가) 배치되어 있습니다.",
                )
            )
            continue
        en, ko = _title(s)
        if placement.start.tzinfo is None:
            errors.append(
                (
                    f"Session {en}: its start has no time zone.",
                    f"세션 {ko}: 시작 시각에 시간대가 없습니다.",
                )
            )
            continue
        # A venue that is no longer in the problem (a hall lost) is allowed here: the session
        # breaks a rule where it is, and a repair moves it. A fixed session there is refused.
        if not grid.on_grid(placement.start):
            errors.append(
                (
                    f"Session {en} starts at {placement.start.astimezone(grid.zone):%H:%M}, off the"
                    f" {grid.step}-minute grid.",
                    f"세션 {ko}: 시작 시각({placement.start.astimezone(grid.zone):%H:%M})이"
                    f" {grid.step}분 단위가 아닙니다.",
                )
            )
            continue
        prep.current[sid] = (grid.floor(placement.start), placement.venue_id)
    for s in prep.problem.sessions:
        if s.fixed and s.id not in prep.problem.current:
            en, ko = _title(s)
            errors.append(
                (
                    f"Session {en} is fixed but has no place in the timetable.",
                    f"세션 {ko}: 고정된 세션인데 시간표에 배치되어 있지 않습니다.",
                )
            )


def _check_fixed(prep: Prepared, errors: list[tuple[str, str]]) -> None:
    """A fixed point that already breaks a hard rule (alone, or with another fixed point)
    can never be solved around: say so instead of calling it infeasible."""
    from scheduling.solver.check import violations

    fixed = {s.id for s in prep.problem.sessions if s.fixed}
    if not fixed:
        return
    placements = {sid: prep.problem.current[sid] for sid in fixed}
    for reason in violations(prep, placements):
        errors.append(
            (
                "A fixed session breaks a hard rule: " + reason.message_en,
                "고정된 세션이 필수 규칙을 어깁니다: " + reason.message_ko,
            )
        )
