"""`flask outbox deliver --watch` as a real process: killed mid-batch, stopped by signals.

The worker runs as a subprocess against the test database and a real SMTP sink. No sleeps
synchronise anything: the test waits on conditions (the sink holding a message, messages
arriving) with deadlines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.app.mail.helpers import MAIL_FROM, outbox_rows, register

ROOT = Path(__file__).resolve().parents[3]


def start_worker(app, port: int, log: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SMTP_"))}
    env.update(
        MADANG_ENV="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        BASE_URL="http://madang.test",
        MAIL_BACKEND="smtp",
        MAIL_FROM=MAIL_FROM,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_TIMEOUT="10",
        MAIL_DELIVER_IN_PROCESS="0",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "deliver", *args]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return process.wait(timeout=30)


def test_a_worker_killed_mid_batch_leaves_nothing_stuck_and_nothing_twice(
    app, db, client, make_forum, smtp_factory, tmp_path
):
    forum = make_forum()
    for n in range(8):
        register(client, forum, n)
    rows = outbox_rows(db)
    # The server accepts three messages, then stalls the fourth before accepting it.
    server = smtp_factory(hold_after=3)
    sink = server.sink

    lease = ["--lease", "3", "--interval", "0.1", "--batch-size", "10"]
    first = start_worker(app, server.port, tmp_path / "first.log", "--watch", *lease)
    try:
        assert sink.held.wait(timeout=60), (tmp_path / "first.log").read_text()
        claimed = outbox_rows(db)
        owners = {r.claimed_by for r in claimed if r.status == "pending"}
        assert len(owners) == 1 and None not in owners  # the rest of the batch is the first's
        # What the server accepted is already recorded, while the batch is still going.
        accepted = {m["Message-ID"] for m in sink.messages()}
        assert len(accepted) == 3
        assert {r.message_id for r in claimed if r.status == "sent"} == accepted
    finally:
        first.kill()  # SIGKILL mid-batch: no cleanup, no chance to record anything more
        first.wait(timeout=30)
    assert len(sink.received) == 3  # the held message was never accepted

    second = start_worker(app, server.port, tmp_path / "second.log", "--watch", *lease)
    try:
        wait_until(lambda: len(sink.received) >= len(rows), what="every message")
        wait_until(
            lambda: all(r.status == "sent" for r in outbox_rows(db)), what="rows marked sent"
        )
    finally:
        code = stop(second)
    log = (tmp_path / "second.log").read_text()
    assert code == 0, log
    assert "Stopped." in log

    counts = sink.message_ids()
    assert sorted(counts) == sorted(r.message_id for r in rows)
    assert set(counts.values()) == {1}, counts  # none twice
    after = outbox_rows(db)
    assert {r.claimed_by for r in after} == {None}
    assert {r.attempts for r in after} == {1}  # the killed worker's claims counted nothing


def test_ctrl_c_and_sigterm_stop_the_watch_loop_cleanly(app, db, smtp, tmp_path):
    for sig in (signal.SIGINT, signal.SIGTERM):
        log = tmp_path / f"{sig.name}.log"
        worker = start_worker(app, smtp.port, log, "--watch", "--interval", "0.2")
        try:
            wait_until(lambda log=log: "Delivering mail every" in log.read_text(), what="start")
        finally:
            code = stop(worker, sig)
        assert code == 0, log.read_text()
        assert "Stopped." in log.read_text()
        assert "Traceback" not in log.read_text()
