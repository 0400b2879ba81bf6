"""People: registrations per forum and per session with counts, accessibility needs as counts
only, and cancelling or promoting by hand (logged in the audit log)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Booking, Forum, ForumSession, OutboxMessage, Registration
from tests.app.web.test_public import text_of


@pytest.fixture
def crowd(db, make_forum, make_user, make_session, make_registration):
    forum = make_forum(slug="crowd", in_person_capacity=2, in_person_taken=2)
    workshop = make_session(forum, title_en="Workshop", seats=1, seats_taken=1)
    ana = make_registration(
        forum, name="Ana Seated", sessions=(workshop,), needs=("wheelchair", "live_captions")
    )
    ana.checked_in_at = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    bo = make_registration(forum, name="Bo Second", needs=("wheelchair",))
    cy = make_registration(
        forum,
        name="Cy Waiting",
        status="waitlisted",
        waitlist_seq=2,
        sessions=(workshop,),
        booking_status="waitlisted",
    )
    di = make_registration(forum, name="Di Waiting", status="waitlisted", waitlist_seq=1)
    ed = make_registration(forum, name="Ed Online", attendance="online", needs=("sign_language",))
    make_registration(forum, name="Fi Gone", status="cancelled", needs=("large_print",))
    cy_booking = db.session.scalar(select(Booking).where(Booking.registration_id == cy.id))
    cy_booking.waitlist_seq = 1
    db.session.commit()
    return {
        "forum": forum,
        "user": make_user("organizer", forum),
        "workshop": workshop,
        "ana": ana,
        "bo": bo,
        "cy": cy,
        "di": di,
        "ed": ed,
        "cy_booking": cy_booking,
    }


def test_the_forum_list_has_counts_statuses_waitlist_order_and_check_in(db, crowd, login):
    client = login(crowd["user"])
    html = client.get(f"/organize/forums/{crowd['forum'].slug}/people").get_data(True)
    text = text_of(html)
    assert "In person, confirmed: 2 / 2" in text
    assert "Online: 1" in text and "Waitlisted: 2" in text
    assert "Cancelled: 1" in text and "Checked in: 1" in text
    # The waitlist first, in its order, then everybody else.
    order = [text.index(n) for n in ("Di Waiting", "Cy Waiting", "Ana Seated")]
    assert order == sorted(order)
    assert "#1 on the waitlist" in text and "#2 on the waitlist" in text
    # Accessibility: counts over the people still registered; never who.
    assert "Wheelchair access: 2" in text and "Live captions: 1" in text
    assert "Sign-language interpretation: 1" in text
    assert "Large print" not in text  # Fi cancelled
    row = re.search(r"<tr>\s*<td><a[^>]*>Ana Seated</a>.*?</tr>", html, re.S).group(0)
    assert "Wheelchair" not in row and "captions" not in row
    filtered = text_of(
        client.get(f"/organize/forums/{crowd['forum'].slug}/people?status=waitlisted").get_data(
            True
        )
    )
    assert "Cy Waiting" in filtered and "Ana Seated" not in filtered
    searched = text_of(
        client.get(f"/organize/forums/{crowd['forum'].slug}/people?q=online").get_data(True)
    )
    assert "Ed Online" in searched and "Bo Second" not in searched


def test_the_session_list_has_places_in_order_and_needs_as_counts(db, crowd, login):
    client = login(crowd["user"])
    page = client.get(
        f"/organize/forums/{crowd['forum'].slug}/people/sessions/{crowd['workshop'].id}"
    ).get_data(True)
    text = text_of(page)
    assert "Seats taken: 1 / 1" in text and "Waitlisted: 1" in text
    assert text.index("Cy Waiting") < text.index("Ana Seated")
    assert "Wheelchair access: 1" in text and "Live captions: 1" in text
    assert "Sign-language" not in text  # Ed is not in this session
    person = text_of(
        client.get(f"/organize/forums/{crowd['forum'].slug}/people/{crowd['ana'].id}").get_data(
            True
        )
    )
    assert "Ana Seated" in person and "Wheelchair" not in person


def test_an_organizer_cancels_a_registration_and_the_seat_goes_on(db, crowd, login):
    forum = crowd["forum"]
    response = login(crowd["user"]).post(
        f"/organize/forums/{forum.slug}/people/{crowd['ana'].id}/cancel",
        data={"reason": "Asked us by phone."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, crowd["ana"].id).status == "cancelled"
    # Ana's forum place goes to Di (first on the forum waitlist), her seat to Cy.
    assert db.session.get(Registration, crowd["di"].id).status == "confirmed"
    assert db.session.get(Booking, crowd["cy_booking"].id).status == "confirmed"
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.user_id, entry.registration_id, entry.forum_id) == (
        "registration.cancel",
        crowd["user"].id,
        crowd["ana"].id,
        forum.id,
    )
    assert entry.details == {"previous": "confirmed", "reason": "Asked us by phone."}
    cancelled = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "registration_cancelled")
    )
    assert cancelled.context["cancelled_by"] == "organizer"
    assert cancelled.context["reason"] == "Asked us by phone."
    again = login(crowd["user"]).post(
        f"/organize/forums/{forum.slug}/people/{crowd['ana'].id}/cancel", follow_redirects=True
    )
    assert "This registration has been cancelled." in again.get_data(True)


def test_promoting_by_hand_needs_a_free_place_or_an_explicit_override(db, crowd, login):
    forum, cy = crowd["forum"], crowd["cy"]
    client = login(crowd["user"])
    refused = client.post(
        f"/organize/forums/{forum.slug}/people/{cy.id}/promote", follow_redirects=True
    )
    assert "No place is free" in refused.get_data(True)
    db.session.expire_all()
    assert db.session.get(Registration, cy.id).status == "waitlisted"
    assert db.session.scalar(select(AuditEntry)) is None

    done = client.post(
        f"/organize/forums/{forum.slug}/people/{cy.id}/promote",
        data={"over_capacity": "y", "reason": "Speaker's assistant"},
    )
    assert done.status_code == 303
    db.session.expire_all()
    cy = db.session.get(Registration, cy.id)
    assert (cy.status, cy.waitlist_seq) == ("confirmed", None)
    assert cy.over_capacity_reason == "Speaker's assistant"
    assert db.session.get(Forum, forum.id).in_person_taken == 3
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "registration.promote"
    assert entry.details["over_capacity"] is True and entry.details["position"] == 2
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_promoted"))


def test_promoting_a_booking_out_of_turn_when_a_seat_is_free(db, crowd, login):
    forum, workshop = crowd["forum"], crowd["workshop"]
    workshop.seats = 2
    db.session.commit()
    response = login(crowd["user"]).post(
        f"/organize/forums/{forum.slug}/people/bookings/{crowd['cy_booking'].id}/promote"
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, crowd["cy_booking"].id).status == "confirmed"
    assert db.session.get(ForumSession, workshop.id).seats_taken == 2
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "booking.promote"
    assert entry.details["session_id"] == workshop.id
    assert entry.details["over_capacity"] is False


def test_raising_the_capacity_gives_places_to_the_waitlist_in_order(db, crowd, login):
    from app.programme import agenda

    forum = crowd["forum"]
    client = login(crowd["user"])
    values = agenda.forum_values(forum)
    data = {
        k: ("y" if v is True else "" if v in (None, False) else str(v)) for k, v in values.items()
    }
    response = client.post(
        f"/organize/forums/{forum.slug}/edit", data=data | {"in_person_capacity": "3"}
    )
    assert response.status_code == 303, response.get_data(True)
    db.session.expire_all()
    assert db.session.get(Registration, crowd["di"].id).status == "confirmed"
    assert db.session.get(Registration, crowd["cy"].id).status == "waitlisted"
    lowered = client.post(
        f"/organize/forums/{forum.slug}/edit", data=data | {"in_person_capacity": "1"}
    )
    assert lowered.status_code == 422
    assert "3 in-person places are held already" in lowered.get_data(True)


def test_promoting_beyond_capacity_keeps_the_calendar_stamps(db, crowd, login):
    """Taking a place is bookkeeping, not a programme change: the forum's and the session's
    `updated_at` (the feeds' Last-Modified and ETag) stay as they were."""
    forum, workshop, cy = crowd["forum"], crowd["workshop"], crowd["cy"]
    db.session.expire_all()
    forum_before = db.session.get(Forum, forum.id).updated_at
    session_before = db.session.get(ForumSession, workshop.id).updated_at
    client = login(crowd["user"])
    slug = forum.slug
    data = {"over_capacity": "y", "reason": "Interpreter"}
    assert client.post(f"/organize/forums/{slug}/people/{cy.id}/promote", data=data).status_code
    booking = crowd["cy_booking"]
    promoted = client.post(
        f"/organize/forums/{slug}/people/bookings/{booking.id}/promote", data=data
    )
    assert promoted.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 3
    assert db.session.get(ForumSession, workshop.id).seats_taken == 2
    assert db.session.get(Forum, forum.id).updated_at == forum_before
    assert db.session.get(ForumSession, workshop.id).updated_at == session_before
