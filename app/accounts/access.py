"""Who may do what: admins everything; organizers their assigned forums; desk staff check-in."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from app.extensions import login_manager
from app.models import Forum, User


def assigned(user: User, forum: Forum) -> bool:
    return any(f.id == forum.id for f in user.forums)


def can_organize(user: Any, forum: Forum) -> bool:
    """Edit the forum's agenda and see its registrations."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == "admin" or (user.role == "organizer" and assigned(user, forum))


def can_work_desk(user: Any, forum: Forum) -> bool:
    """Check people in and register walk-ins at the forum's desk."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == "admin":
        return True
    return user.role in ("organizer", "desk") and assigned(user, forum)


def require_roles(*roles: str):
    """A view decorator: signed in (else the login page) with one of `roles` (else 403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
