"""The agenda solver: each hard rule with a problem it must refuse and one it must satisfy, the
repair objective, the explanations of an infeasible problem, bad input, and determinism.

Every proposal is also run through conflict detection (`find_conflicts`) and the solver's own
checker, so a timetable the rules reject can never pass a test here.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.conflicts import find_conflicts
from scheduling.solver import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    Break,
    OpeningHours,
    Placement,
    Problem,
    Proposal,
    SolveOptions,
    SolverInputError,
    Travel,
    Window,
    prepare,
    propose,
    repair,
    violations,
)
from scheduling.solver.check import forum_info, session_infos, to_steps
from tests.scheduling.factories import (
    SOLVER_DAY1,
    at,
    random_problem,
    solver_hall,
    solver_offsite,
    solver_problem,
    solver_session,
    solver_speaker,
    solver_studio,
)

KST = ZoneInfo("Asia/Seoul")
FAST = SolveOptions(time_limit_s=10, seed=1, workers=1)


def open_from(start: int, end: int) -> tuple[OpeningHours, ...]:
    return (OpeningHours(time(start), time(end)),)


def solved(problem: Problem, *, mode: str = "propose") -> Proposal:
    result = (propose if mode == "propose" else repair)(problem, FAST)
    assert result.status in (OPTIMAL, FEASIBLE), result.reasons
    prep = prepare(problem)
    assert violations(prep, result.placements) == []
    infos = session_infos(prep, to_steps(prep, result.placements))
    assert find_conflicts(forum_info(prep), infos) == []
    assert set(result.placements) == {s.id for s in problem.sessions}
    return result


def refused(problem: Problem, *, mode: str = "propose") -> Proposal:
    result = (propose if mode == "propose" else repair)(problem, FAST)
    assert result.status == INFEASIBLE
    assert result.placements == {} and result.moves == ()
    assert result.reasons and result.reasons_minimal
    return result


def codes(result: Proposal) -> set[str]:
    return {r.code for r in result.reasons}


def local(p: Placement) -> str:
    return p.start.astimezone(KST).strftime("%d %H:%M")


# -- hard rules -------------------------------------------------------------------------------


def test_venue_holds_one_session_at_a_time():
    two = [solver_session(1), solver_session(2)]
    result = refused(solver_problem(two, venues=[solver_hall(open_hours=open_from(10, 11))]))
    assert codes(result) == {"venue", "open_hours"}
    assert "Grand Hall holds one session at a time." in [r.message_en for r in result.reasons]
    assert "대회의실에서는 한 번에 한 세션만 열 수 있습니다." in [
        r.message_ko for r in result.reasons
    ]

    ok = solved(solver_problem(two, venues=[solver_hall(open_hours=open_from(10, 12))]))
    assert sorted(local(p) for p in ok.placements.values()) == ["14 10:00", "14 11:00"]


def test_speaker_is_in_one_session_at_a_time():
    halls = [
        solver_hall(open_hours=open_from(10, 11)),
        solver_hall(id=4, open_hours=open_from(10, 11)),
    ]
    shared = [solver_session(1, speaker_ids=(11,)), solver_session(2, speaker_ids=(11,))]
    result = refused(solver_problem(shared, venues=halls, speakers=[solver_speaker(11)]))
    assert codes(result) == {"speaker", "open_hours"}
    assert any(
        r.message_en.startswith("Vilariño can be in one session at a time") for r in result.reasons
    )

    apart = [solver_session(1, speaker_ids=(11,)), solver_session(2, speaker_ids=(12,))]
    ok = solved(
        solver_problem(apart, venues=halls, speakers=[solver_speaker(11), solver_speaker(12)])
    )
    assert {p.venue_id for p in ok.placements.values()} == {1, 4}  # side by side


def test_stream_carries_one_session_at_a_time():
    url = "https://www.youtube.com/live/madang-101"
    speakers = [
        solver_speaker(
            11, availability=(Window(datetime(2025, 10, 14, 10), datetime(2025, 10, 14, 11)),)
        ),
        solver_speaker(
            12, availability=(Window(datetime(2025, 10, 14, 10), datetime(2025, 10, 14, 11)),)
        ),
    ]
    online = [
        solver_session(1, format="online", stream_urls=(url,), speaker_ids=(11,)),
        solver_session(2, format="online", stream_urls=(url + " ",), speaker_ids=(12,)),
    ]
    result = refused(solver_problem(online, speakers=speakers))
    assert codes(result) == {"stream", "availability"}
    assert any(url in r.message_en for r in result.reasons if r.code == "stream")

    online[1] = dataclasses.replace(online[1], stream_urls=(url + "-b",))
    ok = solved(solver_problem(online, speakers=speakers))
    # Online with a stream and only a hall: no venue at all, not the hall.
    assert [p.venue_id for p in ok.placements.values()] == [None, None]


def test_seats_within_venue_capacity():
    crowd = [solver_session(1, audience=400)]
    result = refused(solver_problem(crowd))
    assert codes(result) == {"capacity"}
    assert (
        result.reasons[0].message_en
        == '"Session 1" expects 400 people; its venues hold at most 300.'
    )

    big = solver_hall(id=5, capacity=500)
    ok = solved(solver_problem(crowd, venues=[solver_hall(), big]))
    assert ok.placements[1].venue_id == 5


def test_online_needs_a_studio_or_a_stream_not_a_hall():
    online = [solver_session(1, format="online")]
    result = refused(solver_problem(online))
    assert codes(result) == {"format"}
    assert "needs a studio or a stream, not a hall" in result.reasons[0].message_en

    assert (
        solved(solver_problem(online, venues=[solver_hall(), solver_studio()]))
        .placements[1]
        .venue_id
        == 2
    )
    # And the other way round, as conflict detection says: no audience in a studio.
    in_person = [solver_session(1, format="hybrid")]
    result = refused(solver_problem(in_person, venues=[solver_studio()]))
    assert codes(result) == {"format"}
    assert "cannot be in a studio" in result.reasons[0].message_en


def test_required_venue_kind():
    tour = [solver_session(1, venue_kind="offsite")]
    assert codes(refused(solver_problem(tour))) == {"venue_kind"}
    ok = solved(solver_problem(tour, venues=[solver_hall(), solver_offsite()]))
    assert ok.placements[1].venue_id == 3


def test_sessions_within_forum_days_and_open_hours():
    long = [
        solver_session(1, duration_minutes=13 * 60),
        solver_session(2, duration_minutes=13 * 60),
    ]
    result = refused(solver_problem(long))
    assert codes(result) == {"venue", "forum_days"}
    ok = solved(solver_problem(long, last_day=SOLVER_DAY1.replace(day=15)))
    # Back to back over midnight: conflict detection allows a session to cross into a forum day.
    assert max(p.start for p in ok.placements.values()).astimezone(KST).day == 14

    workshop = [solver_session(1, duration_minutes=180)]
    result = refused(solver_problem(workshop, venues=[solver_hall(open_hours=open_from(9, 11))]))
    assert codes(result) == {"open_hours"}
    assert (
        result.reasons[0].message_en
        == "Grand Hall is open only day 1 (2025-10-14) 09:00–11:00 KST."
    )
    ok = solved(solver_problem(workshop, venues=[solver_hall(open_hours=open_from(9, 12))]))
    assert local(ok.placements[1]) == "14 09:00"


def test_no_session_during_a_break():
    lunch = (Break(Window(datetime(2025, 10, 14, 12), datetime(2025, 10, 14, 13))),)
    hall = [solver_hall(open_hours=open_from(11, 14))]
    result = refused(
        solver_problem([solver_session(1, duration_minutes=90)], venues=hall, breaks=lunch)
    )
    assert codes(result) == {"breaks", "open_hours"}
    ok = solved(solver_problem([solver_session(1), solver_session(2)], venues=hall, breaks=lunch))
    assert sorted(local(p) for p in ok.placements.values()) == ["14 11:00", "14 13:00"]


def test_parts_within_their_block():
    block = solver_session(1, duration_minutes=120, fixed=True)
    parts = [solver_session(2, parent_id=1), solver_session(3, parent_id=1), solver_session(4)]
    current = {1: Placement(at(14, 10), 1)}
    # The block and its parts share the hall by design; session 4 must keep out of the block.
    ok = solved(solver_problem([block, *parts], current=current))
    assert sorted(local(ok.placements[i]) for i in (2, 3)) == ["14 10:00", "14 11:00"]
    assert not 10 <= ok.placements[4].start.astimezone(KST).hour < 12

    too_long = solver_session(2, parent_id=1, duration_minutes=180)
    result = refused(solver_problem([block, too_long], current=current))
    assert codes(result) == {"block"}
    assert any("must run within its block" in r.message_en for r in result.reasons)


def test_speaker_availability_in_their_own_zone():
    # 18:00-20:00 in Los Angeles on 13 Oct is 10:00-12:00 in Seoul on the 14th.
    la = solver_speaker(
        13,
        timezone="America/Los_Angeles",
        availability=(Window(datetime(2025, 10, 13, 18), datetime(2025, 10, 13, 20)),),
    )
    talks = [solver_session(1, speaker_ids=(13,)), solver_session(2, speaker_ids=(13,))]
    ok = solved(solver_problem(talks, speakers=[la]))
    assert sorted(local(p) for p in ok.placements.values()) == ["14 10:00", "14 11:00"]

    three = [*talks, solver_session(3, speaker_ids=(13,))]
    result = refused(solver_problem(three, speakers=[la]))
    assert codes(result) == {"availability", "speaker"}
    message = next(r.message_en for r in result.reasons if r.code == "availability")
    assert "18:00–20:00 PDT" in message and "10:00–12:00 KST" in message


def test_the_vilarino_clash_is_explained_in_organizer_words():
    vilarino = solver_speaker(
        11, availability=(Window(datetime(2025, 10, 14, 16), datetime(2025, 10, 14, 18)),)
    )
    other = solver_speaker(  # available, and not part of the clash
        12, availability=(Window(datetime(2025, 10, 14, 9), datetime(2025, 10, 14, 18)),)
    )
    block = solver_session(
        1,
        title=dataclasses.replace(solver_session(1).title, en="Morning block"),
        duration_minutes=120,
        fixed=True,
    )
    parts = [
        solver_session(2, parent_id=1, speaker_ids=(11,)),
        solver_session(3, parent_id=1, speaker_ids=(11,)),
        solver_session(4, speaker_ids=(12,)),
    ]
    problem = solver_problem(
        [block, *parts],
        venues=[solver_hall(), solver_hall(id=4)],
        speakers=[vilarino, other],
        current={1: Placement(at(14, 10), 1)},
    )
    result = refused(problem)
    en = [r.message_en for r in result.reasons]
    assert en[0] == (
        "Vilariño is available day 1 (2025-10-14) 16:00–18:00 KST only; both of their sessions"
        " must fit in that time."
    )
    assert en[1] == '"Morning block" is fixed on day 1 (2025-10-14) 10:00–12:00 KST in Grand Hall.'
    assert codes(result) == {"availability", "fixed", "block"}
    # Minimal: one part in the block is enough to clash; the other speaker is not named.
    assert len(result.reasons) == 3
    assert all("Kim" not in m for m in en)
    assert all(r.message_ko for r in result.reasons)


def test_travel_time_between_city_hall_and_off_site():
    hall = solver_hall(open_hours=open_from(10, 12))
    lab = solver_offsite(open_hours=open_from(10, 12))
    talks = [
        solver_session(1, venue_kind="hall", speaker_ids=(11,)),
        solver_session(2, venue_kind="offsite", audience=20, speaker_ids=(11,)),
    ]
    travel = (Travel(1, 3, 40),)
    result = refused(
        solver_problem(talks, venues=[hall, lab], speakers=[solver_speaker()], travel=travel)
    )
    assert "travel" in codes(result)
    assert any("Grand Hall – Smart City Living Lab 40 min" in r.message_en for r in result.reasons)

    wider = [
        solver_hall(open_hours=open_from(10, 13)),
        solver_offsite(open_hours=open_from(10, 13)),
    ]
    ok = solved(solver_problem(talks, venues=wider, speakers=[solver_speaker()], travel=travel))
    first, second = sorted(ok.placements.values(), key=lambda p: p.start)
    assert (second.start - first.start).total_seconds() >= (60 + 40) * 60


def test_fixed_points_stay_where_they_are():
    opening = solver_session(1, fixed=True, kind="opening")
    others = [solver_session(i) for i in (2, 3)]
    current = {1: Placement(at(14, 11), 1)}
    ok = solved(
        solver_problem(
            [opening, *others], venues=[solver_hall(open_hours=open_from(10, 13))], current=current
        )
    )
    assert ok.placements[1] == Placement(at(14, 11).astimezone(ok.placements[1].start.tzinfo), 1)
    assert local(ok.placements[1]) == "14 11:00"
    result = refused(
        solver_problem(
            [opening, dataclasses.replace(others[0], speaker_ids=(11,)), others[1]],
            venues=[solver_hall(open_hours=open_from(10, 13))],
            speakers=[solver_speaker(availability=(Window(at(14, 11), at(14, 12)),))],
            current=current,
        )
    )
    assert codes(result) == {"fixed", "venue", "availability"}


# -- repair -----------------------------------------------------------------------------------


def _studio_swap_problem(registrants):
    """Speaker 11 is now in both A (hall, 10:00) and B (studio, 10:00). Fix by moving A to the
    free hall slot at 12:00 (one move) or by swapping B and C in the full studio (two moves)."""
    hall = solver_hall(open_hours=open_from(10, 13))
    studio = solver_studio(open_hours=open_from(10, 12))
    sessions = [
        solver_session(1, speaker_ids=(11,)),  # A
        solver_session(2, format="online", speaker_ids=(11,)),  # B
        solver_session(3, format="online"),  # C
        solver_session(4),  # X
    ]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 10), 2),
        3: Placement(at(14, 11), 2),
        4: Placement(at(14, 11), 1),
    }
    return solver_problem(
        sessions,
        venues=[hall, studio],
        speakers=[solver_speaker()],
        current=current,
        registrants=registrants,
    )


def test_repair_moves_the_fewest_sessions_first():
    # One move tells 100 people; the swap would tell only 5, but moves two sessions.
    problem = _studio_swap_problem({1: 100, 2: 2, 3: 3, 4: 50})
    result = solved(problem, mode="repair")
    assert result.status == OPTIMAL
    assert [
        (m.session_id, local(m.before), local(m.after), m.registrants) for m in result.moves
    ] == [(1, "14 10:00", "14 12:00", 100)]
    assert result.score.moved == 1 and result.score.affected_registrants == 100


def test_repair_then_tells_the_fewest_registrants():
    # Both A and B could move alone; B's 2 registrants beat A's 100.
    problem = _studio_swap_problem({1: 100, 2: 2, 3: 3, 4: 50})
    problem = dataclasses.replace(
        problem,
        venues=(
            solver_hall(open_hours=open_from(10, 13)),
            solver_studio(open_hours=open_from(10, 13)),
        ),
    )
    result = solved(problem, mode="repair")
    assert [(m.session_id, m.registrants) for m in result.moves] == [(2, 2)]
    assert result.score.affected_registrants == 2


def test_repair_of_a_sound_timetable_moves_nothing():
    problem = _studio_swap_problem({})
    problem = dataclasses.replace(
        problem, sessions=tuple(dataclasses.replace(s, speaker_ids=()) for s in problem.sessions)
    )
    result = solved(problem, mode="repair")
    assert result.moves == () and result.status == OPTIMAL and result.objective == 0


def test_repair_after_a_speaker_becomes_unavailable_in_another_zone():
    la = solver_speaker(
        13,
        timezone="America/Los_Angeles",
        # Now only 20:00-22:00 in Los Angeles: 12:00-14:00 in Seoul.
        availability=(Window(datetime(2025, 10, 13, 20), datetime(2025, 10, 13, 22)),),
    )
    sessions = [solver_session(1, speaker_ids=(13,)), solver_session(2), solver_session(3)]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 11), 1),
        3: Placement(at(14, 12), 1),
    }
    problem = solver_problem(
        sessions, speakers=[la], current=current, venues=[solver_hall(open_hours=open_from(10, 14))]
    )
    result = solved(problem, mode="repair")
    assert [(m.session_id, local(m.after)) for m in result.moves] == [(1, "14 13:00")]


def test_soft_rules_keep_shared_audiences_apart_and_a_speaker_on_one_day():
    halls = [
        solver_hall(open_hours=open_from(10, 11)),
        solver_hall(id=4, open_hours=open_from(10, 11)),
    ]
    two_days = {"last_day": SOLVER_DAY1.replace(day=15)}
    sessions = [solver_session(1), solver_session(2), solver_session(3), solver_session(4)]
    # Two sessions a day, side by side: the least shared pairs ({1, 4} and {2, 3}) go together.
    shared = {(1, 2): 30, (3, 4): 1, (1, 3): 5, (2, 4): 5, (1, 4): 4, (2, 3): 4}
    result = solved(solver_problem(sessions, venues=halls, shared_registrants=shared, **two_days))
    day = {sid: p.start.date() for sid, p in result.placements.items()}
    assert day[1] == day[4] != day[2] == day[3]
    assert result.score.keep_apart == 8 and result.objective == 8

    speaker = solver_speaker()
    talks = [solver_session(1, speaker_ids=(11,)), solver_session(2, speaker_ids=(11,))]
    one_day = solved(solver_problem(talks, speakers=[speaker], **two_days))
    assert one_day.placements[1].start.date() == one_day.placements[2].start.date()
    assert one_day.score.speaker_days == 0


def test_preferred_slots_are_respected_when_they_can_be():
    talk = solver_session(
        1, preferred=(Window(datetime(2025, 10, 14, 15), datetime(2025, 10, 14, 16)),)
    )
    result = solved(solver_problem([talk], venues=[solver_hall(open_hours=open_from(9, 18))]))
    assert local(result.placements[1]) == "14 15:00" and result.score.preferred == 0


# -- bad input --------------------------------------------------------------------------------


def input_error(problem: Problem, options: SolveOptions = FAST, *, mode: str = "propose") -> str:
    with pytest.raises(SolverInputError) as caught:
        (propose if mode == "propose" else repair)(problem, options)
    assert all(ko for _, ko in caught.value.messages)
    return " | ".join(caught.value.messages_en)


def test_time_limit_must_be_positive_and_at_most_ten_minutes():
    problem = solver_problem([solver_session(1)])
    for limit in (0, -1, 600.5, 3600):
        assert "time limit must be more than 0 and at most 600 seconds" in input_error(
            problem, SolveOptions(time_limit_s=limit)
        )
    assert propose(problem, SolveOptions(time_limit_s=600)).status == OPTIMAL


def test_a_forum_with_no_venues_is_refused():
    assert "The forum has no venues" in input_error(solver_problem([solver_session(1)], venues=[]))


def test_availability_outside_the_forum_days_is_refused():
    away = solver_speaker(
        availability=(Window(datetime(2025, 10, 20, 10), datetime(2025, 10, 20, 12)),)
    )
    message = input_error(solver_problem([solver_session(1, speaker_ids=(11,))], speakers=[away]))
    assert "Vilariño: the availability 2025-10-20 10:00–12:00 KST" in message
    assert "outside the forum days 2025-10-14 – 2025-10-14" in message


def test_overlapping_availability_windows_are_refused():
    twice = solver_speaker(
        availability=(
            Window(datetime(2025, 10, 14, 10), datetime(2025, 10, 14, 12)),
            Window(datetime(2025, 10, 14, 11), datetime(2025, 10, 14, 13)),
        )
    )
    message = input_error(solver_problem([solver_session(1, speaker_ids=(11,))], speakers=[twice]))
    assert "overlap; merge them into one" in message


def test_a_fixed_session_that_breaks_a_hard_rule_is_refused():
    # Two fixed sessions in the same hall at the same time: no solver can help.
    sessions = [solver_session(1, fixed=True), solver_session(2, fixed=True)]
    current = {1: Placement(at(14, 10), 1), 2: Placement(at(14, 10, 30), 1)}
    message = input_error(solver_problem(sessions, current=current))
    assert "A fixed session breaks a hard rule" in message and "overlap in Grand Hall" in message
    # A fixed in-person session in the studio; a fixed session outside its speaker's hours.
    studio = [solver_session(1, fixed=True)]
    message = input_error(
        solver_problem(studio, venues=[solver_studio()], current={1: Placement(at(14, 10), 2)})
    )
    assert "broadcast studio with no audience" in message
    late = solver_speaker(
        availability=(Window(datetime(2025, 10, 14, 16), datetime(2025, 10, 14, 18)),)
    )
    message = input_error(
        solver_problem(
            [solver_session(1, fixed=True, speaker_ids=(11,))],
            speakers=[late],
            current={1: Placement(at(14, 10), 1)},
        )
    )
    assert "Vilariño is not available" in message


def test_other_bad_input_is_named():
    message = input_error(
        solver_problem(
            [solver_session(1, duration_minutes=7, speaker_ids=(99,)), solver_session(1)],
        )
    )
    assert "Two sessions have the id 1" in message
    message = input_error(
        solver_problem([solver_session(1, duration_minutes=7, speaker_ids=(99,))])
    )
    assert "names speaker 99" in message
    message = input_error(solver_problem([solver_session(1, duration_minutes=7)]))
    assert "lasts 7 minutes" in message
    message = input_error(
        solver_problem([solver_session(1)], current={1: Placement(at(14, 10, 2), 1)})
    )
    assert "off the 5-minute grid" in message
    message = input_error(solver_problem([solver_session(1, fixed=True)]))
    assert "fixed but has no place" in message
    assert "no current timetable to repair" in input_error(
        solver_problem([solver_session(1)]), mode="repair"
    )


# -- determinism ------------------------------------------------------------------------------


def test_same_input_same_proposal():
    problem = random_problem(7, sessions=24, rooms=3, days=2)
    options = SolveOptions(time_limit_s=20, seed=3, workers=1)
    first, second = propose(problem, options), propose(problem, options)
    assert first.status == second.status == OPTIMAL
    assert first.placements == second.placements
    assert first.objective == second.objective
    # A repair after a change is just as repeatable: the speaker of talk 1 can no longer come
    # at its time, and the rooms are full enough that a move has choices.
    talk = problem.sessions[0]
    where = first.placements[talk.id]
    busy_until = where.start + timedelta(minutes=talk.duration_minutes)
    speakers = tuple(
        dataclasses.replace(
            k,
            availability=(
                Window(at(14, 0), where.start),
                Window(busy_until, at(15, 23, 55)),
            )
            if where.start > at(14, 0)
            else (Window(busy_until, at(15, 23, 55)),),
        )
        if k.id in talk.speaker_ids
        else k
        for k in problem.speakers
    )
    changed = dataclasses.replace(problem, speakers=speakers, current=first.placements)
    one, two = repair(changed, options), repair(changed, options)
    assert one.status == two.status == OPTIMAL
    assert one.moves == two.moves and one.placements == two.placements
    assert [m.session_id for m in one.moves] == [talk.id]


def test_programme_hours_hold_for_sessions_without_a_venue():
    online = [solver_session(1, format="online", stream_urls=("https://tbs.seoul.kr/live",))]
    ok = solved(solver_problem(online, hours=(time(9), time(18))))
    assert ok.placements[1].venue_id is None and local(ok.placements[1]) >= "14 09:00"
    night = solver_speaker(availability=(Window(at(14, 19), at(14, 21)),))
    late = [dataclasses.replace(online[0], speaker_ids=(11,))]
    result = refused(solver_problem(late, speakers=[night], hours=(time(9), time(18))))
    assert codes(result) == {"availability", "forum_days"}
    assert any("09:00–18:00 each day" in r.message_en for r in result.reasons)


def test_repair_moves_a_sound_session_out_of_the_way_when_it_must():
    # Speaker 11 can now only come at 11:00, where session 2 is: 2 has to make room.
    hall = solver_hall(open_hours=open_from(10, 13))
    only_eleven = solver_speaker(availability=(Window(at(14, 11), at(14, 12)),))
    sessions = [solver_session(1, speaker_ids=(11,)), solver_session(2), solver_session(3)]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 11), 1),
        3: Placement(at(14, 12), 1),
    }
    problem = solver_problem(sessions, venues=[hall], speakers=[only_eleven], current=current)
    result = solved(problem, mode="repair")
    assert result.status == OPTIMAL
    assert [(m.session_id, local(m.after)) for m in result.moves] == [
        (1, "14 11:00"),
        (2, "14 10:00"),
    ]


def test_repair_over_the_whole_timetable_still_tells_the_fewest_registrants():
    # Speaker 11 can now only come at 11:00, when both halls are taken: either session 2 (100
    # registrants) or session 5 (5 registrants) has to make room, at 10:00 in the first hall.
    halls = [
        solver_hall(open_hours=open_from(10, 13)),
        solver_hall(id=4, open_hours=open_from(10, 13)),
    ]
    only_eleven = solver_speaker(availability=(Window(at(14, 11), at(14, 12)),))
    sessions = [solver_session(1, speaker_ids=(11,)), *(solver_session(i) for i in range(2, 7))]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 11), 1),
        3: Placement(at(14, 12), 1),
        4: Placement(at(14, 10), 4),
        5: Placement(at(14, 11), 4),
        6: Placement(at(14, 12), 4),
    }
    problem = solver_problem(
        sessions, venues=halls, speakers=[only_eleven], current=current,
        registrants={1: 40, 2: 100, 5: 5},
    )  # fmt: skip
    result = solved(problem, mode="repair")
    assert result.status == OPTIMAL
    assert [(m.session_id, local(m.after), m.after.venue_id) for m in result.moves] == [
        (1, "14 11:00", 4),
        (5, "14 10:00", 1),
    ]
    assert result.score.affected_registrants == 45


def test_repair_over_the_whole_timetable_moves_the_fewest_sessions_first():
    # As above, but session 5 now needs the big hall: making room there takes three moves
    # (1, 5 and 4) and tells 42 people; moving 2 instead takes two moves and tells 140.
    halls = [
        solver_hall(open_hours=open_from(10, 13)),
        solver_hall(id=4, capacity=500, open_hours=open_from(10, 13)),
    ]
    only_eleven = solver_speaker(availability=(Window(at(14, 11), at(14, 12)),))
    sessions = [
        solver_session(1, speaker_ids=(11,)),
        *(solver_session(i) for i in (2, 3, 4, 6)),
        solver_session(5, audience=400),
    ]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 11), 1),
        3: Placement(at(14, 12), 1),
        4: Placement(at(14, 10), 4),
        5: Placement(at(14, 11), 4),
        6: Placement(at(14, 12), 4),
    }
    problem = solver_problem(
        sessions, venues=halls, speakers=[only_eleven], current=current,
        registrants={1: 40, 2: 100, 4: 1, 5: 1},
    )  # fmt: skip
    result = solved(problem, mode="repair")
    assert result.status == OPTIMAL
    assert [(m.session_id, local(m.after), m.after.venue_id) for m in result.moves] == [
        (1, "14 11:00", 1),
        (2, "14 10:00", 1),
    ]
    assert (result.score.moved, result.score.affected_registrants) == (2, 140)


def test_repair_after_a_hall_is_lost():
    # Taepyeong Hall (id 4) is gone: its one session moves to the free hour in the Grand Hall.
    hall = solver_hall(open_hours=open_from(10, 13))
    sessions = [solver_session(i) for i in (1, 2, 3)]
    current = {
        1: Placement(at(14, 10), 1),
        2: Placement(at(14, 11), 1),
        3: Placement(at(14, 10), 4),
    }
    result = solved(solver_problem(sessions, venues=[hall], current=current), mode="repair")
    assert [
        (m.session_id, m.before.venue_id, local(m.after), m.after.venue_id) for m in result.moves
    ] == [(3, 4, "14 12:00", 1)]
    # A fixed session in the lost hall cannot be repaired around: it is refused as input.
    fixed = [*sessions[:2], dataclasses.replace(sessions[2], fixed=True)]
    message = input_error(solver_problem(fixed, venues=[hall], current=current), mode="repair")
    assert "A fixed session breaks a hard rule" in message and "no longer available" in message


def test_each_solution_found_is_reported_as_it_comes():
    """The worker shows the search's progress from these reports."""
    found: list[tuple[float, float]] = []
    options = dataclasses.replace(
        FAST, on_solution=lambda s, objective: found.append((s, objective))
    )
    result = repair(_studio_swap_problem({1: 100, 2: 2, 3: 3, 4: 50}), options)

    assert found, "no solution was reported"
    assert all(seconds >= 0 for seconds, _ in found)
    # The objective only improves, and the last report is the proposal's.
    objectives = [objective for _, objective in found]
    assert objectives == sorted(objectives, reverse=True)
    assert objectives[-1] == result.objective
