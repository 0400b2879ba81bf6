"""The application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from werkzeug.exceptions import HTTPException

from config import DEV_SECRET_KEY, Config, config_from_env

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the app. A configuration error stops start-up with one clear line."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
    )
    try:
        config = config or config_from_env()
    except ValueError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None
    app.config.from_object(config)
    app.json.ensure_ascii = False  # Korean reads as Korean in the JSON API
    app.config.update(overrides)
    _check_config(app)

    from app import auth, models  # noqa: F401  (registers the tables and the user loader)
    from app.db import db
    from app.extensions import babel, csrf, limiter, login_manager, migrate
    from app.i18n import select_locale

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

    from app.web import input_guard

    input_guard.install_parsers(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    input_guard.install(app)
    _start_requests_fresh(app)
    from app import security

    security.install(app)
    _register_template_helpers(app)

    from app.cli import register_cli

    register_cli(app)
    if app.config.get("MAIL_DELIVER_IN_PROCESS") and not app.testing:
        from app.mail import start_in_process_delivery

        start_in_process_delivery(app)
    return app


def _check_config(app: Flask) -> None:
    env = app.config.get("ENV_NAME")
    if env == "production" and app.config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise SystemExit(
            "Configuration error: SECRET_KEY must be set to a long random value in production."
        )
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = "sqlite:///" + os.path.join(app.instance_path, "madang.sqlite3")
    uri = normalise_database_url(uri)
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


def normalise_database_url(uri: str) -> str:
    """Accept the usual postgres:// spellings and check the URL names a usable driver."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix) :]
    try:
        url = make_url(uri)
        url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise SystemExit(f"Configuration error: DATABASE_URL is not usable ({exc}).") from None
    return uri


def _start_requests_fresh(app: Flask) -> None:
    """Forget the locale and user cached on `g`: when a request runs inside an app context
    that is already pushed (tests, CLI-driven clients), they must not carry over."""
    from flask import g
    from flask_babel import refresh

    @app.before_request
    def fresh_request_state() -> None:
        g.pop("_login_user", None)
        refresh()


def _register_blueprints(app: Flask) -> None:
    from app.web.api import bp as api_bp
    from app.web.attendee import bp as attendee_bp
    from app.web.auth import bp as auth_bp
    from app.web.changes import bp as changes_bp
    from app.web.desk import bp as desk_bp
    from app.web.feeds import bp as feeds_bp
    from app.web.organize import bp as organize_bp
    from app.web.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(changes_bp)
    app.register_blueprint(organize_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    from app.extensions import csrf

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = "The form expired or was sent from elsewhere. Please try again."
        if wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=exc.description), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if wants_json():
            name = (exc.name or "error").lower().replace(" ", "_")
            response = jsonify(error=name, message=exc.description)
            response.status_code = code
            if code == 405 and exc.get_response().headers.get("Allow"):
                response.headers["Allow"] = exc.get_response().headers["Allow"]
            return response
        return render_template("errors/error.html", code=code, message=exc.description), code

    @app.errorhandler(500)
    def server_error(exc: Exception):
        if wants_json():
            return jsonify(error="internal_server_error", message="Internal error."), 500
        return render_template("errors/error.html", code=500, message=None), 500

    # The JSON API takes bearer tokens or no credentials at all: never a cookie, so no CSRF.
    from app.web.api import bp as api_bp

    csrf.exempt(api_bp)


def _register_template_helpers(app: Flask) -> None:
    from app import presenters

    presenters.register(app)
