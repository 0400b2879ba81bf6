"""The programme timetable: one grid per forum day, rooms across and time slots down.

Shaped for a Jinja template that renders a plain HTML `<table>` with rowspans, no JavaScript:

    {% for row in grid.rows %}<tr><th>{{ row.label }}</th>
      {% for cell in row.cells %}
        {% if cell is none %}<td></td>
        {% elif not cell.covered %}
          <td rowspan="{{ cell.rowspan }}">{{ cell.session.title.get(locale) }}</td>
        {% endif %}{# covered: an earlier rowspan fills this slot, so no <td> #}
      {% endfor %}</tr>{% endfor %}

Times are shown in the forum's zone; a session belongs to the local day it starts on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from scheduling.types import Bilingual, ForumInfo, SessionInfo, VenueInfo

ONLINE_ROOM_NAME = Bilingual(ko="온라인", en="Online")
ONLINE_ROOM_KEY = "online"

_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class RoomColumn:
    """A column of the grid: a venue, the "Online" pseudo-room, or an overflow column.

    Overflow columns (`overflow=True`) follow their room's main column and hold sessions that
    overlap another one in the same room, so a double booking never breaks the table.
    """

    key: str  # unique within the day, usable as an HTML id: "venue-12", "venue-12-2", "online"
    venue_id: int | None  # None for the Online pseudo-room
    name: Bilingual
    venue: VenueInfo | None = None
    overflow: bool = False


@dataclass(frozen=True, slots=True)
class GridCell:
    """A session in the slot where it starts; it spans `rowspan` slots downwards."""

    session: SessionInfo
    rowspan: int
    start: datetime  # snapped to the slot grid, forum zone
    end: datetime  # snapped; never past the day's end (see continues_after)
    block: SessionInfo | None = None  # the programme block this part belongs to, if any
    continues_after: bool = False  # the session runs past midnight; the grid stops at the day

    covered: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Covered:
    """A slot filled by the rowspan of a session that started in an earlier row."""

    session: SessionInfo

    covered: ClassVar[bool] = True


Cell = GridCell | Covered | None


@dataclass(frozen=True, slots=True)
class GridRow:
    """One time slot; `cells` has one entry per `DayGrid.rooms` column."""

    start: datetime  # forum zone
    label: str  # "HH:MM"
    cells: list[Cell]

    @property
    def is_hour(self) -> bool:
        """True on the full hour, for a heavier rule in the template."""
        return self.start.minute == 0


@dataclass(frozen=True, slots=True)
class DayGrid:
    """The timetable of one local day. A day without sessions has no rooms and no rows."""

    day: date
    rooms: list[RoomColumn]
    rows: list[GridRow]
    # Programme blocks starting this day, by start: the page shows them as bands or captions,
    # since a block sharing a venue with its parts is left out of the grid in favour of them.
    blocks: list[SessionInfo]
    slot_minutes: int


def sessions_by_day(
    forum: ForumInfo, sessions: Sequence[SessionInfo]
) -> dict[date, list[SessionInfo]]:
    """Sessions keyed by the local day (forum zone) they start on, days ascending.

    Each day's list is sorted by start, then id. Only days with sessions appear.
    """
    zone = ZoneInfo(forum.timezone)
    days: dict[date, list[SessionInfo]] = defaultdict(list)
    for s in sessions:
        days[s.start.astimezone(zone).date()].append(s)
    return {day: sorted(days[day], key=lambda s: (s.start, s.id)) for day in sorted(days)}


def build_grid(
    forum: ForumInfo,
    sessions: Sequence[SessionInfo],
    *,
    slot_minutes: int = 15,
    include_cancelled: bool = True,
) -> list[DayGrid]:
    """One `DayGrid` per day, ascending: every forum day (empty ones too) plus any other day
    that has sessions, such as a tour the evening before the forum.

    Starts are floored and ends ceiled to the slot grid. A block (a session other sessions name
    as `parent_id`) is left out of the grid when it has no venue or shares one with its parts;
    its parts then show in their own venue columns. Sessions that collide in a room after
    snapping go to overflow columns.
    """
    if not 0 < slot_minutes <= _MINUTES_PER_DAY or _MINUTES_PER_DAY % slot_minutes:
        raise ValueError(f"slot_minutes must divide a day evenly, got {slot_minutes}")
    zone = ZoneInfo(forum.timezone)
    pool = [s for s in sessions if include_cancelled or s.status != "cancelled"]
    by_id = {s.id: s for s in pool}

    parts_of: dict[int, list[SessionInfo]] = defaultdict(list)
    for s in pool:
        if s.parent_id is not None and s.parent_id != s.id and s.parent_id in by_id:
            parts_of[s.parent_id].append(s)
    hidden = {
        block_id for block_id, parts in parts_of.items() if _block_hidden(by_id[block_id], parts)
    }

    per_day = sessions_by_day(forum, pool)
    forum_days = _date_range(forum.first_day, forum.last_day)
    grids = []
    for day in sorted(set(forum_days) | set(per_day)):
        day_sessions = per_day.get(day, [])
        grids.append(
            _build_day(
                day,
                zone,
                slot_minutes,
                [s for s in day_sessions if s.id not in hidden],
                blocks=[s for s in day_sessions if s.id in parts_of],
                by_id=by_id,
            )
        )
    return grids


# -- internals --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Placed:
    session: SessionInfo
    first: int  # slot index from local midnight, inclusive
    last: int  # exclusive
    continues_after: bool


def _block_hidden(block: SessionInfo, parts: Sequence[SessionInfo]) -> bool:
    # A venue-less block is a pure container; one sharing a room with its parts would only
    # collide with them there. Either way the parts tell the story and the block is a band.
    if block.venue is None:
        return True
    return any(p.venue is not None and p.venue.id == block.venue.id for p in parts)


def _build_day(
    day: date,
    zone: ZoneInfo,
    slot: int,
    sessions: Sequence[SessionInfo],
    *,
    blocks: list[SessionInfo],
    by_id: dict[int, SessionInfo],
) -> DayGrid:
    placed = [_place(s, day, zone, slot) for s in sessions]
    if not placed:
        return DayGrid(day=day, rooms=[], rows=[], blocks=blocks, slot_minutes=slot)

    by_room: dict[int | None, list[_Placed]] = defaultdict(list)
    for p in placed:
        by_room[p.session.venue.id if p.session.venue is not None else None].append(p)

    rooms: list[RoomColumn] = []
    column_of: dict[int, int] = {}  # session id -> column index
    for room_id in sorted(by_room, key=lambda r: _room_order(r, by_room[r])):
        members = by_room[room_id]
        venue = members[0].session.venue
        lanes = _assign_lanes(members)
        for lane_index, lane in enumerate(lanes):
            for p in lane:
                column_of[p.session.id] = len(rooms)
            rooms.append(_room_column(venue, lane_index))

    top = min(p.first for p in placed)
    bottom = max(p.last for p in placed)
    matrix: list[list[Cell]] = [[None] * len(rooms) for _ in range(top, bottom)]
    for p in placed:
        column = column_of[p.session.id]
        parent = by_id.get(p.session.parent_id) if p.session.parent_id is not None else None
        matrix[p.first - top][column] = GridCell(
            session=p.session,
            rowspan=p.last - p.first,
            start=_slot_time(day, zone, slot, p.first),
            end=_slot_time(day, zone, slot, p.last),
            block=parent,
            continues_after=p.continues_after,
        )
        for index in range(p.first + 1, p.last):
            matrix[index - top][column] = Covered(p.session)

    rows = []
    for index, cells in enumerate(matrix, start=top):
        start = _slot_time(day, zone, slot, index)
        rows.append(GridRow(start=start, label=f"{start:%H:%M}", cells=cells))
    return DayGrid(day=day, rooms=rooms, rows=rows, blocks=blocks, slot_minutes=slot)


def _place(session: SessionInfo, day: date, zone: ZoneInfo, slot: int) -> _Placed:
    """The session's slot range on `day`: floor the start, ceil the end, at least one slot."""
    day_slots = _MINUTES_PER_DAY // slot
    first = _slot_index(session.start.astimezone(zone), slot, ceil=False)
    local_end = session.end.astimezone(zone)
    continues_after = False
    if session.end <= session.start:
        last = first + 1  # bad data still gets a visible cell; conflicts.py reports it
    elif local_end.date() > day:
        # Clip at midnight so one late session can't stretch the day's grid into the next.
        last = day_slots
        continues_after = local_end > datetime.combine(day + timedelta(days=1), time(0), zone)
    else:
        last = _slot_index(local_end, slot, ceil=True)
    return _Placed(session, first, min(max(last, first + 1), day_slots), continues_after)


def _slot_index(local: datetime, slot: int, *, ceil: bool) -> int:
    minutes, remainder = divmod(local.hour * 60 + local.minute, slot)
    if ceil and (remainder or local.second or local.microsecond):
        minutes += 1
    return minutes


def _slot_time(day: date, zone: ZoneInfo, slot: int, index: int) -> datetime:
    # Wall-clock arithmetic on a zoned datetime, so rows follow the local clock.
    return datetime.combine(day, time(0), zone) + timedelta(minutes=index * slot)


def _assign_lanes(members: Sequence[_Placed]) -> list[list[_Placed]]:
    """First-fit interval colouring: a session goes in the first lane free at its start.

    Lane 0 is the room's real column; a session that collides with an earlier one (by start)
    lands in a later lane, which becomes an overflow column.
    """
    lanes: list[list[_Placed]] = []
    for p in sorted(members, key=lambda p: (p.first, p.session.start, p.last, p.session.id)):
        for lane in lanes:
            if lane[-1].last <= p.first:
                lane.append(p)
                break
        else:
            lanes.append([p])
    return lanes


def _room_order(room_id: int | None, members: Sequence[_Placed]) -> tuple[datetime, str, int]:
    """Rooms by first use that day, then name, then id, so the column order is stable."""
    venue = members[0].session.venue
    name = venue.name if venue is not None else ONLINE_ROOM_NAME
    first_use = min(p.session.start for p in members)
    return first_use, (name.en or name.ko).casefold(), -1 if room_id is None else room_id


def _room_column(venue: VenueInfo | None, lane: int) -> RoomColumn:
    base = ONLINE_ROOM_KEY if venue is None else f"venue-{venue.id}"
    return RoomColumn(
        key=base if lane == 0 else f"{base}-{lane + 1}",
        venue_id=venue.id if venue is not None else None,
        name=venue.name if venue is not None else ONLINE_ROOM_NAME,
        venue=venue,
        overflow=lane > 0,
    )


def _date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
