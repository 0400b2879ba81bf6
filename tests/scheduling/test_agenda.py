"""The timetable grid: rooms across, slots down, rowspans and covered cells per day."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.agenda import (
    ONLINE_ROOM_NAME,
    Covered,
    DayGrid,
    GridCell,
    build_grid,
    sessions_by_day,
)
from scheduling.types import Bilingual, ForumInfo, SessionInfo, VenueInfo

KST = ZoneInfo("Asia/Seoul")
DAY1 = date(2025, 10, 14)
DAY2 = date(2025, 10, 15)
DAY3 = date(2025, 10, 16)

HALL = VenueInfo(1, Bilingual("대강당", "Main Hall"), "hall", seats=300)
CONF = VenueInfo(2, Bilingual("회의실 B", "Conference Room B"), "hall", seats=40)
ROOM_A = VenueInfo(3, Bilingual("회의실 A", "Room A"), "hall", seats=30)
OFFSITE = VenueInfo(4, Bilingual("세운상가", "Sewoon Plaza"), "offsite")


def forum(first: date = DAY1, last: date = DAY1) -> ForumInfo:
    return ForumInfo(
        id=1,
        slug="smart-seoul-2025",
        title=Bilingual("스마트 서울 포럼", "Smart Seoul Forum"),
        timezone="Asia/Seoul",
        first_day=first,
        last_day=last,
        updated_at=datetime(2025, 9, 1, tzinfo=UTC),
    )


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def session(
    id: int,
    start: str | datetime,
    end: str | datetime,
    *,
    day: date = DAY1,
    venue: VenueInfo | None = HALL,
    status: str = "scheduled",
    parent_id: int | None = None,
) -> SessionInfo:
    return SessionInfo(
        id=id,
        title=Bilingual(f"세션 {id}", f"Session {id}"),
        kind="talk",
        format="in_person" if venue is not None else "online",
        start=at(day, start) if isinstance(start, str) else start,
        end=at(day, end) if isinstance(end, str) else end,
        status=status,
        revision=1,
        updated_at=datetime(2025, 9, 1, tzinfo=UTC),
        venue=venue,
        parent_id=parent_id,
    )


def one_day(sessions: list[SessionInfo], **kwargs: int | bool) -> DayGrid:
    grids = build_grid(forum(), sessions, **kwargs)  # type: ignore[arg-type]
    assert len(grids) == 1
    return grids[0]


def placed(grid: DayGrid) -> dict[int, tuple[str, str, int]]:
    """Session id -> (room key, start label, rowspan) for every GridCell."""
    found = {}
    for row in grid.rows:
        for room, cell in zip(grid.rooms, row.cells, strict=True):
            if isinstance(cell, GridCell):
                assert cell.session.id not in found, "a session starts only once"
                found[cell.session.id] = (room.key, row.label, cell.rowspan)
    return found


def column(grid: DayGrid, key: str) -> list[GridCell | Covered | None]:
    index = [room.key for room in grid.rooms].index(key)
    return [row.cells[index] for row in grid.rows]


def assert_well_formed(grid: DayGrid) -> None:
    """Every row has a cell per room; each GridCell is followed by exactly rowspan-1 Covered."""
    for row in grid.rows:
        assert len(row.cells) == len(grid.rooms)
    for index in range(len(grid.rooms)):
        cells = [row.cells[index] for row in grid.rows]
        position = 0
        while position < len(cells):
            cell = cells[position]
            if isinstance(cell, GridCell):
                assert cell.rowspan >= 1
                tail = cells[position + 1 : position + cell.rowspan]
                assert len(tail) == cell.rowspan - 1, "rowspan runs off the table"
                assert all(isinstance(c, Covered) and c.session is cell.session for c in tail)
                position += cell.rowspan
            else:
                assert cell is None, "a Covered cell without a GridCell above it"
                position += 1


# -- a realistic day --------------------------------------------------------------------------


def realistic_day() -> list[SessionInfo]:
    return [
        session(1, "10:00", "10:30", venue=HALL),  # keynote
        session(2, "10:45", "12:00", venue=CONF),
        session(3, "13:00", "14:30", venue=CONF),
        session(4, "17:20", "19:00", venue=OFFSITE),  # tour, off the 15-minute grid
        session(5, "15:00", "16:00", venue=None),  # online only
    ]


def test_realistic_day_rooms_rows_and_rowspans() -> None:
    grid = one_day(realistic_day())
    assert_well_formed(grid)
    assert grid.day == DAY1
    # Rooms by first use: hall (10:00), conference room (10:45), online (15:00), offsite (17:20).
    assert [room.key for room in grid.rooms] == ["venue-1", "venue-2", "online", "venue-4"]
    assert [room.venue_id for room in grid.rooms] == [1, 2, None, 4]
    assert grid.rooms[2].name == ONLINE_ROOM_NAME and grid.rooms[2].venue is None
    assert not any(room.overflow for room in grid.rooms)

    # 10:00 to 19:00 in quarter hours.
    assert len(grid.rows) == 36
    assert grid.rows[0].label == "10:00" and grid.rows[-1].label == "18:45"
    assert grid.rows[0].start == at(DAY1, "10:00")
    assert grid.rows[0].start.tzinfo is not None and grid.rows[0].is_hour
    assert not grid.rows[1].is_hour

    assert placed(grid) == {
        1: ("venue-1", "10:00", 2),
        2: ("venue-2", "10:45", 5),
        3: ("venue-2", "13:00", 6),
        4: ("venue-4", "17:15", 7),  # 17:20 floors to 17:15, 19:00 stays
        5: ("online", "15:00", 4),
    }


def test_realistic_day_covered_and_empty_cells() -> None:
    grid = one_day(realistic_day())
    hall = column(grid, "venue-1")
    assert isinstance(hall[0], GridCell) and hall[0].session.id == 1
    assert isinstance(hall[1], Covered) and hall[1].session.id == 1
    assert hall[2:] == [None] * 34

    conference = column(grid, "venue-2")
    assert conference[:3] == [None, None, None]  # free until 10:45
    assert isinstance(conference[3], GridCell)
    assert all(isinstance(c, Covered) for c in conference[4:8])
    assert conference[8:12] == [None] * 4  # 12:00-13:00 lunch
    # The template tells the two kinds apart through `covered`.
    assert conference[3].covered is False and conference[4].covered is True


def test_snapped_cell_times_are_local() -> None:
    grid = one_day(realistic_day())
    tour = next(
        c for row in grid.rows for c in row.cells if isinstance(c, GridCell) and c.session.id == 4
    )
    assert tour.start == at(DAY1, "17:15") and tour.end == at(DAY1, "19:00")
    assert not tour.continues_after and tour.block is None


def test_half_hour_slots_snap_outwards() -> None:
    grid = one_day(
        [session(1, "10:10", "10:40"), session(2, "11:00", "11:30", venue=CONF)], slot_minutes=30
    )
    assert [row.label for row in grid.rows] == ["10:00", "10:30", "11:00"]
    assert placed(grid) == {1: ("venue-1", "10:00", 2), 2: ("venue-2", "11:00", 1)}


@pytest.mark.parametrize("slot", [0, -15, 7, 1441])
def test_slot_must_divide_the_day(slot: int) -> None:
    with pytest.raises(ValueError, match="slot_minutes"):
        build_grid(forum(), [], slot_minutes=slot)


# -- double bookings --------------------------------------------------------------------------


def test_double_booking_goes_to_an_overflow_column() -> None:
    sessions = [
        session(1, "10:00", "11:00"),
        session(2, "10:30", "11:30"),  # clashes with 1 in the hall
        session(3, "11:00", "12:00"),  # fits after 1 in the main column
        session(4, "10:15", "12:00", venue=CONF),
    ]
    grid = one_day(sessions)
    assert_well_formed(grid)
    assert [(room.key, room.venue_id, room.overflow) for room in grid.rooms] == [
        ("venue-1", 1, False),
        ("venue-1-2", 1, True),  # right after its room
        ("venue-2", 2, False),
    ]
    assert grid.rooms[1].name == HALL.name
    assert placed(grid) == {
        1: ("venue-1", "10:00", 4),
        2: ("venue-1-2", "10:30", 4),
        3: ("venue-1", "11:00", 4),
        4: ("venue-2", "10:15", 7),
    }


def test_collision_after_snapping_also_overflows_unless_slots_are_finer() -> None:
    # 10:00-10:10 and 10:10-10:20 don't overlap, but both need the 10:00 quarter.
    sessions = [session(1, "10:00", "10:10"), session(2, "10:10", "10:20")]
    coarse = one_day(sessions)
    assert [room.overflow for room in coarse.rooms] == [False, True]
    fine = one_day(sessions, slot_minutes=5)
    assert [room.overflow for room in fine.rooms] == [False]
    assert placed(fine) == {1: ("venue-1", "10:00", 2), 2: ("venue-1", "10:10", 2)}


def test_cancelled_sessions_are_optional() -> None:
    sessions = [session(1, "10:00", "11:00"), session(2, "10:00", "11:00", status="cancelled")]
    with_cancelled = one_day(sessions)
    assert len(with_cancelled.rooms) == 2  # the cancelled one still shows, in overflow
    without = one_day(sessions, include_cancelled=False)
    assert [room.key for room in without.rooms] == ["venue-1"]
    assert set(placed(without)) == {1}


def test_bad_duration_still_gets_one_slot() -> None:
    grid = one_day([session(1, "10:00", "10:00"), session(2, "11:00", "10:30", venue=CONF)])
    assert_well_formed(grid)
    assert placed(grid) == {1: ("venue-1", "10:00", 1), 2: ("venue-2", "11:00", 1)}


# -- programme blocks -------------------------------------------------------------------------


def test_block_sharing_the_venue_gives_way_to_its_parts() -> None:
    block = session(10, "13:00", "15:00", venue=HALL)
    parts = [
        session(11, "13:00", "14:00", venue=HALL, parent_id=10),
        session(12, "14:00", "15:00", venue=HALL, parent_id=10),
        session(13, "13:30", "14:30", venue=ROOM_A, parent_id=10),
    ]
    grid = one_day([block, *parts])
    assert_well_formed(grid)
    assert [room.key for room in grid.rooms] == ["venue-1", "venue-3"]  # no overflow
    assert placed(grid) == {
        11: ("venue-1", "13:00", 4),
        12: ("venue-1", "14:00", 4),
        13: ("venue-3", "13:30", 4),
    }
    assert grid.blocks == [block]
    cells = [c for row in grid.rows for c in row.cells if isinstance(c, GridCell)]
    assert all(cell.block == block for cell in cells)


def test_block_in_its_own_venue_stays_in_the_grid() -> None:
    block = session(10, "13:00", "15:00", venue=HALL)
    parts = [
        session(11, "13:00", "14:00", venue=ROOM_A, parent_id=10),
        session(12, "13:00", "14:00", venue=CONF, parent_id=10),
    ]
    grid = one_day([block, *parts])
    assert set(placed(grid)) == {10, 11, 12}
    assert placed(grid)[10] == ("venue-1", "13:00", 8)
    assert grid.blocks == [block]  # still listed, for a caption


def test_block_without_venue_is_a_band_not_an_online_session() -> None:
    block = session(10, "13:00", "15:00", venue=None)
    parts = [session(11, "13:00", "14:00", venue=ROOM_A, parent_id=10)]
    grid = one_day([block, *parts])
    assert [room.key for room in grid.rooms] == ["venue-3"]
    assert set(placed(grid)) == {11}
    assert grid.blocks == [block]


def test_block_whose_parts_are_all_filtered_out_shows_itself() -> None:
    block = session(10, "13:00", "15:00", venue=HALL)
    part = session(11, "13:00", "14:00", venue=HALL, parent_id=10, status="cancelled")
    grid = one_day([block, part], include_cancelled=False)
    assert set(placed(grid)) == {10}
    assert grid.blocks == []


# -- days and time zones ----------------------------------------------------------------------


def test_multi_day_forum_keeps_the_empty_day() -> None:
    sessions = [session(1, "10:00", "11:00", day=DAY1), session(2, "09:00", "09:30", day=DAY3)]
    grids = build_grid(forum(DAY1, DAY3), sessions)
    assert [g.day for g in grids] == [DAY1, DAY2, DAY3]
    empty = grids[1]
    assert empty.rooms == [] and empty.rows == [] and empty.blocks == []
    assert set(placed(grids[0])) == {1} and set(placed(grids[2])) == {2}
    assert all(g.slot_minutes == 15 for g in grids)


def test_pre_event_the_evening_before_gets_its_own_day() -> None:
    tour = session(1, "18:00", "20:00", day=DAY1 - timedelta(days=1), venue=OFFSITE)
    grids = build_grid(forum(DAY1, DAY2), [tour, session(2, "10:00", "11:00")])
    assert [g.day for g in grids] == [DAY1 - timedelta(days=1), DAY1, DAY2]
    assert set(placed(grids[0])) == {1}


def test_late_kst_session_belongs_to_its_kst_day() -> None:
    # 14:30 UTC on 14 October is 23:30 KST the same day; a UTC grid would misfile it.
    late = session(
        1, datetime(2025, 10, 14, 14, 30, tzinfo=UTC), datetime(2025, 10, 14, 14, 55, tzinfo=UTC)
    )
    grids = build_grid(forum(DAY1, DAY2), [late])
    assert [g.day for g in grids] == [DAY1, DAY2]
    assert [row.label for row in grids[0].rows] == ["23:30", "23:45"]
    assert grids[0].rows[0].start == at(DAY1, "23:30")
    assert grids[0].rows[0].start.utcoffset() == timedelta(hours=9)
    assert grids[1].rows == []


def test_session_past_midnight_is_clipped_to_its_day() -> None:
    late = session(1, at(DAY1, "23:30"), at(DAY2, "01:00"))
    until_midnight = session(2, at(DAY1, "23:00"), at(DAY2, "00:00"), venue=CONF)
    grids = build_grid(forum(DAY1, DAY2), [late, until_midnight])
    assert [row.label for row in grids[0].rows] == ["23:00", "23:15", "23:30", "23:45"]
    cells = {c.session.id: c for row in grids[0].rows for c in row.cells if isinstance(c, GridCell)}
    assert cells[1].rowspan == 2 and cells[1].continues_after
    assert cells[1].end == at(DAY2, "00:00")
    assert cells[2].rowspan == 4 and not cells[2].continues_after
    assert grids[1].rows == []


# -- sessions_by_day --------------------------------------------------------------------------


def test_sessions_by_day_groups_in_the_forum_zone_and_sorts() -> None:
    late_utc = datetime(2025, 10, 14, 14, 30, tzinfo=UTC)  # 23:30 KST on day one
    sessions = [
        session(4, "09:00", "10:00", day=DAY2),
        session(3, "10:00", "11:00"),
        session(2, "10:00", "10:30"),
        session(1, late_utc, late_utc + timedelta(minutes=30)),
        session(5, datetime(2025, 10, 14, 15, 0, tzinfo=UTC), at(DAY2, "01:00")),  # 00:00 KST
    ]
    days = sessions_by_day(forum(DAY1, DAY3), sessions)
    assert list(days) == [DAY1, DAY2]  # no empty entries
    assert [s.id for s in days[DAY1]] == [2, 3, 1]
    assert [s.id for s in days[DAY2]] == [5, 4]


def test_sessions_by_day_of_nothing_is_empty() -> None:
    assert sessions_by_day(forum(), []) == {}


# -- invariants on random programmes ----------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_random_programmes_make_well_formed_grids(seed: int) -> None:
    rng = random.Random(seed)
    venues = [HALL, CONF, ROOM_A, OFFSITE, None]
    sessions = []
    for sid in range(1, 41):
        day = rng.choice([DAY1, DAY2])
        start = at(day, f"{rng.randrange(8, 23)}:{rng.randrange(0, 60)}")
        end = start + timedelta(minutes=rng.randrange(-10, 240))
        parent = rng.randrange(1, sid) if sid > 1 and rng.random() < 0.2 else None
        sessions.append(session(sid, start, end, venue=rng.choice(venues), parent_id=parent))
    slot = rng.choice([5, 10, 15, 30, 60])
    grids = build_grid(forum(DAY1, DAY2), sessions, slot_minutes=slot)
    shown: set[int] = set()
    for grid in grids:
        assert_well_formed(grid)
        assert len({room.key for room in grid.rooms}) == len(grid.rooms)
        starts = [row.start for row in grid.rows]
        assert all(b - a == timedelta(minutes=slot) for a, b in itertools.pairwise(starts))
        shown |= set(placed(grid))
    blocks = {b.id for g in grids for b in g.blocks}
    # Every session is either in the grid or a block listed as a band (or both).
    assert shown | blocks == {s.id for s in sessions}


def test_rooms_starting_together_are_ordered_by_name() -> None:
    sessions = [session(1, "10:00", "11:00", venue=HALL), session(2, "10:00", "11:00", venue=CONF)]
    grid = one_day(sessions)
    assert [room.name.en for room in grid.rooms] == ["Conference Room B", "Main Hall"]
