"""Domain errors: what a use case refuses, for the routes to map to a page or a status code."""

from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A rule said no. `code` is machine-readable; `message` is for people."""

    status = 400
    code = "domain_error"
    # Details a client may see (an API answer carries them); the others stay on the server.
    public_details: tuple[str, ...] = ()

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    """No credentials, or not valid ones."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class ValidationFailed(DomainError):
    """Invalid fields: `errors` maps each field to its messages."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        # In the language of the request, like the field messages it carries.
        super().__init__(_("Some fields are invalid."))
        self.errors = errors


class RegistrationClosed(DomainError):
    status = 409
    code = "registration_closed"


class AlreadyRegistered(DomainError):
    """The address holds a registration already. Carries nothing about it."""

    status = 409
    code = "already_registered"


class RegistrationCancelled(DomainError):
    status = 409
    code = "registration_cancelled"
