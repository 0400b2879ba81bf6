"""Choosing a listening language, a receiver and access services on the registration form, the
manage page and the registrations API: stored, shown to the person, every bad input a field
error or a 4xx with nothing written."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import OutboxMessage, Registration, ServiceRequest, SessionService
from tests.app.web.test_register_form import assert_field_error, form, text_of, url


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db) -> tuple:
    db.session.expire_all()
    return (
        count(db, Registration),
        count(db, ServiceRequest),
        count(db, OutboxMessage),
        db.session.execute(
            select(Registration.listening_language, Registration.needs_receiver)
        ).all(),
    )


@pytest.fixture
def scene(db, make_forum, make_session):
    forum = make_forum()
    keynote = make_session(forum, title_en="Keynote", language="ko", format="hybrid")
    tour = make_session(forum, title_en="Tour", language="ko", seats=10, start="14:00", end="15:00")
    db.session.add(
        SessionService(
            forum_id=forum.id,
            session_id=keynote.id,
            kind="interpretation",
            language="en",
            status="confirmed",
        )
    )
    db.session.commit()
    return forum, keynote, tour


# --------------------------------------------------------------------------- the form


def test_the_form_offers_the_languages_a_receiver_and_services_with_labels(web, scene):
    forum, keynote, tour = scene
    page = web.get(url(forum)).get_data(as_text=True)
    select_tag = re.search(r'<select[^>]*name="listening_language"[^>]*>(.*?)</select>', page, re.S)
    assert select_tag, "no listening language"
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<', select_tag.group(1))
    assert options == [
        ("", "The language spoken on the floor"),
        ("ko", "Korean"),
        ("en", "English"),
    ]
    assert '<label for="listening_language">' in page
    assert 'name="needs_receiver"' in page
    box = f'value="{keynote.id}:ksl:"'
    assert box in page
    tag = re.search(rf"<input[^>]*{re.escape(box)}[^>]*>", page).group(0)
    box_id = re.search(r'id="([^"]+)"', tag).group(1)
    assert f'<label for="{box_id}">Korean Sign Language</label>' in page
    # No interpretation into the floor's own language is offered to ask for.
    assert f'value="{keynote.id}:interpretation:ko"' not in page
    assert f'value="{keynote.id}:interpretation:en"' in page
    assert f'value="{tour.id}:captions:en"' in page


def test_registering_with_a_language_a_receiver_and_requests(web, db, scene):
    forum, keynote, tour = scene
    data = form(
        listening_language="en",
        needs_receiver="y",
        consent_accessibility="y",
        session_ids=[str(tour.id)],
        service_requests=[f"{keynote.id}:ksl:", f"{tour.id}:captions:en"],
    )
    response = web.post(url(forum), data=data)
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:600]
    registration = db.session.scalar(select(Registration))
    assert (registration.listening_language, registration.needs_receiver) == ("en", True)
    assert {
        (r.session_id, r.kind, r.language) for r in db.session.scalars(select(ServiceRequest))
    } == {
        (keynote.id, "ksl", ""),
        (tour.id, "captions", "en"),
    }


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"listening_language": "xx"}, "listening_language", "is not a language code"),
        ({"listening_language": "fr"}, "listening_language", "None of your sessions"),
        (
            {"attendance": "online", "listening_language": "en", "needs_receiver": "y"},
            "needs_receiver",
            "Receivers are lent in the hall only",
        ),
        ({"needs_receiver": "y"}, "needs_receiver", "not one spoken on the floor"),
        ({"service_requests": ["KEYNOTE:ksl:"]}, "consent_accessibility", "separate consent"),
        (
            {"consent_accessibility": "y", "service_requests": ["TOUR:ksl:"]},
            "service_requests",
            "only in a session you attend",
        ),
        (
            {"consent_accessibility": "y", "service_requests": ["garbage"]},
            "service_requests",
            "only in a session you attend",
        ),
        (
            {"consent_accessibility": "y", "service_requests": ["KEYNOTE:interpretation:ko"]},
            "service_requests",
            "spoken in Korean already",
        ),
    ],
)
def test_bad_choices_are_field_errors_and_nothing_is_written(
    web, db, scene, fields, field_id, message
):
    forum, keynote, tour = scene
    if "service_requests" in fields:
        fields["service_requests"] = [
            v.replace("KEYNOTE", str(keynote.id)).replace("TOUR", str(tour.id))
            for v in fields["service_requests"]
        ]
    before = snapshot(db)
    response = web.post(url(forum), data=form(**fields))
    page = response.get_data(as_text=True)
    assert response.status_code == 422, text_of(page)[:500]
    assert_field_error(page, field_id, message)
    assert snapshot(db) == before


# ------------------------------------------------------------------------ manage page


def manage_token(db, web, forum, **fields) -> str:
    response = web.post(url(forum), data=form(**fields))
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:600]
    mail = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
    return mail.context["manage_token"]


def test_the_manage_page_shows_and_changes_the_choices(web, db, scene):
    forum, keynote, _tour = scene
    token = manage_token(
        db,
        web,
        forum,
        listening_language="en",
        consent_accessibility="y",
        service_requests=[f"{keynote.id}:ksl:"],
    )
    page = web.get(f"/manage/{token}").get_data(as_text=True)
    text = text_of(page)
    assert re.search(r"Listening language\s*English", text)
    assert re.search(r"Keynote\s*Korean Sign Language\s*Waiting for an answer", text)
    assert re.search(rf'<input[^>]*value="{keynote.id}:ksl:"[^>]*checked', page)
    assert '<option selected value="en">English</option>' in page
    # Changing works like registering: one request swapped for another, a receiver added.
    response = web.post(
        f"/manage/{token}",
        data={
            "attendance": "in_person",
            "listening_language": "en",
            "needs_receiver": "y",
            "service_requests": [f"{keynote.id}:captions:en"],
        },
    )
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:600]
    registration = db.session.scalar(select(Registration))
    assert registration.needs_receiver is True
    assert [(r.kind, r.language) for r in db.session.scalars(select(ServiceRequest))] == [
        ("captions", "en")
    ]


def test_a_bad_change_on_the_manage_page_is_a_field_error_and_changes_nothing(web, db, scene):
    forum, keynote, _ = scene
    token = manage_token(db, web, forum)
    before = snapshot(db)
    response = web.post(
        f"/manage/{token}",
        data={
            "attendance": "online",
            "listening_language": "en",
            "needs_receiver": "y",
            "service_requests": [f"{keynote.id}:ksl:"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(page, "needs_receiver", "Receivers are lent in the hall only")
    assert "consent_accessibility-error" in page
    assert snapshot(db) == before
    # The consent ticked on the manage page lets the request through.
    response = web.post(
        f"/manage/{token}",
        data={
            "attendance": "in_person",
            "consent_accessibility": "y",
            "service_requests": [f"{keynote.id}:ksl:"],
        },
    )
    assert response.status_code == 303
    assert count(db, ServiceRequest) == 1


def test_after_the_window_the_manage_page_refuses_new_requests(web, db, scene):
    forum, keynote, _ = scene
    token = manage_token(db, web, forum)
    forum.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    before = snapshot(db)
    response = web.post(
        f"/manage/{token}",
        data={
            "attendance": "in_person",
            "consent_accessibility": "y",
            "service_requests": [f"{keynote.id}:ksl:"],
        },
    )
    assert response.status_code == 409
    assert "can no longer be asked for" in text_of(response.get_data(as_text=True))
    assert snapshot(db) == before


# -------------------------------------------------------------------------------- API


def api_body(**fields) -> dict:
    values = {
        "name": "Jane Doe",
        "email": "jane@example.org",
        "attendance": "in_person",
        "locale": "en",
        "consent_personal_data": True,
    }
    values.update(fields)
    return values


def test_the_api_takes_and_shows_the_choices(client, db, scene):
    forum, keynote, _ = scene
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json=api_body(
            listening_language="en",
            needs_receiver=True,
            consent_accessibility=True,
            service_requests=[{"session_id": keynote.id, "kind": "ksl"}],
        ),
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["listening_language"] == "en"
    assert created["needs_receiver"] is True
    assert created["service_requests"] == [
        {"session_id": keynote.id, "kind": "ksl", "language": "", "status": "open"}
    ]
    token = created["manage_url"].rsplit("/", 1)[1]
    shown = client.get(f"/api/v1/registrations/{token}").get_json()
    assert shown["service_requests"] == created["service_requests"]
    changed = client.patch(
        f"/api/v1/registrations/{token}",
        json={
            "service_requests": [
                {"session_id": keynote.id, "kind": "transcript", "language": "en"}
            ],
            "needs_receiver": False,
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["needs_receiver"] is False
    assert body["listening_language"] == "en"  # not sent: kept
    assert [r["kind"] for r in body["service_requests"]] == ["transcript"]
    export = client.get(f"/api/v1/registrations/{token}/export")
    assert export.status_code == 200, export.get_json()
    assert export.get_json()["languages"] == {"listening_language": "en", "needs_receiver": False}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"listening_language": "klingon"}, "listening_language"),
        ({"listening_language": 3}, "listening_language"),
        (
            {"attendance": "online", "listening_language": "en", "needs_receiver": True},
            "needs_receiver",
        ),
        ({"service_requests": [{"session_id": 1, "kind": "ksl"}]}, "consent_accessibility"),
        (
            {
                "consent_accessibility": True,
                "service_requests": [{"session_id": "KEYNOTE", "kind": "captions"}],
            },
            "service_requests",
        ),
        (
            {
                "consent_accessibility": True,
                "service_requests": [{"session_id": "KEYNOTE", "kind": "ksl", "extra": 1}],
            },
            "service_requests",
        ),
        ({"consent_accessibility": True, "service_requests": "ksl"}, "service_requests"),
    ],
)
def test_the_api_refuses_bad_choices_with_422_and_writes_nothing(client, db, scene, fields, field):
    forum, keynote, _ = scene
    for item in (
        fields.get("service_requests", [])
        if isinstance(fields.get("service_requests"), list)
        else []
    ):
        if item.get("session_id") in ("KEYNOTE", 1):
            item["session_id"] = keynote.id
    before = snapshot(db)
    response = client.post(f"/api/v1/forums/{forum.slug}/registrations", json=api_body(**fields))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert snapshot(db) == before


def test_the_api_refuses_new_requests_after_the_window_with_409(client, db, scene):
    forum, keynote, _ = scene
    created = client.post(f"/api/v1/forums/{forum.slug}/registrations", json=api_body()).get_json()
    token = created["manage_url"].rsplit("/", 1)[1]
    forum.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    before = snapshot(db)
    response = client.patch(
        f"/api/v1/registrations/{token}",
        json={
            "consent_accessibility": True,
            "service_requests": [{"session_id": keynote.id, "kind": "ksl"}],
        },
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "registration_closed"
    assert snapshot(db) == before
