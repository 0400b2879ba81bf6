"""Rules of the agenda service that the pages and the API share, tested directly."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.models import Forum, StreamLink, Venue
from app.programme import agenda, checks, records

# The messages asserted below are the English ones.
pytestmark = pytest.mark.usefixtures("english")


def test_local_times_become_utc_and_offsets_are_respected():
    seoul = ZoneInfo("Asia/Seoul")
    assert checks.parse_moment("2026-04-01T10:00", seoul) == datetime(2026, 4, 1, 1, tzinfo=UTC)
    assert checks.parse_moment("2026-04-01 10:00", seoul) == datetime(2026, 4, 1, 1, tzinfo=UTC)
    assert checks.parse_moment("2026-04-01T10:00:00Z", seoul) == datetime(
        2026, 4, 1, 10, tzinfo=UTC
    )
    assert checks.parse_moment("2026-04-01T10:00+02:00", seoul) == datetime(
        2026, 4, 1, 8, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-04-01", "Give a date and a time"),
        ("next tuesday", "Give a date and a time"),
        ("0202-04-01T10:00", "Check the year"),
        (12, "wrong type"),
    ],
)
def test_bad_times_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        checks.parse_moment(value, ZoneInfo("Asia/Seoul"))


def test_a_wall_clock_time_skipped_by_a_clock_change_is_refused():
    with pytest.raises(ValueError, match="does not exist in America/New_York"):
        checks.parse_moment("2026-03-08T02:30", ZoneInfo("America/New_York"))


def test_create_forum_checks_its_fields(db, make_user):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as caught:
        agenda.create_forum(
            {
                "slug": "Bad Slug!",
                "first_day": "2026-04-02",
                "last_day": "2026-04-01",
                "timezone": "Mars/Olympus",
                "registration_opens_at": "2026-03-01T09:00",
                "registration_closes_at": "2026-02-01T09:00",
                "organizer_email": "nobody",
                "homepage_url": "javascript:alert(1)",
                "in_person_capacity": "-3",
            },
            admin,
        )
    assert set(caught.value.errors) == {
        "slug",
        "title_ko",
        "title_en",
        "last_day",
        "timezone",
        "format",
        "registration_closes_at",
        "organizer_email",
        "homepage_url",
        "in_person_capacity",
    }
    assert db.session.scalar(select(Forum)) is None
    forum = agenda.create_forum(
        {
            "slug": "new-forum",
            "title_en": "New",
            "first_day": "2026-04-01",
            "last_day": "2026-04-02",
            "format": "hybrid",
            "registration_opens_at": "2026-03-01T09:00",
        },
        admin,
    )
    assert forum.status == "draft" and forum.timezone == "Asia/Seoul"
    assert forum.registration_opens_at == datetime(2026, 3, 1, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed, match="invalid"):
        agenda.create_forum({"slug": "new-forum", "title_en": "Again"}, admin)
    with pytest.raises(ValidationFailed):
        agenda.create_forum(
            {
                "slug": "new",
                "title_en": "Reserved",
                "first_day": "2026-04-01",
                "last_day": "2026-04-01",
                "format": "online",
            },
            admin,
        )


def test_a_forum_format_must_keep_room_for_its_registrations(
    db, make_forum, make_user, make_registration
):
    forum = make_forum(format="hybrid")
    make_registration(forum, attendance="online")
    with pytest.raises(ValidationFailed) as caught:
        agenda.update_forum(forum, {"format": "in_person"}, make_user("admin"))
    assert "1 registration attends" in caught.value.errors["format"][0]


def test_stream_links_need_a_web_address_and_a_session_of_this_forum(
    db, make_forum, make_session, make_user
):
    forum, other = make_forum(), make_forum()
    theirs = make_session(other)
    user = make_user("admin")
    with pytest.raises(ValidationFailed) as caught:
        records.create_stream(
            forum, {"platform": "", "url": "ftp://x", "session_id": theirs.id}, user
        )
    assert set(caught.value.errors) == {"platform", "url", "session_id"}
    stream = records.create_stream(
        forum,
        {"platform": "YouTube", "url": "https://youtu.be/abc", "visibility": "registrants"},
        user,
    )
    assert db.session.get(StreamLink, stream.id).visibility == "registrants"


def test_a_venue_in_use_is_not_deleted(db, make_forum, make_venue, make_session, make_user):
    forum = make_forum()
    venue = make_venue(forum)
    make_session(forum, venue=venue, title_en="Uses it")
    with pytest.raises(checks.InUse, match="Uses it"):
        records.delete_venue(forum, venue.id, make_user("admin"))
    assert db.session.get(Venue, venue.id) is not None


def test_a_published_forum_counts_venue_edits_as_programme_changes(
    db, make_forum, make_venue, make_user
):
    forum = make_forum(status="published")
    venue = make_venue(forum)
    revision = forum.programme_revision
    records.update_venue(forum, venue.id, {"name_en": "Renamed hall"}, make_user("admin"))
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).programme_revision == revision + 1
