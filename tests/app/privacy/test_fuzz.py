"""Fuzzing: schemathesis against the served OpenAPI document, hypothesis against the
registration service and the forms. No input gives a 5xx or an unexpected exception, and the
invariants hold afterwards: seats taken equal confirmed in-person bookings and never exceed
capacity, for every session and forum; waitlist positions stay 1..n.

Bounded here (a handful of examples per endpoint and scenario, a fixed seed); for a longer run:

    FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/app/privacy/test_fuzz.py -q

FUZZ_EXAMPLES is the number of examples per endpoint, mode and scenario; FUZZ_SEED (a number)
turns the fixed seed into another fixed seed.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.core.errors import DomainError
from app.models import Registration
from app.models.enums import ACCESSIBILITY_NEEDS
from app.privacy import operations as privacy
from app.registration import operations as registrations
from tests.app.privacy.helpers import assert_invariants, fresh

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "0"))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        # Reproducible by default: the same examples on every run (FUZZ_SEED picks others).
        derandomize=SEED == 0,
        database=None,
        deadline=None,
        # A WSGI round trip with database writes per example is slow by Hypothesis's standard.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        print_blob=True,
    )


def seeded(test: Callable) -> Callable:
    return seed(SEED)(test) if SEED else test


# --------------------------------------------------------------------------- the forum


@pytest.fixture
def arena(db, make_forum, make_session):
    """A hybrid forum with few in-person places; sessions with few seats, two that overlap,
    one without a limit, one cancelled and one online only."""
    forum = make_forum(in_person_capacity=2)
    sessions = [
        make_session(forum, start="09:00", end="10:00", seats=1, kind="tour"),
        make_session(forum, start="09:30", end="10:30", seats=2, kind="site_visit"),
        make_session(forum, start="11:00", end="12:00", seats=1, kind="tour"),
        make_session(forum, start="13:00", end="14:00"),
        make_session(forum, start="15:00", end="16:00", seats=3, status="cancelled"),
        make_session(forum, start="17:00", end="18:00", seats=2, format="online"),
    ]
    return forum, [s.id for s in sessions]


def new_token(forum) -> str:
    """A fresh registration through the real service; its manage token."""
    n = new_token.counter = getattr(new_token, "counter", 0) + 1
    result = registrations.register(
        forum,
        registrations.RegistrationRequest(
            name=f"Fuzz {n}",
            email=f"fuzz-{n}-{os.getpid()}@example.org",
            attendance="in_person",
            consent_personal_data=True,
        ),
    )
    return result.manage_token


# ---------------------------------------------------------------------------- schemathesis

# Every documented check but positive_data_acceptance: the document cannot say which session
# ids exist, which attendance a forum offers or whether its window is open, so a request valid
# by the schema may rightly be refused (422, 409, or 404 for a random slug or token).
EXCLUDED_CHECKS = ["positive_data_acceptance"]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def operations(schema, mode: GenerationMode = GenerationMode.POSITIVE) -> list[Any]:
    """The documented operations; in negative mode those with something to get wrong."""
    found = [result.ok() for result in schema.get_all_operations()]
    if mode == GenerationMode.NEGATIVE:
        found = [op for op in found if len(op.path_parameters) or len(op.body)]
    return found


def run_cases(strategy, examples: int, before_call: Callable[[Any], None] | None = None) -> None:
    """Send `examples` generated requests; every check of the document must pass (a failing
    one raises with a curl line to reproduce it)."""
    excluded = [getattr(schemathesis.checks, name) for name in EXCLUDED_CHECKS]

    @seeded
    @fuzz_settings(examples)
    @given(case=strategy)
    def run(case) -> None:
        if before_call is not None:
            before_call(case)
        response = case.call()
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        case.validate_response(response, excluded_checks=excluded)

    run()


def test_the_document_covers_the_registration_api(api_schema):
    labels = {op.label for op in operations(api_schema)}
    assert {
        "POST /forums/{slug}/registrations",
        "GET /registrations/{token}",
        "PATCH /registrations/{token}",
        "DELETE /registrations/{token}",
        "GET /registrations/{token}/export",
        "POST /registrations/{token}/erase",
        "GET /forums",
        "GET /forums/{slug}",
    } <= labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_with_made_up_slugs_and_tokens(db, api_schema, arena, mode):
    for operation in operations(api_schema, mode):
        run_cases(operation.as_strategy(generation_mode=mode), EXAMPLES)
    assert_invariants(db)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_with_a_real_forum_and_real_tokens(db, api_schema, arena, mode):
    """The same, but every slug is the forum's and every token a live registration's (a
    fresh one per example: an example may cancel or erase it)."""
    forum, _ = arena
    for operation in operations(api_schema, mode):
        if mode == GenerationMode.NEGATIVE and not len(operation.body):
            continue  # the path is fixed: only a body is left to get wrong
        names = {p.name for p in operation.path_parameters}
        fixed: dict[str, Any] = {}
        before: Callable[[Any], None] | None = None
        if "slug" in names:
            fixed["slug"] = forum.slug
        if "token" in names:
            fixed["token"] = "replaced-per-example"

            def before(case, forum=forum) -> None:
                case.path_parameters["token"] = new_token(forum)

        run_cases(
            operation.as_strategy(generation_mode=mode, path_parameters=fixed),
            EXAMPLES * 2,
            before,
        )
    assert_invariants(db)


# ------------------------------------------------------------------ hypothesis: the service

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=260
) | st.sampled_from(["", " ", "김민지", "Zoë", "👩‍💻", "a\nb", "\x00", "x" * 201, "\u2028"])
emails = (
    st.sampled_from(
        ["a@example.org", "A@Example.org", "b@example.org", "c@example.org", "d@example.org"]
    )
    | st.emails()
    | text
)
attendance = st.sampled_from(["in_person", "online", "hybrid", "", "IN_PERSON"])
locales = st.sampled_from(["ko", "en", "fr", ""])
needs = st.lists(st.sampled_from([*ACCESSIBILITY_NEEDS, "jetpack", ""]), max_size=3)


@dataclass(frozen=True)
class Pick:
    """The n-th session of the forum the example runs on (its ids are not known up front)."""

    n: int


ODD_IDS = [0, -1, 2**31, 2**63, 10**30, "1", "x", None, True, 1.5]


def session_lists() -> st.SearchStrategy[list[Any]]:
    known = st.builds(Pick, st.integers(0, 5))
    return st.lists(known | st.sampled_from(ODD_IDS), max_size=4) | st.lists(
        known, max_size=3, unique=True
    )


def resolve(values: list[Any] | None, ids: list[int]) -> list[Any] | None:
    if values is None:
        return None
    return [ids[v.n % len(ids)] if isinstance(v, Pick) else v for v in values]


requests = st.builds(
    registrations.RegistrationRequest,
    name=text,
    email=emails,
    attendance=attendance,
    session_ids=session_lists(),
    affiliation=text,
    locale=locales,
    consent_personal_data=st.booleans() | st.just(True),
    consent_marketing=st.booleans(),
    consent_accessibility=st.booleans(),
    accessibility_needs=needs,
    accessibility_other=text,
)

# Mostly valid requests, so that sequences fill seats and waitlists rather than bounce.
good_requests = st.builds(
    registrations.RegistrationRequest,
    name=st.sampled_from(["김민지", "Zoë Ångström", "👩‍💻 Dev", "Lee"]),
    email=st.sampled_from([f"p{n}@example.org" for n in range(8)]),
    attendance=st.sampled_from(["in_person", "in_person", "online"]),
    session_ids=st.lists(st.builds(Pick, st.integers(0, 5)), max_size=3, unique=True),
    consent_personal_data=st.just(True),
    consent_accessibility=st.booleans(),
    accessibility_needs=st.lists(st.sampled_from(ACCESSIBILITY_NEEDS), max_size=2),
)

who = st.integers(min_value=0, max_value=7)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), requests),
        st.tuples(st.just("register"), good_requests),
        st.tuples(st.just("register"), good_requests),
        st.tuples(st.just("update"), who, st.none() | attendance, st.none() | session_lists()),
        st.tuples(st.just("cancel"), who),
        st.tuples(st.just("erase"), who),
    ),
    min_size=1,
    max_size=14,
)


def play(db, forum, ids: list[int], plan: list[tuple]) -> None:
    """Run a sequence of use cases; only domain errors may come back."""
    made: list[int] = []
    for action, *args in plan:
        try:
            if action == "register":
                request = replace(args[0], session_ids=resolve(args[0].session_ids, ids))
                made.append(registrations.register(forum, request).registration.id)
                continue
            if not made:
                continue
            registration = db.session.get(Registration, made[args[0] % len(made)])
            if action == "update":
                registrations.update_registration(
                    registration, attendance=args[1], session_ids=resolve(args[2], ids)
                )
            elif action == "cancel":
                registrations.cancel_registration(registration)
            else:
                privacy.erase_registration(registration)
        except DomainError:
            db.session.rollback()


def test_random_sequences_of_register_update_cancel_and_erase(db, make_forum, make_session):
    @seeded
    @fuzz_settings(EXAMPLES * 4)
    @given(plan=steps)
    def run(plan) -> None:
        # Each example on a forum of its own, so places start empty.
        forum = make_forum(in_person_capacity=2)
        ids = [
            make_session(forum, start="09:00", end="10:00", seats=1, kind="tour").id,
            make_session(forum, start="09:30", end="10:30", seats=2, kind="tour").id,
            make_session(forum, start="11:00", end="12:00", seats=1, kind="tour").id,
            make_session(forum, start="13:00", end="14:00").id,
            make_session(forum, start="15:00", end="16:00", seats=1, status="cancelled").id,
            make_session(forum, start="17:00", end="18:00", seats=1, format="online").id,
        ]
        play(db, forum, ids, plan)
        assert_invariants(db)

    run()


# -------------------------------------------------------------------- hypothesis: the forms

form_text = text | st.sampled_from(["", "김민지"])


@st.composite
def registration_forms(draw, ids: list[int]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": draw(form_text),
        "email": draw(emails),
        "affiliation": draw(form_text),
        "attendance": draw(attendance),
        "locale": draw(locales),
        "session_ids": [str(v) for v in resolve(draw(session_lists()), ids) or []],
        "accessibility_needs": draw(needs),
        "accessibility_other": draw(form_text),
    }
    for box in ("consent_personal_data", "consent_marketing", "consent_accessibility"):
        if draw(st.booleans()):
            data[box] = draw(st.sampled_from(["y", "on", "", "false"]))
    return {k: v for k, v in data.items() if draw(st.integers(0, 9)) or k == "name"}


def test_the_registration_and_manage_forms_take_any_input(app, db, client, arena):
    forum, ids = arena
    token = new_token(forum)

    @seeded
    @fuzz_settings(EXAMPLES * 4)
    @given(data=registration_forms(ids), change=registration_forms(ids))
    def run(data, change) -> None:
        response = client.post(f"/forums/{forum.slug}/register", data=data)
        assert response.status_code in (303, 409, 422), response.status_code
        manage = client.post(
            f"/manage/{token}",
            data={k: v for k, v in change.items() if k in ("attendance", "session_ids")},
        )
        assert manage.status_code in (303, 400, 409, 422), manage.status_code

    run()
    fresh(db)
    assert_invariants(db)


def test_made_up_tokens_in_pages_answer_404(client, db):
    @seeded
    @fuzz_settings(EXAMPLES * 3)
    @given(
        token=st.text(
            alphabet=string.ascii_letters + string.digits + "-_.~%", min_size=1, max_size=300
        )
    )
    def run(token) -> None:
        for path in (f"/manage/{token}", f"/manage/{token}/export", f"/calendar/{token}.ics"):
            assert client.get(path).status_code in (404, 308), path
        erase = client.post(f"/manage/{token}/erase", data={"confirm": "y"})
        assert erase.status_code in (404, 308)

    run()
