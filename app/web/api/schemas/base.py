"""What every model of the JSON API shares.

Responses: every field is always present (null where the type allows), and no other field;
strict types, so a serialiser that drifts from its model fails loudly instead of sending a
shape the document does not describe.

Requests: pydantic checks the shape of a body (JSON types, unknown fields) and the service
checks the rules (lengths, choices, what exists), with its own messages. What the service
checks is still described in the document (`documented`), so clients see the whole contract.
Shape errors answer with the translated messages the API has always used, never pydantic's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

Schema = dict[str, Any]


def one_of(values: Iterable[str]) -> Any:
    """A string that must be one of `values` (a vocabulary of the domain), inline in the
    document (an enum type would become a component of its own)."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


def documented(kind: Any, schema: Schema) -> Any:
    """`kind` is what gets through to the service; `schema` is what the document promises is
    valid (the service refuses the rest with its own message)."""
    return Annotated[kind, WithJsonSchema(schema)]


LocalTime = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with the offset of the forum's time zone "
            "(e.g. 2018-09-19T10:30:00+09:00).",
        }
    ),
]
UtcTime = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 in UTC, ending in Z (e.g. 2018-09-19T01:30:00Z).",
        }
    ),
]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]


class ResponseModel(BaseModel):
    """A response body (or a part of one)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _required_in_document(schema: Schema, model: type[RequestModel]) -> None:
    """Fields the document marks as required (and not null) that the service checks, so that
    a missing one is answered with the service's own message."""
    if not model.documented_required:
        return
    properties = schema["properties"]
    for name in model.documented_required:
        prop = properties[name]
        prop.pop("default", None)
        choices = [s for s in prop.get("anyOf", ()) if s != {"type": "null"}]
        if len(choices) == 1:
            del prop["anyOf"]
            prop.update(choices[0])
    schema["required"] = [*schema.get("required", ()), *model.documented_required]


class RequestModel(BaseModel):
    """A request body. Fields left out or null come through as None unless said otherwise;
    fields not in the model are ignored (extra="forbid" in a subclass refuses them)."""

    model_config = ConfigDict(extra="ignore", strict=True, json_schema_extra=_required_in_document)

    # Required in the document, checked by the service (with its own message when missing).
    documented_required: ClassVar[tuple[str, ...]] = ()
    # A field's own message for a value of the wrong shape (else "This field has the wrong type.").
    field_messages: ClassVar[dict[str, Any]] = {}
    unknown_field_message: ClassVar[Any] = _l("Unknown field.")


class Bilingual(ResponseModel):
    """A text in Korean and English. Show the reader's language, falling back to the other
    when empty."""

    ko: str = Field(description="Korean text; may be empty.")
    en: str = Field(description="English text; may be empty.")


class Error(ResponseModel):
    """An error: what went wrong, for programs and for people."""

    error: str = Field(description="Machine-readable error name, e.g. not_found.")
    message: str = Field(description="Human-readable explanation.")


class ValidationError(ResponseModel):
    """422: invalid fields; nothing was written."""

    error: Literal["invalid"] = Field(description="Always `invalid`.")
    message: str = Field(description="Human-readable summary.")
    errors: dict[str, list[str]] = Field(
        description="Messages for each invalid field, by field name (`body` when the body is "
        "not a JSON object)."
    )


def _not_required(schema: Schema) -> None:
    schema.pop("default", None)


def absent_unless(description: str) -> Any:
    """A response field sent only when it applies (documented as optional, never null)."""
    return Field(None, description=description, json_schema_extra=_not_required)
