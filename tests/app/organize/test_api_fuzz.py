"""Schemathesis against the organizer API with a real organizer token: every answer, 201s and
422s included, matches the generated document, and nothing gives a 5xx. (The fuzzing of
tests/app/privacy/test_fuzz.py sends no token: there the organizer API only answers 401.)"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode

from tests.app.privacy.helpers import assert_invariants
from tests.app.privacy.test_fuzz import EXAMPLES, operations, run_cases


@pytest.fixture
def organizer_api(
    app, db, make_forum, make_user, make_venue, make_speaker, make_session, api_token
):
    forum = make_forum(slug="fuzz-forum", status="draft")
    hall = make_venue(forum, name_en="Hall")
    make_speaker(forum, name_en="Kim")
    make_session(forum, venue=hall, seats=10)
    token = api_token(make_user("organizer", forum))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [op for op in operations(schema) if op.path.startswith("/organize/")]
    assert len(found) == 29
    return forum, token, found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_organizer_api_answers_as_documented(db, organizer_api, mode):
    forum, token, found = organizer_api
    for operation in found:
        if mode == GenerationMode.NEGATIVE and not (
            len(operation.body) or len(operation.path_parameters) > 1
        ):
            continue  # the slug is fixed: nothing left to get wrong
        strategy = operation.as_strategy(
            generation_mode=mode,
            path_parameters={"slug": forum.slug},
            headers={"Authorization": f"Bearer {token}"},
        )
        run_cases(strategy, EXAMPLES * 2)
    assert_invariants(db)


@pytest.mark.parametrize("item", ["sessions", "venues", "speakers"])
def test_ids_beyond_the_database_range_are_not_found(db, organizer_api, login, item):
    forum, token, _found = organizer_api
    client = login()
    for item_id in (2**31, 2**63, 10**30):
        response = client.get(
            f"/api/v1/organize/forums/{forum.slug}/{item}/{item_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 404, (item_id, response.status_code)
        assert response.get_json()["error"] == "not_found"
