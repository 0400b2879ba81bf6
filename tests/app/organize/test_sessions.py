"""Editing sessions on the /organize pages: local times, the rules (field errors in place,
nothing changed), revisions and concurrent edits, changes to a published programme and the
notices they queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import ForumSession, OutboxMessage, ProgrammeChange, SessionSpeaker

SEOUL = ZoneInfo("Asia/Seoul")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def form(forum, **overrides):
    day = forum.first_day.isoformat()
    data = {
        "revision": "",
        "fingerprint": "",
        "title_ko": "개막식",
        "title_en": "Opening",
        "description_ko": "",
        "description_en": "",
        "kind": "ceremony",
        "format": "in_person",
        "status": "scheduled",
        "language": "ko",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T11:00",
        "venue_id": "",
        "seats": "",
        "parent_id": "",
    }
    data.update(overrides)
    return data


def speakers(*lines):
    out = {}
    for i, (speaker_id, role, position) in enumerate(lines):
        out[f"speakers-{i}-speaker_id"] = str(speaker_id)
        out[f"speakers-{i}-role"] = role
        out[f"speakers-{i}-position"] = str(position)
    return out


def edit_form(client, forum, session):
    """The edit form's values as the page renders them (hidden revision and fingerprint)."""
    import re

    html = client.get(f"/organize/forums/{forum.slug}/sessions/{session.id}").get_data(True)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="revision"', html
    )
    fingerprint = re.search(r'id="fingerprint"[^>]*value="([0-9a-f]+)"', html) or re.search(
        r'name="fingerprint"[^>]*value="([0-9a-f]+)"', html
    )
    assert revision and fingerprint, html
    local = lambda moment: moment.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return form(
        forum,
        revision=revision.group(1),
        fingerprint=fingerprint.group(1),
        title_ko=session.title_ko,
        title_en=session.title_en,
        description_ko=session.description_ko,
        description_en=session.description_en,
        kind=session.kind,
        format=session.format,
        status=session.status,
        language=session.language,
        starts_at=local(session.starts_at),
        ends_at=local(session.ends_at),
        venue_id=str(session.venue_id or ""),
        seats="" if session.seats is None else str(session.seats),
        parent_id=str(session.parent_id or ""),
        meeting_point_ko=session.meeting_point_ko,
        meeting_point_en=session.meeting_point_en,
        meeting_at=local(session.meeting_at) if session.meeting_at else "",
        meeting_note_ko=session.meeting_note_ko,
        meeting_note_en=session.meeting_note_en,
    ) | speakers(*[(li.speaker_id, li.role, li.position) for li in session.speaker_links])


@pytest.fixture
def organizer(make_user, make_forum):
    forum = make_forum(slug="agenda", status="draft")
    return forum, make_user("organizer", forum)


# ---------------------------------------------------------------- creating


def test_a_new_session_is_entered_in_local_time_and_stored_in_utc(
    db, organizer, login, make_venue, make_speaker
):
    forum, user = organizer
    venue = make_venue(forum)
    kim, lee = make_speaker(forum, name_en="Kim"), make_speaker(forum, name_en="Lee")
    client = login(user)
    assert client.get(f"/organize/forums/{forum.slug}/sessions/new").status_code == 200
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/new",
        data=form(forum, venue_id=str(venue.id), seats="50")
        | speakers((lee.id, "moderator", 2), (kim.id, "keynote", 1), ("", "presenter", "")),
    )
    assert response.status_code == 303, response.get_data(True)
    session = db.session.scalar(select(ForumSession))
    day = forum.first_day
    assert session.starts_at == datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    assert session.ends_at == datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    assert (session.venue_id, session.seats, session.revision) == (venue.id, 50, 1)
    links = db.session.scalars(select(SessionSpeaker).order_by(SessionSpeaker.position)).all()
    assert [(li.speaker_id, li.role, li.position) for li in links] == [
        (kim.id, "keynote", 0),
        (lee.id, "moderator", 1),
    ]
    page = client.get(response.headers["Location"]).get_data(True)
    assert "The session is saved." in page
    assert f'value="{day.isoformat()}T10:00"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "{day}T09:30"}, "ends_at", "The end must be after the start."),
        ({"ends_at": "{day}T10:00"}, "ends_at", "The end must be after the start."),
        ({"starts_at": "tomorrow morning"}, "starts_at", "Give a date and a time"),
        ({"starts_at": ""}, "starts_at", "This field is required."),
        ({"seats": "-1"}, "seats", "Enter 0 or more."),
        ({"seats": "many"}, "seats", "Enter a whole number"),
        ({"venue_id": "{other_venue}"}, "venue_id", "Choose a venue of this forum."),
        ({"title_ko": "", "title_en": ""}, "title_en", "Give it in Korean, English or both."),
        ({"kind": "party"}, "kind", "Choose one of"),
        ({"title_en": "Two\nlines"}, "title_en", "Remove line breaks"),
        (
            {"speakers": [("{kim}", "keynote", 0), ("{kim}", "moderator", 1)]},
            "speakers",
            "is listed twice",
        ),
        (
            {"speakers": [("{stranger}", "keynote", 0)]},
            "speakers",
            "choose a speaker of this forum",
        ),
        ({"speakers": [("{kim}", "emperor", 0)]}, "speakers", "Choose one of"),
    ],
)
def test_bad_session_input_is_refused_in_place_and_changes_nothing(
    db,
    organizer,
    login,
    make_forum,
    make_venue,
    make_speaker,
    make_session,
    overrides,
    field,
    message,
):
    forum, user = organizer
    other = make_forum(slug="elsewhere")
    ids = {
        "day": forum.first_day.isoformat(),
        "other_venue": make_venue(other).id,
        "kim": make_speaker(forum, name_en="Kim").id,
        "stranger": make_speaker(other, name_en="Stranger").id,
    }
    existing = make_session(forum, title_en="Existing")
    client = login(user)
    overrides = dict(overrides)
    lines = overrides.pop("speakers", [])
    data = form(forum, **{k: v.format(**ids) for k, v in overrides.items()})
    data |= speakers(*[(str(s).format(**ids), r, p) for s, r, p in lines])
    before = (count(db, ForumSession), count(db, SessionSpeaker))

    response = client.post(f"/organize/forums/{forum.slug}/sessions/new", data=data)
    html = response.get_data(True)
    assert response.status_code == 422, html
    assert message in html
    assert 'class="error-summary"' in html
    assert (count(db, ForumSession), count(db, SessionSpeaker)) == before
    # The same input on an existing session's page: refused too, the session as it was.
    edit = edit_form(client, forum, existing) | {
        k: v for k, v in data.items() if k not in ("revision", "fingerprint")
    }
    response = client.post(f"/organize/forums/{forum.slug}/sessions/{existing.id}", data=edit)
    assert response.status_code == 422
    assert message in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(ForumSession, existing.id).title_en == "Existing"


def test_a_field_error_is_shown_next_to_its_field(db, organizer, login):
    forum, user = organizer
    client = login(user)
    html = client.post(
        f"/organize/forums/{forum.slug}/sessions/new",
        data=form(forum, ends_at=f"{forum.first_day.isoformat()}T09:00"),
    ).get_data(True)
    field = html.index('id="ends_at-error"')
    assert html.index('for="ends_at"') < field < html.index('id="ends_at"', field)
    assert 'aria-invalid="true"' in html


def test_a_session_cannot_be_a_part_of_its_own_part(db, organizer, login, make_session):
    forum, user = organizer
    block = make_session(forum, title_en="Block", start="09:00", end="12:00")
    part = make_session(forum, title_en="Part", parent_id=None)
    part.parent_id = block.id
    db.session.commit()
    client = login(user)
    data = edit_form(client, forum, block) | {"parent_id": str(part.id)}
    response = client.post(f"/organize/forums/{forum.slug}/sessions/{block.id}", data=data)
    assert response.status_code == 422
    assert "cannot be a part of itself" in response.get_data(True)


# ---------------------------------------------------------------- concurrent edits


@pytest.mark.parametrize("status", ["draft", "published"])
def test_the_second_save_from_the_same_revision_is_refused(
    db, make_forum, make_user, make_session, login, status
):
    forum = make_forum(slug=f"two-editors-{status}", status=status)
    session = make_session(forum, title_en="Original")
    first, second = make_user("organizer", forum), make_user("organizer", forum)
    alice, bob = login(first), login(second)
    alice_form = edit_form(alice, forum, session)
    bob_form = edit_form(bob, forum, session)

    saved = alice.post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}",
        data=alice_form | {"description_en": "Alice's words"},
    )
    assert saved.status_code == 303
    refused = bob.post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}",
        data=bob_form | {"title_en": "Bob's title"},
    )
    html = refused.get_data(True)
    assert refused.status_code == 409
    assert "Someone else saved this session after you opened it" in html
    assert "Open the current version" in html
    assert 'value="Bob&#39;s title"' in html  # Bob's input is kept for him to copy
    db.session.expire_all()
    row = db.session.get(ForumSession, session.id)
    assert (row.title_en, row.description_en) == ("Original", "Alice's words")


# ---------------------------------------------------------------- published programmes


@pytest.fixture
def published(db, make_forum, make_user, make_venue, make_session, make_registration):
    forum = make_forum(slug="live", status="published")
    hall = make_venue(forum, name_en="Hall")
    studio = make_venue(forum, name_en="Room 2", kind="hall")
    workshop = make_session(forum, title_en="Workshop", venue=hall, seats=2, seats_taken=1)
    seated = make_registration(forum, sessions=(workshop,), name="Seated")
    waiting = make_registration(
        forum, sessions=(workshop,), booking_status="waitlisted", name="Waiting"
    )
    make_registration(forum, sessions=(workshop,), booking_status="cancelled", name="Left")
    make_registration(forum, name="Elsewhere")
    make_registration(forum, status="cancelled", sessions=(workshop,), name="Gone")
    return {
        "forum": forum,
        "user": make_user("organizer", forum),
        "hall": hall,
        "room2": studio,
        "workshop": workshop,
        "seated": seated,
        "waiting": waiting,
    }


def notices(db):
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "session_changed")
        .order_by(OutboxMessage.registration_id)
    ).all()


def test_moving_a_published_session_bumps_revisions_records_and_notifies_once_per_person(
    db, published, login
):
    forum, workshop = published["forum"], published["workshop"]
    programme_revision = forum.programme_revision
    client = login(published["user"])
    day = forum.first_day.isoformat()

    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"starts_at": f"{day}T14:00", "ends_at": f"{day}T15:30"},
    )
    assert response.status_code == 303
    assert "2 people will be told of the change." in client.get(
        response.headers["Location"]
    ).get_data(True)
    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    assert workshop.revision == 2
    assert workshop.forum.programme_revision == programme_revision + 1
    (change,) = db.session.scalars(select(ProgrammeChange)).all()
    assert change.kind == "moved"
    assert change.session_id == workshop.id
    assert change.changed_by_id == published["user"].id
    assert datetime.fromisoformat(change.before["starts_at"]).astimezone(SEOUL).hour == 10
    assert datetime.fromisoformat(change.after["starts_at"]).astimezone(SEOUL).hour == 14
    sent = notices(db)
    assert [m.registration_id for m in sent] == [published["seated"].id, published["waiting"].id]
    for message in sent:
        assert message.context == {
            "registration_id": message.registration_id,
            "session_id": workshop.id,
            "change_ids": [change.id],
        }
        assert message.status == "pending"
        # Held back for ten minutes, so that a burst of edits makes one message.
        assert message.next_attempt_at > datetime.now(UTC) + timedelta(minutes=9)

    # A second edit within ten minutes (venue and title): merged, still one per person.
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"venue_id": str(published["room2"].id), "title_en": "Workshop (moved)"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ForumSession, workshop.id).revision == 3
    kinds = db.session.scalars(select(ProgrammeChange.kind).order_by(ProgrammeChange.id)).all()
    assert kinds == ["moved", "venue", "retitled"]
    change_ids = db.session.scalars(select(ProgrammeChange.id).order_by(ProgrammeChange.id)).all()
    sent = notices(db)
    assert len(sent) == 2
    assert all(m.context["change_ids"] == change_ids for m in sent)


def test_a_notice_already_sent_is_not_reused(db, published, login):
    forum, workshop = published["forum"], published["workshop"]
    client = login(published["user"])
    day = forum.first_day.isoformat()
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"starts_at": f"{day}T13:00", "ends_at": f"{day}T14:00"},
    )
    for message in notices(db):
        message.status, message.sent_at = "sent", datetime.now(UTC)
    db.session.commit()
    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"status": "cancelled"},
    )
    sent = notices(db)
    assert len(sent) == 4
    assert sorted(m.status for m in sent) == ["pending", "pending", "sent", "sent"]
    assert db.session.scalars(select(ProgrammeChange.kind)).all() == ["moved", "cancelled"]


def test_a_description_edit_changes_no_revision_and_tells_nobody(db, published, login):
    forum, workshop = published["forum"], published["workshop"]
    before = workshop.updated_at
    programme_revision = forum.programme_revision
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"description_en": "Bring a laptop."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    assert workshop.description_en == "Bring a laptop."
    assert workshop.revision == 1
    assert workshop.updated_at > before
    assert workshop.forum.programme_revision == programme_revision + 1  # the pages changed
    assert count(db, ProgrammeChange) == 0
    assert notices(db) == []


def test_saving_an_unchanged_form_changes_nothing(db, published, login):
    forum, workshop = published["forum"], published["workshop"]
    stamp, programme_revision = workshop.updated_at, forum.programme_revision
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop),
    )
    assert response.status_code == 303
    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    assert (workshop.revision, workshop.updated_at) == (1, stamp)
    assert workshop.forum.programme_revision == programme_revision


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("in_person", ["In person A", "Waiting in person"]),
        ("online", ["Online B"]),
        ("hybrid", ["In person A", "Online B", "Waiting in person"]),
    ],
)
def test_a_session_without_seats_notifies_the_forum_registrants_who_follow_it(
    db, make_forum, make_user, make_session, make_registration, login, fmt, expected
):
    forum = make_forum(slug=f"open-{fmt.replace('_', '-')}", status="published")
    keynote = make_session(forum, title_en="Keynote", format=fmt)
    make_registration(forum, name="In person A")
    make_registration(forum, name="Online B", attendance="online")
    make_registration(forum, name="Waiting in person", status="waitlisted", waitlist_seq=1)
    make_registration(forum, name="Cancelled C", status="cancelled")
    make_registration(forum, name="No email", email="")
    client = login(make_user("organizer", forum))
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{keynote.id}",
        data=edit_form(client, forum, keynote) | {"title_en": "Keynote: the city"},
    )
    assert response.status_code == 303
    from app.models import Registration

    names = sorted(db.session.get(Registration, m.registration_id).name for m in notices(db))
    assert names == expected


def test_a_draft_forum_has_no_change_log(db, organizer, login, make_session, make_registration):
    forum, user = organizer
    session = make_session(forum, seats=5)
    make_registration(forum, sessions=(session,))
    client = login(user)
    day = forum.first_day.isoformat()
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}",
        data=edit_form(client, forum, session)
        | {"starts_at": f"{day}T15:00", "ends_at": f"{day}T16:00"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ForumSession, session.id).revision == 1
    assert count(db, ProgrammeChange) == 0
    assert notices(db) == []


# ---------------------------------------------------------------- seats


def test_seats_cannot_drop_below_the_seats_taken(db, published, login):
    forum, workshop = published["forum"], published["workshop"]
    workshop.seats_taken = 2
    db.session.commit()
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"seats": "1"},
    )
    assert response.status_code == 422
    assert "2 seats are held already" in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(ForumSession, workshop.id).seats == 2


def test_more_seats_go_to_the_waitlist_first_come(db, published, login):
    from app.models import Booking

    forum, workshop = published["forum"], published["workshop"]
    waiting = db.session.scalar(
        select(Booking).where(Booking.registration_id == published["waiting"].id)
    )
    waiting.waitlist_seq = 1
    workshop.seats_taken = 2
    db.session.commit()
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"seats": "3"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == "confirmed"
    assert db.session.get(ForumSession, workshop.id).seats_taken == 3
    promoted = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "waitlist_promoted")
    ).all()
    assert [m.registration_id for m in promoted] == [published["waiting"].id]


# ---------------------------------------------------------------- deleting


def test_a_draft_session_can_be_deleted(db, organizer, login, make_session):
    forum, user = organizer
    session = make_session(forum)
    client = login(user)
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}/delete", data={"revision": "1"}
    )
    assert response.status_code == 303
    assert count(db, ForumSession) == 0


def test_a_published_session_is_cancelled_not_deleted(db, published, login):
    forum, workshop = published["forum"], published["workshop"]
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}/delete", data={"revision": "1"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(True)
    assert "cancel the session instead of deleting it" in page
    assert db.session.get(ForumSession, workshop.id) is not None


def test_a_session_people_hold_places_in_is_not_deleted(
    db, organizer, login, make_session, make_registration
):
    forum, user = organizer
    session = make_session(forum, seats=3)
    make_registration(forum, sessions=(session,))
    response = login(user).post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}/delete",
        data={"revision": "1"},
        follow_redirects=True,
    )
    assert "1 person holds a place in this session" in response.get_data(True)
    assert count(db, ForumSession) == 1


def test_a_notice_a_worker_is_sending_is_left_alone_and_sessions_notify_apart(
    db, published, login, make_session
):
    forum, workshop = published["forum"], published["workshop"]
    client = login(published["user"])
    day = forum.first_day.isoformat()
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"starts_at": f"{day}T13:00", "ends_at": f"{day}T14:00"},
    )
    for message in notices(db):
        message.claimed_until = datetime.now(UTC) + timedelta(minutes=5)  # being sent
    db.session.commit()
    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"title_en": "Workshop II"},
    )
    assert len(notices(db)) == 4  # two claimed, two new
    # A change to another session is its own notice, even for the same person.
    other = make_session(forum, title_en="Other", seats=5, seats_taken=1)
    from app.models import Booking

    db.session.add(Booking(registration=published["seated"], session=other, status="confirmed"))
    db.session.commit()
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{other.id}",
        data=edit_form(client, forum, other) | {"status": "cancelled"},
    )
    seated = [m for m in notices(db) if m.registration_id == published["seated"].id]
    assert sorted(m.context["session_id"] for m in seated) == sorted(
        [workshop.id, workshop.id, other.id]
    )


# ---------------------------------------------------------------- sending a change at once

AT_ONCE_LABEL = (
    '<label for="notify_at_once">Send the change notice at once (instead of after 10 minutes, '
    "to group further edits)</label>"
)


def speaker_notices(db):
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "speaker_session_changed")
        .order_by(OutboxMessage.id)
    ).all()


def delivered(app, messages) -> list:
    """The mails the (memory) sender has handed over for these outbox rows. Other mail, such
    as the waitlist promotion an edit of a session with seats may bring, is left out."""
    from app.mail.senders import memory_outbox

    ids = {m.message_id for m in messages}
    return [mail for mail in memory_outbox(app) if mail.message_id in ids]


def test_a_change_sent_at_once_is_due_now_and_goes_out_on_the_next_delivery_run(
    app, db, published, login, make_speaker
):
    from app.mail.delivery import deliver_due

    forum, workshop = published["forum"], published["workshop"]
    make_speaker(forum, sessions=(workshop,), name_en="Kim", email="kim@example.org")
    client = login(published["user"])
    page = client.get(f"/organize/forums/{forum.slug}/sessions/{workshop.id}").get_data(True)
    assert AT_ONCE_LABEL in page  # the label is tied to its box
    assert 'aria-describedby="notify_at_once-hint"' in page
    assert 'id="notify_at_once-hint"' in page
    assert "checked" not in page.split('id="notify_at_once"')[0].rsplit("<input", 1)[1]

    day = forum.first_day.isoformat()
    before = datetime.now(UTC)
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"starts_at": f"{day}T09:00", "ends_at": f"{day}T10:00", "notify_at_once": "y"},
    )
    assert response.status_code == 303
    queued = [*notices(db), *speaker_notices(db)]
    assert len(queued) == 3  # two registrants and the speaker
    for message in queued:
        assert message.status == "pending"
        assert before <= message.next_attempt_at <= datetime.now(UTC)

    assert deliver_due().sent >= 3
    db.session.expire_all()
    assert {m.status for m in [*notices(db), *speaker_notices(db)]} == {"sent"}
    assert sorted(m.to for m in delivered(app, queued)) == sorted(
        [published["seated"].email, published["waiting"].email, "kim@example.org"]
    )


def test_without_the_box_a_change_notice_still_waits_for_further_edits(app, db, published, login):
    from app.mail.delivery import deliver_due

    forum, workshop = published["forum"], published["workshop"]
    client = login(published["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop) | {"title_en": "Workshop (new title)"},
    )
    assert response.status_code == 303
    sent = notices(db)
    assert len(sent) == 2
    assert all(m.next_attempt_at > datetime.now(UTC) + timedelta(minutes=9) for m in sent)
    deliver_due()
    assert delivered(app, sent) == []
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in notices(db)} == {("pending", 0)}


def test_the_box_is_offered_only_for_a_published_session(db, organizer, login, make_session):
    forum, user = organizer
    session = make_session(forum)
    client = login(user)
    for url in (
        f"/organize/forums/{forum.slug}/sessions/{session.id}",
        f"/organize/forums/{forum.slug}/sessions/new",
    ):
        assert 'name="notify_at_once"' not in client.get(url).get_data(True)


def test_a_change_sent_at_once_brings_forward_the_notice_it_is_merged_into(
    app, db, published, login
):
    from app.mail.delivery import deliver_due

    forum, workshop = published["forum"], published["workshop"]
    client = login(published["user"])
    day = forum.first_day.isoformat()
    client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"starts_at": f"{day}T14:00", "ends_at": f"{day}T15:00"},
    )
    assert all(m.next_attempt_at > datetime.now(UTC) + timedelta(minutes=9) for m in notices(db))

    db.session.expire_all()
    workshop = db.session.get(ForumSession, workshop.id)
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{workshop.id}",
        data=edit_form(client, forum, workshop)
        | {"venue_id": str(published["room2"].id), "notify_at_once": "y"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    merged = notices(db)
    assert len(merged) == 2  # still one per person: the second edit was merged in
    change_ids = db.session.scalars(select(ProgrammeChange.id).order_by(ProgrammeChange.id)).all()
    assert len(change_ids) == 2
    for message in merged:
        assert message.context["change_ids"] == change_ids
        assert message.next_attempt_at <= datetime.now(UTC)

    deliver_due()
    mails = delivered(app, merged)
    assert sorted(m.to for m in mails) == sorted(
        [published["seated"].email, published["waiting"].email]
    )
    for mail in mails:
        assert "Room 2" in mail.text  # the merged mail tells both changes
