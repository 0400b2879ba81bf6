"""Senders against a real aiosmtpd server on 127.0.0.1 (no smtplib mocks)."""

from __future__ import annotations

import io
import socket
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest

from notifications.messages import calendar_attachment, to_email_message
from notifications.senders import ConsoleSender, MemorySender, Sender, SendResult, SMTPSender

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Madang//EN\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:1@madang.example\r\nDTSTAMP:20250501T000000Z\r\n"
    "DTSTART:20250514T000000Z\r\nSUMMARY:서울 디지털 서밋\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def sender_for(server, **kwargs) -> SMTPSender:
    return SMTPSender(server.host, server.port, local_hostname="app.test", **kwargs)


def parse(raw: bytes):
    return BytesParser(policy=default_policy).parsebytes(raw)


def test_all_senders_satisfy_the_protocol():
    assert isinstance(SMTPSender("127.0.0.1", 25), Sender)
    assert isinstance(ConsoleSender(io.StringIO()), Sender)
    assert isinstance(MemorySender(), Sender)


def test_batch_of_three_goes_over_one_connection(smtp_server, outgoing):
    messages = [outgoing(i) for i in range(3)]
    results = sender_for(smtp_server).send_batch(messages)

    assert results == [SendResult(m.message_id, ok=True) for m in messages]
    handler = smtp_server.handler
    assert handler.connections == 1 and handler.ehlo_count == 1
    assert len(handler.received) == 3
    assert len({r.peer for r in handler.received}) == 1
    assert [r.rcpt_tos for r in handler.received] == [[f"user{i}@example.com"] for i in range(3)]
    assert {r.mail_from for r in handler.received} == {"noreply@madang.example"}


def test_each_result_is_reported_before_the_next_message_is_sent(smtp_server, outgoing):
    handler = smtp_server.handler
    handler.rcpt_replies["user1@example.com"] = "550 5.1.1 no such user"
    messages = [outgoing(i) for i in range(4)]
    seen: list[tuple[str, bool, int]] = []  # (message, ok, messages the server holds by then)

    def on_result(result: SendResult) -> None:
        seen.append((result.message_id, result.ok, len(handler.received)))

    results = sender_for(smtp_server).send_batch(messages, on_result=on_result)

    assert [(r.message_id, r.ok) for r in results] == [(m, ok) for m, ok, _ in seen]
    assert [held for _, _, held in seen] == [1, 1, 2, 3]


@pytest.mark.parametrize("make_sender", [ConsoleSender, MemorySender], ids=["console", "memory"])
def test_every_sender_reports_each_result_once(make_sender, outgoing):
    sender = make_sender(io.StringIO()) if make_sender is ConsoleSender else make_sender()
    messages = [outgoing(0), outgoing(1, to="not an address"), outgoing(2)]
    seen: list[SendResult] = []
    results = sender.send_batch(messages, on_result=seen.append)
    assert seen == results
    assert [r.ok for r in results] == [True, False, True]


def test_a_lost_connection_reports_the_rest_as_transient(smtp_server, outgoing):
    smtp_server.handler.data_replies["user1@example.com"] = "421 4.3.0 going away"
    seen: list[SendResult] = []
    results = sender_for(smtp_server).send_batch(
        [outgoing(i) for i in range(3)], on_result=seen.append
    )
    assert seen == results
    assert [(r.ok, r.permanent) for r in results] == [(True, False), (False, False), (False, False)]


def test_message_arrives_intact(smtp_server, outgoing):
    msg = outgoing(7, attachments=(calendar_attachment(ICS),))
    [result] = sender_for(smtp_server).send_batch([msg])
    assert result.ok, result.error

    [received] = smtp_server.handler.received
    raw = received.content
    raw.decode("ascii")  # 7-bit clean on the wire
    assert b"\r\nSubject: =?utf-8?" in raw
    got = parse(raw)
    expected = parse(to_email_message(msg).as_bytes())
    for name in ("Message-ID", "Date", "From", "To", "Reply-To", "Subject", "Auto-Submitted"):
        assert str(got[name]) == str(expected[name]), name
    assert got["Subject"] == msg.subject
    assert got.get_content_type() == "multipart/mixed"
    alternative, calendar = got.iter_parts()
    text, html = alternative.iter_parts()
    assert text.get_content().replace("\r\n", "\n") == msg.text
    assert html.get_content().replace("\r\n", "\n") == msg.html
    assert calendar.get_payload(decode=True) == ICS.encode("utf-8")
    assert calendar.get_param("method") == "PUBLISH"
    assert got["Bcc"] is None


def test_envelope_has_exactly_the_one_recipient_despite_injection(smtp_server, outgoing):
    msg = outgoing(1, to_name="Eve\r\nBcc: victim@example.com", subject="x\r\nCc: v2@example.com")
    [result] = sender_for(smtp_server).send_batch([msg])
    assert result.ok
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["user1@example.com"]
    got = parse(received.content)
    assert got["Bcc"] is None and got["Cc"] is None


def test_550_for_one_recipient_is_permanent_for_that_message_only(smtp_server, outgoing):
    smtp_server.handler.rcpt_replies["user1@example.com"] = "550 5.1.1 No such user"
    messages = [outgoing(i) for i in range(3)]
    results = sender_for(smtp_server).send_batch(messages)

    assert [r.ok for r in results] == [True, False, True]
    refused = results[1]
    assert refused.message_id == messages[1].message_id
    assert refused.permanent is True
    assert "550" in refused.error and "No such user" in refused.error
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [
        ["user0@example.com"],
        ["user2@example.com"],
    ]
    assert smtp_server.handler.connections == 1


def test_451_is_transient_and_the_batch_goes_on(smtp_server, outgoing):
    smtp_server.handler.rcpt_replies["user0@example.com"] = "451 4.3.0 Try again later"
    results = sender_for(smtp_server).send_batch([outgoing(0), outgoing(1)])
    assert results[0].ok is False and results[0].permanent is False
    assert "451" in results[0].error
    assert results[1].ok is True


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("552 5.3.4 Message too big", True),
        ("554 5.7.1 Rejected as spam", True),
        ("452 4.3.1 Insufficient storage", False),
    ],
)
def test_data_refusal_is_classified_by_code(smtp_server, outgoing, reply, permanent):
    smtp_server.handler.data_replies["user0@example.com"] = reply
    results = sender_for(smtp_server).send_batch([outgoing(0), outgoing(1)])
    assert (results[0].ok, results[0].permanent) == (False, permanent)
    assert reply.split()[0] in results[0].error
    assert results[1].ok is True  # the connection survives a refused DATA


def test_421_closes_the_connection_and_the_rest_of_the_batch_is_transient(smtp_server, outgoing):
    smtp_server.handler.data_replies["user1@example.com"] = "421 4.3.2 Shutting down"
    messages = [outgoing(i) for i in range(4)]
    results = sender_for(smtp_server).send_batch(messages)

    assert [r.message_id for r in results] == [m.message_id for m in messages]
    assert [r.ok for r in results] == [True, False, False, False]
    assert not any(r.permanent for r in results)
    assert "421" in results[1].error
    assert all("not attempted" in r.error for r in results[2:])
    assert len(smtp_server.handler.received) == 1


def test_closed_port_is_transient_with_the_error(outgoing):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    messages = [outgoing(0), outgoing(1)]
    results = SMTPSender("127.0.0.1", port, timeout=2).send_batch(messages)
    assert [r.message_id for r in results] == [m.message_id for m in messages]
    for r in results:
        assert r.ok is False and r.permanent is False
        assert "ConnectionRefusedError" in r.error and str(port) in r.error


def test_silent_server_times_out_as_transient(outgoing):
    # The kernel accepts the connection into the backlog, but no greeting ever comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        [result] = SMTPSender("127.0.0.1", port, timeout=0.3).send_batch([outgoing(0)])
    assert result.ok is False and result.permanent is False
    assert "timed out" in result.error


def test_unbuildable_message_is_permanent_and_does_not_stop_the_batch(smtp_server, outgoing):
    results = sender_for(smtp_server).send_batch([outgoing(0, to="a@x.com, b@x.com"), outgoing(1)])
    assert (results[0].ok, results[0].permanent) == (False, True)
    assert "cannot build message" in results[0].error
    assert results[1].ok and len(smtp_server.handler.received) == 1


def test_any_error_while_building_is_permanent_and_keeps_the_results(smtp_server, outgoing):
    class BrokenHeaders(dict):
        def items(self):
            raise RuntimeError("boom")

    messages = [outgoing(0), outgoing(1, headers=BrokenHeaders()), outgoing(2)]
    results = sender_for(smtp_server).send_batch(messages)
    assert [(r.ok, r.permanent) for r in results] == [(True, False), (False, True), (True, False)]
    assert "RuntimeError: boom" in results[1].error
    assert len(smtp_server.handler.received) == 2


def test_empty_batch_opens_no_connection(smtp_server):
    assert sender_for(smtp_server).send_batch([]) == []
    assert smtp_server.handler.connections == 0


def test_bad_configuration_is_rejected_early():
    with pytest.raises(ValueError, match="timeout"):
        SMTPSender("localhost", 25, timeout=30)
    with pytest.raises(ValueError, match="security"):
        SMTPSender("localhost", 25, security="ssl")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="username and password"):
        SMTPSender("localhost", 25, username="x")
    assert "s3cret" not in repr(SMTPSender("h", 25, username="u", password="s3cret"))


# --- TLS (self-signed certificate from the openssl CLI) ---------------------------------------


def test_starttls_with_login(smtp_factory, certs, outgoing, authenticator):
    server = smtp_factory(
        tls_context=certs.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    sender = sender_for(
        server,
        security="starttls",
        username="madang",
        password="s3cret",
        ssl_context=certs.client_context(),
    )
    results = sender.send_batch([outgoing(0), outgoing(1)])
    assert all(r.ok for r in results), results
    assert server.handler.connections == 1
    assert server.handler.ehlo_count == 2  # before and after STARTTLS
    assert len(server.handler.received) == 2


def test_wrong_password_is_transient_for_the_whole_batch(
    smtp_factory, certs, outgoing, authenticator
):
    server = smtp_factory(
        tls_context=certs.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    sender = sender_for(
        server,
        security="starttls",
        username="madang",
        password="wrong",
        ssl_context=certs.client_context(),
    )
    results = sender.send_batch([outgoing(0), outgoing(1)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert "535" in results[0].error
    assert server.handler.received == []


def test_starttls_not_offered_is_transient(smtp_server, certs, outgoing):
    sender = sender_for(smtp_server, security="starttls", ssl_context=certs.client_context())
    [result] = sender.send_batch([outgoing(0)])
    assert (result.ok, result.permanent) == (False, False)
    assert "STARTTLS" in result.error
    assert smtp_server.handler.received == []


def test_implicit_tls(smtp_factory, certs, outgoing):
    server = smtp_factory(ssl_context=certs.server_context())
    sender = sender_for(server, security="tls", ssl_context=certs.client_context())
    [result] = sender.send_batch([outgoing(0)])
    assert result.ok, result.error
    assert len(server.handler.received) == 1


def test_untrusted_certificate_is_transient(smtp_factory, certs, outgoing):
    server = smtp_factory(ssl_context=certs.server_context())
    # No ssl_context: the default one does not trust our self-signed certificate.
    [result] = sender_for(server, security="tls").send_batch([outgoing(0)])
    assert (result.ok, result.permanent) == (False, False)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert server.handler.received == []


# --- Console and memory -----------------------------------------------------------------------


def test_console_sender_prints_readably(outgoing):
    stream = io.StringIO()
    msg = outgoing(3, attachments=(calendar_attachment(ICS),))
    [result] = ConsoleSender(stream).send_batch([msg])
    assert result.ok
    out = stream.getvalue()
    assert f"----- email {msg.message_id} -----" in out
    assert "Subject: [서울 디지털 서밋 2025] 등록이 확정되었습니다 #3" in out  # decoded
    assert "To: 홍길동 <user3@example.com>" in out
    assert "확인 코드: SDS-0003" in out
    assert "Attachment: invite.ics (text/calendar; method=PUBLISH)" in out
    assert "=?utf-8?" not in out


def test_console_sender_rejects_what_smtp_would(outgoing):
    stream = io.StringIO()
    [result] = ConsoleSender(stream).send_batch([outgoing(0, to="nope")])
    assert (result.ok, result.permanent) == (False, True)
    assert stream.getvalue() == ""


def test_memory_sender_keeps_messages_and_can_fail_on_purpose(outgoing):
    sender = MemorySender(fail={"User1@Example.com": False, "user2@example.com": True})
    messages = [outgoing(i) for i in range(3)]
    results = sender.send_batch(messages)
    assert sender.outbox == [messages[0]]
    assert [(r.ok, r.permanent) for r in results] == [(True, False), (False, False), (False, True)]
    assert "451" in results[1].error and "550" in results[2].error
    sender.clear()
    assert sender.outbox == []


def test_non_ascii_local_part_uses_smtputf8(smtp_server, outgoing):
    [result] = sender_for(smtp_server).send_batch([outgoing(0, to="홍길동@example.com")])
    assert result.ok, result.error
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["홍길동@example.com"]
    # SMTPUTF8: the header carries the address as raw UTF-8 (no RFC 2047 inside an address)
    assert "\r\nTo: 홍길동 <홍길동@example.com>\r\n".encode() in received.content


def test_non_ascii_local_part_without_smtputf8_is_permanent(smtp_factory, outgoing):
    server = smtp_factory(enable_SMTPUTF8=False)
    results = sender_for(server).send_batch([outgoing(0, to="홍길동@example.com"), outgoing(1)])
    assert (results[0].ok, results[0].permanent) == (False, True)
    assert "SMTPUTF8" in results[0].error
    assert results[1].ok
