"""Pages and downloads with personal data are never stored by a browser or a proxy."""

from __future__ import annotations

import pytest


@pytest.fixture
def workspace(app, make_forum, make_session, make_user, make_registration, login):
    forum = make_forum()
    session = make_session(forum, seats=10)
    registration = make_registration(forum, sessions=(session,), name="Alice Kim")
    organizer = make_user("admin", forum)
    return {
        "client": login(organizer),
        "organizer": organizer,
        "args": {
            "slug": forum.slug,
            "session_id": session.id,
            "registration_id": registration.id,
        },
    }


def organize_get_urls(app, args) -> list[str]:
    """Every GET address of the organizer workspace, with real ids."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("organize.") or rule.endpoint == "organize.static":
                continue
            if "GET" in rule.methods and rule.arguments <= set(args):  # venues etc. need ids
                urls.append(
                    rule.build({k: args[k] for k in rule.arguments}, append_unknown=False)[1]
                )
    return urls


def test_every_organizer_page_is_no_store(app, workspace):
    """Before: people, person, privacy, audit pages sent no Cache-Control at all."""
    urls = organize_get_urls(app, workspace["args"])
    slug = workspace["args"]["slug"]
    for expected in (
        f"/organize/forums/{slug}/people",
        f"/organize/forums/{slug}/people/{workspace['args']['registration_id']}",
        f"/organize/forums/{slug}/privacy",
        f"/organize/forums/{slug}/privacy/audit",
        "/organize/privacy",
        f"/organize/forums/{slug}/export/registrations.csv",
    ):
        assert expected in urls
    for url in urls:
        response = workspace["client"].get(url)
        assert response.status_code in (200, 302, 303), url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["Referrer-Policy"] == "no-referrer", url


def test_person_page_shows_the_person_and_is_no_store(workspace):
    args = workspace["args"]
    response = workspace["client"].get(
        f"/organize/forums/{args['slug']}/people/{args['registration_id']}"
    )
    assert "Alice Kim" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_password_and_sign_in_pages_are_no_store(workspace, login):
    assert workspace["client"].get("/account/password").headers["Cache-Control"] == "no-store"
    assert login().get("/login").headers["Cache-Control"] == "no-store"


def test_api_answers_to_a_bearer_token_are_no_store(app, workspace, api_token):
    token = api_token(workspace["organizer"])
    response = app.test_client().get(
        "/api/v1/organize/forums", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_stay_cacheable(client, workspace):
    response = client.get(f"/forums/{workspace['args']['slug']}")
    assert "no-store" not in response.headers.get("Cache-Control", "")
