"""Erasure reaches mentions: once Alice is erased (by herself, by an organizer, by the retention
purge), her name, address and code are gone from free text of other rows of the forum too:
another person's over-capacity reason, the audit entry about it, a conflict note."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, ConflictAcceptance, Registration
from app.privacy import operations as privacy
from app.privacy import retention
from app.registration import people
from tests.app.privacy.helpers import fresh, move_forum, scan


def row(db, person) -> Registration:
    fresh(db)
    return db.session.scalar(
        select(Registration).where(Registration.confirmation_code == person.code)
    )


@pytest.fixture
def mentioned(db, make_forum, make_user, register):
    """Alice holds the forum's one place; Bob waited and was admitted beyond the capacity as
    her companion; an organizer's conflict note names her too."""
    forum = make_forum(in_person_capacity=1)
    organizer = make_user("organizer", forum)
    alice = register(forum, tag="alice")
    bob = register(forum, tag="bob")
    bob_row = row(db, bob)
    assert bob_row.status == "waitlisted"
    reason = f"companion of {alice.name} ({alice.email.lower()}), code {alice.code}"
    people.promote_registration(forum, bob_row.id, organizer, over_capacity=True, reason=reason)
    db.session.add(
        ConflictAcceptance(
            forum_id=forum.id, conflict_key="venue:1:2", note=f"{alice.name} asked for it"
        )
    )
    db.session.commit()
    assert row(db, bob).over_capacity_reason == reason
    return forum, organizer, alice, bob


def alice_is_gone(db, alice) -> None:
    assert scan(db, [alice.name, alice.email, alice.email.casefold(), alice.code]) == []


def bob_keeps_the_rest(db, bob) -> None:
    bob_row = row(db, bob)
    assert bob_row.name == bob.name  # Bob's own data stays
    expected = "companion of [erased] ([erased]), code [erased]"
    assert bob_row.over_capacity_reason == expected
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.registration_id == bob_row.id, AuditEntry.action == "registration.promote"
        )
    )
    assert entry.details["reason"] == expected
    assert entry.details["over_capacity"] is True
    note = db.session.scalar(select(ConflictAcceptance.note))
    assert note == "[erased] asked for it"


def test_erasing_oneself_removes_the_mentions_in_other_rows(client, db, mentioned):
    _forum, _organizer, alice, bob = mentioned
    response = client.post(
        f"/api/v1/registrations/{alice.manage_token}/erase", json={"confirm": True}
    )
    assert response.status_code == 200, response.get_json()
    alice_is_gone(db, alice)
    bob_keeps_the_rest(db, bob)


def test_an_organizers_erasure_removes_the_mentions_in_other_rows(db, mentioned):
    forum, organizer, alice, bob = mentioned
    privacy.erase_for_organizer(forum, row(db, alice).id, organizer, reason="on request")
    alice_is_gone(db, alice)
    bob_keeps_the_rest(db, bob)


def test_the_purge_removes_the_mentions_in_other_rows(db, mentioned):
    forum, _organizer, alice, bob = mentioned
    move_forum(db, forum, date.today() - timedelta(days=100))
    assert retention.purge().total == 2
    alice_is_gone(db, alice)
    assert scan(db, [bob.name, bob.email]) == []
    assert db.session.scalar(select(ConflictAcceptance.note)) == "[erased] asked for it"
