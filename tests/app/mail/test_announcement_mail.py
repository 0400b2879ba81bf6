"""An announcement through a real SMTP server (aiosmtpd on loopback): each person's message in
their language, the organizer's text as written, and a manage link of their own that opens
their registration without replacing the link they already had."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.mail.delivery import deliver_due
from app.models import OutboxMessage, Registration, User
from app.registration import announcements
from tests.app.mail.helpers import body, outbox_rows, register


@pytest.fixture
def announced(app, db, client, make_forum, smtp, mail_to):
    """Three registrants (two Korean readers, one English) told about the health desk."""
    forum = make_forum(slug="hall")
    mail_to(smtp)
    people = {
        "kim": register(client, forum, "kim", locale="ko"),
        "lee": register(client, forum, "lee", locale="ko"),
        "jane": register(client, forum, "jane", locale="en"),
    }
    deliver_due()  # the confirmations
    smtp.sink.received.clear()
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()

    def send(**text: str):
        raw = {
            "segment": "everyone",
            "subject_ko": "건강 확인 데스크 안내",
            "body_ko": "입장 전 1층 로비에서\n발열 확인을 받아 주세요.\n\n<감사합니다>",
            "subject_en": "Please stop at the health desk",
            "body_en": "Before you come in,\nstop at the lobby desk.\n\nThank you & see you.",
            **text,
        }
        draft = announcements.check_draft(forum, raw)
        count = announcements.reach(forum, draft)
        return announcements.send(forum, draft, user, previewed=draft.fingerprint, expected=count)

    return forum, people, send


def _text(message) -> str:
    return body(message).replace("\r\n", "\n")


def _by_recipient(smtp) -> dict:
    return {m["To"].addresses[0].username: m for m in smtp.sink.messages()}


def test_each_person_gets_the_announcement_in_their_language(db, announced, smtp):
    _forum, _people, send = announced
    send()
    deliver_due()

    mail = _by_recipient(smtp)
    assert set(mail) == {"personkim", "personlee", "personjane"}
    ko, en = mail["personkim"], mail["personjane"]
    assert ko["Subject"].endswith("] 건강 확인 데스크 안내")
    assert "Please stop at the health desk" in en["Subject"]
    assert "입장 전 1층 로비에서\n발열 확인을 받아 주세요.\n\n<감사합니다>" in _text(ko)
    assert "&lt;감사합니다&gt;" in body(ko, "html") and "로비에서<br>발열" in body(ko, "html")
    assert "Thank you &amp; see you." in body(en, "html") and "안녕하세요" not in _text(en)
    assert {r.status for r in outbox_rows(db, "announcement")} == {"sent"}


def test_the_link_in_the_mail_opens_the_persons_own_registration_and_keeps_their_old_one(
    db, client, announced, smtp
):
    _forum, people, send = announced
    send()
    deliver_due()
    link = next(
        line.strip()
        for line in body(_by_recipient(smtp)["personjane"]).splitlines()
        if "/manage/" in line
    )
    path = link.split("://", 1)[1].split("/", 1)[1]

    page = client.get("/" + path)
    assert page.status_code == 200 and "참가자 jane" in page.get_data(True)
    their_own = "/" + people["jane"]["manage_url"].split("/", 3)[3]
    assert client.get(their_own).status_code == 200  # the confirmation's link still works
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.get("/" + tampered).status_code == 404


def test_the_link_stops_working_once_the_person_gets_a_new_manage_link(db, client, announced, smtp):
    forum, _people, send = announced
    send()
    deliver_due()
    link = next(
        line.strip()
        for line in body(_by_recipient(smtp)["personkim"]).splitlines()
        if "/manage/" in line
    )
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 200
    # Registering again with the same address sends a fresh manage link, retiring the old.
    register_again = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "참가자 kim",
            "email": "personkim@example.org",
            "attendance": "in_person",
            "session_ids": [],
            "locale": "ko",
            "consent_personal_data": True,
        },
    )
    assert register_again.status_code in (200, 201, 202, 409)
    assert client.get(path).status_code == 404


def test_text_in_one_language_reaches_the_other_readers_in_that_language(db, announced, smtp):
    _forum, _people, send = announced
    send(subject_ko="", body_ko="")
    deliver_due()
    kim = _by_recipient(smtp)["personkim"]
    assert "Please stop at the health desk" in kim["Subject"]
    assert "Hello 참가자 kim" in _text(kim)


def test_someone_who_cancelled_before_it_went_is_skipped(db, client, announced, smtp):
    _forum, people, send = announced
    send()
    token = people["lee"]["manage_url"].rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/registrations/{token}").status_code == 200
    deliver_due()

    assert "personlee" not in {
        m["To"].addresses[0].username
        for m in smtp.sink.messages()
        if "건강" in m["Subject"] or "health" in m["Subject"]
    }
    lee = db.session.scalar(
        select(Registration).where(Registration.email == "personlee@example.org")
    )
    [row] = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == "announcement", OutboxMessage.registration_id == lee.id
        )
    ).all()
    assert row.status == "skipped" and "cancelled" in row.last_error
