"""Every organizer page renders for every demo forum (blocks, studios, tours, many speakers),
and saving an unchanged session form changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.demo import load_demo
from app.models import Forum, ProgrammeChange
from tests.app.web.test_public import text_of

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_every_page_of_every_demo_forum_renders(db, make_user, login):
    load_demo(NOW)
    client = login(make_user("admin"))
    assert client.get("/organize/").status_code == 200
    for forum in db.session.scalars(select(Forum)):
        base = f"/organize/forums/{forum.slug}"
        for path in (
            "",
            "/edit",
            "/timetable",
            "/sessions",
            "/sessions/new",
            "/venues",
            "/speakers",
            "/streams",
            "/streams/new",
            "/conflicts",
            "/publish",
            "/people",
        ):
            response = client.get(base + path)
            assert response.status_code == 200, (forum.slug, path)
        for session in forum.sessions:
            assert client.get(f"{base}/sessions/{session.id}").status_code == 200
            assert client.get(f"{base}/people/sessions/{session.id}").status_code == 200
        for venue in forum.venues:
            assert client.get(f"{base}/venues/{venue.id}/edit").status_code == 200
        for speaker in forum.speakers:
            assert client.get(f"{base}/speakers/{speaker.id}/edit").status_code == 200
        for stream in forum.all_streams:
            assert client.get(f"{base}/streams/{stream.id}/edit").status_code == 200


def test_a_demo_timetable_shows_every_scheduled_session(db, make_user, login):
    load_demo(NOW)
    forum = db.session.scalar(select(Forum).where(Forum.slug == "seoul-smart-city-forum-sample"))
    html = login(make_user("admin")).get(f"/organize/forums/{forum.slug}/timetable").get_data(True)
    text = text_of(html)
    for session in forum.sessions:
        assert (session.title_en or session.title_ko) in text


def test_saving_each_demo_session_unchanged_records_nothing(db, make_user, login):
    from tests.app.organize.test_sessions import edit_form

    load_demo(NOW)
    client = login(make_user("admin"))
    for forum in db.session.scalars(select(Forum)).all():
        for session in forum.sessions:
            response = client.post(
                f"/organize/forums/{forum.slug}/sessions/{session.id}",
                data=edit_form(client, forum, session),
            )
            assert response.status_code == 303, (forum.slug, session.title_en)
    assert db.session.scalar(select(ProgrammeChange)) is None


def test_the_2020_forum_shows_its_record_feedback_certificates_and_dashboard(
    db, client, make_user, login
):
    from sqlalchemy import select

    from app.demo import load_demo
    from app.models import Certificate, Forum
    from app.registration import certificates, dashboard, feedback

    load_demo()
    slug = "smart-city-leaders-forum-2020"
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/forums/{slug}").get_data(True)
    assert "The record" in page and f"https://example.org/{slug}/recordings/keynote-en" in page

    results = feedback.results(forum)
    assert (results.forum.answers, results.asked) == (4, 5)
    codes = list(
        db.session.scalars(select(Certificate.code).where(Certificate.forum_id == forum.id))
    )
    assert len(codes) == 5  # everyone who watched; the one who never did has none
    assert certificates.verify(codes[0]).forum.id == forum.id

    charts = {c.key: c for c in dashboard.charts(forum)}
    assert not any(charts[k].empty for k in ("registrations", "online", "feedback"))
    assert login(make_user("admin")).get(f"/organize/forums/{slug}/dashboard").status_code == 200
