"""Delivery: send batches of `OutgoingMessage`s and report per-message results.

Senders never raise for delivery problems; each message gets a `SendResult`. `permanent=True`
means retrying cannot help (the server refused the recipient or the data with a 5xx, or the
message cannot be built); everything else (4xx, refused connection, timeout, disconnect,
TLS or login trouble) is transient and worth retrying later (see `notifications.retry`).
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TextIO, runtime_checkable

from notifications.messages import OutgoingMessage, mailbox, new_boundary, to_email_message

Security = Literal["none", "starttls", "tls"]

#: Called with each message's result as soon as it is known, before the next message is sent,
#: so a caller can record an accepted message before anything else can go wrong.
ResultCallback = Callable[["SendResult"], None]


@dataclass(frozen=True)
class SendResult:
    message_id: str
    ok: bool
    permanent: bool = False  # only meaningful when not ok
    error: str | None = None


@runtime_checkable
class Sender(Protocol):
    def send_batch(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        """Send every message; one result per message, in order, each also passed to
        `on_result` as soon as it is known."""
        ...


def _report(on_result: ResultCallback | None, result: SendResult) -> SendResult:
    if on_result is not None:
        on_result(result)
    return result


def _ok(msg: OutgoingMessage) -> SendResult:
    return SendResult(msg.message_id, ok=True)


def _failed(msg: OutgoingMessage, error: str, *, permanent: bool) -> SendResult:
    return SendResult(msg.message_id, ok=False, permanent=permanent, error=error)


def _reply(code: int, resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return f"{code} {text}".strip()


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """Made once per process, and only for TLS: loading the system's certificates costs more
    than sending a message. (A context may be shared by many connections.)"""
    return ssl.create_default_context()


class SMTPSender:
    """Deliver through an SMTP server, one connection per batch.

    security: "none" (plain, port 25/1025), "starttls" (usually 587) or "tls" (implicit TLS,
    usually 465). `timeout` (seconds, at most 10) applies to connecting and to each read or
    write on the socket. `ssl_context` defaults to `ssl.create_default_context()` (verifies the
    certificate and host name).
    """

    MAX_TIMEOUT = 10.0

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        security: Security = "none",
        timeout: float = 10.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"security must be 'none', 'starttls' or 'tls', got {security!r}")
        if not 0 < timeout <= self.MAX_TIMEOUT:
            raise ValueError(f"timeout must be in (0, {self.MAX_TIMEOUT}] seconds")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.security = security
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.ssl_context = ssl_context

    def __repr__(self) -> str:  # never shows the password
        return f"SMTPSender({self.host!r}, {self.port}, security={self.security!r})"

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or _default_ssl_context()

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        else:
            smtp = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        try:
            if self.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._context())  # SMTPNotSupportedError if not offered
                smtp.ehlo()
            if self.username is not None:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send_batch(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        if not messages:
            return []
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing was sent: the whole batch is worth retrying (this includes 5xx
            # greetings and failed logins, which are configuration, not message, problems).
            error = f"connect to {self.host}:{self.port} failed: {_describe(exc)}"
            return [_report(on_result, _failed(m, error, permanent=False)) for m in messages]

        results: list[SendResult] = []
        boundary = new_boundary()
        try:
            for index, msg in enumerate(messages):
                result = _report(on_result, self._send_one(smtp, msg, boundary))
                results.append(result)
                if not result.ok and smtp.sock is None:
                    # The connection is gone (disconnect, timeout, 421): the rest must wait.
                    error = f"not attempted, connection lost: {result.error}"
                    results.extend(
                        _report(on_result, _failed(m, error, permanent=False))
                        for m in messages[index + 1 :]
                    )
                    break
        finally:
            _quit(smtp)
        return results

    def _send_one(self, smtp: smtplib.SMTP, msg: OutgoingMessage, boundary: str) -> SendResult:
        try:
            em = to_email_message(msg, boundary=boundary)
            sender = mailbox(msg.from_addr).addr_spec
            recipient = mailbox(msg.to).addr_spec
        except Exception as exc:
            # Building is pure: retrying the same data gives the same error.
            return _failed(msg, f"cannot build message: {_describe(exc)}", permanent=True)
        try:
            # Explicit envelope: exactly this one recipient, whatever the headers say.
            smtp.send_message(em, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, resp = next(iter(exc.recipients.values()))
            return _failed(msg, f"recipient refused: {_reply(code, resp)}", permanent=code >= 500)
        except smtplib.SMTPSenderRefused as exc:
            # Our own sender address refused is a configuration problem, so transient, except
            # 552 (message too big for the SIZE limit) which resending cannot fix.
            error = f"sender refused: {_reply(exc.smtp_code, exc.smtp_error)}"
            return _failed(msg, error, permanent=exc.smtp_code == 552)
        except smtplib.SMTPDataError as exc:
            error = f"data refused: {_reply(exc.smtp_code, exc.smtp_error)}"
            return _failed(msg, error, permanent=exc.smtp_code >= 500)
        except smtplib.SMTPNotSupportedError as exc:
            # e.g. a non-ASCII address and no SMTPUTF8 on the server.
            return _failed(msg, f"not supported by server: {exc}", permanent=True)
        except smtplib.SMTPResponseException as exc:
            return _failed(msg, _reply(exc.smtp_code, exc.smtp_error), permanent=False)
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnects and timeouts leave smtplib's socket half-open; drop it so the batch
            # loop sees the connection as gone.
            smtp.close()
            return _failed(msg, _describe(exc), permanent=False)
        except Exception as exc:
            # Anything else mid-conversation: the connection state is unknown, so drop it, but
            # still return results, or the messages already accepted would be sent twice.
            smtp.close()
            return _failed(msg, f"unexpected {_describe(exc)}", permanent=False)
        return _ok(msg)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {_reply(exc.smtp_code, exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        if smtp.sock is not None:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass  # the messages are already accepted or failed; QUIT trouble changes nothing
    finally:
        smtp.close()


class ConsoleSender:
    """Print each message readably (development): headers decoded, text body, attachments."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send_batch(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        out = self.stream if self.stream is not None else sys.stdout
        results = []
        for msg in messages:
            try:
                em = to_email_message(msg)  # same validation as real delivery
            except Exception as exc:  # same rule as SMTPSender: building errors are permanent
                error = f"cannot build message: {_describe(exc)}"
                results.append(_report(on_result, _failed(msg, error, permanent=True)))
                continue
            lines = [f"----- email {msg.message_id} -----"]
            for name in ("Date", "From", "To", "Reply-To", "Subject"):
                if em[name] is not None:
                    lines.append(f"{name}: {em[name]}")  # str(header) is the decoded value
            for att in msg.attachments:
                method = f"; method={att.method}" if att.method else ""
                lines.append(f"Attachment: {att.filename} ({att.mimetype}{method})")
            lines += ["", msg.text.rstrip("\n"), "----- end -----", ""]
            out.write("\n".join(lines))
            out.flush()
            results.append(_report(on_result, _ok(msg)))
        return results


class MemorySender:
    """Keep messages in `.outbox` (tests and the app's test config).

    `fail` maps a recipient address to `permanent`: matching messages are not kept and come back
    failed, so callers can exercise their retry handling.
    """

    def __init__(self, fail: Mapping[str, bool] | None = None) -> None:
        self.outbox: list[OutgoingMessage] = []
        self.fail: dict[str, bool] = {k.lower(): v for k, v in (fail or {}).items()}

    def send_batch(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        results = []
        for msg in messages:
            try:
                to_email_message(msg)  # same validation as real delivery
                recipient = mailbox(msg.to).addr_spec.lower()
            except Exception as exc:  # same rule as SMTPSender: building errors are permanent
                error = f"cannot build message: {_describe(exc)}"
                results.append(_report(on_result, _failed(msg, error, permanent=True)))
                continue
            if recipient in self.fail:
                permanent = self.fail[recipient]
                code = "550 5.1.1" if permanent else "451 4.3.0"
                error = f"{code} simulated failure"
                results.append(_report(on_result, _failed(msg, error, permanent=permanent)))
                continue
            self.outbox.append(msg)
            results.append(_report(on_result, _ok(msg)))
        return results

    def clear(self) -> None:
        self.outbox.clear()
