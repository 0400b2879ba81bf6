"""Mail delivery: one outbox worker (`flask outbox deliver --watch`) to a local SMTP sink.

1. throughput: N queued confirmations (the real messages: templates, QR code, calendar
   attachment); one worker sends them to an aiosmtpd sink. Rate = messages accepted by the sink
   per second, first to last. Target ≥ 200/s. The floor (`bench/floor_mail.py`: raw SQL claim,
   a fixed small message, smtplib, same batch size) runs on the same seed for the ratio.
2. faults: M more messages; when a quarter of them have arrived the worker is killed with
   SIGKILL while the sink holds a message of its batch unanswered (mid-batch), and a new worker
   starts; at half, the SMTP sink goes away for `--outage` seconds (connections refused), then
   comes back. Then everything must be delivered: every Message-ID at the sink, every row
   `sent`, and no Message-ID twice: the worker records each message as sent as soon as the
   sink accepts it, so the killed batch's accepted messages are not sent again.

    python -m bench.mail_delivery --db postgresql --messages 4000 --fault-messages 1500 --outage 60
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import common
from bench.seed import seed_mail

TARGET_RATE = 200.0
RSS_LIMIT_MB = 150.0
MESSAGE_ID_RE = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# ------------------------------------------------------------------------------- the sink


class Sink:
    """An aiosmtpd server in a thread that records each accepted message's Message-ID and time.

    `hold_at(n)`: the answer to the n-th message waits until `release()`, so the sender is
    stuck mid-batch (for the kill -9); that message is then refused, not kept."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or common.free_port()
        self.received: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._hold_at: int | None = None
        self.holding = threading.Event()
        self._release = threading.Event()
        self._controller = None
        self._sessions: list = []  # aiosmtpd's SMTP protocol, one per connection

    # aiosmtpd handler
    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        head = envelope.original_content or envelope.content
        if isinstance(head, str):
            head = head.encode()
        match = MESSAGE_ID_RE.search(head.split(b"\r\n\r\n", 1)[0])
        message_id = match.group(1).decode() if match else "<missing>"
        with self._lock:
            hold = self._hold_at is not None and len(self.received) + 1 >= self._hold_at
            if hold:
                self._hold_at = None
            else:
                self.received.append((time.perf_counter(), message_id))
        if hold:
            # The sender is now mid-batch, waiting for our answer. It is killed meanwhile; the
            # message was never acknowledged, so it is not kept (a server that had already
            # kept it would get it twice: no sender can avoid that).
            self.holding.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return "250 OK"

    def start(self) -> Sink:
        from aiosmtpd.controller import Controller

        sessions = self._sessions

        class Tracking(Controller):
            def factory(self):
                session = super().factory()
                sessions.append(session)
                return session

        self._controller = Tracking(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Close the connections still open (a sender killed mid-batch leaves one) in the
        server's own loop, then stop it: a connection left open would be closed by the
        garbage collector, with a ResourceWarning, at any later moment."""
        import asyncio

        controller, self._controller = self._controller, None
        if controller is None:
            return

        async def close_all() -> None:
            for session in self._sessions:
                transport = getattr(session, "transport", None)
                if transport is not None:
                    transport.close()
            await asyncio.sleep(0.05)  # the transports finish closing on the next turns

        asyncio.run_coroutine_threadsafe(close_all(), controller.loop).result(timeout=10)
        self._sessions.clear()
        controller.stop()

    def hold_at(self, n: int) -> None:
        self._release.clear()
        self.holding.clear()
        with self._lock:
            self._hold_at = n

    def release(self) -> None:
        self._release.set()

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def ids(self) -> list[str]:
        with self._lock:
            return [m for _, m in self.received]

    def rate(self, start: int = 0, end: int | None = None) -> float:
        with self._lock:
            times = [t for t, _ in self.received[start:end]]
        if len(times) < 2:
            return float("nan")
        return (len(times) - 1) / max(times[-1] - times[0], 1e-9)


# ----------------------------------------------------------------------------- the workers


def mail_env(url: str, sink: Sink) -> dict[str, str]:
    return common.server_env(
        url,
        {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "SMTP_SECURITY": "none",
            "SMTP_TIMEOUT": "5",
        },
    )


class Worker:
    """`flask outbox deliver --watch` as a subprocess."""

    def __init__(self, args, url: str, sink: Sink, log_path: Path, lease: float) -> None:
        flask = str(Path(sys.executable).with_name("flask"))
        command = [
            flask,
            "--app",
            "wsgi",
            "outbox",
            "deliver",
            "--watch",
            "--interval",
            str(args.interval),
            "--lease",
            str(lease),
        ]
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
        env = mail_env(url, sink)
        env["PYTHONPATH"] = args.app_root
        self.log = open(log_path, "ab")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=args.app_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        else:
            self.process.wait()
        self.log.close()

    def rss_mb(self) -> float | None:
        try:
            return round(common.rss_mb(self.process.pid), 1)
        except OSError:
            return None


def wait_for(predicate, timeout: float, what: str, poll: float = 0.05) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(poll)
    return time.monotonic() - start


def outbox_status(engine) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all())


def fast_forward_retries(engine) -> int:
    """Make rows waiting for their retry due now (the smoke run does not wait the backoff)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        return conn.execute(
            text(
                "UPDATE outbox SET next_attempt_at = created_at"
                " WHERE status = 'pending' AND attempts > 0"
            )
        ).rowcount


# ----------------------------------------------------------------------------- the phases


def floor_send(url: str, batch_size: int | None) -> tuple[Sink, float]:
    """`bench/floor_mail.py` sends every pending row of `url` to a fresh sink: (sink, seconds)."""
    sink = Sink().start()
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bench.floor_mail", url, str(sink.port), str(batch_size or 20)],
            cwd=common.REPO_ROOT,
            check=True,
        )
        return sink, time.perf_counter() - started
    finally:
        sink.stop()


def run_floor(args) -> dict[str, Any]:
    with common.migrated_database(args.db, args.pg_admin_url) as url:
        app = common.make_app(url)
        seed_mail(app, count=args.messages, tag="floor")
        common.dispose(app)
        sink, elapsed = floor_send(url, args.batch_size)
    return {
        "messages": args.messages,
        "received": sink.count(),
        "rate_per_s": sink.rate(),
        "wall_seconds": round(elapsed, 2),
    }


def run_madang(args) -> dict[str, Any]:
    from sqlalchemy import create_engine

    result: dict[str, Any] = {}
    with common.migrated_database(args.db, args.pg_admin_url) as url:
        app = common.make_app(url)
        queued = seed_mail(app, count=args.messages, tag="a")
        common.dispose(app)
        engine = create_engine(common.normalise_url(url))
        sink = Sink().start()
        log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"madang_bench_mail_{os.getpid()}"
        log_dir.mkdir(exist_ok=True)
        log_path = log_dir / "worker.log"
        workers: list[Worker] = []
        try:
            # 1. throughput
            meter_started = time.perf_counter()
            worker = Worker(args, url, sink, log_path, lease=args.lease)
            workers.append(worker)
            wait_for(lambda: sink.count() >= 1, 60, "first message")
            cpu0 = worker_cpu(worker)
            profiler = start_profiler(args, worker)
            wait_for(lambda: sink.count() >= args.messages, args.timeout, "all messages")
            cpu = worker_cpu(worker) - cpu0
            if profiler is not None:
                finish_profiler(profiler)
            result["throughput"] = {
                "messages": args.messages,
                "rate_per_s": sink.rate(0, args.messages),
                "wall_seconds_from_start": round(time.perf_counter() - meter_started, 2),
                "worker_cpu_ms_per_message": 1000 * cpu / max(args.messages - 1, 1),
                "worker_rss_mb": worker.rss_mb(),
            }
            wait_for(lambda: outbox_status(engine).get("sent", 0) >= args.messages, 60, "recorded")
            # 2. faults
            if args.fault_messages:
                result["faults"] = run_faults(
                    args, app_url=url, engine=engine, sink=sink, workers=workers, log_path=log_path
                )
        finally:
            sink.release()
            for w in workers:
                if w.process.returncode is None:
                    w.stop()
            sink.stop()
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            log_path.unlink(missing_ok=True)
            log_dir.rmdir()
        statuses = outbox_status(engine)
        engine.dispose()
    all_ids = set(queued) | set(result.get("faults", {}).pop("_queued", []))
    received = Counter(sink.ids())
    duplicates = {m: n for m, n in received.items() if n > 1}
    result["verification"] = {
        "queued": len(all_ids),
        "received": sum(received.values()),
        "distinct_received": len(received),
        "duplicates": len(duplicates),
        "outbox": statuses,
        "checks": {
            "every message delivered": all_ids <= set(received),
            "every row sent": statuses.get("sent", 0) == len(all_ids) and len(statuses) == 1,
            "none delivered twice": not duplicates,
            "nothing unknown delivered": set(received) <= all_ids,
            "no tracebacks in the worker log": "Traceback" not in log,
        },
    }
    result["log_tail"] = "\n".join(log.splitlines()[-15:])
    return result


def run_faults(args, *, app_url, engine, sink, workers, log_path) -> dict[str, Any]:
    from bench.common import make_app

    app = make_app(app_url)
    queued = seed_mail(app, count=args.fault_messages, tag="b")
    common.dispose(app)
    base = sink.count()
    out: dict[str, Any] = {"_queued": queued, "messages": args.fault_messages}
    # kill -9 mid-batch: the sink holds one message of a batch unanswered, then the kill.
    sink.hold_at(base + max(1, args.fault_messages // 4))
    wait_for(sink.holding.is_set, args.timeout, "the held message")
    workers[-1].kill9()
    sink.release()
    killed_at = sink.count()
    out["killed_after"] = killed_at - base
    workers.append(Worker(args, app_url, sink, log_path, lease=args.lease))
    # SMTP outage at half way.
    wait_for(lambda: sink.count() >= base + args.fault_messages // 2, args.timeout, "half")
    sink.stop()
    outage_started = time.monotonic()
    time.sleep(args.outage)
    retrying = outbox_status(engine).get("pending", 0)
    sink.start()
    out["outage_seconds"] = round(time.monotonic() - outage_started, 1)
    out["pending_after_outage"] = retrying
    if args.fast_forward:
        out["fast_forwarded"] = fast_forward_retries(engine)
    drained = wait_for(
        lambda: outbox_status(engine).get("pending", 0) == 0, args.timeout, "drain", poll=0.5
    )
    out["drain_seconds_after_outage"] = round(drained, 1)
    # Let a late duplicate, if any, arrive before counting.
    time.sleep(min(2.0, args.interval * 4))
    return out


def start_profiler(args, worker: Worker, scenario: str = "mail_delivery"):
    """py-spy on the worker while it delivers, when --profile asks for it."""
    if not args.profile:
        return None
    from bench.profile import Profiler

    outdir = Path(args.profile) / f"{scenario}-{args.db}-{time.strftime('%H%M%S')}"
    return Profiler([worker.process.pid], args.timeout, outdir)


def finish_profiler(profiler) -> None:
    from bench.profile import summarise

    text = summarise(profiler.interrupt())
    (profiler.outdir / "summary.txt").write_text(text + "\n")
    print(f"\nProfile ({profiler.outdir}):\n{text}")


def worker_cpu(worker: Worker) -> float:
    try:
        return common.cpu_seconds(worker.process.pid)
    except OSError:
        return 0.0


def run(args) -> dict[str, Any]:
    result: dict[str, Any] = {
        "scenario": "mail_delivery",
        "date": common.now_iso(),
        "command": common.command_line(),
        "machine": common.machine_info(),
        "settings": {
            "db": args.db,
            "messages": args.messages,
            "fault_messages": args.fault_messages,
            "outage_seconds": args.outage,
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
        rate = madang["throughput"]["rate_per_s"]
        floor = result["runs"].get("floor")
        if floor:
            result["floor_ratio"] = rate / floor["rate_per_s"]
        targets = {
            f"≥ {TARGET_RATE:.0f} messages/s": rate >= TARGET_RATE,
            f"worker RSS ≤ {RSS_LIMIT_MB:.0f} MB": (madang["throughput"]["worker_rss_mb"] or 0)
            <= RSS_LIMIT_MB,
            **madang["verification"]["checks"],
        }
        result["targets"] = targets
        result["verdict"] = common.verdict(targets)
    return result


def print_result(result: dict) -> None:
    rows = []
    floor = result["runs"].get("floor")
    madang = result["runs"].get("madang")
    if floor:
        rows.append(["floor", floor["messages"], floor["rate_per_s"], None, None, None, None])
    if madang:
        t = madang["throughput"]
        f = madang.get("faults", {})
        v = madang["verification"]
        rows.append(
            [
                "madang",
                t["messages"],
                t["rate_per_s"],
                t["worker_cpu_ms_per_message"],
                t["worker_rss_mb"],
                f.get("drain_seconds_after_outage"),
                v["duplicates"],
            ]
        )
    s = result["settings"]
    common.print_table(
        f"mail_delivery · {s['db']} · batch {s['batch_size']} · outage {s['outage_seconds']:g} s"
        f" · {result['date']}",
        ["app", "messages", "msg/s", "CPU ms/msg", "RSS MB", "drain after outage s", "duplicates"],
        rows,
    )
    if result.get("floor_ratio") is not None:
        print(f"Madang / floor: {result['floor_ratio']:.0%}")
    if madang:
        f = madang.get("faults")
        if f:
            print(
                f"kill -9 after {f['killed_after']} of {f['messages']} messages of the fault phase;"
                f" {f['pending_after_outage']} pending when the sink came back"
            )
        for name, ok in result["targets"].items():
            print(f"  [{'x' if ok else ' '}] {name}")
        print(f"Verdict: {result['verdict']}")


def parser():
    p = common.base_parser(__doc__.splitlines()[0], seconds=0, clients=1)
    p.add_argument("--messages", type=int, default=4000, help="messages in the throughput phase")
    p.add_argument("--fault-messages", type=int, default=1500, help="messages in the fault phase")
    p.add_argument("--outage", type=float, default=60.0, help="SMTP outage, seconds")
    p.add_argument("--batch-size", type=int, default=None, help="outbox batch (app default: 20)")
    p.add_argument("--lease", type=float, default=20.0, help="claim lease, seconds")
    p.add_argument("--interval", type=float, default=0.2, help="worker poll interval, seconds")
    p.add_argument("--timeout", type=float, default=900.0, help="give up waiting after, seconds")
    p.add_argument(
        "--fast-forward",
        action="store_true",
        help="after the outage, make retries due at once instead of waiting the backoff",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    return common.scenario_main("mail_delivery", parser().parse_args(argv), run, print_result)


if __name__ == "__main__":
    sys.exit(main())
