"""The confirmation names the forum's own place, not the room of a tour the person booked."""

from __future__ import annotations

from app.mail.delivery import deliver_due
from tests.app.mail.helpers import body, register


def test_booking_a_tour_does_not_make_its_room_the_forum_place(
    app, client, make_forum, make_venue, make_session, smtp, mail_to
):
    forum = make_forum()
    room = make_venue(
        forum,
        name_ko="디지털 시장실",
        name_en="Digital Mayor's Office",
        floor_ko="6층",
        floor_en="6F",
    )
    hall = make_venue(
        forum, name_ko="다목적홀", name_en="Multipurpose Hall", floor_ko="8층", floor_en="8F"
    )
    tour = make_session(forum, venue=room, kind="tour", seats=20, start="09:00", end="09:40")
    make_session(forum, venue=hall, seats=None, start="10:00", end="12:00")
    mail_to(smtp)
    register(client, forum, 1, session_ids=[tour.id], locale="ko")
    deliver_due()
    text = body(smtp.sink.messages()[0])
    where = next(line for line in text.splitlines() if line.startswith("장소:"))
    assert "다목적홀" in where and "디지털 시장실" not in where
    assert "디지털 시장실" in text  # the tour's own line still says where it is
