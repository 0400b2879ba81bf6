"""The answer to a request for an access service, by mail through a real SMTP server: each
person who asked gets one message in their own language, with the service, the session, the
organizers' note and a link to their registration page; a mail for a registration cancelled
meanwhile is not sent."""

from __future__ import annotations

from sqlalchemy import select

from app.mail.delivery import deliver_due
from app.models import OutboxMessage, SessionService, User
from app.registration import access_requests
from app.registration import operations as registrations
from tests.app.mail.helpers import body


def ask(forum, session, n: str, locale: str):
    return registrations.register(
        forum,
        registrations.RegistrationRequest(
            name=f"Person {n}",
            email=f"{n}@example.org",
            attendance="in_person",
            locale=locale,
            consent_personal_data=True,
            consent_accessibility=True,
            service_requests=[{"session_id": session.id, "kind": "ksl", "language": ""}],
        ),
    ).registration


def subject(message) -> str:
    return " ".join(str(message["Subject"]).split())


def organizer(db) -> User:
    user = User(email="org@example.org", name="Org", role="organizer", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def test_each_person_is_told_in_their_language(
    app, db, client, make_forum, make_session, smtp, mail_to
):
    forum = make_forum(title_ko="서울 스마트시티 포럼", title_en="Seoul Smart City Forum")
    panel = make_session(forum, title_ko="포용 세션", title_en="Inclusion session", language="ko")
    mail_to(smtp)
    ask(forum, panel, "kim", "ko")
    ask(forum, panel, "jane", "en")
    gone = ask(forum, panel, "lee", "ko")
    deliver_due()
    smtp.sink.received.clear()

    access_requests.answer(
        forum,
        {
            "session_id": panel.id,
            "kind": "ksl",
            "language": "",
            "answer": "confirm",
            "note": "The interpreter stands left of the stage.",
        },
        organizer(db),
    )
    registrations.cancel_registration(gone)  # cancelled before the answer went out
    deliver_due()

    got = {
        m["To"].addresses[0].username: m
        for m in smtp.sink.messages()
        if "cancel" not in m["Subject"].casefold() and "취소" not in m["Subject"]
    }
    assert set(got) == {"kim", "jane"}
    assert subject(got["kim"]) == "[서울 스마트시티 포럼] 요청하신 한국수어 통역 안내"
    assert subject(got["jane"]) == (
        "Your request for Korean Sign Language interpretation: Seoul Smart City Forum"
    )
    english = body(got["jane"])
    assert "Good news: Korean Sign Language interpretation will be provided" in english
    assert '"Inclusion session"' in english
    assert "Note from the organizers: The interpreter stands left of the stage." in english
    link = next(line.strip() for line in english.splitlines() if "/manage/" in line)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.status_code == 200
    assert "Will be provided" in page.get_data(as_text=True)
    korean = body(got["kim"])
    assert "포용 세션" in korean and "제공합니다" in korean
    html = body(got["jane"], "html")
    assert "Korean Sign Language interpretation" in html
    skipped = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "service_answer", OutboxMessage.registration_id == gone.id
        )
    )
    assert skipped.status == "skipped"
    assert db.session.scalar(select(SessionService)).status == "confirmed"


def test_a_declined_request_says_so(app, db, make_forum, make_session, smtp, mail_to):
    forum = make_forum()
    panel = make_session(forum, title_en="Panel", language="ko")
    mail_to(smtp)
    ask(forum, panel, "jane", "en")
    deliver_due()
    smtp.sink.received.clear()
    access_requests.answer(
        forum,
        {"session_id": panel.id, "kind": "ksl", "language": "", "answer": "decline"},
        organizer(db),
    )
    deliver_due()
    [message] = smtp.sink.messages()
    text = body(message)
    assert "We are sorry: Korean Sign Language interpretation cannot be provided" in text
    assert "Note from the organizers" not in text
