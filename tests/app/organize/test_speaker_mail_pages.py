"""The speakers' own mail on the organizer's pages: the address, language and connection
details on the speaker form (refused when bad, never public), the send buttons, and the
organizer told which speakers get no mail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import OutboxMessage, Speaker


@pytest.fixture
def speakers(make_forum, make_session, make_speaker, make_user):
    forum = make_forum(slug="talks")
    panel = make_session(forum, title_en="Panel")
    ana = make_speaker(forum, sessions=(panel,), name_en="Ana Lima", email="ana@example.org")
    make_speaker(forum, sessions=(panel,), name_ko="", name_en="No Address")
    return forum, ana, make_user("organizer", forum)


def speaker_form(**fields) -> dict:
    return {"name_en": "Ana Lima", "email": "ana@example.org", "locale": "en"} | fields


def test_the_speaker_form_keeps_the_address_private(db, speakers, login, client):
    forum, ana, user = speakers
    organizer = login(user)
    response = organizer.post(
        f"/organize/forums/{forum.slug}/speakers/{ana.id}/edit",
        data=speaker_form(connection_details="Zoom https://zoom.example/j/42"),
    )
    assert response.status_code == 303, response.get_data(True)
    db.session.expire_all()
    row = db.session.get(Speaker, ana.id)
    assert (row.email, row.locale, row.connection_details) == (
        "ana@example.org",
        "en",
        "Zoom https://zoom.example/j/42",
    )
    for path in (
        f"/forums/{forum.slug}/speakers/{ana.id}",
        f"/api/v1/forums/{forum.slug}",
        f"/forums/{forum.slug}/speakers/{ana.id}.ics",
        f"/forums/{forum.slug}/schedule.json",
    ):
        page = client.get(path).get_data(True)
        assert "ana@example.org" not in page and "zoom.example" not in page, path


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an address"}, "Enter a valid email address"),
        ({"locale": "fr"}, "Choose one of: ko, en."),
        ({"connection_details": "x" * 2001}, "2000"),
    ],
)
def test_a_bad_speaker_address_is_refused(db, speakers, login, fields, message):
    forum, ana, user = speakers
    response = login(user).post(
        f"/organize/forums/{forum.slug}/speakers/{ana.id}/edit", data=speaker_form(**fields)
    )
    assert response.status_code == 422
    assert message in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(Speaker, ana.id).locale == "ko"


def test_sending_says_who_gets_no_mail(db, speakers, login):
    forum, ana, user = speakers
    client = login(user)
    page = client.get(f"/organize/forums/{forum.slug}/speakers").get_data(True)
    assert "No address: no mail" in page and "Send every speaker their programme" in page
    response = client.post(f"/organize/forums/{forum.slug}/speakers/mail", follow_redirects=True)
    html = response.get_data(True)
    assert "1 speaker&#39;s programme is on its way." in html
    assert "No address, so no mail: No Address." in html
    one = client.post(
        f"/organize/forums/{forum.slug}/speakers/mail", data={"speaker_id": str(ana.id)}
    )
    assert one.status_code == 303
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["speaker_programme", "speaker_programme"]
    assert (
        client.post(
            f"/organize/forums/{forum.slug}/speakers/mail", data={"speaker_id": "999999"}
        ).status_code
        == 404
    )
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
