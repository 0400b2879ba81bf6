"""The hard rules and the score of a timetable, checked in plain Python.

Independent of the CP-SAT model: it validates fixed points before solving, vets every proposal
after solving, and scores a timetable from anywhere (the benchmark scores the peer's with it).
The rules conflict detection already owns (venue, speaker, stream, seats, studio, forum days,
blocks) are checked by calling `scheduling.conflicts.find_conflicts`, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from scheduling.conflicts import find_conflicts
from scheduling.solver import grid as g
from scheduling.solver.model import Placement, Reason, Score
from scheduling.solver.prepare import Prepared
from scheduling.types import (
    Bilingual,
    ForumInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
    VenueInfo,
)

ONLINE_NEEDS_STUDIO_OR_STREAM = "online_needs_studio_or_stream"
NEEDS_VENUE = "needs_venue"
WRONG_VENUE_KIND = "wrong_venue_kind"
VENUE_CLOSED = "venue_closed"
SPEAKER_UNAVAILABLE = "speaker_unavailable"
DURING_BREAK = "during_break"
TRAVEL_TOO_SHORT = "travel_too_short"
FIXED_MOVED = "fixed_moved"
OFF_GRID = "off_grid"
VENUE_GONE = "venue_gone"
OUTSIDE_PROGRAMME_HOURS = "outside_programme_hours"

Steps = Mapping[int, tuple[int, int | None]]  # session id -> (start step, venue id)


def to_steps(
    prep: Prepared, placements: Mapping[int, Placement]
) -> dict[int, tuple[int, int | None]]:
    return {sid: (prep.grid.floor(p.start), p.venue_id) for sid, p in placements.items()}


def session_infos(prep: Prepared, steps: Steps) -> list[SessionInfo]:
    """The placed sessions in conflict detection's vocabulary."""
    grid = prep.grid
    venues = {
        v.id: VenueInfo(id=v.id, name=v.name, kind=v.kind, seats=v.capacity)
        for v in prep.problem.venues
    }
    infos = []
    for sid, (start, venue_id) in sorted(steps.items()):
        s = prep.sessions[sid]
        infos.append(
            SessionInfo(
                id=s.id,
                title=s.title,
                kind=s.kind,
                format=s.format,
                start=grid.moment(start),
                end=grid.moment(start + prep.duration[sid]),
                status="scheduled",
                revision=0,
                updated_at=grid.origin,
                venue=venues.get(venue_id) if venue_id is not None else None,
                speakers=tuple(
                    SpeakerRole(k, prep.speakers[k].name, "presenter")
                    for k in dict.fromkeys(s.speaker_ids)
                ),
                streams=tuple(
                    StreamInfo(id=i, platform="", url=u) for i, u in enumerate(prep.by_stream_of(s))
                ),
                parent_id=s.parent_id,
                seats=s.audience,
            )
        )
    return infos


def forum_info(prep: Prepared) -> ForumInfo:
    p = prep.problem
    return ForumInfo(
        id=0,
        slug="",
        title=Bilingual(),
        timezone=p.timezone,
        first_day=p.first_day,
        last_day=p.last_day,
        updated_at=prep.grid.origin,
    )


def violations(prep: Prepared, placements: Mapping[int, Placement]) -> list[Reason]:
    """Every hard rule the (possibly partial) timetable breaks; empty when it is sound."""
    grid = prep.grid
    found: list[Reason] = []
    for sid, p in sorted(placements.items()):
        if not grid.on_grid(p.start):
            found.append(
                _reason(
                    OFF_GRID,
                    (sid,),
                    f"{_en(prep, sid)} starts off the {grid.step}-minute grid.",
                    f"{_ko(prep, sid)}: 시작 시각이 {grid.step}분 단위가 아닙니다.",
                )
            )
    steps = to_steps(prep, placements)
    for c in find_conflicts(forum_info(prep), session_infos(prep, steps)):
        found.append(Reason(c.code, c.session_ids, c.message_en, c.message_ko))
    found.extend(_venue_rules(prep, steps))
    found.extend(_time_rules(prep, steps))
    found.extend(_travel(prep, steps))
    return found


def _en(prep: Prepared, sid: int) -> str:
    return f'Session #{sid} "{prep.sessions[sid].title.get("en")}"'


def _ko(prep: Prepared, sid: int) -> str:
    return f"세션 #{sid} 「{prep.sessions[sid].title.get('ko')}」"


def _reason(code: str, ids: tuple[int, ...], en: str, ko: str) -> Reason:
    return Reason(code, tuple(sorted(ids)), en, ko)


def _venue_rules(prep: Prepared, steps: Steps) -> list[Reason]:
    out = []
    for sid, (_, venue_id) in sorted(steps.items()):
        s = prep.sessions[sid]
        venue = prep.venues.get(venue_id) if venue_id is not None else None
        if venue_id is not None and venue is None:
            out.append(
                _reason(
                    VENUE_GONE,
                    (sid,),
                    f"{_en(prep, sid)} is placed in venue {venue_id}, which is no longer"
                    " available.",
                    f"{_ko(prep, sid)}: 배치된 장소 {venue_id}을(를) 더 이상 쓸 수 없습니다.",
                )
            )
            continue
        if venue is None:
            if s.uses_venue and s.format != "online":
                out.append(
                    _reason(
                        NEEDS_VENUE,
                        (sid,),
                        f"{_en(prep, sid)} has an audience in the room but no venue.",
                        f"{_ko(prep, sid)}: 현장 참석 세션인데 장소가 없습니다.",
                    )
                )
            elif s.format == "online" and not prep.by_stream_of(s):
                out.append(
                    _reason(
                        ONLINE_NEEDS_STUDIO_OR_STREAM,
                        (sid,),
                        f"{_en(prep, sid)} is online with neither a studio nor a stream.",
                        f"{_ko(prep, sid)}: 온라인 세션인데 스튜디오도 중계도 없습니다.",
                    )
                )
            continue
        name_en, name_ko = venue.name.get("en"), venue.name.get("ko")
        if not s.uses_venue:
            out.append(
                _reason(
                    NEEDS_VENUE,
                    (sid,),
                    f"{_en(prep, sid)} takes no venue but is placed in {name_en}.",
                    f"{_ko(prep, sid)}: 장소가 필요 없는 세션인데 {name_ko}에 배치되었습니다.",
                )
            )
        if s.format == "online" and venue.kind != "studio":
            out.append(
                _reason(
                    ONLINE_NEEDS_STUDIO_OR_STREAM,
                    (sid,),
                    f"{_en(prep, sid)} is online: it needs a studio or a stream, not {name_en}.",
                    f"{_ko(prep, sid)}: 온라인 세션은 {name_ko}이(가) 아니라 스튜디오나 중계가"
                    " 필요합니다.",
                )
            )
        if s.venue_kind is not None and venue.kind != s.venue_kind:
            out.append(
                _reason(
                    WRONG_VENUE_KIND,
                    (sid,),
                    f"{_en(prep, sid)} needs a venue of kind {s.venue_kind}; {name_en} is a"
                    f" {venue.kind}.",
                    f"{_ko(prep, sid)}: {s.venue_kind} 유형의 장소가 필요한데 {name_ko}은(는)"
                    f" {venue.kind}입니다.",
                )
            )
    return out


def _time_rules(prep: Prepared, steps: Steps) -> list[Reason]:
    grid = prep.grid
    out = []
    for sid, (start, venue_id) in sorted(steps.items()):
        s = prep.sessions[sid]
        end = start + prep.duration[sid]
        when = grid.describe(grid.moment(start), grid.moment(end))
        when_ko = grid.describe_ko(grid.moment(start), grid.moment(end))
        opens = prep.open.get(venue_id) if venue_id is not None else None
        if opens is not None and not g.covers(opens, start, end):
            venue = prep.venues[venue_id]
            out.append(
                _reason(
                    VENUE_CLOSED,
                    (sid,),
                    f"{_en(prep, sid)} ({when}) is outside the opening hours of"
                    f" {venue.name.get('en')}.",
                    f"{_ko(prep, sid)}({when_ko}): {venue.name.get('ko')} 운영 시간 밖입니다.",
                )
            )
        for k in dict.fromkeys(s.speaker_ids):
            spans = prep.available.get(k)
            if spans is not None and not g.covers(spans, start, end):
                name = prep.speakers[k].name
                out.append(
                    _reason(
                        SPEAKER_UNAVAILABLE,
                        (sid,),
                        f"{name.get('en')} is not available for {_en(prep, sid)} ({when}).",
                        f"{name.get('ko')} 연사는 {_ko(prep, sid)}({when_ko})에 참여할 수"
                        " 없습니다.",
                    )
                )
        if prep.programme is not None and not g.covers(prep.programme, start, end):
            out.append(
                _reason(
                    OUTSIDE_PROGRAMME_HOURS,
                    (sid,),
                    f"{_en(prep, sid)} ({when}) is outside the programme's hours.",
                    f"{_ko(prep, sid)}({when_ko}): 프로그램 운영 시간 밖입니다.",
                )
            )
        if not prep.is_block(sid) and g.intersect([(start, end)], prep.break_spans):
            out.append(
                _reason(
                    DURING_BREAK,
                    (sid,),
                    f"{_en(prep, sid)} ({when}) runs into a break.",
                    f"{_ko(prep, sid)}({when_ko})이(가) 휴식 시간과 겹칩니다.",
                )
            )
        if s.fixed and prep.current.get(sid) != (start, venue_id):
            out.append(
                _reason(
                    FIXED_MOVED,
                    (sid,),
                    f"{_en(prep, sid)} is fixed but was moved.",
                    f"{_ko(prep, sid)}: 고정된 세션이 옮겨졌습니다.",
                )
            )
    return out


def _travel(prep: Prepared, steps: Steps) -> list[Reason]:
    grid = prep.grid
    out = []
    for k, sids in sorted(prep.by_speaker.items()):
        placed = sorted((steps[s][0], s) for s in sids if s in steps)
        for i, (a_start, a) in enumerate(placed):
            for b_start, b in placed[i + 1 :]:
                if prep.nested(a, b):
                    continue
                need = prep.travel_steps(steps[a][1], steps[b][1])
                if need and b_start - (a_start + prep.duration[a]) < need:
                    minutes = need * grid.step
                    name = prep.speakers[k].name
                    out.append(
                        _reason(
                            TRAVEL_TOO_SHORT,
                            (a, b),
                            f"{name.get('en')} needs {minutes} minutes between {_en(prep, a)} and"
                            f" {_en(prep, b)} to travel between their venues.",
                            f"{name.get('ko')} 연사가 {_ko(prep, a)}와(과) {_ko(prep, b)} 사이에"
                            f" 장소를 옮기려면 {minutes}분이 필요합니다.",
                        )
                    )
    return out


def score(
    prep: Prepared, placements: Mapping[int, Placement], *, count_moves: bool = True
) -> Score:
    """Moves against the current timetable, and the soft penalties, of a full timetable."""
    steps = to_steps(prep, placements)
    w = prep.problem.weights
    moved = affected = 0
    if count_moves:
        for sid, here in steps.items():
            before = prep.current.get(sid)
            if before is not None and before != here:
                moved += 1
                affected += prep.problem.registrants.get(sid, 0)
    keep_apart = 0
    for (a, b), shared in sorted(prep.problem.shared_registrants.items()):
        if shared < max(1, w.keep_apart_min_shared) or a not in steps or b not in steps:
            continue
        a0, b0 = steps[a][0], steps[b][0]
        if a0 < b0 + prep.duration[b] and b0 < a0 + prep.duration[a]:
            keep_apart += w.keep_apart * shared
    speaker_days = 0
    for _, sids in sorted(prep.by_speaker.items()):
        days = {prep.grid.day_index(steps[s][0]) for s in sids if s in steps}
        speaker_days += w.speaker_days * max(0, len(days) - 1)
    preferred = 0
    for sid, spans in prep.preferred.items():
        if sid in steps and not any(lo <= steps[sid][0] < hi for lo, hi in spans):
            preferred += w.preferred
    return Score(moved, affected, keep_apart, speaker_days, preferred)
