"""Interpretation receivers at the desk: handed out (channel chosen, the person's listening
language by default) and taken back from the person page, refused for whoever holds no place in
the hall, counted on the live counts; two desks at once lend one receiver, thanks to the partial
unique index (a negative control without it lends two, so the test can fail)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from app.desk import desks, receivers
from app.models import Forum, ReceiverLoan, Registration, SessionService, User
from app.privacy import operations as privacy
from tests.app.desk.helpers import page_text

WINDOW = 0.2
DESKS = 6


@pytest.fixture
def scene(db, open_forum, make_session, staff, register):
    forum = open_forum()
    keynote = make_session(forum, title_en="Keynote", language="ko", format="hybrid")
    for code in ("en", "ja"):
        db.session.add(
            SessionService(
                forum_id=forum.id,
                session_id=keynote.id,
                kind="interpretation",
                language=code,
                status="confirmed",
            )
        )
    db.session.commit()
    person = register(forum, "Jane Listener")
    person.listening_language, person.needs_receiver = "en", True
    db.session.commit()
    return forum, person, staff("desk", forum, name="Desk Operator")


def loans(db, registration_id: int | None = None) -> list[ReceiverLoan]:
    db.session.rollback()
    query = select(ReceiverLoan).order_by(ReceiverLoan.id)
    if registration_id is not None:
        query = query.where(ReceiverLoan.registration_id == registration_id)
    return list(db.session.scalars(query))


def person_url(forum, person) -> str:
    return f"/desk/{forum.slug}/people/{person.id}"


def test_the_person_page_offers_a_receiver_set_to_their_language(client, login, scene):
    forum, person, operator = scene
    login(client, operator)
    page = client.get(person_url(forum, person)).get_data(as_text=True)
    assert "Listens in English." in page_text(client.get(person_url(forum, person)))
    assert '<option value="en" selected>English</option>' in page
    assert '<option value="ja">Japanese</option>' in page
    assert '<label for="receiver-language">Channel</label>' in page


def test_hand_out_and_take_back_with_a_record_and_the_counts(client, db, login, scene):
    forum, person, operator = scene
    login(client, operator)
    response = client.post(person_url(forum, person) + "/receiver", data={"language": ""})
    assert response.status_code == 200
    assert "Jane Listener has a receiver set to English." in page_text(response)
    [loan] = loans(db, person.id)
    assert (loan.language, loan.returned_at) == ("en", None)
    assert loan.desk  # which desk, like a check-in
    counts = page_text(client.get(f"/desk/{forum.slug}/counts?refresh=off"))
    assert "Interpretation receivers out now Channel Receivers English 1 Total 1" in counts
    # A second one while the first is out: refused, nothing written.
    again = client.post(person_url(forum, person) + "/receiver", data={"language": "ja"})
    assert again.status_code == 409
    assert "has a receiver already (set to English)" in page_text(again)
    assert len(loans(db, person.id)) == 1
    back = client.post(person_url(forum, person) + "/receiver/return")
    assert back.status_code == 200
    assert "Jane Listener gave the receiver back." in page_text(back)
    [loan] = loans(db, person.id)
    assert loan.returned_at is not None
    assert "No interpretation receiver is out." in page_text(
        client.get(f"/desk/{forum.slug}/counts?refresh=off")
    )
    twice = client.post(person_url(forum, person) + "/receiver/return")
    assert twice.status_code == 409
    assert "This person has no receiver out." in page_text(twice)
    # And out again, on another channel: a new row, the history keeps both.
    assert (
        client.post(person_url(forum, person) + "/receiver", data={"language": "ja"}).status_code
        == 200
    )
    assert [x.language for x in loans(db, person.id)] == ["en", "ja"]


@pytest.mark.parametrize("language", ["fr", "xx", "ko", "<b>"])
def test_a_channel_nobody_interprets_into_is_refused(client, db, login, scene, language):
    forum, person, operator = scene
    login(client, operator)
    response = client.post(person_url(forum, person) + "/receiver", data={"language": language})
    assert response.status_code == 422
    assert "Choose one of the interpretation channels of this forum." in page_text(response)
    assert loans(db) == []


def test_no_receiver_for_online_waitlisted_or_cancelled_people(client, db, login, scene, register):
    forum, _, operator = scene
    login(client, operator)
    online = register(forum, "Online Person", attendance="online")
    cancelled = register(forum, "Gone Person")
    cancelled.status = "cancelled"
    waiting = register(forum, "Waiting Person")
    waiting.status = "waitlisted"
    db.session.commit()
    for who, message in (
        (online, "attends online"),
        (cancelled, "was cancelled"),
        (waiting, "on the waiting list"),
    ):
        response = client.post(person_url(forum, who) + "/receiver", data={"language": "en"})
        assert response.status_code == 409, who.name
        assert message in page_text(response)
    assert loans(db) == []


def test_only_desk_staff_of_the_forum_and_only_while_the_desk_is_open(
    client, db, login, scene, staff, open_forum
):
    forum, person, _ = scene
    login(client, staff("desk", open_forum()))
    assert client.post(person_url(forum, person) + "/receiver", data={}).status_code == 403
    forum.desk_override = "closed"
    db.session.commit()
    login(client, staff("desk", forum))
    response = client.post(person_url(forum, person) + "/receiver", data={})
    assert response.status_code == 409
    assert "The desk is closed." in page_text(response)
    assert loans(db) == []


def test_the_export_lists_the_loans_and_erasure_takes_them(db, scene):
    forum, person, operator = scene
    receivers.hand_out(desks.Desk(forum=forum, operator=operator, label="Door 1"), person, "en")
    data = privacy.export_registration(person)
    assert [(x["language"], x["desk"]) for x in data["receiver_loans"]] == [("en", "Door 1")]
    privacy.erase_registration(person)
    assert loans(db) == []


# ------------------------------------------------------------------ two desks at once


def _hand_out_together(app, db, forum_id: int, registration_id: int, operator_id: int) -> list[str]:
    barrier = threading.Barrier(DESKS)

    def one(n: int) -> str:
        with app.app_context():
            forum = db.session.get(Forum, forum_id)
            registration = db.session.get(Registration, registration_id)
            operator = db.session.get(User, operator_id)
            desk = desks.Desk(forum=forum, operator=operator, label=f"Desk {n}")
            barrier.wait()
            try:
                receivers.hand_out(desk, registration, "en")
            except receivers.ReceiverRefused as exc:
                return exc.reason
            finally:
                db.session.remove()
            return "handed_out"

    with ThreadPoolExecutor(max_workers=DESKS) as pool:
        return list(pool.map(one, range(DESKS)))


def _widen_the_window(monkeypatch) -> None:
    """Every desk looks first and finds nothing out, then writes: only the guard differs."""
    real = receivers.current_loan

    def slow(registration):
        found = real(registration)
        time.sleep(WINDOW)
        return found

    monkeypatch.setattr(receivers, "current_loan", slow)


def test_two_desks_at_once_lend_one_receiver(app, db, scene, monkeypatch):
    forum, person, operator = scene
    _widen_the_window(monkeypatch)
    results = _hand_out_together(app, db, forum.id, person.id, operator.id)
    assert sorted(results) == ["handed_out"] + ["out"] * (DESKS - 1), results
    assert len(loans(db, person.id)) == 1


def test_negative_control_without_the_index_lends_several(app, db, scene, monkeypatch):
    forum, person, operator = scene
    _widen_the_window(monkeypatch)
    index = next(i for i in ReceiverLoan.__table__.indexes if i.name == "ux_receiver_loans_out")
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ux_receiver_loans_out"))
    try:
        results = _hand_out_together(app, db, forum.id, person.id, operator.id)
        out = len(loans(db, person.id))
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {ReceiverLoan.__tablename__}"))
            index.create(conn)
    assert out > 1, results
    assert results.count("handed_out") == out


def test_the_index_is_in_place(db):
    """The guard the race test relies on is what the migrations created."""
    rows = db.session.execute(select(func.count()).select_from(ReceiverLoan)).scalar()
    assert rows == 0
    dialect = db.engine.dialect.name
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_receiver_loans_out'"
        if dialect == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE name = 'ux_receiver_loans_out'"
    )
    definition = db.session.execute(text(query)).scalar()
    assert definition and "UNIQUE" in definition.upper() and "returned_at IS NULL" in definition
