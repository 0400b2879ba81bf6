"""A session's access services: the rules (ISO 639 codes, sign kinds without a language, one
row per kind and language, no interpretation into the only floor language), and what a change
does to the feeds' cache key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import NotFound, ValidationFailed
from app.models import SessionService, User


@pytest.fixture
def organizer(db) -> User:
    user = User(email="org@example.org", name="Org", password_hash="x", role="organizer")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def world(make_forum, make_session):
    forum = make_forum()
    session = make_session(forum, language="ko")
    return forum, session


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionService))


def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors


def test_a_service_is_added_with_its_fields(db, world, organizer, english):
    from app.programme import services

    forum, session = world
    service = services.add_service(
        forum,
        session.id,
        {
            "kind": "interpretation",
            "language": "EN ",
            "status": "confirmed",
            "provider": "Seoul Interpreters",
            "note": "Booth 2",
        },
        organizer,
    )
    assert (service.kind, service.language, service.status) == ("interpretation", "en", "confirmed")
    assert (service.provider, service.note, service.forum_id) == (
        "Seoul Interpreters",
        "Booth 2",
        forum.id,
    )
    assert services.services_of(session) == [service]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kind": "interpretation", "language": "xx"}, "language"),  # no such language
        ({"kind": "captions", "language": "english"}, "language"),  # not a code
        ({"kind": "captions", "language": ""}, "language"),  # missing
        ({"kind": "transcript"}, "language"),  # missing
        ({"kind": "ksl", "language": "ko"}, "language"),  # sign language takes none
        ({"kind": "international_sign", "language": "en"}, "language"),
        ({"kind": "interpretation", "language": "ko"}, "language"),  # the only floor language
        ({"kind": "subtitles", "language": "ko"}, "kind"),
        ({"language": "en"}, "kind"),
        ({"kind": "ksl", "status": "maybe"}, "status"),
        ({"kind": "ksl", "provider": "p" * 201}, "provider"),
        ({"kind": "ksl", "note": "n" * 2001}, "note"),
        ({"kind": ["ksl"]}, "kind"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_stored(
    db, world, organizer, english, raw, field
):
    from app.programme import services

    forum, session = world
    errors = _errors(lambda: services.add_service(forum, session.id, raw, organizer))
    assert field in errors, errors
    assert _count(db) == 0


def test_interpretation_into_a_floor_language_is_fine_when_there_are_two(
    db, make_forum, make_session, organizer
):
    from app.programme import services

    forum = make_forum()
    session = make_session(forum, language="ko+en")
    service = services.add_service(
        forum, session.id, {"kind": "interpretation", "language": "ko"}, organizer
    )
    assert service.language == "ko"


def test_sign_languages_and_captions_in_several_languages(db, world, organizer):
    from app.programme import services

    forum, session = world
    for raw in (
        {"kind": "captions", "language": "en"},
        {"kind": "captions", "language": "ko"},
        {"kind": "ksl"},
        {"kind": "international_sign", "language": ""},
        {"kind": "interpretation", "language": "zh"},
        {"kind": "interpretation", "language": "en"},
    ):
        services.add_service(forum, session.id, raw, organizer)
    shown = [(s.kind, s.language) for s in services.services_of(session)]
    # Kinds in their fixed order; Korean and English first within a kind.
    assert shown == [
        ("interpretation", "en"),
        ("interpretation", "zh"),
        ("ksl", ""),
        ("international_sign", ""),
        ("captions", "ko"),
        ("captions", "en"),
    ]


def test_a_duplicate_is_a_field_error(db, world, organizer, english):
    from app.programme import services

    forum, session = world
    services.add_service(forum, session.id, {"kind": "captions", "language": "en"}, organizer)
    services.add_service(forum, session.id, {"kind": "ksl"}, organizer)
    errors = _errors(
        lambda: services.add_service(
            forum, session.id, {"kind": "captions", "language": "en"}, organizer
        )
    )
    assert errors["language"] == [
        "The session offers this service in this language already: change that one."
    ]
    errors = _errors(lambda: services.add_service(forum, session.id, {"kind": "ksl"}, organizer))
    assert errors["language"] == ["The session offers this sign language already."]
    assert _count(db) == 2


def test_a_race_past_the_check_meets_the_unique_constraint(
    db, world, organizer, english, monkeypatch
):
    """Two organizers add the same service at once: both pass the check, the second insert
    meets the constraint and is answered with the same field error."""
    from app.programme import services

    forum, session = world
    services.add_service(forum, session.id, {"kind": "captions", "language": "en"}, organizer)
    monkeypatch.setattr(services, "_taken", lambda *args: False)
    errors = _errors(
        lambda: services.add_service(
            forum, session.id, {"kind": "captions", "language": "en"}, organizer
        )
    )
    assert "language" in errors
    assert _count(db) == 1
    # The control: without the check and without the constraint's answer, it is an error.
    monkeypatch.setattr(services, "_duplicate", lambda kind: IntegrityError("x", {}, None))
    with pytest.raises(IntegrityError):
        services.add_service(forum, session.id, {"kind": "captions", "language": "en"}, organizer)


def test_update_changes_what_is_sent_and_checks_the_whole(db, world, organizer, english):
    from app.programme import services

    forum, session = world
    captions = services.add_service(
        forum, session.id, {"kind": "captions", "language": "en"}, organizer
    )
    services.add_service(forum, session.id, {"kind": "captions", "language": "ko"}, organizer)
    saved = services.update_service(
        forum, captions.id, {"status": "confirmed", "provider": "CART Korea"}, organizer
    )
    assert (saved.status, saved.provider, saved.language) == ("confirmed", "CART Korea", "en")
    # Moving it onto the other row's language is a duplicate; nothing changes.
    errors = _errors(
        lambda: services.update_service(forum, captions.id, {"language": "ko"}, organizer)
    )
    assert "language" in errors
    # Turning captions into KSL keeps its language: refused, it must be emptied too.
    errors = _errors(
        lambda: services.update_service(forum, captions.id, {"kind": "ksl"}, organizer)
    )
    assert "language" in errors
    db.session.expire_all()
    row = db.session.get(SessionService, captions.id)
    assert (row.kind, row.language, row.status) == ("captions", "en", "confirmed")


def test_remove_and_services_of_another_forum(db, world, make_forum, make_session, organizer):
    from app.programme import services

    forum, session = world
    other = make_forum()
    theirs = make_session(other)
    service = services.add_service(forum, session.id, {"kind": "ksl"}, organizer)
    with pytest.raises(NotFound):
        services.update_service(other, service.id, {"status": "confirmed"}, organizer)
    with pytest.raises(NotFound):
        services.remove_service(other, service.id, organizer)
    with pytest.raises(NotFound):
        services.add_service(forum, theirs.id, {"kind": "ksl"}, organizer)
    with pytest.raises(NotFound):
        services.get_service(forum, 10**30)
    services.remove_service(forum, service.id, organizer)
    assert _count(db) == 0


def test_a_change_moves_the_feeds_cache_key(db, world, organizer):
    from app.feeds.feed_cache import _published_version
    from app.programme import services

    forum, session = world
    before = _published_version("id", forum.id).key
    service = services.add_service(forum, session.id, {"kind": "ksl"}, organizer)
    added = _published_version("id", forum.id).key
    assert added != before
    services.update_service(forum, service.id, {"status": "confirmed"}, organizer)
    confirmed = _published_version("id", forum.id).key
    assert confirmed != added
    # Saving the same values again changes nothing.
    services.update_service(forum, service.id, {"status": "confirmed"}, organizer)
    assert _published_version("id", forum.id).key == confirmed
    services.remove_service(forum, service.id, organizer)
    assert _published_version("id", forum.id).key != confirmed


# ---------------------------------------------------------------- the floor languages


def _session_raw(forum, language: str) -> dict:
    day = forum.first_day.isoformat()
    return {
        "title_en": "Panel",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T11:00",
        "language": language,
    }


@pytest.mark.parametrize("language", ["ko", "en", "ko+en", "EN+KO", "zh", "ko+en+ja", ""])
def test_floor_languages_are_iso_codes(db, make_forum, organizer, language):
    from app.programme import session_edits

    forum = make_forum()
    saved = session_edits.create_session(forum, _session_raw(forum, language), organizer)
    assert saved.session.language == (language.lower() or "ko")


@pytest.mark.parametrize(
    "language", ["xx", "ko+xx", "korean", "ko/en", "ko,en", "ko+", "ko+ko", "k"]
)
def test_an_unknown_floor_language_is_a_field_error(
    db, make_forum, make_session, organizer, english, language
):
    from app.models import ForumSession
    from app.programme import session_edits

    forum = make_forum()
    errors = _errors(
        lambda: session_edits.create_session(forum, _session_raw(forum, language), organizer)
    )
    assert list(errors) == ["language"]
    assert errors["language"] == [
        "Give ISO 639 language codes joined by +, such as ko, en or ko+en."
    ]
    session = make_session(forum, language="ko")
    errors = _errors(
        lambda: session_edits.update_session(
            forum, session.id, {"language": language}, organizer, revision=session.revision
        )
    )
    assert "language" in errors
    db.session.expire_all()
    assert db.session.get(ForumSession, session.id).language == "ko"
    assert db.session.scalar(select(func.count()).select_from(ForumSession)) == 1
