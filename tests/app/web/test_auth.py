"""Staff sign-in, sign-out, password change, the users CLI and API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import users
from app.core.tokens import hash_token
from app.models import ApiToken, User

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(db, make_forum):
    forum = make_forum()
    return {
        "forum": forum,
        "organizer": users.create_user(
            "Org@Example.org", PASSWORD, "organizer", forum_slugs=[forum.slug]
        ),
        "desk": users.create_user("desk@example.org", PASSWORD, "desk", forum_slugs=[forum.slug]),
    }


def login(client, email, password=PASSWORD, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.post(url, data={"email": email, "password": password})


def test_organizers_and_desk_staff_land_where_they_work(app, client, staff):
    response = login(client, "org@example.org")  # email is case-insensitive
    assert response.status_code == 303
    assert response.headers["Location"] == "/organize/"
    client.post("/logout")
    response = app.test_client().post(
        "/login", data={"email": "desk@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/desk/"


def test_a_wrong_password_or_unknown_email_gets_the_same_answer(client, staff):
    wrong = login(client, "org@example.org", "not the password")
    unknown = login(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "The email or password is not right."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/organize/").status_code == 302  # still signed out


@pytest.mark.parametrize(
    "target", ["https://evil.example.org/", "//evil.example.org/", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, staff, target):
    response = login(client, "org@example.org", next_=target)
    assert response.headers["Location"] == "/organize/"


def test_next_brings_you_back_to_the_page_you_wanted(client, staff):
    slug = staff["forum"].slug
    response = login(client, "desk@example.org", next_=f"/desk/{slug}")
    assert response.headers["Location"] == f"/desk/{slug}"


def test_logout_signs_you_out(client, staff):
    login(client, "org@example.org")
    assert client.get("/organize/").status_code == 200
    client.post("/logout")
    assert client.get("/organize/").status_code == 302


def test_password_change(app, client, staff):
    login(client, "org@example.org")
    wrong = client.post(
        "/account/password",
        data={"current_password": "nope nope nope", "new_password": "a new long password"},
    )
    assert wrong.status_code == 422
    assert "The current password is not right." in wrong.get_data(as_text=True)
    short = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    done = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert done.status_code == 303
    fresh = app.test_client()
    assert login(fresh, "org@example.org").status_code == 401
    assert login(fresh, "org@example.org", "a new long password").status_code == 303


def test_passwords_are_stored_as_argon2_hashes(db, staff):
    user = db.session.scalar(select(User).where(User.email == "org@example.org"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.usefixtures("english")
def test_users_cli_creates_an_account_and_refuses_bad_input(app, db, staff):
    runner = app.test_cli_runner()
    slug = staff["forum"].slug
    ok = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.org",
            "--role",
            "desk",
            "--forum",
            slug,
            "--password",
            PASSWORD,
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert "Created desk new@example.org." in ok.output
    bad = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "not-an-email",
            "--role",
            "organizer",
            "--forum",
            "no-such-forum",
            "--password",
            "short",
        ]
    )
    assert bad.exit_code == 1
    for field in ("email:", "password:", "forum:"):
        assert field in bad.output
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "NEW@example.org",
            "--role",
            "desk",
            "--password",
            PASSWORD,
        ]
    )
    assert duplicate.exit_code == 1 and "exists already" in duplicate.output


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(app, db, staff):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "--email", "desk@example.org", "--name", "t"])
    token = result.output.strip()
    assert len(token) >= 32
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert users.user_for_api_token(token).email == "desk@example.org"
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None
    assert users.user_for_api_token("made-up") is None
    row = db.session.get(ApiToken, row.id)
    row.revoked_at = row.last_used_at
    db.session.commit()
    assert users.user_for_api_token(token) is None
    unknown = runner.invoke(args=["users", "token", "--email", "nobody@example.org"])
    assert unknown.exit_code == 1
