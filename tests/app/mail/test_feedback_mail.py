"""The feedback survey by mail through a real SMTP server (aiosmtpd on loopback): the day after
the forum each attendee's message carries their own survey link, which opens the survey; once
answered, a mail still waiting is not sent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.mail.delivery import deliver_due
from app.models import OutboxMessage, Registration
from app.registration import feedback
from tests.app.mail.helpers import body, register


def test_each_attendee_is_mailed_their_survey_link(app, db, client, make_forum, smtp, mail_to):
    forum = make_forum(slug="survey")
    mail_to(smtp)
    for n, locale in (("kim", "ko"), ("jane", "en"), ("lee", "ko"), ("absent", "en")):
        register(client, forum, n, locale=locale)
    people = {
        r.email.split("@")[0]: r
        for r in db.session.scalars(select(Registration).where(Registration.forum_id == forum.id))
    }
    for name in ("personkim", "personjane", "personlee"):
        people[name].checked_in_at = datetime.now(UTC)
    db.session.commit()
    deliver_due()
    smtp.sink.received.clear()

    next_day = datetime.combine(forum.last_day + timedelta(days=1), time(1), UTC)
    assert feedback.queue_due(now=next_day) == 3
    feedback.answer(people["personlee"], {"rating": "5"})  # answered before the mail went
    deliver_due()

    got = {m["To"].addresses[0].username: m for m in smtp.sink.messages()}
    assert set(got) == {"personkim", "personjane"}
    assert "참석 소감을 들려주세요" in got["personkim"]["Subject"]
    link = next(
        line.strip()
        for line in body(got["personjane"]).replace("\r\n", "\n").splitlines()
        if line.strip().endswith("/feedback")
    )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.status_code == 200 and "How was the forum as a whole?" in page.get_data(True)
    skipped = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "feedback_request",
            OutboxMessage.registration_id == people["personlee"].id,
        )
    )
    assert skipped.status == "skipped"
