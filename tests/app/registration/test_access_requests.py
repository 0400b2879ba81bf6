"""Languages and access services at the service level: the listening language, the receiver,
requests (stored with the registration, changed like it, refused after the window), the
organizer's planning counts and answers (with their mail), the person's export and erasure.

Every refusal checks that nothing was written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app.core.errors import RegistrationClosed, ValidationFailed
from app.models import (
    OutboxMessage,
    Registration,
    ServiceRequest,
    SessionService,
    User,
)
from app.privacy import operations as privacy
from app.programme import csv_io
from app.registration import access_requests
from app.registration import operations as registrations

pytestmark = pytest.mark.usefixtures("english")


def person(n: int | str = 1, **fields) -> registrations.RegistrationRequest:
    values = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "attendance": "in_person",
        "locale": "ko",
        "consent_personal_data": True,
    }
    values.update(fields)
    return registrations.RegistrationRequest(**values)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db) -> tuple:
    db.session.expire_all()
    return (
        count(db, Registration),
        count(db, ServiceRequest),
        count(db, OutboxMessage),
        count(db, SessionService),
        db.session.execute(
            select(Registration.id, Registration.listening_language, Registration.needs_receiver)
        ).all(),
    )


def service(db, session, kind, language="", status="confirmed") -> SessionService:
    row = SessionService(
        forum_id=session.forum_id,
        session_id=session.id,
        kind=kind,
        language=language,
        status=status,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def scene(db, make_forum, make_session, make_venue):
    """A hybrid forum: a Korean keynote for everyone (interpreted into English), and a Korean
    workshop with seats of its own (no interpretation), in two halls."""
    forum = make_forum()
    hall = make_venue(forum, name_en="Multipurpose Hall", name_ko="다목적홀")
    room = make_venue(forum, name_en="Taepyeong Hall", name_ko="태평홀")
    keynote = make_session(
        forum, title_en="Keynote", format="hybrid", language="ko", venue=hall, start="09:00"
    )
    workshop = make_session(
        forum,
        title_en="Workshop",
        language="ko",
        seats=30,
        venue=room,
        start="11:00",
        end="12:00",
    )
    service(db, keynote, "interpretation", "en")
    return forum, keynote, workshop


def wish(session, kind, language="") -> dict:
    return {"session_id": session.id, "kind": kind, "language": language}


# ------------------------------------------------------------------------ registering


def test_a_language_a_receiver_and_requests_are_stored_with_the_registration(db, scene):
    forum, keynote, workshop = scene
    result = registrations.register(
        forum,
        person(
            listening_language="en",
            needs_receiver=True,
            session_ids=[workshop.id],
            consent_accessibility=True,
            service_requests=[
                wish(workshop, "ksl"),
                wish(workshop, "interpretation", "en"),
                wish(keynote, "captions", "ko"),
                wish(workshop, "ksl"),  # the same twice: one request
            ],
        ),
    )
    registration = result.registration
    assert (registration.listening_language, registration.needs_receiver) == ("en", True)
    rows = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
    assert sorted((r.session_id, r.kind, r.language, r.status) for r in rows) == sorted(
        [
            (workshop.id, "ksl", "", "open"),
            (workshop.id, "interpretation", "en", "open"),
            (keynote.id, "captions", "ko", "open"),
        ]
    )


def test_asking_for_nothing_costs_no_language_query(db, scene):
    # The registration rush: most people ask for no language or service. Their registration
    # must not read the sessions' services or their own requests (it has none).
    forum, keynote, workshop = scene
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        plain = registrations.register(forum, person(1, session_ids=[workshop.id]))
        empty = registrations.register(forum, person(2, listening_language="", service_requests=[]))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not [s for s in statements if "session_services" in s or "service_requests" in s]
    assert plain.service_requests == [] and empty.service_requests == []
    # Asking does read them, and leaves the answer's requests to be read.
    asked = registrations.register(
        forum, person(3, consent_accessibility=True, service_requests=[wish(keynote, "ksl")])
    )
    assert asked.service_requests is None
    assert [r.kind for r in access_requests.requests_of(asked.registration)] == ["ksl"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"listening_language": "xx"}, "listening_language", "is not a language code"),
        ({"listening_language": "fr"}, "listening_language", "None of your sessions"),
        ({"listening_language": 7}, "listening_language", "Choose a language"),
        (
            {"attendance": "online", "listening_language": "en", "needs_receiver": True},
            "needs_receiver",
            "Receivers are lent in the hall only",
        ),
        ({"listening_language": "ko", "needs_receiver": True}, "needs_receiver", "not one spoken"),
        ({"needs_receiver": True}, "needs_receiver", "not one spoken"),
        ({"needs_receiver": "yes"}, "needs_receiver", "wrong type"),
    ],
)
def test_bad_languages_and_receivers_are_refused_and_nothing_is_written(
    db, scene, fields, field, message
):
    forum, _, _ = scene
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        registrations.register(forum, person(**fields))
    assert any(message in m for m in refused.value.errors[field]), refused.value.errors
    assert snapshot(db) == before


def test_the_language_must_be_heard_in_a_chosen_session(db, make_forum, make_session):
    """English is heard only in a seated session the person did not choose."""
    forum = make_forum()
    chosen = make_session(forum, language="ko", seats=10, start="09:00")
    other = make_session(forum, language="en", seats=10, start="11:00", end="12:00")
    with pytest.raises(ValidationFailed) as refused:
        registrations.register(forum, person(listening_language="en", session_ids=[chosen.id]))
    assert "listening_language" in refused.value.errors
    result = registrations.register(
        forum, person(2, listening_language="en", session_ids=[other.id])
    )
    assert result.registration.listening_language == "en"


def test_a_cancelled_interpretation_is_not_a_language_to_listen_in(db, scene):
    forum, _keynote, _ = scene
    db.session.execute(SessionService.__table__.update().values(status="cancelled"))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        registrations.register(forum, person(listening_language="en"))
    assert "listening_language" in refused.value.errors


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ("ksl", "Send a list of requests"),
        (["ksl"], "Send a list of requests"),
        ([{"session_id": 999999, "kind": "ksl"}], "only in a session you attend"),
        ([{"session_id": "abc", "kind": "ksl"}], "only in a session you attend"),
        ([{"session_id": True, "kind": "ksl"}], "only in a session you attend"),
        ("workshop-unchosen", "only in a session you attend"),
        ("keynote:sign-language", "Choose one of"),
        ("keynote:ksl:ko", "takes no language code"),
        ("keynote:captions:", "need a language code"),
        ("keynote:transcript:zz", "is not a language code"),
        ("keynote:interpretation:ko", "spoken in Korean already"),
        ("keynote:captions:7", "wrong type"),
        ("too-many", "at most"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(db, scene, requests, message):
    forum, keynote, workshop = scene
    if requests == "workshop-unchosen":
        requests = [wish(workshop, "ksl")]
    elif requests == "too-many":
        requests = [wish(keynote, "captions", c) for c in ("ko", "en", "fr")] * 20
    elif isinstance(requests, str) and requests.startswith("keynote:"):
        _, kind, *language = requests.split(":")
        value = language[0] if language else None
        requests = [
            {
                "session_id": keynote.id,
                "kind": kind,
                "language": 7 if value == "7" else value,
            }
        ]
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        registrations.register(forum, person(consent_accessibility=True, service_requests=requests))
    assert any(message in m for m in refused.value.errors["service_requests"]), refused.value.errors
    assert snapshot(db) == before


def test_requests_need_the_accessibility_consent(db, scene):
    forum, keynote, _ = scene
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        registrations.register(forum, person(service_requests=[wish(keynote, "ksl")]))
    assert "separate consent" in refused.value.errors["consent_accessibility"][0]
    assert snapshot(db) == before


def test_a_request_for_what_is_not_offered_yet_is_accepted(db, scene):
    """Requests are how people ask for what is not offered: only interpretation into the
    floor's own language is refused (above)."""
    forum, keynote, _ = scene
    registrations.register(
        forum,
        person(
            consent_accessibility=True,
            service_requests=[
                wish(keynote, "interpretation", "ja"),
                wish(keynote, "transcript", "en"),
            ],
        ),
    )
    assert count(db, ServiceRequest) == 2


def test_registering_after_the_window_is_refused_whatever_is_asked(db, scene):
    forum, keynote, _ = scene
    forum.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    before = snapshot(db)
    with pytest.raises(RegistrationClosed):
        registrations.register(
            forum,
            person(consent_accessibility=True, service_requests=[wish(keynote, "ksl")]),
        )
    assert snapshot(db) == before


# ------------------------------------------------------------------------- changing


def registered(forum, n=1, **fields):
    return registrations.register(forum, person(n, **fields)).registration


def test_changing_adds_and_removes_requests_and_keeps_answers(db, scene):
    forum, keynote, workshop = scene
    registration = registered(
        forum, consent_accessibility=True, service_requests=[wish(keynote, "ksl")]
    )
    row = db.session.scalar(select(ServiceRequest))
    row.status = "confirmed"
    db.session.commit()
    registrations.update_registration(
        registration,
        session_ids=[workshop.id],
        languages=access_requests.LanguageChoice(
            "en", True, [wish(keynote, "ksl"), wish(workshop, "international_sign")]
        ),
    )
    rows = {
        (r.session_id, r.kind): r.status for r in db.session.scalars(select(ServiceRequest)).all()
    }
    assert rows == {(keynote.id, "ksl"): "confirmed", (workshop.id, "international_sign"): "open"}
    registrations.update_registration(
        registration, languages=access_requests.LanguageChoice("", False, [])
    )
    assert count(db, ServiceRequest) == 0
    db.session.refresh(registration)
    assert (registration.listening_language, registration.needs_receiver) == ("", False)


def test_a_change_without_languages_keeps_what_still_holds_and_drops_the_rest(db, scene):
    forum, keynote, workshop = scene
    registration = registered(
        forum,
        session_ids=[workshop.id],
        listening_language="en",
        needs_receiver=True,
        consent_accessibility=True,
        service_requests=[wish(keynote, "ksl"), wish(workshop, "ksl")],
    )
    # Switching to online: no receiver any more; the workshop (in person) goes, its request too.
    registrations.update_registration(registration, attendance="online", session_ids=[])
    db.session.refresh(registration)
    assert (registration.listening_language, registration.needs_receiver) == ("en", False)
    assert [(r.session_id, r.kind) for r in db.session.scalars(select(ServiceRequest))] == [
        (keynote.id, "ksl")
    ]


def test_a_bad_change_writes_nothing(db, scene):
    forum, keynote, _ = scene
    registration = registered(forum, listening_language="en", needs_receiver=True)
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        registrations.update_registration(
            registration,
            attendance="online",
            languages=access_requests.LanguageChoice("en", True, [wish(keynote, "ksl")]),
        )
    assert set(refused.value.errors) == {"needs_receiver", "consent_accessibility"}
    assert snapshot(db) == before


def test_the_consent_can_be_given_on_the_manage_page(db, scene):
    forum, keynote, _ = scene
    registration = registered(forum)
    registrations.update_registration(
        registration,
        languages=access_requests.LanguageChoice("", False, [wish(keynote, "ksl")]),
        consent_accessibility=True,
    )
    db.session.refresh(registration)
    assert registration.accessibility_consent is True
    assert registration.accessibility_consented_at is not None
    assert count(db, ServiceRequest) == 1


def test_after_the_window_nothing_new_is_asked_but_requests_can_be_withdrawn(db, scene):
    forum, keynote, _ = scene
    registration = registered(
        forum, consent_accessibility=True, service_requests=[wish(keynote, "ksl")]
    )
    forum.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    before = snapshot(db)
    for choice in (
        access_requests.LanguageChoice(
            "", False, [wish(keynote, "ksl"), wish(keynote, "international_sign")]
        ),
        access_requests.LanguageChoice("en", False, [wish(keynote, "ksl")]),
        access_requests.LanguageChoice("en", True, [wish(keynote, "ksl")]),
    ):
        with pytest.raises(RegistrationClosed) as refused:
            registrations.update_registration(registration, languages=choice)
        assert "languages, receivers and access services" in refused.value.message
        assert snapshot(db) == before
    registrations.update_registration(
        registration, languages=access_requests.LanguageChoice("", False, [])
    )
    assert count(db, ServiceRequest) == 0


# ------------------------------------------------------------------------- planning


def organizer(db) -> User:
    user = User(email="org@example.org", name="Org", role="organizer", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def test_planning_counts_receivers_per_session_and_hall(db, scene, make_session):
    forum, _keynote, workshop = scene
    service(db, workshop, "interpretation", "en", status="planned")
    registered(forum, 1, listening_language="en", needs_receiver=True)
    registered(forum, 2, listening_language="en", needs_receiver=True, session_ids=[workshop.id])
    registered(forum, 3, listening_language="en")  # no receiver
    registered(forum, 4, attendance="online", listening_language="en")
    cancelled = registered(forum, 5, listening_language="en", needs_receiver=True)
    registrations.cancel_registration(cancelled)
    plan = access_requests.planning(forum, "en")
    by_title = {row.session.title_en: row for hall in plan.halls for row in hall.sessions}
    assert by_title["Keynote"].by_language == {"en": 2}
    assert by_title["Workshop"].by_language == {"en": 1}
    assert {hall.venue_name for hall in plan.halls} == {"Multipurpose Hall", "Taepyeong Hall"}


def test_planning_sets_requests_against_what_is_offered(db, scene):
    forum, keynote, workshop = scene
    for n in range(3):
        registered(
            forum,
            n,
            session_ids=[workshop.id],
            consent_accessibility=True,
            service_requests=[wish(workshop, "ksl"), wish(keynote, "interpretation", "en")],
        )
    plan = access_requests.planning(forum, "en")
    found = {(d.session.id, d.kind, d.language): (d.asked, d.open, d.offered) for d in plan.demand}
    assert found == {
        (workshop.id, "ksl", ""): (3, 3, None),
        (keynote.id, "interpretation", "en"): (3, 3, "confirmed"),
    }
    assert len(plan.tasks) == 2


def test_confirming_a_group_offers_the_service_answers_everyone_and_mails_each(db, scene):
    forum, _keynote, workshop = scene
    people = [
        registered(
            forum,
            n,
            session_ids=[workshop.id],
            consent_accessibility=True,
            service_requests=[wish(workshop, "ksl")],
        )
        for n in range(3)
    ]
    people[2].locale = "en"
    db.session.commit()
    before_mail = count(db, OutboxMessage)
    done = access_requests.answer(
        forum,
        {"session_id": str(workshop.id), "kind": "ksl", "language": "", "answer": "confirm"},
        organizer(db),
    )
    assert done.people == 3
    offered = db.session.scalar(
        select(SessionService).where(SessionService.session_id == workshop.id)
    )
    assert (offered.kind, offered.status) == ("ksl", "confirmed")
    assert {r.status for r in db.session.scalars(select(ServiceRequest))} == {"confirmed"}
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "service_answer")
        .order_by(OutboxMessage.id)
    ).all()
    assert count(db, OutboxMessage) == before_mail + 3
    assert [m.locale for m in mails] == ["ko", "ko", "en"]
    assert mails[0].context == {
        "registration_id": people[0].id,
        "session_id": workshop.id,
        "kind": "ksl",
        "language": "",
        "answer": "confirmed",
        "note": "",
    }
    assert access_requests.planning(forum, "en").tasks == []


def test_confirming_sets_a_planned_service_confirmed(db, scene):
    forum, _keynote, workshop = scene
    planned = service(db, workshop, "captions", "en", status="planned")
    registered(
        forum,
        session_ids=[workshop.id],
        consent_accessibility=True,
        service_requests=[wish(workshop, "captions", "en")],
    )
    access_requests.answer(
        forum,
        {"session_id": workshop.id, "kind": "captions", "language": "en", "answer": "confirm"},
        organizer(db),
    )
    db.session.refresh(planned)
    assert planned.status == "confirmed"
    assert count(db, SessionService) == 2  # the keynote's interpretation, and this one


def test_declining_leaves_the_services_alone_and_mails_the_note(db, scene):
    forum, keynote, _ = scene
    registered(forum, consent_accessibility=True, service_requests=[wish(keynote, "ksl")])
    services_before = count(db, SessionService)
    access_requests.answer(
        forum,
        {
            "session_id": keynote.id,
            "kind": "ksl",
            "language": "",
            "answer": "decline",
            "note": "No interpreter is free that day.\nSorry.",
        },
        organizer(db),
    )
    assert count(db, SessionService) == services_before
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "service_answer"))
    assert mail.context["answer"] == "declined"
    assert mail.context["note"] == "No interpreter is free that day.\nSorry."
    with pytest.raises(access_requests.AlreadyAnswered):
        access_requests.answer(
            forum,
            {"session_id": keynote.id, "kind": "ksl", "language": "", "answer": "confirm"},
            organizer_again(db),
        )
    assert count(db, SessionService) == services_before  # the refused confirm left nothing


def organizer_again(db) -> User:
    return db.session.scalar(select(User))


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"session_id": "x", "kind": "ksl", "answer": "confirm"}, "session_id"),
        ({"session_id": 0, "kind": "ksl", "answer": "confirm"}, "session_id"),
        ({"kind": "sign", "answer": "confirm"}, "kind"),
        ({"kind": "ksl", "language": "ko", "answer": "confirm"}, "language"),
        ({"kind": "captions", "language": "", "answer": "confirm"}, "language"),
        ({"kind": "ksl", "answer": "maybe"}, "answer"),
        ({"kind": "ksl", "answer": "decline", "note": "x" * 501}, "note"),
    ],
)
def test_bad_answers_are_refused_and_nothing_changes(db, scene, raw, field):
    forum, keynote, _ = scene
    registered(forum, consent_accessibility=True, service_requests=[wish(keynote, "ksl")])
    raw = {"session_id": keynote.id, **raw}
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        access_requests.answer(forum, raw, organizer(db))
    assert field in refused.value.errors
    assert snapshot(db)[1:4] == before[1:4]


def test_a_session_of_another_forum_cannot_be_answered(db, scene, make_forum, make_session):
    forum, _, _ = scene
    other = make_session(make_forum(), language="ko")
    with pytest.raises(ValidationFailed) as refused:
        access_requests.answer(
            forum, {"session_id": other.id, "kind": "ksl", "answer": "confirm"}, organizer(db)
        )
    assert "session_id" in refused.value.errors


# ------------------------------------------------------------------------- privacy


def test_the_export_carries_the_persons_languages_and_requests(db, scene):
    forum, keynote, _ = scene
    registration = registered(
        forum,
        listening_language="en",
        needs_receiver=True,
        consent_accessibility=True,
        service_requests=[wish(keynote, "ksl")],
    )
    data = privacy.export_registration(registration)
    assert data["languages"] == {"listening_language": "en", "needs_receiver": True}
    [asked] = data["service_requests"]
    assert (asked["session_id"], asked["kind"], asked["language"], asked["status"]) == (
        keynote.id,
        "ksl",
        "",
        "open",
    )
    assert data["receiver_loans"] == []


def test_erasure_takes_the_requests_and_the_language_with_it(db, scene):
    forum, keynote, _ = scene
    registration = registered(
        forum,
        listening_language="en",
        needs_receiver=True,
        consent_accessibility=True,
        service_requests=[wish(keynote, "ksl")],
    )
    keeper = registered(
        forum, 2, consent_accessibility=True, service_requests=[wish(keynote, "ksl")]
    )
    privacy.erase_registration(registration)
    db.session.expire_all()
    assert [r.registration_id for r in db.session.scalars(select(ServiceRequest))] == [keeper.id]
    erased = db.session.get(Registration, registration.id)
    assert (erased.listening_language, erased.needs_receiver) == ("", False)


def test_organizer_csv_exports_carry_no_per_person_needs(db, scene):
    forum, keynote, _ = scene
    registered(
        forum,
        listening_language="en",
        needs_receiver=True,
        consent_accessibility=True,
        service_requests=[wish(keynote, "international_sign")],
    )
    people = csv_io.export_registrations(forum, organizer(db))
    programme = csv_io.export_programme(forum)
    header = people.splitlines()[0].lstrip("\ufeff")
    for text in (header, people, programme):
        for word in ("listening", "receiver", "international_sign", "service", "interpretation"):
            assert word not in text.casefold()
    # The row itself does not carry the chosen language either (the only "en" is the locale).
    [row] = people.splitlines()[1:]
    assert row.count(",en,") == 0 and "en" not in row.split(",")[4:]


def test_requests_of_cancelled_registrations_are_neither_counted_nor_answered(db, scene):
    forum, keynote, _ = scene
    staying = registered(
        forum, 1, consent_accessibility=True, service_requests=[wish(keynote, "ksl")]
    )
    leaving = registered(
        forum, 2, consent_accessibility=True, service_requests=[wish(keynote, "ksl")]
    )
    registrations.cancel_registration(leaving)
    [demand] = access_requests.planning(forum, "en").demand
    assert (demand.asked, demand.open) == (1, 1)
    done = access_requests.answer(
        forum,
        {"session_id": keynote.id, "kind": "ksl", "language": "", "answer": "confirm"},
        organizer(db),
    )
    assert done.people == 1
    statuses = dict(
        db.session.execute(select(ServiceRequest.registration_id, ServiceRequest.status)).all()
    )
    assert statuses == {staying.id: "confirmed", leaving.id: "open"}
