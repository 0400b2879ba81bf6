"""The issue's end-to-end check on the demo data: an organizer opens the sample forum's desk, a
walk-in is registered and checked in there, and a badge is printed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.demo import load_demo
from app.models import CheckIn, Forum, Registration
from tests.app.desk.helpers import page_text

SAMPLE = "seoul-smart-city-forum-sample"


def test_the_sample_forum_on_the_day(app, db, client, staff, login):
    load_demo(datetime.now(UTC))
    sample = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
    organizer = staff("organizer", sample, name="Demo organizer")
    desk_user = staff("desk", sample, name="Demo desk")

    # The sample's days are a month away: the desk is closed until an organizer opens it.
    login(client, desk_user)
    assert "The desk is closed" in page_text(client.get(f"/desk/{SAMPLE}/walk-in"))
    client.post("/logout")

    login(client, organizer)
    opened = client.post(f"/desk/{SAMPLE}/settings", data={"action": "open"})
    assert opened.status_code == 303
    client.post("/logout")

    login(client, desk_user)
    registered = client.post(
        f"/desk/{SAMPLE}/walk-in",
        data={
            "name": "홍길순",
            "affiliation": "마포구청",
            "email": "",
            "locale": "ko",
            "consent_personal_data": "y",
        },
    )
    assert registered.status_code == 303
    person_page = client.get(registered.headers["Location"])
    assert "홍길순 is registered and checked in." in page_text(person_page)

    db.session.rollback()
    person = db.session.scalar(select(Registration).where(Registration.name == "홍길순"))
    assert person.checked_in_at is not None and person.source == "desk"
    assert db.session.scalar(select(CheckIn.registration_id)) == person.id

    badge = client.get(f"/desk/{SAMPLE}/people/{person.id}/badge")
    assert badge.status_code == 200
    page = badge.get_data(as_text=True)
    assert "홍길순" in page and "마포구청" in page and 'class="qr"' in page
    assert '<body class="size-a6">' in page

    # The door of each sample venue has its display.
    for venue in sample.venues:
        assert client.get(f"/forums/{SAMPLE}/venues/{venue.id}/now").status_code == 200
    counts = page_text(client.get(f"/desk/{SAMPLE}/counts"))
    assert "Walk-ins 1 " in counts and "Checked in 1 " in counts
