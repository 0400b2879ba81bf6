"""Costs as a forum grows: the same work measured at several sizes, so the curve shows.

- **rush**: the registration rush (`registration_rush`, Madang only) with 0, 10,000 and 100,000
  registrations already in the forum, and with 10,000 people already waiting for the one
  session everybody asks for (each newcomer's waitlist position is a rank among them).
- **feeds**: the forum's iCal feed rendered with every cache empty at 50, 500 and 5,000
  sessions, and a personal feed of 40 booked sessions in the forum of 500.
- **outbox**: claiming a batch (`claim_due`, the worker's batch size) with 1,000 and 100,000
  rows pending.
- **purge**: the retention purge (`flask privacy purge`) of forums of 10,000 and 100,000
  registrations, each with its sent mail and some audit entries.

Each size gets a fresh database. The in-process parts (feeds, outbox, purge) run in this
process against it, as the worker and the CLI run them.

    python -m bench.growth --db postgresql
    python -m bench.growth --db sqlite --parts feeds,outbox --feed-sessions 50,500
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import common, rush
from bench.seed import (
    RushForum,
    seed_calendar,
    seed_forum,
    seed_outbox,
    seed_registrants,
    seed_waiting,
)

PARTS = ("rush", "feeds", "outbox", "purge")
TARGETS = {
    "rush_keeps": 0.8,  # of the rate at 0 existing registrations, at 100,000
    "feed_ratio": 10.0,  # 5,000 sessions against 500, uncached
    "claim_ms": 5.0,  # at 100,000 pending
}


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parser():
    p = common.base_parser(__doc__.splitlines()[0], seconds=15, clients=64)
    p.set_defaults(only="madang")
    p.add_argument("--parts", default=",".join(PARTS), help="which parts to run")
    p.add_argument("--sessions", type=int, default=40, help="rush: sessions with seats")
    p.add_argument("--seats", type=int, default=50, help="rush: seats per session")
    p.add_argument("--existing", default="0,10000,100000", help="rush: registrations before")
    p.add_argument(
        "--waiting",
        default="0,10000",
        help="rush: people already waiting for the one full session everybody asks for",
    )
    p.add_argument("--feed-sessions", default="50,500,5000", help="feeds: programme sizes")
    p.add_argument("--personal-sessions", type=int, default=40, help="feeds: booked sessions")
    p.add_argument("--renders", type=int, default=5, help="feeds: renders per size")
    p.add_argument("--pending", default="1000,100000", help="outbox: rows pending")
    p.add_argument("--claims", type=int, default=30, help="outbox: claims timed per size")
    p.add_argument("--purge", default="10000,100000", help="purge: registrations")
    return p


# ------------------------------------------------------------------------------ the rush


def _existing(count: int):
    def prepare(app, forum: RushForum) -> RushForum:
        if count:
            seed_registrants(app, count=count, forum_id=forum.forum_id)
        return forum

    return prepare


def _waiting(count: int):
    def prepare(app, forum: RushForum) -> RushForum:
        session_id = forum.session_ids[0]
        seed_waiting(
            app, forum_id=forum.forum_id, session_id=session_id, seats=forum.seats, waiting=count
        )
        return RushForum(forum.slug, forum.forum_id, [session_id], forum.seats)

    return prepare


def _rush_line(label: str, run_: dict) -> dict[str, Any]:
    main = run_["requests"].get("POST registration", {})
    checks = run_["verification"]["checks"]
    return {
        "case": label,
        "rate_per_s": main.get("rate_per_s", 0.0),
        "p99_ms": main.get("p99_ms"),
        "max_ms": main.get("max_ms"),
        "errors": sum(r["errors"] for r in run_["requests"].values()),
        "cpu_ms_per_registration": run_["cpu"].get("workers_cpu_ms_per_registration"),
        "postgres_cpu_ms_per_registration": run_["cpu"].get("postgres_cpu_ms_per_registration"),
        "max_worker_rss_mb": run_["memory"]["max_worker_rss_mb"],
        "checks_failed": [name for name, ok in checks.items() if not ok],
    }


def run_rush(args) -> dict[str, Any]:
    cases: list[tuple[str, Any]] = [
        (f"{n:,} registered", _existing(n)) for n in _sizes(args.existing)
    ]
    cases += [(f"full, {n:,} waiting", _waiting(n)) for n in _sizes(args.waiting)]
    lines = []
    for label, prepare in cases:
        run_ = rush.run_one(
            "madang",
            args,
            path="api",
            scenario="growth",
            sessions=args.sessions,
            seats=args.seats,
            prepare=prepare,
        )
        lines.append(_rush_line(label, run_))
        print(f"  rush, {label}: {lines[-1]['rate_per_s']:.0f}/s", flush=True)
    # Each case against the first of its kind: registered against 0 registered, waiting
    # against a full session with nobody waiting yet.
    for kind in ("registered", "waiting"):
        same = [line for line in lines if line["case"].endswith(kind)]
        base = same[0]["rate_per_s"] if same else 0
        for line in same:
            line["of_first"] = line["rate_per_s"] / base if base else None
    return {"lines": lines}


# ------------------------------------------------------------------------------ the feeds


def _timed(fn, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(times), "max_ms": max(times), "renders": repeat}


def _cold(render) -> Any:
    from app.feeds import feed_cache
    from scheduling.calendar import _event_block

    def call():
        feed_cache.clear_feed_cache()
        _event_block.cache_clear()
        assert render() is not None

    return call


def _personal_token(app, slug: str, sessions: int) -> str:
    """One in-person registrant holding a seat in `sessions` sessions of the forum, every
    session of which has seats (so the feed holds exactly those); their feed's token."""
    from sqlalchemy import insert, select, update

    from app.core.db import db, utcnow
    from app.core.tokens import hash_token, new_token
    from app.models import Booking, Forum, ForumSession, Registration

    token = new_token()
    with app.app_context():
        forum_id = db.session.scalar(select(Forum.id).where(Forum.slug == slug))
        db.session.execute(
            update(ForumSession)
            .where(ForumSession.forum_id == forum_id, ForumSession.seats.is_(None))
            .values(seats=80)
        )
        db.session.commit()
        db.session.remove()
    seed_registrants(app, count=1, forum_id=forum_id, attendance="in_person")
    with app.app_context():
        seated = db.session.scalars(
            select(ForumSession.id)
            .where(ForumSession.forum_id == forum_id, ForumSession.status == "scheduled")
            .order_by(ForumSession.starts_at, ForumSession.id)
            .limit(sessions)
        ).all()
        registration_id = db.session.scalar(
            select(Registration.id).where(Registration.forum_id == forum_id)
        )
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id)
            .values(calendar_token_hash=hash_token(token))
        )
        now = utcnow()
        db.session.execute(
            insert(Booking.__table__),
            [
                {
                    "registration_id": registration_id,
                    "session_id": sid,
                    "status": "confirmed",
                    "created_at": now,
                    "updated_at": now,
                }
                for sid in seated
            ],
        )
        db.session.execute(
            update(ForumSession).where(ForumSession.id.in_(seated)).values(seats_taken=1)
        )
        db.session.commit()
        db.session.remove()
    return token


def _events(body: bytes) -> int:
    return body.count(b"BEGIN:VEVENT")


def run_feeds(args) -> dict[str, Any]:
    from app.feeds import calendars

    lines = []
    sizes = _sizes(args.feed_sessions)
    personal_in = 500 if 500 in sizes else sizes[len(sizes) // 2]
    for size in sizes:
        with common.migrated_database(args.db, args.pg_admin_url) as url:
            app = common.make_app(url)
            slug = seed_calendar(app, sessions=size, slug=f"bench-feed-{size}")
            mine = f"bench-personal-{size}"
            token = None
            if size == personal_in:
                seed_calendar(app, sessions=size, slug=mine)
                token = _personal_token(app, mine, args.personal_sessions)
            with app.test_request_context("/"):
                feed = calendars.forum_feed(slug)  # imports and first connection out of the way
                line = {
                    "case": f"forum feed, {size:,} sessions",
                    "sessions": size,
                    "events": _events(feed.body),
                }
                line.update(
                    _timed(_cold(lambda slug=slug: calendars.forum_feed(slug)), args.renders)
                )
                lines.append(line)
                if token:
                    personal = {
                        "case": f"personal feed, {args.personal_sessions} of {size:,} sessions",
                        "sessions": size,
                        "events": _events(calendars.personal_feed(token).body),
                    }
                    personal.update(
                        _timed(
                            _cold(lambda token=token: calendars.personal_feed(token)),
                            args.renders,
                        )
                    )
                    lines.append(personal)
            common.dispose(app)
        print(f"  feeds, {size:,} sessions: {line['p50_ms']:.0f} ms", flush=True)
    by_size = {
        line["sessions"]: line["p50_ms"] for line in lines if line["case"].startswith("forum")
    }
    ratio = by_size[5000] / by_size[500] if 5000 in by_size and 500 in by_size else None
    return {"lines": lines, "ratio_5000_to_500": ratio}


# ------------------------------------------------------------------------------ the outbox


def run_outbox(args) -> dict[str, Any]:
    from app.core.db import db
    from app.mail.delivery import DEFAULT_BATCH_SIZE, DEFAULT_LEASE, claim_due

    lines = []
    for pending in _sizes(args.pending):
        if pending < (args.claims + 1) * DEFAULT_BATCH_SIZE:
            raise SystemExit(f"--pending {pending}: too few rows for {args.claims} whole batches")
        with common.migrated_database(args.db, args.pg_admin_url) as url:
            app = common.make_app(url)
            forum_id = seed_forum(app, f"bench-outbox-{pending}")
            seed_outbox(app, count=pending, forum_id=forum_id)
            with app.app_context():
                _analyze(db)
                claimed = []

                def claim(claimed=claimed):
                    rows = claim_due("bench-worker", limit=DEFAULT_BATCH_SIZE, lease=DEFAULT_LEASE)
                    claimed.append(len(rows))
                    # As the worker's batch does: end the read transaction, keep the
                    # connection.
                    db.session.rollback()

                claim()  # first connection
                line = {"case": f"claim {DEFAULT_BATCH_SIZE}, {pending:,} pending"}
                line.update(_timed(claim, args.claims))
                line["claimed_each"] = min(claimed)
                db.session.remove()
            common.dispose(app)
        lines.append(line)
        print(f"  outbox, {pending:,} pending: {line['p50_ms']:.2f} ms", flush=True)
    return {"lines": lines}


def _analyze(db) -> None:
    """Fresh statistics after a bulk load, as autovacuum would gather them shortly after."""
    from sqlalchemy import text

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


# ------------------------------------------------------------------------------ the purge


def _seed_audit(app, forum_id: int, every: int) -> None:
    """An audit entry for every `every`-th registration (an organizer's note naming them)."""
    from sqlalchemy import insert, select

    from app.core.db import db, utcnow
    from app.models import AuditEntry, Registration

    with app.app_context():
        people = db.session.execute(
            select(Registration.id, Registration.name).where(Registration.forum_id == forum_id)
        ).all()
        now = utcnow()
        rows = [
            {
                "action": "registration.updated",
                "forum_id": forum_id,
                "registration_id": rid,
                "details": {"reason": f"{name} asked to change"},
                "created_at": now,
            }
            for rid, name in people[::every]
        ]
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(AuditEntry.__table__), rows[start : start + 1000])
        db.session.commit()
        db.session.remove()


def run_purge(args) -> dict[str, Any]:
    from app.core.db import db
    from app.privacy.retention import purge

    lines = []
    for count in _sizes(args.purge):
        with common.migrated_database(args.db, args.pg_admin_url) as url:
            app = common.make_app(url)
            first = (datetime.now(UTC) - timedelta(days=400)).date()
            forum_id = seed_forum(app, f"bench-purge-{count}", first_day=first, last_day=first)
            seed_registrants(app, count=count, forum_id=forum_id)
            seed_outbox(app, count=count, forum_id=forum_id, status="sent")
            _seed_audit(app, forum_id, every=20)
            with app.app_context():
                _analyze(db)
                started = time.perf_counter()
                report = purge()
                seconds = time.perf_counter() - started
                db.session.remove()
            common.dispose(app)
        line = {
            "case": f"purge, {count:,} registrations",
            "registrations": count,
            "anonymised": report.total,
            "seconds": seconds,
            "ms_per_1000": 1000 * seconds / max(count, 1) * 1000,
        }
        lines.append(line)
        print(f"  purge, {count:,}: {seconds:.1f} s", flush=True)
    return {"lines": lines}


# ------------------------------------------------------------------------------ the whole


RUNNERS = {"rush": run_rush, "feeds": run_feeds, "outbox": run_outbox, "purge": run_purge}


def run(args) -> dict[str, Any]:
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {
        "scenario": "growth",
        "date": common.now_iso(),
        "command": common.command_line(),
        "machine": common.machine_info(),
        "settings": {"db": args.db, "workers": args.workers, "clients": args.clients},
    }
    for part in parts:
        result[part] = RUNNERS[part](args)
    result["targets"] = targets(result)
    result["verdict"] = common.verdict(result["targets"])
    return result


def targets(result: dict[str, Any]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    if "rush" in result:
        lines = result["rush"]["lines"]
        for line in lines:
            out[f"rush, {line['case']}: zero errors, every check holds"] = (
                line["errors"] == 0 and not line["checks_failed"]
            )
        at_100k = [line for line in lines if line["case"] == "100,000 registered"]
        waiting = [line for line in lines if line["case"] == "full, 10,000 waiting"]
        if waiting and waiting[0]["of_first"] is not None:
            out[f"rush with 10,000 waiting ≥ {TARGETS['rush_keeps']:.0%} of the rate with none"] = (
                waiting[0]["of_first"] >= TARGETS["rush_keeps"]
            )
        if at_100k and at_100k[0]["of_first"] is not None:
            out[f"rush at 100,000 registered ≥ {TARGETS['rush_keeps']:.0%} of the rate at 0"] = (
                at_100k[0]["of_first"] >= TARGETS["rush_keeps"]
            )
    if result.get("feeds", {}).get("ratio_5000_to_500") is not None:
        out[f"feed of 5,000 sessions ≤ {TARGETS['feed_ratio']:g}× the time of 500"] = (
            result["feeds"]["ratio_5000_to_500"] <= TARGETS["feed_ratio"]
        )
    for line in result.get("outbox", {}).get("lines", []):
        if line["case"].endswith("100,000 pending"):
            out[f"outbox claim at 100,000 pending < {TARGETS['claim_ms']:g} ms (p50)"] = (
                line["p50_ms"] < TARGETS["claim_ms"]
            )
    for line in result.get("purge", {}).get("lines", []):
        out[f"purge of {line['registrations']:,}: every registration anonymised"] = (
            line["anonymised"] == line["registrations"]
        )
    return out


def print_result(result: dict[str, Any]) -> None:
    db = result["settings"]["db"]
    if "rush" in result:
        common.print_table(
            f"growth · rush · {db} · {result['date']}",
            [
                "case",
                "reg/s",
                "of first",
                "p99 ms",
                "max ms",
                "errors",
                "app CPU ms/reg",
                "PG CPU ms/reg",
                "RSS MB",
            ],
            [
                [
                    line["case"],
                    line["rate_per_s"],
                    None if line["of_first"] is None else f"{line['of_first']:.0%}",
                    line["p99_ms"],
                    line["max_ms"],
                    line["errors"],
                    line["cpu_ms_per_registration"],
                    line["postgres_cpu_ms_per_registration"] if db == "postgresql" else None,
                    line["max_worker_rss_mb"],
                ]
                for line in result["rush"]["lines"]
            ],
        )
    timed = [
        *result.get("feeds", {}).get("lines", []),
        *result.get("outbox", {}).get("lines", []),
    ]
    if timed:
        common.print_table(
            f"growth · feeds and outbox · {db}",
            ["case", "events", "p50 ms", "max ms", "runs"],
            [
                [line["case"], line.get("events"), line["p50_ms"], line["max_ms"], line["renders"]]
                for line in timed
            ],
        )
    if "purge" in result:
        common.print_table(
            f"growth · purge · {db}",
            ["case", "anonymised", "s", "ms per 1,000"],
            [
                [line["case"], line["anonymised"], line["seconds"], line["ms_per_1000"]]
                for line in result["purge"]["lines"]
            ],
        )
    for name, ok in result["targets"].items():
        print(f"  [{'x' if ok else ' '}] {name}")
    print(f"Verdict: {result['verdict']}")


def main(argv: list[str] | None = None) -> int:
    return common.scenario_main("growth", parser().parse_args(argv), run, print_result)


if __name__ == "__main__":
    raise SystemExit(main())
