"""The registration rush, shared by the JSON API scenario and the web form scenario.

Each app (the floor, then Madang) gets a fresh database with the same seed: one open forum
with sessions of limited seats. N clients register as fast as the server answers, each person
in one session picked at random, for the given time. Afterwards the database must show, per
session: seats taken = confirmed bookings ≤ seats; nobody waitlisted while a seat was free;
waitlist positions 1, 2, 3… with no gaps and no repeats, in the order of arrival, matching
what the API told each person; one registration per successful response; and the server log
must be free of tracebacks and "database is locked".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench import common
from bench.common import finish_profiler, start_profiler
from bench.loadgen import Client, Recorder, Response, run_clients, summarise
from bench.seed import RushForum, seed_rush

TARGETS = {
    "postgresql": {"rate_per_s": 500.0, "floor_ratio": 0.5, "p99_ms": 250.0},
    "sqlite": {"rate_per_s": 300.0, "floor_ratio": 0.5, "p99_ms": 250.0},
}
RSS_LIMIT_MB = 150.0
# Flask-WTF's hidden input (the floor writes the same markup).
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
APPS = {"floor": "bench.floor_app:app", "madang": "wsgi:app"}


@dataclass(frozen=True)
class Baseline:
    """What the database held before the run (a growth scenario seeds people first)."""

    registrations: int = 0
    bookings: int = 0
    outbox: int = 0
    # session id -> people already waiting for it
    waiting: dict[int, int] = field(default_factory=dict)


@dataclass
class Outcomes:
    """What the server answered, kept for the checks against the database."""

    ok: int = 0
    failed: int = 0
    # session id -> [(position, email)] for waitlisted bookings (JSON path only)
    waitlisted: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


def _error(response: Response, expected: int) -> str | None:
    if response.status == expected:
        return None
    return f"HTTP {response.status}: {response.body[:100]!r}"


def api_lap(rush: RushForum, tag: str, outcomes: Outcomes, rng: random.Random):
    path = f"/api/v1/forums/{rush.slug}/registrations"
    counter = itertools.count()
    headers = {"Content-Type": "application/json"}

    async def lap(index: int, client: Client, recorder: Recorder) -> None:
        n = next(counter)
        session_id = rng.choice(rush.session_ids)
        email = f"p{n}.c{index}.{tag}@example.org"
        body = json.dumps(
            {
                "name": f"참가자 {n}",
                "email": email,
                "attendance": "in_person",
                "session_ids": [session_id],
                "locale": "ko",
                "consent_personal_data": True,
            }
        ).encode()
        response = await recorder.timed(
            "POST registration",
            client.request("POST", path, body=body, headers=headers),
            lambda r: _error(r, 201),
        )
        if response is None:
            outcomes.failed += 1
            return
        outcomes.ok += 1
        for booking in json.loads(response.body)["sessions"]:
            if booking["status"] == "waitlisted":
                outcomes.waitlisted[booking["id"]].append((booking["waitlist_position"], email))

    return lap


def form_lap(rush: RushForum, tag: str, outcomes: Outcomes, rng: random.Random):
    path = f"/forums/{rush.slug}/register"
    counter = itertools.count()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    async def lap(index: int, client: Client, recorder: Recorder) -> None:
        page = await recorder.timed(
            "GET form",
            client.request("GET", path),
            lambda r: _error(r, 200) or (None if CSRF_RE.search(r.body) else "no CSRF token"),
        )
        if page is None:
            outcomes.failed += 1
            return
        token = CSRF_RE.search(page.body).group(1).decode()
        n = next(counter)
        fields = {
            "csrf_token": token,
            "name": f"참가자 {n}",
            "email": f"p{n}.c{index}.{tag}@example.org",
            "affiliation": "",
            "attendance": "in_person",
            "session_ids": str(rng.choice(rush.session_ids)),
            "locale": "ko",
            "consent_personal_data": "y",
            "consent": "y",
            "submit": "Register",
        }
        done = await recorder.timed(
            "POST form",
            client.request("POST", path, body=urlencode(fields).encode(), headers=form_type),
            lambda r: _error(r, 303),
        )
        if done is None:
            outcomes.failed += 1
        else:
            outcomes.ok += 1

    return lap


# ------------------------------------------------------------------------------ the checks


def _counts(conn, forum_id: int) -> dict[tuple[int, str], int]:
    from sqlalchemy import text

    return {
        (sid, status): n
        for sid, status, n in conn.execute(
            text(
                "SELECT b.session_id, b.status, count(*) FROM bookings b"
                " JOIN sessions s ON s.id = b.session_id WHERE s.forum_id = :f"
                " GROUP BY b.session_id, b.status"
            ),
            {"f": forum_id},
        )
    }


def _count(conn, table: str, forum_id: int) -> int:
    from sqlalchemy import text

    return conn.execute(
        text(f"SELECT count(*) FROM {table} WHERE forum_id = :f"), {"f": forum_id}
    ).scalar_one()


def baseline(app, rush: RushForum) -> Baseline:
    """The rows already there, so the checks count only what the run added."""
    from app.core.db import db

    with app.app_context():
        conn = db.session.connection()
        counts = _counts(conn, rush.forum_id)
        result = Baseline(
            registrations=_count(conn, "registrations", rush.forum_id),
            bookings=sum(counts.values()),
            outbox=_count(conn, "outbox", rush.forum_id),
            waiting={sid: n for (sid, status), n in counts.items() if status == "waitlisted"},
        )
        db.session.remove()
    return result


def verify(
    app,
    rush: RushForum,
    outcomes: Outcomes,
    *,
    madang: bool,
    path: str,
    before: Baseline | None = None,
) -> dict:
    """The invariants, read straight from the database after the run."""
    from sqlalchemy import text

    from app.core.db import db

    before = before or Baseline()

    checks: dict[str, bool] = {}
    details: dict[str, Any] = {}
    with app.app_context():
        conn = db.session.connection()
        sessions = conn.execute(
            text("SELECT id, seats, seats_taken FROM sessions WHERE forum_id = :f ORDER BY id"),
            {"f": rush.forum_id},
        ).all()
        counts = _counts(conn, rush.forum_id)
        waitlists: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for sid, seq, email in conn.execute(
            text(
                "SELECT b.session_id, b.waitlist_seq, r.email FROM bookings b"
                " JOIN registrations r ON r.id = b.registration_id"
                " WHERE r.forum_id = :f AND b.status = 'waitlisted'"
                " ORDER BY b.session_id, b.waitlist_seq, b.id"
            ),
            {"f": rush.forum_id},
        ):
            waitlists[sid].append((seq, email))
        registrations = _count(conn, "registrations", rush.forum_id) - before.registrations
        bookings = sum(counts.values()) - before.bookings
        seats_ok = taken_matches = full_before_waitlist = True
        for sid, seats, taken in sessions:
            confirmed = counts.get((sid, "confirmed"), 0)
            waiting = counts.get((sid, "waitlisted"), 0)
            taken_matches &= taken == confirmed
            seats_ok &= confirmed <= seats
            full_before_waitlist &= waiting == 0 or taken == seats
        checks["seats taken = confirmed bookings"] = taken_matches
        checks["confirmed ≤ seats"] = seats_ok
        checks["nobody waitlisted while a seat is free"] = full_before_waitlist
        seqs_unique = all(
            len({seq for seq, _ in entries}) == len(entries) and None not in {s for s, _ in entries}
            for entries in waitlists.values()
        )
        checks["waitlist numbers unique"] = seqs_unique
        checks["one registration and one booking per success"] = (
            registrations == outcomes.ok and bookings == outcomes.ok
            if outcomes.failed == 0
            else registrations >= outcomes.ok
        )
        if path == "api":
            # Positions shown to people: 1..n per session, no gaps, in the database's order
            # (after those already waiting).
            positions_ok = True
            for sid, entries in waitlists.items():
                ranked = {email: rank for rank, (_, email) in enumerate(entries, start=1)}
                shown = outcomes.waitlisted.get(sid, [])
                expected = range(before.waiting.get(sid, 0) + 1, len(entries) + 1)
                positions_ok &= sorted(p for p, _ in shown) == list(expected)
                positions_ok &= all(ranked.get(email) == p for p, email in shown)
            positions_ok &= set(outcomes.waitlisted) <= set(waitlists)
            checks["waitlist positions 1..n, no gaps, in arrival order"] = positions_ok
        if madang:
            forum_taken, capacity = conn.execute(
                text("SELECT in_person_taken, in_person_capacity FROM forums WHERE id = :f"),
                {"f": rush.forum_id},
            ).one()
            in_person = conn.execute(
                text(
                    "SELECT count(*) FROM registrations WHERE forum_id = :f"
                    " AND attendance = 'in_person' AND status = 'confirmed'"
                ),
                {"f": rush.forum_id},
            ).scalar_one()
            # Without a capacity the forum need not count its places (0 then).
            checks["forum places taken = confirmed in-person registrations"] = (
                forum_taken == in_person or (capacity is None and forum_taken == 0)
            )
            outbox = _count(conn, "outbox", rush.forum_id) - before.outbox
            checks["one queued mail per registration"] = outbox == registrations
        details.update(
            registrations=registrations,
            confirmed=sum(counts.get((s[0], "confirmed"), 0) for s in sessions),
            waitlisted=sum(counts.get((s[0], "waitlisted"), 0) for s in sessions),
            seats=sum(s[1] for s in sessions),
        )
        db.session.remove()
    return {"checks": checks, **details}


# ------------------------------------------------------------------------------ one app


def run_one(
    which: str,
    args,
    *,
    path: str,
    scenario: str,
    sessions: int,
    seats: int,
    extra_env: dict | None = None,
    prepare: Callable[[Any, RushForum], RushForum] | None = None,
) -> dict:
    """Fresh database, seed, gunicorn, load, figures, checks, clean-up: for one app.
    `prepare` adds to the seed (people already registered or waiting) and may narrow the
    sessions the clients pick from."""
    with common.migrated_database(args.db, args.pg_admin_url) as url:
        app = common.make_app(url)
        rush = seed_rush(app, sessions=sessions, seats=seats)
        if prepare is not None:
            rush = prepare(app, rush)
        before = baseline(app, rush)
        common.dispose(app)
        server = common.Server(
            APPS[which],
            env=common.server_env(
                url, {"RATELIMIT_STORAGE_URI": args.ratelimit_storage, **(extra_env or {})}
            ),
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            root=args.app_root if which == "madang" else str(common.REPO_ROOT),
        )
        with server:
            outcomes = Outcomes()
            rng = random.Random(7)
            tag = secrets.token_hex(3)
            lap = (api_lap if path == "api" else form_lap)(rush, tag, outcomes, rng)
            meter = common.CpuMeter(server.worker_pids(), url)
            profiler = start_profiler(args, which, server, scenario)
            recorder, seconds = asyncio.run(
                run_clients(
                    args.clients,
                    args.seconds,
                    args.warmup,
                    lambda i: Client(server.host, server.port),
                    lap,
                )
            )
            cpu = meter.finish(outcomes.ok + outcomes.failed, "registration")
            profile = finish_profiler(profiler)
            memory = common.worker_memory(server)
            server.stop()
            log = server.log_text()
        checked = verify(app, rush, outcomes, madang=which == "madang", path=path, before=before)
        common.dispose(app)
    stats = summarise(recorder.samples, seconds)
    checked["checks"]["no 'database is locked'"] = "database is locked" not in log
    checked["checks"]["no tracebacks in the server log"] = "Traceback" not in log
    return {
        "app": which,
        "measured_seconds": round(seconds, 2),
        "requests": stats,
        "cpu": cpu,
        "memory": memory,
        "verification": checked,
        "log_tail": "\n".join(log.splitlines()[-20:]),
        "profile": profile,
    }


def main_label(path: str) -> str:
    return "POST registration" if path == "api" else "POST form"


def run(args, *, path: str, scenario: str) -> dict:
    sessions = args.sessions
    seats = args.seats
    apps = ["floor", "madang"] if args.only == "both" else [args.only]
    runs = {
        which: run_one(which, args, path=path, scenario=scenario, sessions=sessions, seats=seats)
        for which in apps
    }
    label = main_label(path)
    target = TARGETS[args.db]
    result: dict[str, Any] = {
        "scenario": scenario,
        "date": common.now_iso(),
        "command": common.command_line(),
        "machine": common.machine_info(),
        "settings": {
            "db": args.db,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "sessions": sessions,
            "seats_per_session": seats,
        },
        "runs": runs,
    }
    madang = runs.get("madang")
    floor = runs.get("floor")
    if madang:
        main = madang["requests"].get(label, {})
        ratio = (
            main.get("rate_per_s", 0) / floor["requests"][label]["rate_per_s"]
            if floor and floor["requests"].get(label, {}).get("rate_per_s")
            else None
        )
        result["floor_ratio"] = ratio
        errors = sum(r["errors"] for r in madang["requests"].values())
        targets = {
            f"≥ {target['rate_per_s']:.0f} registrations/s": main.get("rate_per_s", 0)
            >= target["rate_per_s"],
            f"p99 ≤ {target['p99_ms']:.0f} ms": main.get("p99_ms", 1e9) <= target["p99_ms"],
            "zero errors": errors == 0,
            f"worker RSS ≤ {RSS_LIMIT_MB:.0f} MB": (madang["memory"]["max_worker_rss_mb"] or 0)
            <= RSS_LIMIT_MB,
            **madang["verification"]["checks"],
        }
        if ratio is not None:
            targets[f"≥ {target['floor_ratio']:.0%} of the floor"] = ratio >= target["floor_ratio"]
        result["targets"] = targets
        result["verdict"] = common.verdict(targets)
    if floor:
        result["floor_verdict"] = common.verdict(floor["verification"]["checks"])
    return result


def print_result(result: dict, path: str) -> None:
    settings = result["settings"]
    rows = []
    for which, run_ in result["runs"].items():
        for label, s in run_["requests"].items():
            rows.append(
                [
                    which,
                    label,
                    s["ok"],
                    s["errors"],
                    s["rate_per_s"],
                    s["p50_ms"],
                    s["p95_ms"],
                    s["p99_ms"],
                    s["max_ms"],
                    run_["memory"]["max_worker_rss_mb"],
                    run_["cpu"].get("workers_cpu_ms_per_registration"),
                    run_["cpu"].get("postgres_cpu_ms_per_registration")
                    if settings["db"] == "postgresql"
                    else None,
                    run_["cpu"]["loadgen_cpu_pct"],
                    run_["cpu"]["machine_busy_pct"],
                ]
            )
    common.print_table(
        f"{result['scenario']} · {settings['db']} · {settings['workers']}"
        f" {settings['worker_class']} workers · {settings['clients']} clients ·"
        f" {settings['seconds']:g} s · {result['date']}",
        [
            "app",
            "request",
            "ok",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "RSS MB",
            "app CPU ms/reg",
            "PG CPU ms/reg",
            "loadgen %",
            "machine %",
        ],
        rows,
    )
    if result.get("floor_ratio") is not None:
        print(f"Madang / floor ({main_label(path)}): {result['floor_ratio']:.0%}")
    for which, run_ in result["runs"].items():
        v = run_["verification"]
        print(
            f"{which}: {v['registrations']:,} registrations, {v['confirmed']:,} confirmed of"
            f" {v['seats']:,} seats, {v['waitlisted']:,} waitlisted"
        )
        for name, ok in v["checks"].items():
            if not ok:
                print(f"  FAILED check: {name}")
    for name, ok in result.get("targets", {}).items():
        print(f"  [{'x' if ok else ' '}] {name}")
    if "verdict" in result:
        print(f"Verdict: {result['verdict']}")


def parser(description: str):
    p = common.base_parser(description, seconds=60, clients=64)
    p.add_argument("--sessions", type=int, default=40, help="sessions with limited seats")
    p.add_argument("--seats", type=int, default=50, help="seats per session")
    return p


def main(path: str, scenario: str, description: str, argv: list[str] | None = None) -> int:
    return common.scenario_main(
        scenario,
        parser(description).parse_args(argv),
        lambda args: run(args, path=path, scenario=scenario),
        lambda result: print_result(result, path),
    )
