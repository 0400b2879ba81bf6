"""`flask outbox …` commands, and delivery from the web process in development."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from app.mail.in_process import in_process_worker, stop_in_process_delivery
from app.mail.senders import memory_outbox
from tests.app.mail.helpers import body, outbox_rows, register, register_body


def test_outbox_deliver_sends_what_is_due_and_prints_the_counts(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum()
    mail_to(smtp)
    register(client, forum, 1)
    register(client, forum, 2, email="gone@example.org")
    smtp.sink.rcpt_replies["gone@example.org"] = "550 5.1.1 unknown"

    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == "sent 1, retrying 0, dead 1, skipped 0\n"
    assert runner.invoke(args=["outbox", "deliver"]).output == (
        "sent 0, retrying 0, dead 0, skipped 0\n"
    )
    db.session.rollback()  # the CLI shares this test's app context: a fresh snapshot
    assert (
        runner.invoke(args=["outbox", "status"]).output
        == "pending 0, retrying 0, sent 1, dead 1, skipped 0\n"
    )

    # Requeue the dead one once the address works again.
    del smtp.sink.rcpt_replies["gone@example.org"]
    assert runner.invoke(args=["outbox", "requeue"]).exit_code == 2
    dead = next(r for r in outbox_rows(db) if r.status == "dead")
    requeued = runner.invoke(args=["outbox", "requeue", "--id", str(dead.id)])
    assert requeued.output == "Requeued 1 message(s).\n"
    assert runner.invoke(args=["outbox", "deliver"]).output.startswith("sent 1,")
    assert len(smtp.sink.received) == 2


def test_outbox_deliver_refuses_to_run_with_an_unusable_sender_address(
    app, db, client, make_forum, smtp, mail_to, monkeypatch
):
    mail_to(smtp)
    monkeypatch.setitem(app.config, "MAIL_FROM", "nobody")
    register(client, make_forum())
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 1
    assert "MAIL_FROM is not a usable address" in result.output
    assert [r.status for r in outbox_rows(db)] == ["pending"]


def wait_for_mail(app, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(memory_outbox(app)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(memory_outbox(app)) == count


def delivery_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "madang-mail-delivery"]


def test_in_development_the_web_process_delivers_without_a_second_command(
    app, db, make_forum, app_factory
):
    forum = make_forum()
    # create_app starts in-process delivery when MAIL_DELIVER_IN_PROCESS is on outside tests.
    # A long poll interval: the mail must go because the request wakes the thread.
    dev = app_factory(
        app.config["SQLALCHEMY_DATABASE_URI"],
        TESTING=False,
        MAIL_DELIVER_IN_PROCESS=True,
        OUTBOX_POLL_SECONDS=60,
    )
    try:
        # No request served yet (the reloader's watcher process, a CLI command): no thread.
        assert in_process_worker(dev) is None and delivery_threads() == []

        with dev.test_client() as browser:
            response = browser.post(
                f"/api/v1/forums/{forum.slug}/registrations", json=register_body(1)
            )
            assert response.status_code == 201
            wait_for_mail(dev, 1)
            assert [m.subject for m in memory_outbox(dev)] == [
                "[테스트 포럼] 등록이 확정되었습니다"
            ]
            browser.post(f"/api/v1/forums/{forum.slug}/registrations", json=register_body(2))
            wait_for_mail(dev, 2)
            assert len(delivery_threads()) == 1  # one per process, however many requests
    finally:
        assert stop_in_process_delivery(dev)
        with dev.app_context():
            from app.core.db import db as dev_db

            dev_db.engine.dispose()
    assert delivery_threads() == []
    assert [r.status for r in outbox_rows(db)] == ["sent", "sent"]


def test_the_watch_loop_survives_a_failing_round(app, db, client, make_forum, monkeypatch):
    """A round that fails (database away, say) is logged and the loop goes on."""
    from app.mail import delivery as outbox
    from app.mail.worker import DeliveryWorker

    register(client, make_forum())
    calls = {"n": 0}
    real = outbox.deliver_due

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        report = real(**kwargs)
        worker.stop()
        return report

    monkeypatch.setattr(outbox, "deliver_due", flaky)
    worker = DeliveryWorker(app, interval=0.05)
    worker.run()  # returns once stopped
    assert calls["n"] == 2
    assert len(memory_outbox(app)) == 1
    assert [r.status for r in outbox_rows(db)] == ["sent"]


def test_a_requeued_confirmation_carries_a_working_manage_link(
    app, db, client, make_forum, smtp, mail_to
):
    forum = make_forum()
    mail_to(smtp)
    register(client, forum, 1, email="gone@example.org", locale="en")
    smtp.sink.rcpt_replies["gone@example.org"] = "550 5.1.1 unknown"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["outbox", "deliver"]).output.startswith("sent 0, retrying 0, dead 1")

    del smtp.sink.rcpt_replies["gone@example.org"]
    assert runner.invoke(args=["outbox", "requeue", "--all-dead"]).exit_code == 0
    assert runner.invoke(args=["outbox", "deliver"]).output.startswith("sent 1,")
    text = body(smtp.sink.messages()[-1])
    assert "use the link in the confirmation email" not in text
    manage = next(w for w in text.split() if "/manage/" in w)
    page = client.get(urlsplit(manage).path)
    assert page.status_code == 200
    # Once sent, the row keeps no plain token.
    db.session.rollback()
    assert "manage_token" not in outbox_rows(db)[-1].context
