"""The application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import format_decimal, refresh
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import make_url
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

import config as settings
from app import auth, models, security  # noqa: F401  (registers the tables and the user loader)
from app.cli import register_cli
from app.core import presenters
from app.core.db import db
from app.core.i18n import select_locale
from app.extensions import babel, csrf, limiter, login_manager, migrate, with_retry_after
from app.mail.in_process import start_in_process_delivery
from app.web import input_guard
from app.web.api import bp as api_bp
from app.web.api.errors import api_error
from app.web.attendee import bp as attendee_bp
from app.web.auth import bp as auth_bp
from app.web.changes import bp as changes_bp
from app.web.desk import bp as desk_bp
from app.web.feeds import bp as feeds_bp
from app.web.organize import bp as organize_bp
from app.web.public import bp as public_bp
from app.web.voices import bp as voices_bp
from config import Config, ConfigError, config_from_env

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the app. A configuration error stops start-up with one clear line."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
    )
    try:
        app.config.from_object(config or config_from_env())
        app.config.update(overrides)
        settings.check(app.config)
    except ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None
    app.json.ensure_ascii = False  # Korean reads as Korean in the JSON API
    _check_config(app)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(PROJECT_ROOT, "app", "translations"),
    )
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    input_guard.install_parsers(app)
    _trust_proxies(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    input_guard.install(app)
    _start_requests_fresh(app)

    security.install(app)
    _register_template_helpers(app)

    register_cli(app)
    if app.config.get("MAIL_DELIVER_IN_PROCESS") and not app.testing:
        start_in_process_delivery(app)
    return app


def _check_config(app: Flask) -> None:
    """What depends on the app: the default SQLite file in its instance folder, the engine."""
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = "sqlite:///" + os.path.join(app.instance_path, "madang.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        if make_url(uri).database in (None, "", ":memory:"):
            # An in-memory database lives on one static connection: no pool to tune.
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                options.pop(key, None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **options,
            "connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000},
        }
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client address and scheme are the ones
    they forwarded, so rate limits count per client rather than per proxy. Without it, any
    X-Forwarded-For header is ignored (a client could pick its own address)."""
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def normalise_database_url(uri: str) -> str:
    """`config.normalise_database_url`, stopping the process on a bad URL."""
    try:
        return settings.normalise_database_url(uri)
    except ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None


def _start_requests_fresh(app: Flask) -> None:
    """Forget the locale and user cached on `g`: when a request runs inside an app context
    that is already pushed (tests, CLI-driven clients), they must not carry over."""

    @app.before_request
    def fresh_request_state() -> None:
        g.pop("_login_user", None)
        refresh()


def _register_blueprints(app: Flask) -> None:

    app.register_blueprint(public_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(changes_bp)
    app.register_blueprint(organize_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(voices_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form expired or was sent from elsewhere. Please try again.")
        if wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=exc.description), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        message = _("The request is too large: send at most %(size)s.", size=_megabytes(limit))
        if wants_json():
            return jsonify(error="request_entity_too_large", message=message), 413
        return render_template("errors/error.html", code=413, message=message), 413

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if wants_json():  # also an /api/ URL no route matched (404, 405)
            return api_error(exc)
        code = exc.code or 500
        page = make_response(
            render_template("errors/error.html", code=code, message=exc.description), code
        )
        return with_retry_after(page)

    @app.errorhandler(500)
    def server_error(exc: Exception):
        if wants_json():
            return jsonify(error="internal_server_error", message=_("Internal error.")), 500
        return render_template("errors/error.html", code=500, message=None), 500

    # The JSON API takes bearer tokens or no credentials at all: never a cookie, so no CSRF.

    csrf.exempt(api_bp)


def _megabytes(size: int) -> str:

    return f"{format_decimal(round(size / 1_000_000, 1))} MB"


def _register_template_helpers(app: Flask) -> None:

    presenters.register(app)
