"""Walk-in registration at the desk: the same seat rule as pre-registration, checked in at once;
a full forum refuses (nothing written) unless an organizer admits beyond capacity with a reason."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.desk import desks, walk_ins
from app.models import AuditEntry, CheckIn, Forum, OutboxMessage, Registration
from app.places import ledger
from app.registration import operations as registrations
from tests.app.desk.helpers import page_text


def _walk_in(client, forum, **fields):
    data = {"name": "현장 참가자", "affiliation": "", "email": "", "locale": "ko"}
    data.update(fields)
    if data.pop("consent", True):
        data["consent_personal_data"] = "y"
    return client.post(f"/desk/{forum.slug}/walk-in", data=data)


def _state(db, forum):
    db.session.rollback()
    regs = db.session.scalar(select(func.count()).select_from(Registration))
    rows = db.session.scalar(select(func.count()).select_from(CheckIn))
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    taken = db.session.scalar(select(Forum.in_person_taken).where(Forum.id == forum.id))
    return regs, rows, audits, taken


def test_a_walk_in_is_registered_checked_in_and_shown_with_code_and_qr(
    client, open_forum, staff, login, db
):
    forum = open_forum(in_person_capacity=5)
    desk_user = staff("desk", forum, name="Desk Lee")
    login(client, desk_user)
    form = client.get(f"/desk/{forum.slug}/walk-in")
    assert form.status_code == 200
    assert "5 in-person places are left." in page_text(form)

    response = _walk_in(client, forum, name="최현장", affiliation="서울시민")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    text = page_text(page)
    assert "최현장 is registered and checked in." in text
    assert "서울시민" in text and "walk-in" in text

    db.session.rollback()
    person = db.session.scalar(select(Registration))
    assert (person.source, person.status, person.attendance) == ("desk", "confirmed", "in_person")
    assert (person.email, person.email_normalized) == ("", None)
    assert person.checked_in_at is not None
    assert person.consent_version == registrations.CONSENT_VERSION
    row = db.session.scalar(select(CheckIn))
    assert (row.registration_id, row.operator_id, row.direction) == (person.id, desk_user.id, "in")
    assert db.session.get(Forum, forum.id).in_person_taken == 1
    assert db.session.scalar(select(AuditEntry.action)) == "walk_in_registered"
    # The code and QR are shown, and the badge is one click away.
    assert f"{person.confirmation_code[:4]}-{person.confirmation_code[4:]}" in text
    assert "<svg viewBox" in page.get_data(as_text=True)
    badge = client.get(f"/desk/{forum.slug}/people/{person.id}/badge")
    assert badge.status_code == 200 and "최현장" in badge.get_data(as_text=True)
    assert "<svg" in badge.get_data(as_text=True)


def test_two_walk_ins_without_email_are_both_fine(client, open_forum, staff, login, db):
    forum = open_forum()
    login(client, staff("desk", forum))
    assert _walk_in(client, forum, name="One").status_code == 303
    assert _walk_in(client, forum, name="Two").status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


def test_a_walk_in_with_email_gets_the_confirmation_mail(client, open_forum, staff, login, db):
    forum = open_forum()
    login(client, staff("desk", forum))
    assert _walk_in(client, forum, name="Mail Me", email="Mail.Me@Example.org").status_code == 303
    db.session.rollback()
    person = db.session.scalar(select(Registration))
    assert person.email_normalized == "mail.me@example.org"
    message = db.session.scalar(select(OutboxMessage))
    assert (message.kind, message.recipient) == ("registration_confirmed", person.email)


def test_a_walk_in_with_a_registered_email_is_pointed_to_that_registration(
    client, open_forum, staff, login, register, db
):
    forum = open_forum()
    login(client, staff("desk", forum))
    existing = register(forum, "Already Here", "here@example.org")
    before = _state(db, forum)
    response = _walk_in(client, forum, name="Already Here", email="HERE@example.org")
    assert response.status_code == 409
    assert "registered already" in page_text(response)
    assert f"/desk/{forum.slug}/people/{existing.id}" in response.get_data(as_text=True)
    assert _state(db, forum) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"consent": False}, "needs the person's consent"),
        ({"name": "x" * 201}, "Use at most 200 characters."),
    ],
)
def test_walk_in_form_errors_are_shown_in_place(
    client, open_forum, staff, login, db, fields, message
):
    forum = open_forum()
    login(client, staff("desk", forum))
    before = _state(db, forum)
    response = _walk_in(client, forum, **fields)
    assert response.status_code == 422
    assert message in page_text(response)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _state(db, forum) == before


def test_at_capacity_the_desk_says_so_and_writes_nothing(
    client, open_forum, staff, login, register, db
):
    forum = open_forum(in_person_capacity=2)
    login(client, staff("desk", forum))
    register(forum, "One")
    register(forum, "Two")
    before = _state(db, forum)
    assert before[3] == 2
    page = client.get(f"/desk/{forum.slug}/walk-in")
    assert "0 in-person places are left." in page_text(page)
    response = _walk_in(client, forum, name="Three")
    assert response.status_code == 409
    text = page_text(response)
    assert "The forum is full" in text
    assert "all 2 in-person places are taken. Nothing was registered." in text
    assert _state(db, forum) == before


def test_the_walk_in_takes_its_place_through_the_shared_seat_rule(
    client, open_forum, staff, login, db, monkeypatch
):
    """Not a copy: switching the registration service's rule off switches the walk-in's off."""
    forum = open_forum(in_person_capacity=100)
    login(client, staff("desk", forum))
    monkeypatch.setattr(ledger, "take_forum_place", lambda forum_id: False)
    before = _state(db, forum)
    response = _walk_in(client, forum, name="Refused")
    assert response.status_code == 409
    assert _state(db, forum) == before


def test_desk_staff_cannot_override_capacity(client, open_forum, staff, login, register, db):
    forum = open_forum(in_person_capacity=1)
    login(client, staff("desk", forum))
    register(forum, "One")
    page = client.get(f"/desk/{forum.slug}/walk-in")
    assert "over_capacity_reason" not in page.get_data(as_text=True)
    before = _state(db, forum)
    response = _walk_in(client, forum, name="Pushy", over_capacity_reason="I say so")
    assert response.status_code == 403
    assert "Only an organizer can admit" in page_text(response)
    assert _state(db, forum) == before


def test_an_organizer_admits_a_walk_in_beyond_capacity_with_a_recorded_reason(
    client, open_forum, staff, login, register, db
):
    forum = open_forum(in_person_capacity=1)
    organizer = staff("organizer", forum)
    login(client, organizer)
    register(forum, "One")
    page = client.get(f"/desk/{forum.slug}/walk-in")
    assert 'name="over_capacity_reason"' in page.get_data(as_text=True)
    # Without a reason, a full forum still refuses.
    assert _walk_in(client, forum, name="No Reason").status_code == 409
    response = _walk_in(
        client, forum, name="Panel Speaker", over_capacity_reason="Replaces a speaker"
    )
    assert response.status_code == 303
    assert "Admitted beyond capacity" in page_text(client.get(response.headers["Location"]))
    db.session.rollback()
    person = db.session.scalar(select(Registration).where(Registration.name == "Panel Speaker"))
    assert person.over_capacity_reason == "Replaces a speaker"
    assert person.checked_in_at is not None
    assert db.session.get(Forum, forum.id).in_person_taken == 2
    audit = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admitted_over_capacity")
    )
    assert (audit.user_id, audit.registration_id) == (organizer.id, person.id)
    assert audit.details == {"reason": "Replaces a speaker"}


def test_an_organizers_reason_is_not_recorded_when_places_are_left(
    client, open_forum, staff, login, db
):
    forum = open_forum(in_person_capacity=5)
    login(client, staff("organizer", forum))
    assert (
        _walk_in(client, forum, name="Normal", over_capacity_reason="just in case").status_code
        == 303
    )
    db.session.rollback()
    assert db.session.scalar(select(Registration.over_capacity_reason)) == ""
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "admitted_over_capacity")
        )
        == 0
    )


def test_walk_ins_need_on_site_registration(client, open_forum, staff, login, db):
    forum = open_forum(onsite_registration=False)
    login(client, staff("desk", forum))
    page = client.get(f"/desk/{forum.slug}/walk-in")
    assert "does not take on-site registrations" in page_text(page)
    assert 'name="name"' not in page.get_data(as_text=True)
    before = _state(db, forum)
    response = _walk_in(client, forum, name="Refused")
    assert response.status_code == 409
    assert _state(db, forum) == before


def test_walk_ins_need_the_desk_open(client, make_forum, staff, login, db):
    forum = make_forum()  # a month away, not opened
    login(client, staff("desk", forum))
    assert "The desk is closed" in page_text(client.get(f"/desk/{forum.slug}/walk-in"))
    before = _state(db, forum)
    response = _walk_in(client, forum, name="Refused")
    assert response.status_code == 409
    assert _state(db, forum) == before


def test_an_online_forum_takes_no_walk_ins(client, open_forum, staff, login, db):
    forum = open_forum(format="online")
    login(client, staff("desk", forum))
    assert _walk_in(client, forum, name="Refused").status_code == 409


def test_racing_walk_ins_for_the_last_place_admit_one(app, open_forum, staff, db):
    """Several desks register walk-ins for the last place at once, each on its own connection."""
    forum = open_forum(in_person_capacity=1)
    user = staff("desk", forum)
    forum_id, user_id, count = forum.id, user.id, 6
    barrier = threading.Barrier(count)

    def one(i: int) -> str:
        with app.app_context():
            from app.core.db import db as _db
            from app.models import User

            desk = desks.Desk(
                forum=_db.session.get(Forum, forum_id), operator=_db.session.get(User, user_id)
            )
            request = walk_ins.WalkInRequest(name=f"Walk-in {i}", consent_personal_data=True)
            barrier.wait()
            try:
                walk_ins.register_walk_in(desk, request)
                return "registered"
            except desks.ForumFull:
                return "full"
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = sorted(pool.map(one, range(count)))
    assert outcomes == ["full"] * (count - 1) + ["registered"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.get(Forum, forum_id).in_person_taken == 1
