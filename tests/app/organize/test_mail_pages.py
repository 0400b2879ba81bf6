"""The forum's mail on the organizer's pages: counts and rows by state, the last error of a
retry, failed messages tried again (ticked, or all), a person's own mail, and bad requests
refused with nothing changed. (The states themselves come from real delivery runs in
tests/app/mail/test_overview.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.models import OutboxMessage

STATES = {  # state -> (status, attempts, last_error)
    "pending": ("pending", 0, None),
    "retrying": ("pending", 2, "451 4.3.0 mailbox busy"),
    "sent": ("sent", 1, None),
    "dead": ("dead", 1, "550 5.1.1 no such mailbox"),
    "skipped": ("skipped", 0, "not sent: the registration was cancelled"),
}


@pytest.fixture
def make_message(db):
    """An outbox row in a given state, as delivery leaves it."""
    counter = iter(range(1, 10_000))

    def make(forum, state: str, registration=None, kind: str = "registration_confirmed"):
        status, attempts, error = STATES[state]
        n = next(counter)
        row = OutboxMessage(
            message_id=f"<{n}.{forum.slug}@madang.test>",
            kind=kind,
            recipient=registration.email if registration else f"m{n}@example.org",
            locale="en",
            context={},
            forum_id=forum.id,
            registration_id=registration.id if registration else None,
            status=status,
            attempts=attempts,
            last_error=error,
            sent_at=datetime.now(UTC) if status == "sent" else None,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture
def mailbox(make_forum, make_user, make_registration, make_message):
    forum, other = make_forum(slug="talks"), make_forum(slug="other")
    person = make_registration(forum, email="kim@example.org", name="Kim")
    rows = {state: make_message(forum, state) for state in STATES}
    rows["person_dead"] = make_message(forum, "dead", person, kind="waitlist_promoted")
    rows["other_dead"] = make_message(other, "dead")
    return forum, person, rows, make_user("organizer", forum)


def _status(db, row) -> str:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row.id).status


def test_the_mail_page_counts_and_lists_by_state(db, mailbox, login):
    forum, _person, rows, user = mailbox
    client = login(user)
    html = client.get(f"/organize/forums/{forum.slug}/mail").get_data(True)
    for text in (
        "All: 6",
        "Waiting to be sent: 1",
        "Retrying: 1",
        "Sent: 1",
        "Failed: 2",
        "Not needed any more: 1",
    ):
        assert text in html, text
    assert "m" + str(rows["other_dead"].id) not in html  # another forum's

    retrying = client.get(f"/organize/forums/{forum.slug}/mail?state=retrying").get_data(True)
    assert "451 4.3.0 mailbox busy" in retrying and "550 5.1.1" not in retrying
    assert 'aria-current="page">Retrying: 1' in retrying
    # An unknown state shows everything, rather than an error page.
    assert client.get(f"/organize/forums/{forum.slug}/mail?state=lost").status_code == 200


def test_ticked_failed_messages_are_tried_again(db, mailbox, login):
    forum, _person, rows, user = mailbox
    client = login(user)
    html = client.get(f"/organize/forums/{forum.slug}/mail?state=dead").get_data(True)
    boxes = re.findall(r'name="outbox_ids" value="(\d+)"', html)
    assert sorted(boxes) == sorted([str(rows["dead"].id), str(rows["person_dead"].id)])
    response = client.post(
        f"/organize/forums/{forum.slug}/mail/requeue",
        data={"outbox_ids": [str(rows["dead"].id)]},
        follow_redirects=True,
    )
    assert "1 message will be tried again." in response.get_data(True)
    assert _status(db, rows["dead"]) == "pending"
    assert _status(db, rows["person_dead"]) == "dead"


def test_every_failed_message_of_the_forum_and_no_other(db, mailbox, login):
    forum, _person, rows, user = mailbox
    response = login(user).post(
        f"/organize/forums/{forum.slug}/mail/requeue",
        data={"every_dead": "y"},
        follow_redirects=True,
    )
    assert "2 messages will be tried again." in response.get_data(True)
    assert _status(db, rows["person_dead"]) == "pending"
    assert _status(db, rows["other_dead"]) == "dead"
    assert _status(db, rows["skipped"]) == "skipped"


@pytest.mark.parametrize(
    "ticked",
    [
        pytest.param(lambda rows: [], id="none"),
        pytest.param(lambda rows: ["abc"], id="malformed"),
        pytest.param(lambda rows: [str(rows["other_dead"].id)], id="another-forums"),
        pytest.param(lambda rows: [str(rows["sent"].id)], id="not-failed"),
    ],
)
def test_a_bad_requeue_is_refused_and_changes_nothing(db, mailbox, login, ticked):
    forum, _person, rows, user = mailbox
    data = {"outbox_ids": ticked(rows)}
    response = login(user).post(
        f"/organize/forums/{forum.slug}/mail/requeue", data=data, follow_redirects=True
    )
    html = response.get_data(True)
    assert "Tick the failed messages" in html or "nothing was tried again" in html
    assert [_status(db, rows[k]) for k in ("dead", "person_dead", "other_dead", "sent")] == [
        "dead",
        "dead",
        "dead",
        "sent",
    ]


def test_a_person_page_shows_their_mail_and_tries_it_again(db, mailbox, login):
    forum, person, rows, user = mailbox
    client = login(user)
    page = f"/organize/forums/{forum.slug}/people/{person.id}"
    html = client.get(page).get_data(True)
    assert "Promoted from the waitlist" in html and "550 5.1.1 no such mailbox" in html
    assert "Registration confirmed" not in html  # the forum's other messages are not theirs
    response = client.post(
        f"/organize/forums/{forum.slug}/mail/requeue",
        data={"outbox_ids": [str(rows["person_dead"].id)], "registration_id": str(person.id)},
    )
    assert response.status_code == 303 and response.location.endswith(page)
    assert _status(db, rows["person_dead"]) == "pending"


def test_only_the_forums_organizers_see_its_mail(db, mailbox, login, make_user):
    forum, _person, rows, _user = mailbox
    stranger = login(make_user("organizer"))
    assert stranger.get(f"/organize/forums/{forum.slug}/mail").status_code == 403
    response = stranger.post(
        f"/organize/forums/{forum.slug}/mail/requeue", data={"every_dead": "y"}
    )
    assert response.status_code == 403
    assert _status(db, rows["dead"]) == "dead"
