"""Staff accounts: creation, passwords (Argon2id), sign-in and API tokens."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core.db import db, utcnow, write_transaction
from app.core.errors import ValidationFailed
from app.core.text import normalise_email
from app.core.tokens import hash_token, new_token
from app.models import ApiToken, Forum, User
from app.models.enums import USER_ROLES

_hasher = PasswordHasher()
MIN_PASSWORD = 10
# Verified against when the email is unknown, so timing does not tell who has an account.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    email: str, password: str, role: str, *, name: str = "", forum_slugs: list[str] = ()
) -> User:
    errors: dict[str, list[str]] = {}
    checked = normalise_email(email)
    if checked is None:
        errors["email"] = [_("Enter a valid email address, like name@example.org.")]
    if role not in USER_ROLES:
        errors["role"] = [_("Choose one of: %(roles)s.", roles=", ".join(USER_ROLES))]
    if len(password) < MIN_PASSWORD:
        errors["password"] = [_("Use at least %(n)d characters.", n=MIN_PASSWORD)]
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
    if len(new) < MIN_PASSWORD:
        errors["new_password"] = [_("Use at least %(n)d characters.", n=MIN_PASSWORD)]
    if errors:
        raise ValidationFailed(errors)
    with write_transaction():
        user.password_hash = hash_password(new)


def issue_api_token(user: User, name: str = "") -> str:
    """A new bearer token for `user`; the plain token is shown once, only its hash is kept."""
    token = new_token()
    with write_transaction():
        db.session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token)))
    return token


def user_for_api_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    # Recorded at most once a minute, in a write transaction of its own (BEGIN IMMEDIATE on
    # SQLite), so a desk scanning fast does not write on every request.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        with write_transaction():
            db.session.execute(
                update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
            )
    return db.session.get(User, row.user_id)
