"""API error bodies speak the request's language throughout: the `message` and the field
messages in the same language, from the language cookie or Accept-Language."""

from __future__ import annotations

import re

import pytest

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def invalid_registration(client, forum, **headers):
    payload = {"name": "", "email": "x", "attendance": "", "consent_personal_data": False}
    return client.post(f"/api/v1/forums/{forum.slug}/registrations", json=payload, headers=headers)


def texts(body: dict) -> list[str]:
    return [body["message"], *(m for messages in body.get("errors", {}).values() for m in messages)]


def test_an_invalid_body_answers_in_english_throughout(client, make_forum):
    response = invalid_registration(client, make_forum(), **{"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Some fields are invalid."
    assert body["errors"]["name"] == ["This field is required."]
    assert not [t for t in texts(body) if HANGUL.search(t)]


def test_an_invalid_body_answers_in_korean_throughout(client, make_forum):
    response = invalid_registration(client, make_forum(), **{"Accept-Language": "ko"})
    assert response.status_code == 422
    body = response.get_json()
    assert all(HANGUL.search(t) for t in texts(body)), texts(body)
    assert body["message"] != "Some fields are invalid."


def test_the_interface_language_cookie_wins_over_accept_language(client, make_forum):
    client.set_cookie("madang_lang", "ko")
    response = invalid_registration(client, make_forum(), **{"Accept-Language": "en"})
    assert all(HANGUL.search(t) for t in texts(response.get_json()))


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "There is nothing at this address."), ("ko", "이 주소에는 아무것도 없습니다.")],
)
def test_http_errors_answer_in_the_request_language(client, language, message):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.get_json()["message"] == message


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "No published forum has this slug."), ("ko", "이 주소로 공개된 포럼이 없습니다.")],
)
def test_an_unknown_forum_answers_in_the_request_language(client, language, message):
    response = client.get("/api/v1/forums/nowhere", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.get_json()["message"] == message


def test_a_method_not_allowed_answers_in_korean(client, make_forum):
    forum = make_forum()
    response = client.delete(f"/api/v1/forums/{forum.slug}", headers={"Accept-Language": "ko"})
    assert response.status_code == 405
    assert HANGUL.search(response.get_json()["message"])
