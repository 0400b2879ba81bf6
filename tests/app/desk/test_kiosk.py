"""The self check-in kiosk: on only when an organizer enables it; it shows nothing about anyone
but the person checking in, and never searches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import CheckIn, Registration
from tests.app.desk.helpers import page_text


def _kiosk(client, forum, code: str):
    return client.post(f"/kiosk/{forum.slug}", data={"code": code})


@pytest.fixture
def kiosk_forum(open_forum, register):
    forum = open_forum(kiosk_enabled=True, title_en="Kiosk Forum")
    people = {
        "minji": register(forum, "김민지", affiliation="서울디지털재단"),
        "anna": register(forum, "Anna Schmidt", affiliation="Stadt Wien"),
    }
    return forum, people


def _checkins(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def test_the_kiosk_is_closed_until_an_organizer_enables_it(client, open_forum, make_forum):
    assert client.get(f"/kiosk/{open_forum().slug}").status_code == 404
    assert client.post(f"/kiosk/{open_forum().slug}", data={"code": "x"}).status_code == 404
    draft = make_forum(status="draft", kiosk_enabled=True, desk_override="open")
    assert client.get(f"/kiosk/{draft.slug}").status_code == 404
    assert client.get("/kiosk/no-such-forum").status_code == 404


def test_anyone_checks_themselves_in_with_their_qr_code(client, kiosk_forum, payload, db):
    forum, people = kiosk_forum
    page = client.get(f"/kiosk/{forum.slug}")
    assert page.status_code == 200
    assert 'name="code"' in page.get_data(as_text=True)
    response = _kiosk(client, forum, payload(people["minji"].confirmation_code))
    assert response.status_code == 200
    text = page_text(response)
    assert "Welcome, 김민지!" in text and "You are checked in." in text
    assert 'role="status"' in response.get_data(as_text=True)
    # The screen clears itself for the next person.
    assert f'content="15;url=/kiosk/{forum.slug}"' in response.get_data(as_text=True)
    db.session.rollback()
    row = db.session.scalar(select(CheckIn))
    assert (row.registration_id, row.operator_id, row.desk) == (people["minji"].id, None, "kiosk")
    # Nobody else, and not even the person's affiliation, appears.
    assert "Anna" not in text and "서울디지털재단" not in text


def test_a_second_scan_at_the_kiosk_says_already_without_naming_staff(
    client, kiosk_forum, payload, staff, db
):
    forum, people = kiosk_forum
    _kiosk(client, forum, people["anna"].confirmation_code)
    again = _kiosk(client, forum, payload(people["anna"].confirmation_code))
    assert again.status_code == 200
    assert "You are already checked in (since" in page_text(again)
    assert _checkins(db) == 1


def test_the_kiosk_never_searches_by_name(client, kiosk_forum, db):
    forum, _ = kiosk_forum
    for query in ("민지", "김민지", "Anna", "schmidt", "Stadt Wien", "example.org"):
        response = _kiosk(client, forum, query)
        assert response.status_code == 422, query
        text = page_text(response)
        assert "Scan your QR code, or type your 8-character confirmation code." in text
        assert "김민지" not in text and "Anna" not in text and "Stadt Wien" not in text
    assert _checkins(db) == 0


def test_a_wrong_code_reveals_nothing(client, kiosk_forum, make_forum, register, payload, db):
    forum, people = kiosk_forum
    other = make_forum(title_en="Secret Other Forum")
    outsider = register(other, "Out Sider")
    cancelled = people["anna"]
    from app.registration import operations as registrations

    registrations.cancel_registration(cancelled)
    cases = {
        "ABCD-EFGH": "We could not find this code.",
        "MDG1:ABCDEFGH:0123456789abcdef": "This QR code cannot be used here.",
        "MDG1:ABCD": "read only in part",
        outsider.confirmation_code: "This code is for another forum.",
        payload(cancelled.confirmation_code): "This registration was cancelled.",
    }
    for code, message in cases.items():
        response = _kiosk(client, forum, code)
        assert response.status_code >= 400, code
        text = page_text(response)
        assert message in text, code
        for secret in ("Out Sider", "Secret Other Forum", "Anna", "Schmidt", "김민지"):
            assert secret not in text, (code, secret)
        assert 'role="alert"' in response.get_data(as_text=True)
    assert _checkins(db) == 0


def test_a_waitlisted_person_is_sent_to_the_desk(client, open_forum, register, payload, db):
    forum = open_forum(kiosk_enabled=True, in_person_capacity=1)
    register(forum, "Has Place")
    waiting = register(forum, "Is Waiting")
    response = _kiosk(client, forum, payload(waiting.confirmation_code))
    assert response.status_code == 409
    text = page_text(response)
    assert "Please go to the registration desk" in text
    assert "position" not in text
    db.session.rollback()
    assert db.session.get(Registration, waiting.id).checked_in_at is None


def test_the_kiosk_checks_nobody_in_while_the_desk_is_closed(
    client, make_forum, register, payload, db
):
    forum = make_forum(kiosk_enabled=True)  # a month away
    person = register(forum, "Too Early")
    page = client.get(f"/kiosk/{forum.slug}")
    assert "Self check-in is not open now" in page_text(page)
    assert 'name="code"' not in page.get_data(as_text=True)
    response = _kiosk(client, forum, payload(person.confirmation_code))
    assert response.status_code == 409
    assert _checkins(db) == 0
