"""The comment event's public pages: the prompt and the form, the same answer for every
address, refused input (422 with the field's error, nothing stored), the wall (masked names,
text never markup, sorting, pages, likes without JavaScript), the confirmation link delivered by
mail, and a registration's manage link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.tokens import hash_token
from app.mail.delivery import deliver_due
from app.mail.senders import memory_outbox, reset_memory_outbox
from app.models import CommentEntry, CommentLike, OutboxMessage, StreamLink
from app.voices import comments
from tests.app.voices.test_comments import add_entry, make_event

STREAM = "https://live.example.org/seoul-2020"


def form_body(n: int | str = 1, **fields) -> dict:
    values = {
        "name": f"김민지{n}",
        "email": f"person{n}@example.org",
        "comment": "모두가 함께 쓰는 도시다",
        "consent": "y",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def forum(make_forum):
    return make_forum(slug="leaders-2020")


@pytest.fixture
def event(db, forum):
    return make_event(db, forum, prompt_en="An inclusive smart city is …")


def stored(db) -> list[CommentEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(CommentEntry).order_by(CommentEntry.id)))


def outbox_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def page_text(response) -> str:
    return response.get_data(as_text=True)


# ========================================================================= the page


def test_the_page_shows_the_prompt_window_rewards_and_consent(web, event, forum):
    page = page_text(web.get(f"/forums/{forum.slug}/comments"))
    assert "An inclusive smart city is …" in page
    assert "A coffee coupon" in page and "3 participants are drawn" in page
    assert "livestream links" in page
    assert "Name, email address and your comment." in page
    assert "Until 90 days after the forum ends" in page
    assert "You may refuse." in page
    assert 'name="consent"' in page and 'maxlength="200"' in page


def test_the_prompt_falls_back_to_the_other_language(db, web, client, forum):
    make_event(db, forum, prompt_en="")
    page = page_text(web.get(f"/forums/{forum.slug}/comments"))
    assert '<span lang="ko">포용적 스마트시티는 ○○○다</span>' in page
    korean = page_text(client.get(f"/forums/{forum.slug}/comments"))
    assert "포용적 스마트시티는 ○○○다" in korean


def test_no_event_or_a_draft_forum_is_not_found(db, web, make_forum, forum):
    assert web.get(f"/forums/{forum.slug}/comments").status_code == 404
    draft = make_forum(status="draft")
    make_event(db, draft)
    assert web.get(f"/forums/{draft.slug}/comments").status_code == 404


def test_the_forum_page_links_to_the_event(web, event, forum):
    page = page_text(web.get(f"/forums/{forum.slug}"))
    assert "Comment event" in page and "An inclusive smart city is …" in page
    assert f'href="/forums/{forum.slug}/comments"' in page and "Leave your comment" in page


# ========================================================================= taking part


def test_every_address_gets_the_same_answer(db, web, event, forum):
    url = f"/forums/{forum.slug}/comments"
    first = web.post(url, data=form_body(1))
    again = web.post(url, data=form_body(1, comment="replaced"))
    token = db.session.scalars(select(OutboxMessage)).all()[-1].context["confirm_token"]
    comments.confirm(forum, token)
    confirmed = web.post(url, data=form_body(1, comment="ignored"))
    answers = {(r.status_code, r.headers["Location"]) for r in (first, again, confirmed)}
    assert answers == {(303, f"/forums/{forum.slug}/comments/sent")}
    assert "Check your inbox" in page_text(web.get(f"/forums/{forum.slug}/comments/sent"))
    [entry] = stored(db)
    assert entry.text == "replaced" and entry.confirmed_at is not None


def test_the_entry_takes_the_pages_language(db, client, event, forum):
    client.post(
        f"/forums/{forum.slug}/comments",
        data=form_body(1),
        headers={"Accept-Language": "en"},
    )
    client.post(
        f"/forums/{forum.slug}/comments",
        data=form_body(2),
        headers={"Accept-Language": "ko"},
    )
    assert [e.locale for e in stored(db)] == ["en", "ko"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"comment": "x" * 201}, "comment", "Use at most 200 characters."),
        ({"comment": "two\r\nlines"}, "comment", "Remove line breaks and control characters."),
        ({"comment": "nul\x00byte"}, "comment", "Remove line breaks and control characters."),
        ({"comment": ""}, "comment", "This field is required."),
        ({"email": "nobody"}, "email", "Enter a valid email address"),
        ({"name": "n" * 201}, "name", "Use at most 200 characters."),
        ({"consent": None}, "consent", "needs your consent"),
    ],
)
def test_bad_input_shows_the_fields_error_and_stores_nothing(
    db, web, event, forum, fields, field, message
):
    response = web.post(f"/forums/{forum.slug}/comments", data=form_body(1, **fields))
    assert response.status_code == 422
    page = page_text(response)
    assert message in page
    assert f'id="{field}-error"' in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page) or re.search(
        rf'aria-invalid="true"[^>]*id="{field}"', page
    )
    assert stored(db) == [] and outbox_count(db) == 0


def test_outside_the_window_the_form_says_so(db, web, forum):
    now = utcnow()
    make_event(db, forum, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    page = web.get(f"/forums/{forum.slug}/comments")
    assert "The comment event has closed" in page_text(page)
    assert 'name="comment"' not in page_text(page)
    response = web.post(f"/forums/{forum.slug}/comments", data=form_body(1))
    assert response.status_code == 409
    assert "no more comments are taken" in page_text(response)
    assert stored(db) == [] and outbox_count(db) == 0


# ========================================================================= the wall


def test_html_and_script_are_shown_as_text_and_names_masked(db, web, event, forum):
    add_entry(db, event, 1, name="김민지", text='<script>alert("x")</script><b>bold</b>')
    add_entry(db, event, 2, name="Jane Doe", text="Plain", sample=True)
    add_entry(db, event, 3, name="Hidden Person", text="not shown", status="hidden")
    page = page_text(web.get(f"/forums/{forum.slug}/comments"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "김*지" in page and "김민지" not in page
    assert "J*** D**" in page and "Jane Doe" not in page
    assert 'class="badge badge-sample">Sample' in page
    assert "not shown" not in page


def test_the_wall_sorts_and_pages_with_links(db, web, event, forum):
    start = utcnow() - timedelta(hours=3)
    for n in range(60):
        add_entry(
            db, event, n, text=f"Comment number {n}.", created_at=start + timedelta(minutes=n)
        )
    add_entry(db, event, "liked", text="The most liked one.", likes=9, created_at=start)
    newest = page_text(web.get(f"/forums/{forum.slug}/comments"))
    assert newest.index("Comment number 59.") < newest.index("Comment number 58.")
    assert "The most liked one." not in newest  # the oldest: on page 2
    assert f"/forums/{forum.slug}/comments?sort=new&amp;page=2" in newest
    assert "61 published comments." in newest
    second = page_text(web.get(f"/forums/{forum.slug}/comments?page=2"))
    assert "The most liked one." in second and "Comment number 0." in second
    top = page_text(web.get(f"/forums/{forum.slug}/comments?sort=top"))
    assert top.index("The most liked one.") < top.index("Comment number 59.")
    assert re.search(r'sort=top#wall-heading" aria-current="page"', top)


def test_a_like_is_counted_once_per_browser(db, web, event, forum):
    entry = add_entry(db, event, 1)
    url = f"/forums/{forum.slug}/comments/{entry.id}/like?sort=top&page=1"
    first = web.post(url)
    assert first.status_code == 303
    assert first.headers["Location"].endswith(
        f"/forums/{forum.slug}/comments?sort=top&page=1#comment-{entry.id}"
    )
    assert "madang_voter=" in first.headers.get("Set-Cookie", "")
    web.post(url)
    db.session.rollback()
    assert db.session.scalar(select(CommentEntry.likes).where(CommentEntry.id == entry.id)) == 1
    page = page_text(web.get(f"/forums/{forum.slug}/comments"))
    assert "1 like</span>" in page
    other_browser = web.application.test_client()
    # (Within one test the app context, and so `g`, outlives a request: give the other
    # browser its own id, as its cookie would.)
    other_browser.set_cookie("madang_voter", "another-browser-0123456789")
    assert other_browser.post(url).status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommentLike.id))) == 2


def test_a_comment_not_on_the_wall_cannot_be_liked(db, web, event, forum):
    pending = add_entry(db, event, 1, status="pending")
    assert web.post(f"/forums/{forum.slug}/comments/{pending.id}/like").status_code == 404
    assert web.post(f"/forums/{forum.slug}/comments/999999/like").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommentLike.id))) == 0


# ========================================================================= confirming by mail


def _link(text: str) -> str:
    return next(line.strip() for line in text.splitlines() if "/comments/confirm/" in line)


def test_the_mailed_link_confirms_and_the_thanks_carry_the_stream(db, app, web, event, forum):
    db.session.add(
        StreamLink(forum_id=forum.id, platform="YouTube", url=STREAM, visibility="registrants")
    )
    db.session.commit()
    reset_memory_outbox(app)
    web.post(f"/forums/{forum.slug}/comments", data=form_body(1))
    assert deliver_due().sent == 1
    [mail] = memory_outbox(app)
    assert mail.to.endswith("person1@example.org") and "Please open this link" in mail.text
    link = _link(mail.text)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    shown = web.get(path)  # a mail scanner opening the link confirms nothing
    assert shown.status_code == 200 and "Confirm my address" in page_text(shown)
    assert stored(db)[0].confirmed_at is None
    done = web.post(path)
    assert done.status_code == 200 and "Your entry is confirmed" in page_text(done)
    assert stored(db)[0].confirmed_at is not None

    used = web.post(path)
    assert used.status_code == 404 and "used already" in page_text(used)
    assert web.get(path).status_code == 404

    reset_memory_outbox(app)
    assert deliver_due().sent == 1
    [thanks] = memory_outbox(app)
    assert STREAM in thanks.text and "for registrants only" in thanks.text
    assert f"/forums/{forum.slug}/comments" in thanks.text


def test_a_replaced_link_no_longer_works(db, app, web, event, forum):
    web.post(f"/forums/{forum.slug}/comments", data=form_body(1))
    first = db.session.scalars(select(OutboxMessage)).one().context["confirm_token"]
    web.post(f"/forums/{forum.slug}/comments", data=form_body(1, comment="new"))
    response = web.get(f"/forums/{forum.slug}/comments/confirm/{first}")
    assert response.status_code == 404 and "a newer one replaced it" in page_text(response)
    deliver_due()
    # The first mail was no longer worth sending: only the new link went out.
    assert len(memory_outbox(app)) == 1


def test_a_late_confirmation_is_refused(db, web, forum):
    now = utcnow()
    event = make_event(db, forum)
    comments.submit(forum, form_body(1, consent=True))
    event.closes_at = now - timedelta(hours=49)
    event.opens_at = now - timedelta(days=9)
    db.session.commit()
    token = db.session.scalars(select(OutboxMessage)).one().context["confirm_token"]
    response = web.post(f"/forums/{forum.slug}/comments/confirm/{token}")
    assert response.status_code == 409 and "48 hours" in page_text(response)
    assert stored(db)[0].confirmed_at is None


# ========================================================================= the manage link


@pytest.fixture
def registrant(db, forum, make_registration):
    person = make_registration(forum, name="김민지", email="minji@example.org")
    person.manage_token_hash = hash_token("my-manage-token")
    db.session.commit()
    return person


def test_a_manage_link_stands_in_for_the_confirmation(db, web, event, forum, registrant):
    page = web.get("/manage/my-manage-token/comments")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page_text(page)
    assert 'value="김민지"' in text and "minji@example.org" in text
    assert 'name="email"' not in text
    done = web.post(
        "/manage/my-manage-token/comments",
        data=form_body(1, name="김민지", email="someone@else.org"),
    )
    assert done.status_code == 200 and "Your entry is confirmed" in page_text(done)
    [entry] = stored(db)
    assert entry.registration_id == registrant.id and entry.confirmed_at is not None
    assert entry.email == "minji@example.org"
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["comment_thanks"]


def test_a_cancelled_registration_cannot_use_its_link(db, web, event, forum, registrant):
    registrant.status = "cancelled"
    registrant.cancelled_at = datetime.now(UTC)
    db.session.commit()
    page = web.get("/manage/my-manage-token/comments")
    assert "This registration is cancelled" in page_text(page)
    response = web.post("/manage/my-manage-token/comments", data=form_body(1))
    assert response.status_code == 409
    assert stored(db) == []


def test_an_unknown_manage_link_is_not_found(web, event):
    assert web.get("/manage/not-a-token/comments").status_code == 404


def test_the_confirm_page_escapes_the_comment(db, web, event, forum):
    comments.submit(forum, form_body(1, comment="<i>hi</i>", consent=True))
    token = db.session.scalars(select(OutboxMessage)).one().context["confirm_token"]
    page = page_text(web.get(f"/forums/{forum.slug}/comments/confirm/{token}"))
    assert "&lt;i&gt;hi&lt;/i&gt;" in page and "<i>hi" not in page
