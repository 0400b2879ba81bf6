"""The organizer's planning page: receivers to rent, requests against what is offered, the task
list and its answers (mailed), counts only (no names), and who may open it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import OutboxMessage, ServiceRequest, SessionService
from app.registration import operations as registrations


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", page)


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def scene(db, make_forum, make_session, make_venue, make_user):
    forum = make_forum()
    hall = make_venue(forum, name_en="Multipurpose Hall")
    keynote = make_session(forum, title_en="Keynote", language="ko", format="hybrid", venue=hall)
    panel = make_session(
        forum, title_en="Panel", language="ko", seats=20, venue=hall, start="13:00", end="14:00"
    )
    db.session.add(
        SessionService(
            forum_id=forum.id,
            session_id=keynote.id,
            kind="interpretation",
            language="en",
            status="confirmed",
        )
    )
    db.session.commit()
    names = ["Alice Secret", "Bob Hidden", "Chae Private"]
    for n, name in enumerate(names):
        registrations.register(
            forum,
            registrations.RegistrationRequest(
                name=name,
                email=f"p{n}@example.org",
                attendance="in_person",
                locale="ko" if n else "en",
                consent_personal_data=True,
                consent_accessibility=True,
                session_ids=[panel.id],
                listening_language="en",
                needs_receiver=True,
                service_requests=[{"session_id": panel.id, "kind": "ksl", "language": ""}],
            ),
        )
    return forum, keynote, panel, names, make_user("organizer", forum)


def test_the_page_counts_receivers_and_requests_without_names(login, scene):
    forum, _keynote, _panel, names, organizer = scene
    response = login(organizer).get(f"/organize/forums/{forum.slug}/planning")
    assert response.status_code == 200
    text = text_of(response)
    assert "Multipurpose Hall" in text
    assert re.search(r"Keynote .*? English: 3", text)
    assert "3 people asked for Korean Sign Language in “Panel”; not planned yet." in text
    assert "3 requests wait for an answer." in text
    # Nobody is named: the requests are held under a sensitive-data consent.
    page = response.get_data(as_text=True)
    for name in names:
        assert name not in page
    for n in range(3):
        assert f"p{n}@example.org" not in page


def test_confirming_from_the_page_offers_the_service_and_mails_each_person(db, login, scene):
    forum, _, panel, _, organizer = scene
    client = login(organizer)
    response = client.post(
        f"/organize/forums/{forum.slug}/planning/answer",
        data={"session_id": panel.id, "kind": "ksl", "language": "", "answer": "confirm"},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    text = text_of(page)
    assert "Korean Sign Language is confirmed; 3 people will be told by email." in text
    assert "3 people asked for Korean Sign Language in “Panel”; confirmed." in text
    assert "Every request has an answer." in text
    assert count(db, SessionService, SessionService.kind == "ksl") == 1
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "service_answer")
    ).all()
    assert sorted(m.locale for m in mails) == ["en", "ko", "ko"]


def test_declining_with_a_note_and_answering_twice(db, login, scene):
    forum, _, panel, _, organizer = scene
    client = login(organizer)
    data = {
        "session_id": panel.id,
        "kind": "ksl",
        "language": "",
        "answer": "decline",
        "note": "No interpreter that day.",
    }
    assert (
        client.post(f"/organize/forums/{forum.slug}/planning/answer", data=data).status_code == 303
    )
    assert count(db, SessionService, SessionService.kind == "ksl") == 0
    assert count(db, ServiceRequest, ServiceRequest.status == "declined") == 3
    mails_before = count(db, OutboxMessage)
    again = client.post(f"/organize/forums/{forum.slug}/planning/answer", data=data)
    assert again.status_code == 409
    assert "These requests have an answer already." in text_of(again)
    assert count(db, OutboxMessage) == mails_before


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "ksl", "answer": "perhaps"},
        {"kind": "sign", "answer": "confirm"},
        {"kind": "ksl", "language": "en", "answer": "confirm"},
        {"session_id": "nope", "kind": "ksl", "answer": "confirm"},
    ],
)
def test_bad_answers_are_refused_with_422_and_change_nothing(db, login, scene, data):
    forum, _, panel, _, organizer = scene
    before = (count(db, OutboxMessage), count(db, SessionService))
    response = login(organizer).post(
        f"/organize/forums/{forum.slug}/planning/answer", data={"session_id": panel.id, **data}
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert (count(db, OutboxMessage), count(db, SessionService)) == before
    assert count(db, ServiceRequest, ServiceRequest.status == "open") == 3


def test_only_the_forums_organizers_may_plan(db, login, scene, make_user, make_forum):
    forum, _, panel, _, _ = scene
    url = f"/organize/forums/{forum.slug}/planning"
    assert login().get(url).status_code in (302, 303)
    assert login(make_user("desk", forum)).get(url).status_code == 403
    assert login(make_user("organizer", make_forum())).get(url).status_code == 403
    stranger = login(make_user("organizer", make_forum()))
    response = stranger.post(
        url + "/answer",
        data={"session_id": panel.id, "kind": "ksl", "language": "", "answer": "confirm"},
    )
    assert response.status_code == 403
    assert count(db, ServiceRequest, ServiceRequest.status == "open") == 3
