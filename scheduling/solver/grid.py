"""Time as the solver sees it: whole steps counted from local midnight of the forum's first day.

Spans are half-open `(start, end)` pairs of steps, kept as sorted, disjoint lists. The day
boundaries are computed through the forum's zone, so a daylight-saving change stays right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]

_DASH = "\u2013"


class Grid:
    def __init__(self, timezone: str, first_day: date, last_day: date, step_minutes: int) -> None:
        self.zone = ZoneInfo(timezone)
        self.step = step_minutes
        self.first_day = first_day
        self.days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        self.origin = datetime.combine(first_day, time(0), tzinfo=self.zone).astimezone(UTC)
        # Day i runs over [day_spans[i][0], day_spans[i][1]); the last end closes the forum.
        self.day_spans: list[Span] = [
            (self.floor(self.local(d, time(0))), self.floor(self.local(d + timedelta(1), time(0))))
            for d in self.days
        ]
        self.end = self.day_spans[-1][1]

    # -- conversions ------------------------------------------------------------------------

    def local(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone)

    def aware(self, moment: datetime, zone: str | None = None) -> datetime:
        """`moment` with a zone: naive ones are read in `zone` (default: the forum's)."""
        if moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=ZoneInfo(zone) if zone else self.zone)

    def minutes(self, moment: datetime) -> float:
        return (moment.astimezone(UTC) - self.origin).total_seconds() / 60

    def on_grid(self, moment: datetime) -> bool:
        return self.minutes(moment) % self.step == 0

    def floor(self, moment: datetime) -> int:
        return int(self.minutes(moment) // self.step)

    def ceil(self, moment: datetime) -> int:
        return -int(-self.minutes(moment) // self.step)

    def steps(self, minutes: int) -> int:
        """Whole steps covering `minutes` (a travel time rounds up)."""
        return -(-minutes // self.step)

    def moment(self, step: int) -> datetime:
        return self.origin + timedelta(minutes=step * self.step)

    def span_of(self, start: datetime, end: datetime, zone: str | None = None) -> Span:
        """The whole steps inside [start, end) (a window shrinks to the grid)."""
        return (self.ceil(self.aware(start, zone)), self.floor(self.aware(end, zone)))

    def day_index(self, step: int) -> int | None:
        for i, (lo, hi) in enumerate(self.day_spans):
            if lo <= step < hi:
                return i
        return None

    # -- words ------------------------------------------------------------------------------

    def describe(self, start: datetime, end: datetime, zone: ZoneInfo | None = None) -> str:
        """'day 1 (2025-10-14) 10:00–11:00 KST' in `zone` (default: the forum's)."""
        zone = zone or self.zone
        lo, hi = start.astimezone(zone), end.astimezone(zone)
        forum_day = start.astimezone(self.zone).date()
        label = (
            f"day {(forum_day - self.first_day).days + 1} ({lo:%Y-%m-%d})"
            if zone is self.zone and self.first_day <= forum_day <= self.days[-1]
            else f"{lo:%Y-%m-%d}"
        )
        tail = f"{hi:%H:%M}" if lo.date() == hi.date() else f"{hi:%Y-%m-%d %H:%M}"
        return f"{label} {lo:%H:%M}{_DASH}{tail} {lo:%Z}"

    def describe_ko(self, start: datetime, end: datetime, zone: ZoneInfo | None = None) -> str:
        zone = zone or self.zone
        lo, hi = start.astimezone(zone), end.astimezone(zone)
        forum_day = start.astimezone(self.zone).date()
        label = (
            f"{(forum_day - self.first_day).days + 1}일차({lo:%Y-%m-%d})"
            if zone is self.zone and self.first_day <= forum_day <= self.days[-1]
            else f"{lo:%Y-%m-%d}"
        )
        tail = f"{hi:%H:%M}" if lo.date() == hi.date() else f"{hi:%Y-%m-%d %H:%M}"
        return f"{label} {lo:%H:%M}{_DASH}{tail} {lo:%Z}"


# -- span lists -------------------------------------------------------------------------------


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sorted, merged, non-empty spans."""
    out: list[Span] = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    for lo, hi in a:
        cursor = lo
        for blo, bhi in b:
            if bhi <= cursor or blo >= hi:
                continue
            if blo > cursor:
                out.append((cursor, blo))
            cursor = max(cursor, bhi)
        if cursor < hi:
            out.append((cursor, hi))
    return out


def starts_within(spans: list[Span], duration: int) -> list[Span]:
    """Start steps (as half-open spans) at which `duration` steps fit inside one span."""
    return [(lo, hi - duration + 1) for lo, hi in spans if hi - lo >= duration]


def starts_avoiding(blocked: list[Span], duration: int, horizon: Span) -> list[Span]:
    """Start steps within `horizon` at which [start, start + duration) meets no blocked span."""
    hits = normalise((lo - duration + 1, hi) for lo, hi in blocked)
    return subtract([horizon], hits)


def covers(spans: list[Span], lo: int, hi: int) -> bool:
    return any(a <= lo and hi <= b for a, b in spans)
