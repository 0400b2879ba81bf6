"""Smaller things a reader found: the programme revision when a speaker is added, the name of a
time change, the counts of people waiting for a session, and the 2023 room."""

from __future__ import annotations

from datetime import timedelta

from app.demo import load_demo
from app.models import Forum, ProgrammeChange
from app.programme import records
from app.registration import operations as registrations
from tests.app.registration.test_operations import person


def test_adding_a_speaker_to_a_published_forum_bumps_the_programme_revision(
    db, make_forum, make_user
):
    forum = make_forum()
    before = forum.programme_revision
    records.create_speaker(
        forum, {"name_ko": "김민지", "name_en": "Kim Min-ji"}, make_user("admin")
    )
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).programme_revision == before + 1


def test_a_time_change_is_named_as_one_in_korean(db, client, make_forum, make_session):
    forum = make_forum()
    talk = make_session(forum)
    db.session.add(
        ProgrammeChange(
            forum_id=forum.id,
            session_id=talk.id,
            kind="moved",
            before={"starts_at": talk.starts_at.isoformat(), "ends_at": talk.ends_at.isoformat()},
            after={
                "starts_at": (talk.starts_at + timedelta(hours=1)).isoformat(),
                "ends_at": (talk.ends_at + timedelta(hours=1)).isoformat(),
            },
        )
    )
    db.session.commit()
    page = client.get(f"/forums/{forum.slug}/changes", headers={"Accept-Language": "ko"})
    html = page.get_data(as_text=True)
    assert "일정 변경" in html
    assert "장소 변경" not in html


def test_the_forum_overview_counts_people_waiting_for_a_session(
    db, make_forum, make_session, make_user, login
):
    forum = make_forum()
    tour = make_session(forum, seats=1, kind="tour")
    for n in (1, 2, 3):
        registrations.register(forum, person(n, session_ids=[tour.id]))
    page = login(make_user("organizer", forum)).get(f"/organize/forums/{forum.slug}")
    html = page.get_data(as_text=True)
    assert "0 waiting" in html  # nobody waits for a forum place
    assert "2 waiting for a session&#39;s seat" in html or "2 waiting for a session's seat" in html


def test_the_2023_room_does_not_repeat_its_floor(app, client):
    load_demo()
    for lang in ("ko", "en"):
        page = client.get(
            "/forums/wego-general-assembly-2023/programme", headers={"Accept-Language": lang}
        ).get_data(as_text=True)
        assert "3F, 3F" not in page and "3층, 3F" not in page


def test_a_refused_organizer_is_told_why(db, make_forum, make_user, login):
    client = login(make_user("organizer", make_forum()))
    page = client.get("/organize/forums/new")
    assert page.status_code == 403
    assert "Only an administrator can create forums." in page.get_data(as_text=True)


def test_every_public_page_leads_to_staff_sign_in(client, make_forum):
    forum = make_forum()
    for path in ("/", f"/forums/{forum.slug}"):
        html = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'href="/login"' in html and "Staff sign-in" in html
