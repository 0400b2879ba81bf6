"""The registration desk of the sample forum with the keyboard alone, in Korean and in English:
finding a person and checking them in (a second time only says so), registering a walk-in
after correcting an error, and axe on the walk-in form with and without errors."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.keyboard import retype, sign_in, tab_to
from tests.e2e.test_accessibility import audit

SAMPLE = "seoul-smart-city-forum-sample"
DESK = f"/desk/{SAMPLE}"
LANGS = pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
PRE_REGISTERED = {"ko": ("윤서진", "seojin.yoon"), "en": ("Olivia Brandt", "olivia.brandt")}
WALK_IN = {
    "ko": ("정하나", "서울디지털재단", "hana.jeong"),
    "en": ("Lukas Weber", "City of Exampleton", "lukas.weber"),
}


def say(live_app, lang: str, message: str, **values) -> str:
    """`message` as the interface shows it in `lang`."""
    from flask_babel import force_locale, gettext

    with live_app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


@pytest.fixture
def open_desk(live_app, staff_account):
    """The sample forum is a month away: an organizer opens its desk for the test (and lets
    it open by itself again afterwards)."""
    from app.core.db import db
    from app.desk import screens
    from app.models import Forum, User

    organizer = staff_account("organizer", SAMPLE)

    def override(value: str | None) -> None:
        with live_app.app_context():
            forum = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
            screens.set_desk_override(forum, value, db.session.get(User, organizer.id))

    override("open")
    yield
    override(None)


def pre_register(live_app, name: str, email: str):
    """An in-person pre-registration through the registration service: (id, code)."""
    from app.core.db import db
    from app.models import Forum
    from app.registration import operations as registrations

    with live_app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
        result = registrations.register(
            forum,
            registrations.RegistrationRequest(
                name=name, email=email, attendance="in_person", consent_personal_data=True
            ),
        )
        return result.registration.id, result.registration.confirmation_code


def check_ins(live_app, registration_id: int) -> list[tuple]:
    from app.core.db import db
    from app.models import CheckIn

    with live_app.app_context():
        return [
            (row.direction, row.operator_id, row.session_id)
            for row in db.session.scalars(
                select(CheckIn).where(CheckIn.registration_id == registration_id)
            )
        ]


def registration(live_app, registration_id: int):
    from app.core.db import db
    from app.models import Registration

    with live_app.app_context():
        row = db.session.get(Registration, registration_id)
        db.session.expunge(row)
        return row


@LANGS
def test_the_desk_checks_a_person_in_once_with_the_keyboard_alone(
    page: Page, live_app, open_desk, staff_account
):
    lang = page.lang
    name, mailbox = PRE_REGISTERED[lang]
    person_id, code = pre_register(live_app, name, f"{mailbox}@example.org")
    desk = staff_account("desk", SAMPLE)
    sign_in(page, DESK, desk)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # The desk's one field has the focus: type the name, Enter searches.
    field = page.locator("#q")
    expect(field).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    results = page.locator("section[aria-labelledby=found-title]")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.locator("tbody th[scope=row]")).to_have_text(name)
    assert check_ins(live_app, person_id) == []

    tab_to(page, f"form[action='{DESK}/people/{person_id}/check-in'] button")
    page.keyboard.press("Enter")
    done = page.locator(".outcome-ok[role=status]")
    expect(done).to_contain_text(say(live_app, lang, "%(name)s is checked in.", name=name))
    expect(page.locator(f"#person-{person_id}")).to_have_text(name)
    assert check_ins(live_app, person_id) == [("in", desk.id, None)]
    first = registration(live_app, person_id)
    assert (first.status, first.source) == ("confirmed", "web")
    assert first.checked_in_at is not None

    # Back at the desk, the confirmation code a second time: already checked in, nothing added.
    tab_to(page, f"main .actions a[href='{DESK}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"{DESK}$"))
    expect(field).to_be_focused()
    page.keyboard.type(f"{code[:4]}-{code[4:]}")
    page.keyboard.press("Enter")
    again = page.locator(".outcome-warn[role=alert]")
    expect(again.locator("h2")).to_have_text(say(live_app, lang, "Already checked in"))
    at = first.checked_in_at.astimezone(ZoneInfo("Asia/Seoul"))
    expect(again).to_contain_text(
        say(
            live_app,
            lang,
            "Already checked in at %(time)s by %(by)s (%(desk)s).",
            time=f"{at:%H:%M}",
            by="Desk Kim",
            desk=say(live_app, lang, "Desk"),
        )
    )
    expect(page.locator(f"#person-{person_id}")).to_have_text(name)
    assert check_ins(live_app, person_id) == [("in", desk.id, None)]
    assert registration(live_app, person_id).checked_in_at == first.checked_in_at
    assert page.console_errors == []


@LANGS
def test_a_walk_in_is_registered_with_the_keyboard_alone_after_a_correction(
    page: Page, live_app, open_desk, staff_account
):
    from app.core.db import db
    from app.models import CheckIn, Registration

    lang = page.lang
    name, affiliation, mailbox = WALK_IN[lang]
    email = f"{mailbox}@example.org"
    desk = staff_account("desk", SAMPLE)
    sign_in(page, DESK, desk)

    tab_to(page, f"header a[href='{DESK}/walk-in']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"{DESK}/walk-in$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # No name and a mistyped email; emails in English (the arrow keys in the radio group).
    tab_to(page, "#affiliation")
    page.keyboard.type(affiliation)
    tab_to(page, "#email")
    page.keyboard.type(email.replace("@", "@@"))
    tab_to(page, "#locale-0")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#locale-1")).to_be_checked()
    tab_to(page, "#consent_personal_data")
    page.keyboard.press("Space")
    expect(page.locator("#consent_personal_data")).to_be_checked()
    tab_to(page, "main form button[type=submit].primary")
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#name']")).to_have_count(1)
    expect(summary.locator("a[href='#email']")).to_have_count(1)
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    # What was typed stays.
    expect(page.locator("#affiliation")).to_have_value(affiliation)
    expect(page.locator("#locale-1")).to_be_checked()
    expect(page.locator("#consent_personal_data")).to_be_checked()
    with live_app.app_context():
        assert db.session.scalar(select(Registration).where(Registration.email == email)) is None

    # The summary's link leads to the field; correct both and register.
    tab_to(page, "#error-summary a[href='#name']")
    page.keyboard.press("Enter")
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type(name)
    retype(page, "#email", email)
    tab_to(page, "main form button[type=submit].primary")
    page.keyboard.press("Enter")

    # (The browser keeps the #name the summary's link added across the redirect.)
    expect(page).to_have_url(re.compile(rf"{DESK}/people/\d+(#name)?$"))
    person_id = int(re.search(r"/people/(\d+)", page.url)[1])
    with live_app.app_context():
        person = db.session.get(Registration, person_id)
        assert (person.name, person.affiliation, person.email) == (name, affiliation, email)
        assert (person.source, person.status, person.attendance) == (
            "desk",
            "confirmed",
            "in_person",
        )
        assert person.locale == "en"
        assert person.checked_in_at is not None
        code = person.confirmation_code
        rows = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == person_id)).all()
        assert [(r.direction, r.operator_id) for r in rows] == [("in", desk.id)]
    expect(page.locator(".flashes[role=status]")).to_contain_text(
        say(
            live_app,
            lang,
            "%(name)s is registered and checked in. Code: %(code)s.",
            name=name,
            code=f"{code[:4]}-{code[4:]}",
        )
    )
    card = page.locator(f"section[aria-labelledby=person-{person_id}]")
    expect(card).to_contain_text(say(live_app, lang, "walk-in"))
    expect(card).to_contain_text(affiliation)
    assert page.console_errors == []


@LANGS
def test_the_walk_in_form_has_no_wcag_violations_with_and_without_errors(
    page: Page, live_app, open_desk, staff_account
):
    sign_in(page, f"{DESK}/walk-in", staff_account("desk", SAMPLE))
    expect(page.locator("html")).to_have_attribute("lang", page.lang)
    expect(page.locator("main form #name")).to_be_visible()
    assert audit(page) == []

    tab_to(page, "main form button[type=submit].primary")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#name']")).to_have_count(1)
    expect(summary.locator("a[href='#consent_personal_data']")).to_have_count(1)
    assert audit(page) == []
