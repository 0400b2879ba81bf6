"""The outbox's front door: a message added to the caller's transaction, and nothing else.

`enqueue()` adds a row to the current transaction: no SMTP, no I/O, nothing that can fail the
request. The Message-ID is fixed here, so every retry carries the same one. `enqueue_once()`
does the same for messages that must go once (a reminder): a second call with the same
`dedupe_key` adds nothing, whichever process makes it. Delivery is `app.mail`.

A leaf: every feature queues mail through this module, and it imports none of them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from app.core.db import db, upsert_insert, utcnow
from app.models import OutboxMessage, Registration
from notifications.messages import make_message_id


def message_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "madang.local"


def enqueue(
    kind: str,
    *,
    recipient: str,
    locale: str,
    context: dict[str, Any] | None = None,
    forum_id: int | None = None,
    registration_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (the caller commits)."""
    message = OutboxMessage(
        message_id=make_message_id(message_domain()),
        kind=kind,
        recipient=recipient,
        locale=locale,
        context=context or {},
        forum_id=forum_id,
        registration_id=registration_id,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    return message


def enqueue_once(
    kind: str,
    *,
    recipient: str,
    locale: str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    forum_id: int | None = None,
    registration_id: int | None = None,
) -> bool:
    """Queue a message unless one with `dedupe_key` exists (sent or not); True if queued.

    One INSERT … ON CONFLICT (dedupe_key) DO NOTHING in the current transaction, so two
    processes racing on the same key queue it once and neither fails.
    """
    now = utcnow()
    statement = (
        upsert_insert(OutboxMessage)
        .values(
            message_id=make_message_id(message_domain()),
            kind=kind,
            recipient=recipient,
            locale=locale,
            context=context or {},
            forum_id=forum_id,
            registration_id=registration_id,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
        .returning(OutboxMessage.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def notify(registration: Registration, kind: str, **context: object) -> None:
    """Queue a mail of `kind` to a registrant, in their language (nothing for an erased one)."""
    if not registration.email:
        return
    enqueue(
        kind,
        recipient=registration.email,
        locale=registration.locale,
        context={"registration_id": registration.id, **context},
        forum_id=registration.forum_id,
        registration_id=registration.id,
    )
