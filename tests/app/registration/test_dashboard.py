"""The dashboard's figures: registrations per day with their running total up to the deadline,
session fill and waiting lists, desk arrivals per 10 minutes, online attendance per session,
and the spread of feedback ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.models import CheckIn, OnlineAttendance
from app.registration import dashboard, feedback


def test_every_chart_from_the_same_numbers_as_its_table(
    db, make_forum, make_session, make_registration
):
    forum = make_forum(
        slug="dash",
        first_day=date(2026, 5, 14),
        last_day=date(2026, 5, 14),
        registration_opens_at=datetime(2026, 5, 1, 0, 0, tzinfo=UTC),
        registration_closes_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
    )
    tour = make_session(forum, seats=2, title_en="Tour", title_ko="투어")
    plenary = make_session(forum, seats=None, title_en="Plenary", title_ko="전체 세션")
    people = [make_registration(forum, sessions=(tour,)) for _ in range(3)]
    people[2].bookings[0].status = "waitlisted"
    days = (1, 1, 3)
    for person, day in zip(people, days, strict=True):
        person.created_at = datetime(2026, 5, day, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
    for minute in (1, 4, 12):  # 09:01, 09:04 and 09:12 in Seoul
        db.session.add(
            CheckIn(
                registration_id=people[0].id,
                forum_id=forum.id,
                created_at=datetime(2026, 5, 14, 0, minute, tzinfo=UTC),
            )
        )
    people[0].checked_in_at = datetime(2026, 5, 14, 0, 1, tzinfo=UTC)
    db.session.add(
        OnlineAttendance(forum_id=forum.id, registration_id=people[1].id, session_id=plenary.id)
    )
    db.session.commit()
    feedback.answer(people[0], {"rating": "5"})
    feedback.answer(people[1], {"rating": "3"})

    charts = {c.key: c for c in dashboard.charts(forum)}
    registrations = charts["registrations"]
    assert registrations.labels == ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"]
    assert [s.values for s in registrations.series] == [[2, 0, 1, 0], [2, 2, 3, 3]]
    assert "2026-05-04" in registrations.note
    assert registrations.rows[2] == ("2026-05-03", [1, 3])

    sessions = charts["sessions"]
    assert sessions.labels == ["투어"]  # only sessions with seats; Korean outside a request
    assert [s.values for s in sessions.series] == [[2], [0], [1]]

    arrivals = charts["arrivals"]
    assert arrivals.labels == ["05-14 09:00", "05-14 09:10"]
    assert arrivals.series[0].values == [2, 1]

    assert (charts["online"].labels, charts["online"].series[0].values) == (["전체 세션"], [1])
    assert charts["feedback"].series[0].values == [0, 0, 1, 0, 1]
    assert not any(c.empty for c in charts.values())


def test_a_new_forum_has_empty_charts(db, make_forum):
    forum = make_forum(slug="new")
    charts = {c.key: c for c in dashboard.charts(forum)}
    assert charts["arrivals"].empty and charts["online"].empty and charts["feedback"].empty
