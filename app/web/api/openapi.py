"""The API's operations, and the OpenAPI 3.1 document generated from them and their models
(GET /api/v1/openapi.json).

Every route of the API is declared with `operation(...)`: its rule and method (registered on
the blueprint as they are documented), summary, request model, responses and whether it takes
a bearer token. The document is built from that registry and the pydantic models
(app/web/api/schemas/), so the routes, the checks and the description cannot drift apart.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.web.api import bp
from app.web.api.schemas.base import Error, ValidationError
from app.web.api.schemas.organize import SpeakerLineInput

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Answer:
    """One documented response: what it means and its body's model (None: no body)."""

    description: str
    model: type[BaseModel] | None = Error


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    operation_id: str
    tag: str
    summary: str
    description: str
    body: type[BaseModel] | None
    responses: dict[int, Answer]
    bearer: bool
    query: tuple[dict[str, Any], ...] = field(default=())

    @property
    def path(self) -> str:
        """The OpenAPI path of the Flask rule: /forums/<slug> -> /forums/{slug}."""
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)


OPERATIONS: list[Operation] = []

TAGS: list[dict[str, str]] = [
    {"name": "forums", "description": "Published forums and their programmes (read only)."},
    {
        "name": "registrations",
        "description": "Pre-registration, and a registration reached through its manage token: "
        "read, change, cancel, export (download my data) and erase.",
    },
    {"name": "desk", "description": "The check-in desk on the day (a desk bearer token)."},
    {
        "name": "organize",
        "description": "The programme of the forums an account organizes (an organizer or "
        "admin bearer token): the same rules and conflict answers as the /organize pages.",
    },
    {
        "name": "voices",
        "description": "Citizens' voices: the forum's comment event (entries confirmed by mail, "
        "likes) and a session's live questions (asked, voted on). Moderation is under "
        "/organize with an organizer's bearer token.",
    },
    {"name": "meta", "description": "About the API itself."},
]

# Path parameters, by name, wherever they appear.
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "slug": {
        "description": "The forum's slug: lower-case letters and digits in words joined by "
        "hyphens.",
        "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100},
    },
    "token": {
        "description": "The secret manage token from the manage link (URL-safe base64).",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[A-Za-z0-9_-]+$",
        },
    },
    "session_id": {"description": "The session.", "schema": {"type": "integer", "minimum": 0}},
    "item_id": {
        "description": "The venue or speaker.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "service_id": {
        "description": "An access service of one of the forum's sessions.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "comment_id": {
        "description": "A comment of the forum's comment event.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "question_id": {
        "description": "A live question of the session.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "run_id": {"description": "The solver run.", "schema": {"type": "integer", "minimum": 0}},
    "registration_id": {
        "description": "The registration (its id on the organizer's pages).",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def operation(
    rule: str,
    method: str,
    *,
    operation_id: str,
    tag: str,
    summary: str,
    description: str = "",
    body: type[BaseModel] | None = None,
    responses: dict[int, Answer],
    bearer: bool = False,
    query: tuple[dict[str, Any], ...] = (),
    endpoint: str | None = None,
) -> Callable[[Callable], Callable]:
    """Register the view under `rule` for `method` and document it.

    Added to every operation unless given: 400 (text no database can store in the path or
    query, or a JSON body nested too deeply: `app.web.input_guard`), 415 and 422 when it takes
    a body, 401 and 403 when it takes a bearer token, and 429 (every API route is
    rate-limited)."""

    def register(view: Callable) -> Callable:
        name = endpoint or view.__name__
        bp.add_url_rule(rule, endpoint=name, view_func=view, methods=[method])
        answers = dict(responses)
        answers.setdefault(
            400, Answer("Unstorable text (NUL, a lone surrogate) or JSON nested too deeply.", Error)
        )
        if body is not None:
            answers.setdefault(415, Answer("The body is not JSON (Content-Type)."))
            answers.setdefault(422, Answer("Invalid fields; nothing was written.", ValidationError))
        if bearer:
            answers.setdefault(401, Answer("No bearer token, or not a valid one."))
            answers.setdefault(403, Answer("The token's account may not do this here."))
        answers.setdefault(429, Answer("Rate-limited: wait and try again."))
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method.lower(),
                endpoint=f"{bp.name}.{name}",
                operation_id=operation_id,
                tag=tag,
                summary=summary,
                description=description,
                body=body,
                responses=answers,
                bearer=bearer,
                query=query,
            )
        )
        return view

    return register


# ------------------------------------------------------------------------------ the document


def _content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    names = re.findall(r"\{([a-z_]+)\}", op.path)
    path = [{"name": n, "in": "path", "required": True, **PATH_PARAMETERS[n]} for n in names]
    return [*path, *({"in": "query", **q} for q in op.query)]


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        doc["description"] = op.description
    parameters = _parameters(op)
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": _content(op.body)}
    doc["responses"] = {
        str(status): {"description": answer.description}
        | ({"content": _content(answer.model)} if answer.model is not None else {})
        for status, answer in sorted(op.responses.items())
    }
    if op.bearer:
        doc["security"] = [{"bearer": []}]
    return doc


def _models() -> list[tuple[type[BaseModel], str]]:
    seen: dict[type[BaseModel], str] = {SpeakerLineInput: "validation"}
    for op in OPERATIONS:
        if op.body is not None:
            seen[op.body] = "validation"
        for answer in op.responses.values():
            if answer.model is not None:
                seen.setdefault(answer.model, "serialization")
    return list(seen.items())


@cache
def _document(operations: int) -> dict[str, Any]:
    """Built once for each number of operations declared (all are, once the routes load)."""
    _keys, schemas = models_json_schema(_models(), ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Madang API",
            "version": API_VERSION,
            "summary": "Seoul smart-city forums: programmes and registration.",
            "description": "JSON in, JSON out. Errors are JSON objects with `error` and "
            "`message`. Bilingual texts come as {ko, en}; instants come in the forum's zone "
            "(`…_at`) and in UTC (`…_at_utc`).",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/api/v1"}],
        "tags": TAGS,
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token of a staff account (`flask users token`).",
                }
            },
        },
    }


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole document, as a fresh dict (callers may change it freely)."""
    document = copy.deepcopy(_document(len(OPERATIONS)))
    document["servers"] = [{"url": server_url}]
    return document


@operation(
    "/openapi.json",
    "GET",
    operation_id="getOpenApi",
    tag="meta",
    summary="This document",
    responses={200: Answer("The OpenAPI 3.1 description of the API.", None)},
)
def openapi():
    base = current_app.config["BASE_URL"].rstrip("/")
    return jsonify(openapi_document(server_url=f"{base}/api/v1"))
