"""Composition, templates and MIME building."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from notifications.messages import (
    CONTEXT_KEYS,
    LOCALES,
    MESSAGE_KINDS,
    POLICY,
    Attachment,
    build_message,
    calendar_attachment,
    compose,
    make_message_id,
    new_boundary,
    template_names,
    to_email_message,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KST = timezone(timedelta(hours=9))
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Madang//EN\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:1@madang.example\r\nDTSTAMP:20250501T000000Z\r\n"
    "DTSTART:20250514T000000Z\r\nSUMMARY:서울 디지털 서밋\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
ALL = [(kind, locale) for kind in MESSAGE_KINDS for locale in LOCALES]


def parse(raw: bytes):
    return BytesParser(policy=default_policy).parsebytes(raw)


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


# --- schema and templates ---------------------------------------------------------------------


def test_every_kind_has_both_templates_per_locale():
    for kind, locale in ALL:
        for name in template_names(kind, locale):
            assert (TEMPLATES / name).is_file(), name
    # ... and no template for a kind that does not exist.
    kinds = {p.name.split(".")[0] for p in (TEMPLATES / "email").iterdir()}
    assert {k for k in kinds if not k.startswith("_")} == set(MESSAGE_KINDS)


def test_every_context_key_is_documented():
    for kind, spec in MESSAGE_KINDS.items():
        keys = set(spec["required"]) | set(spec["optional"])
        assert keys <= set(CONTEXT_KEYS), (kind, keys - set(CONTEXT_KEYS))
        assert set(spec["subject"]) == set(LOCALES)


# --- compose ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "locale"), ALL)
def test_compose_every_kind_with_full_context(kind, locale, render, full_contexts):
    ctx = full_contexts[kind]
    subject, text, html = compose(kind, ctx, locale=locale, render=render)

    assert ctx["forum_title"] in subject
    assert "\n" not in subject
    for body in (text, html):
        assert ctx["recipient_name"] in body
        assert ctx["forum_title"] in body
        assert "None" not in body and "{{" not in body and "{%" not in body
    # the plain text is tidy: no trailing spaces, never two blank lines in a row
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.splitlines())
    assert "<" not in text.replace("<svg", "")  # no markup leaked into the text part
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in html
    greeting = "님, 안녕하세요." if locale == "ko" else "Hello "
    assert greeting in text and greeting in html
    if "manage_url" in ctx:
        assert ctx["manage_url"] in text and f'href="{ctx["manage_url"]}"' in html


@pytest.mark.parametrize(("kind", "locale"), ALL)
def test_compose_every_kind_with_only_required_keys(kind, locale, render, full_contexts):
    # StrictUndefined in the test renderer: every optional key the templates use has a default.
    ctx = {k: full_contexts[kind][k] for k in MESSAGE_KINDS[kind]["required"]}
    if kind in ("session_changed", "speaker_session_changed"):
        ctx["cancelled"] = True
    subject, text, html = compose(kind, ctx, locale=locale, render=render)
    assert subject and text.strip() and "</html>" in html
    assert "None" not in text and "None" not in html


@pytest.mark.parametrize("locale", LOCALES)
def test_confirmation_contains_everything_needed_to_attend(locale, render, full_contexts):
    ctx = full_contexts["registration_confirmed"]
    subject, text, html = compose("registration_confirmed", ctx, locale=locale, render=render)
    venue = ctx["venue"]
    for body in (text, html):
        for value in (
            ctx["when"],
            ctx["confirmation_code"],
            venue["name"],
            venue["floor"],
            venue["room"],
            venue["address"],
            venue["access_notes"],
            ctx["calendar_url"],
            "https://youtube.example/live/sds",
            "https://zoom.example/j/123",
            "개회식",
            "패널: 스마트 모빌리티",
        ):
            assert value in body, value
    if locale == "ko":
        assert "등록이 확정되었습니다" in subject
        assert "참가 방식: 현장 참가" in text
        assert re.search(r"- 개회식\n.*다목적홀\n  \[확정\]", text)
        assert re.search(r"- 패널: 스마트 모빌리티\n.*\n  \[대기 3번\]", text)
        assert "Zoom 웨비나 (등록자 전용 링크이니 공유하지 마세요)" in text
        assert ">대기 3번</span>" in html and ">확정</span>" in html
    else:
        assert subject == "Registration confirmed: 서울 디지털 서밋 2025"
        assert "Attending: In person" in text
        assert re.search(r"- 패널: 스마트 모빌리티\n.*\n  \[Waitlisted \(#3\)\]", text)
        assert "(for registrants only, please do not share)" in text
        assert ">Waitlisted (#3)</span>" in html
    # The QR code: an <img> from the SVG (as a data: URI) in HTML only; text shows the code.
    svg = base64.b64encode(ctx["qr_svg"].encode()).decode()
    assert f'<img src="data:image/svg+xml;base64,{svg}"' in html
    assert "data:image" not in text and "<svg" not in text
    assert f'href="{venue["map_url"]}"' in html


@pytest.mark.parametrize("locale", LOCALES)
def test_registrants_only_stream_is_flagged_only_on_that_stream(locale, render, full_contexts):
    ctx = full_contexts["waitlist_promoted"]
    _, text, _ = compose("waitlist_promoted", ctx, locale=locale, render=render)
    youtube_line = next(line for line in text.splitlines() if "YouTube" in line)
    zoom_line = next(line for line in text.splitlines() if "Zoom" in line)
    assert "(" not in youtube_line and "(" in zoom_line


def test_waitlisted_shows_position(render, full_contexts):
    ctx = full_contexts["registration_waitlisted"]
    subject, text, html = compose("registration_waitlisted", ctx, locale="ko", render=render)
    assert "대기 4번" in subject
    assert "대기자 명단 4번" in text and ">4번</p>" in html
    subject, text, html = compose("registration_waitlisted", ctx, locale="en", render=render)
    assert "(#4)" in subject and "position 4" in text and ">#4</p>" in html


def test_promoted_names_the_session(render, full_contexts):
    ctx = full_contexts["waitlist_promoted"]
    _, text, _ = compose("waitlist_promoted", ctx, locale="en", render=render)
    assert 'a seat opened up in "패널: 스마트 모빌리티"' in text
    assert "your place in that session is now confirmed" in text
    del ctx["promoted_session"]
    _, text, _ = compose("waitlist_promoted", ctx, locale="ko", render=render)
    assert "등록이 확정되었습니다" in text and "세션에 자리가" not in text


@pytest.mark.parametrize(
    ("cancelled_by", "locale", "expected"),
    [
        ("organizer", "ko", "주최 측에서"),
        ("self", "ko", "요청하신 대로"),
        ("organizer", "en", "The organizers have cancelled"),
        ("self", "en", "As you asked"),
    ],
)
def test_cancelled_wording_depends_on_who(cancelled_by, locale, expected, render, full_contexts):
    ctx = full_contexts["registration_cancelled"] | {"cancelled_by": cancelled_by}
    _, text, html = compose("registration_cancelled", ctx, locale=locale, render=render)
    assert expected in text and expected in html
    assert "중복 등록" in text


def test_manage_link_only_carries_the_link(render, full_contexts):
    ctx = full_contexts["manage_link"]
    _, text, _ = compose("manage_link", ctx, locale="en", render=render)
    assert "already registered" in text
    assert ctx["manage_url"] in text
    with pytest.raises(ValueError, match="unknown context keys"):
        compose("manage_link", ctx | {"confirmation_code": "X"}, locale="en", render=render)


@pytest.mark.parametrize("locale", LOCALES)
def test_session_changed_shows_old_and_new(locale, render, full_contexts):
    ctx = full_contexts["session_changed"]
    subject, text, html = compose("session_changed", ctx, locale=locale, render=render)
    label = "일시" if locale == "ko" else "Time"
    assert f"- {label}: 10:00–11:30 → 13:00–14:30" in text
    assert "<s style" in html and "태평홀</s> &rarr; <strong>다목적홀</strong>" in html
    assert "연사 일정으로 시간이 변경되었습니다." in text

    cancelled = ctx | {"cancelled": True, "changes": []}
    subject, text, _ = compose("session_changed", cancelled, locale=locale, render=render)
    assert ("세션 취소 안내" if locale == "ko" else "Session cancelled") in subject
    assert ("취소되었습니다" if locale == "ko" else "has been cancelled") in text


def test_reminder_says_tomorrow(render, full_contexts):
    ctx = full_contexts["reminder"]
    subject, text, _ = compose("reminder", ctx, locale="en", render=render)
    assert subject == "Reminder: 서울 디지털 서밋 2025 is tomorrow"
    assert "takes place tomorrow" in text and "SDS-7K3Q" in text
    subject, text, _ = compose("reminder", ctx, locale="ko", render=render)
    assert "내일" in subject and "내일" in text


def test_html_escapes_every_value_and_text_does_not(render, full_contexts):
    evil = '<script>alert("x")</script> & Co'
    ctx = full_contexts["registration_confirmed"]
    ctx["forum_title"] = evil
    ctx["recipient_name"] = "<b>Kim</b>"
    ctx["venue"]["access_notes"] = "<img src=x onerror=alert(1)>"
    ctx["sessions"][0]["title"] = "<i>Opening</i>"
    ctx["manage_url"] = 'https://madang.example/m?a=1&b="2"'
    subject, text, html = compose("registration_confirmed", ctx, locale="en", render=render)
    assert "<script>" not in html and "<b>Kim" not in html and "<i>Opening" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;b&gt;Kim&lt;/b&gt;" in html
    assert 'href="https://madang.example/m?a=1&amp;b=&#34;2&#34;"' in html
    # plain text is not HTML: it keeps the characters as they are
    assert evil in text and "<b>Kim</b>" in text and evil in subject


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"qr_src": "javascript:alert(1)"}, "qr_src must start with"),
        ({"manage_url": "javascript:alert(1)"}, "manage_url must start with"),
        ({"calendar_url": "ftp://x"}, "calendar_url must start with"),
        ({"attendance_mode": "hybrid"}, "attendance_mode must be one of"),
        ({"confirmation_code": ""}, "missing context keys"),
        ({"calender_url": "https://x"}, "unknown context keys"),
        ({"locale": "en"}, "set by compose"),
        ({"streams": [{"label": "x", "url": "javascript:x"}]}, "streams.url"),
        ({"streams": "https://x"}, "must be a list"),
        ({"sessions": [{"title": "t", "when": "w", "status": "maybe"}]}, "status must be"),
        ({"sessions": [{"title": "t", "when": "w", "status": "waitlisted"}]}, "position"),
        ({"venue": {"name": "Hall", "floors": "8"}}, "unknown venue keys"),
        ({"venue": {"floor": "8"}}, "missing 'name'"),
        ({"contact_email": "a@b, c@d"}, "not a single email address"),
    ],
)
def test_compose_rejects_bad_context(change, message, render, full_contexts):
    ctx = full_contexts["registration_confirmed"] | change
    with pytest.raises(ValueError, match=re.escape(message)):
        compose("registration_confirmed", ctx, locale="en", render=render)


def test_compose_rejects_unknown_kind_locale_and_empty_change(render, full_contexts):
    with pytest.raises(ValueError, match="unknown message kind"):
        compose("nope", {}, locale="en", render=render)
    with pytest.raises(ValueError, match="unsupported locale"):
        compose("reminder", full_contexts["reminder"], locale="ja", render=render)
    ctx = full_contexts["session_changed"] | {"changes": []}
    with pytest.raises(ValueError, match="cancelled=True"):
        compose("session_changed", ctx, locale="en", render=render)
    ctx = full_contexts["registration_waitlisted"] | {"position": 0}
    with pytest.raises(ValueError, match="position must be an int"):
        compose("registration_waitlisted", ctx, locale="en", render=render)


def test_compose_passes_template_names_and_locale_to_the_renderer(full_contexts):
    seen = []

    def fake_render(name, ctx):
        seen.append((name, ctx["locale"], ctx["kind"], ctx["subject"]))
        return "  body  \n\n\n\nmore   \n"

    subject, text, _ = compose(
        "reminder", full_contexts["reminder"], locale="ko", render=fake_render
    )
    assert [s[0] for s in seen] == ["email/reminder.ko.txt", "email/reminder.ko.html"]
    assert all(s[1:] == ("ko", "reminder", subject) for s in seen)
    assert text == "  body\n\nmore\n"


# --- MIME -------------------------------------------------------------------------------------


def test_mime_structure_and_headers(outgoing):
    msg = outgoing(1)
    raw = to_email_message(msg).as_bytes()
    parsed = parse(raw)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    # the SMTP policy sends CRLF line endings; the text itself is unchanged
    assert parts[0].get_content() == msg.text.replace("\n", "\r\n")
    assert parts[1].get_content().replace("\r\n", "\n") == msg.html
    assert parts[0].get_content_charset() == "utf-8"

    assert parsed["Message-ID"] == msg.message_id
    assert parsed["Date"] == "Tue, 13 May 2025 09:30:00 +0900"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["From"].addresses[0].display_name == "서울 디지털 서밋"
    assert parsed["From"].addresses[0].addr_spec == "noreply@madang.example"
    assert str(parsed["To"]) == "홍길동 <user1@example.com>"
    assert parsed["Reply-To"].addresses[0].addr_spec == "help@madang.example"
    assert parsed["Subject"] == msg.subject
    # MIME-Version once, on top; every line CRLF-terminated and within SMTP's limit
    assert raw.count(b"MIME-Version:") == 1
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_a_batch_shares_its_boundary_and_parses_each_part_header_once(outgoing):
    boundary = new_boundary()
    first, second = (to_email_message(outgoing(n), boundary=boundary) for n in (1, 2))
    assert first.get_boundary() == second.get_boundary() == f"{boundary}.a"
    # equal headers are one parsed object, not parsed again for the second message
    assert first["Content-Type"] is second["Content-Type"]
    plain = [next(m.iter_parts()) for m in (first, second)]
    assert plain[0]["Content-Type"] is plain[1]["Content-Type"]
    # the per-person headers are each message's own
    assert first["To"] is not second["To"]
    for em, n in ((first, 1), (second, 2)):
        text = parse(em.as_bytes()).get_body(preferencelist=("plain",)).get_content()
        assert text.startswith(f"안녕하세요 #{n}")


def test_a_message_without_a_batch_gets_a_boundary_of_its_own(outgoing):
    boundaries = {to_email_message(outgoing(1)).get_boundary() for _ in range(3)}
    assert len(boundaries) == 3


def test_a_shared_header_folds_for_each_policy_as_the_stdlib_does():
    import email.policy
    from email.headerregistry import HeaderRegistry

    value = "서울 디지털 서밋 2025 등록 확인 " * 4
    stock = HeaderRegistry()("Content-Description", value)
    shared = POLICY.header_factory("Content-Type", f'text/plain; name="{value}"')
    stock_shared = HeaderRegistry()("Content-Type", f'text/plain; name="{value}"')
    narrow = email.policy.default.clone(max_line_length=40)  # other linesep and width
    for policy in (POLICY, narrow, POLICY):
        assert shared.fold(policy=policy) == stock_shared.fold(policy=policy)
        assert POLICY.header_factory("Content-Description", value).fold(
            policy=policy
        ) == stock.fold(policy=policy)
    assert shared.fold(policy=POLICY) != shared.fold(policy=narrow)


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        ("Hello,\nyour place is confirmed.\n", "7bit"),
        ("<p>" + "x" * 120 + "</p>\n", "base64"),  # a line too long for 7bit
        ("Seoul Digital Summit · 서울\n", "base64"),
    ],
)
def test_bodies_are_7bit_when_they_can_be_and_base64_otherwise(outgoing, body, encoding):
    em = to_email_message(outgoing(1, text=body, html=body))
    parts = list(em.iter_parts())
    assert [p["Content-Transfer-Encoding"] for p in parts] == [encoding, encoding]
    parsed = parse(em.as_bytes())
    assert parsed.get_body(preferencelist=("plain",)).get_content() == body.replace("\n", "\r\n")


def test_korean_headers_are_rfc2047_encoded_in_the_raw_bytes(outgoing):
    msg = outgoing(2)
    raw = to_email_message(msg).as_bytes()
    raw.decode("ascii")  # 7-bit clean: headers encoded, bodies base64/quoted-printable
    headers = header_block(raw).decode("ascii")
    assert re.search(r"^Subject: =\?utf-8\?[bq]\?", headers, re.MULTILINE | re.IGNORECASE)
    assert "서울" not in headers
    assert re.search(r"^To: =\?utf-8\?[bq]\?.*\?= <user2@example.com>\r$", headers, re.M | re.I)
    # and it decodes back to the original
    assert parse(raw)["Subject"] == msg.subject
    assert (
        message_from_bytes(raw, policy=default_policy)["To"].addresses[0].display_name == "홍길동"
    )


def test_naive_date_and_bad_message_id_are_rejected(outgoing):
    with pytest.raises(ValueError, match="timezone-aware"):
        outgoing(date=datetime(2025, 5, 13, 9, 30))
    with pytest.raises(ValueError, match="Message-ID"):
        outgoing(message_id="no-brackets@madang.example")
    with pytest.raises(ValueError, match="Message-ID"):
        outgoing(message_id="<a\r\nBcc: x@y@madang.example>")


def test_make_message_id_is_random_and_well_formed():
    ids = {make_message_id("madang.example") for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"<[0-9a-f]{32}@madang\.example>", i) for i in ids)
    with pytest.raises(ValueError):
        make_message_id("madang.example>\r\nBcc: x")


@pytest.mark.parametrize(
    ("field_change", "header", "expected"),
    [
        ({"to_name": "Eve\r\nBcc: victim@example.com"}, "To", "Eve Bcc: victim@example.com"),
        ({"to_name": "Eve\nBcc: victim@example.com"}, "To", "Eve Bcc: victim@example.com"),
        ({"subject": "Hi\r\nBcc: victim@example.com"}, "Subject", "Hi Bcc: victim@example.com"),
        ({"subject": "Hi\rBcc: victim@example.com"}, "Subject", "Hi Bcc: victim@example.com"),
        (
            {"from_addr": '"Madang\r\nBcc: victim@example.com" <noreply@madang.example>'},
            "From",
            "Madang Bcc: victim@example.com",
        ),
        (
            {"reply_to": '"Help\u2028Bcc: victim@example.com" <help@madang.example>'},
            "Reply-To",
            "Help Bcc: victim@example.com",
        ),
        (
            {"headers": {"X-Forum": "SDS\r\nBcc: victim@example.com"}},
            "X-Forum",
            "SDS Bcc: victim@example.com",
        ),
    ],
)
def test_crlf_in_names_and_titles_cannot_inject_headers(outgoing, field_change, header, expected):
    raw = to_email_message(outgoing(3, **field_change)).as_bytes()
    assert not re.search(rb"^Bcc:", header_block(raw), re.MULTILINE | re.IGNORECASE)
    parsed = parse(raw)
    assert parsed["Bcc"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["user3@example.com"]
    # the would-be header is just text inside the intended header's value
    value = parsed[header]
    if header in ("To", "From", "Reply-To"):
        assert [a.display_name for a in value.addresses] == [expected]
    else:
        assert str(value) == expected


@pytest.mark.parametrize("field", ["from_addr", "reply_to"])
def test_unquoted_crlf_and_colon_in_a_from_name_is_rejected_not_misparsed(outgoing, field):
    # "Madang Bcc:" would parse as a group; refusing is the safe answer for configured senders.
    change = {field: "Madang\r\nBcc: victim@example.com <noreply@madang.example>"}
    with pytest.raises(ValueError, match="not a single email address"):
        to_email_message(outgoing(3, **change))


def test_crlf_in_a_composed_title_stays_in_the_subject(render, full_contexts, outgoing):
    ctx = full_contexts["manage_link"] | {"forum_title": "SDS\r\nBcc: victim@example.com"}
    subject, _, _ = compose("manage_link", ctx, locale="en", render=render)
    assert subject == "Your registration link: SDS Bcc: victim@example.com"
    parsed = parse(to_email_message(outgoing(4, subject=subject)).as_bytes())
    assert parsed["Bcc"] is None and parsed["Subject"] == subject


@pytest.mark.parametrize("to", ["a@example.com, b@example.com", "not-an-address", "", "a@"])
def test_recipient_must_be_exactly_one_address(outgoing, to):
    with pytest.raises(ValueError):
        to_email_message(outgoing(5, to=to))


@pytest.mark.parametrize("name", ["Bcc", "from", "Content-Type", "X-Bad\r\nBcc", "X Bad"])
def test_extra_headers_cannot_override_or_smuggle(outgoing, name):
    with pytest.raises(ValueError, match="extra header"):
        to_email_message(outgoing(6, headers={name: "x"}))


def test_extra_headers_are_added(outgoing):
    parsed = parse(
        to_email_message(outgoing(7, headers={"List-Id": "SDS <sds.madang>"})).as_bytes()
    )
    assert parsed["List-Id"] == "SDS <sds.madang>"


def test_international_domain_is_idna_encoded(outgoing):
    raw = to_email_message(outgoing(8, to="hong@예시.한국")).as_bytes()
    assert b"<hong@xn--vv4b11d.xn--3e0b707e>" in header_block(raw)


def test_calendar_attachment_wraps_in_mixed_with_matching_method(outgoing):
    att = calendar_attachment(ICS)
    assert att.method == "PUBLISH" and att.filename == "invite.ics"
    raw = to_email_message(outgoing(9, attachments=(att,))).as_bytes()
    parsed = parse(raw)
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, calendar = parsed.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_filename() == "invite.ics"
    payload = calendar.get_payload(decode=True)
    assert payload == ICS.encode("utf-8")  # byte-exact, CRLFs included
    assert re.search(rb"^METHOD:PUBLISH\r$", payload, re.MULTILINE)
    assert re.search(
        rb'^Content-Type: text/calendar; charset="?utf-8"?; method="?PUBLISH"?\r$', raw, re.M
    )


def test_calendar_method_must_match_the_calendar():
    with pytest.raises(ValueError, match="METHOD:PUBLISH"):
        Attachment("invite.ics", ICS.encode(), "text/calendar", method="REQUEST")
    assert (
        Attachment("invite.ics", ICS.encode(), "text/calendar", method="publish").method
        == "PUBLISH"
    )
    folded = ICS.replace("METHOD:PUBLISH", "METHOD:REQ\r\n UEST").encode()
    assert calendar_attachment(folded).method == "REQUEST"
    with pytest.raises(ValueError, match="only meaningful for text/calendar"):
        Attachment("a.pdf", b"%PDF", "application/pdf", method="PUBLISH")
    no_method = ICS.replace("METHOD:PUBLISH\r\n", "")
    assert calendar_attachment(no_method).method is None
    with pytest.raises(ValueError):
        Attachment("invite.ics", no_method.encode(), "text/calendar", method="PUBLISH")


def test_build_message_composes_and_wraps(render, full_contexts):
    message_id = make_message_id("madang.example")
    msg = build_message(
        "reminder",
        full_contexts["reminder"],
        locale="ko",
        render=render,
        message_id=message_id,
        to="hong@example.com",
        to_name="홍길동",
        from_addr="Madang <noreply@madang.example>",
        attachments=[calendar_attachment(ICS)],
    )
    assert msg.message_id == message_id
    assert msg.subject == "[서울 디지털 서밋 2025] 내일 행사가 열립니다"
    assert msg.date.tzinfo is not None
    parsed = parse(to_email_message(msg).as_bytes())
    text = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    assert "SDS-7K3Q" in text.get_content()


def test_an_inline_image_goes_in_a_related_part_with_the_html(outgoing):
    from notifications.messages import InlineImage

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    msg = outgoing(0, inline_images=(InlineImage("qr@madang", png, "image/png", "qr.png"),))
    em = to_email_message(msg)
    assert [p.get_content_type() for p in em.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    image = next(p for p in em.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<qr@madang>"
    assert image.get_content_disposition() == "inline"
    assert image.get_payload(decode=True) == png
    parsed = message_from_bytes(em.as_bytes(), policy=default_policy)
    assert parsed.get_body(preferencelist=("html",)).get_content_type() == "text/html"


@pytest.mark.parametrize(
    ("cid", "mimetype"),
    [
        ("no-at-sign", "image/png"),
        ("a b@x", "image/png"),
        ("qr@x\r\nBcc: y", "image/png"),
        ("qr@madang", "text/html"),
    ],
)
def test_an_inline_image_refuses_bad_ids_and_types(cid, mimetype):
    from notifications.messages import InlineImage

    with pytest.raises(ValueError):
        InlineImage(cid, b"x", mimetype)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_announcement_keeps_the_organizers_paragraphs_and_escapes_their_markup(
    locale, render, full_contexts
):
    ctx = {
        **full_contexts["announcement"],
        "headline": "Health desk <read first>",
        "message": "Line one\r\nline two\n\n\n<b>bold?</b> & more\n",
    }
    subject, text, html = compose("announcement", ctx, locale=locale, render=render)

    assert "Health desk <read first>" in subject
    assert "Line one\nline two\n\n<b>bold?</b> & more\n" in text  # the text part is as written
    assert '<p style="margin:0 0 12px;">Line one<br>line two</p>' in html
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; more" in html and "<b>bold?" not in html
    assert "Health desk &lt;read first&gt;" in html
