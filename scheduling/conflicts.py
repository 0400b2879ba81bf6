"""Schedule conflict detection for one forum's sessions.

Pure: takes the plain dataclasses from `scheduling.types` and returns `Conflict` records.
Organizers may accept a conflict (a pre-event tour the evening before is legitimate), so each
conflict carries a stable `key` the app can store and match against later runs.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.types import ForumInfo, SessionInfo

END_NOT_AFTER_START = "end_not_after_start"
OUTSIDE_FORUM_DAYS = "outside_forum_days"
VENUE_DOUBLE_BOOKED = "venue_double_booked"
SPEAKER_DOUBLE_BOOKED = "speaker_double_booked"
SEATS_EXCEED_VENUE = "seats_exceed_venue"
AUDIENCE_IN_STUDIO = "audience_in_studio"
STREAM_SHARED = "stream_shared"
PART_OUTSIDE_BLOCK = "part_outside_block"

CODES: tuple[str, ...] = (
    AUDIENCE_IN_STUDIO,
    END_NOT_AFTER_START,
    OUTSIDE_FORUM_DAYS,
    PART_OUTSIDE_BLOCK,
    SEATS_EXCEED_VENUE,
    SPEAKER_DOUBLE_BOOKED,
    STREAM_SHARED,
    VENUE_DOUBLE_BOOKED,
)

_DASH = "\u2013"  # en dash for time ranges, spelled out so linters don't take it for a hyphen

# Formats that put an audience in the room; "online" sessions may use a studio freely.
_AUDIENCE_FORMATS = frozenset({"in_person", "hybrid"})


@dataclass(frozen=True, slots=True)
class Conflict:
    """One problem in the schedule.

    `key` identifies the conflict across runs ("venue_double_booked:12:15"); it only changes when
    the facts change (other sessions, another speaker, another stream URL), so a recorded
    acceptance keeps matching until then.
    """

    code: str
    session_ids: tuple[int, ...]
    message_en: str
    message_ko: str
    key: str


def find_conflicts(forum: ForumInfo, sessions: Sequence[SessionInfo]) -> list[Conflict]:
    """Every conflict among `sessions`, sorted by code, then session ids, then key.

    Cancelled sessions only get `end_not_after_start` (bad data is worth fixing either way);
    they never collide with anything. Overlap checks sort and sweep per venue, speaker and
    stream, so the cost is O(n log n) plus the number of conflicts found.
    """
    ctx = _Context(forum, sessions)
    found: list[Conflict] = []
    found.extend(_check_end_after_start(ctx))
    live = [s for s in sessions if s.status != "cancelled"]
    found.extend(_check_outside_forum_days(ctx, live))
    found.extend(_check_seats(ctx, live))
    found.extend(_check_studio(ctx, live))
    found.extend(_check_part_outside_block(ctx, live))
    # Zero/negative-length sessions overlap nothing; they are already reported above.
    timed = [s for s in live if s.end > s.start]
    found.extend(_check_venue_overlaps(ctx, timed))
    found.extend(_check_speaker_overlaps(ctx, timed))
    found.extend(_check_stream_overlaps(ctx, timed))
    found.sort(key=lambda c: (c.code, c.session_ids, c.key))
    return found


# -- context and formatting -------------------------------------------------------------------


class _Context:
    """Lookups shared by the checks: the forum's zone and each session's block ancestry."""

    def __init__(self, forum: ForumInfo, sessions: Sequence[SessionInfo]) -> None:
        self.forum = forum
        self.zone = ZoneInfo(forum.timezone)
        self.by_id: dict[int, SessionInfo] = {s.id: s for s in sessions}
        self._ancestors: dict[int, frozenset[int]] = {}

    def ancestors(self, session: SessionInfo) -> frozenset[int]:
        """Ids of the blocks containing `session`, transitively (guarded against cycles)."""
        cached = self._ancestors.get(session.id)
        if cached is not None:
            return cached
        seen: set[int] = set()
        parent = session.parent_id
        while parent is not None and parent not in seen and parent != session.id:
            seen.add(parent)
            block = self.by_id.get(parent)
            parent = block.parent_id if block is not None else None
        result = frozenset(seen)
        self._ancestors[session.id] = result
        return result

    def nested(self, a: SessionInfo, b: SessionInfo) -> bool:
        """True when one session is a block containing the other: they overlap by design."""
        return a.id in self.ancestors(b) or b.id in self.ancestors(a)

    def when(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def span(self, start: datetime, end: datetime) -> str:
        """Start and end in the forum zone; the end shows its date only if it differs."""
        local_start = start.astimezone(self.zone)
        local_end = end.astimezone(self.zone)
        if local_start.date() == local_end.date():
            return f"{local_start:%Y-%m-%d %H:%M}{_DASH}{local_end:%H:%M}"
        return f"{local_start:%Y-%m-%d %H:%M}{_DASH}{local_end:%Y-%m-%d %H:%M}"


def _en(session: SessionInfo) -> str:
    return f'#{session.id} "{session.title.get("en")}"'


def _ko(session: SessionInfo) -> str:
    # Corner brackets keep Korean particles off the title, whose last syllable we can't know.
    return f"#{session.id} 「{session.title.get('ko')}」"


def _pair_key(code: str, ids: Iterable[int], *extra: str) -> str:
    return ":".join([code, *(str(i) for i in sorted(ids)), *extra])


def _one(code: str, session: SessionInfo, en: str, ko: str) -> Conflict:
    return Conflict(code, (session.id,), en, ko, _pair_key(code, [session.id]))


# -- single-session checks --------------------------------------------------------------------


def _check_end_after_start(ctx: _Context) -> Iterator[Conflict]:
    for s in ctx.by_id.values():
        if s.end <= s.start:
            yield _one(
                END_NOT_AFTER_START,
                s,
                f"Session {_en(s)} ends ({ctx.when(s.end)}) no later than it starts "
                f"({ctx.when(s.start)}).",
                f"세션 {_ko(s)}: 종료 시각({ctx.when(s.end)})이 시작 시각({ctx.when(s.start)}) "
                "이후가 아닙니다.",
            )


def _check_outside_forum_days(ctx: _Context, live: Sequence[SessionInfo]) -> Iterator[Conflict]:
    # Local midnights, so the window follows the forum's calendar days, not UTC's.
    window_start = _local_midnight(ctx.forum.first_day, ctx.zone)
    window_end = _local_midnight(ctx.forum.last_day + timedelta(days=1), ctx.zone)
    first, last = ctx.forum.first_day.isoformat(), ctx.forum.last_day.isoformat()
    for s in live:
        starts_inside = window_start <= s.start < window_end
        ends_inside = window_start <= s.end <= window_end
        if starts_inside and ends_inside:
            continue
        yield _one(
            OUTSIDE_FORUM_DAYS,
            s,
            f"Session {_en(s)} ({ctx.span(s.start, s.end)}) falls outside the forum days "
            f"{first} {_DASH} {last}.",
            f"세션 {_ko(s)}({ctx.span(s.start, s.end)}): 포럼 기간({first} {_DASH} {last}) 밖의 "
            "일정입니다.",
        )


def _check_seats(ctx: _Context, live: Sequence[SessionInfo]) -> Iterator[Conflict]:
    for s in live:
        venue = s.venue
        if venue is None or venue.seats is None or s.seats is None or s.seats <= venue.seats:
            continue
        yield _one(
            SEATS_EXCEED_VENUE,
            s,
            f"Session {_en(s)} offers {s.seats} seats but {venue.name.get('en')} holds "
            f"{venue.seats}.",
            f"세션 {_ko(s)}: 좌석 수({s.seats})가 장소({venue.name.get('ko')})의 수용 인원"
            f"({venue.seats})을 넘습니다.",
        )


def _check_studio(ctx: _Context, live: Sequence[SessionInfo]) -> Iterator[Conflict]:
    for s in live:
        venue = s.venue
        if venue is None or venue.kind != "studio" or s.format not in _AUDIENCE_FORMATS:
            continue
        yield _one(
            AUDIENCE_IN_STUDIO,
            s,
            f"Session {_en(s)} is {s.format.replace('_', '-')} but {venue.name.get('en')} is a "
            "broadcast studio with no audience.",
            f"세션 {_ko(s)}: 현장 참석이 있는 세션인데 장소({venue.name.get('ko')})는 관객이 "
            "없는 방송 스튜디오입니다.",
        )


def _check_part_outside_block(ctx: _Context, live: Sequence[SessionInfo]) -> Iterator[Conflict]:
    for part in live:
        if part.parent_id is None:
            continue
        block = ctx.by_id.get(part.parent_id)
        # A missing block can't be checked; a cancelled block still defines the frame.
        if block is None or block.id == part.id:
            continue
        if block.start <= part.start and part.end <= block.end:
            continue
        ids = (block.id, part.id)
        yield Conflict(
            PART_OUTSIDE_BLOCK,
            tuple(sorted(ids)),
            f"Part {_en(part)} ({ctx.span(part.start, part.end)}) runs outside its block "
            f"{_en(block)} ({ctx.span(block.start, block.end)}).",
            f"세부 세션 {_ko(part)}({ctx.span(part.start, part.end)})의 시간이 상위 블록 "
            f"{_ko(block)}({ctx.span(block.start, block.end)})의 범위를 벗어납니다.",
            _pair_key(PART_OUTSIDE_BLOCK, ids),
        )


# -- overlap checks ---------------------------------------------------------------------------


def _overlapping_pairs(
    sessions: Iterable[SessionInfo],
) -> Iterator[tuple[SessionInfo, SessionInfo]]:
    """Pairs of overlapping sessions (touching ends don't count), by sort and sweep.

    A min-heap of end times holds the sessions still running at each start, so every heap entry
    overlaps the newcomer: O(n log n) plus one step per pair reported.
    """
    ordered = sorted(sessions, key=lambda s: (s.start, s.end, s.id))
    running: list[tuple[datetime, int, SessionInfo]] = []
    for s in ordered:
        while running and running[0][0] <= s.start:
            heapq.heappop(running)
        for _, _, other in running:
            yield other, s
        heapq.heappush(running, (s.end, s.id, s))


def _grouped_overlaps(
    ctx: _Context,
    sessions: Sequence[SessionInfo],
    resources: Callable[[SessionInfo], Iterable[Hashable]],
) -> Iterator[tuple[Hashable, SessionInfo, SessionInfo]]:
    """Overlapping pairs sharing a resource, skipping a block paired with its own parts."""
    groups: dict[Hashable, list[SessionInfo]] = defaultdict(list)
    for s in sessions:
        for resource in set(resources(s)):
            groups[resource].append(s)
    for resource, members in groups.items():
        if len(members) < 2:
            continue
        for a, b in _overlapping_pairs(members):
            if not ctx.nested(a, b):
                first, second = (a, b) if a.id < b.id else (b, a)
                yield resource, first, second


def _overlap_span(ctx: _Context, a: SessionInfo, b: SessionInfo) -> str:
    return ctx.span(max(a.start, b.start), min(a.end, b.end))


def _check_venue_overlaps(ctx: _Context, timed: Sequence[SessionInfo]) -> Iterator[Conflict]:
    def venue_of(s: SessionInfo) -> list[int]:
        return [s.venue.id] if s.venue is not None else []

    for _, a, b in _grouped_overlaps(ctx, timed, venue_of):
        assert a.venue is not None  # grouped by venue, so both have one
        when = _overlap_span(ctx, a, b)
        yield Conflict(
            VENUE_DOUBLE_BOOKED,
            (a.id, b.id),
            f"Sessions {_en(a)} and {_en(b)} overlap in {a.venue.name.get('en')} ({when}).",
            f"같은 장소({a.venue.name.get('ko')})에서 시간이 겹치는 세션: {_ko(a)}, {_ko(b)} "
            f"({when})",
            _pair_key(VENUE_DOUBLE_BOOKED, (a.id, b.id)),
        )


def _check_speaker_overlaps(ctx: _Context, timed: Sequence[SessionInfo]) -> Iterator[Conflict]:
    def speakers_of(s: SessionInfo) -> list[int]:
        return [role.speaker_id for role in s.speakers]

    for speaker_id, a, b in _grouped_overlaps(ctx, timed, speakers_of):
        # One conflict per speaker: accepting Kim's clash must not hide Lee's.
        role = next(r for r in a.speakers if r.speaker_id == speaker_id)
        when = _overlap_span(ctx, a, b)
        yield Conflict(
            SPEAKER_DOUBLE_BOOKED,
            (a.id, b.id),
            f"Speaker {role.name.get('en')} is in two overlapping sessions: {_en(a)} and "
            f"{_en(b)} ({when}).",
            f"시간이 겹치는 두 세션에 같은 연사({role.name.get('ko')})가 배정되어 있습니다: "
            f"{_ko(a)}, {_ko(b)} ({when})",
            _pair_key(SPEAKER_DOUBLE_BOOKED, (a.id, b.id), f"speaker={speaker_id}"),
        )


def _check_stream_overlaps(ctx: _Context, timed: Sequence[SessionInfo]) -> Iterator[Conflict]:
    def urls_of(s: SessionInfo) -> list[str]:
        return [stream.url.strip() for stream in s.streams if stream.url.strip()]

    for url, a, b in _grouped_overlaps(ctx, timed, urls_of):
        assert isinstance(url, str)
        # A short digest keeps the key compact but still tied to this exact URL.
        digest = hashlib.sha256(url.encode()).hexdigest()[:12]
        when = _overlap_span(ctx, a, b)
        yield Conflict(
            STREAM_SHARED,
            (a.id, b.id),
            f"Sessions {_en(a)} and {_en(b)} overlap ({when}) and use the same stream {url}.",
            f"시간이 겹치는 세션이 같은 중계 주소({url})를 사용합니다: {_ko(a)}, {_ko(b)} ({when})",
            _pair_key(STREAM_SHARED, (a.id, b.id), f"url={digest}"),
        )


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
