"""CSRF protection as deployed: the app built from the production and the development
configuration (never the testing one, which switches protection off for the other tests)
refuses a form POST without its token, on the sign-in, registration, manage and organizer forms.

Nothing here turns protection on: only settings unrelated to it are given (a secret, a database,
no background mail thread), so `WTF_CSRF_ENABLED = False` slipping into the shared `Config`
fails this test.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from config import DevelopmentConfig, ProductionConfig

PASSWORD = "correct horse battery"


@pytest.fixture(params=[ProductionConfig, DevelopmentConfig], ids=lambda c: c.ENV_NAME)
def deployed(request, tmp_path) -> Iterator[dict]:
    """An app of the given configuration on a migrated SQLite database, with an open forum, an
    organizer and one registration (its manage token)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.users import create_user
    from app.core.db import db
    from app.models import Forum
    from app.registration import operations as registrations

    overrides = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/deployed.sqlite3",
        "MAIL_BACKEND": "memory",
        "MAIL_DELIVER_IN_PROCESS": False,
    }
    assert not any(key.startswith("WTF_") for key in overrides)
    app = create_app(request.param, **overrides)
    assert not app.testing
    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        day = date.today() + timedelta(days=30)
        forum = Forum(
            slug="deployed",
            title_ko="배포 포럼",
            title_en="Deployed Forum",
            timezone="Asia/Seoul",
            first_day=day,
            last_day=day,
            format="hybrid",
            status="published",
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=20),
            organizer_email="forum@seoul.example.org",
        )
        db.session.add(forum)
        db.session.commit()
        organizer = create_user(
            "organizer@staff.example.org", PASSWORD, "organizer", forum_slugs=["deployed"]
        )
        registered = registrations.register(
            forum,
            registrations.RegistrationRequest(
                name="김민지",
                email="minji@example.org",
                attendance="online",
                locale="en",
                consent_personal_data=True,
            ),
        )
        scene = {
            "app": app,
            "slug": forum.slug,
            "organizer": organizer.email,
            "manage": f"/manage/{registered.manage_token}",
        }
        db.session.remove()
    yield scene
    with app.app_context():
        db.engine.dispose()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def registrations_count(app) -> int:
    from app.core.db import db
    from app.models import Registration

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Registration))
        db.session.remove()
    return count


def test_form_posts_without_the_token_are_refused(deployed):
    app, slug = deployed["app"], deployed["slug"]
    # Over HTTPS (production's session cookie is Secure), from the site's own pages (over
    # HTTPS the token is checked against the Referer too).
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
    sign_in = {"email": deployed["organizer"], "password": PASSWORD}
    person = {
        "name": "Lee",
        "email": "lee@example.org",
        "attendance": "online",
        "consent_personal_data": "y",
    }

    assert client.post("/login", data=sign_in, **https).status_code == 400
    assert client.post(f"/forums/{slug}/register", data=person, **https).status_code == 400
    assert registrations_count(app) == 1
    manage = deployed["manage"]
    for path in (manage, f"{manage}/cancel"):
        assert client.post(path, data={"attendance": "in_person"}, **https).status_code == 400

    # The same sign-in with the form's token goes through: the 400s above are CSRF refusals.
    token = csrf_token(client.get("/login", **https).get_data(as_text=True))
    assert client.post("/login", data={**sign_in, "csrf_token": token}, **https).status_code == 303

    new_session = f"/organize/forums/{slug}/sessions/new"
    assert client.get(new_session, **https).status_code == 200
    assert client.post(new_session, data={"title_en": "Keynote"}, **https).status_code == 400
    assert client.post(f"/organize/forums/{slug}/edit", data={}, **https).status_code == 400
    assert client.post(f"/organize/forums/{slug}/publish", data={}, **https).status_code == 400
