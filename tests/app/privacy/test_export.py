"""Download my data: from the manage page and the API, exactly the person's data, privately."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
from sqlalchemy import select

from app.models import CheckIn, Registration
from app.registration.operations import CONSENT_VERSION
from app.web.api.openapi import openapi_document


def validate(instance, schema_name: str) -> None:
    doc = openapi_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


def everything_in(data) -> str:
    return json.dumps(data, ensure_ascii=False).casefold()


def test_the_manage_page_offers_the_download_and_the_erasure(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    page = client.get(f"/manage/{person.manage_token}").get_data(as_text=True)
    assert f'href="/manage/{person.manage_token}/export"' in page
    assert f'href="/manage/{person.manage_token}/erase"' in page


def test_download_my_data_is_a_private_json_attachment(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    response = client.get(f"/manage/{person.manage_token}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"madang-{forum.slug}-{person.code}.json" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    data = json.loads(response.get_data(as_text=True))
    validate(data, "PersonalDataExport")
    # Korean comes out as Korean, not as \\u escapes.
    assert person.name in response.get_data(as_text=True)


def test_the_export_holds_what_was_given_and_each_consent(
    client, db, make_forum, make_session, register
):
    forum = make_forum()
    tour = make_session(forum, seats=5, kind="tour")
    person = register(forum, session_ids=[tour.id], consent_marketing=False)
    data = client.get(f"/api/v1/registrations/{person.manage_token}/export").get_json()
    validate(data, "PersonalDataExport")
    r = data["registration"]
    assert (r["name"], r["affiliation"]) == (person.name, person.affiliation)
    assert r["email"].casefold() == person.email.casefold()
    assert r["confirmation_code"] == person.code
    assert r["status"] == "confirmed" and r["attendance"] == "in_person"
    consents = data["consents"]
    assert consents["version"] == CONSENT_VERSION
    assert consents["personal_data"]["given"] is True and consents["personal_data"]["at"]
    assert consents["marketing"] == {"given": False, "at": None}
    assert consents["accessibility"]["given"] is True and consents["accessibility"]["at"]
    assert data["accessibility"] == {"needs": ["wheelchair"], "other": person.other}
    assert [s["id"] for s in data["sessions"]] == [tour.id]
    assert [m["kind"] for m in data["messages"]] == ["registration_confirmed"]
    assert data["forum"]["slug"] == forum.slug
    kept = datetime.fromisoformat(data["retention"]["personal_data_kept_until"])
    assert kept > datetime.now(UTC) + timedelta(days=89)
    # Nothing secret in the export: no manage or calendar token, no hashes.
    text = everything_in(data)
    for secret in person.secrets[5:9]:
        assert secret.casefold() not in text


def test_the_export_holds_nothing_of_anyone_else(client, db, make_forum, make_session, register):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, kind="tour")
    first = register(forum, session_ids=[tour.id])
    second = register(forum, session_ids=[tour.id])  # waits behind `first` everywhere
    third = register(forum, attendance="online")
    registration = db.session.scalar(
        select(Registration).where(Registration.confirmation_code == second.code)
    )
    db.session.add(CheckIn(registration_id=registration.id, forum_id=forum.id, desk="Desk 2"))
    db.session.commit()

    data = client.get(f"/manage/{second.manage_token}/export").get_json()
    assert data["registration"]["waitlist_position"] == 1
    assert data["sessions"][0]["waitlist_position"] == 1
    assert [c["desk"] for c in data["check_ins"]] == ["Desk 2"]
    text = everything_in(data)
    for other in (first, third):
        for value in other.secrets:
            assert value.casefold() not in text, value
    assert second.name.casefold() in text


def test_an_unknown_token_exports_nothing(client, make_forum, register):
    forum = make_forum()
    register(forum)
    for path in ("/manage/not-a-token/export", "/api/v1/registrations/not-a-token/export"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Content-Disposition" not in response.headers


def test_a_cancelled_registration_can_still_download_its_data(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    assert client.delete(f"/api/v1/registrations/{person.manage_token}").status_code == 200
    data = client.get(f"/manage/{person.manage_token}/export").get_json()
    assert data["registration"]["status"] == "cancelled"
    assert data["registration"]["cancelled_at"]
    assert data["registration"]["name"] == person.name


def test_the_export_lists_the_sessions_watched_online(
    client, db, make_forum, make_session, register
):
    from app.models import StreamLink
    from app.registration import watching

    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url="https://yt.example/live")
    db.session.add(stream)
    db.session.commit()
    person = register(forum, attendance="online")
    registration = db.session.scalar(
        select(Registration).where(Registration.confirmation_code == person.code)
    )
    watching.open_stream(registration, plenary.id, stream.id)

    data = client.get(f"/api/v1/registrations/{person.manage_token}/export").get_json()
    validate(data, "PersonalDataExport")
    [watched] = data["online_attendance"]
    assert watched["session_id"] == plenary.id and watched["title"]["en"] == "Plenary"
    assert watched["first_opened_at"]
