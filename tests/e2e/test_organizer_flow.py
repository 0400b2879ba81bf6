"""An organizer moves a session of the published sample forum with the keyboard alone, in Korean
and in English: a new venue and a new time, saved; the page, the database and the outbox show
it. And axe finds no WCAG A/AA violation on the session form, with and without errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.keyboard import choose_option, shift_hour, sign_in, tab_to
from tests.e2e.test_accessibility import audit

SAMPLE = "seoul-smart-city-forum-sample"
SITE_VISIT = "Site visit: LG Science Park, Magok"
# Each language's run moves the site visit to a room of its own, an hour later.
NEW_VENUE = {"ko": "Multipurpose Hall", "en": "Main Conference Room"}
REGISTRANT = {"ko": ("한지우", "jiwoo.han"), "en": ("Noah Fischer", "noah.fischer")}
LANGS = pytest.mark.parametrize("page", ["ko", "en"], indirect=True)


def say(live_app, lang: str, message: str, **values) -> str:
    """`message` as the interface shows it in `lang`."""
    from flask_babel import force_locale, gettext

    with live_app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


def say_n(live_app, lang: str, singular: str, plural: str, num: int) -> str:
    from flask_babel import force_locale, ngettext

    with live_app.test_request_context(), force_locale(lang):
        return ngettext(singular, plural, num)


def site_visit(live_app):
    """The sample forum's site visit as stored now (a detached copy of what the test needs)."""
    from app.core.db import db
    from app.models import Forum, ForumSession

    with live_app.app_context():
        row = db.session.scalar(
            select(ForumSession)
            .join(Forum)
            .where(Forum.slug == SAMPLE, ForumSession.title_en == SITE_VISIT)
        )
        return {
            "id": row.id,
            "starts_at": row.starts_at.astimezone(UTC),
            "ends_at": row.ends_at.astimezone(UTC),
            "venue_id": row.venue_id,
            "revision": row.revision,
            "tz": row.forum.timezone,
        }


def venue(live_app, name_en: str) -> dict:
    from app.core.db import db
    from app.models import Forum, Venue

    with live_app.app_context():
        row = db.session.scalar(
            select(Venue).join(Forum).where(Forum.slug == SAMPLE, Venue.name_en == name_en)
        )
        return {"id": row.id, "ko": row.name_ko, "en": row.name_en}


def register_for(live_app, session_id: int, name: str, email: str) -> int:
    """A pre-registration with a place in the session, through the registration service."""
    from app.core.db import db
    from app.models import Forum
    from app.registration import operations as registrations

    with live_app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
        result = registrations.register(
            forum,
            registrations.RegistrationRequest(
                name=name,
                email=email,
                attendance="in_person",
                session_ids=[session_id],
                consent_personal_data=True,
            ),
        )
        return result.registration.id


def local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


@LANGS
def test_an_organizer_moves_a_session_with_the_keyboard_alone(page: Page, live_app, staff_account):
    from app.core.db import db
    from app.models import Booking, ForumSession, OutboxMessage, ProgrammeChange
    from app.programme.checks import NOTICE_KIND

    lang = page.lang
    before = site_visit(live_app)
    target = venue(live_app, NEW_VENUE[lang])
    assert before["venue_id"] != target["id"]
    name, mailbox = REGISTRANT[lang]
    person_id = register_for(live_app, before["id"], name, f"{mailbox}@example.org")
    with live_app.app_context():
        last_change = db.session.scalar(
            select(ProgrammeChange.id).order_by(ProgrammeChange.id.desc())
        )
        booking = db.session.scalar(select(Booking).where(Booking.registration_id == person_id))
        assert (booking.session_id, booking.status) == (before["id"], "confirmed")

    organizer = staff_account("organizer", SAMPLE)
    sign_in(page, f"/organize/forums/{SAMPLE}/sessions", organizer)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # Open the session from the list.
    tab_to(page, f"main a[href='/organize/forums/{SAMPLE}/sessions/{before['id']}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/organize/forums/{SAMPLE}/sessions/{before['id']}$"))
    tz = before["tz"]
    new_start, new_end = (
        before["starts_at"] + timedelta(hours=1),
        before["ends_at"] + timedelta(hours=1),
    )
    expect(page.locator("#starts_at")).to_have_value(
        local(before["starts_at"], tz).strftime("%Y-%m-%dT%H:%M")
    )

    # Move it: another room, an hour later; then save.
    choose_option(page, "#venue_id", target[lang])
    shift_hour(page, "#starts_at", 1)
    shift_hour(page, "#ends_at", 1)
    expect(page.locator("#starts_at")).to_have_value(
        local(new_start, tz).strftime("%Y-%m-%dT%H:%M")
    )
    expect(page.locator("#ends_at")).to_have_value(local(new_end, tz).strftime("%Y-%m-%dT%H:%M"))
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")

    flashes = page.locator(".flashes[role=status]")
    expect(flashes).to_contain_text(say(live_app, lang, "The session is saved."))
    expect(page.locator("#error-summary")).to_have_count(0)

    # The database: the row moved, the changes are recorded, the registrant's notice is queued.
    with live_app.app_context():
        row = db.session.get(ForumSession, before["id"])
        assert row.starts_at.astimezone(UTC) == new_start
        assert row.ends_at.astimezone(UTC) == new_end
        assert row.venue_id == target["id"]
        assert row.revision == before["revision"] + 1
        changes = db.session.scalars(
            select(ProgrammeChange).where(
                ProgrammeChange.session_id == before["id"],
                ProgrammeChange.id > (last_change or 0),
            )
        ).all()
        assert sorted(c.kind for c in changes) == ["moved", "venue"]
        assert {c.changed_by_id for c in changes} == {organizer.id}
        change_ids = {c.id for c in changes}
        notices = [
            m
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == NOTICE_KIND)
            )
            if m.context.get("session_id") == before["id"]
            and change_ids <= set(m.context.get("change_ids", []))
        ]
        mine = [m for m in notices if m.registration_id == person_id]
        assert len(mine) == 1
        assert (mine[0].recipient, mine[0].status) == (f"{mailbox}@example.org", "pending")
    told = say_n(
        live_app,
        lang,
        "%(num)d person will be told of the change.",
        "%(num)d people will be told of the change.",
        len(notices),
    )
    expect(flashes).to_contain_text(told % {"num": len(notices)})

    # The page: the form shows the new time and room, and so does the public session page.
    expect(page.locator("#starts_at")).to_have_value(
        local(new_start, tz).strftime("%Y-%m-%dT%H:%M")
    )
    expect(page.locator("#venue_id option:checked")).to_have_text(target[lang])
    tab_to(page, f"main a[href='/forums/{SAMPLE}/sessions/{before['id']}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/forums/{SAMPLE}/sessions/{before['id']}$"))
    facts = page.locator("dl.facts")
    time_range = f"{local(new_start, tz):%H:%M}"
    expect(facts).to_contain_text(time_range)
    expect(facts).to_contain_text(f"{local(new_end, tz):%H:%M}")
    expect(facts).to_contain_text(target[lang])
    assert page.console_errors == []


@LANGS
def test_the_session_form_has_no_wcag_violations_with_and_without_errors(
    page: Page, live_app, staff_account
):
    from app.core.db import db
    from app.models import ForumSession

    before = site_visit(live_app)
    sign_in(
        page,
        f"/organize/forums/{SAMPLE}/sessions/{before['id']}",
        staff_account("organizer", SAMPLE),
    )
    expect(page.locator("html")).to_have_attribute("lang", page.lang)
    assert audit(page) == []

    # An end before the start, with the keyboard: refused, with the error summary.
    shift_hour(page, "#ends_at", -3)
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#ends_at']")).to_contain_text(
        say(live_app, page.lang, "The end must be after the start.")
    )
    expect(page.locator("#ends_at")).to_have_attribute("aria-invalid", "true")
    assert audit(page) == []
    with live_app.app_context():
        row = db.session.get(ForumSession, before["id"])
        assert row.ends_at.astimezone(UTC) == before["ends_at"]
        assert row.revision == before["revision"]
