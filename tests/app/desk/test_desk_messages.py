"""The desk's one field: each outcome gets its own clear message, and bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.tokens import display_code
from app.models import AuditEntry, CheckIn, Registration
from app.registration import operations as registrations
from tests.app.desk.helpers import page_text


def _scan(client, forum, q: str, **extra):
    return client.post(f"/desk/{forum.slug}", data={"q": q, **extra})


def _snapshot(db):
    db.session.rollback()
    registrations_state = sorted(
        (r.id, r.status, r.checked_in_at, r.name) for r in db.session.scalars(select(Registration))
    )
    rows = db.session.scalar(select(func.count()).select_from(CheckIn))
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return registrations_state, rows, audits


@pytest.fixture
def desk_client(client, open_forum, staff, login):
    forum = open_forum(in_person_capacity=10)
    user = staff("desk", forum, name="Desk Kim")
    login(client, user)
    return client, forum, user


def test_scanning_a_qr_code_checks_the_person_in_and_shows_them(desk_client, register, payload, db):
    client, forum, _ = desk_client
    person = register(
        forum,
        "김민지",
        affiliation="서울디지털재단",
        accessibility_needs=["wheelchair"],
    )
    response = _scan(client, forum, payload(person.confirmation_code))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page_text(response)
    assert 'role="status"' in page
    assert "Checked in" in text and "김민지 is checked in." in text
    assert "서울디지털재단" in text
    assert "In person" in text
    assert "Wheelchair access" in text  # the note, for the person being checked in
    db.session.rollback()
    rows = db.session.scalars(select(CheckIn)).all()
    assert [(r.registration_id, r.session_id, r.direction) for r in rows] == [
        (person.id, None, "in")
    ]
    assert db.session.get(Registration, person.id).checked_in_at is not None


def test_typing_the_code_with_a_dash_or_in_lower_case_checks_in(desk_client, register, db):
    client, forum, _ = desk_client
    person = register(forum, "Park Jun")
    response = _scan(client, forum, display_code(person.confirmation_code).lower())
    assert response.status_code == 200
    assert "Park Jun is checked in." in page_text(response)


def test_a_second_scan_says_already_checked_in_with_time_and_operator(
    desk_client, register, payload, db
):
    client, forum, _ = desk_client
    person = register(forum, "Lee Seo-yeon")
    _scan(client, forum, payload(person.confirmation_code))
    db.session.rollback()
    at = db.session.get(Registration, person.id).checked_in_at
    from zoneinfo import ZoneInfo

    hhmm = at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%H:%M")

    again = _scan(client, forum, payload(person.confirmation_code))
    assert again.status_code == 200
    text = page_text(again)
    assert f"Already checked in at {hhmm} by Desk Kim (Desk)." in text
    assert 'role="alert"' in again.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_cancelled_registration_gets_its_own_message(desk_client, register, payload, db):
    client, forum, _ = desk_client
    person = register(forum, "Choi Ha-eun")
    registrations.cancel_registration(person)
    before = _snapshot(db)
    response = _scan(client, forum, payload(person.confirmation_code))
    assert response.status_code == 409
    text = page_text(response)
    assert "Cancelled registration" in text
    assert "This registration was cancelled." in text
    assert _snapshot(db) == before


def test_a_waitlisted_only_person_gets_its_own_message(
    open_forum, client, staff, login, register, payload, db
):
    forum = open_forum(in_person_capacity=1)
    login(client, staff("desk", forum))
    register(forum, "First Person")
    waiting = register(forum, "Second Person")
    assert waiting.status == "waitlisted"
    before = _snapshot(db)
    response = _scan(client, forum, payload(waiting.confirmation_code))
    assert response.status_code == 409
    text = page_text(response)
    assert "Waiting list only" in text
    assert "only on the waiting list (position 1)" in text
    # Desk staff cannot admit; they are told to fetch an organizer.
    person_page = client.get(f"/desk/{forum.slug}/people/{waiting.id}")
    assert "Only an organizer can admit" in page_text(person_page)
    assert _snapshot(db) == before


def test_an_online_registration_is_not_admitted_in_person(desk_client, register, payload, db):
    client, forum, _ = desk_client
    person = register(forum, "Online Only", attendance="online")
    response = _scan(client, forum, payload(person.confirmation_code))
    assert response.status_code == 409
    assert "registered to attend online" in page_text(response)


def test_a_code_of_another_forum_gets_its_own_message_and_no_personal_data(
    desk_client, make_forum, register, payload, db
):
    client, forum, _ = desk_client
    other = make_forum(title_en="Smart City Week", title_ko="스마트도시 주간")
    stranger = register(other, "Stranger Danger", affiliation="Elsewhere Inc.")
    before = _snapshot(db)
    for scanned in (payload(stranger.confirmation_code), stranger.confirmation_code):
        response = _scan(client, forum, scanned)
        assert response.status_code == 409
        text = page_text(response)
        assert "Another forum's code" in text
        assert "belongs to another forum (Smart City Week)" in text
        assert "Stranger Danger" not in text and "Elsewhere Inc." not in text
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("scanned", "title", "message"),
    [
        ("4006381333931", "Not a Madang code", "This is not a Madang QR code"),
        ("https://example.org/ticket/42", "Not a Madang code", "This is not a Madang QR code"),
        ("MDG1:ABCD", "Incomplete scan", "read only in part"),
        ("MDG1:ABCDEFGH:0123", "Incomplete scan", "read only in part"),
        ("MDG1:ABCDEFGH:0123456789abcdef", "Invalid QR signature", "signature is not valid"),
        ("ABCD-EFG0", "Not a valid code", "there is no 0, O, 1, I or L"),
    ],
)
def test_bad_scans_get_a_clear_message_and_change_nothing(
    desk_client, register, db, scanned, title, message
):
    client, forum, _ = desk_client
    register(forum, "Someone")
    before = _snapshot(db)
    response = _scan(client, forum, scanned)
    assert response.status_code == 422
    text = page_text(response)
    assert title in text and message in text
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _snapshot(db) == before


def test_a_payload_of_a_real_code_with_a_forged_signature_is_refused(
    desk_client, register, payload, db
):
    client, forum, _ = desk_client
    person = register(forum, "Real Person")
    genuine = payload(person.confirmation_code)
    forged = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    truncated = genuine[:-3]
    before = _snapshot(db)
    assert "Invalid QR signature" in page_text(_scan(client, forum, forged))
    assert "Incomplete scan" in page_text(_scan(client, forum, truncated))
    for response_text in (page_text(_scan(client, forum, forged)),):
        assert "Real Person" not in response_text
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE registrations; --",
        "' OR '1'='1",
        "%an%",  # a live wildcard would match "Anna"
        "S_hmidt",  # and this "Schmidt"
        "Robert'); DELETE FROM checkins; --",
    ],
)
def test_sql_in_the_search_field_finds_nothing_and_changes_nothing(
    desk_client, register, db, query
):
    client, forum, _ = desk_client
    register(forum, "김민지")
    register(forum, "Anna Schmidt")
    before = _snapshot(db)
    response = _scan(client, forum, query)
    assert response.status_code == 200
    text = page_text(response)
    assert "Nobody matches" in text
    assert "김민지" not in text and "Anna Schmidt" not in text
    assert _snapshot(db) == before


def test_a_lone_wildcard_lists_nobody(desk_client, register, db):
    client, forum, _ = desk_client
    register(forum, "Anna Schmidt")
    before = _snapshot(db)
    for query in ("%", "%%", "_"):
        response = _scan(client, forum, query)
        assert response.status_code == 422
        assert "Anna Schmidt" not in page_text(response)
    assert _snapshot(db) == before


def test_html_in_the_search_field_is_escaped(desk_client, register, db):
    client, forum, _ = desk_client
    register(forum, "Anna Schmidt")
    before = _snapshot(db)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _scan(client, forum, attack)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    assert _snapshot(db) == before


def test_html_in_a_stored_name_is_escaped_on_the_desk(desk_client, register, db):
    client, forum, _ = desk_client
    register(forum, "<b>Bold</b> Kim")
    response = _scan(client, forum, "Bold")
    page = response.get_data(as_text=True)
    assert "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; Kim" in page


def test_korean_partial_search_finds_the_person(desk_client, register, db):
    client, forum, _ = desk_client
    minji = register(forum, "김민지", affiliation="서울시청")
    register(forum, "박서준", affiliation="부산시청")
    response = _scan(client, forum, "민지")
    assert response.status_code == 200
    text = page_text(response)
    assert "김민지" in text and "박서준" not in text
    assert "1 person matches “민지”." in text
    # With a space, the way some people type Korean names.
    assert "김민지" in page_text(_scan(client, forum, "김 민지"))
    # By affiliation (partial) and by email (partial, any case).
    assert "김민지" in page_text(_scan(client, forum, "서울시"))
    assert "박서준" not in page_text(_scan(client, forum, "서울시"))
    assert "김민지" in page_text(_scan(client, forum, minji.email.split("@")[0].upper()))
    # A search checks nobody in.
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_latin_partial_search_ignores_case(desk_client, register):
    client, forum, _ = desk_client
    register(forum, "Anna Schmidt", affiliation="Stadt Wien")
    text = page_text(_scan(client, forum, "schm"))
    assert "Anna Schmidt" in text and "Stadt Wien" in text


def test_a_code_shaped_name_falls_back_to_a_search(desk_client, register):
    client, forum, _ = desk_client
    register(forum, "Parkjune Lee")
    text = page_text(_scan(client, forum, "PARKJUNE"))
    assert "Parkjune Lee" in text


def test_checking_in_from_the_search_results(desk_client, register, db):
    client, forum, user = desk_client
    person = register(forum, "김민지")
    found = client.post(f"/desk/{forum.slug}", data={"q": "민지"})
    assert f"/desk/{forum.slug}/people/{person.id}/check-in" in found.get_data(as_text=True)
    response = client.post(f"/desk/{forum.slug}/people/{person.id}/check-in")
    assert response.status_code == 200
    assert "김민지 is checked in." in page_text(response)
    db.session.rollback()
    row = db.session.scalar(select(CheckIn))
    assert (row.registration_id, row.operator_id, row.desk) == (person.id, user.id, "Desk")


def test_the_desk_name_is_recorded_with_each_check_in(desk_client, register, payload, db):
    client, forum, _ = desk_client
    person = register(forum, "Named Desk")
    client.post(f"/desk/{forum.slug}/desk-name", data={"desk_label": "Main entrance"})
    _scan(client, forum, payload(person.confirmation_code))
    db.session.rollback()
    assert db.session.scalar(select(CheckIn.desk)) == "Main entrance"


def test_a_closed_desk_checks_nobody_in(client, make_forum, staff, login, register, payload, db):
    forum = make_forum()  # its days are a month away; nobody opened the desk
    login(client, staff("desk", forum))
    person = register(forum, "Too Early")
    page = client.get(f"/desk/{forum.slug}")
    assert "The desk is closed" in page_text(page)
    before = _snapshot(db)
    response = _scan(client, forum, payload(person.confirmation_code))
    assert response.status_code == 409
    assert "Desk closed" in page_text(response)
    assert _snapshot(db) == before


def test_the_person_page_shows_needs_only_for_that_person(desk_client, register):
    client, forum, _ = desk_client
    one = register(forum, "Needs Person", accessibility_needs=["sign_language"])
    register(forum, "Needs Other", accessibility_needs=["wheelchair"])
    text = page_text(client.get(f"/desk/{forum.slug}/people/{one.id}"))
    assert "Sign-language interpretation" in text
    assert "Wheelchair access" not in text
    # The search list shows nobody's needs.
    listing = page_text(_scan(client, forum, "Needs"))
    assert "Needs Person" in listing and "Needs Other" in listing
    assert "Sign-language" not in listing and "Wheelchair" not in listing


def test_recording_leaving_adds_an_out_row_and_keeps_the_first_time(
    desk_client, register, payload, db
):
    client, forum, _ = desk_client
    person = register(forum, "Goes Home")
    _scan(client, forum, payload(person.confirmation_code))
    db.session.rollback()
    first = db.session.get(Registration, person.id).checked_in_at
    response = client.post(f"/desk/{forum.slug}/people/{person.id}/check-out")
    assert response.status_code == 200
    assert "Check-out recorded" in page_text(response)
    db.session.rollback()
    assert [r.direction for r in db.session.scalars(select(CheckIn).order_by(CheckIn.id))] == [
        "in",
        "out",
    ]
    assert db.session.get(Registration, person.id).checked_in_at == first


def test_an_organizer_admits_a_waitlisted_person_beyond_capacity_with_a_reason(
    client, open_forum, staff, login, register, payload, db
):
    forum = open_forum(in_person_capacity=1)
    organizer = staff("organizer", forum)
    login(client, organizer)
    register(forum, "Has Place")
    waiting = register(forum, "Speaker Guest")
    missing = client.post(f"/desk/{forum.slug}/people/{waiting.id}/admit", data={})
    assert missing.status_code == 422
    assert "Give the reason" in page_text(missing)
    response = client.post(
        f"/desk/{forum.slug}/people/{waiting.id}/admit",
        data={"over_capacity_reason": "Invited guest of the mayor"},
    )
    assert response.status_code == 200
    assert "Speaker Guest is checked in." in page_text(response)
    db.session.rollback()
    fresh = db.session.get(Registration, waiting.id)
    assert (fresh.status, fresh.over_capacity_reason) == ("confirmed", "Invited guest of the mayor")
    assert fresh.checked_in_at is not None
    assert db.session.get(type(forum), forum.id).in_person_taken == 2
    audit = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admitted_over_capacity")
    )
    assert audit.user_id == organizer.id and audit.details == {
        "reason": "Invited guest of the mayor"
    }


def test_desk_staff_cannot_admit_from_the_waitlist(client, open_forum, staff, login, register, db):
    forum = open_forum(in_person_capacity=1)
    login(client, staff("desk", forum))
    register(forum, "Has Place")
    waiting = register(forum, "Wants In")
    before = _snapshot(db)
    response = client.post(
        f"/desk/{forum.slug}/people/{waiting.id}/admit",
        data={"over_capacity_reason": "please"},
    )
    assert response.status_code == 403
    assert _snapshot(db) == before
