"""No token, role or id of one forum or person opens another's data.

- A manage token opens its own registration only; a near miss opens nothing.
- An organizer of forum X: forum Y's pages answer 403; an id of Y's registration under X's
  address answers 404, and nothing is exported, erased or logged.
- Desk staff and signed-out visitors do not reach the privacy pages at all.
- An API token of forum X's organizer (or desk) cannot act on forum Y; API tokens and manage
  tokens are not interchangeable.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.users import issue_api_token
from app.models import ApiToken, AuditEntry, Registration
from tests.app.privacy.helpers import fresh


def rid(db, person) -> int:
    fresh(db)
    return db.session.scalar(
        select(Registration.id).where(Registration.confirmation_code == person.code)
    )


def audit_count(db) -> int:
    fresh(db)
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def two(db, make_forum, make_user, register):
    """Forums X and Y, a person in each, an organizer and a desk account for X only."""
    x, y = make_forum(slug="forum-x"), make_forum(slug="forum-y")
    a, b = register(x, tag="a"), register(y, tag="b")
    return {
        "x": x,
        "y": y,
        "a": a,
        "b": b,
        "organizer": make_user("organizer", x),
        "desk": make_user("desk", x),
        "admin": make_user("admin"),
    }


def test_a_manage_token_opens_its_own_registration_only(client, db, two):
    a, b = two["a"], two["b"]
    for token, person, other in ((a.manage_token, a, b), (b.manage_token, b, a)):
        for path in (f"/manage/{token}", f"/manage/{token}/export"):
            text = client.get(path).get_data(as_text=True)
            assert person.name in text and other.name not in text
        data = client.get(f"/api/v1/registrations/{token}").get_json()
        assert data["name"] == person.name
    # Near misses, the other token's calendar half, the hash itself: nothing.
    from app.core.tokens import hash_token

    for wrong in (
        a.manage_token[:-1],
        a.manage_token + "x",
        a.manage_token.upper(),
        a.calendar_token,
        hash_token(a.manage_token),
        a.code,
    ):
        assert client.get(f"/manage/{wrong}").status_code == 404
        assert client.get(f"/api/v1/registrations/{wrong}/export").status_code == 404
        assert client.post(
            f"/api/v1/registrations/{wrong}/erase", json={"confirm": True}
        ).status_code == (404)
    assert client.get(f"/calendar/{a.manage_token}.ics").status_code == 404


def test_an_organizer_of_x_cannot_open_y(db, two, login):
    x, y, b = two["x"], two["y"], two["b"]
    client = login(two["organizer"])
    b_id = rid(db, b)
    for path in (
        f"/organize/forums/{y.slug}/privacy",
        f"/organize/forums/{y.slug}/privacy/audit",
        f"/organize/forums/{y.slug}/privacy/registrations/{b_id}",
        f"/organize/forums/{y.slug}/people/{b_id}",
    ):
        assert client.get(path).status_code == 403, path
    for action in ("export", "erase"):
        path = f"/organize/forums/{y.slug}/privacy/registrations/{b_id}/{action}"
        assert client.post(path, data={"confirm": "y"}).status_code == 403
    # Y's registration id under X's own address: not found, whatever the action.
    for path in (
        f"/organize/forums/{x.slug}/privacy/registrations/{b_id}",
        f"/organize/forums/{x.slug}/privacy/audit?registration={b_id}",
        f"/organize/forums/{x.slug}/people/{b_id}",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("export", "erase"):
        path = f"/organize/forums/{x.slug}/privacy/registrations/{b_id}/{action}"
        response = client.post(path, data={"confirm": "y"})
        assert response.status_code == 404
        assert "Content-Disposition" not in response.headers
    cancel = client.post(f"/organize/forums/{x.slug}/people/{b_id}/cancel", data={})
    assert cancel.status_code == 404
    # Ids far outside the column's range are not found either (never a database error).
    huge = 2**63
    assert client.get(f"/organize/forums/{x.slug}/privacy/registrations/{huge}").status_code == (
        404
    )
    assert audit_count(db) == 0
    fresh(db)
    assert db.session.get(Registration, b_id).anonymised_at is None
    assert db.session.get(Registration, b_id).status == "confirmed"
    # The code look-up of X does not find Y's people.
    assert client.get(f"/organize/forums/{x.slug}/privacy?code={b.code}").status_code == 404


def test_desk_staff_and_visitors_do_not_reach_the_privacy_pages(db, two, login):
    x, a = two["x"], two["a"]
    a_id = rid(db, a)
    paths = [
        "/organize/privacy",
        f"/organize/forums/{x.slug}/privacy",
        f"/organize/forums/{x.slug}/privacy/audit",
        f"/organize/forums/{x.slug}/privacy/registrations/{a_id}",
    ]
    desk = login(two["desk"])
    visitor = login(None)
    for path in paths:
        assert desk.get(path).status_code == 403, path
        response = visitor.get(path)
        assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    for action in ("export", "erase"):
        path = f"/organize/forums/{x.slug}/privacy/registrations/{a_id}/{action}"
        assert desk.post(path, data={"confirm": "y"}).status_code == 403
        assert visitor.post(path, data={"confirm": "y"}).status_code in (302, 303)
    assert audit_count(db) == 0


def test_an_admin_reaches_every_forum(db, two, login):
    client = login(two["admin"])
    b_id = rid(db, two["b"])
    path = f"/organize/forums/{two['y'].slug}/privacy/registrations/{b_id}"
    assert client.get(path).status_code == 200
    assert client.post(f"{path}/export", data={}).status_code == 200
    assert audit_count(db) == 1


def test_an_api_token_of_x_cannot_act_on_y(client, db, two):
    x, y = two["x"], two["y"]
    organizer_token = issue_api_token(two["organizer"], "x")
    desk_token = issue_api_token(two["desk"], "x desk")

    def bearer(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    assert (
        client.get(f"/api/v1/organize/forums/{x.slug}", headers=bearer(organizer_token)).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/organize/forums/{y.slug}", headers=bearer(organizer_token)).status_code
        == 403
    )
    listed = client.get("/api/v1/organize/forums", headers=bearer(organizer_token)).get_json()
    assert [f["slug"] for f in listed["forums"]] == [x.slug]
    scan = client.post(
        f"/api/v1/forums/{y.slug}/checkins",
        json={"code": two["b"].code},
        headers=bearer(desk_token),
    )
    assert scan.status_code == 403
    # A registration of Y scanned at X's desk is refused without its details.
    other = client.post(
        f"/api/v1/forums/{x.slug}/checkins",
        json={"code": two["b"].code},
        headers=bearer(desk_token),
    )
    assert other.status_code in (404, 409)
    assert two["b"].name not in other.get_data(as_text=True)

    # Tokens do not stand in for each other.
    assert client.get(f"/api/v1/registrations/{organizer_token}").status_code == 404
    assert client.get(f"/manage/{organizer_token}").status_code == 404
    manage_as_bearer = client.get(
        f"/api/v1/organize/forums/{x.slug}", headers=bearer(two["a"].manage_token)
    )
    assert manage_as_bearer.status_code == 401

    # A revoked token opens nothing.
    from app.core.db import utcnow

    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "x"))
    row.revoked_at = utcnow()
    db.session.commit()
    revoked = client.get(f"/api/v1/organize/forums/{x.slug}", headers=bearer(organizer_token))
    assert revoked.status_code == 401


def test_a_registration_of_x_never_answers_for_y_in_the_api(client, db, two):
    """The public API takes no registration ids at all: only the secret token."""
    a_id = rid(db, two["a"])
    for path in (
        f"/api/v1/registrations/{a_id}",
        f"/api/v1/forums/{two['y'].slug}/registrations/{a_id}",
    ):
        assert client.get(path).status_code in (404, 405)
