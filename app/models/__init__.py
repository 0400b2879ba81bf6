"""SQLAlchemy 2.x typed models. Importing this package registers every table on the metadata."""

from app.models.agenda import SolverRun
from app.models.announcement import Announcement
from app.models.attendance import OnlineAttendance
from app.models.certificate import Certificate, CertificateSettings
from app.models.feedback import FeedbackAnswer, SessionFeedback
from app.models.forum import (
    Forum,
    ForumSession,
    SessionSpeaker,
    Speaker,
    SpeakerAvailability,
    StreamLink,
    Venue,
)
from app.models.languages import ReceiverLoan, ServiceRequest, SessionService
from app.models.material import Material
from app.models.outbox import OutboxMessage
from app.models.registration import Booking, Registration
from app.models.staff import (
    ApiToken,
    AuditEntry,
    CheckIn,
    ConflictAcceptance,
    ProgrammeChange,
)
from app.models.user import ForumAssignment, User
from app.models.voices import (
    CommentEntry,
    CommentEvent,
    CommentLike,
    DrawWinner,
    Question,
    QuestionBoard,
    QuestionVote,
)

__all__ = [
    "Announcement",
    "ApiToken",
    "AuditEntry",
    "Booking",
    "Certificate",
    "CertificateSettings",
    "CheckIn",
    "CommentEntry",
    "CommentEvent",
    "CommentLike",
    "ConflictAcceptance",
    "DrawWinner",
    "FeedbackAnswer",
    "Forum",
    "ForumAssignment",
    "ForumSession",
    "Material",
    "OnlineAttendance",
    "OutboxMessage",
    "ProgrammeChange",
    "Question",
    "QuestionBoard",
    "QuestionVote",
    "ReceiverLoan",
    "Registration",
    "ServiceRequest",
    "SessionFeedback",
    "SessionService",
    "SessionSpeaker",
    "SolverRun",
    "Speaker",
    "SpeakerAvailability",
    "StreamLink",
    "User",
    "Venue",
]
