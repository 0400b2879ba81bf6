"""Who may use the desk, its settings, the organizer pages and the kiosk."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, CheckIn, Forum, Registration
from tests.app.desk.helpers import page_text

DESK_PAGES = [
    ("GET", "/desk/{slug}"),
    ("POST", "/desk/{slug}"),
    ("GET", "/desk/{slug}/walk-in"),
    ("POST", "/desk/{slug}/walk-in"),
    ("GET", "/desk/{slug}/counts"),
    ("GET", "/desk/{slug}/badges"),
    ("GET", "/desk/{slug}/people/{rid}"),
    ("GET", "/desk/{slug}/people/{rid}/badge"),
    ("POST", "/desk/{slug}/people/{rid}/check-in"),
    ("POST", "/desk/{slug}/people/{rid}/check-out"),
    ("POST", "/desk/{slug}/people/{rid}/admit"),
    ("POST", "/desk/{slug}/desk-name"),
    ("GET", "/desk/{slug}/settings"),
    ("POST", "/desk/{slug}/settings"),
]


def _call(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, data={"q": "x"})


@pytest.fixture
def two_forums(open_forum, register):
    mine = open_forum(title_en="Mine", title_ko="우리 포럼")
    theirs = open_forum(title_en="Theirs", title_ko="다른 포럼")
    return mine, theirs, register(mine, "Mine Person"), register(theirs, "Their Person")


def test_anonymous_visitors_are_sent_to_sign_in(client, two_forums, db):
    mine, _, person, _ = two_forums
    for method, pattern in DESK_PAGES:
        path = pattern.format(slug=mine.slug, rid=person.id)
        response = _call(client, method, path)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/login?next="), (method, path)
    # Not even the existence of a forum is told.
    assert client.get("/desk/no-such-forum").status_code == 302
    assert client.get("/desk/").status_code == 302


def test_signing_in_from_the_desk_comes_back_to_the_desk(client, two_forums, staff):
    mine, _, _, _ = two_forums
    user = staff("desk", mine)
    first = client.get(f"/desk/{mine.slug}")
    response = client.post(
        first.headers["Location"], data={"email": user.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/desk/{mine.slug}"


def test_desk_staff_cannot_use_another_forums_desk(client, two_forums, staff, login, db):
    mine, theirs, _, their_person = two_forums
    login(client, staff("desk", mine))
    assert client.get(f"/desk/{mine.slug}").status_code == 200
    before = db.session.scalar(select(func.count()).select_from(CheckIn))
    for method, pattern in DESK_PAGES:
        path = pattern.format(slug=theirs.slug, rid=their_person.id)
        assert _call(client, method, path).status_code == 403, (method, path)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == before
    # Someone of another forum, by id through my own desk: not found.
    assert client.get(f"/desk/{mine.slug}/people/{their_person.id}").status_code == 404
    assert client.post(f"/desk/{mine.slug}/people/{their_person.id}/check-in").status_code == 404
    assert client.get(f"/desk/{mine.slug}/people/{2**40}").status_code == 404
    # The desk index lists only my forum.
    index = page_text(client.get("/desk/"))
    assert "Mine" in index and "Theirs" not in index


def test_an_organizer_of_another_forum_cannot_use_this_desk(client, two_forums, staff, login):
    mine, theirs, _, _ = two_forums
    login(client, staff("organizer", theirs))
    assert client.get(f"/desk/{mine.slug}").status_code == 403
    assert client.get(f"/desk/{theirs.slug}").status_code == 200


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_and_admins_work_the_desk(client, two_forums, staff, login, role):
    mine, _, _, _ = two_forums
    login(client, staff(role, mine))
    for path in ("", "/walk-in", "/counts", "/badges", "/settings"):
        assert client.get(f"/desk/{mine.slug}{path}").status_code == 200, path


def test_desk_staff_cannot_change_the_desk_settings(client, two_forums, staff, login, db):
    mine, _, _, _ = two_forums
    login(client, staff("desk", mine))
    assert client.get(f"/desk/{mine.slug}/settings").status_code == 403
    for action in ("open", "closed", "automatic", "kiosk_on", "kiosk_off"):
        assert (
            client.post(f"/desk/{mine.slug}/settings", data={"action": action}).status_code == 403
        )
    db.session.rollback()
    fresh = db.session.get(Forum, mine.id)
    assert (fresh.desk_override, fresh.kiosk_enabled) == ("open", False)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    # No link to the settings either.
    assert f"/desk/{mine.slug}/settings" not in client.get(f"/desk/{mine.slug}").get_data(
        as_text=True
    )


def _organize_rules(app):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            # Every organizer page; the blueprint's static files (if any) are not pages.
            if rule.endpoint.startswith("organize.") and rule.endpoint != "organize.static"
        ),
        key=lambda r: r.rule,
    )


def test_desk_staff_cannot_open_or_post_any_organizer_page(
    app, client, two_forums, staff, login, make_session, make_venue, make_speaker, db
):
    """Every route under /organize (whatever the organizer pages grow to), GET and POST."""
    mine, _, person, _ = two_forums
    session = make_session(mine, seats=10)
    venue = make_venue(mine)
    speaker = make_speaker(mine, sessions=(session,))
    ids = {
        "session_id": session.id,
        "venue_id": venue.id,
        "speaker_id": speaker.id,
        "registration_id": person.id,
        "booking_id": 1,
        "direction": "up",
    }
    rules = _organize_rules(app)
    if not rules:
        pytest.skip("the organizer pages are not registered in this build")
    login(client, staff("desk", mine))
    before = (
        db.session.scalar(select(func.count()).select_from(Registration)),
        db.session.get(Forum, mine.id).updated_at,
    )
    checked = 0
    for rule in rules:
        values = {}
        for name in rule.arguments:
            values[name] = mine.slug if name == "slug" else ids.get(name, 1)
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={})
            assert response.status_code == 403, (method, path, response.status_code)
            checked += 1
    assert checked >= 2  # at least the workspace's GET and one POST
    db.session.rollback()
    assert before == (
        db.session.scalar(select(func.count()).select_from(Registration)),
        db.session.get(Forum, mine.id).updated_at,
    )


def test_an_organizer_opens_and_closes_the_desk_and_turns_the_kiosk_on(
    client, make_forum, staff, login, db
):
    forum = make_forum()  # a month away
    organizer = staff("organizer", forum)
    login(client, organizer)
    page = client.get(f"/desk/{forum.slug}/settings")
    assert "The desk is closed: it opens by itself on the forum's days." in page_text(page)

    response = client.post(f"/desk/{forum.slug}/settings", data={"action": "open"})
    assert response.status_code == 303
    assert "The desk is open (opened by an organizer)." in page_text(
        client.get(response.headers["Location"])
    )
    db.session.rollback()
    assert db.session.get(Forum, forum.id).desk_override == "open"

    client.post(f"/desk/{forum.slug}/settings", data={"action": "closed"})
    db.session.rollback()
    assert db.session.get(Forum, forum.id).desk_override == "closed"
    client.post(f"/desk/{forum.slug}/settings", data={"action": "automatic"})
    db.session.rollback()
    assert db.session.get(Forum, forum.id).desk_override is None

    assert client.get(f"/kiosk/{forum.slug}").status_code == 404
    client.post(f"/desk/{forum.slug}/settings", data={"action": "kiosk_on"})
    db.session.rollback()
    assert db.session.get(Forum, forum.id).kiosk_enabled is True
    assert client.get(f"/kiosk/{forum.slug}").status_code == 200
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["desk_override"] * 3 + ["kiosk_enabled"]
    assert client.post(f"/desk/{forum.slug}/settings", data={"action": "bogus"}).status_code == 400


def test_the_desk_search_limit_counts_each_operator_on_their_own(
    app, two_forums, staff, login, monkeypatch
):
    """Desks at one venue share one public address: one busy desk must not block the others."""
    from app.extensions import limiter

    mine, _, _, _ = two_forums
    monkeypatch.setitem(app.config, "DESK_SEARCH_RATE_LIMIT", "3/minute")
    limiter.reset()
    busy, other = app.test_client(), app.test_client()

    def search(client) -> int:
        # A fresh app context per request: the test's own context would carry the signed-in
        # user (flask.g) from one client's request to the other's.
        with app.app_context():
            return client.post(f"/desk/{mine.slug}", data={"q": "Kim"}).status_code

    for client in (busy, other):
        with app.app_context():
            login(client, staff("desk", mine))
    assert [search(busy) for _ in range(4)] == [200, 200, 200, 429]
    assert search(other) == 200
    limiter.reset()
