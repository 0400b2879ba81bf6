"""Invited people on the organizer's pages: the guests page and its counts, one person added by
hand, a guest list from CSV (dry run, then all or nothing), a person's category changed, the
places and seats held back set on the settings and session forms; bad input changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Forum, ForumSession, OutboxMessage, Registration
from app.programme import agenda

GUESTS = (
    "name,email,affiliation,category,attendance,locale,sessions\r\n"
    "Ana Lima,ana@example.org,City of Lisbon,speaker,in_person,en,S{tour}\r\n"
    "김민수,minsu@example.org,서울시,귀빈,현장,ko,\r\n"
    "Press Pool,press@example.org,,press,,,\r\n"
)


@pytest.fixture
def invited(make_user, make_forum, make_session):
    forum = make_forum(slug="guests", in_person_capacity=10, reserved_places=3)
    tour = make_session(forum, kind="tour", seats=4, reserved_seats=2, title_en="Site visit")
    return forum, tour, make_user("organizer", forum)


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def guest_form(**fields) -> dict:
    values = {
        "name": "Ana Lima",
        "email": "ana@example.org",
        "affiliation": "City of Lisbon",
        "category": "speaker",
        "attendance": "in_person",
        "locale": "en",
    }
    return values | fields


def settings_form(forum, **fields) -> dict:
    values = agenda.forum_values(forum)
    data = {
        k: ("y" if v is True else "" if v in (None, False) else str(v)) for k, v in values.items()
    }
    return data | fields


def test_the_guests_page_shows_counts_and_reserves(db, invited, login):
    forum, _tour, user = invited
    html = login(user).get(f"/organize/forums/{forum.slug}/guests").get_data(True)
    assert "Invited people" in html
    assert "3 of 10 in-person places held back" in html
    assert "the public sees 7 places, 7 of them free" in html
    for category in ("Speaker", "Guest (VIP)", "Press", "Staff", "General public"):
        assert category in html


def test_an_organizer_registers_a_speaker_who_gets_a_held_back_seat(db, invited, login):
    forum, tour, user = invited
    client = login(user)
    response = client.post(
        f"/organize/forums/{forum.slug}/guests",
        data=guest_form(session_ids=[str(tour.id)]),
    )
    assert response.status_code == 303, response.get_data(True)
    speaker = db.session.scalar(select(Registration))
    assert (speaker.category, speaker.source, speaker.status) == ("speaker", "invite", "confirmed")
    assert speaker.consent_version == "organizer-invite"
    assert speaker.bookings[0].status == "confirmed"
    db.session.expire_all()
    forum_row, tour_row = db.session.get(Forum, forum.id), db.session.get(ForumSession, tour.id)
    assert (forum_row.in_person_taken, forum_row.invited_taken) == (1, 1)
    assert (tour_row.invited_seats_taken, tour_row.seats_left) == (1, 2)
    mail = db.session.scalar(select(OutboxMessage))
    assert (mail.kind, mail.recipient) == ("registration_confirmed", "ana@example.org")
    assert db.session.scalar(select(AuditEntry.action)) == "registration.invite"

    again = client.post(f"/organize/forums/{forum.slug}/guests", data=guest_form())
    assert again.status_code == 409
    assert "ana@example.org is registered already" in again.get_data(True)
    assert count(db, Registration) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "vip"}, "Choose one of the listed categories."),
        ({"email": "not an address"}, "Enter a valid email address"),
        ({"name": ""}, "This field is required."),
        ({"attendance": "by pigeon"}, "This forum does not offer that way of attending."),
    ],
)
def test_a_bad_guest_is_refused_with_the_fields_error(db, invited, login, fields, message):
    forum, _tour, user = invited
    response = login(user).post(f"/organize/forums/{forum.slug}/guests", data=guest_form(**fields))
    assert response.status_code == 422
    html = response.get_data(True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert count(db, Registration) == 0
    assert count(db, OutboxMessage) == 0


def test_a_guest_list_is_checked_then_registered_all_at_once(db, invited, login):
    forum, tour, user = invited
    client = login(user)
    data = GUESTS.format(tour=tour.id).encode("utf-8-sig")
    preview = client.post(
        f"/organize/forums/{forum.slug}/guests/import",
        data={"file": (io.BytesIO(data), "guests.csv"), "preview": "y"},
        content_type="multipart/form-data",
    )
    html = preview.get_data(True)
    assert preview.status_code == 200, html
    assert "3 people in the file" in html and "0 rows with errors." in html
    assert count(db, Registration) == 0  # a dry run
    content = re.search(r'id="content" name="content" type="hidden" value="([^"]+)"', html)
    done = client.post(
        f"/organize/forums/{forum.slug}/guests/import",
        data={"content": content.group(1), "confirm": "y"},
    )
    assert done.status_code == 303, done.get_data(True)
    people = {r.email: r for r in db.session.scalars(select(Registration))}
    assert {e: r.category for e, r in people.items()} == {
        "ana@example.org": "speaker",
        "minsu@example.org": "guest",
        "press@example.org": "press",
    }
    assert people["minsu@example.org"].locale == "ko"
    assert people["press@example.org"].attendance == "in_person"  # the forum's default
    assert [b.session_id for b in people["ana@example.org"].bookings] == [tour.id]
    assert count(db, OutboxMessage) == 3
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).invited_taken == 3
    assert db.session.scalar(
        select(AuditEntry.details).where(AuditEntry.action == "registrations.import")
    ) == {"rows": 3, "waitlisted": 0}


def test_a_guest_list_with_one_bad_row_registers_nobody(db, invited, login, make_registration):
    forum, _tour, user = invited
    make_registration(forum, email="taken@example.org")
    rows = (
        "이름,이메일,구분\r\n"
        "Good Person,good@example.org,staff\r\n"
        "Taken,taken@example.org,guest\r\n"
        "Twice,good@example.org,guest\r\n"
        "Odd,odd@example.org,vip\r\n"
    )
    client = login(user)
    preview = client.post(
        f"/organize/forums/{forum.slug}/guests/import",
        data={"file": (io.BytesIO(rows.encode()), "guests.csv"), "preview": "y"},
        content_type="multipart/form-data",
    )
    html = preview.get_data(True)
    assert preview.status_code == 422
    assert "3 rows with errors." in html
    assert "taken@example.org is registered already" in html
    assert "This address is on line 2 too." in html
    assert "category: Choose one of the listed categories." in html
    assert "Register everyone" not in html

    # A forged confirmation of the same file is refused too.
    import base64

    forged = client.post(
        f"/organize/forums/{forum.slug}/guests/import",
        data={"content": base64.b64encode(rows.encode()).decode(), "confirm": "y"},
    )
    assert forged.status_code == 422
    assert count(db, Registration) == 1
    assert count(db, OutboxMessage) == 0


def test_a_guest_file_with_a_wrong_header_is_refused(db, invited, login):
    forum, _tour, user = invited
    response = login(user).post(
        f"/organize/forums/{forum.slug}/guests/import",
        data={"file": (io.BytesIO(b"who,where\r\nx,y\r\n"), "g.csv"), "preview": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Unknown columns: who, where." in response.get_data(True)


def test_a_person_s_category_is_changed_on_their_page(db, invited, login, make_registration):
    forum, _tour, user = invited
    person = make_registration(forum)
    db.session.get(Forum, forum.id).in_person_taken = 1
    db.session.commit()
    client = login(user)
    page = client.get(f"/organize/forums/{forum.slug}/people/{person.id}").get_data(True)
    assert "Change the category" in page
    response = client.post(
        f"/organize/forums/{forum.slug}/people/{person.id}/category", data={"category": "press"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, person.id).category == "press"
    assert db.session.get(Forum, forum.id).invited_taken == 1
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "registration.category")
    )
    assert entry.details == {"previous": "general", "now": "press"}

    bad = client.post(
        f"/organize/forums/{forum.slug}/people/{person.id}/category", data={"category": "king"}
    )
    assert bad.status_code == 422
    assert "Choose one of the listed categories." in bad.get_data(True)
    assert db.session.get(Registration, person.id).category == "press"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reserved_places": "11"}, "At most all 10 places can be held back."),
        ({"in_person_capacity": "", "reserved_places": "2"}, "Give the forum a capacity"),
        ({"reserved_places": "-1"}, "Enter 0 or more."),
        ({"reserved_places": "0"}, "1 place is held by invited people already"),
    ],
)
def test_the_forum_reserve_is_checked(db, invited, login, fields, message):
    from app.registration import operations

    forum, _tour, user = invited
    operations.invite(
        forum,
        operations.RegistrationRequest(
            name="Ana", email="ana@example.org", attendance="in_person", category="speaker"
        ),
    )
    db.session.expire_all()
    forum = db.session.get(Forum, forum.id)
    response = login(user).post(
        f"/organize/forums/{forum.slug}/edit", data=settings_form(forum, **fields)
    )
    assert response.status_code == 422
    assert message in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).reserved_places == 3


def test_a_lowered_reserve_serves_the_waiting_list(db, make_forum, make_user, login):
    from app.registration import operations

    forum = make_forum(in_person_capacity=2, reserved_places=1)
    for n in (1, 2):
        operations.register(
            forum,
            operations.RegistrationRequest(
                name=f"P{n}",
                email=f"p{n}@example.org",
                attendance="in_person",
                consent_personal_data=True,
            ),
        )
    waiting = db.session.scalar(select(Registration).where(Registration.status == "waitlisted"))
    client = login(make_user("organizer", forum))
    response = client.post(
        f"/organize/forums/{forum.slug}/edit", data=settings_form(forum, reserved_places="0")
    )
    assert response.status_code == 303, response.get_data(True)
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == "confirmed"


def test_the_session_reserve_is_checked(db, invited, english):
    from app.programme import session_edits
    from app.programme.checks import ValidationFailed

    forum, tour, user = invited
    with pytest.raises(ValidationFailed) as above:
        session_edits.update_session(
            forum, tour.id, {"reserved_seats": 5}, user, revision=tour.revision
        )
    assert above.value.errors["reserved_seats"] == ["At most all 4 seats can be held back."]
    with pytest.raises(ValidationFailed) as unlimited:
        session_edits.update_session(
            forum, tour.id, {"seats": None, "reserved_seats": 1}, user, revision=tour.revision
        )
    assert "Give the session seats of its own" in unlimited.value.errors["reserved_seats"][0]
    db.session.expire_all()
    assert db.session.get(ForumSession, tour.id).reserved_seats == 2


def test_public_pages_and_the_api_count_only_the_public_places(db, invited, client):
    forum, tour, _user = invited
    html = client.get(f"/forums/{forum.slug}", headers={"Accept-Language": "en"}).get_data(True)
    assert "In-person places left: 7 of 7." in html
    body = client.get(f"/api/v1/forums/{forum.slug}").get_json()
    assert body["in_person"] == {"capacity": 7, "seats_left": 7}
    (session,) = [s for s in body["sessions"] if s["id"] == tour.id]
    assert (session["seats"], session["seats_left"]) == (2, 2)


# ------------------------------------------------------------------------------- the API


@pytest.fixture
def guests_api(invited, api_token, login):
    forum, tour, user = invited
    token = api_token(user)
    client = login()

    def call(method, path, body=None):
        return client.open(
            f"/api/v1/organize/forums/{forum.slug}{path}",
            method=method,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
            json=body,
        )

    return forum, tour, call


def test_the_api_registers_a_guest_and_changes_a_category(db, guests_api):
    _forum, tour, call = guests_api
    created = call(
        "POST",
        "/guests",
        {
            "name": "Ana Lima",
            "email": "ana@example.org",
            "category": "speaker",
            "session_ids": [tour.id],
            "locale": "en",
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["category"], body["status"], body["attendance"]) == (
        "speaker",
        "confirmed",
        "in_person",
    )
    assert body["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]

    counts = call("GET", "/categories").get_json()
    assert {"category": "speaker", "registered": 1, "in_person": 1} in counts["categories"]
    assert counts["forum"] == {"reserved": 3, "invited_taken": 1, "public_left": 7}

    changed = call("PUT", f"/registrations/{body['id']}/category", {"category": "general"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["category"] == "general"
    assert call("GET", "/categories").get_json()["forum"]["invited_taken"] == 0


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/guests", {"name": "X", "email": "x@example.org", "category": "vip"}, 422, "invalid"),
        ("/guests", {"name": "X", "email": "nope"}, 422, "invalid"),
        ("/guests", {"name": "X", "email": "x@example.org", "colour": "red"}, 422, "invalid"),
        ("/registrations/999999/category", {"category": "press"}, 404, "not_found"),
    ],
)
def test_the_api_refuses_bad_guests_with_a_machine_readable_error(
    db, guests_api, path, body, status, code
):
    _forum, _tour, call = guests_api
    method = "PUT" if path.endswith("/category") else "POST"
    response = call(method, path, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == code
    assert count(db, Registration) == 0
    assert count(db, OutboxMessage) == 0


def test_the_api_refuses_an_address_registered_already(db, guests_api, make_registration):
    forum, _tour, call = guests_api
    make_registration(forum, email="taken@example.org")
    response = call("POST", "/guests", {"name": "T", "email": "taken@example.org"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "already_registered"
    assert count(db, Registration) == 1
