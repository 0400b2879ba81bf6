"""Staff sign-in plumbing for Flask-Login."""

from __future__ import annotations

from app.core.db import db
from app.extensions import login_manager
from app.models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """`<user id>:<session version>` (`User.get_id`): a session signed in before the account
    signed out, changed its password or was deactivated names an older version and ends."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
