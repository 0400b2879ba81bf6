"""Input no database can hold is refused at the door, once for every route.

- A path with a NUL byte or an unpaired surrogate: 404; query strings and form fields: 400.
- A JSON body sent to a page (not the API): 415.
- `<int:…>` in a route reads an id beyond every row's (2**31 and more) as 0: 404 for it.
- JSON bodies go through one loader that bounds nesting (400 `bad_json`) and refuses the same
  characters in any key or string (422 naming the field), through `request_json()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.core.bounds import ID_MAX, storable
from app.core.errors import DomainError, ValidationFailed

# Deeper than any body the API documents (its deepest is three levels), shallow enough that
# nothing recursive downstream comes near Python's limit.
JSON_MAX_DEPTH = 32


class BadJson(DomainError):
    status = 400
    code = "bad_json"


class TooDeep(ValueError):
    """A JSON document nested deeper than JSON_MAX_DEPTH."""


class Unstorable(ValueError):
    """A JSON document with a NUL byte or an unpaired surrogate in `field` (the top-level key
    it was found under; "body" for a key or a document that is itself a string)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"unstorable text in {field}")
        self.field = field


def loads_bounded(data: str | bytes) -> Any:
    """`json.loads`, refusing (a ValueError) nesting deeper than JSON_MAX_DEPTH and any key or
    string with a NUL byte or an unpaired surrogate."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeep() from None
    _check_document(value)
    return value


def _check_document(value: Any) -> None:
    # Iterative, so a document just under the parser's own limit cannot exhaust the stack here.
    pending: list[tuple[Any, int, str]] = [(value, 1, "body")]
    while pending:
        item, depth, field = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                raise Unstorable(field)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > JSON_MAX_DEPTH:
            raise TooDeep()
        if isinstance(item, dict):
            for key, child in item.items():
                if not storable(key):
                    raise Unstorable("body")
                pending.append((child, depth + 1, key if depth == 1 else field))
        else:
            pending.extend((child, depth + 1, field) for child in item)


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON: `request.get_json()` parses with the bounds above."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s)


def request_json() -> Any:
    """The request body as JSON. Nested too deeply: BadJson (400). Not JSON, or text that
    cannot be stored: ValidationFailed (422) naming the field, as any other invalid field."""
    try:
        return loads_bounded(request.get_data(cache=True))
    except TooDeep:
        raise BadJson(_("The JSON body is nested too deeply.")) from None
    except Unstorable as exc:
        raise ValidationFailed(
            {exc.field: [_("Remove NUL bytes and unpaired surrogate characters.")]}
        ) from None
    except ValueError:
        raise ValidationFailed({"body": [_("The body is not valid JSON.")]}) from None


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` for ids: a number larger than any row's id is read as 0, which no row has, so
    the view answers as for any unknown id (404). Refusing the match instead would answer 405
    where the same path has routes for other methods."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= ID_MAX else 0


def answers_text_by_field(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a form view whose use case checks every text field itself (NUL and control
    characters included) and shows the form again with the field's error: the hook leaves
    its form fields to it. Paths and query strings are still checked."""
    view.answers_text_by_field = True  # type: ignore[attr-defined]
    return view


def _unstorable_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    by_field = getattr(view, "answers_text_by_field", False)
    sources = (request.args,) if by_field else (request.args, request.form)
    for values in sources:
        for key, value in values.items(multi=True):
            # (A multipart part whose headers a name broke gives None for its name or value.)
            if not storable(key or "") or not storable(value or ""):
                return True
    return any(not storable(f.filename or "") for f in request.files.values())


def install_parsers(app: Flask) -> None:
    """Before any blueprint registers its routes (their `<int:…>` take the bounded converter):
    the id converter and the bounded JSON loader."""
    app.url_map.converters["int"] = DatabaseIdConverter
    provider = BoundedJSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii
    provider.sort_keys = app.json.sort_keys
    app.json = provider


def refuse_unstorable_text() -> None:
    if not storable(request.path):
        abort(404)  # nothing can live at such an address
    if request.is_json and request.blueprint != "api" and request.method in _BODY_METHODS:
        # Pages take web forms; Flask-WTF would read a JSON list or number as one and fail.
        abort(415, description=_("This page takes a web form. The JSON API is under /api/v1."))
    if _unstorable_request():
        abort(
            400,
            description=_(
                "The request holds characters that cannot be stored (a NUL byte or a broken"
                " character). Remove them and try again."
            ),
        )


_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def install(app: Flask) -> None:
    # First of the app's hooks: nothing else reads the request before it is refused.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_text)
