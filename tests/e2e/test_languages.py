"""Languages and access services in a real browser, with the keyboard alone, in Korean and
English at 360 px: a person registers choosing the language they will listen in, a receiver
and a sign-language request; the programme filtered by language and service; the organizer's
planning page and a session's services. axe finds no WCAG A/AA violation on any of them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import choose_option, sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"
KEYNOTE = {"ko": "기조", "en": "Keynote"}


def check(page: Page, artifacts, name: str) -> None:
    assert audit(page) == [], name
    assert no_sideways_scroll(page), name
    keep(page, artifacts, name)


def stored_choices(live_app, email: str) -> tuple[str, bool, list[tuple[str, str]]]:
    from app.core.db import db
    from app.models import Registration, ServiceRequest

    with live_app.app_context():
        person = db.session.scalar(db.select(Registration).where(Registration.email == email))
        asked = db.session.scalars(
            db.select(ServiceRequest).where(ServiceRequest.registration_id == person.id)
        ).all()
        return (
            person.listening_language,
            person.needs_receiver,
            sorted((r.kind, r.language) for r in asked),
        )


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_registering_with_a_listening_language_a_receiver_and_a_request(
    page: Page, live_app, artifacts
):
    lang = page.lang
    narrow(page)
    page.goto(f"/forums/{SAMPLE}/register")
    expect(page.locator("#languages")).to_be_visible()
    check(page, artifacts, "register-languages")

    email = f"e2e.languages.{lang}@example.org"
    tab_to(page, "#name")
    page.keyboard.type("김통역" if lang == "ko" else "Jane Interpreted")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#attendance-0")  # in person
    page.keyboard.press("Space")
    choose_option(page, "#listening_language", "영어" if lang == "ko" else "English")
    tab_to(page, "#needs_receiver")
    page.keyboard.press("Space")
    tab_to(page, "#consent_personal_data")
    page.keyboard.press("Space")

    # A request without the accessibility consent comes back with the field's error.
    tab_to(page, "details.accessibility > summary")
    page.keyboard.press("Enter")
    # The keynote: a forum-wide session, so the person attends it.
    keynote = page.locator("details.request-session").filter(has_text=KEYNOTE[lang])
    summary_id = "keynote-requests"
    keynote.locator("summary").evaluate(f"el => el.id = '{summary_id}'")
    tab_to(page, f"#{summary_id}")
    page.keyboard.press("Enter")
    box = keynote.locator("input[type=checkbox]").first
    tab_to(page, "#" + box.get_attribute("id"))
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary[role=alert]")).to_be_visible()
    assert audit(page) == []

    tab_to(page, "#consent_accessibility")
    page.keyboard.press("Space")
    if not page.locator("#" + box.get_attribute("id")).is_checked():
        tab_to(page, "#" + box.get_attribute("id"))
        page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/register/done$"))
    check(page, artifacts, "register-languages-done")

    listening, receiver, asked = stored_choices(live_app, email)
    assert (listening, receiver) == ("en", True)
    assert len(asked) == 1
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_the_programme_filtered_by_language_and_service(page: Page, live_app, artifacts):
    narrow(page)
    page.goto(f"/forums/{SAMPLE}/programme")
    check(page, artifacts, "programme-filters")
    rows_before = page.locator("main table tbody tr").count()
    tab_to(page, "select[name=service]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "form[method=get] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"service="))
    expect(page.locator("[role=status]").first).to_be_visible()
    assert page.locator("main table tbody tr").count() <= rows_before
    check(page, artifacts, "programme-filtered")
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_the_organizers_planning_and_services_pages(page: Page, live_app, staff_account, artifacts):
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/planning", staff_account("organizer", SAMPLE))
    expect(page.locator("h1")).to_be_visible()
    check(page, artifacts, "planning")

    from app.core.db import db
    from app.models import Forum, ForumSession

    with live_app.app_context():
        session_id = db.session.scalar(
            db.select(ForumSession.id)
            .join(Forum, Forum.id == ForumSession.forum_id)
            .where(Forum.slug == SAMPLE, ForumSession.title_en.like("Keynote%"))
        )
    page.goto(f"/organize/forums/{SAMPLE}/sessions/{session_id}/services")
    expect(page.locator("h1")).to_be_visible()
    check(page, artifacts, "session-services")
    assert page.console_errors == []
