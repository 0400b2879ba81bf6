"""Email composition and delivery for Madang.

Pure stdlib: never imports Flask, SQLAlchemy, the app or `scheduling`. Templates are rendered
through a callable the caller injects (`render(template_name, context) -> str`), so the app
can pass `lambda name, ctx: flask.render_template(name, **ctx)` and tests can pass a plain
jinja2 environment.

- `messages`: the message kinds, their context schema, `compose()` and `to_email_message()`.
- `senders`: `SMTPSender`, `ConsoleSender`, `MemorySender` (all implement `Sender`).
- `retry`: the backoff schedule for the outbox worker.
"""

from notifications.messages import (
    LOCALES,
    MESSAGE_KINDS,
    Attachment,
    Composed,
    InlineImage,
    OutgoingMessage,
    Render,
    build_message,
    calendar_attachment,
    compose,
    make_message_id,
    to_email_message,
)
from notifications.retry import MAX_ATTEMPTS, is_dead, next_attempt_delay
from notifications.senders import (
    ConsoleSender,
    MemorySender,
    ResultCallback,
    Sender,
    SendResult,
    SMTPSender,
)

__all__ = [
    "LOCALES",
    "MAX_ATTEMPTS",
    "MESSAGE_KINDS",
    "Attachment",
    "Composed",
    "ConsoleSender",
    "InlineImage",
    "MemorySender",
    "OutgoingMessage",
    "Render",
    "ResultCallback",
    "SMTPSender",
    "SendResult",
    "Sender",
    "build_message",
    "calendar_attachment",
    "compose",
    "is_dead",
    "make_message_id",
    "next_attempt_delay",
    "to_email_message",
]
