"""The JSON API's contract: every /api/v1 route (method included) is an operation of the
generated OpenAPI document, and bodies of the wrong shape are answered in the API's own
translated messages, never in the model library's."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError
from werkzeug.routing import Map, Rule

from app.accounts.users import create_user, issue_api_token
from app.web.api.openapi import openapi_document

API_PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask for every route


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix(API_PREFIX))


def undocumented(url_map: Map, document: dict) -> list[str]:
    """Each API route and method the document has no operation for, as "METHOD /path"."""
    missing = []
    for rule in url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        documented = document["paths"].get(_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if method.lower() not in documented:
                missing.append(f"{method} {_path(rule.rule)}")
    return missing


def test_every_api_route_and_method_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(API_PREFIX + "/")]
    assert len(api_rules) >= 17
    assert undocumented(app.url_map, document) == []


def test_every_documented_operation_is_a_route(app):
    routes = {
        (method.lower(), _path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {
        (method, path)
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    assert documented == routes


def _with(app, *extra: Rule) -> Map:
    rules = [Rule(r.rule, methods=r.methods, endpoint=r.endpoint) for r in app.url_map.iter_rules()]
    return Map([*rules, *extra])


def test_the_check_fails_for_an_undocumented_route_or_method(app):
    """Negative control: a route added without an operation, or a method added to a
    documented path, is reported."""
    document = openapi_document()
    new_route = _with(app, Rule("/api/v1/forums/<slug>/badges", methods=["GET"], endpoint="x"))
    assert undocumented(new_route, document) == ["GET /forums/{slug}/badges"]
    new_method = _with(app, Rule("/api/v1/forums/<slug>", methods=["PUT"], endpoint="y"))
    assert undocumented(new_method, document) == ["PUT /forums/{slug}"]


def test_the_organizer_api_is_documented_with_its_bearer_token():
    document = openapi_document()
    organizer = {
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/organize/")
        for method in operations
    }
    # 15 for the agenda, 3 for the solver, 3 for invited people, 2 for comments, 2 for questions,
    # 4 for access services
    assert len(organizer) == 29
    for method, path in organizer:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"bearer": []}], (method, path)
        assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
    patch = document["paths"]["/organize/forums/{slug}/sessions/{session_id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert "revision" in schema["required"]
    assert schema["additionalProperties"] is False


@pytest.fixture
def forum_token(db, make_forum):
    forum = make_forum(slug="shape-forum", status="draft")
    user = create_user("shape@staff.example.org", "a long enough password 1", "admin")
    return forum, issue_api_token(user, "tests")


@pytest.mark.parametrize(
    ("language", "wrong_type", "unknown"),
    [
        ("en", "This field has the wrong type.", "Unknown field."),
        ("ko", "이 항목의 값 형식이 올바르지 않습니다.", "알 수 없는 필드입니다."),
    ],
)
def test_shape_errors_speak_the_apis_own_language(
    client, forum_token, language, wrong_type, unknown
):
    forum, token = forum_token
    response = client.post(
        f"/api/v1/organize/forums/{forum.slug}/venues",
        json={"name_en": ["Hall"], "floor_en": 3, "colour": "red"},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "name_en": [wrong_type],
        "floor_en": [wrong_type],
        "colour": [unknown],
    }


def test_a_registration_change_names_fields_that_cannot_change(client, make_forum):
    forum = make_forum()
    created = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "김민지",
            "email": "minji@example.org",
            "attendance": "in_person",
            "consent_personal_data": True,
        },
    )
    token = created.get_json()["manage_url"].rsplit("/", 1)[1]
    response = client.patch(
        f"/api/v1/registrations/{token}",
        json={"name": "New", "session_ids": [1.5]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "name": ["This field cannot be changed."],
        "session_ids": ["This field has the wrong type."],
    }


def test_a_response_that_does_not_fit_its_model_is_a_server_error(client, make_forum, monkeypatch):
    """A serialiser drifting from its model is a bug: it is raised (a 500), never answered
    422 as if the client had sent something wrong."""
    from app.web.api import forums

    make_forum()
    monkeypatch.setattr(forums, "_api_url", lambda base_url, slug: 42)
    with pytest.raises(ValidationError):
        client.get("/api/v1/forums")
