"""POST /api/v1/forums/<slug>/checkins with a desk bearer token."""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import func, select

from app.accounts.users import issue_api_token
from app.models import CheckIn
from app.registration import operations as registrations
from app.web.api.openapi import openapi_document


@pytest.fixture
def api(client, open_forum, staff):
    forum = open_forum(in_person_capacity=1, title_en="API Forum")
    user = staff("desk", forum, name="Scanner Park")
    token = issue_api_token(user, "desk tablet 1")

    def post(body=None, *, slug=None, auth=token, **kwargs):
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        return client.post(
            f"/api/v1/forums/{slug or forum.slug}/checkins", json=body, headers=headers, **kwargs
        )

    return forum, user, post


def validate(instance, schema_name: str) -> None:
    """A response against its schema in the OpenAPI document (JSON Schema 2020-12)."""
    doc = openapi_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


def _rows(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def test_201_then_200_with_the_time(api, register, payload, db):
    forum, _, post = api
    person = register(forum, "김민지", accessibility_needs=["live_captions"])
    first = post({"code": payload(person.confirmation_code), "desk": "Gate A"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["status"] == "checked_in"
    assert body["by"] == "Scanner Park" and body["desk"] == "Gate A"
    assert body["registration"]["name"] == "김민지"
    assert body["registration"]["accessibility_needs"] == ["live_captions"]
    assert "email" not in body["registration"]
    again = post({"code": person.confirmation_code})
    assert again.status_code == 200
    later = again.get_json()
    assert later["status"] == "already_checked_in"
    assert later["checked_in_at"] == body["checked_in_at"]
    assert later["checked_in_at_utc"] == body["checked_in_at_utc"]
    assert body["checked_in_at"].endswith("+09:00") and body["checked_in_at_utc"].endswith("Z")
    validate(body, "CheckIn")
    validate(later, "CheckIn")
    assert (later["by"], later["desk"]) == ("Scanner Park", "Gate A")
    assert first.headers["Cache-Control"] == "no-store"
    assert _rows(db) == 1


def test_404_for_an_unknown_code(api, db):
    _, _, post = api
    response = post({"code": "ABCD-EFGH"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_code"
    assert _rows(db) == 0


def test_409_for_cancelled_waitlisted_online_and_another_forums_code(
    api, register, payload, make_forum, db
):
    forum, _, post = api
    register(forum, "Has The Place")
    waiting = register(forum, "Waiting")
    online = register(forum, "Online", attendance="online")
    cancelled = register(forum, "Cancelled", attendance="online")
    registrations.cancel_registration(cancelled)
    stranger = register(make_forum(), "Stranger")
    expected = {
        waiting.confirmation_code: ("not_admitted", "waitlisted"),
        online.confirmation_code: ("not_admitted", "online"),
        cancelled.confirmation_code: ("registration_cancelled", None),
        stranger.confirmation_code: ("other_forum", None),
    }
    for code, (error, reason) in expected.items():
        response = post({"code": payload(code)})
        assert response.status_code == 409, code
        body = response.get_json()
        assert body["error"] == error and body.get("reason") == reason
        validate(body, "CheckInError")
        assert "Stranger" not in body["message"]
    assert _rows(db) == 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("MDG1:ABCDEFGH:0123456789abcdef", "forged"),
        ("MDG1:ABCDEF", "truncated"),
        ("8801234567890", "garbage"),
        ("김민지", "code_only"),  # the API never searches by name
        ("", "empty"),
    ],
)
def test_422_for_garbled_payloads(api, register, db, code, reason):
    forum, _, post = api
    register(forum, "김민지")
    response = post({"code": code})
    assert response.status_code == 422
    assert response.get_json()["reason"] == reason
    validate(response.get_json(), "CheckInError")
    assert _rows(db) == 0


def test_401_without_or_with_a_bad_token(api, register, payload, db):
    forum, _, post = api
    person = register(forum, "Someone")
    for auth in (None, "not-a-token", "x" * 300):
        response = post({"code": payload(person.confirmation_code)}, auth=auth)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A revoked token, and the token of a deactivated account.
    from app.core.db import utcnow
    from app.models import ApiToken

    db.session.rollback()
    for row in db.session.scalars(select(ApiToken)):
        row.revoked_at = utcnow()
    db.session.commit()
    assert post({"code": payload(person.confirmation_code)}).status_code == 401
    assert _rows(db) == 0


def test_403_for_a_token_of_another_forum(api, open_forum, staff, register, payload, client, db):
    _, _, post = api
    other = open_forum()
    person = register(other, "Elsewhere")
    response = post({"code": payload(person.confirmation_code)}, slug=other.slug)
    assert response.status_code == 403
    assert post({"code": "ABCD-EFGH"}, slug="no-such-forum").status_code == 404
    assert _rows(db) == 0


def test_415_for_a_body_that_is_not_json(api, register, db):
    forum, _, post = api
    person = register(forum, "Someone")
    response = post(None, data=f"code={person.confirmation_code}")
    assert response.status_code == 415
    wrong_type = post({"code": 12345678})
    assert wrong_type.status_code == 422
    assert post(["not", "an", "object"]).status_code == 422
    assert _rows(db) == 0


def test_session_check_in_through_the_api(api, register, make_session, payload, db):
    forum, _, post = api
    tour = make_session(forum, kind="tour", seats=5, title_en="Tour")
    person = register(forum, "Tourist", sessions=(tour,))
    response = post({"code": payload(person.confirmation_code), "session_id": tour.id})
    assert response.status_code == 201
    assert response.get_json()["session_id"] == tour.id
    assert post({"code": person.confirmation_code, "session_id": 2**40}).status_code == 404
    assert post({"code": person.confirmation_code, "session_id": True}).status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(CheckIn.session_id)) == tour.id


def test_a_closed_desk_refuses_through_the_api(client, make_forum, staff, register, payload, db):
    forum = make_forum()
    token = issue_api_token(staff("desk", forum))
    person = register(forum, "Early")
    response = client.post(
        f"/api/v1/forums/{forum.slug}/checkins",
        json={"code": payload(person.confirmation_code)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "desk_closed"


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/forums/{slug}/checkins"]["post"]
    assert {"200", "201", "401", "403", "404", "409", "415", "422"} <= set(operation["responses"])
