"""A run of the agenda solver: queued by an organizer, computed by a worker, applied by choice.

The run is a row so that the work never holds a web request and survives a worker restart: a
worker claims it with a lease, writes its progress while the search runs, and stores the
proposal; a run whose lease ran out is claimed again by the next worker.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import one_of
from app.models.enums import SOLVER_MODES, SOLVER_RUN_STATUSES
from app.models.forum import Forum
from app.models.user import User


class SolverRun(db.Model):
    __tablename__ = "solver_runs"
    __table_args__ = (
        one_of("status", SOLVER_RUN_STATUSES, name="solver_run_status_allowed"),
        one_of("mode", SOLVER_MODES, name="solver_run_mode_allowed"),
        Index("ix_solver_runs_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # propose | repair
    status: Mapped[str] = mapped_column(String(16), default="queued")
    time_limit_s: Mapped[float] = mapped_column(Float)
    # Sessions the organizer asked to keep where they are, beside the fixed kinds.
    pinned: Mapped[list] = mapped_column(JSON, default=list)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The programme the proposal was computed from (sessions, speakers' availability, venues):
    # applying is refused when it has changed since.
    base_digest: Mapped[str] = mapped_column(String(64), default="")
    worker_id: Mapped[str] = mapped_column(String(120), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied_sessions: Mapped[list] = mapped_column(JSON, default=list)

    forum: Mapped[Forum] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
