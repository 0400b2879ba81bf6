"""Planning from demand: receivers to rent per session and hall, the services people asked
for against those offered, and the open requests to answer (counts only, never who)."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import ngettext

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.core.languages import language_name
from app.models import Forum
from app.registration import access_requests
from app.web.attendee import service_label
from app.web.organize import bp
from app.web.organize.common import back, organizer_view, user


def _page(forum: Forum, *, status: int = 200, refusal: list[str] | None = None):
    locale = current_locale()
    return (
        render_template(
            "organize/planning.html",
            forum=forum,
            plan=access_requests.planning(forum, locale),
            service_label=service_label,
            language=lambda code: language_name(code, locale),
            refusal=refusal or [],
        ),
        status,
    )


@bp.get("/forums/<slug>/planning")
@organizer_view
def planning_page(forum: Forum):
    return _page(forum)


@bp.post("/forums/<slug>/planning/answer")
@organizer_view
def answer_requests(forum: Forum):
    try:
        done = access_requests.answer(forum, request.form.to_dict(), user())
    except ValidationFailed as exc:
        return _page(
            forum, status=422, refusal=[m for messages in exc.errors.values() for m in messages]
        )
    except DomainError as exc:
        return _page(forum, status=exc.status, refusal=[exc.message])
    words = service_label(done.wish.kind, done.wish.language)
    message = (
        ngettext(
            "%(service)s is confirmed; %(num)d person will be told by email.",
            "%(service)s is confirmed; %(num)d people will be told by email.",
            done.people,
            service=words,
        )
        if done.answer == "confirm"
        else ngettext(
            "%(service)s is declined; %(num)d person will be told by email.",
            "%(service)s is declined; %(num)d people will be told by email.",
            done.people,
            service=words,
        )
    )
    flash(message, "success")
    return back("organize.planning_page", forum)


__all__ = ["answer_requests", "planning_page"]
