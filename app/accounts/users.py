"""Staff accounts: creation, passwords (Argon2id), sign-in, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core.db import db, utcnow, write_transaction
from app.core.errors import NotFound, ValidationFailed
from app.core.text import normalise_email
from app.core.tokens import hash_token, new_token
from app.models import ApiToken, Forum, ForumAssignment, User
from app.models.enums import USER_ROLES

_hasher = PasswordHasher()
# ASVS 5.0 (6.2.1, 6.2.4): at least 12 characters, none of the commonly used passwords.
MIN_PASSWORD = 12
MAX_PASSWORD = 200
# zxcvbn's score: 0-1 is guessed within a million tries (repeats, sequences, keyboard walks).
MIN_PASSWORD_SCORE = 2
# Verified against when the email is unknown, so timing does not tell who has an account.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the public leaks zxcvbn ships, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why `password` may not be used (an empty list: it may)."""
    if len(password) < MIN_PASSWORD:
        return [_("Use at least %(n)d characters.", n=MIN_PASSWORD)]
    if len(password) > MAX_PASSWORD:
        return [_("Use at most %(n)d characters.", n=MAX_PASSWORD)]
    from zxcvbn import zxcvbn

    folded = password.casefold()
    if (
        folded in common_passwords()
        or (email and email.casefold().split("@")[0] in folded)
        or zxcvbn(password[:100], user_inputs=[email] if email else [])["score"]
        < MIN_PASSWORD_SCORE
    ):
        return [_("This password is too common or too easy to guess. Choose another one.")]
    return []


def create_user(
    email: str, password: str, role: str, *, name: str = "", forum_slugs: list[str] = ()
) -> User:
    errors: dict[str, list[str]] = {}
    checked = normalise_email(email)
    if checked is None:
        errors["email"] = [_("Enter a valid email address, like name@example.org.")]
    if role not in USER_ROLES:
        errors["role"] = [_("Choose one of: %(roles)s.", roles=", ".join(USER_ROLES))]
    if problems := password_problems(password, email=checked[1] if checked else ""):
        errors["password"] = problems
    forums = []
    for slug in forum_slugs:
        forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
        if forum is None:
            errors.setdefault("forum", []).append(_("There is no forum %(slug)s.", slug=slug))
        forums.append(forum)
    if checked and db.session.scalar(select(User).where(User.email == checked[1])):
        errors["email"] = [_("An account with this email exists already.")]
    if errors:
        raise ValidationFailed(errors)
    with write_transaction():
        user = User(email=checked[1], name=name, password_hash=hash_password(password), role=role)
        user.forums = [f for f in forums if f is not None]
        db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    checked = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == checked[1])) if checked else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with write_transaction():
            user.password_hash = hash_password(password)
    return user


def change_password(user: User, current: str, new: str) -> None:
    errors: dict[str, list[str]] = {}
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        errors["current_password"] = [_("The current password is not right.")]
    if problems := password_problems(new, email=user.email):
        errors["new_password"] = problems
    if errors:
        raise ValidationFailed(errors)
    with write_transaction():
        user.password_hash = hash_password(new)
        user.session_version += 1  # every other session of the account ends


def end_sessions(user: User) -> None:
    """Sign the account out everywhere (a sign-out ends the account's other sessions too)."""
    with write_transaction():
        user.session_version += 1


def user_by_email(email: str) -> User:
    checked = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == checked[1])) if checked else None
    if user is None:
        raise NotFound(f"No account with the email {email}.")
    return user


def deactivate(user: User) -> None:
    """The account can no longer sign in; its sessions end and its API tokens are revoked."""
    now = utcnow()
    with write_transaction():
        user.active = False
        user.session_version += 1
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def unassign(user: User, forum_slug: str) -> None:
    """Take the account off a forum; its open sessions lose that forum on their next request."""
    assignment = db.session.scalar(
        select(ForumAssignment)
        .join(Forum, Forum.id == ForumAssignment.forum_id)
        .where(ForumAssignment.user_id == user.id, Forum.slug == forum_slug)
    )
    if assignment is None:
        raise NotFound(f"{user.email} does not work on {forum_slug}.")
    with write_transaction():
        db.session.delete(assignment)
    db.session.expire(user, ["forums"])


def issue_api_token(user: User, name: str = "", *, valid_for: timedelta | None = None) -> str:
    """A new bearer token for `user`; the plain token is shown once, only its hash is kept.
    With `valid_for` it stops working after that long."""
    token = new_token()
    expires_at = utcnow() + valid_for if valid_for is not None else None
    with write_transaction():
        db.session.add(
            ApiToken(
                user_id=user.id, name=name, token_hash=hash_token(token), expires_at=expires_at
            )
        )
    return token


def api_tokens(user: User) -> list[ApiToken]:
    """The account's tokens, newest first (revoked and expired ones included)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"There is no API token {token_id}.")
    if row.revoked_at is None:
        with write_transaction():
            row.revoked_at = utcnow()
    return row


def token_state(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "active" if row.usable(now) else "expired"


def user_for_api_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or not row.usable(now) or not row.user.active:
        return None
    # Recorded at most once a minute, in a write transaction of its own (BEGIN IMMEDIATE on
    # SQLite), so a desk scanning fast does not write on every request.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        with write_transaction():
            db.session.execute(
                update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
            )
    return db.session.get(User, row.user_id)
