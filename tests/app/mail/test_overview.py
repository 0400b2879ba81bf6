"""The outbox as organizers read it, after a real delivery run against a loopback SMTP server:
each message's state (a retry with its error, a failure, a message skipped by design), counts
per forum, a person's mail, and failed messages tried again only where they belong."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.mail import overview
from app.mail.delivery import deliver_due
from app.mail.overview import MailState, NothingToRequeue
from app.models import AuditEntry, OutboxMessage, User
from tests.app.mail.helpers import outbox_rows, register


@pytest.fixture
def delivered(app, db, client, make_forum, smtp, mail_to):
    """Forum `a`: one confirmation sent, one refused for good, one put off by the server, and
    one person who cancelled before their confirmation went. Forum `b`: one refused for good."""
    a, b = make_forum(slug="a"), make_forum(slug="b")
    mail_to(smtp)
    people = {n: register(client, a, n) for n in ("ok", "gone", "later", "cancelled")}
    register(client, b, "elsewhere")
    smtp.sink.rcpt_replies.update(
        {
            "persongone@example.org": "550 5.1.1 no such mailbox",
            "personlater@example.org": "451 4.3.0 try again later",
            "personelsewhere@example.org": "550 5.1.1 no such mailbox",
        }
    )
    token = people["cancelled"]["manage_url"].rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/registrations/{token}").status_code == 200
    deliver_due()
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()
    return a, b, people, user


def _row(db, recipient: str, kind: str = "registration_confirmed") -> OutboxMessage:
    return next(r for r in outbox_rows(db, kind) if r.recipient == recipient)


def test_each_message_has_the_state_an_organizer_needs(db, delivered):
    a, b, _people, _user = delivered
    assert overview.mail_counts(a.id) == {
        "pending": 0,
        "retrying": 1,
        "sent": 2,  # a confirmation, and the cancelled person's cancellation
        "dead": 1,
        "skipped": 1,  # the cancelled person's confirmation, left out by design
    }
    assert overview.mail_counts(b.id)["dead"] == 1
    assert overview.mail_counts()["dead"] == 2

    page = overview.forum_mail(a.id, MailState.RETRYING)
    [retrying] = page.rows
    assert retrying.recipient == "personlater@example.org"
    assert "451" in retrying.last_error and retrying.next_attempt_at is not None
    [skipped] = overview.forum_mail(a.id, MailState.SKIPPED).rows
    assert skipped.last_error.startswith("not sent:") and skipped.next_attempt_at is None
    everything = overview.forum_mail(a.id)
    assert everything.matching == 5 and [r.id for r in everything.rows] == sorted(
        (r.id for r in everything.rows), reverse=True
    )


def test_a_person_sees_every_message_queued_for_them(db, delivered):
    registration_id = _row(db, "personcancelled@example.org").registration_id
    rows = overview.person_mail(registration_id)
    assert [(r.kind, r.state) for r in rows] == [
        ("registration_cancelled", MailState.SENT),
        ("registration_confirmed", MailState.SKIPPED),
    ]


def test_requeue_takes_only_the_forums_failed_messages_and_is_audited(db, delivered, smtp):
    a, _b, _people, user = delivered
    gone = _row(db, "persongone@example.org")
    elsewhere = _row(db, "personelsewhere@example.org")
    skipped = next(r for r in outbox_rows(db) if r.status == "skipped")

    assert overview.requeue_forum_mail(a.id, user, [], every_dead=True) == 1
    assert _row(db, "persongone@example.org").status == "pending"
    assert _row(db, "personelsewhere@example.org").status == "dead"  # another forum's
    assert db.session.get(OutboxMessage, skipped.id).status == "skipped"  # never requeued
    [audit] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.requeue"))
    assert audit.forum_id == a.id and audit.details == {"outbox_ids": [gone.id]}

    # Tried again once the address works: it goes, with a working manage link.
    del smtp.sink.rcpt_replies["persongone@example.org"]
    assert deliver_due().sent >= 1
    assert _row(db, "persongone@example.org").status == "sent"
    assert "/manage/" in smtp.sink.messages()[-1].get_body(("plain",)).get_content()

    with pytest.raises(NothingToRequeue):  # another forum's message, named by id
        overview.requeue_forum_mail(a.id, user, [str(elsewhere.id)])
    assert _row(db, "personelsewhere@example.org").status == "dead"


@pytest.mark.parametrize("ids", [[], ["x"], ["1", "-2"], ["99999999999"]])
def test_a_malformed_or_empty_choice_changes_nothing(db, delivered, ids):
    a, _b, _people, user = delivered
    with pytest.raises(NothingToRequeue):
        overview.requeue_forum_mail(a.id, user, ids)
    assert overview.mail_counts(a.id)["dead"] == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.requeue")) is None
