"""Staff sign-in, sign-out, password change, the users CLI and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts import users
from app.core.tokens import hash_token
from app.extensions import limiter
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


# ------------------------------------------------------- sessions and accounts (finding 6)


def copy_of_session(app, client):
    """Another browser holding a captured copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_captured_cookie_stops_working_at_sign_out(app, client, staff):
    """Before: a cookie captured before logout still opened the organizer pages."""
    login(client, "org@example.org")
    thief = copy_of_session(app, client)
    assert thief.get("/organize/").status_code == 200
    client.post("/logout")
    assert thief.get("/organize/").status_code == 302
    assert client.get("/organize/").status_code == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, staff):
    """Before: a cookie captured before a password change still worked."""
    login(client, "org@example.org")
    other = app.test_client()
    login(other, "org@example.org")
    thief = copy_of_session(app, client)
    done = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "another fine passphrase"},
    )
    assert done.status_code == 303
    assert client.get("/organize/").status_code == 200
    assert other.get("/organize/").status_code == 302
    assert thief.get("/organize/").status_code == 302


def test_a_session_from_another_version_or_of_a_bad_shape_is_refused(app, staff):
    from app.auth import load_user

    user = staff["organizer"]
    assert load_user(user.get_id()) is user
    for session_id in (str(user.id), f"{user.id}:{user.session_version + 1}", "x:0", f"{user.id}:"):
        assert load_user(session_id) is None


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "1234567890", "123456789012", "qwerty123456", "Password1234", "short one"],
)
def test_weak_and_common_passwords_are_refused(db, staff, password):
    """Before: `aaaaaaaaaa` and `1234567890` were accepted."""
    from app.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        users.create_user("weak@example.org", password, "desk")
    assert set(exc.value.errors) == {"password"}
    with pytest.raises(ValidationFailed) as exc:
        users.change_password(staff["desk"], PASSWORD, password)
    assert set(exc.value.errors) == {"new_password"}


def test_every_common_password_of_twelve_characters_or_more_is_refused(db):
    long_common = [word for word in users.common_passwords() if len(word) >= 12][:50]
    assert len(long_common) == 50
    for password in long_common:
        assert users.password_problems(password), password


def test_a_password_containing_the_account_name_is_refused(db, staff):
    assert users.password_problems("desk correct horse battery", email="desk@example.org")
    assert users.password_problems("correct horse battery", email="desk@example.org") == []


def test_a_password_change_below_the_policy_keeps_the_form_with_the_reason(client, staff):
    login(client, "org@example.org")
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "123456789012"}
    )
    assert response.status_code == 422
    assert "too common or too easy to guess" in response.get_data(as_text=True)


def test_deactivate_ends_sessions_sign_in_and_tokens(app, db, client, staff):
    login(client, "org@example.org")
    token = users.issue_api_token(staff["organizer"], "laptop")
    assert users.user_for_api_token(token) is not None
    result = app.test_cli_runner().invoke(
        args=["users", "deactivate", "--email", "ORG@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert client.get("/organize/").status_code == 302
    assert login(app.test_client(), "org@example.org").status_code == 401
    assert users.user_for_api_token(token) is None
    db.session.expire_all()
    assert all(row.revoked_at is not None for row in db.session.scalars(select(ApiToken)))
    unknown = app.test_cli_runner().invoke(args=["users", "deactivate", "--email", "x@y.org"])
    assert unknown.exit_code == 1 and "No account" in unknown.output


def test_unassign_takes_a_forum_away_from_an_open_session(app, client, staff):
    slug = staff["forum"].slug
    login(client, "org@example.org")
    assert client.get(f"/organize/forums/{slug}").status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "unassign", "--email", "org@example.org", "--forum", slug]
    )
    assert result.exit_code == 0, result.output
    assert client.get(f"/organize/forums/{slug}").status_code in (403, 404)
    again = runner.invoke(args=["users", "unassign", "--email", "org@example.org", "--forum", slug])
    assert again.exit_code == 1 and "does not work on" in again.output


def test_tokens_are_listed_with_last_use_and_can_be_revoked_and_expire(app, db, staff):
    runner = app.test_cli_runner()
    issued = runner.invoke(
        args=[
            "users",
            "token",
            "--email",
            "desk@example.org",
            "--name",
            "door 2",
            "--expires-in-days",
            "30",
        ]
    )
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    forever = users.issue_api_token(staff["desk"], "scanner")
    assert users.user_for_api_token(token) is not None

    listing = runner.invoke(args=["users", "tokens", "--email", "desk@example.org"])
    lines = listing.output.strip().splitlines()
    assert len(lines) == 2
    door = next(line for line in lines if "door 2" in line)
    assert "\tactive\t" in door and "expires 20" in door and "last used 20" in door
    scanner = next(line for line in lines if "scanner" in line)
    assert "expires -" in scanner and "last used -" in scanner

    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "door 2"))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert users.user_for_api_token(token) is None
    assert (
        "\texpired\t"
        in runner.invoke(args=["users", "tokens", "--email", "desk@example.org"]).output
    )

    scanner_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "scanner"))
    revoked = runner.invoke(args=["users", "revoke-token", "--id", str(scanner_id)])
    assert revoked.exit_code == 0 and "Revoked token" in revoked.output
    assert users.user_for_api_token(forever) is None
    missing = runner.invoke(args=["users", "revoke-token", "--id", "999999"])
    assert missing.exit_code == 1


@pytest.fixture
def low_account_limit(app):
    previous = app.config["LOGIN_ACCOUNT_RATE_LIMIT"]
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "3/minute"
    limiter.reset()
    yield
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = previous
    limiter.reset()


def login_from(app, address, email, password=PASSWORD):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return login(client, email, password)


def test_sign_in_is_throttled_per_account_whatever_the_address(app, staff, low_account_limit):
    """Before: only per address, so guesses spread over addresses were never slowed."""
    # Successful sign-ins do not count against the account.
    for n in range(4):
        assert login_from(app, f"10.0.0.{n}", "org@example.org").status_code == 303
    for n in range(3):
        assert login_from(app, f"10.0.1.{n}", "org@example.org", "wrong guess").status_code == 401
    assert login_from(app, "10.0.2.1", "ORG@example.org", "wrong guess").status_code == 429
    assert login_from(app, "10.0.2.2", "org@example.org").status_code == 429
    # Another account is not affected.
    assert login_from(app, "10.0.2.3", "desk@example.org").status_code == 303


def test_the_password_page_states_the_policy(client, staff):
    login(client, "org@example.org")
    page = client.get("/account/password").get_data(as_text=True)
    assert "At least 12 characters, and not a common or easily guessed password." in page
