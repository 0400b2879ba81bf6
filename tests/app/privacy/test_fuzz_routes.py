"""Every route, every method, four callers, hostile input: nothing answers 5xx.

Routes come from `app.url_map`, so a new route is fuzzed without being listed here. Each
(route, method) is driven by Hypothesis as an anonymous visitor, an attendee (their manage
and calendar tokens in the paths that take one), desk staff and an organizer (signed in, and
with a bearer token on the API), with path values, query strings, form fields and JSON
bodies drawn from real ids and slugs mixed with hostile values: NUL bytes, lone surrogates,
ids of 2**31 and more, deep nesting, long strings, markup, formulas, non-ASCII signatures.
Any 5xx, or any exception escaping the app, fails with the request that caused it.

`make test` sends a few requests per route, method and caller with a fixed seed. A longer run:

    FUZZ_ROUTE_EXAMPLES=200 .venv/bin/python -m pytest tests/app/privacy/test_fuzz_routes.py -q -s

FUZZ_ROUTE_EXAMPLES is the number of examples per route, method and caller (default 2);
FUZZ_SEED picks another fixed seed. With -s each caller's run prints how many requests it sent.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import BaseConverter, IntegerConverter
from wtforms import Form

import app.forms.auth
import app.forms.organize
import app.forms.privacy
import app.forms.registration
from app.core.tokens import checkin_payload
from app.models import Booking, ForumSession, Registration, Speaker, StreamLink, Venue
from tests.app.privacy.helpers import fresh

EXAMPLES = int(os.environ.get("FUZZ_ROUTE_EXAMPLES", "2"))
SEED = int(os.environ.get("FUZZ_SEED", "0"))
ROLES = ("anonymous", "attendee", "desk", "organizer")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# Run last for each caller: they end sessions, remove rows or unpublish the forum, which
# would turn the routes after them into plain 404s.
DESTRUCTIVE = ("logout", "delete", "erase", "cancel", "unpublish", "withdraw", "password")

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u2028",
    "\r\n",
    "0",
    "-1",
    "1.5",
    "²",
    "٣",
    str(2**31),
    str(2**63),
    "9" * 40,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '=HYPERLINK("http://evil.example")',
    "@SUM(1)",
    "../../../etc/passwd",
    "%00",
    "%ED%A0%80",
    "null",
    "[]",
    "{}",
    "true",
    "é" * 16,
    "한국어",
    "👩‍💻",
    "x" * 5000,
    "MDG1:ABCDEFGH:" + "é" * 16,
    "MDG1:" + "A" * 8 + ":" + "0" * 16,
    "http://evil.example/",
    "javascript:alert(1)",
    "2026-13-45T25:61",
    "Asia/Nowhere",
]
RULE_ARGUMENT = re.compile(r"<(?:[^>:]+:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
HOSTILE_INTS = [0, -1, 2**31 - 1, 2**31, 2**63, 10**30, -(2**63) - 1]

text = st.sampled_from(HOSTILE_TEXT) | st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=40
)
scalars = (
    text
    | st.sampled_from(HOSTILE_INTS)
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.none()
)


def _form_field_names() -> list[str]:
    """Every field name of the app's forms, and the names routes read by hand."""
    names = {
        "q",
        "code",
        "desk_label",
        "over_capacity_reason",
        "action",
        "key",
        "lang",
        "next",
        "session",
        "confirm",
        "preview",
        "reason",
        "speakers-0-speaker_id",
        "speakers-0-role",
        "speakers-0-position",
        "speakers-1-speaker_id",
    }
    for module in (app.forms.auth, app.forms.organize, app.forms.privacy, app.forms.registration):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls not in (Form, FlaskForm):
                names.update(
                    name
                    for name, value in vars(cls).items()
                    if hasattr(value, "field_class") or hasattr(value, "_formfield")
                )
    return sorted(names)


FIELD_NAMES = _form_field_names()
QUERY_NAMES = [
    "page",
    "q",
    "status",
    "attendance",
    "session",
    "revision",
    "registration",
    "size",
    "next",
    "lang",
    "refresh",
    "header",
    "code",
    "day",
]
JSON_KEYS = [
    "name",
    "email",
    "affiliation",
    "attendance",
    "session_ids",
    "locale",
    "consent_personal_data",
    "accessibility_needs",
    "accessibility_other",
    "confirm",
    "code",
    "session_id",
    "desk",
    "revision",
    "fingerprint",
    "title_ko",
    "title_en",
    "starts_at",
    "ends_at",
    "venue_id",
    "parent_id",
    "speakers",
    "seats",
    "kind",
    "name_ko",
    "name_en",
]


@dataclass
class World:
    slug: str
    ids: list[int]
    ids_of: dict[str, list[int]]
    manage_token: str
    calendar_token: str
    code: str
    payload: str
    clients: dict[str, Any]
    bearer: dict[str, str]
    statuses: Counter[int] = field(default_factory=Counter)


@pytest.fixture
def world(app, db, make_forum, make_venue, make_session, make_speaker, make_user, login, register):
    """A published hybrid forum with every kind of row, its staff signed in, a registration."""
    from app.accounts.users import issue_api_token

    forum = make_forum(in_person_capacity=3, desk_override="open", kiosk_enabled=True)
    venue = make_venue(forum)
    block = make_session(forum, start="09:00", end="12:00", venue=venue)
    tour = make_session(forum, start="13:00", end="14:00", seats=1, kind="tour", parent=block)
    make_speaker(forum, sessions=(block,))
    db.session.add(StreamLink(forum=forum, platform="YouTube", url="https://example.org/live"))
    db.session.commit()
    person = register(forum, session_ids=[tour.id])
    register(forum, session_ids=[tour.id], tag="waiting")  # waits for the tour
    organizer = make_user("organizer", forum)
    desk = make_user("desk", forum)
    fresh(db)
    ids_of = {
        kind: list(db.session.scalars(select(model.id)))
        for kind, model in (
            ("session", ForumSession),
            ("venue", Venue),
            ("speaker", Speaker),
            ("stream", StreamLink),
            ("registration", Registration),
            ("booking", Booking),
        )
    }
    return World(
        slug=forum.slug,
        ids=sorted({forum.id, *(i for ids in ids_of.values() for i in ids)}),
        ids_of=ids_of,
        manage_token=person.manage_token,
        calendar_token=person.calendar_token,
        code=person.code,
        payload=checkin_payload(app.config["SECRET_KEY"], person.code),
        clients={
            "anonymous": login(),
            "attendee": login(),
            "desk": login(desk),
            "organizer": login(organizer),
        },
        bearer={"desk": issue_api_token(desk), "organizer": issue_api_token(organizer)},
    )


# ------------------------------------------------------------------------------ requests


def _quote(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="", errors="surrogatepass")


def path_value(world: World, rule: Any, name: str, converter: BaseConverter, role: str):
    """A strategy for one path value: mostly the world's own, else hostile."""
    if isinstance(converter, IntegerConverter):
        kind = name.removesuffix("_id")
        if kind == "item":  # venues, speakers and streams share one pattern of routes
            kind = next(k for k in ("venue", "speaker", "stream") if f"/{k}s/" in rule.rule)
        real = st.sampled_from(world.ids_of.get(kind) or world.ids)
        return st.one_of(real, real, st.sampled_from(world.ids), st.sampled_from(HOSTILE_INTS))
    if name == "slug":
        return st.one_of(st.just(world.slug), st.just(world.slug), text)
    if name == "token":
        # Only the attendee holds the real tokens; anyone else can only guess.
        mine = world.calendar_token if "calendar" in rule.rule else world.manage_token
        return st.one_of(st.just(mine), st.just(mine), text) if role == "attendee" else text
    return text


def json_values(world: World):
    real = st.sampled_from([world.code, world.payload, *world.ids, "in_person", "online"])
    leaves = scalars | real
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(JSON_KEYS) | text, children, max_size=4)
        ),
        max_leaves=12,
    )


@st.composite
def bodies(draw, world: World) -> dict[str, Any]:
    """The body of a POST/PATCH/DELETE: a form, a JSON document, or raw bytes."""
    kind = draw(st.sampled_from(["form", "form", "json", "json", "raw"]))
    if kind == "form":
        real = st.sampled_from([world.code, world.payload, *map(str, world.ids), "y", "on"])
        fields = draw(
            st.dictionaries(
                st.sampled_from(FIELD_NAMES) | text,
                st.lists(text | real, min_size=1, max_size=2),
                max_size=6,
            )
        )
        pairs = [(k, v) for k, values in fields.items() for v in values]
        data = urllib.parse.urlencode(pairs, errors="surrogatepass")
        if draw(st.booleans()) and pairs:
            # Multipart, with a file (the programme import reads one).
            content = draw(
                st.sampled_from(
                    [b"key,title_en\r\nS1,\x00\r\n", b"\xff\xfe\x00", b"=1+1,@x\r\n", b""]
                )
                | st.binary(max_size=200)
            )
            files = {k: str(v) for k, v in pairs if "\x00" not in k and not _surrogate(k + v)}
            files["file"] = (io.BytesIO(content), "x.csv")
            return {"data": files, "content_type": "multipart/form-data"}
        return {"data": data, "content_type": "application/x-www-form-urlencoded"}
    if kind == "json":
        top = draw(
            st.dictionaries(st.sampled_from(JSON_KEYS) | text, json_values(world), max_size=6)
            | json_values(world)
        )
        document = json.dumps(top, ensure_ascii=True, allow_nan=True)
        if draw(st.integers(0, 9)) == 0:
            depth = draw(st.sampled_from([33, 1000, 100_000]))
            document = "[" * depth + "]" * depth
        return {"data": document, "content_type": "application/json"}
    raw = draw(
        st.binary(max_size=300)
        | st.sampled_from([b"{", b'{"a":', b"\x00", b"\xed\xa0\x80", b"[" * 50_000, b"1e999"])
    )
    return {"data": raw, "content_type": draw(st.sampled_from(["application/json", "text/plain"]))}


def _surrogate(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in value)


@st.composite
def requests(draw, world: World, rule: Any, method: str, role: str) -> dict[str, Any]:
    values = {
        name: draw(path_value(world, rule, name, conv, role))
        for name, conv in rule._converters.items()
    }
    path = RULE_ARGUMENT.sub(lambda m: _quote(values[m.group("name")]), rule.rule)
    query = draw(
        st.dictionaries(
            st.sampled_from(QUERY_NAMES) | text,
            text | st.sampled_from([str(i) for i in world.ids]),
            max_size=3,
        )
    )
    if query:
        path += "?" + urllib.parse.urlencode(query, errors="surrogatepass")
    request: dict[str, Any] = {"method": method, "path": path, "headers": {}}
    if method in ("POST", "PATCH", "PUT", "DELETE"):
        request.update(draw(bodies(world)))
    if role in world.bearer and (rule.rule.startswith("/api/") or draw(st.booleans())):
        request["headers"]["Authorization"] = "Bearer " + world.bearer[role]
    elif draw(st.integers(0, 4)) == 0:
        request["headers"]["Authorization"] = "Bearer " + draw(
            st.sampled_from(["é" * 32, "x" * 300, "", "null"])
        )
    return request


def routes(app) -> list[tuple[Any, str]]:
    """Every (rule, method) of the app, the destructive ones last."""
    found = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - SKIPPED_METHODS)
    ]
    return sorted(
        found,
        key=lambda item: (any(word in item[0].endpoint for word in DESTRUCTIVE), item[0].rule),
    )


def send(world: World, role: str, request: dict[str, Any]) -> int:
    client = world.clients[role]
    try:
        response = client.open(
            request["path"],
            method=request["method"],
            data=request.get("data"),
            content_type=request.get("content_type"),
            headers=request["headers"],
        )
        response.get_data()  # streamed bodies fail here, if they fail
    except Exception as exc:  # the app raised: the server would answer 500
        message = f"{role}: {request['method']} {request['path']} raised {exc!r}"
        raise AssertionError(message) from exc
    world.statuses[response.status_code] += 1
    return response.status_code


# ------------------------------------------------------------------------------- the run


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_hostile_input(app, db, world, login, role):
    from app.models import User

    covered: set[str] = set()
    for rule, method in routes(app):

        @(seed(SEED) if SEED else (lambda f: f))
        @settings(
            max_examples=EXAMPLES,
            derandomize=SEED == 0,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(request=requests(world, rule, method, role))
        def run(request: dict[str, Any]) -> None:
            status = send(world, role, request)
            assert status < 500, (role, request["method"], request["path"], status)

        run()
        covered.add(f"{method} {rule.rule}")
        if role in ("desk", "organizer") and any(w in rule.endpoint for w in DESTRUCTIVE):
            # Signed out or the password changed: sign in again for the next route.
            fresh(db)
            user = db.session.scalar(select(User).where(User.role == role).order_by(User.id.desc()))
            world.clients[role] = login(user) if user is not None else login()
    assert len(covered) == len(routes(app))
    sent = sum(world.statuses.values())
    answers = ", ".join(f"{code}: {n}" for code, n in sorted(world.statuses.items()))
    print(f"\n{role}: {sent} requests over {len(covered)} routes and methods ({answers})")
