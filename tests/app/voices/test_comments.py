"""The comment event's rules (app.voices.comments): one entry per address whatever is
submitted, the double opt-in, the window, consent, a registration's manage link, moderation,
likes, the wall and the reading list."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.tokens import hash_token
from app.models import (
    AuditEntry,
    CommentEntry,
    CommentEvent,
    CommentLike,
    OutboxMessage,
    User,
)
from app.voices import comments
from app.voices.common import COMMENT_CONSENT_VERSION, voter_key

# ------------------------------------------------------------------------- shared helpers


def make_event(db, forum, **fields: Any) -> CommentEvent:
    """A comment event of `forum`, open now unless told otherwise."""
    now = utcnow()
    values: dict[str, Any] = {
        "forum_id": forum.id,
        "prompt_ko": "포용적 스마트시티는 ○○○다",
        "prompt_en": "An inclusive smart city is …",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=5),
        "max_length": 200,
        "prizes": 3,
        "prize_ko": "커피 쿠폰",
        "prize_en": "A coffee coupon",
    }
    values.update(fields)
    event = CommentEvent(**values)
    db.session.add(event)
    db.session.commit()
    return event


def entry_body(n: int | str = 1, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": f"김민지{n}",
        "email": f"person{n}@example.org",
        "comment": "모두가 함께 쓰는 도시다",
        "consent": True,
        "locale": "ko",
    }
    values.update(fields)
    return values


def add_entry(db, event, n: int | str, **fields: Any) -> CommentEntry:
    """An entry written directly: confirmed and published unless told otherwise."""
    now = utcnow()
    values: dict[str, Any] = {
        "event_id": event.id,
        "name": f"Person {n}",
        "email": f"wall{n}@example.org",
        "email_normalized": f"wall{n}@example.org",
        "text": f"Comment {n}",
        "status": "published",
        "confirmed_at": now,
        "consent_version": COMMENT_CONSENT_VERSION,
        "consented_at": now,
    }
    values.update(fields)
    entry = CommentEntry(**values)
    db.session.add(entry)
    db.session.commit()
    return entry


def staff(db, role: str, *forums) -> User:
    user = User(
        email=f"{role}-{secrets.token_hex(3)}@staff.example.org",
        name=role.title(),
        password_hash="unused",
        role=role,
    )
    user.forums = list(forums)
    db.session.add(user)
    db.session.commit()
    return user


def mails(db, kind: str | None = None) -> list[OutboxMessage]:
    db.session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def entries(db) -> list[CommentEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(CommentEntry).order_by(CommentEntry.id)))


@pytest.fixture
def forum(make_forum):
    return make_forum(slug="leaders-2020")


@pytest.fixture
def event(db, forum):
    return make_event(db, forum)


# ========================================================================= one entry per address


def test_a_new_address_makes_a_pending_unconfirmed_entry_and_mails_its_link(db, forum, event):
    before = utcnow()
    entry = comments.submit(forum, entry_body(1, locale="en"))

    assert (entry.status, entry.confirmed_at, entry.registration_id) == ("pending", None, None)
    assert entry.email_normalized == "person1@example.org"
    assert entry.consent_version == COMMENT_CONSENT_VERSION
    assert entry.consented_at >= before
    [mail] = mails(db)
    assert mail.kind == "comment_confirm"
    assert mail.recipient == "person1@example.org"
    assert mail.locale == "en"
    assert (mail.forum_id, mail.registration_id) == (forum.id, None)
    assert mail.context["entry_id"] == entry.id
    assert entry.confirm_token_hash == hash_token(mail.context["confirm_token"])


def test_an_unconfirmed_address_has_its_entry_replaced_and_a_new_link(db, forum, event):
    first = comments.submit(forum, entry_body(1))
    old_token = mails(db)[0].context["confirm_token"]

    again = comments.submit(
        forum, entry_body(1, name="Kim Minji", comment="Open to all", locale="en")
    )

    assert again.id == first.id
    assert [(e.name, e.text, e.locale) for e in entries(db)] == [("Kim Minji", "Open to all", "en")]
    confirm_mails = mails(db, "comment_confirm")
    assert len(confirm_mails) == 2
    new_token = confirm_mails[1].context["confirm_token"]
    assert new_token != old_token
    assert confirm_mails[1].locale == "en"
    with pytest.raises(NotFound):  # the old link died
        comments.confirm(forum, old_token)
    assert comments.confirm(forum, new_token).confirmed_at is not None


def test_the_address_is_compared_normalised(db, forum, event):
    comments.submit(forum, entry_body(1, email="Person1@Example.org"))
    comments.submit(forum, entry_body(1, email="person1@example.org", comment="second"))
    assert [e.text for e in entries(db)] == ["second"]


def test_a_confirmed_entry_never_changes_and_nothing_is_mailed(db, forum, event):
    comments.submit(forum, entry_body(1))
    comments.confirm(forum, mails(db)[0].context["confirm_token"])
    count = len(mails(db))

    returned = comments.submit(forum, entry_body(1, name="Someone else", comment="Changed"))

    assert returned.text == "모두가 함께 쓰는 도시다"
    [entry] = entries(db)
    assert (entry.name, entry.text) == ("김민지1", "모두가 함께 쓰는 도시다")
    assert len(mails(db)) == count


def test_a_published_unconfirmed_entry_goes_back_to_moderation_when_replaced(db, forum, event):
    admin = staff(db, "admin")
    entry = comments.submit(forum, entry_body(1))
    comments.moderate(forum, entry.id, "publish", user=admin)
    comments.submit(forum, entry_body(1, comment="<b>new text</b>"))
    [entry] = entries(db)
    assert (entry.status, entry.text) == ("pending", "<b>new text</b>")


# ========================================================================= confirming


def test_confirming_once_queues_the_thanks_once(db, forum, event):
    comments.submit(forum, entry_body(1, locale="en"))
    token = mails(db)[0].context["confirm_token"]
    entry = comments.confirm(forum, token)
    assert entry.confirmed_at is not None and entry.confirm_token_hash is None
    with pytest.raises(NotFound):
        comments.confirm(forum, token)
    [thanks] = mails(db, "comment_thanks")
    assert thanks.context == {"entry_id": entry.id}
    assert thanks.dedupe_key == f"comment_thanks:{entry.id}"
    assert (thanks.locale, thanks.recipient, thanks.registration_id) == (
        "en",
        "person1@example.org",
        None,
    )


def test_confirming_is_allowed_until_48_hours_after_the_close(db, forum, event):
    comments.submit(forum, entry_body(1))
    comments.submit(forum, entry_body(2))
    first, second = (m.context["confirm_token"] for m in mails(db))
    late = event.closes_at + timedelta(hours=49)
    with pytest.raises(comments.ConfirmationExpired) as refused:
        comments.confirm(forum, first, now=late)
    assert refused.value.status == 409
    assert all(e.confirmed_at is None for e in entries(db))
    assert comments.confirm(forum, second, now=event.closes_at + timedelta(hours=47))


def test_an_unknown_token_is_not_found(db, forum, event):
    for token in ("nope", "", "x" * 300, "토큰"):
        with pytest.raises(NotFound):
            comments.confirm(forum, token)


def test_a_token_of_another_forums_event_is_not_found(db, forum, event, make_forum):
    other = make_forum()
    make_event(db, other)
    comments.submit(other, entry_body(1))
    token = mails(db)[0].context["confirm_token"]
    with pytest.raises(NotFound):
        comments.confirm(forum, token)


# ========================================================================= refused input


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("comment", ""),
        ("comment", "   "),
        ("comment", "x" * 201),
        ("comment", "first line\nsecond line"),
        ("comment", "bell\x07"),
        ("comment", "nul\x00"),
        ("comment", "line\u2028separator"),
        ("name", ""),
        ("name", "n" * 201),
        ("name", "Kim\tMinji"),
        ("email", ""),
        ("email", "not-an-address"),
        ("email", "a@b.c\nBcc: x@y.z"),
        ("consent", False),
        ("consent", None),
        ("locale", "fr"),
        ("locale", ""),
    ],
)
def test_bad_input_is_refused_with_nothing_stored(db, forum, event, field, value):
    with pytest.raises(ValidationFailed) as refused:
        comments.submit(forum, entry_body(1, **{field: value}))
    assert field in refused.value.errors
    assert entries(db) == [] and mails(db) == []


def test_the_events_max_length_is_the_limit(db, forum, make_forum):
    make_event(db, forum, max_length=20)
    comments.submit(forum, entry_body(1, comment="x" * 20))
    with pytest.raises(ValidationFailed):
        comments.submit(forum, entry_body(2, comment="x" * 21))
    assert len(entries(db)) == 1


def test_html_is_kept_as_text(db, forum, event):
    comments.submit(forum, entry_body(1, comment='<script>alert("x")</script>'))
    assert entries(db)[0].text == '<script>alert("x")</script>'


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(1, 2, "not opened yet"), (-3, -1, "has closed")],
)
def test_outside_the_window_nothing_is_taken(db, english, forum, opens, closes, message):
    now = utcnow()
    make_event(
        db, forum, opens_at=now + timedelta(days=opens), closes_at=now + timedelta(days=closes)
    )
    with pytest.raises(comments.CommentsClosed) as refused:
        comments.submit(forum, entry_body(1))
    assert refused.value.status == 409 and message in refused.value.message
    assert entries(db) == [] and mails(db) == []


def test_a_forum_without_an_event_is_not_found(db, forum):
    with pytest.raises(NotFound):
        comments.submit(forum, entry_body(1))


# ========================================================================= the manage link


@pytest.fixture
def registrant(db, forum, make_registration):
    person = make_registration(forum, email="Minji@Example.org", name="김민지")
    person.manage_token_hash = hash_token("manage-token-1")
    db.session.commit()
    return person


def test_a_manage_link_confirms_at_once(db, forum, event, registrant):
    entry = comments.submit(
        forum,
        entry_body(9, email="ignored@example.org", locale="en"),
        manage_token="manage-token-1",
    )
    assert entry.confirmed_at is not None and entry.confirm_token_hash is None
    assert entry.registration_id == registrant.id
    assert entry.email == "Minji@example.org"  # the registration's, normalised by syntax
    assert entry.email_normalized == "minji@example.org"
    assert mails(db, "comment_confirm") == []
    [thanks] = mails(db, "comment_thanks")
    assert thanks.context == {"entry_id": entry.id} and thanks.locale == "en"


def test_a_manage_link_confirms_an_unconfirmed_entry_of_the_same_address(
    db, forum, event, registrant
):
    comments.submit(forum, entry_body(1, email="minji@example.org"))
    comments.submit(forum, entry_body(1, comment="via my link"), manage_token="manage-token-1")
    [entry] = entries(db)
    assert entry.confirmed_at is not None and entry.text == "via my link"
    assert entry.confirm_token_hash is None


def test_a_manage_link_leaves_a_confirmed_entry_alone(db, forum, event, registrant):
    comments.submit(forum, entry_body(1), manage_token="manage-token-1")
    comments.submit(forum, entry_body(1, comment="again"), manage_token="manage-token-1")
    [entry] = entries(db)
    assert entry.text == "모두가 함께 쓰는 도시다"
    assert len(mails(db, "comment_thanks")) == 1


def test_a_cancelled_registration_cannot_take_part(db, forum, event, registrant):
    registrant.status = "cancelled"
    registrant.cancelled_at = datetime.now(UTC)
    db.session.commit()
    with pytest.raises(comments.CannotTakePart):
        comments.submit(forum, entry_body(1), manage_token="manage-token-1")
    assert entries(db) == []


def test_an_anonymised_or_other_forums_registration_cannot(
    db, forum, event, registrant, make_forum, make_registration
):
    other = make_registration(make_forum())
    other.manage_token_hash = hash_token("other-forum-token")
    registrant.anonymised_at = datetime.now(UTC)
    db.session.commit()
    for token in ("other-forum-token", "manage-token-1", "unknown-token"):
        with pytest.raises(NotFound):
            comments.submit(forum, entry_body(1), manage_token=token)
    assert entries(db) == []


# ========================================================================= moderation


def test_publish_and_hide_with_a_reason_kept_and_audited(db, forum, event):
    organizer = staff(db, "organizer", forum)
    entry = comments.submit(forum, entry_body(1))
    comments.moderate(forum, entry.id, "publish", user=organizer)
    assert entries(db)[0].status == "published"
    with pytest.raises(ValidationFailed) as refused:
        comments.moderate(forum, entry.id, "hide", reason="  ", user=organizer)
    assert "reason" in refused.value.errors
    assert entries(db)[0].status == "published"
    comments.moderate(forum, entry.id, "hide", reason="Advertising", user=organizer)
    [hidden] = entries(db)
    assert (hidden.status, hidden.hidden_reason) == ("hidden", "Advertising")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["comments.publish", "comments.hide"]


def test_moderation_needs_an_organizer_of_that_forum(db, forum, event, make_forum):
    entry = comments.submit(forum, entry_body(1))
    for user in (staff(db, "organizer", make_forum()), staff(db, "desk", forum)):
        with pytest.raises(Forbidden):
            comments.moderate(forum, entry.id, "publish", user=user)
    assert entries(db)[0].status == "pending"


def test_an_unknown_action_or_entry_is_refused(db, forum, event, make_forum):
    admin = staff(db, "admin")
    entry = comments.submit(forum, entry_body(1))
    with pytest.raises(ValidationFailed):
        comments.moderate(forum, entry.id, "delete", user=admin)
    other = make_forum()
    make_event(db, other)
    foreign = comments.submit(other, entry_body(2))
    for entry_id in (foreign.id, 2**40, "x"):
        with pytest.raises(NotFound):
            comments.moderate(forum, entry_id, "publish", user=admin)


# ========================================================================= likes


def test_one_like_per_voter_only_on_published_confirmed_entries(db, forum, event):
    shown = add_entry(db, event, 1)
    pending = add_entry(db, event, 2, status="pending")
    unconfirmed = add_entry(db, event, 3, confirmed_at=None)
    hidden = add_entry(db, event, 4, status="hidden")
    alice, bob = voter_key("browser", "a" * 20), voter_key("browser", "b" * 20)

    assert comments.like(forum, shown.id, alice) == comments.LikeResult(True, 1)
    assert comments.like(forum, shown.id, alice) == comments.LikeResult(False, 1)
    assert comments.like(forum, shown.id, bob) == comments.LikeResult(True, 2)
    for entry in (pending, unconfirmed, hidden):
        with pytest.raises(NotFound):
            comments.like(forum, entry.id, alice)
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommentLike.id))) == 2
    assert [e.likes for e in entries(db)] == [2, 0, 0, 0]


def test_a_like_on_another_forums_comment_is_not_found(db, forum, event, make_forum):
    other = make_forum()
    foreign = add_entry(db, make_event(db, other), 1)
    with pytest.raises(NotFound):
        comments.like(forum, foreign.id, voter_key("browser", "a" * 20))


# ========================================================================= the wall


def test_the_wall_sorts_by_newest_or_most_liked_and_pages_by_50(db, forum, event):
    start = utcnow() - timedelta(hours=5)
    for n in range(120):
        add_entry(db, event, n, created_at=start + timedelta(minutes=n), likes=(n * 7) % 11)
    add_entry(db, event, "pending", status="pending")
    add_entry(db, event, "unconfirmed", confirmed_at=None)
    add_entry(db, event, "gone", anonymised_at=utcnow())

    first = comments.wall(event)
    assert (first.total, first.pages, first.page, len(first.entries)) == (120, 3, 1, 50)
    assert [e.text for e in first.entries[:2]] == ["Comment 119", "Comment 118"]
    last = comments.wall(event, page=3)
    assert len(last.entries) == 20 and last.entries[-1].text == "Comment 0"
    assert comments.wall(event, page=99).page == 3
    assert comments.wall(event, page=0).page == 1

    top = comments.wall(event, sort="top")
    likes = [e.likes for e in top.entries]
    assert likes == sorted(likes, reverse=True) and likes[0] == 10
    same = [e for e in top.entries if e.likes == 10]
    assert [e.created_at for e in same] == sorted((e.created_at for e in same), reverse=True)
    assert comments.wall(event, sort="nonsense").sort == "new"


def test_eligible_entries_are_confirmed_published_and_not_anonymised(db, forum, event):
    counted = [add_entry(db, event, 1), add_entry(db, event, 2)]
    add_entry(db, event, 3, status="pending")
    add_entry(db, event, 4, status="hidden")
    add_entry(db, event, 5, confirmed_at=None)
    add_entry(db, event, 6, anonymised_at=utcnow())
    assert [e.id for e in comments.eligible_entries(event)] == [e.id for e in counted]


# ========================================================================= the reading list


def test_the_reading_list_picks_moves_marks_and_unpicks(db, forum, event, make_session):
    organizer = staff(db, "organizer", forum)
    seminar = make_session(forum, title_en="Leaders Seminar")
    talk = make_session(forum, start="13:00", end="14:00")
    a, b, c = (add_entry(db, event, n) for n in range(3))
    pending = add_entry(db, event, "p", status="pending")
    for entry in (a, b, c):
        comments.pick(forum, entry.id, seminar.id, organizer)
    with pytest.raises(ValidationFailed):
        comments.pick(forum, pending.id, seminar.id, organizer)
    assert [e.id for e in comments.reading_list(event, seminar.id)] == [a.id, b.id, c.id]

    comments.move(forum, c.id, "up", organizer)
    comments.move(forum, a.id, "up", organizer)  # first already: stays
    assert [e.id for e in comments.reading_list(event, seminar.id)] == [a.id, c.id, b.id]
    comments.move(forum, a.id, "down", organizer)
    assert [e.id for e in comments.reading_list(event, seminar.id)] == [c.id, a.id, b.id]

    comments.mark_read(forum, c.id, organizer)
    assert comments.reading_list(event, seminar.id)[0].read_at is not None
    comments.pick(forum, b.id, talk.id, organizer)  # moved to another session's list
    assert [e.id for e in comments.reading_list(event, talk.id)] == [b.id]
    comments.unpick(forum, a.id, organizer)
    comments.moderate(forum, c.id, "hide", reason="Off topic", user=organizer)
    assert comments.reading_list(event, seminar.id) == []


def test_picking_into_another_forums_session_is_refused(db, forum, event, make_forum, make_session):
    organizer = staff(db, "admin")
    elsewhere = make_session(make_forum())
    entry = add_entry(db, event, 1)
    with pytest.raises(ValidationFailed) as refused:
        comments.pick(forum, entry.id, elsewhere.id, organizer)
    assert "session_id" in refused.value.errors
    assert entries(db)[0].reading_session_id is None


# ========================================================================= the set-up


def setup_body(**fields: Any) -> dict[str, Any]:
    values = {
        "prompt_ko": "포용적 스마트시티는 ○○○다",
        "prompt_en": "",
        "opens_at": "2020-09-04T09:00",
        "closes_at": "2020-09-23T18:00",
        "max_length": "200",
        "prizes": "30",
        "prize_ko": "커피 쿠폰",
        "prize_en": "",
        "sends_streams": True,
        "reward_note_ko": "",
        "reward_note_en": "",
    }
    values.update(fields)
    return values


def test_the_set_up_reads_local_times_and_edits_the_same_event(db, forum):
    organizer = staff(db, "organizer", forum)
    event = comments.save_event(forum, setup_body(), user=organizer)
    assert event.opens_at == datetime(2020, 9, 4, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    assert event.closes_at == datetime(2020, 9, 23, 9, 0, tzinfo=UTC)
    assert (event.prizes, event.max_length, event.sends_streams) == (30, 200, True)
    comments.save_event(forum, setup_body(max_length="", prizes="0", prize_ko=""), user=organizer)
    db.session.rollback()
    [saved] = db.session.scalars(select(CommentEvent)).all()
    assert (saved.max_length, saved.prizes) == (200, 0)
    assert comments.event_values(saved, forum.timezone)["opens_at"] == "2020-09-04T09:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"prompt_ko": ""}, "prompt_ko"),
        ({"prompt_ko": "x" * 301}, "prompt_ko"),
        ({"closes_at": "2020-09-04T08:00"}, "closes_at"),
        ({"opens_at": ""}, "opens_at"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"max_length": "5"}, "max_length"),
        ({"max_length": "2001"}, "max_length"),
        ({"prizes": "1001"}, "prizes"),
        ({"prizes": "-1"}, "prizes"),
        ({"prize_ko": ""}, "prize_ko"),
    ],
)
def test_a_bad_set_up_changes_nothing(db, forum, fields, field):
    organizer = staff(db, "organizer", forum)
    with pytest.raises(ValidationFailed) as refused:
        comments.save_event(forum, setup_body(**fields), user=organizer)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommentEvent.id))) == 0


def test_the_set_up_needs_an_organizer_of_the_forum(db, forum, make_forum):
    with pytest.raises(Forbidden):
        comments.save_event(forum, setup_body(), user=staff(db, "organizer", make_forum()))


def test_a_committed_seed_fixes_the_prizes_and_a_draw_fixes_the_dates(db, forum):
    organizer = staff(db, "organizer", forum)
    event = comments.save_event(forum, setup_body(), user=organizer)
    event.seed_hash = "0" * 64
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        comments.save_event(forum, setup_body(prizes="3"), user=organizer)
    assert list(refused.value.errors) == ["prizes"]
    # Other changes still go through while the prizes stay.
    comments.save_event(forum, setup_body(closes_at="2020-09-24T18:00"), user=organizer)
    event = db.session.scalar(select(CommentEvent))
    event.drawn_at = utcnow()
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        comments.save_event(forum, setup_body(closes_at="2020-09-25T18:00"), user=organizer)
    assert list(refused.value.errors) == ["closes_at"]
    db.session.rollback()
    saved = db.session.scalar(select(CommentEvent))
    assert saved.prizes == 30 and saved.closes_at == datetime(2020, 9, 24, 9, 0, tzinfo=UTC)
