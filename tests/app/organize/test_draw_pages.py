"""The organizer's draw pages: commit to a seed, reveal it to draw, record a decline; each
refusal a clear message with its status, and only for the forum's organizers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import CommentEvent, DrawWinner, OutboxMessage
from app.voices import draw
from tests.app.voices.test_draw import SEED, close, make_entries, make_event


def url(forum, tail: str = "") -> str:
    return f"/organize/forums/{forum.slug}/comments/draw{tail}"


@pytest.fixture
def setting(db, make_forum, make_user, login):
    """A forum with a comment event (2 prizes, 4 entries) and its organizer signed in."""
    forum = make_forum()
    event = make_event(forum, prizes=2)
    entries = make_entries(event, 4, names=["김민수", "Jane Doe", "이서연", "Park Jiwoo"])
    organizer = make_user("organizer", forum)
    return forum, event, entries, login(organizer)


def stored(db, event_id: int) -> CommentEvent:
    db.session.expire_all()
    return db.session.get(CommentEvent, event_id)


def test_commit_then_draw_then_decline(db, setting):
    forum, event, entries, client = setting

    page = client.get(url(forum))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert re.search(r'<code id="suggested-seed">[0-9a-f]{32}</code>', body)
    assert 'name="commit-seed"' in body

    committed = client.post(url(forum, "/commit"), data={"commit-seed": SEED})
    assert committed.status_code == 303
    assert stored(db, event.id).seed_hash == draw.seed_digest(SEED)
    body = client.get(url(forum)).get_data(as_text=True)
    assert draw.seed_digest(SEED) in body and "The draw opens when the event closes" in body

    close(event)
    drawn = client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    assert drawn.status_code == 303
    after = stored(db, event.id)
    assert after.seed == SEED and after.drawn_entry_ids == sorted(e.id for e in entries)
    winners = draw.winners_of(after)
    assert [w.entry_id for w in winners] == draw.rank(SEED, after.drawn_entry_ids)[:2]
    body = client.get(url(forum)).get_data(as_text=True)
    first = next(e for e in entries if e.id == winners[0].entry_id)
    assert first.name in body and first.email in body  # organizers see who to contact

    declined = client.post(
        url(forum, f"/winners/{winners[0].id}/decline"),
        data={f"decline-{winners[0].id}-reason": "Replied that they cannot come"},
    )
    assert declined.status_code == 303
    after = stored(db, event.id)
    ranks = [(w.rank, w.status) for w in draw.winners_of(after)]
    assert ranks == [(1, "declined"), (2, "won"), (3, "won")]
    body = client.get(url(forum)).get_data(as_text=True)
    assert "Replied that they cannot come" in body and "Replaced by rank 3" in body
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_a_bad_seed_is_shown_on_its_field(db, setting):
    forum, event, _, client = setting
    response = client.post(url(forum, "/commit"), data={"commit-seed": "short"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert (
        'id="commit-seed-error"' in body
        and 'aria-describedby="commit-seed-hint commit-seed-error"' in body
    )
    assert "printable ASCII" in body
    assert stored(db, event.id).seed_hash is None


def test_commit_refusals(db, setting, make_forum, make_user, login):
    forum, event, _, client = setting
    client.post(url(forum, "/commit"), data={"commit-seed": SEED})

    again = client.post(url(forum, "/commit"), data={"commit-seed": "another-seed-0123456789"})
    assert again.status_code == 409
    assert "a commitment cannot be changed" in again.get_data(as_text=True)
    assert stored(db, event.id).seed_hash == draw.seed_digest(SEED)

    late_forum = make_forum()
    make_event(late_forum, closes_in=timedelta(minutes=-1))
    late = login(make_user("organizer", late_forum))
    refused = late.post(url(late_forum, "/commit"), data={"commit-seed": SEED})
    assert refused.status_code == 409
    assert "a seed must be committed before it closes" in refused.get_data(as_text=True)

    no_prizes = make_forum()
    make_event(no_prizes, prizes=0)
    organizer = login(make_user("organizer", no_prizes))
    assert "no prize draw" in organizer.get(url(no_prizes)).get_data(as_text=True)
    refused = organizer.post(url(no_prizes, "/commit"), data={"commit-seed": SEED})
    assert refused.status_code == 409


def test_a_wrong_seed_changes_nothing(db, setting):
    forum, event, _, client = setting
    client.post(url(forum, "/commit"), data={"commit-seed": SEED})
    close(event)

    response = client.post(url(forum, "/run"), data={"reveal-seed": "not-the-seed-0123456789"})

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "does not match the committed hash" in body and 'id="reveal-seed-error"' in body
    after = stored(db, event.id)
    assert after.drawn_at is None and after.seed is None
    assert db.session.scalar(select(func.count()).select_from(DrawWinner)) == 0


def test_draw_refusals(db, setting):
    forum, event, _, client = setting

    not_committed = client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    assert not_committed.status_code == 409

    client.post(url(forum, "/commit"), data={"commit-seed": SEED})
    too_early = client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    assert too_early.status_code == 409
    assert "still open" in too_early.get_data(as_text=True)

    event.prizes = 6
    close(event)
    too_few = client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    assert too_few.status_code == 409
    assert "Only 4 entries count, fewer than the 6 prizes" in too_few.get_data(as_text=True)

    event.prizes = 2
    db.session.commit()
    assert client.post(url(forum, "/run"), data={"reveal-seed": SEED}).status_code == 303
    twice = client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    assert twice.status_code == 409
    assert "cannot be run again" in twice.get_data(as_text=True)
    assert len(draw.winners_of(event)) == 2


def test_decline_refusals(db, setting):
    forum, event, _, client = setting
    event.prizes = 3
    db.session.commit()
    client.post(url(forum, "/commit"), data={"commit-seed": SEED})
    close(event)
    client.post(url(forum, "/run"), data={"reveal-seed": SEED})
    first = draw.winners_of(event)[0]
    field = f"decline-{first.id}-reason"

    no_reason = client.post(url(forum, f"/winners/{first.id}/decline"), data={field: ""})
    assert no_reason.status_code == 422
    assert f'id="decline-{first.id}-reason-error"' in no_reason.get_data(as_text=True)

    ok = client.post(url(forum, f"/winners/{first.id}/decline"), data={field: "no thanks"})
    assert ok.status_code == 303
    again = client.post(url(forum, f"/winners/{first.id}/decline"), data={field: "again"})
    assert again.status_code == 409

    second = draw.winners_of(event)[1]
    exhausted = client.post(
        url(forum, f"/winners/{second.id}/decline"),
        data={f"decline-{second.id}-reason": "no thanks"},
    )
    assert exhausted.status_code == 409
    assert "nobody is left to take the prize" in exhausted.get_data(as_text=True)
    assert draw.winners_of(event)[1].status == "won"
    assert client.post(url(forum, "/winners/999999/decline"), data={}).status_code == 404


def test_only_the_forums_organizers(db, setting, make_forum, make_user, login):
    forum, event, _, _ = setting
    other = login(make_user("organizer", make_forum()))
    desk = login(make_user("desk", forum))
    anonymous = login(None)

    for client in (other, desk):
        assert client.get(url(forum)).status_code == 403
        assert client.post(url(forum, "/commit"), data={"commit-seed": SEED}).status_code == 403
        assert client.post(url(forum, "/run"), data={"reveal-seed": SEED}).status_code == 403
        assert client.post(url(forum, "/winners/1/decline"), data={}).status_code == 403
    assert anonymous.get(url(forum)).status_code in (302, 303)
    assert stored(db, event.id).seed_hash is None


def test_a_forum_without_a_comment_event(db, make_forum, make_user, login):
    forum = make_forum()
    client = login(make_user("organizer", forum))
    page = client.get(url(forum))
    assert page.status_code == 200
    assert "This forum has no comment event." in page.get_data(as_text=True)
    assert client.post(url(forum, "/commit"), data={"commit-seed": SEED}).status_code == 404
