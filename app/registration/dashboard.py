"""The organizer's dashboard: the figures behind each chart, as plain series that the page draws
(SVG) and prints as a table beside it, from the same numbers.

- registrations per day, and their running total, up to the registration deadline;
- each session with seats: seats taken, seats free, people waiting;
- arrivals at the forum's desk per 10 minutes, per day (to staff the desk next time);
- people who watched each session online;
- the spread of the forum's feedback ratings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.db import db
from app.core.i18n import pick
from app.models import Booking, CheckIn, Forum, OnlineAttendance, Registration
from app.models.enums import PlaceStatus
from app.programme.views import registration_closes_at
from app.registration.feedback import results

SLOT_MINUTES = 10


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


@dataclass(frozen=True)
class Chart:
    key: str  # the chart's name in its URL: registrations, sessions, arrivals, online, feedback
    kind: str  # line | bar | stacked_hbar
    title: str
    axis: str  # what the labels are: days, sessions, times, ratings
    labels: list[str]  # one per value of each series
    series: list[Series]
    note: str = ""  # what the chart alone does not say (the deadline, the day)

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(s.values) for s in self.series)

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The table beside the chart: one row per label."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


def _local_date(value: datetime, zone: ZoneInfo) -> date:
    return value.astimezone(zone).date()


def registrations_per_day(forum: Forum) -> Chart:
    zone = ZoneInfo(forum.timezone)
    created = db.session.scalars(
        select(Registration.created_at).where(Registration.forum_id == forum.id)
    ).all()
    per_day = Counter(_local_date(c, zone) for c in created)
    closes = registration_closes_at(forum)
    first = _local_date(forum.registration_opens_at, zone) if forum.registration_opens_at else None
    last = _local_date(closes, zone) if closes else None
    if per_day:
        first = min([d for d in (first, min(per_day)) if d])
        last = max([d for d in (last, max(per_day)) if d])
    days = []
    if first and last:
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)][-120:]
    total, running = 0, []
    for day in days:
        total += per_day.get(day, 0)
        running.append(total)
    note = (
        _("Pre-registration closes on %(day)s.", day=_local_date(closes, zone).isoformat())
        if closes
        else ""
    )
    return Chart(
        key="registrations",
        kind="line",
        title=_("Registrations per day"),
        axis=_("Day"),
        labels=[d.isoformat() for d in days],
        series=[
            Series(_("New that day"), [per_day.get(d, 0) for d in days]),
            Series(_("Running total"), running),
        ],
        note=note,
    )


def session_fill(forum: Forum) -> Chart:
    sessions = sorted(
        (s for s in forum.sessions if s.seats is not None), key=lambda s: (s.starts_at, s.id)
    )
    counted = Counter(
        (session_id, status)
        for session_id, status in db.session.execute(
            select(Booking.session_id, Booking.status).where(
                Booking.session_id.in_([s.id for s in sessions])
            )
        )
    )
    taken = [counted[(s.id, PlaceStatus.CONFIRMED)] for s in sessions]
    return Chart(
        key="sessions",
        kind="stacked_hbar",
        title=_("Session fill and waiting lists"),
        axis=_("Session"),
        labels=[pick(s, "title") or f"#{s.id}" for s in sessions],
        series=[
            Series(_("Seats taken"), taken),
            Series(
                _("Seats free"), [max(0, s.seats - t) for s, t in zip(sessions, taken, strict=True)]
            ),
            Series(_("Waiting"), [counted[(s.id, PlaceStatus.WAITLISTED)] for s in sessions]),
        ],
    )


def arrivals(forum: Forum) -> Chart:
    """Check-ins at the forum's own desk per 10 minutes, the forum's days one after the other."""
    zone = ZoneInfo(forum.timezone)
    times = db.session.scalars(
        select(CheckIn.created_at).where(
            CheckIn.forum_id == forum.id, CheckIn.session_id.is_(None), CheckIn.direction == "in"
        )
    ).all()
    slots = Counter()
    for moment in times:
        local = moment.astimezone(zone)
        slots[
            local.replace(
                minute=local.minute - local.minute % SLOT_MINUTES, second=0, microsecond=0
            )
        ] += 1
    labels, values = [], []
    if slots:
        start, end = min(slots), max(slots)
        slot = start
        while slot <= end:
            if slots.get(slot) or (slot.date() == start.date() or slot.date() == end.date()):
                labels.append(slot.strftime("%m-%d %H:%M"))
                values.append(slots.get(slot, 0))
            slot += timedelta(minutes=SLOT_MINUTES)
    return Chart(
        key="arrivals",
        kind="bar",
        title=_("Arrivals at the desk per 10 minutes"),
        axis=_("From"),
        labels=labels,
        series=[Series(_("Checked in"), values)],
    )


def online_per_session(forum: Forum) -> Chart:
    watched = dict(
        db.session.execute(
            select(OnlineAttendance.session_id, func.count())
            .where(OnlineAttendance.forum_id == forum.id)
            .group_by(OnlineAttendance.session_id)
        ).all()
    )
    sessions = sorted(
        (s for s in forum.sessions if s.id in watched), key=lambda s: (s.starts_at, s.id)
    )
    return Chart(
        key="online",
        kind="bar",
        title=_("Online attendance per session"),
        axis=_("Session"),
        labels=[pick(s, "title") or f"#{s.id}" for s in sessions],
        series=[Series(_("People who watched"), [watched[s.id] for s in sessions])],
    )


def feedback_spread(forum: Forum) -> Chart:
    tally = results(forum).forum
    return Chart(
        key="feedback",
        kind="bar",
        title=_("Feedback: the forum's ratings"),
        axis=_("Rating"),
        labels=[f"{rating}/5" for rating in tally.counts],
        series=[Series(_("Answers"), list(tally.counts.values()))],
    )


CHARTS = {
    "registrations": registrations_per_day,
    "sessions": session_fill,
    "arrivals": arrivals,
    "online": online_per_session,
    "feedback": feedback_spread,
}


def charts(forum: Forum) -> list[Chart]:
    return [build(forum) for build in CHARTS.values()]
