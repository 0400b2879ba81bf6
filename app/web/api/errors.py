"""Every refusal of the JSON API as JSON: one handler for domain errors, request bodies that
do not fit their model, and HTTP errors (404, 405, 415, 429…).

The body is `{"error": code, "message": text}`, with `errors` (messages by field) for invalid
fields and the details an error declares public (`DomainError.public_details`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError, ValidationFailed
from app.extensions import with_retry_after
from app.web.api.schemas.base import RequestModel


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


def invalid_fields(exc: ValidationError, model: type[RequestModel]) -> ValidationFailed:
    """A request body's shape errors, in the API's own (translated) messages."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "body"
        if field in model.field_messages:
            message = str(model.field_messages[field])
        elif error["type"] == "extra_forbidden":
            message = str(model.unknown_field_message)
        else:
            message = _("This field has the wrong type.")
        if message not in errors.setdefault(field, []):
            errors[field].append(message)
    return ValidationFailed(errors)


def _request_model(exc: ValidationError) -> type[RequestModel] | None:
    pending = list(RequestModel.__subclasses__())
    while pending:
        model = pending.pop()
        if model.__name__ == exc.title:
            return model
        pending.extend(model.__subclasses__())
    return None


# Werkzeug's own descriptions are English whatever the request's language: these replace them
# (a description given on purpose, already translated, is kept).
_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    404: _l("There is nothing at this address."),
    405: _l("This method is not allowed at this address."),
    415: _l("Send a JSON body with Content-Type: application/json."),
    429: _l("Too many requests. Please wait a moment and try again."),
}


def http_message(exc: HTTPException) -> str:
    # A rate limit's description is the limit itself ("30 per 1 minute"): not for people.
    if exc.code != 429 and exc.description and exc.description != type(exc).description:
        return exc.description
    return str(_HTTP_MESSAGES.get(exc.code or 500, _l("The request could not be completed")))


def _body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.errors
    for key in exc.public_details:
        if key in exc.details:
            body[key] = exc.details[key]
    return body


def api_error(exc: Exception) -> Response:
    """The one error handler of the API (also for unmatched /api/ URLs: 404, 405)."""
    if isinstance(exc, ValidationError):
        model = _request_model(exc)
        if model is None:
            raise exc  # a response that does not fit its model: a bug, answered 500
        exc = invalid_fields(exc, model)
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        response = jsonify(
            error=(exc.name or "error").lower().replace(" ", "_"), message=http_message(exc)
        )
        allow = exc.get_response().headers.get("Allow") if status == 405 else None
        if allow:
            response.headers["Allow"] = allow
    elif isinstance(exc, DomainError):
        status = exc.status
        response = jsonify(_body(exc))
    else:
        raise exc
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="madang"'
    return with_retry_after(response)
