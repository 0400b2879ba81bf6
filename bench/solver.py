"""The agenda solver on generated conferences, beside the `conference-scheduler` package (PuLP/CBC).

    python -m bench.solver                              # every instance, 60 s limit each
    python -m bench.solver --instances forum,pyconuk2016 --time-limit 10 --peer-timeout 60

Instances, generated with a fixed seed: PyCon UK 2016 (69 talks, 5 rooms, 3 days), PyConDE 2023
(109 talks, 7 rooms of 80-950 seats, 3 days), a city forum (14 programmes, 4 venues: a hall, a
studio, a second hall and an off-site lab, with blocks, streams, fixed points, travel and speakers
in Los Angeles and Berlin) and a stress one (400 sessions, 12 rooms, 4 days). Talks take 30-minute
slots, speakers have random availability (some in their own zones), registrants pick talks by
popularity, which gives each talk its audience and each pair of talks its shared registrants.

For each: a whole timetable (time to the first feasible one, status and gap at the limit), then
a repair after one change (a speaker becomes unavailable during one of their talks): time and
moves, and whether a one-move repair existed (found by brute force). Each instance runs in a
process of its own, so its peak RSS is its own. The peer runs the instances it can express
(slot grids, speaker clashes as tags, availability and capacity as unavailable slots; not blocks,
formats, streams or travel), as a feasibility problem for the timetable and with its
`number_of_changes` objective for the repair; its timetable is scored with our soft penalties.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time as clock
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from bench import common

INSTANCES = ("forum", "pyconuk2016", "pyconde2023", "stress")
TARGETS = {
    "forum optimal s": 1.0,
    "pycon first feasible s": 10.0,
    "pycon gap at 60 s": 0.05,
    "repair s": 2.0,
    "repair moves when one move exists": 3,
    "peak RSS MB": 500.0,
}


@dataclass(frozen=True)
class ConferenceSpec:
    talks: int
    capacities: tuple[int, ...]
    days: int
    timezone: str
    opens: time
    closes: time
    lunch: tuple[time, time]
    registrants: int
    picks: int  # talks each registrant picks
    first_day: date


SPECS = {
    "pyconuk2016": ConferenceSpec(
        69, (450, 150, 100, 80, 50), 3, "Europe/London", time(10), time(17, 30),
        (time(12, 30), time(13, 30)), 500, 8, date(2016, 9, 16),
    ),
    "pyconde2023": ConferenceSpec(
        109, (950, 400, 250, 200, 150, 100, 80), 3, "Europe/Berlin", time(9), time(18),
        (time(12, 30), time(13, 30)), 1300, 9, date(2023, 4, 17),
    ),
    "stress": ConferenceSpec(
        400, (600, 400, 300, 250, 200, 150, 150, 120, 100, 80, 80, 60), 4, "Asia/Seoul",
        time(9), time(18), (time(12), time(13)), 3000, 10, date(2026, 10, 13),
    ),
}  # fmt: skip

AWAY_ZONES = ("America/Los_Angeles", "America/New_York", "Asia/Seoul", "Europe/Berlin")


# ----------------------------------------------------------------------------- instances


def conference(name: str, seed: int):
    """A slot-grid conference of the spec's size."""
    from scheduling.solver import Break, OpeningHours, Problem, Session, Speaker, Venue, Window
    from scheduling.types import Bilingual

    spec = SPECS[name]
    rng = random.Random(f"{name}:{seed}")
    days = [spec.first_day + timedelta(days=i) for i in range(spec.days)]
    venues = tuple(
        Venue(
            id=i + 1,
            name=Bilingual(en=f"Room {i + 1}"),
            kind="hall",
            capacity=cap,
            open_hours=(OpeningHours(spec.opens, spec.closes),),
        )
        for i, cap in enumerate(spec.capacities)
    )
    # Registrants pick talks by a skewed popularity: a few talks draw crowds.
    weights = [1 / (1 + i) ** 0.8 for i in range(spec.talks)]
    rng.shuffle(weights)
    picks = [
        sorted(set(rng.choices(range(1, spec.talks + 1), weights, k=spec.picks)))
        for _ in range(spec.registrants)
    ]
    registrants = Counter(t for p in picks for t in p)
    shared = Counter(pair for p in picks for pair in combinations(p, 2))
    biggest = max(spec.capacities)
    # Speakers: most give one talk, some two; a few talks have a second speaker.
    speaker_of: dict[int, list[int]] = {}
    next_speaker = 1
    for t in range(1, spec.talks + 1):
        if t > 1 and rng.random() < 0.1:
            speaker_of[t] = [rng.randint(1, next_speaker - 1)]
        else:
            speaker_of[t] = [next_speaker]
            next_speaker += 1
        if rng.random() < 0.05:
            speaker_of[t].append(rng.randint(1, next_speaker - 1))
    speakers = []
    for k in range(1, next_speaker):
        windows: tuple = ()
        zone = spec.timezone
        if rng.random() < 0.3:  # some days only, or half a day; given in their own zone
            zone = rng.choice((spec.timezone, *AWAY_ZONES))
            chosen = sorted(rng.sample(days, rng.randint(1, max(1, len(days) - 1))))
            noon = spec.lunch[0]
            windows = tuple(
                _in_zone(
                    Window(
                        datetime.combine(d, noon if half == "pm" else spec.opens),
                        datetime.combine(d, noon if half == "am" else spec.closes),
                    ),
                    spec.timezone,
                    zone,
                )
                for d in chosen
                for half in [rng.choice(("day", "day", "am", "pm"))]
            )
        speakers.append(
            Speaker(id=k, name=Bilingual(en=f"Speaker {k}"), timezone=zone, availability=windows)
        )
    morning = [
        Window(datetime.combine(d, spec.opens), datetime.combine(d, spec.lunch[0])) for d in days
    ]
    sessions = tuple(
        Session(
            id=t,
            title=Bilingual(en=f"Talk {t}"),
            duration_minutes=30,
            audience=min(registrants[t], biggest),
            speaker_ids=tuple(dict.fromkeys(speaker_of[t])),
            preferred=tuple(morning) if rng.random() < 0.1 else (),
        )
        for t in range(1, spec.talks + 1)
    )
    return Problem(
        timezone=spec.timezone,
        first_day=days[0],
        last_day=days[-1],
        sessions=sessions,
        venues=venues,
        speakers=tuple(speakers),
        breaks=tuple(
            Break(Window(datetime.combine(d, spec.lunch[0]), datetime.combine(d, spec.lunch[1])))
            for d in days
        ),
        registrants=dict(registrants),
        shared_registrants={pair: n for pair, n in shared.items()},
        weights=_weights(spec),
        step_minutes=30,
    )


def _weights(spec: ConferenceSpec):
    from scheduling.solver import Weights

    # "Many" shared registrants: about one in eight of a typical talk's audience.
    typical = spec.registrants * spec.picks / spec.talks
    return Weights(keep_apart_min_shared=max(2, round(typical / 8)))


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _in_zone(window, forum_zone: str, zone: str):
    """The same window written as a naive time in the speaker's zone."""
    from scheduling.solver import Window

    start = window.start if window.start.tzinfo else window.start.replace(tzinfo=_zone(forum_zone))
    end = window.end if window.end.tzinfo else window.end.replace(tzinfo=_zone(forum_zone))
    return Window(
        start.astimezone(_zone(zone)).replace(tzinfo=None),
        end.astimezone(_zone(zone)).replace(tzinfo=None),
    )


def forum(seed: int):
    """A two-day city forum of 14 programmes in four venues, after the Seoul Smart City Week."""
    from scheduling.solver import (
        Break,
        OpeningHours,
        Placement,
        Problem,
        Session,
        Speaker,
        Travel,
        Venue,
        Window,
    )
    from scheduling.types import Bilingual as B

    rng = random.Random(f"forum:{seed}")
    d1, d2 = date(2026, 10, 13), date(2026, 10, 14)
    seoul = _zone("Asia/Seoul")
    venues = (
        Venue(1, B("대회의실", "Grand Hall"), "hall", 300, (OpeningHours(time(9), time(18)),)),
        Venue(2, B("서울온 스튜디오", "Seoul-On studio"), "studio", None,
              (OpeningHours(time(7), time(21)),)),
        Venue(3, B("태평홀", "Taepyeong Hall"), "hall", 150, (OpeningHours(time(9), time(18)),)),
        Venue(4, B("리빙랩", "Living Lab"), "offsite", 40, (OpeningHours(time(10), time(17)),)),
    )  # fmt: skip
    speakers = (
        Speaker(1, B("오세훈", "Oh Se-hoon")),
        Speaker(2, B("이석우", "Lee Seok-woo")),
        Speaker(3, B("김민지", "Kim Min-ji")),
        Speaker(4, B("박준호", "Park Jun-ho")),
        Speaker(5, B(en="Ana Vilariño"), "America/Los_Angeles",
                (Window(datetime(2026, 10, 12, 16), datetime(2026, 10, 12, 19)),
                 Window(datetime(2026, 10, 13, 16), datetime(2026, 10, 13, 19)))),
        Speaker(6, B(en="Anna Schmidt"), "Europe/Berlin",
                (Window(datetime(2026, 10, 13, 8), datetime(2026, 10, 13, 12)),)),
        Speaker(7, B("정하늘", "Jung Ha-neul")),
        Speaker(8, B(en="Mayor of Tallinn"), "Europe/Tallinn",
                (Window(datetime(2026, 10, 14, 8), datetime(2026, 10, 14, 12)),)),
    )  # fmt: skip
    youtube = "https://www.youtube.com/live/seoul-smart-city"
    tbs = "https://tbs.seoul.kr/live"

    def s(i, en, ko, minutes, **kw):
        return Session(i, B(ko, en), minutes, **kw)

    sessions = (
        s(1, "Opening ceremony", "개회식", 30, kind="opening", format="hybrid", fixed=True,
          speaker_ids=(1,), stream_urls=(youtube,), audience=280),
        s(2, "Keynote: the citizen's smart city", "기조연설", 60, kind="keynote",
          format="hybrid", speaker_ids=(2,), stream_urls=(youtube,), audience=280),
        s(3, "Panel: smart mobility", "패널: 스마트 모빌리티", 90, kind="panel",
          format="hybrid", speaker_ids=(2, 3, 4), stream_urls=(youtube,), audience=200),
        s(4, "Panel: open and safe city data", "패널: 도시 데이터", 90, kind="panel",
          format="hybrid", speaker_ids=(3, 7), stream_urls=(tbs,), audience=120),
        s(5, "Lecture from Los Angeles", "LA 강연", 60, format="online", speaker_ids=(5,),
          stream_urls=(tbs,)),
        s(6, "Lecture from Berlin", "베를린 강연", 60, format="online", speaker_ids=(6,),
          stream_urls=(tbs,)),
        s(7, "Smart City Leaders Forum", "스마트시티 리더스 포럼", 120, format="online",
          venue_kind="studio", speaker_ids=(1, 8)),
        s(8, "City session: smart quarantine", "도시 세션: 스마트 방역", 60, format="hybrid",
          speaker_ids=(4,), audience=90),
        s(9, "Public data workshop", "공공데이터 워크숍", 120, kind="workshop",
          speaker_ids=(7,), audience=60),
        s(10, "Living Lab tour", "리빙랩 투어", 120, kind="tour", uses_venue=False),
        s(11, "Lab demo", "리빙랩 시연", 45, kind="tour", venue_kind="offsite", parent_id=10,
          speaker_ids=(7,), audience=30),
        s(12, "Lab Q&A", "리빙랩 질의응답", 45, kind="tour", venue_kind="offsite",
          parent_id=10, speaker_ids=(3,), audience=30),
        s(13, "WeGO General Assembly", "WeGO 총회", 90, kind="assembly", fixed=True,
          speaker_ids=(1,), stream_urls=(youtube,), audience=250),
        s(14, "Closing and awards", "폐회 및 시상", 30, kind="closing", format="hybrid",
          speaker_ids=(2,), stream_urls=(youtube,), audience=250,
          preferred=(Window(datetime(2026, 10, 14, 16, 30), datetime(2026, 10, 14, 18)),)),
        s(15, "Citizens' ideas", "시민 아이디어", 60, format="in_person", audience=140),
        s(16, "Digital inclusion talk", "디지털 포용 강연", 60, format="hybrid",
          stream_urls=(tbs,), audience=100),
    )  # fmt: skip
    registrants = {x.id: x.audience or rng.randint(50, 200) for x in sessions}
    shared = {}
    for a, b in combinations([x.id for x in sessions if x.parent_id is None], 2):
        if rng.random() < 0.3:
            shared[(a, b)] = rng.randint(5, 60)
    current = {
        1: Placement(datetime(2026, 10, 13, 9, 30, tzinfo=seoul), 1),
        13: Placement(datetime(2026, 10, 14, 14, tzinfo=seoul), 1),
    }
    return Problem(
        timezone="Asia/Seoul",
        first_day=d1,
        last_day=d2,
        sessions=sessions,
        venues=venues,
        speakers=speakers,
        current=current,
        travel=tuple(Travel(v, 4, 40) for v in (1, 2, 3)),
        breaks=tuple(
            Break(Window(datetime.combine(d, time(12)), datetime.combine(d, time(13))))
            for d in (d1, d2)
        ),
        registrants=registrants,
        shared_registrants=shared,
        step_minutes=15,
        hours=(time(8), time(21)),
    )


def instance(name: str, seed: int):
    return forum(seed) if name == "forum" else conference(name, seed)


# ----------------------------------------------------------------------------- the change


def speaker_unavailable(problem, placements, seed: int):
    """The problem after one change: a speaker of a randomly chosen (not fixed) talk becomes
    unavailable during that talk. Returns (changed problem, session id, speaker id)."""
    from scheduling.solver import Window, prepare
    from scheduling.solver.grid import subtract

    prep = prepare(problem)
    rng = random.Random(f"change:{seed}")
    movable = sorted(
        s.id for s in problem.sessions if s.speaker_ids and not s.fixed and s.parent_id is None
    )
    sid = rng.choice(movable)
    speaker_id = problem.sessions[[s.id for s in problem.sessions].index(sid)].speaker_ids[0]
    start = prep.grid.floor(placements[sid].start)
    busy = (start, start + prep.duration[sid])
    spans = prep.available.get(speaker_id) or [prep.window]
    left = subtract(spans, [busy])
    windows = tuple(Window(prep.grid.moment(lo), prep.grid.moment(hi)) for lo, hi in left)
    speakers = tuple(
        replace(k, availability=windows) if k.id == speaker_id else k for k in problem.speakers
    )
    return replace(problem, speakers=speakers, current=dict(placements)), sid, speaker_id


def one_move_exists(problem, sid: int) -> bool:
    """Whether moving `sid` alone (anywhere, any venue) repairs the changed timetable."""
    from scheduling.solver import Placement, prepare, violations

    prep = prepare(problem)
    current = dict(problem.current)
    d = prep.duration[sid]
    others = {k: v for k, v in current.items() if k != sid}
    busy: dict[int | None, list[tuple[int, int]]] = {}
    for k, p in others.items():
        lo = prep.grid.floor(p.start)
        busy.setdefault(p.venue_id, []).append((lo, lo + prep.duration[k]))
    options = [v.id for v in problem.venues]
    if prep.no_venue_groups(prep.sessions[sid]) == []:
        options.append(None)
    for venue_id in options:
        for start in range(prep.window[0], prep.window[1] - d + 1):
            if venue_id is not None and any(
                lo < start + d and start < hi for lo, hi in busy.get(venue_id, [])
            ):
                continue
            trial = {**current, sid: Placement(prep.grid.moment(start), venue_id)}
            if not violations(prep, trial):
                return True
    return False


# ----------------------------------------------------------------------------- our solver


def run_ours(name: str, seed: int, time_limit: float, workers: int) -> dict[str, Any]:
    from scheduling.solver import SolveOptions, prepare, propose, repair, score, violations

    problem = instance(name, seed)
    options = SolveOptions(time_limit_s=time_limit, seed=seed, workers=workers)
    started = clock.monotonic()
    proposal = propose(problem, options)
    out: dict[str, Any] = {
        "instance": name,
        "sessions": len(problem.sessions),
        "venues": len(problem.venues),
        "days": (problem.last_day - problem.first_day).days + 1,
        "propose": {
            "status": proposal.status,
            "first_feasible_s": _r(proposal.first_solution_s),
            "wall_s": _r(proposal.wall_time_s),
            "objective": proposal.objective,
            "best_bound": _r(proposal.best_bound),
            "gap": _r(proposal.gap, 4),
            "soft": proposal.score.soft if proposal.score else None,
        },
    }
    if proposal.status in ("optimal", "feasible"):
        changed, sid, speaker_id = speaker_unavailable(problem, proposal.placements, seed)
        # The repair gets the short limit an organizer would wait for, not the full one.
        fixed = repair(changed, replace(options, time_limit_s=min(time_limit, 10.0)))

        out["repair"] = {
            "changed_session": sid,
            "speaker": speaker_id,
            "status": fixed.status,
            "wall_s": _r(fixed.wall_time_s),
            "first_feasible_s": _r(fixed.first_solution_s),
            "moves": len(fixed.moves),
            "affected_registrants": fixed.score.affected_registrants if fixed.score else None,
            "one_move_exists": one_move_exists(changed, sid),
            "sound": fixed.score is not None and not violations(prepare(changed), fixed.placements),
        }
        out["propose"]["soft_check"] = score(prepare(problem), proposal.placements).soft
    out["total_s"] = _r(clock.monotonic() - started)
    out["peak_rss_mb"] = _r(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# ----------------------------------------------------------------------------- the peer


def run_peer(name: str, seed: int, time_limit: float) -> dict[str, Any]:
    """conference-scheduler on the same conference: build its events and slots, solve for a
    timetable, then repair the same change with its number_of_changes objective."""
    import pulp
    from conference_scheduler import scheduler
    from conference_scheduler.lp_problem import constraints, objective_functions, utils
    from conference_scheduler.resources import Event, ScheduledItem, Shape, Slot

    from scheduling.solver import Placement, prepare, score

    problem = instance(name, seed)
    prep = prepare(problem)
    grid = prep.grid
    spec = SPECS[name]
    started = clock.monotonic()
    slots = []
    slot_steps = []
    for venue in problem.venues:
        for lo, hi in prep.open[venue.id] or []:
            for step in range(lo, hi):
                if any(b0 <= step < b1 for b0, b1 in prep.break_spans):
                    continue
                moment = grid.moment(step).astimezone(grid.zone).replace(tzinfo=None)
                slots.append(Slot(str(venue.id), moment, 30, venue.capacity or 0, moment.date()))
                slot_steps.append((step, venue.id))

    def events_for(prep_):
        events = []
        for s in problem.sessions:
            unavailable = [
                slot
                for slot, (step, venue_id) in zip(slots, slot_steps, strict=True)
                if slot.capacity < s.audience
                or any(
                    prep_.available.get(k) is not None
                    and not any(lo <= step < hi for lo, hi in prep_.available[k])
                    for k in s.speaker_ids
                )
            ]
            events.append(
                Event(
                    str(s.id),
                    30,
                    s.audience,
                    tags=[f"speaker{k}" for k in s.speaker_ids],
                    unavailability=unavailable,
                )
            )
        return events

    def solve(events, objective=None, **kwargs):
        t0 = clock.monotonic()
        lp = pulp.LpProblem()
        x = utils.variables(Shape(len(events), len(slots)))
        for c in constraints.all_constraints(events, slots, x, None, "lpsum"):
            lp += c.condition
        if objective is not None:
            lp += objective(events=events, slots=slots, X=x, **kwargs)
        built = clock.monotonic() - t0
        print(f"peer: model built in {built:.1f} s, CBC solving", file=sys.stderr, flush=True)
        lp.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1))
        took = clock.monotonic() - t0
        chosen = [key for key, var in x.items() if (var.value() or 0) > 0.5]
        return {
            "status": pulp.LpStatus[lp.status],
            "solution_status": pulp.constants.LpSolution[lp.sol_status],
            "build_s": _r(built),
            "wall_s": _r(took),
            "variables": len(x),
            "constraints": len(lp.constraints),
        }, chosen

    events = events_for(prep)
    out: dict[str, Any] = {"instance": name, "spec_slots": len(slots), "talks": spec.talks}
    result, chosen = solve(events)
    out["propose"] = result
    if result["status"] == "Optimal" and len(chosen) == len(events):
        placements = {
            int(events[e].name): Placement(grid.moment(slot_steps[j][0]), slot_steps[j][1])
            for e, j in chosen
        }
        out["propose"]["soft"] = score(prep, placements, count_moves=False).soft
        changed, sid, _ = speaker_unavailable(problem, placements, seed)
        changed_events = events_for(prepare(changed))
        original = [ScheduledItem(changed_events[e], slots[j]) for e, j in chosen]
        fixed, moved_chosen = solve(
            changed_events,
            objective_functions.number_of_changes,
            original_schedule=original,
        )
        before = dict(chosen)
        after = dict(moved_chosen)
        fixed["moves"] = sum(1 for e in before if after.get(e) != before[e])
        fixed["changed_session"] = sid
        out["repair"] = fixed
    del scheduler  # imported to show the package loads; its solution() hides the status
    out["total_s"] = _r(clock.monotonic() - started)
    out["peak_rss_mb"] = _r(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    # CBC runs as a child process; Linux reports a child's peak from the fork on (the parent's
    # pages included), so this is an upper bound on CBC's own peak.
    out["cbc_peak_rss_mb"] = _r(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return out


# ----------------------------------------------------------------------------- the run


def in_child(kind: str, name: str, args, timeout: float) -> dict[str, Any]:
    """One instance in a process of its own: its own peak RSS, and a hard stop."""
    with tempfile.TemporaryDirectory(prefix="madang_bench_solver_") as tmp:
        out = Path(tmp) / "out.json"
        command = [
            sys.executable, "-m", "bench.solver", "--child", kind, "--instances", name,
            "--seed", str(args.seed), "--time-limit", str(args.time_limit),
            "--peer-time-limit", str(args.peer_time_limit),
            "--search-workers", str(args.search_workers), "--json-out", str(out),
        ]  # fmt: skip
        started = clock.monotonic()
        # A session of its own: on a timeout the whole group goes, the peer's CBC process
        # included, which would otherwise keep a core busy through the scenarios after it.
        proc = subprocess.Popen(
            command,
            cwd=common.REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, said = proc.communicate()
            where = (said or "").strip().splitlines()[-1:] or ["while building its model"]
            return {"instance": name, "error": f"did not finish in {timeout:.0f} s ({where[0]})"}
        except BaseException:  # interrupted: the group must not outlive the bench
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        if proc.returncode != 0 or not out.exists():
            tail = (stderr or stdout).strip().splitlines()[-3:]
            return {"instance": name, "error": " / ".join(tail) or f"exit {proc.returncode}"}
        result = json.loads(out.read_text())
        result["process_s"] = _r(clock.monotonic() - started)
        return result


def judge(ours: dict[str, dict], peers: dict[str, dict]) -> tuple[dict[str, bool], dict[str, bool]]:
    """(targets, checks): targets are speed and quality; checks must hold even in a smoke run."""
    targets: dict[str, bool] = {}
    checks: dict[str, bool] = {}
    for name, r in ours.items():
        if "error" in r:
            checks[f"{name}: ran"] = False
            continue
        p, fix = r["propose"], r.get("repair", {})
        checks[f"{name}: a timetable was found"] = p["status"] in ("optimal", "feasible")
        if fix:
            checks[f"{name}: the repair is sound"] = bool(fix["sound"])
        if name == "forum":
            targets["forum: optimal ≤ 1 s"] = p["status"] == "optimal" and p["wall_s"] <= 1.0
        elif name.startswith("pycon"):
            first = p["first_feasible_s"]
            targets[f"{name}: feasible ≤ 10 s"] = first is not None and first <= 10.0
            targets[f"{name}: gap ≤ 5% at the limit"] = p["gap"] is not None and p["gap"] <= 0.05
        if fix:
            targets[f"{name}: repair ≤ 2 s"] = fix["wall_s"] <= 2.0
            if fix["one_move_exists"]:
                targets[f"{name}: repair moves ≤ 3"] = fix["moves"] <= 3
        targets[f"{name}: peak RSS ≤ 500 MB"] = r["peak_rss_mb"] <= 500
    return targets, checks


def table_rows(ours: dict[str, dict], peers: dict[str, dict]) -> list[list[Any]]:
    rows = []
    for name, r in ours.items():
        peer = peers.get(name, {})
        if "error" in r:
            rows.append([name, "error", r["error"], "", "", "", "", "", "", ""])
            continue
        p, fix = r["propose"], r.get("repair", {})
        pp = peer.get("propose", {})
        pf = peer.get("repair", {})
        peer_cell = peer.get("error") or (
            f"{pp.get('status')} {common.fmt(pp.get('wall_s'), 2)} s"
            f" (build {common.fmt(pp.get('build_s'), 1)} s), soft {common.fmt(pp.get('soft'))}"
            if pp
            else "not expressible"
        )
        peer_repair = (
            f"{common.fmt(pf.get('wall_s'), 2)} s, {_moves_text(pf.get('moves'))}" if pf else "-"
        )
        rows.append(
            [
                f"{name} ({r['sessions']}/{r['venues']}/{r['days']})",
                common.fmt(p["first_feasible_s"], 2),
                f"{p['status']} {common.fmt(p['wall_s'], 1)} s",
                f"{p['objective']} / {common.fmt(p['best_bound'], 0)}",
                f"{(p['gap'] or 0) * 100:.1f}%" if p["gap"] is not None else "-",
                f"{common.fmt(fix.get('wall_s'), 2)} s, {_moves_text(fix.get('moves'))}"
                f" ({'1-move exists' if fix.get('one_move_exists') else 'no 1-move'})"
                if fix
                else "-",
                common.fmt(r["peak_rss_mb"], 0),
                peer_cell,
                peer_repair,
                common.fmt(peer.get("peak_rss_mb"), 0),
            ]
        )
    return rows


def _moves_text(moves: int | None) -> str:
    return f"{moves} move" if moves == 1 else f"{moves} moves"


HEADERS = [
    "instance (sessions/venues/days)",
    "first feasible s",
    "status at end",
    "objective / bound",
    "gap",
    "repair",
    "RSS MB",
    "peer timetable",
    "peer repair",
    "peer RSS MB",
]


def markdown(rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instances", default=",".join(INSTANCES), help="comma-separated")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=60.0, help="ours, per timetable")
    p.add_argument("--peer-time-limit", type=float, default=60.0, help="CBC, per solve")
    p.add_argument("--peer-timeout", type=float, default=300.0, help="kill the peer after this")
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--search-workers", type=int, default=1, help="CP-SAT workers")
    p.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    p.add_argument("--json-out", help="write the result here (as well as bench/results/)")
    p.add_argument("--child", choices=("ours", "peer"), help=argparse.SUPPRESS)
    return p


def run(args) -> dict[str, Any]:
    names = [n for n in args.instances.split(",") if n]
    ours = {n: in_child("ours", n, args, timeout=args.time_limit * 2 + 120 + 60) for n in names}
    peers = {}
    if not args.no_peer:
        for n in names:
            if n in SPECS:
                peers[n] = in_child("peer", n, args, timeout=args.peer_timeout)
    targets, checks = judge(ours, peers)
    rows = table_rows(ours, peers)
    return {
        "scenario": "agenda_solver",
        "started": common.now_iso(),
        "machine": common.machine_info(),
        "command": "python -m bench.solver " + " ".join(sys.argv[1:]),
        "runs": {"ours": ours, "peer": peers},
        "targets": targets,
        "checks": checks,
        "rows": rows,
        "markdown": markdown(rows),
    }


def main(argv: list[str] | None = None) -> int:
    args, _ = parser().parse_known_args(argv)  # bench.all passes options meant for others
    if args.child:
        name = args.instances
        result = (
            run_ours(name, args.seed, args.time_limit, args.search_workers)
            if args.child == "ours"
            else run_peer(name, args.seed, args.peer_time_limit)
        )
        Path(args.json_out).write_text(json.dumps(result, indent=2, default=str) + "\n")
        return 0
    result = run(args)
    common.print_table("Agenda solver (ours, then the peer)", HEADERS, result["rows"])
    for name, ok in {**result["checks"], **result["targets"]}.items():
        print(f"  {'ok ' if ok else 'NO '} {name}")
    path = common.save_result("agenda_solver", result, enabled=not args.no_save, also=args.json_out)
    if path:
        print(f"\nSaved {path.relative_to(common.REPO_ROOT)}")
    return 0 if all(result["checks"].values()) and all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
