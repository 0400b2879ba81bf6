"""Registering again with the address of a cancelled registration starts a fresh registration:
a new confirmation code, and nothing of the old one (its sessions, its mail, its code) is
shown to whoever registers. Erasing the new registration erases the old one too."""

from __future__ import annotations

import functools
import json
import re

from sqlalchemy import func, select

from app.models import OutboxMessage, Registration
from tests.app.privacy.helpers import (
    assert_invariants,
    fire_together,
    fresh,
    live_server,
    request_json,
    scan,
)


def test_a_cancelled_address_registering_again_sees_nothing_of_the_old_registration(
    client, db, make_forum, make_session, register
):
    forum = make_forum(in_person_capacity=5)
    tour = make_session(forum, kind="tour", seats=3, title_en="Secret garden tour")
    old = register(forum, session_ids=[tour.id], tag="old")
    assert client.delete(f"/api/v1/registrations/{old.manage_token}").status_code == 200
    fresh(db)
    old_row = db.session.scalar(
        select(Registration).where(Registration.confirmation_code == old.code)
    )
    old_id = old_row.id

    # Someone registers the same address again (another case, another name).
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "Someone Else",
            "email": old.email.upper(),
            "attendance": "online",
            "session_ids": [],
            "consent_personal_data": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    assert new["confirmation_code"].replace("-", "") != old.code
    assert new["sessions"] == []
    token = new["manage_url"].rsplit("/", 1)[1]

    export = client.get(f"/api/v1/registrations/{token}/export").get_json()
    text = json.dumps(export, ensure_ascii=False)
    assert export["sessions"] == []
    assert [m["kind"] for m in export["messages"]] == ["registration_confirmed"]
    assert export["organizer_actions"] == []
    assert export["registration"]["cancelled_at"] is None
    for secret in (old.code, old.name, old.affiliation, "Secret garden tour", old.other):
        assert secret not in text
    page = client.get(f"/manage/{token}").get_data(as_text=True)
    assert old.code not in page
    assert not re.search(r"<input checked[^>]*session_ids", page)  # the tour is offered, not held
    # The old links stay dead; the old row stays cancelled, as the organizer's record.
    assert client.get(f"/api/v1/registrations/{old.manage_token}").status_code == 404
    fresh(db)
    assert db.session.get(Registration, old_id).status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    assert_invariants(db)

    # A third registration of the address is refused as a repeat (the new one holds it).
    again = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "Third",
            "email": old.email,
            "attendance": "online",
            "consent_personal_data": True,
        },
    )
    assert again.status_code == 409
    fresh(db)
    resent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "manage_link"))
    token = resent.context["manage_token"]  # the new registration's link, mailed afresh

    # Erasing the new registration erases the cancelled one it replaced.
    erased = client.post(f"/api/v1/registrations/{token}/erase", json={"confirm": True})
    assert erased.status_code == 200
    assert scan(db, [old.name, old.email, old.email.casefold(), old.code, old.other]) == []
    assert scan(db, ["Someone Else"]) == []


def test_coming_back_to_a_full_session_waits_like_anyone_else(
    client, db, make_forum, make_session, register
):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour")
    first = register(forum, session_ids=[tour.id], tag="first")
    client.delete(f"/api/v1/registrations/{first.manage_token}")
    register(forum, session_ids=[tour.id], tag="second")  # takes the freed seat
    back = register(forum, session_ids=[tour.id], email=first.email)
    assert back.code != first.code
    assert back.data["sessions"] == [
        {"id": tour.id, "status": "waitlisted", "waitlist_position": 1}
    ]
    assert_invariants(db)


def test_two_people_coming_back_at_once_make_one_registration(
    app, client, db, make_forum, register
):
    """The cancelled address registered twice at the same instant, several times over:
    each time one fresh registration (201) and one repeat (409), never an error."""
    forum = make_forum()
    person = register(forum, tag="racer")
    for round_ in range(4):
        fresh(db)
        live = db.session.scalar(
            select(Registration).where(
                Registration.forum_id == forum.id, Registration.status != "cancelled"
            )
        )
        live.status = "cancelled"  # as if its owner had just cancelled
        db.session.commit()
        body = {
            "name": f"Round {round_}",
            "email": person.email,
            "attendance": "online",
            "consent_personal_data": True,
        }
        path = f"/api/v1/forums/{forum.slug}/registrations"
        with live_server(app) as port:
            call = functools.partial(request_json, port, "POST", path, body)
            statuses = fire_together([call, call])
        assert sorted(statuses) == [201, 409], statuses
    fresh(db)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 5
