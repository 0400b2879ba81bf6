"""Announcement: an organizer's message to every registrant of a forum, queued then delivered.

1. queue: a published forum with N confirmed registrants (`--people`, 10,000 by default; half
   Korean, half English readers, in person and online). An organizer sends an announcement in
   both languages to everyone: `announcements.send()` (the previewed draft, the reach shown)
   writes the announcement, one outbox row per person and the audit entry in one transaction.
   It runs in a process of its own, started like a web worker (the app imported, the preview's
   queries done), so its time and its peak RSS are the send's. Target: < 5 s for 10,000.
   Afterwards the outbox must hold exactly one pending announcement row per registrant.
2. delivery: one `flask outbox deliver --watch` worker (the same worker, settings and aiosmtpd
   sink as bench/mail_delivery.py) sends them all. Rate = messages accepted by the sink per
   second, first to last, as in mail_delivery. Target: the mail benchmark's, ≥ 200/s. Then
   every Message-ID must be at the sink once and every row `sent`.

The floor, on its own database seeded the same way: the same queue in raw SQL (read the
segment, insert the announcement, the N outbox rows with executemany and the audit entry, one
transaction), then bench/floor_mail.py sends those rows (raw SQL claim, a fixed small message,
smtplib, same batch size).

    python -m bench.announcement --db postgresql --people 10000
"""

from __future__ import annotations

import email
import email.policy
import json
import multiprocessing
import os
import secrets
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import common
from bench.mail_delivery import (
    Sink,
    Worker,
    finish_profiler,
    floor_send,
    outbox_status,
    start_profiler,
    wait_for,
    worker_cpu,
)
from bench.seed import seed_organizer, seed_registrants

QUEUE_LIMIT_S = 5.0
TARGET_RATE = 200.0  # the mail benchmark's target (bench/mail_delivery.py)
RSS_LIMIT_MB = 150.0
SAMPLES = 4  # messages the sink keeps whole, to check what they say

DRAFT = {
    "segment": "everyone",
    "session_id": "",
    "subject_ko": "행사장 입장 안내: 신분증을 지참해 주세요",
    "body_ko": (
        "내일 포럼에 오시는 모든 분께 알려 드립니다.\n\n"
        "서울시청 본관 입구에서 신분증을 확인합니다. 행사 시작 30분 전부터 입장할 수 있으며, "
        "온라인 참가자께는 시작 10분 전에 중계 링크가 열립니다.\n\n"
        "문의는 이 메일에 회신해 주세요."
    ),
    "subject_en": "Getting in: please bring an ID",
    "body_en": (
        "A note for everyone coming to the forum tomorrow.\n\n"
        "IDs are checked at the entrance of Seoul City Hall. Doors open 30 minutes before the "
        "start; online attendees find the livestream link open 10 minutes before.\n\n"
        "Reply to this mail with any question."
    ),
}


# ------------------------------------------------------------------------------- the sink


class SamplingSink(Sink):
    """The mail benchmark's sink, keeping the first few messages whole."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__(port)
        self.samples: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if len(self.samples) < SAMPLES:
            content = envelope.original_content or envelope.content
            self.samples.append(content.encode() if isinstance(content, str) else content)
        return await super().handle_DATA(server, session, envelope)


def samples_say_it(samples: list[bytes]) -> bool:
    """Each kept message carries the announcement (subject and text in one language) and a
    manage link of its own."""
    if not samples:
        return False
    links = set()
    for raw in samples:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        subject = str(message["Subject"] or "")
        said = any(
            DRAFT[f"subject_{lang}"] in subject and DRAFT[f"body_{lang}"].split("\n")[0] in text
            for lang in ("ko", "en")
        )
        link = next((w for w in text.split() if "/manage/" in w), None)
        if not said or link is None:
            return False
        links.add(link)
    return len(links) == len(samples)


# ------------------------------------------------------------------------------ the queue


def peak_rss_mb(pid: int) -> float:
    """VmHWM from /proc/<pid>/status: the process's peak resident set, in MiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _queue_madang(url: str, forum_id: int, user_id: int, app_root: str) -> dict[str, Any]:
    """In a fresh process: the organizer's preview (draft checked, reach counted), then the
    send, timed. Runs like a web worker would: the app imported and connected first."""
    common.use_app_root(app_root)
    from app.core.db import db
    from app.models import Forum, User
    from app.registration import announcements

    app = common.make_app(url)
    with app.app_context():
        forum = db.session.get(Forum, forum_id)
        user = db.session.get(User, user_id)
        started = time.perf_counter()
        draft = announcements.check_draft(forum, DRAFT)
        count = announcements.reach(forum, draft)
        previewed = time.perf_counter()
        rss_before = common.rss_mb(os.getpid())
        announcement = announcements.send(
            forum, draft, user, previewed=draft.fingerprint, expected=count
        )
        sent = time.perf_counter()
        out = {
            "announcement_id": announcement.id,
            "reach": count,
            "recipients": announcement.recipients,
            "preview_seconds": round(previewed - started, 3),
            "queue_seconds": round(sent - previewed, 3),
            "rss_mb_before_send": round(rss_before, 1),
            "rss_mb_after_send": round(common.rss_mb(os.getpid()), 1),
            "peak_rss_mb": round(peak_rss_mb(os.getpid()), 1),
        }
        db.session.remove()
    common.dispose(app)
    return out


def _queue_floor(url: str, forum_id: int, user_id: int) -> dict[str, Any]:
    """The same queue in raw SQL: read the segment; insert the announcement, one outbox row per
    person (executemany) and the audit entry; one transaction."""
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        import sqlite3

        conn = sqlite3.connect(url.split(":///", 1)[1], timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        import psycopg

        conn = psycopg.connect(
            common.normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1),
            autocommit=True,
        )

    def sql(query: str) -> str:  # `?` a parameter, `?j` a JSON one
        if is_sqlite:
            return query.replace("?j", "?")
        return query.replace("?j", "CAST(%s AS JSON)").replace("?", "%s")

    cur = conn.cursor()
    started = time.perf_counter()
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(" ") if is_sqlite else now
    cur.execute("BEGIN IMMEDIATE" if is_sqlite else "BEGIN")
    cur.execute(
        sql(
            "SELECT id, email, locale FROM registrations WHERE forum_id = ?"
            " AND status <> 'cancelled' AND email <> '' AND anonymised_at IS NULL ORDER BY id"
        ),
        (forum_id,),
    )
    people = cur.fetchall()
    cur.execute(
        sql(
            "INSERT INTO announcements (forum_id, segment, subject_ko, subject_en, body_ko,"
            " body_en, recipients, sent_by_id, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id"
        ),
        (
            forum_id,
            DRAFT["segment"],
            DRAFT["subject_ko"],
            DRAFT["subject_en"],
            DRAFT["body_ko"],
            DRAFT["body_en"],
            len(people),
            user_id,
            stamp,
        ),
    )
    (announcement_id,) = cur.fetchone()
    cur.executemany(
        sql(
            "INSERT INTO outbox (message_id, kind, recipient, locale, context, forum_id,"
            " registration_id, announcement_id, status, attempts, next_attempt_at, created_at,"
            " updated_at) VALUES (?, 'announcement', ?, ?, ?j, ?, ?, ?, 'pending', 0, ?, ?, ?)"
        ),
        [
            (
                f"<{secrets.token_hex(16)}@127.0.0.1>",
                address,
                locale,
                json.dumps({"registration_id": registration_id}),
                forum_id,
                registration_id,
                announcement_id,
                stamp,
                stamp,
                stamp,
            )
            for registration_id, address, locale in people
        ],
    )
    cur.execute(
        sql(
            "INSERT INTO audit_log (user_id, action, forum_id, details, created_at)"
            " VALUES (?, 'announcement.send', ?, ?j, ?)"
        ),
        (
            user_id,
            forum_id,
            json.dumps({"announcement_id": announcement_id, "recipients": len(people)}),
            stamp,
        ),
    )
    cur.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return {
        "announcement_id": announcement_id,
        "recipients": len(people),
        "queue_seconds": round(elapsed, 3),
    }


def queued_rows(engine, announcement_id: int, forum_id: int) -> dict[str, Any]:
    """What the outbox holds for the announcement (by kind, status and locale), and the forum's
    registrants to compare with."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT message_id, kind, status, locale, registration_id FROM outbox"
                " WHERE announcement_id = :a"
            ),
            {"a": announcement_id},
        ).all()
        registrants = conn.execute(
            text(
                "SELECT id, locale FROM registrations WHERE forum_id = :f AND status <> 'cancelled'"
            ),
            {"f": forum_id},
        ).all()
    return {
        "message_ids": [r[0] for r in rows],
        "rows": len(rows),
        "kinds": dict(Counter(r[1] for r in rows)),
        "statuses": dict(Counter(r[2] for r in rows)),
        "locales": dict(Counter(r[3] for r in rows)),
        "people": len({r[4] for r in rows}),
        "registrants": len(registrants),
        "registrant_locales": dict(Counter(r[1] for r in registrants)),
    }


def _seed(args, url: str) -> tuple[int, int, float]:
    app = common.make_app(url)
    started = time.perf_counter()
    forum_id = seed_registrants(app, count=args.people)
    seeded = time.perf_counter() - started
    user_id = seed_organizer(app, forum_id=forum_id)
    common.dispose(app)
    return forum_id, user_id, seeded


# ----------------------------------------------------------------------------- the phases


def run_floor(args) -> dict[str, Any]:
    from sqlalchemy import create_engine

    with common.migrated_database(args.db, args.pg_admin_url) as url:
        forum_id, user_id, seeded = _seed(args, url)
        queue = _queue_floor(url, forum_id, user_id)
        engine = create_engine(common.normalise_url(url))
        held = queued_rows(engine, queue["announcement_id"], forum_id)
        sink, elapsed = floor_send(url, args.batch_size)
        statuses = outbox_status(engine)
        engine.dispose()
    received = Counter(sink.ids())
    return {
        "people": args.people,
        "seed_seconds": round(seeded, 2),
        "queue": queue,
        "delivery": {
            "messages": held["rows"],
            "received": sink.count(),
            "rate_per_s": sink.rate(),
            "wall_seconds": round(elapsed, 2),
        },
        "verification": {
            "checks": {
                "floor: one row per registrant": held["rows"] == held["people"] == args.people,
                "floor: every message delivered once": set(received) == set(held["message_ids"])
                and all(n == 1 for n in received.values()),
                "floor: every row sent": statuses == {"sent": args.people},
            }
        },
    }


def run_madang(args) -> dict[str, Any]:
    from sqlalchemy import create_engine

    result: dict[str, Any] = {"people": args.people}
    with common.migrated_database(args.db, args.pg_admin_url) as url:
        forum_id, user_id, seeded = _seed(args, url)
        result["seed_seconds"] = round(seeded, 2)
        # 1. queue, in a process of its own (a clean peak RSS, as a web worker's)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            queue = pool.submit(_queue_madang, url, forum_id, user_id, args.app_root).result()
        result["queue"] = queue
        engine = create_engine(common.normalise_url(url))
        held = queued_rows(engine, queue["announcement_id"], forum_id)
        queued_ids = held.pop("message_ids")
        result["outbox_after_send"] = held
        # 2. delivery, exactly as the mail benchmark's throughput phase
        sink = SamplingSink().start()
        log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"madang_bench_announce_{os.getpid()}"
        log_dir.mkdir(exist_ok=True)
        log_path = log_dir / "worker.log"
        worker = None
        failed = True  # until the end of the try: then the worker's log is printed
        try:
            started = time.perf_counter()
            worker = Worker(args, url, sink, log_path, lease=args.lease)
            wait_for(lambda: sink.count() >= 1, 60, "first message")
            cpu0 = worker_cpu(worker)
            meter = common.CpuMeter([worker.process.pid], url)
            profiler = start_profiler(args, worker, "announcement")
            wait_for(lambda: sink.count() >= held["rows"], args.timeout, "all messages")
            cpu = worker_cpu(worker) - cpu0
            use = meter.finish(max(held["rows"] - 1, 1), unit="message")
            if profiler is not None:
                finish_profiler(profiler)
            result["delivery"] = {
                "messages": held["rows"],
                "rate_per_s": sink.rate(0, held["rows"]),
                "wall_seconds_from_start": round(time.perf_counter() - started, 2),
                "worker_cpu_ms_per_message": 1000 * cpu / max(held["rows"] - 1, 1),
                "worker_rss_mb": worker.rss_mb(),
                "worker_peak_rss_mb": round(peak_rss_mb(worker.process.pid), 1),
                # the machine, the worker, PostgreSQL's backends, this process (the sink)
                "cpu": {k.replace("loadgen", "sink"): round(v, 2) for k, v in use.items()},
            }
            wait_for(lambda: outbox_status(engine).get("sent", 0) >= held["rows"], 60, "recorded")
            time.sleep(min(1.0, args.interval * 4))  # a late duplicate, if any, arrives first
            failed = False
        finally:
            if worker is not None:
                worker.stop()
            sink.stop()
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            log_path.unlink(missing_ok=True)
            log_dir.rmdir()
            if failed:
                print(
                    "--- the worker's log:\n" + "\n".join(log.splitlines()[-30:]), file=sys.stderr
                )
        statuses = outbox_status(engine)
        engine.dispose()
    received = Counter(sink.ids())
    duplicates = {m: n for m, n in received.items() if n > 1}
    people = args.people
    result["verification"] = {
        "queued": len(queued_ids),
        "received": sum(received.values()),
        "distinct_received": len(received),
        "duplicates": len(duplicates),
        "outbox": statuses,
        "checks": {
            "the reach counted everyone": queue["reach"] == people,
            "outbox holds one announcement per registrant": held["rows"] == people
            and held["people"] == people
            and held["kinds"] == {"announcement": people}
            and held["statuses"] == {"pending": people}
            and queue["recipients"] == people,
            "each in their language": held["locales"] == held["registrant_locales"],
            "every message delivered": set(queued_ids) <= set(received),
            "every row sent": statuses == {"sent": people},
            "none delivered twice": not duplicates,
            "nothing unknown delivered": set(received) <= set(queued_ids),
            "messages carry the text and a manage link of their own": samples_say_it(sink.samples),
            "no tracebacks in the worker log": "Traceback" not in log,
        },
    }
    result["log_tail"] = "\n".join(log.splitlines()[-15:])
    return result


def run(args) -> dict[str, Any]:
    result: dict[str, Any] = {
        "scenario": "announcement",
        "date": common.now_iso(),
        "command": common.command_line(),
        "machine": common.machine_info(),
        "settings": {
            "db": args.db,
            "people": args.people,
            "batch_size": args.batch_size or "app default",
            "lease_seconds": args.lease,
            "interval": args.interval,
        },
        "runs": {},
    }
    if args.only in ("both", "floor"):
        result["runs"]["floor"] = run_floor(args)
    if args.only in ("both", "madang"):
        madang = run_madang(args)
        result["runs"]["madang"] = madang
        queue_s = madang["queue"]["queue_seconds"]
        rate = madang["delivery"]["rate_per_s"]
        floor = result["runs"].get("floor")
        if floor:
            result["floor_ratio"] = {
                # a share of the floor, as everywhere: floor time / Madang time for the queue
                "queue": floor["queue"]["queue_seconds"] / max(queue_s, 1e-9),
                "delivery": rate / floor["delivery"]["rate_per_s"],
            }
        targets = {
            f"queue < {QUEUE_LIMIT_S:g} s": queue_s < QUEUE_LIMIT_S,
            f"delivery ≥ {TARGET_RATE:.0f} msg/s": rate >= TARGET_RATE,
            f"queue process RSS ≤ {RSS_LIMIT_MB:.0f} MB": madang["queue"]["peak_rss_mb"]
            <= RSS_LIMIT_MB,
            f"worker RSS ≤ {RSS_LIMIT_MB:.0f} MB": (madang["delivery"]["worker_peak_rss_mb"] or 0)
            <= RSS_LIMIT_MB,
            **madang["verification"]["checks"],
            **(floor or {}).get("verification", {}).get("checks", {}),
        }
        result["targets"] = targets
        result["verdict"] = common.verdict(targets)
    return result


def print_result(result: dict) -> None:
    rows = []
    for which in ("floor", "madang"):
        run_ = result["runs"].get(which)
        if not run_:
            continue
        q, d = run_["queue"], run_["delivery"]
        rows.append(
            [
                which,
                run_["people"],
                q["queue_seconds"],
                q.get("peak_rss_mb"),
                d["rate_per_s"],
                d.get("worker_cpu_ms_per_message"),
                d.get("worker_peak_rss_mb"),
                run_.get("verification", {}).get("duplicates"),
            ]
        )
    s = result["settings"]
    common.print_table(
        f"announcement · {s['db']} · {s['people']:,} people · batch {s['batch_size']}"
        f" · {result['date']}",
        [
            "app",
            "people",
            "queue s",
            "queue RSS MB (peak)",
            "msg/s",
            "CPU ms/msg",
            "worker RSS MB (peak)",
            "duplicates",
        ],
        rows,
    )
    ratio = result.get("floor_ratio")
    if ratio:
        print(
            f"Madang / floor: queue {ratio['queue']:.0%} (floor s / Madang s),"
            f" delivery {ratio['delivery']:.0%}"
        )
    for name, ok in result.get("targets", {}).items():
        print(f"  [{'x' if ok else ' '}] {name}")
    if "verdict" in result:
        print(f"Verdict: {result['verdict']}")


def parser():
    p = common.base_parser(__doc__.splitlines()[0], seconds=0, clients=1)
    p.add_argument("--people", type=int, default=10_000, help="registrants to announce to")
    p.add_argument("--batch-size", type=int, default=None, help="outbox batch (app default: 20)")
    p.add_argument("--lease", type=float, default=20.0, help="claim lease, seconds")
    p.add_argument("--interval", type=float, default=0.2, help="worker poll interval, seconds")
    p.add_argument("--timeout", type=float, default=900.0, help="give up waiting after, seconds")
    return p


def main(argv: list[str] | None = None) -> int:
    return common.scenario_main("announcement", parser().parse_args(argv), run, print_result)


if __name__ == "__main__":
    sys.exit(main())
