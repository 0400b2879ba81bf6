"""A tour's meeting point: entered on the session form and through the API, checked, shown on
the public session page, announced when it changes, printed on the badge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import ForumSession, OutboxMessage, ProgrammeChange
from app.programme import session_edits
from tests.app.organize.test_sessions import edit_form, form

MEETING = {
    "meeting_point_ko": "서울시청 정문 버스 승차장",
    "meeting_point_en": "Bus stop at City Hall's main entrance",
    "meeting_at": "{day}T13:15",
    "meeting_note_ko": "신분증을 지참하세요.",
    "meeting_note_en": "Bring an ID card.",
}


def tour_form(forum, **overrides):
    day = forum.first_day.isoformat()
    meeting = {k: v.format(day=day) for k, v in MEETING.items()}
    return form(
        forum,
        kind="tour",
        title_ko="현장 방문",
        title_en="Site visit",
        starts_at=f"{day}T13:30",
        ends_at=f"{day}T15:30",
        **meeting,
    ) | {k: v.format(day=day) for k, v in overrides.items()}


@pytest.fixture
def organizer(make_user, make_forum):
    forum = make_forum(slug="tours", status="draft")
    return forum, make_user("organizer", forum)


def test_a_meeting_point_is_entered_in_local_time_and_shown_again(db, organizer, login):
    forum, user = organizer
    client = login(user)
    page = client.get(f"/organize/forums/{forum.slug}/sessions/new").get_data(True)
    assert "Meeting point (tours and off-site visits)" in page
    assert 'id="meeting_at"' in page and 'type="datetime-local"' in page

    response = client.post(f"/organize/forums/{forum.slug}/sessions/new", data=tour_form(forum))
    assert response.status_code == 303, response.get_data(True)
    tour = db.session.scalar(select(ForumSession))
    day = forum.first_day
    assert tour.meeting_at == datetime(day.year, day.month, day.day, 4, 15, tzinfo=UTC)
    assert (tour.meeting_point_ko, tour.meeting_point_en) == (
        MEETING["meeting_point_ko"],
        MEETING["meeting_point_en"],
    )
    assert tour.meeting_note_en == "Bring an ID card."

    edit = client.get(response.headers["Location"]).get_data(True)
    assert f'value="{day.isoformat()}T13:15"' in edit
    assert "Bus stop at City Hall&#39;s main entrance" in edit


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"meeting_point_ko": "", "meeting_point_en": ""},
            "meeting_point_ko",
            "Say where people meet",
        ),
        ({"meeting_at": "{day}T13:45"}, "meeting_at", "People meet before the session starts"),
        ({"meeting_at": "{day}T01:00"}, "meeting_at", "at most 12 hours before the start"),
        ({"meeting_at": "soon"}, "meeting_at", "Give a date and a time"),
        ({"meeting_point_en": "Gate\n3"}, "meeting_point_en", "Remove line breaks"),
        ({"meeting_point_en": "x" * 301}, "meeting_point_en", "300"),
    ],
)
def test_a_bad_meeting_point_is_refused_in_place_and_changes_nothing(
    db, organizer, login, overrides, field, message
):
    forum, user = organizer
    client = login(user)
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/new", data=tour_form(forum, **overrides)
    )
    assert response.status_code == 422
    page = response.get_data(True)
    assert message in page
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(ForumSession)) == 0


def test_a_meeting_time_may_be_exactly_the_start_or_twelve_hours_before(db, organizer):
    forum, user = organizer
    day = forum.first_day.isoformat()
    for meeting_at in (f"{day}T13:30", f"{day}T01:30"):
        raw = tour_form(forum, meeting_at=meeting_at)
        saved = session_edits.create_session(forum, raw, user)
        assert saved.session.meeting_at is not None


def test_the_api_takes_and_returns_a_meeting_point(
    db, make_forum, make_user, api_token, login, make_session
):
    forum = make_forum(slug="api-tours", status="draft")
    token = api_token(make_user("organizer", forum))
    client = login()
    headers = {"Authorization": f"Bearer {token}"}
    day = forum.first_day.isoformat()
    body = {
        "title_en": "Site visit",
        "kind": "tour",
        "starts_at": f"{day}T13:30",
        "ends_at": f"{day}T15:30",
        "meeting_point_en": "City Hall, Gate 3",
        "meeting_at": f"{day}T13:10",
        "meeting_note_ko": "늦으면 버스가 기다리지 않습니다.",
    }
    created = client.post(
        f"/api/v1/organize/forums/{forum.slug}/sessions", json=body, headers=headers
    )
    assert created.status_code == 201, created.json
    meeting = created.json["session"]["meeting"]
    assert meeting["point"] == {"ko": "", "en": "City Hall, Gate 3"}
    assert meeting["at"] == f"{day}T13:10:00+09:00"
    assert meeting["at_utc"].endswith("Z") and "T04:10:00" in meeting["at_utc"]
    assert meeting["note"]["ko"] == "늦으면 버스가 기다리지 않습니다."

    plain = make_session(forum, title_en="Talk")
    listed = client.get(
        f"/api/v1/organize/forums/{forum.slug}/sessions/{plain.id}", headers=headers
    )
    assert listed.status_code == 200 and listed.json["session"]["meeting"] is None

    bad = client.post(
        f"/api/v1/organize/forums/{forum.slug}/sessions",
        json=body | {"meeting_at": f"{day}T14:00"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json["error"] == "invalid", bad.json
    assert "meeting_at" in bad.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(ForumSession)) == 2


@pytest.fixture
def published_tour(db, make_forum, make_user, make_session, make_registration):
    forum = make_forum(slug="tour-live", status="published")
    tour = make_session(
        forum,
        title_en="Site visit",
        kind="tour",
        seats=20,
        start="13:30",
        end="15:30",
        meeting_point_en="City Hall, Gate 3",
    )
    booked = make_registration(forum, sessions=(tour,), name="Booked")
    make_registration(forum, name="Not on the tour")
    return {"forum": forum, "tour": tour, "booked": booked, "user": make_user("organizer", forum)}


def test_moving_the_meeting_point_is_a_programme_change_people_are_told_of(
    db, published_tour, login
):
    forum, tour = published_tour["forum"], published_tour["tour"]
    client = login(published_tour["user"])
    day = forum.first_day.isoformat()
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{tour.id}",
        data=edit_form(client, forum, tour)
        | {"meeting_point_en": "City Hall, east gate", "meeting_at": f"{day}T13:00"},
    )
    assert response.status_code == 303, response.get_data(True)
    assert "1 person will be told of the change." in client.get(
        response.headers["Location"]
    ).get_data(True)
    db.session.expire_all()
    assert db.session.get(ForumSession, tour.id).revision == 2
    (change,) = db.session.scalars(select(ProgrammeChange)).all()
    assert change.kind == "meeting"
    assert change.before["meeting_point_en"] == "City Hall, Gate 3"
    assert change.before["meeting_at"] is None
    assert change.after["meeting_point_en"] == "City Hall, east gate"
    (notice,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "session_changed")
    ).all()
    assert notice.registration_id == published_tour["booked"].id

    changes = client.get(f"/forums/{forum.slug}/changes").get_data(True)
    assert "New meeting point" in changes
    assert "City Hall, Gate 3" in changes and "13:00, City Hall, east gate" in changes


def test_a_note_alone_changes_no_revision_and_tells_nobody(db, published_tour, login):
    forum, tour = published_tour["forum"], published_tour["tour"]
    client = login(published_tour["user"])
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{tour.id}",
        data=edit_form(client, forum, tour)
        | {"meeting_point_en": "City Hall, Gate 3", "meeting_note_en": "Wear your badge."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    tour = db.session.get(ForumSession, tour.id)
    assert (tour.revision, tour.meeting_note_en) == (1, "Wear your badge.")
    assert db.session.scalar(select(func.count()).select_from(ProgrammeChange)) == 0


def test_the_public_session_page_shows_where_and_when_people_meet(
    db, client, make_forum, make_session
):
    forum = make_forum(slug="tour-page")
    day = forum.first_day
    tour = make_session(
        forum,
        title_en="Site visit",
        kind="tour",
        start="13:30",
        end="15:30",
        meeting_point_ko="시청 정문",
        meeting_point_en="City Hall, main entrance",
        meeting_at=datetime(day.year, day.month, day.day, 4, 10, tzinfo=UTC),
        meeting_note_en="The bus leaves at 13:20.",
    )
    english = client.get(
        f"/forums/{forum.slug}/sessions/{tour.id}", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert "Meeting point" in english
    assert "13:10, City Hall, main entrance" in english
    assert "The bus leaves at 13:20." in english
    korean = client.get(
        f"/forums/{forum.slug}/sessions/{tour.id}", headers={"Accept-Language": "ko"}
    ).get_data(True)
    assert "집결 장소" in korean and "13:10, 시청 정문" in korean
