"""Organizer pages for a forum's mail: the outbox by state, and failed messages tried again."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import ngettext

from app.core.bounds import parse_id
from app.core.errors import DomainError
from app.forms.organize import RequeueForm
from app.mail import overview
from app.models import Forum
from app.web.organize import bp
from app.web.organize.common import back, organizer_view, refused, user


@bp.get("/forums/<slug>/mail")
@organizer_view
def mail(forum: Forum):
    state = overview.parse_state(request.args.get("state"))
    view = overview.forum_mail(forum.id, state, page=parse_id(request.args.get("page")) or 1)
    return render_template("organize/mail.html", forum=forum, view=view, form=RequeueForm())


@bp.post("/forums/<slug>/mail/requeue")
@organizer_view
def requeue_mail(forum: Forum):
    form = RequeueForm()
    endpoint, values = _came_from(form)
    if form.validate_on_submit():
        try:
            n = overview.requeue_forum_mail(
                forum.id, user(), form.outbox_ids.data or [], every_dead=form.every_dead.data
            )
        except DomainError as exc:
            return refused(exc, endpoint, forum, **values)
        flash(
            ngettext(
                "%(num)d message will be tried again.", "%(num)d messages will be tried again.", n
            ),
            "success",
        )
    return back(endpoint, forum, **values)


def _came_from(form: RequeueForm) -> tuple[str, dict]:
    """Back to the person's page the request came from, or to the forum's failed mail."""
    person = parse_id(form.registration_id.data)
    if person is not None:
        return "organize.person", {"registration_id": person}
    return "organize.mail", {"state": "dead"}
