"""Certificates by mail through a real SMTP server (aiosmtpd on loopback): once the forum is
over the worker's round queues them, and each person's message carries their PDF."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.mail.delivery import deliver_due
from app.models import Registration, User
from app.registration import certificates
from tests.app.mail.helpers import body, register
from tests.pdf import pdf_pages


@pytest.fixture(autouse=True)
def _needs_a_korean_font(korean_font):
    """Every test here makes a PDF (see the `korean_font` fixture)."""


def test_each_attendee_gets_their_certificate_as_a_pdf(app, db, client, make_forum, smtp, mail_to):
    forum = make_forum(slug="done")  # a month ahead, so people can still register
    mail_to(smtp)
    register(client, forum, "kim", locale="ko")
    register(client, forum, "jane", locale="en")
    register(client, forum, "absent", locale="en")
    for email in ("personkim@example.org", "personjane@example.org"):
        person = db.session.scalar(select(Registration).where(Registration.email == email))
        person.checked_in_at = datetime.now(UTC)
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()
    certificates.save_settings(
        forum,
        {
            "enabled": True,
            "forum_check_in": True,
            "wording_ko": "참석을 확인합니다.",
            "wording_en": "Attended.",
            "signatory_ko": "서울특별시장",
            "signatory_en": "Mayor of Seoul",
        },
        user,
    )
    deliver_due()
    smtp.sink.received.clear()

    after = datetime.combine(forum.last_day + timedelta(days=2), time(9), UTC)
    assert certificates.issue_due(now=after) == 2
    deliver_due()

    got = {m["To"].addresses[0].username: m for m in smtp.sink.messages()}
    assert set(got) == {"personkim", "personjane"}
    kim = got["personkim"]
    assert kim["Subject"].endswith("참석 확인서")
    [pdf] = [p for p in kim.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename().startswith("certificate-done-")
    [(_size, raw)] = pdf_pages(pdf.get_content())
    text = "".join(raw.split())
    assert "참가자kim" in text and "참석을확인합니다." in text
    code = next(line for line in body(kim).splitlines() if line.startswith("확인 코드:"))
    assert code.split(": ")[1].strip() in raw
    assert "Your certificate of attendance" in got["personjane"]["Subject"]
