"""Staff sign-in plumbing for Flask-Login."""

from __future__ import annotations

from app.core.db import db
from app.extensions import login_manager
from app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))
