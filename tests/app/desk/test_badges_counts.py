"""Badges (batch and single), live counts, session check-in rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.core.tokens import checkin_payload, display_code
from app.models import Booking, CheckIn
from app.registration import operations as registrations
from tests.app.desk.helpers import page_text
from tests.qr import scan_svg


def _qr_count(page: str) -> int:
    return len(re.findall(r'<svg[^>]*class="qr"', page))


def test_the_batch_badge_page_has_everyone_pre_registered_and_confirmed(
    client, open_forum, staff, login, register
):
    forum = open_forum(in_person_capacity=3, title_en="Badge Forum")
    login(client, staff("desk", forum))
    minji = register(forum, "김민지", affiliation="서울디지털재단")
    anna = register(forum, "Anna Schmidt", affiliation="Stadt Wien")
    gone = register(forum, "Gone Away")
    registrations.cancel_registration(gone)
    register(forum, "Watches Online", attendance="online")
    register(forum, "Third Place")
    waiting = register(forum, "On The List")
    assert waiting.status == "waitlisted"
    client.post(
        f"/desk/{forum.slug}/walk-in",
        data={"name": "Walk In", "consent_personal_data": "y", "locale": "en"},
    )

    response = client.get(f"/desk/{forum.slug}/badges")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page_text(response)
    for person in (minji, anna):
        assert person.name in text and person.affiliation in text
        assert display_code(person.confirmation_code) in text
    for absent in ("Gone Away", "Watches Online", "On The List", "Walk In"):
        assert absent not in text, absent
    assert "3 confirmed in-person registrations" in text
    assert _qr_count(page) == 3
    # Print CSS: the A6 page by default, from the desk's stylesheet.
    assert '<body class="size-a6">' in page
    assert "desk.css" in page


def test_walk_ins_have_a_batch_of_their_own_and_everyone_is_both(
    client, open_forum, staff, login, register
):
    forum = open_forum(in_person_capacity=5, title_en="Badge Forum")
    login(client, staff("desk", forum))
    register(forum, "Pre Registered")
    for name in ("Walk Zed", "Walk Amy"):
        client.post(
            f"/desk/{forum.slug}/walk-in",
            data={"name": name, "consent_personal_data": "y", "locale": "en"},
        )

    walk_ins = client.get(f"/desk/{forum.slug}/badges?who=walk-ins")
    text = page_text(walk_ins)
    assert "Badges for walk-ins" in text
    assert "2 walk-ins registered at the desk" in text
    assert "Pre Registered" not in text
    assert text.index("Walk Amy") < text.index("Walk Zed")  # By name
    assert _qr_count(walk_ins.get_data(as_text=True)) == 2

    everyone = client.get(f"/desk/{forum.slug}/badges?who=everyone&size=a4-2x4")
    text = page_text(everyone)
    assert "3 confirmed in-person registrations, walk-ins included" in text
    assert all(name in text for name in ("Pre Registered", "Walk Amy", "Walk Zed"))
    page = everyone.get_data(as_text=True)
    assert '<option value="everyone" selected>' in page
    assert '<body class="size-a4-2x4">' in page

    # An unknown group is the default batch, never an error.
    fallback = page_text(client.get(f"/desk/{forum.slug}/badges?who=vip"))
    assert "Pre Registered" in fallback and "Walk Amy" not in fallback


def test_a_badge_says_where_the_tours_its_holder_booked_leave_from(
    client, db, open_forum, staff, login, register, make_session
):
    forum = open_forum(in_person_capacity=5, title_en="Badge Forum")
    day = forum.first_day
    tour = make_session(
        forum,
        title_en="Site visit",
        kind="tour",
        seats=10,
        start="13:30",
        end="15:30",
        meeting_point_en="City Hall, Gate 3",
        meeting_at=datetime(day.year, day.month, day.day, 4, 15, tzinfo=UTC),
    )
    talk = make_session(forum, title_en="Talk", seats=10)
    login(client, staff("desk", forum))
    on_tour = register(forum, "On Tour", sessions=(tour, talk))
    register(forum, "Stays In", sessions=(talk,))

    page = client.get(f"/desk/{forum.slug}/badges").get_data(as_text=True)
    assert page.count('class="badge-meetings"') == 1
    assert "<li>13:15, City Hall, Gate 3 · Site visit</li>" in page
    single = client.get(f"/desk/{forum.slug}/people/{on_tour.id}/badge").get_data(as_text=True)
    assert "13:15, City Hall, Gate 3 · Site visit" in single

    # A cancelled tour is not printed.
    tour.status = "cancelled"
    db.session.commit()
    assert "badge-meetings" not in client.get(f"/desk/{forum.slug}/badges").get_data(as_text=True)


def test_an_invited_person_s_badge_carries_their_category_and_batches_can_be_picked(
    client, db, open_forum, staff, login, register
):
    forum = open_forum(in_person_capacity=5, title_en="Badge Forum")
    login(client, staff("desk", forum))
    register(forum, "Public Person")
    speaker = registrations.invite(
        forum,
        registrations.RegistrationRequest(
            name="Ana Lima", email="ana@example.org", attendance="in_person", category="speaker"
        ),
    ).registration
    page = client.get(f"/desk/{forum.slug}/badges").get_data(as_text=True)
    assert page.count('class="badge-category"') == 1
    assert '<li class="name-badge category-speaker">' in page
    assert '<p class="badge-category">연사 · SPEAKER</p>' in page
    assert '<li class="name-badge category-general">' in page

    speakers = client.get(f"/desk/{forum.slug}/badges?category=speaker")
    text = page_text(speakers)
    assert "Ana Lima" in text and "Public Person" not in text
    assert '<option value="speaker" selected>' in speakers.get_data(as_text=True)
    single = client.get(f"/desk/{forum.slug}/people/{speaker.id}/badge").get_data(as_text=True)
    assert "연사 · SPEAKER" in single
    # An unknown category prints every category.
    assert "Public Person" in page_text(client.get(f"/desk/{forum.slug}/badges?category=king"))


def test_every_category_has_its_colour_in_the_stylesheet(app):
    from app.models.enums import INVITED_CATEGORIES

    css = (Path(app.static_folder) / "desk.css").read_text()
    for category in INVITED_CATEGORIES:
        assert f".name-badge.category-{category} .badge-category" in css


def test_the_qr_on_a_badge_is_the_signed_payload(client, open_forum, staff, login, register, app):
    forum = open_forum()
    login(client, staff("desk", forum))
    person = register(forum, "QR Person")
    page = client.get(f"/desk/{forum.slug}/people/{person.id}/badge").get_data(as_text=True)
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    scanned = scan_svg(svg)
    assert scanned == [checkin_payload(app.config["SECRET_KEY"], person.confirmation_code)]
    assert "QR Person" not in scanned[0]
    # It scales to the badge: a viewBox, no fixed pixel size.
    tag = re.search(r"<svg[^>]*>", svg).group(0)
    assert "viewBox" in tag and "width=" not in tag


def test_a_single_badge_in_each_size(client, open_forum, staff, login, register):
    forum = open_forum()
    login(client, staff("desk", forum))
    person = register(forum, "박서준", affiliation="부산시청")
    other = register(forum, "Someone Else")
    for size, body_class in (
        ("a6", "size-a6"),
        ("a4-2x4", "size-a4-2x4"),
        ("label-4x3", "size-label-4x3"),
        ("label-90x55", "size-label-90x55"),
        ("bogus", "size-a6"),
    ):
        response = client.get(f"/desk/{forum.slug}/people/{person.id}/badge?size={size}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f'<body class="{body_class}">' in page
        text = page_text(response)
        assert "박서준" in text and "부산시청" in text
        assert "Someone Else" not in text
        assert _qr_count(page) == 1
    assert other.id != person.id


def test_every_badge_size_has_its_page_in_the_stylesheet(app):
    from pathlib import Path

    from app.web.desk import BADGE_SIZES

    css = (Path(app.static_folder) / "desk.css").read_text()
    for key, spec in BADGE_SIZES.items():
        rule = re.search(r"@page badge-" + re.escape(key) + r" \{\s*size: ([^;]+);", css)
        assert rule and rule.group(1) == spec["page"], key
        assert re.search(
            r"body\.size-" + re.escape(key) + r" \{\s*page: badge-" + re.escape(key) + ";", css
        ), key
        assert f".size-{key} .name-badge" in css, key


def test_no_badge_for_a_cancelled_registration(client, open_forum, staff, login, register):
    forum = open_forum()
    login(client, staff("desk", forum))
    person = register(forum, "Cancelled Person")
    registrations.cancel_registration(person)
    assert client.get(f"/desk/{forum.slug}/people/{person.id}/badge").status_code == 409


def test_live_counts(client, open_forum, staff, login, register, make_session, payload, db):
    forum = open_forum(in_person_capacity=3)
    tour = make_session(forum, kind="tour", seats=1, title_en="City Hall tour")
    login(client, staff("desk", forum))
    one = register(forum, "One", sessions=(tour,))
    register(forum, "Two", sessions=(tour,))
    register(forum, "Online", attendance="online")
    gone = register(forum, "Gone")
    registrations.cancel_registration(gone)
    client.post(f"/desk/{forum.slug}", data={"q": payload(one.confirmation_code)})
    client.post(
        f"/desk/{forum.slug}/walk-in",
        data={"name": "Walk In", "consent_personal_data": "y"},
    )
    client.post(
        f"/desk/{forum.slug}", data={"q": payload(one.confirmation_code), "session": tour.id}
    )

    response = client.get(f"/desk/{forum.slug}/counts")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="20">' in page
    # The reader can turn the refresh off (WCAG 2.2.1).
    still = client.get(f"/desk/{forum.slug}/counts?refresh=off").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in still and "automatic refresh is off" in still
    text = page_text(response)
    assert "Registered 4 " in text  # One, Two, Online, Walk In
    assert "Checked in 2 " in text  # One and the walk-in
    assert "Walk-ins 1 " in text
    assert "In-person places taken 3 / 3" in text
    assert "In person 3 2" in text and "Online 1 0" in text
    assert "Cancelled 1" in text and "Pre-registered (confirmed) 3" in text
    # The tour: 1 seat, One confirmed and checked in, Two waiting.
    assert re.search(r"City Hall tour .*? 1 1 1 1", text)


def test_live_counts_per_category(client, open_forum, staff, login, register, payload):
    forum = open_forum(in_person_capacity=5, reserved_places=2)
    login(client, staff("desk", forum))
    register(forum, "Public")
    speaker = registrations.invite(
        forum,
        registrations.RegistrationRequest(
            name="Ana", email="ana@example.org", attendance="in_person", category="speaker"
        ),
    ).registration
    client.post(f"/desk/{forum.slug}", data={"q": payload(speaker.confirmation_code)})
    text = page_text(client.get(f"/desk/{forum.slug}/counts"))
    assert "Per category" in text
    assert "General public 1 0" in text
    assert "Speaker 1 1" in text
    assert "Guest (VIP) 0 0" in text


def test_session_check_in_is_a_row_of_its_own(
    client, open_forum, staff, login, register, make_session, payload, db
):
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="City Hall tour")
    visit = make_session(
        forum, kind="site_visit", seats=5, title_en="Site visit", start="14:00", end="16:00"
    )
    user = staff("desk", forum, name="Tour Guide")
    login(client, user)
    booked = register(forum, "Booked", sessions=(tour,))
    waiting = register(forum, "Waiting", sessions=(tour,))
    not_booked = register(forum, "Not Booked", sessions=(visit,))

    page = client.get(f"/desk/{forum.slug}?session={tour.id}")
    assert "Check-in: City Hall tour" in page_text(page)

    done = client.post(
        f"/desk/{forum.slug}", data={"q": payload(booked.confirmation_code), "session": tour.id}
    )
    assert done.status_code == 200
    assert "Booked is checked in to “City Hall tour”." in page_text(done)
    again = client.post(
        f"/desk/{forum.slug}", data={"q": booked.confirmation_code, "session": tour.id}
    )
    assert "Already checked in at" in page_text(again) and "by Tour Guide" in page_text(again)

    refused = client.post(
        f"/desk/{forum.slug}", data={"q": payload(waiting.confirmation_code), "session": tour.id}
    )
    assert refused.status_code == 409
    assert "on the waiting list of this session (position 1)" in page_text(refused)
    stranger = client.post(
        f"/desk/{forum.slug}", data={"q": payload(not_booked.confirmation_code), "session": tour.id}
    )
    assert stranger.status_code == 409
    assert "has no place in this session" in page_text(stranger)
    # A session that has no check-in of its own, or of another forum: not found.
    assert client.get(f"/desk/{forum.slug}?session=999999").status_code == 404

    db.session.rollback()
    rows = db.session.scalars(select(CheckIn)).all()
    assert [(r.registration_id, r.session_id, r.direction, r.operator_id) for r in rows] == [
        (booked.id, tour.id, "in", user.id)
    ]
    booking = db.session.scalar(select(Booking).where(Booking.registration_id == booked.id))
    assert booking.checked_in_at is not None
    # The forum entrance is a separate door: not checked in there yet.
    assert db.session.get(type(booked), booked.id).checked_in_at is None


def test_online_attendance_sits_beside_the_check_ins(
    client, open_forum, staff, login, register, make_session, db
):
    from app.models import StreamLink
    from app.registration import watching

    forum = open_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Opening plenary")
    panel = make_session(forum, seats=None, format="online", title_en="Online panel")
    make_session(forum, seats=None, format="online", title_en="Nobody watched")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url="https://yt.example/live")
    db.session.add(stream)
    db.session.commit()
    ana, ben = (register(forum, n, attendance="online") for n in ("Ana", "Ben"))
    for person, session in ((ana, plenary), (ana, plenary), (ana, panel), (ben, plenary)):
        watching.open_stream(person, session.id, stream.id)

    login(client, staff("desk", forum))
    text = page_text(client.get(f"/desk/{forum.slug}/counts"))
    assert "Checked in 0 Watched online 2 " in text  # Ana and Ben, each once
    assert re.search(r"Opening plenary .*? 2 ", text)
    assert re.search(r"Online panel .*? 1", text)
    assert "Nobody watched" not in text
