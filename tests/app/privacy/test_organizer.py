"""Organizers: what will be purged and when, export and erasure on a person's request, and the
audit log of actions on personal data (exports, erasures, manual changes)."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.core.db import utcnow
from app.models import AuditEntry, Registration
from app.privacy import retention
from tests.app.privacy.helpers import assert_invariants, fresh, move_forum, scan


def rid(db, person) -> int:
    fresh(db)
    return db.session.scalar(
        select(Registration.id).where(Registration.confirmation_code == person.code)
    )


def audit(db) -> list[tuple]:
    fresh(db)
    return [
        (e.action, e.user_id, e.registration_id, e.details)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def person_url(forum, registration_id: int, action: str = "") -> str:
    base = f"/organize/forums/{forum.slug}/privacy/registrations/{registration_id}"
    return f"{base}/{action}" if action else base


def test_the_overview_lists_my_forums_with_their_purge_dates(
    db, make_forum, make_user, login, register
):
    mine = make_forum(title_en="My Forum")
    theirs = make_forum(title_en="Their Forum")
    register(mine)
    move_forum(db, mine, date.today() - timedelta(days=100))
    organizer = make_user("organizer", mine)
    page = login(organizer).get("/organize/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "My Forum" in text and "Their Forum" not in text
    assert "Due now" in text
    assert theirs.slug not in text


def test_the_forum_page_says_when_the_data_goes(db, make_forum, make_user, login, register):
    forum = make_forum()
    register(forum)
    register(forum)
    organizer = make_user("organizer", forum)
    page = login(organizer).get(f"/organize/forums/{forum.slug}/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    [line] = retention.retention_plan([forum])
    assert "Personal data is purged on" in text
    assert re.search(r"Registrations with personal data</dt><dd>2<", text)
    assert f"In {line.days_left(utcnow())} days." in text
    assert "Registrations anonymised</dt><dd>0<" in text


def test_a_code_finds_the_registration_of_this_forum_only(
    db, make_forum, make_user, login, register
):
    forum, other = make_forum(), make_forum()
    person = register(forum)
    stranger = register(other)
    client = login(make_user("organizer", forum))
    code = f"{person.code[:4].lower()}-{person.code[4:]}"
    found = client.get(f"/organize/forums/{forum.slug}/privacy?code={code}")
    assert found.status_code == 303
    assert found.headers["Location"].endswith(person_url(forum, rid(db, person)))
    missing = client.get(f"/organize/forums/{forum.slug}/privacy?code={stranger.code}")
    assert missing.status_code == 404
    assert "No registration of this forum has that code." in missing.get_data(as_text=True)


def test_an_organizer_exports_on_request_and_it_is_logged(
    db, make_forum, make_user, login, register
):
    forum = make_forum()
    person = register(forum)
    other = register(forum)
    organizer = make_user("organizer", forum)
    client = login(organizer)
    registration_id = rid(db, person)
    assert client.get(person_url(forum, registration_id)).status_code == 200
    response = client.post(person_url(forum, registration_id, "export"), data={"reason": "T-42"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["registration"]["name"] == person.name
    text = json.dumps(data, ensure_ascii=False).casefold()
    assert all(v.casefold() not in text for v in other.secrets)
    assert audit(db) == [("registration.export", organizer.id, registration_id, {"reason": "T-42"})]


def test_an_organizer_erases_on_request_and_it_is_logged(
    client, db, make_forum, make_session, make_user, login, register
):
    forum = make_forum()
    tour = make_session(forum, seats=1, kind="tour")
    person = register(forum, session_ids=[tour.id])
    waiting = register(forum, session_ids=[tour.id])
    organizer = make_user("organizer", forum)
    staff = login(organizer)
    registration_id = rid(db, person)

    refused = staff.post(person_url(forum, registration_id, "erase"), data={"reason": "mail"})
    assert refused.status_code == 422
    assert "Tick the box to confirm the erasure." in refused.get_data(as_text=True)
    assert audit(db) == []

    done = staff.post(
        person_url(forum, registration_id, "erase"),
        data={"reason": f"asked by {person.name} on the phone", "confirm": "y"},
    )
    assert done.status_code == 303
    page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "The registration is erased" in page
    assert "This registration was anonymised" in page
    [entry] = audit(db)
    assert entry[:3] == ("registration.erase", organizer.id, registration_id)
    # The reason named the person: it is kept without the name.
    assert entry[3] == {"by": "organizer", "previous_status": "confirmed", "reason": "[erased]"}
    assert (
        client.get(f"/api/v1/registrations/{waiting.manage_token}").get_json()["sessions"][0][
            "status"
        ]
        == "confirmed"
    )
    assert scan(db, person.secrets) == []
    assert_invariants(db)
    again = staff.post(person_url(forum, registration_id, "erase"), data={"confirm": "y"})
    assert again.status_code == 303
    assert len(audit(db)) == 1


def test_manual_changes_and_desk_actions_are_in_the_audit_log(
    db, make_forum, make_user, login, register
):
    forum = make_forum()
    person = register(forum)
    organizer = make_user("organizer", forum)
    client = login(organizer)
    registration_id = rid(db, person)
    cancelled = client.post(
        f"/organize/forums/{forum.slug}/people/{registration_id}/cancel",
        data={"reason": "duplicate"},
    )
    assert cancelled.status_code == 303
    client.post(person_url(forum, registration_id, "export"), data={})
    client.post(person_url(forum, registration_id, "erase"), data={"confirm": "y"})
    actions = [(a, u, r) for a, u, r, _ in audit(db)]
    assert actions == [
        ("registration.cancel", organizer.id, registration_id),
        ("registration.export", organizer.id, registration_id),
        ("registration.erase", organizer.id, registration_id),
    ]
    page = client.get(f"/organize/forums/{forum.slug}/privacy/audit")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for label in ("Cancelled a registration", "Exported a person's data", "Erased a registration"):
        assert label in text
    assert organizer.email in text
    assert "3 entries." in text
    one = client.get(f"/organize/forums/{forum.slug}/privacy/audit?registration={registration_id}")
    assert one.status_code == 200 and "3 entries." in one.get_data(as_text=True)
    summary = client.get(f"/organize/forums/{forum.slug}/privacy").get_data(as_text=True)
    assert "Erased a registration" in summary


def test_the_attendees_own_erasure_shows_in_the_log(
    client, db, make_forum, make_user, login, register
):
    forum = make_forum()
    person = register(forum)
    client.post(f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True})
    page = login(make_user("organizer", forum)).get(f"/organize/forums/{forum.slug}/privacy/audit")
    text = page.get_data(as_text=True)
    assert "Erased a registration" in text and "The person themself" in text


def test_the_audit_log_pages(db, make_forum, make_user, login):
    forum = make_forum()
    organizer = make_user("organizer", forum)
    for _ in range(60):
        db.session.add(AuditEntry(user_id=organizer.id, action="kiosk_enabled", forum_id=forum.id))
    db.session.commit()
    client = login(organizer)
    first = client.get(f"/organize/forums/{forum.slug}/privacy/audit").get_data(as_text=True)
    assert first.count("Turned the kiosk on") == retention.AUDIT_PAGE_SIZE
    second = client.get(f"/organize/forums/{forum.slug}/privacy/audit?page=2")
    assert second.get_data(as_text=True).count("Turned the kiosk on") == 10
    assert client.get(f"/organize/forums/{forum.slug}/privacy/audit?page=999").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 60
