"""The comment event through the JSON API: taking part (202 whatever the address), the wall,
likes (201 new, 200 again), and moderation with an organizer's bearer token."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import schemathesis
from schemathesis import GenerationMode
from sqlalchemy import func, select

from app.accounts.users import issue_api_token
from app.core.db import utcnow
from app.models import CommentEntry, OutboxMessage, User
from app.voices import comments
from app.web.api.openapi import openapi_document
from tests.app.privacy.test_fuzz import EXAMPLES, operations, run_cases
from tests.app.voices.test_comments import add_entry, entry_body, make_event

EN = {"Accept-Language": "en"}
VOTER = "my-client-id-0123456789"


@pytest.fixture
def forum(make_forum):
    return make_forum(slug="leaders-2020")


@pytest.fixture
def event(db, forum):
    return make_event(db, forum)


def count_entries(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(CommentEntry.id)))


def token_for(db, role: str, *forums) -> str:
    user = User(
        email=f"{role}-{secrets.token_hex(3)}@staff.example.org",
        name=role,
        password_hash="unused",
        role=role,
    )
    user.forums = list(forums)
    db.session.add(user)
    db.session.commit()
    return issue_api_token(user, "tests")


# ========================================================================= taking part


def test_every_address_is_answered_202(db, client, forum, event):
    url = f"/api/v1/forums/{forum.slug}/comments"
    new = client.post(url, json=entry_body(1))
    unconfirmed = client.post(url, json=entry_body(1, comment="replaced"))
    comments.confirm(
        forum, db.session.scalars(select(OutboxMessage)).all()[-1].context["confirm_token"]
    )
    confirmed = client.post(url, json=entry_body(1, comment="ignored"))
    for response in (new, unconfirmed, confirmed):
        assert response.status_code == 202
        assert response.get_json() == {"status": "confirmation_sent"}
    assert count_entries(db) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": 3}, "name"),
        ({"email": "nobody"}, "email"),
        ({"comment": "x" * 201}, "comment"),
        ({"comment": "a\nb"}, "comment"),
        ({"comment": "<b>ok</b>\u0007"}, "comment"),
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_bad_fields_are_422_by_field(db, client, forum, event, body, field):
    response = client.post(
        f"/api/v1/forums/{forum.slug}/comments", json=entry_body(1, **body), headers=EN
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count_entries(db) == 0


def test_outside_the_window_is_409(db, client, forum):
    now = utcnow()
    make_event(db, forum, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    response = client.post(f"/api/v1/forums/{forum.slug}/comments", json=entry_body(1))
    assert response.status_code == 409
    assert response.get_json()["error"] == "comments_closed"
    assert count_entries(db) == 0


def test_no_forum_or_no_event_is_404(db, client, forum, make_forum):
    assert (
        client.post(f"/api/v1/forums/{forum.slug}/comments", json=entry_body()).status_code == 404
    )
    assert client.get("/api/v1/forums/nowhere/comments").status_code == 404
    draft = make_forum(status="draft")
    make_event(db, draft)
    assert client.get(f"/api/v1/forums/{draft.slug}/comments").status_code == 404


# ========================================================================= the wall


def test_the_wall_with_masked_names_sorted_and_paged(db, client, forum, event):
    start = utcnow() - timedelta(hours=2)
    for n in range(55):
        add_entry(db, event, n, name="김민지", created_at=start + timedelta(minutes=n))
    add_entry(db, event, "top", name="Jane Doe", text="<i>top</i>", likes=5, sample=True)
    add_entry(db, event, "hidden", status="hidden")

    body = client.get(f"/api/v1/forums/{forum.slug}/comments").get_json()
    assert body["event"]["prompt"] == {
        "ko": "포용적 스마트시티는 ○○○다",
        "en": "An inclusive smart city is …",
    }
    assert body["event"]["prizes"] == 3 and body["event"]["max_length"] == 200
    assert body["event"]["opens_at"].endswith("+09:00")
    assert (body["page"], body["pages"], len(body["comments"])) == (1, 2, 50)
    assert body["comments"][0]["text"] == "<i>top</i>"  # the newest: added last
    assert {c["name"] for c in body["comments"]} == {"김*지", "J*** D**"}

    top = client.get(f"/api/v1/forums/{forum.slug}/comments?sort=top&page=1").get_json()
    first = top["comments"][0]
    assert (first["likes"], first["sample"], first["name"]) == (5, True, "J*** D**")
    assert set(first) == {"id", "name", "text", "likes", "created_at", "sample"}
    last = client.get(f"/api/v1/forums/{forum.slug}/comments?page=9").get_json()
    assert last["page"] == 2 and len(last["comments"]) == 6


@pytest.mark.parametrize("query", ["sort=best", "page=0", "page=x", "page=-1"])
def test_a_bad_query_is_422(client, forum, event, query):
    response = client.get(f"/api/v1/forums/{forum.slug}/comments?{query}")
    assert response.status_code == 422


# ========================================================================= likes


def test_likes_201_then_200_per_voter(db, client, forum, event):
    entry = add_entry(db, event, 1)
    url = f"/api/v1/forums/{forum.slug}/comments/{entry.id}/likes"
    first = client.post(url, json={"voter": VOTER})
    assert (first.status_code, first.get_json()) == (201, {"likes": 1})
    again = client.post(url, json={"voter": VOTER})
    assert (again.status_code, again.get_json()) == (200, {"likes": 1})
    other = client.post(url, json={"voter": "another-client-id-987654"})
    assert (other.status_code, other.get_json()) == (201, {"likes": 2})


@pytest.mark.parametrize(
    "voter", [None, "", "short", "has spaces in it!!", "x" * 65, 12345678901234567]
)
def test_a_bad_voter_is_422(db, client, forum, event, voter):
    entry = add_entry(db, event, 1)
    response = client.post(
        f"/api/v1/forums/{forum.slug}/comments/{entry.id}/likes", json={"voter": voter}
    )
    assert response.status_code == 422
    assert "voter" in response.get_json()["errors"]


def test_only_published_comments_can_be_liked(db, client, forum, event):
    pending = add_entry(db, event, 1, status="pending")
    for entry_id in (pending.id, 424242):
        response = client.post(
            f"/api/v1/forums/{forum.slug}/comments/{entry_id}/likes", json={"voter": VOTER}
        )
        assert response.status_code == 404


# ========================================================================= organizers


def test_organizers_list_and_moderate(db, client, forum, event):
    token = token_for(db, "organizer", forum)
    auth = {"Authorization": f"Bearer {token}", **EN}
    pending = add_entry(db, event, 1, status="pending", email="kim@example.org")
    add_entry(db, event, 2, email="lee@example.org")
    listing = client.get(f"/api/v1/organize/forums/{forum.slug}/comments", headers=auth)
    assert listing.status_code == 200
    assert {c["email"] for c in listing.get_json()["comments"]} == {
        "kim@example.org",
        "lee@example.org",
    }
    waiting = client.get(
        f"/api/v1/organize/forums/{forum.slug}/comments?status=pending", headers=auth
    ).get_json()
    assert [c["id"] for c in waiting["comments"]] == [pending.id]

    url = f"/api/v1/organize/forums/{forum.slug}/comments/{pending.id}/moderation"
    published = client.post(url, json={"action": "publish"}, headers=auth)
    assert published.status_code == 200
    assert published.get_json()["comment"]["status"] == "published"
    refused = client.post(url, json={"action": "hide"}, headers=auth)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    hidden = client.post(url, json={"action": "hide", "reason": "Spam"}, headers=auth)
    assert hidden.get_json()["comment"]["hidden_reason"] == "Spam"
    assert client.post(url, json={"action": "delete"}, headers=auth).status_code == 422


def test_moderation_needs_an_organizer_of_that_forum(db, client, forum, event, make_forum):
    entry = add_entry(db, event, 1, status="pending")
    url = f"/api/v1/organize/forums/{forum.slug}/comments/{entry.id}/moderation"
    assert client.post(url, json={"action": "publish"}).status_code == 401
    for token in (token_for(db, "desk", forum), token_for(db, "organizer", make_forum())):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post(url, json={"action": "publish"}, headers=headers).status_code == 403
        listing = client.get(f"/api/v1/organize/forums/{forum.slug}/comments", headers=headers)
        assert listing.status_code == 403
    db.session.rollback()
    assert db.session.get(CommentEntry, entry.id).status == "pending"


def test_the_operations_are_documented():
    paths = openapi_document()["paths"]
    assert paths["/forums/{slug}/comments"]["post"]["tags"] == ["voices"]
    assert set(paths["/forums/{slug}/comments"]) == {"get", "post"}
    assert "201" in paths["/forums/{slug}/comments/{comment_id}/likes"]["post"]["responses"]
    moderation = paths["/organize/forums/{slug}/comments/{comment_id}/moderation"]["post"]
    assert moderation["tags"] == ["organize"] and moderation["security"] == [{"bearer": []}]


# ========================================================================= schemathesis


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_comment_operations_answer_as_documented(app, db, forum, event, mode):
    """Schemathesis on the comment operations only (public and organizer), with the real
    forum's slug, a published comment and an organizer's token: every answer fits the
    document and none is a 5xx."""
    shown = add_entry(db, event, 1)
    token = token_for(db, "organizer", forum)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [op for op in operations(schema, mode) if "/comments" in op.path]
    assert len(found) == 5
    for operation in found:
        fixed = {"slug": forum.slug}
        if mode == GenerationMode.POSITIVE and "comment_id" in operation.path:
            fixed["comment_id"] = shown.id
        strategy = operation.as_strategy(
            generation_mode=mode,
            path_parameters=fixed,
            headers={"Authorization": f"Bearer {token}"},
        )
        run_cases(strategy, EXAMPLES * 2)
