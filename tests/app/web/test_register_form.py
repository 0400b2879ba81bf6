"""The registration form, the confirmation page and the manage pages, through real requests.

Pages are asked for in English (Accept-Language), so assertions read the English text. Every
refused post checks that nothing was written.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.core.presenters import fmt_datetime
from app.core.tokens import (
    CODE_ALPHABET,
    checkin_payload,
    hash_token,
    verify_checkin_payload,
)
from app.extensions import limiter
from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration
from tests.qr import scan_svg

BASE = "http://madang.test"
CODE_RE = re.compile(rf"\b([{CODE_ALPHABET}]{{4}})-([{CODE_ALPHABET}]{{4}})\b")


# ------------------------------------------------------------------------------- helpers


def form(n: int | str = 1, **fields) -> dict:
    values: dict = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "attendance": "in_person",
        "locale": "ko",
        "consent_personal_data": "y",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def url(forum) -> str:
    return f"/forums/{forum.slug}/register"


def snapshot(db) -> dict:
    db.session.expire_all()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {
        "registrations": count(Registration),
        "bookings": count(Booking),
        "outbox": count(OutboxMessage),
        "sessions": db.session.execute(
            select(ForumSession.id, ForumSession.seats_taken, ForumSession.waitlist_seq).order_by(
                ForumSession.id
            )
        ).all(),
        "forums": db.session.execute(
            select(Forum.id, Forum.in_person_taken, Forum.waitlist_seq).order_by(Forum.id)
        ).all(),
    }


def outbox(db, kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def text_of(page: str) -> str:
    """The visible text, tags stripped and white space collapsed."""

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "title", "svg"):
                self.skip += 1

        def handle_endtag(self, tag):
            if tag in ("script", "style", "title", "svg"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


class Controls(HTMLParser):
    """Form controls, labels and fieldset legends of a page."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select"):
            self.controls.append({"tag": tag, **attrs})
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
            self._label = attrs["for"]
            self.labels[self._label] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data


def spaced(text: str) -> str:
    """White space collapsed as text_of does (dates hold narrow no-break spaces)."""
    return re.sub(r"\s+", " ", text)


def input_tag(page: str, name: str, value: str) -> str:
    """The <input> of a checkbox or radio button, by name and value."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return tag
    raise AssertionError(f"no input {name}={value}")


def controls_of(page: str) -> Controls:
    parser = Controls()
    parser.feed(page)
    return parser


def registration_form_of(page: str) -> str:
    match = re.search(r'<form method="post" action="/forums/[^"]+/register".*?</form>', page, re.S)
    assert match, "the registration form is missing"
    return match.group(0)


def error_summary_of(page: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def assert_field_error(page: str, field_id: str, message: str | None = None) -> None:
    """The message is next to the field, and in the summary at the top linking to it."""
    summary = error_summary_of(page)
    assert page.index(summary) < page.index("<form", page.index(summary) - 1)
    assert f'href="#{field_id}"' in summary, summary
    errors = re.search(
        rf'<ul class="field-errors" id="{re.escape(field_id)}-error">(.*?)</ul>', page, re.S
    )
    assert errors, f"no error next to {field_id}"
    control = page.find(f'id="{field_id}"')
    assert control != -1
    assert abs(control - errors.start()) < 1500, "the error is far from its field"
    if message:
        assert message in htmllib.unescape(errors.group(1))
        assert message in htmllib.unescape(summary)


def refused(web, db, forum, data, field_id: str, message: str | None = None) -> str:
    before = snapshot(db)
    response = web.post(url(forum), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, text_of(page)[:500]
    assert_field_error(page, field_id, message)
    assert snapshot(db) == before
    return page


def register_ok(web, forum, data) -> str:
    """Post the form, follow the 303 to the confirmation page, return that page."""
    response = web.post(url(forum), data=data)
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:800]
    assert response.headers["Location"].endswith(f"/forums/{forum.slug}/register/done")
    done = web.get(response.headers["Location"])
    assert done.status_code == 200
    return done.get_data(as_text=True)


def response_headers_private(response) -> bool:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return True


def manage_token_of(page: str) -> str:
    match = re.search(rf'href="{re.escape(BASE)}/manage/([A-Za-z0-9_\-]+)"', page)
    assert match, "no manage link"
    return match.group(1)


def registration_row(db, email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.email == email))


def seats_taken(db, session) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ForumSession.seats_taken).where(ForumSession.id == session.id))


# ---------------------------------------------------------------------------- the page


def test_the_form_labels_every_control_and_marks_required_fields(web, make_forum, make_session):
    forum = make_forum()
    make_session(forum, seats=10, kind="tour", title_en="City Hall tour")
    response = web.get(url(forum))
    assert response.status_code == 200
    page = registration_form_of(response.get_data(as_text=True))
    found = controls_of(page)
    visible = [c for c in found.controls if c.get("type") not in ("hidden", "submit")]
    assert len(visible) >= 12
    for control in visible:
        assert control.get("id") in found.label_for, control
        assert found.labels[control["id"]].strip(), control
    for field in ("name", "email"):
        assert re.search(
            rf'<label for="{field}">[^<]+<span class="required">\(required\)</span></label>', page
        )
    for legend in ("How will you attend?", "Language for our emails", "Consent to the collection"):
        assert re.search(
            rf"<legend>{re.escape(legend)}[^<]*<span class=\"required\">\(required\)</span>",
            page,
        ), legend
    assert "Affiliation (optional)" in page
    # The PIPA Art. 15(2) items are on the page.
    text = text_of(page)
    for item in ("Purpose", "Items collected", "How long we keep them", "Your right to refuse"):
        assert item in text
    assert "City Hall tour" in text


def test_optional_consents_are_separate_and_unticked(web, make_forum):
    forum = make_forum()
    page = registration_form_of(web.get(url(forum)).get_data(as_text=True))
    boxes = {c["id"]: c for c in controls_of(page).controls if c.get("type") == "checkbox"}
    for name in ("consent_personal_data", "consent_marketing", "consent_accessibility"):
        assert name in boxes
        assert "checked" not in boxes[name], name
    assert not any("checked" in box for box in boxes.values())


def test_a_single_mode_forum_preselects_it(web, make_forum):
    forum = make_forum(format="online")
    page = registration_form_of(web.get(url(forum)).get_data(as_text=True))
    radios = [c for c in controls_of(page).controls if c.get("name") == "attendance"]
    assert [(r["value"], "checked" in r) for r in radios] == [("online", True)]


def test_an_unknown_or_draft_forum_is_404(web, db, make_forum):
    draft = make_forum(status="draft")
    before = snapshot(db)
    for slug in ("no-such-forum", draft.slug):
        for method in ("get", "post"):
            response = getattr(web, method)(f"/forums/{slug}/register", data=form())
            assert response.status_code == 404
            assert "Page not found" in response.get_data(as_text=True)
    assert snapshot(db) == before


# ------------------------------------------------------------------------------- window


@pytest.mark.parametrize("onsite", [True, False])
def test_before_the_window_the_page_says_when_and_refuses_posts(app, web, db, make_forum, onsite):
    now = datetime.now(UTC)
    opens, closes = now + timedelta(days=3), now + timedelta(days=12)
    forum = make_forum(
        registration_opens_at=opens, registration_closes_at=closes, onsite_registration=onsite
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        opens_text = fmt_datetime(opens, forum.timezone)
        closes_text = fmt_datetime(closes, forum.timezone)
    response = web.get(url(forum))
    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Pre-registration is not open yet" in text
    assert spaced(f"Pre-registration opens on {opens_text}.") in text
    assert spaced(f"It closes on {closes_text}.") in text
    assert str(opens.astimezone().year) in opens_text and "KST" in opens_text
    onsite_yes = "On-site registration will also be possible on the day"
    onsite_no = "There is no on-site registration on the day."
    assert (onsite_yes in text, onsite_no in text) == (onsite, not onsite)
    assert '<form method="post" action="/forums/' not in response.get_data(as_text=True)

    before = snapshot(db)
    refused_post = web.post(url(forum), data=form())
    assert refused_post.status_code == 409
    assert "Pre-registration is not open yet" in text_of(refused_post.get_data(as_text=True))
    assert snapshot(db) == before


@pytest.mark.parametrize("onsite", [True, False])
def test_after_the_window_the_page_says_so_and_refuses_posts(app, web, db, make_forum, onsite):
    now = datetime.now(UTC)
    closes = now - timedelta(hours=2)
    forum = make_forum(
        registration_opens_at=now - timedelta(days=20),
        registration_closes_at=closes,
        onsite_registration=onsite,
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        closes_text = fmt_datetime(closes, forum.timezone)
    response = web.get(url(forum))
    text = text_of(response.get_data(as_text=True))
    assert "Pre-registration has closed" in text
    assert spaced(f"Pre-registration closed on {closes_text}.") in text
    onsite_yes = "You can still register on site on the day"
    onsite_no = "There is no on-site registration on the day."
    assert (onsite_yes in text, onsite_no in text) == (onsite, not onsite)

    before = snapshot(db)
    refused_post = web.post(url(forum), data=form())
    assert refused_post.status_code == 409
    assert "Pre-registration has closed" in text_of(refused_post.get_data(as_text=True))
    assert snapshot(db) == before


def test_a_forum_without_dates_says_none_are_announced(web, db, make_forum):
    forum = make_forum(registration_opens_at=None, registration_closes_at=None)
    text = text_of(web.get(url(forum)).get_data(as_text=True))
    assert "The organizers have not announced when pre-registration opens." in text
    assert web.post(url(forum), data=form()).status_code == 409
    assert snapshot(db)["registrations"] == 0


# ------------------------------------------------------------------- confirmation page


def test_registering_leads_to_the_confirmation_page(app, web, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=50)
    tour = make_session(forum, seats=1, kind="tour", title_en="City Hall tour")
    visit = make_session(
        forum, seats=1, kind="site_visit", start="14:00", end="15:00", title_en="Data centre"
    )
    web_other = app.test_client()
    web_other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    register_ok(web_other, forum, form(0, session_ids=[str(visit.id)]))

    page = register_ok(
        web,
        forum,
        form(
            1,
            name="김민지",
            affiliation="Seoul Digital Foundation",
            session_ids=[str(tour.id), str(visit.id)],
        ),
    )
    text = text_of(page)
    row = registration_row(db, "person1@example.org")
    assert row.source == "web" and row.name == "김민지"

    # The code, in two groups of four, with no 0/O/1/I.
    shown = f"{row.confirmation_code[:4]}-{row.confirmation_code[4:]}"
    assert CODE_RE.fullmatch(shown)
    assert f'<dd class="code">{shown}</dd>' in page
    # Each part's status.
    assert "You are registered" in text
    assert re.search(r"<dt>Status</dt><dd>Confirmed</dd>", page)
    assert re.search(r'<th scope="row">City Hall tour</th><td>Confirmed</td>', page)
    assert re.search(r'<th scope="row">Data centre</th><td>Waitlisted, position 1</td>', page)
    assert "Seoul Digital Foundation" in text
    # The QR code: inline SVG holding a signed payload with the code, and nothing else.
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    secret = app.config["SECRET_KEY"]
    genuine = checkin_payload(secret, row.confirmation_code)
    assert scan_svg(svg) == [genuine]
    assert verify_checkin_payload(secret, genuine) == row.confirmation_code
    # The secret links.
    token = manage_token_of(page)
    assert row.manage_token_hash == hash_token(token)
    calendar = re.search(rf"{re.escape(BASE)}/calendar/([A-Za-z0-9_\-]+)\.ics", page)
    assert calendar and row.calendar_token_hash == hash_token(calendar.group(1))
    assert f'href="webcal://madang.test/calendar/{calendar.group(1)}.ics"' in page
    # Shown once: the links have left the session cookie.
    assert web.get(f"/forums/{forum.slug}/register/done").status_code == 303


def test_the_confirmation_page_needs_a_fresh_registration(web, make_forum):
    forum = make_forum()
    response = web.get(f"/forums/{forum.slug}/register/done")
    assert response.status_code == 303
    assert "/register/done" not in response.headers["Location"]


def test_the_waitlist_position_is_on_the_confirmation_page(web, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1)
    register_ok(web, forum, form(1, session_ids=[str(tour.id)]))
    register_ok(web, forum, form(2, session_ids=[str(tour.id)]))
    page = register_ok(web, forum, form(3, session_ids=[str(tour.id)]))
    text = text_of(page)
    assert "You are on the waiting list" in text
    assert re.search(r"<dt>Status</dt><dd>Waitlisted, position 2</dd>", page)
    assert re.search(r'<th scope="row">Session</th><td>Waitlisted, position 2</td>', page)
    assert [m.kind for m in outbox(db)][-1] == "registration_waitlisted"


def test_an_online_attendee_takes_no_seat(web, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=5)
    talk = make_session(forum, seats=1, format="hybrid", title_en="Hybrid talk")
    page = register_ok(web, forum, form(attendance="online", session_ids=[str(talk.id)]))
    assert re.search(r'<th scope="row">Hybrid talk</th><td>Confirmed</td>', page)
    assert seats_taken(db, talk) == 0
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 0


@pytest.mark.parametrize(
    "name",
    ["김민지", "Zoë Ångström-Núñez", "O'Brien <Siobhán>", "👩‍💻 개발자", "🇰🇷 Kim", "가" * 200],
)
def test_names_come_back_exactly_as_typed(web, db, make_forum, name):
    forum = make_forum()
    page = register_ok(web, forum, form(name=name))
    assert f"<dt>Name</dt><dd>{escape(name)}</dd>" in page
    assert registration_row(db, "person1@example.org").name == name


# ------------------------------------------------------------------------- bad input


def test_errors_come_back_next_to_the_fields_and_in_a_summary(web, db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=5)
    page = refused(
        web,
        db,
        forum,
        form(
            name="",
            email="no-at-sign",
            affiliation="Seoul Digital Foundation",
            session_ids=[str(tour.id)],
            locale="en",
            consent_personal_data=None,
        ),
        "name",
        "This field is required.",
    )
    assert_field_error(page, "email", "Enter a valid email address")
    assert_field_error(page, "consent_personal_data", "needs your consent")
    summary = error_summary_of(page)
    # One line per problem, no duplicates.
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(items) == len(set(items)) == 3, items
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="name"[^>]*>', page).group(0)
    # What was typed is kept.
    assert re.search(r'<input[^>]*id="email"[^>]*value="no-at-sign"', page)
    assert re.search(r'<input[^>]*id="affiliation"[^>]*value="Seoul Digital Foundation"', page)
    assert "checked" in input_tag(page, "session_ids", str(tour.id))
    assert "checked" in input_tag(page, "locale", "en")
    assert "checked" not in input_tag(page, "locale", "ko")


@pytest.mark.parametrize(
    "email",
    ["no-at-sign", "a@b", "a@@example.org", '"x"@', "min ji@example.org", " ", "a@exa mple.org"],
)
def test_malformed_emails_are_refused(web, db, make_forum, email):
    forum = make_forum()
    page = refused(web, db, forum, form(email=email), "email", "Enter a valid email address")
    assert re.search(rf'<input[^>]*id="email"[^>]*value="{re.escape(str(escape(email)))}"', page)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("가" * 201, "Use at most 200 characters."),
        ("Min\x00ji", "Remove line breaks and control characters."),
        ("Min\nji", "Remove line breaks and control characters."),
        ("Min\rji", "Remove line breaks and control characters."),
        ("Min\u2028ji", "Remove line breaks and control characters."),
    ],
)
def test_bad_names_are_refused(web, db, make_forum, name, message):
    forum = make_forum()
    refused(web, db, forum, form(name=name), "name", message)


def test_a_name_of_200_characters_is_accepted(web, db, make_forum):
    forum = make_forum()
    register_ok(web, forum, form(name="가" * 200))
    assert registration_row(db, "person1@example.org").name == "가" * 200


@pytest.mark.parametrize("consent", [None, "", "false"])
def test_missing_consent_is_refused(web, db, make_forum, consent):
    forum = make_forum()
    data = form(consent_personal_data=consent)
    refused(web, db, forum, data, "consent_personal_data", "needs your consent")


@pytest.mark.parametrize("locale", ["fr", "", "KO"])
def test_an_unknown_locale_is_refused(web, db, make_forum, locale):
    forum = make_forum()
    refused(web, db, forum, form(locale=locale), "locale", "Choose Korean or English.")


@pytest.mark.parametrize(
    ("forum_format", "attendance"), [("in_person", "online"), ("online", "in_person")]
)
def test_an_attendance_mode_the_forum_does_not_offer_is_refused(
    web, db, make_forum, forum_format, attendance
):
    forum = make_forum(format=forum_format)
    refused(
        web,
        db,
        forum,
        form(attendance=attendance),
        "attendance",
        "This forum does not offer that way of attending.",
    )


def test_an_empty_attendance_choice_is_required_not_refused(web, db, make_forum):
    forum = make_forum(format="hybrid")
    page = refused(web, db, forum, form(attendance=""), "attendance", "This field is required.")
    assert "does not offer that way of attending" not in page


@pytest.mark.parametrize(
    ("language", "note"),
    [("en", "full — you will join the waiting list"), ("ko", "마감 — 대기자 명단에 오릅니다")],
)
def test_a_full_session_says_so_before_submitting(client, make_forum, make_session, language, note):
    forum = make_forum()
    full = make_session(forum, title_en="Full tour", seats=1, seats_taken=1)
    free = make_session(forum, start="14:00", end="15:00", title_en="Open tour", seats=5)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(url(forum)).get_data(as_text=True)
    labels = controls_of(page).labels
    full_id = re.search(rf'id="(session_ids-\d+)"[^>]*value="{full.id}"', page).group(1)
    free_id = re.search(rf'id="(session_ids-\d+)"[^>]*value="{free.id}"', page).group(1)
    assert note in labels[full_id]
    assert note not in labels[free_id]


def test_a_checkbox_error_is_listed_once_without_its_label(web, db, make_forum):
    forum = make_forum()
    page = refused(web, db, forum, form(consent_personal_data=None), "consent_personal_data")
    summary = htmllib.unescape(error_summary_of(page))
    assert ".:" not in summary
    assert "I agree to the collection" not in summary
    assert summary.count("needs your consent") == 1


def test_the_browser_icon_is_found(web):
    response = web.get("/favicon.ico")
    assert response.status_code == 301
    with web.get(response.headers["Location"]) as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"


def test_a_hybrid_forum_accepts_both_modes(web, db, make_forum):
    forum = make_forum(format="hybrid")
    register_ok(web, forum, form(1, attendance="in_person"))
    register_ok(web, forum, form(2, attendance="online"))
    assert registration_row(db, "person1@example.org").attendance == "in_person"
    assert registration_row(db, "person2@example.org").attendance == "online"


@pytest.mark.parametrize(
    "problem", ["foreign", "unknown", "cancelled", "overlap", "online_in_person", "not_a_number"]
)
def test_session_choices_follow_the_rules(web, db, make_forum, make_session, problem):
    forum, other = make_forum(), make_forum()
    a = make_session(forum, seats=5, start="10:00", end="11:00", title_en="Tour A")
    b = make_session(forum, seats=5, start="10:30", end="11:30", title_en="Tour B")
    gone = make_session(
        forum, seats=5, start="14:00", end="15:00", status="cancelled", title_en="Gone"
    )
    foreign = make_session(other, seats=5)
    data, message = {
        "foreign": (form(session_ids=[str(foreign.id)]), str(foreign.id)),
        "unknown": (form(session_ids=["999999"]), "999999"),
        "cancelled": (form(session_ids=[str(gone.id)], locale="en"), "“Gone” has been cancelled."),
        "overlap": (form(session_ids=[str(a.id), str(b.id)], locale="en"), "same time"),
        "online_in_person": (
            form(attendance="online", session_ids=[str(a.id)], locale="en"),
            "takes place in person only",
        ),
        "not_a_number": (form(session_ids=["abc"]), "Session ids must be numbers."),
    }[problem]
    refused(web, db, forum, data, "session_ids", message)


def test_accessibility_needs_need_their_own_consent(web, db, make_forum):
    forum = make_forum()
    page = refused(
        web,
        db,
        forum,
        form(accessibility_needs=["wheelchair"]),
        "consent_accessibility",
        "tick the separate consent",
    )
    assert "checked" in input_tag(page, "accessibility_needs", "wheelchair")
    assert '<details class="accessibility" open>' in page
    refused(
        web,
        db,
        forum,
        form(accessibility_needs=["teleport"], consent_accessibility="y"),
        "accessibility_needs",
        "Choose from the listed needs.",
    )
    register_ok(
        web,
        forum,
        form(
            accessibility_needs=["wheelchair", "live_captions"],
            accessibility_other="Guide dog",
            consent_accessibility="y",
        ),
    )
    row = registration_row(db, "person1@example.org")
    assert row.accessibility_consent is True
    assert row.accessibility_needs == ["wheelchair", "live_captions"]
    assert row.accessibility_other == "Guide dog"


def test_marketing_consent_is_recorded_only_when_ticked(web, db, make_forum):
    forum = make_forum()
    register_ok(web, forum, form(1))
    register_ok(web, forum, form(2, consent_marketing="y"))
    assert registration_row(db, "person1@example.org").marketing_consent is False
    assert registration_row(db, "person2@example.org").marketing_consent is True


# ------------------------------------------------------------------------ repeated email


def test_a_repeated_email_shows_check_your_inbox_and_mails_the_manage_link(
    web, db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=3, title_en="Secret tour")
    first = register_ok(
        web,
        forum,
        form(name="김민지", email="Minji@Example.org", session_ids=[str(tour.id)], locale="en"),
    )
    old_token = manage_token_of(first)
    code = re.search(r'<dd class="code">([^<]+)</dd>', first).group(1)
    assert CODE_RE.fullmatch(code)
    before = snapshot(db)

    response = web.post(url(forum), data=form(name="Someone", email="minji@example.ORG"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert "Check your inbox" in text
    assert "We have sent its manage link to it." in text
    for secret in ("김민지", code, old_token, "Secret tour", "Confirmed", "Waitlisted"):
        assert secret not in page

    after = snapshot(db)
    assert after["registrations"] == before["registrations"] == 1
    assert after["sessions"] == before["sessions"]
    [message] = outbox(db, "manage_link")
    assert message.recipient.casefold() == "minji@example.org"
    assert web.get(f"/manage/{old_token}").status_code == 404
    manage = web.get(f"/manage/{message.context['manage_token']}")
    assert manage.status_code == 200
    assert "<dd>김민지</dd>" in manage.get_data(as_text=True)


# ------------------------------------------------------------------------------ manage


def _manage_url(page: str) -> str:
    return f"/manage/{manage_token_of(page)}"


def test_the_manage_page_is_private(web, make_forum):
    forum = make_forum()
    manage = _manage_url(register_ok(web, forum, form()))
    response = web.get(manage)
    assert response_headers_private(response)
    page = response.get_data(as_text=True)
    assert "Manage my registration" in text_of(page)
    assert "<svg" in page
    assert web.get("/manage/not-a-real-token").status_code == 404


def test_switching_attendance_on_the_manage_page_promotes_the_first_waiting(
    web, db, make_forum, make_session
):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, format="hybrid")
    holder = _manage_url(register_ok(web, forum, form(1, session_ids=[str(tour.id)])))
    waiting = _manage_url(register_ok(web, forum, form(2, session_ids=[str(tour.id)])))
    assert "Waitlisted, position 1" in web.get(waiting).get_data(as_text=True)

    response = web.post(holder, data={"attendance": "online", "session_ids": [str(tour.id)]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(holder)
    page = web.get(holder).get_data(as_text=True)
    assert "Your changes are saved." in text_of(page)
    assert "<dt>Attendance</dt><dd>Online</dd>" in page
    assert registration_row(db, "person1@example.org").attendance == "online"
    promoted = web.get(waiting).get_data(as_text=True)
    assert "Waitlisted" not in promoted
    assert seats_taken(db, tour) == 1
    assert {m.recipient for m in outbox(db, "waitlist_promoted")} == {"person2@example.org"}


def test_changing_sessions_on_the_manage_page(web, db, make_forum, make_session):
    forum = make_forum()
    morning = make_session(forum, seats=3, start="10:00", end="11:00", title_en="Morning")
    clash = make_session(forum, seats=3, start="10:30", end="11:30", title_en="Clash")
    noon = make_session(forum, seats=3, start="12:00", end="13:00", title_en="Noon")
    manage = _manage_url(register_ok(web, forum, form(session_ids=[str(morning.id)])))

    before = snapshot(db)
    response = web.post(
        manage,
        data={"attendance": "in_person", "session_ids": [str(morning.id), str(clash.id)]},
    )
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "session_ids", "same time")
    assert snapshot(db) == before

    response = web.post(manage, data={"attendance": "in_person", "session_ids": [str(noon.id)]})
    assert response.status_code == 303
    page = web.get(manage).get_data(as_text=True)
    assert '<th scope="row">Noon</th><td>Confirmed</td>' in page
    assert '<th scope="row">Morning</th>' not in page
    assert seats_taken(db, morning) == 0 and seats_taken(db, noon) == 1


def test_the_manage_page_refuses_a_mode_the_forum_does_not_offer(web, db, make_forum):
    forum = make_forum(format="in_person")
    manage = _manage_url(register_ok(web, forum, form()))
    before = snapshot(db)
    response = web.post(manage, data={"attendance": "online"})
    assert response.status_code == 422
    assert_field_error(
        response.get_data(as_text=True),
        "attendance",
        "This forum does not offer that way of attending.",
    )
    assert snapshot(db) == before


def test_cancelling_on_the_manage_page(web, db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1)
    holder = _manage_url(register_ok(web, forum, form(1, session_ids=[str(tour.id)])))
    waiting = _manage_url(register_ok(web, forum, form(2, session_ids=[str(tour.id)])))

    response = web.post(f"{holder}/cancel")
    assert response.status_code == 303
    page = web.get(holder).get_data(as_text=True)
    assert "This registration has been cancelled." in text_of(page)
    assert "<svg" not in page  # no QR code for a cancelled registration
    assert f'action="{holder}/cancel"' not in page
    assert registration_row(db, "person1@example.org").status == "cancelled"
    assert registration_row(db, "person2@example.org").status == "confirmed"
    assert "Waitlisted" not in web.get(waiting).get_data(as_text=True)
    assert seats_taken(db, tour) == 1
    assert [m.recipient for m in outbox(db, "registration_cancelled")] == ["person1@example.org"]
    assert sorted(m.recipient for m in outbox(db, "waitlist_promoted")) == [
        "person2@example.org",
        "person2@example.org",
    ]

    before = snapshot(db)
    again = web.post(f"{holder}/cancel")
    assert again.status_code == 409
    assert "This registration has been cancelled." in text_of(again.get_data(as_text=True))
    changed = web.post(holder, data={"attendance": "online"})
    assert changed.status_code == 409
    assert snapshot(db) == before


def test_cancelling_asks_first_and_says_what_will_be_lost(web, db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=3, title_en="Harbour tour")
    manage = _manage_url(register_ok(web, forum, form(session_ids=[str(tour.id)])))
    page = web.get(manage).get_data(as_text=True)
    # The manage page leads to the confirmation page; it does not cancel in one click.
    assert f'href="{manage}/cancel"' in page
    assert f'action="{manage}/cancel"' not in page

    before = snapshot(db)
    response = web.get(f"{manage}/cancel")
    assert response_headers_private(response)
    confirm = response.get_data(as_text=True)
    text = text_of(confirm)
    assert "gives up your place in the forum (Confirmed)" in text
    assert "Harbour tour (Confirmed)" in text
    assert "This cannot be undone" in text
    assert f'action="{manage}/cancel"' in confirm
    assert f'href="{manage}"' in confirm  # keep it
    assert snapshot(db) == before
    assert registration_row(db, "person1@example.org").status == "confirmed"

    assert web.post(f"{manage}/cancel").status_code == 303
    assert registration_row(db, "person1@example.org").status == "cancelled"
    # Once cancelled, the confirmation page leads back to the manage page.
    again = web.get(f"{manage}/cancel")
    assert again.status_code == 303
    assert again.headers["Location"].endswith(manage)


def test_the_manage_page_marks_full_sessions_except_the_ones_held(
    web, db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=1, title_en="Tour")
    holder = _manage_url(register_ok(web, forum, form(1, session_ids=[str(tour.id)])))
    other = _manage_url(register_ok(web, forum, form(2)))
    note = "full — you will join the waiting list"
    assert note not in htmllib.unescape(web.get(holder).get_data(as_text=True))
    assert note in htmllib.unescape(web.get(other).get_data(as_text=True))


def test_the_manage_page_links_back_to_the_forum(web, make_forum):
    forum = make_forum()
    manage = _manage_url(register_ok(web, forum, form()))
    page = web.get(manage).get_data(as_text=True)
    assert f'<a href="/forums/{forum.slug}">Back to the forum</a>' in page


def test_the_registration_reads_as_a_grid_and_a_bordered_table(web):
    with web.get("/static/madang.css") as response:
        css = response.get_data(as_text=True)
    rule = lambda selector: re.search(  # noqa: E731
        rf"(?m)^{re.escape(selector)} \{{(.*?)\}}", css, re.S
    ).group(1)
    assert "grid-template-columns" in rule(".ticket dl.facts")
    assert "text-align: left" in rule("table.places caption")
    assert "border: 1px solid" in rule("table.places th,\ntable.places td")
    assert "margin: 1rem 0" in rule(".qr-figure")


def test_a_new_calendar_link(web, db, make_forum):
    forum = make_forum()
    first = register_ok(web, forum, form())
    manage = _manage_url(first)
    old = re.search(rf"{re.escape(BASE)}/calendar/([A-Za-z0-9_\-]+)\.ics", first).group(1)
    response = web.post(f"{manage}/calendar")
    assert response_headers_private(response)
    page = response.get_data(as_text=True)
    new = re.search(rf"{re.escape(BASE)}/calendar/([A-Za-z0-9_\-]+)\.ics", page).group(1)
    assert new != old
    row = registration_row(db, "person1@example.org")
    assert row.calendar_token_hash == hash_token(new)
    assert "The old one no longer works." in text_of(page)


# ------------------------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_post_without_the_csrf_token_is_refused(web, db, make_forum, csrf_on):
    forum = make_forum()
    before = snapshot(db)
    response = web.post(url(forum), data=form())
    assert response.status_code == 400
    assert snapshot(db) == before

    page = registration_form_of(web.get(url(forum)).get_data(as_text=True))
    token = _csrf_token(page)
    assert web.post(url(forum), data=form(csrf_token="forged" + token)).status_code == 400
    assert snapshot(db) == before

    response = web.post(url(forum), data=form(csrf_token=token))
    assert response.status_code == 303
    assert snapshot(db)["registrations"] == 1


def test_manage_posts_need_the_csrf_token(web, db, make_forum, csrf_on):
    forum = make_forum()
    page = web.get(url(forum)).get_data(as_text=True)
    done = web.post(url(forum), data=form(csrf_token=_csrf_token(registration_form_of(page))))
    manage = _manage_url(web.get(done.headers["Location"]).get_data(as_text=True))
    before = snapshot(db)
    for path in (manage, f"{manage}/cancel", f"{manage}/calendar"):
        assert web.post(path, data={"attendance": "online"}).status_code == 400, path
    assert snapshot(db) == before
    assert registration_row(db, "person1@example.org").status == "confirmed"

    token = _csrf_token(web.get(f"{manage}/cancel").get_data(as_text=True))
    assert web.post(f"{manage}/cancel", data={"csrf_token": token}).status_code == 303
    assert registration_row(db, "person1@example.org").status == "cancelled"


# -------------------------------------------------------------------------- rate limit


@pytest.fixture
def low_rate_limit(app):
    previous = app.config["REGISTRATION_RATE_LIMIT"]
    app.config["REGISTRATION_RATE_LIMIT"] = "2/minute"
    limiter.reset()
    yield
    app.config["REGISTRATION_RATE_LIMIT"] = previous
    limiter.reset()


def test_too_many_posts_get_the_429_page(web, db, make_forum, low_rate_limit):
    forum = make_forum()
    assert web.post(url(forum), data=form(1)).status_code == 303
    assert web.post(url(forum), data=form(2)).status_code == 303
    before = snapshot(db)
    response = web.post(url(forum), data=form(3))
    assert response.status_code == 429
    text = text_of(response.get_data(as_text=True))
    assert "Too many requests" in text
    assert "Please wait a moment and try again." in text
    assert snapshot(db) == before
    # Reading the form is not limited.
    assert web.get(url(forum)).status_code == 200


def test_a_session_error_has_a_place_even_when_no_session_has_limited_seats(
    web, db, make_forum, make_session
):
    forum, other = make_forum(), make_forum()
    make_session(forum, seats=None)  # nothing to choose on the form
    foreign = make_session(other, seats=5)
    assert 'id="session_ids"' not in web.get(url(forum)).get_data(as_text=True)
    refused(web, db, forum, form(session_ids=[str(foreign.id)]), "session_ids", str(foreign.id))


def test_the_confirmation_page_forgets_the_links_after_a_while(client, make_forum, monkeypatch):
    """On a shared computer the next person must not find the previous person's links."""
    import app.web.attendee as attendee

    forum = make_forum(format="online")
    response = client.post(
        f"/forums/{forum.slug}/register",
        data={
            "name": "Kim",
            "email": "kim@example.org",
            "attendance": "online",
            "locale": "en",
            "consent_personal_data": "y",
        },
    )
    done = response.headers["Location"]
    now = attendee.time.time()
    monkeypatch.setattr(attendee.time, "time", lambda: now + attendee.CONFIRMATION_SECONDS + 1)
    later = client.get(done)
    assert later.status_code == 303
    assert "/manage/" not in client.get(later.headers["Location"]).get_data(as_text=True)
