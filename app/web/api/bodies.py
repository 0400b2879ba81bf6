"""Request bodies in, response bodies out."""

from __future__ import annotations

from typing import TypeVar

from flask import Response, current_app, request
from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.security import no_store
from app.web.api.errors import UnsupportedMediaType
from app.web.api.schemas.base import RequestModel, ResponseModel
from app.web.input_guard import request_json

M = TypeVar("M", bound=RequestModel)


def json_object() -> dict:
    """The request's JSON object; 415 for a body that is not JSON, 422 for one that is not an
    object."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send a JSON body with Content-Type: application/json."))
    body = request_json()
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_("The body must be a JSON object.")]})
    return body


def parse(model: type[M]) -> M:
    """The request's body as `model` (a body of the wrong shape raises ValidationError, which
    the API's error handler answers 422)."""
    return model.model_validate(json_object())


def respond(body: ResponseModel, status: int = 200, *, private: bool = False) -> Response:
    """`body` as JSON; `private`: behind a secret link, neither cached nor referred."""
    # Serialised by pydantic itself (its own JSON encoder is about twice as fast as Flask's).
    response = current_app.response_class(
        body.model_dump_json(), status=status, mimetype="application/json"
    )
    return no_store(response) if private else response
