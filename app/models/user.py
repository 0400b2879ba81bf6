"""Staff accounts: admins, organizers (of the forums assigned to them) and desk staff."""

from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import db
from app.models.base import Timestamps, one_of
from app.models.enums import USER_ROLES
from app.models.forum import Forum


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", USER_ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session's identity: raising it (sign-out, a new password, deactivation)
    # ends every session signed in before.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    forums: Mapped[list[Forum]] = relationship(secondary="forum_assignments")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}:{self.session_version}"


class ForumAssignment(db.Model):
    """Which forums an organizer or desk account works on."""

    __tablename__ = "forum_assignments"
    __table_args__ = (UniqueConstraint("user_id", "forum_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
