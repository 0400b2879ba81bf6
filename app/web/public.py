"""Public pages: the forum list, a forum, its programme, sessions, venues and speakers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.routing import BuildError
from werkzeug.utils import secure_filename

from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import LOCALE_COOKIE
from app.forms.certificates import VerifyForm
from app.programme import archive
from app.programme import views as programme_service
from app.programme.views import ForumView
from app.registration import certificates
from app.voices import comments, questions

bp = Blueprint("public", __name__)


def optional_url(endpoint: str, **values: Any) -> str | None:
    """`url_for`, or None when the endpoint is not (yet) registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _now() -> datetime:
    return datetime.now(UTC)


def _view(slug: str) -> ForumView:
    view = programme_service.forum_view(slug, base_url=current_app.config["BASE_URL"], now=_now())
    if view is None:
        abort(404)
    return view


@bp.get("/")
def index():
    return render_template("public/index.html", listing=programme_service.published_forums(_now()))


@bp.get("/forums/<slug>")
def forum(slug: str):
    view = _view(slug)
    register_url = optional_url("attendee.register", slug=slug)
    record = None if view.upcoming else archive.record(view.forum)  # over: its record
    return render_template(
        "public/forum.html",
        view=view,
        register_url=register_url,
        record=record,
        comment_box=comments.comment_box(view.forum),
    )


@bp.get("/forums/<slug>/documents/<material_id>/<filename>")
def document(slug: str, material_id: str, filename: str):
    """A document of the archive, always as a download (never shown in the page's origin)."""
    view = _view(slug)
    try:
        material = archive.file_of(view.forum, material_id)
    except NotFound:
        abort(404)
    response = current_app.response_class(material.content, mimetype=material.content_type)
    response.headers["Content-Disposition"] = content_disposition(material.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/forums/<slug>/programme")
def programme(slug: str):
    view = _view(slug)
    found = programme_service.filter_programme(
        view, language=request.args.get("language", ""), service=request.args.get("service", "")
    )
    return render_template("public/programme.html", view=view, found=found)


@bp.get("/forums/<slug>/sessions/<int:session_id>")
def session(slug: str, session_id: int):
    view = _view(slug)
    item = view.session(session_id) or abort(404)
    asks = bool(questions.taking_questions([item.session.id]))
    return render_template("public/session.html", view=view, item=item, asks=asks)


@bp.get("/forums/<slug>/venues/<int:venue_id>")
def venue(slug: str, venue_id: int):
    view = _view(slug)
    place = view.venue(venue_id) or abort(404)
    return render_template(
        "public/venue.html", view=view, venue=place, items=view.venue_sessions(venue_id)
    )


@bp.get("/forums/<slug>/speakers/<int:speaker_id>")
def speaker(slug: str, speaker_id: int):
    view = _view(slug)
    person = view.speaker(speaker_id) or abort(404)
    return render_template(
        "public/speaker.html",
        view=view,
        speaker=person,
        appearances=view.speaker_sessions(speaker_id),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same icon as the pages'."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


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


@bp.get("/certificates/verify")
def verify_certificate():
    """Anyone checks a certificate's code: the masked name, the forum and its date, or why not."""
    form = VerifyForm(request.args)
    found, status = None, 200
    if request.args.get("code") is not None:
        try:
            found = certificates.verify(form.code.data or "")
        except ValidationFailed as exc:
            form.code.errors = exc.errors["code"]
            status = 422
        except NotFound as exc:
            form.code.errors = [exc.message]
            status = 404
    return render_template("public/verify.html", form=form, found=found), status


def content_disposition(filename: str) -> str:
    """An attachment with the file's own name: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = secure_filename(filename) or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
