"""Responses never tell whether an address is registered beyond what issue 3 allows: a repeat
says "already registered, we mailed its link" and nothing more, the same whatever the state
of the existing registration; an erased registration leaves no trace at all."""

from __future__ import annotations

import re

from tests.app.privacy.helpers import PASSWORD


def attempt(client, forum, email: str, **fields):
    payload = {
        "name": "Somebody Else",
        "email": email,
        "attendance": "in_person",
        "consent_personal_data": True,
        **fields,
    }
    return client.post(f"/api/v1/forums/{forum.slug}/registrations", json=payload)


def visible(page: str) -> str:
    """The page without the per-request CSRF token."""
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


def test_a_repeat_answers_the_same_whatever_the_existing_state(
    client, make_forum, make_session, register
):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, kind="tour")
    confirmed = register(forum, session_ids=[tour.id])
    waitlisted = register(forum, session_ids=[tour.id])
    online = register(forum, attendance="online")
    assert waitlisted.data["status"] == "waitlisted"
    answers = []
    for person in (confirmed, waitlisted, online):
        response = attempt(client, forum, person.email.swapcase())
        answers.append((response.status_code, response.get_json()))
        text = response.get_data(as_text=True)
        for value in (person.name, person.code, person.affiliation, "waitlist", "confirmed"):
            assert value not in text
    assert answers[0][0] == 409
    assert answers[0][1]["error"] == "already_registered"
    assert set(answers[0][1]) == {"error", "message"}
    assert answers[0] == answers[1] == answers[2]


def test_the_form_answers_the_same_too(client, make_forum, register):
    forum = make_forum(in_person_capacity=1)
    first, second = register(forum), register(forum)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    pages = []
    for person in (first, second):
        response = client.post(
            f"/forums/{forum.slug}/register",
            data={
                "name": "Somebody Else",
                "email": person.email,
                "attendance": "in_person",
                "locale": "en",
                "consent_personal_data": "y",
            },
        )
        assert response.status_code == 409
        pages.append(visible(response.get_data(as_text=True)))
        assert person.name not in pages[-1] and person.code not in pages[-1]
    assert pages[0] == pages[1]


def test_an_erased_address_leaves_no_trace(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    client.post(f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True})
    assert attempt(client, forum, person.email).status_code == 201


def test_an_erased_link_and_a_made_up_link_look_the_same(client, make_forum, register):
    forum = make_forum()
    person = register(forum)
    client.post(f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True})
    made_up = "x" * len(person.manage_token)
    for template in ("/api/v1/registrations/{}", "/api/v1/registrations/{}/export"):
        gone = client.get(template.format(person.manage_token))
        never = client.get(template.format(made_up))
        assert (gone.status_code, gone.get_json()) == (never.status_code, never.get_json())
        assert gone.status_code == 404
    gone = client.get(f"/manage/{person.manage_token}")
    never = client.get(f"/manage/{made_up}")
    assert gone.status_code == never.status_code == 404
    assert visible(gone.get_data(as_text=True)).replace(person.manage_token, made_up) == visible(
        never.get_data(as_text=True)
    )


def test_sign_in_does_not_say_which_accounts_exist(login, make_user, make_forum):
    user = make_user("organizer", make_forum())
    client = login(None)
    wrong_password = client.post("/login", data={"email": user.email, "password": "not it"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong_password.status_code == unknown.status_code == 401
    assert visible(wrong_password.get_data(as_text=True)).replace(user.email, "") == visible(
        unknown.get_data(as_text=True)
    ).replace("nobody@example.org", "")
