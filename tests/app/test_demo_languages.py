"""The demo's languages and access services: samples on the 2020 and 2023 forums, a Korean Sign
Language request waiting for an answer on the sample forum, and stream labels in two columns."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.demo import load_demo
from app.models import Forum, Registration, ServiceRequest, SessionService, StreamLink

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def services(db, slug: str) -> set[tuple[str, str, str, str]]:
    rows = db.session.execute(
        select(SessionService)
        .join(Forum, Forum.id == SessionService.forum_id)
        .where(Forum.slug == slug)
    ).scalars()
    return {(s.session.title_en, s.kind, s.language, s.status) for s in rows if s.sample}


def test_past_forums_have_sample_interpretation_and_captions(db):
    load_demo(NOW)
    leaders = services(db, "smart-city-leaders-forum-2020")
    assert {(k, lang) for _, k, lang, _ in leaders} >= {
        ("interpretation", "en"),
        ("captions", "ko"),
        ("transcript", "ko"),
    }
    wego = services(db, "wego-general-assembly-2023")
    assert ("interpretation", "ko") in {(k, lang) for _, k, lang, _ in wego}


def test_the_sample_forum_has_a_ksl_request_waiting(db):
    load_demo(NOW)
    request = db.session.scalar(
        select(ServiceRequest)
        .join(Forum, Forum.id == ServiceRequest.forum_id)
        .where(Forum.slug == "seoul-smart-city-forum-sample")
    )
    assert (request.kind, request.language, request.status) == ("ksl", "", "open")
    person = db.session.get(Registration, request.registration_id)
    assert person.accessibility_consent and person.attendance == "online"
    offered = services(db, "seoul-smart-city-forum-sample")
    assert not any(kind == "ksl" for _, kind, _, _ in offered)


def test_stream_labels_are_never_glued(db):
    load_demo(NOW)
    labels = db.session.execute(select(StreamLink.label, StreamLink.label_en)).all()
    assert labels and all(" / " not in label for label, _ in labels)
    assert all(en for _, en in labels)
