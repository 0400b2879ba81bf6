"""SQLAlchemy 2.x typed models. Importing this package registers every table on the metadata."""

from app.models.forum import Forum, ForumSession, SessionSpeaker, Speaker, StreamLink, Venue
from app.models.outbox import OutboxMessage
from app.models.registration import Booking, Registration
from app.models.user import ForumAssignment, User

__all__ = [
    "Booking",
    "Forum",
    "ForumAssignment",
    "ForumSession",
    "OutboxMessage",
    "Registration",
    "SessionSpeaker",
    "Speaker",
    "StreamLink",
    "User",
    "Venue",
]
