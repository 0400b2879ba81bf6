"""Why a problem has no timetable: a minimal set of clashing constraint groups, in words.

CP-SAT is asked to solve with every group switched on by an assumption literal; when it proves
infeasibility it names a sufficient subset of the assumptions. That subset is then shrunk by
deletion (drop a group; still infeasible? leave it out), so each group left is needed for the
clash. Assumptions need a single worker and no objective, so this is a model of its own.
"""

from __future__ import annotations

import time as clock
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from scheduling.solver.cpsat import TimetableModel
from scheduling.solver.model import Reason
from scheduling.solver.prepare import (
    AVAILABILITY,
    BLOCK,
    BREAKS,
    CAPACITY,
    FIXED,
    FORMAT,
    FORUM_DAYS,
    OPEN_HOURS,
    SPEAKER,
    STREAM,
    TRAVEL,
    VENUE,
    VENUE_KIND,
    Group,
    Prepared,
)

_ORDER = (
    AVAILABILITY,
    FIXED,
    BLOCK,
    SPEAKER,
    TRAVEL,
    VENUE,
    OPEN_HOURS,
    CAPACITY,
    FORMAT,
    VENUE_KIND,
    STREAM,
    BREAKS,
    FORUM_DAYS,
)
_DASH = "\u2013"


def clashing_groups(
    prep: Prepared, *, mode: str, seed: int, seconds: float
) -> tuple[list[Group], bool]:
    """A set of groups that cannot all hold, and whether it is known to be minimal."""
    deadline = clock.monotonic() + seconds
    tm = TimetableModel(prep, mode=mode, explain=True)
    keys = sorted(tm.groups, key=_sort_key)
    by_index = {tm.groups[k].index: k for k in keys}

    def run(active: list[Group]) -> tuple[int, list[Group]]:
        tm.model.clear_assumptions()
        tm.model.add_assumptions([tm.groups[k] for k in active])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_time_in_seconds = max(0.01, deadline - clock.monotonic())
        status = solver.solve(tm.model)
        core: list[Group] = []
        if status == cp_model.INFEASIBLE:
            core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        return status, core

    status, core = run(keys)
    if status != cp_model.INFEASIBLE:
        return [], False
    core = sorted(set(core) or keys, key=_sort_key)
    minimal = True
    i = 0
    while i < len(core):
        if clock.monotonic() >= deadline:
            minimal = False
            break
        trial = core[:i] + core[i + 1 :]
        status, smaller = run(trial)
        if status == cp_model.INFEASIBLE:
            kept = set(smaller) & set(trial)
            core = [k for k in trial if k in kept] if kept else trial
        else:
            if status not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
                minimal = False
            i += 1
    return core, minimal


def _sort_key(group: Group) -> tuple:
    return (_ORDER.index(group[0]), *(str(part) for part in group[1:]))


# -- words ------------------------------------------------------------------------------------


def describe(prep: Prepared, group: Group) -> Reason:
    kind = group[0]
    return _DESCRIBE[kind](prep, *group[1:])


def _title(prep: Prepared, sid: int) -> tuple[str, str]:
    s = prep.sessions[sid]
    return f'"{s.title.get("en")}"', f"「{s.title.get('ko')}」"


def _titles(prep: Prepared, sids) -> tuple[str, str]:
    pairs = [_title(prep, sid) for sid in sids]
    return ", ".join(en for en, _ in pairs), ", ".join(ko for _, ko in pairs)


def _forum_days(prep: Prepared) -> Reason:
    first, last = prep.grid.days[0], prep.grid.days[-1]
    hours = prep.problem.hours
    en = ko = ""
    if hours is not None:
        en = f", {hours[0]:%H:%M}{_DASH}{hours[1]:%H:%M} each day"
        ko = f", 매일 {hours[0]:%H:%M}{_DASH}{hours[1]:%H:%M}"
    return Reason(
        FORUM_DAYS,
        (),
        f"Every session must fall within the forum days {first} {_DASH} {last}{en}"
        f" ({prep.problem.timezone}).",
        f"모든 세션은 포럼 기간({first} {_DASH} {last}{ko}, {prep.problem.timezone}) 안에"
        " 있어야 합니다.",
    )


def _fixed(prep: Prepared, sid: int) -> Reason:
    step, venue_id = prep.current[sid]
    start = prep.grid.moment(step)
    end = prep.grid.moment(step + prep.duration[sid])
    en, ko = _title(prep, sid)
    venue = prep.venues.get(venue_id) if venue_id is not None else None
    where_en = f" in {venue.name.get('en')}" if venue else ""
    where_ko = f", {venue.name.get('ko')}" if venue else ""
    return Reason(
        FIXED,
        (sid,),
        f"{en} is fixed on {prep.grid.describe(start, end)}{where_en}.",
        f"{ko}: {prep.grid.describe_ko(start, end)}{where_ko}에 고정되어 있습니다.",
    )


def _venue(prep: Prepared, venue_id: int) -> Reason:
    v = prep.venues[venue_id]
    return Reason(
        VENUE,
        (),
        f"{v.name.get('en')} holds one session at a time.",
        f"{v.name.get('ko')}에서는 한 번에 한 세션만 열 수 있습니다.",
    )


def _speaker(prep: Prepared, speaker_id: int) -> Reason:
    name = prep.speakers[speaker_id].name
    sids = tuple(prep.by_speaker[speaker_id])
    en, ko = _titles(prep, sids)
    return Reason(
        SPEAKER,
        sids,
        f"{name.get('en')} can be in one session at a time ({en}).",
        f"{name.get('ko')} 연사는 한 번에 한 세션에만 참여할 수 있습니다({ko}).",
    )


def _stream(prep: Prepared, url: str) -> Reason:
    sids = tuple(prep.by_stream[url])
    en, ko = _titles(prep, sids)
    return Reason(
        STREAM,
        sids,
        f"The stream {url} carries one session at a time ({en}).",
        f"중계 주소 {url}로는 한 번에 한 세션만 중계할 수 있습니다({ko}).",
    )


def _capacity(prep: Prepared, sid: int) -> Reason:
    s = prep.sessions[sid]
    en, ko = _title(prep, sid)
    fitting = [
        v.capacity
        for v in prep.problem.venues
        if v.capacity is not None and (s.venue_kind is None or v.kind == s.venue_kind)
    ]
    most = max(fitting, default=0)
    return Reason(
        CAPACITY,
        (sid,),
        f"{en} expects {s.audience} people; its venues hold at most {most}.",
        f"{ko}의 예상 인원은 {s.audience}명인데 장소의 최대 수용 인원은 {most}명입니다.",
    )


def _format(prep: Prepared, sid: int) -> Reason:
    s = prep.sessions[sid]
    en, ko = _title(prep, sid)
    if s.format == "online":
        return Reason(
            FORMAT,
            (sid,),
            f"{en} is online: it needs a studio or a stream, not a hall.",
            f"{ko}은(는) 온라인 세션이라 홀이 아니라 스튜디오나 중계가 필요합니다.",
        )
    return Reason(
        FORMAT,
        (sid,),
        f"{en} has an audience in the room, so it cannot be in a studio.",
        f"{ko}은(는) 현장 관객이 있는 세션이라 스튜디오에서 열 수 없습니다.",
    )


def _venue_kind(prep: Prepared, sid: int) -> Reason:
    s = prep.sessions[sid]
    en, ko = _title(prep, sid)
    return Reason(
        VENUE_KIND,
        (sid,),
        f"{en} needs a venue of kind {s.venue_kind}.",
        f"{ko}에는 {s.venue_kind} 유형의 장소가 필요합니다.",
    )


def _open_hours(prep: Prepared, venue_id: int) -> Reason:
    v = prep.venues[venue_id]
    spans = prep.open[venue_id] or []
    grid = prep.grid
    en = ", ".join(grid.describe(grid.moment(lo), grid.moment(hi)) for lo, hi in spans)
    ko = ", ".join(grid.describe_ko(grid.moment(lo), grid.moment(hi)) for lo, hi in spans)
    return Reason(
        OPEN_HOURS,
        (),
        f"{v.name.get('en')} is open only {en or 'never'}.",
        f"{v.name.get('ko')}의 운영 시간은 {ko or '없음'}뿐입니다.",
    )


def _breaks(prep: Prepared) -> Reason:
    grid = prep.grid
    spans = prep.break_spans
    en = ", ".join(grid.describe(grid.moment(lo), grid.moment(hi)) for lo, hi in spans)
    ko = ", ".join(grid.describe_ko(grid.moment(lo), grid.moment(hi)) for lo, hi in spans)
    return Reason(
        BREAKS,
        (),
        f"No session may run during the breaks ({en}).",
        f"휴식 시간({ko})에는 세션을 열 수 없습니다.",
    )


def _block(prep: Prepared, sid: int) -> Reason:
    parent = prep.sessions[sid].parent_id
    assert parent is not None
    en, ko = _title(prep, sid)
    pen, pko = _title(prep, parent)
    return Reason(
        BLOCK,
        (sid, parent),
        f"{en} must run within its block {pen}.",
        f"{ko}은(는) 상위 블록 {pko}의 시간 안에 있어야 합니다.",
    )


def _availability(prep: Prepared, speaker_id: int) -> Reason:
    speaker = prep.speakers[speaker_id]
    zone = ZoneInfo(speaker.timezone)
    grid = prep.grid
    spans = prep.available[speaker_id] or []
    parts_en, parts_ko = [], []
    for lo, hi in spans:
        start, end = grid.moment(lo), grid.moment(hi)
        own_en, own_ko = grid.describe(start, end, zone), grid.describe_ko(start, end, zone)
        if speaker.timezone != prep.problem.timezone:
            own_en += f" ({grid.describe(start, end)})"
            own_ko += f"({grid.describe_ko(start, end)})"
        parts_en.append(own_en)
        parts_ko.append(own_ko)
    sids = tuple(prep.by_speaker[speaker_id])
    count = len(sids)
    en_sessions = {1: "their session", 2: "both of their sessions"}.get(
        count, f"all {count} of their sessions"
    )
    return Reason(
        AVAILABILITY,
        sids,
        f"{speaker.name.get('en')} is available {', '.join(parts_en) or 'never'} only;"
        f" {en_sessions} must fit in that time.",
        f"{speaker.name.get('ko')} 연사는 {', '.join(parts_ko) or '참여 가능 시간 없음'}에만"
        f" 참여할 수 있고, 세션 {count}개가 그 안에 들어가야 합니다.",
    )


def _travel(prep: Prepared, speaker_id: int) -> Reason:
    name = prep.speakers[speaker_id].name
    pairs = sorted(
        {(min(a, b), max(a, b), steps) for (a, b), steps in prep.travel.items() if steps}
    )
    en = ", ".join(
        f"{prep.venues[a].name.get('en')} {_DASH} {prep.venues[b].name.get('en')}"
        f" {steps * prep.grid.step} min"
        for a, b, steps in pairs
    )
    ko = ", ".join(
        f"{prep.venues[a].name.get('ko')} {_DASH} {prep.venues[b].name.get('ko')}"
        f" {steps * prep.grid.step}분"
        for a, b, steps in pairs
    )
    return Reason(
        TRAVEL,
        tuple(prep.by_speaker[speaker_id]),
        f"{name.get('en')} needs time to travel between venues ({en}).",
        f"{name.get('ko')} 연사는 장소 사이를 이동할 시간이 필요합니다({ko}).",
    )


_DESCRIBE = {
    FORUM_DAYS: _forum_days,
    FIXED: _fixed,
    VENUE: _venue,
    SPEAKER: _speaker,
    STREAM: _stream,
    CAPACITY: _capacity,
    FORMAT: _format,
    VENUE_KIND: _venue_kind,
    OPEN_HOURS: _open_hours,
    BREAKS: _breaks,
    BLOCK: _block,
    AVAILABILITY: _availability,
    TRAVEL: _travel,
}
