"""Public pages: the forum list, a forum, its programme, sessions, venues and speakers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request

from app.i18n import LOCALE_COOKIE

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.post("/language")
def set_language():
    """Remember an explicit language choice and go back to the page it was made on."""
    lang = request.form.get("lang", "")
    target = request.form.get("next") or "/"
    # Only a path on this site: never an open redirect.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    response = redirect(target, code=303)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response
