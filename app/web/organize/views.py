"""Organizer pages for forums: the list, settings, timetable, conflicts and publishing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.forms.organize import AcceptForm, DeleteForm, ForumForm, PublishForm
from app.models import Forum
from app.programme import agenda, checks
from app.registration import people
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, raw_from, refused, user


@bp.get("/")
@organizer_view
def index():
    return render_template("organize/index.html", forums=agenda.forums_for(user()))


@bp.route("/forums/new", methods=["GET", "POST"])
@organizer_view(admin_only=True)
def new_forum():
    form = ForumForm()
    if request.method == "GET":
        form.timezone.data = "Asia/Seoul"
    status = 200
    if form.validate_on_submit():
        try:
            forum = agenda.create_forum(raw_from(form, ("slug", *checks.FORUM_FIELDS)), user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("The forum is created as a draft."), "success")
            return back("organize.forum", forum)
    elif request.method == "POST":
        status = 422
    return render_template("organize/forum_form.html", form=form, forum=None), status


@bp.get("/forums/<slug>")
@organizer_view
def forum(forum: Forum):
    conflicts = agenda.forum_conflicts(forum)
    counts = people.forum_counts(forum.id)
    return render_template(
        "organize/forum.html",
        forum=forum,
        conflicts=conflicts,
        open_conflicts=[c for c in conflicts if not c.accepted],
        counts=counts,
        unpublish_form=DeleteForm(),
    )


@bp.route("/forums/<slug>/edit", methods=["GET", "POST"])
@organizer_view
def edit_forum(forum: Forum):
    form = ForumForm(data=agenda.forum_values(forum) if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            agenda.update_forum(forum, raw_from(form, checks.FORUM_FIELDS), user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("The forum settings are saved."), "success")
            return back("organize.forum", forum)
    elif request.method == "POST":
        status = 422
    return render_template("organize/forum_form.html", form=form, forum=forum), status


@bp.get("/forums/<slug>/timetable")
@organizer_view
def timetable(forum: Forum):
    table = agenda.timetable(forum)
    return render_template(
        "organize/timetable.html",
        forum=table.forum,
        table=table,
        counts=people.session_counts(forum),
        locale=current_locale(),
    )


@bp.route("/forums/<slug>/conflicts", methods=["GET", "POST"])
@organizer_view
def conflicts(forum: Forum):
    views = agenda.forum_conflicts(forum)
    form = AcceptForm()
    form.accept.choices = [(c.key, c.key) for c in views if not c.accepted]
    status = 200
    if form.validate_on_submit():
        try:
            added = agenda.accept_conflicts(forum, user(), form.accept.data or [], form.note.data)
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("%(n)d conflicts accepted.", n=added), "success")
            return back("organize.conflicts", forum)
    elif request.method == "POST":
        status = 422
    return render_template(
        "organize/conflicts.html",
        forum=forum,
        conflicts=views,
        form=form,
        withdraw_form=DeleteForm(),
        locale=current_locale(),
    ), status


@bp.post("/forums/<slug>/conflicts/withdraw")
@organizer_view
def withdraw_acceptance(forum: Forum):
    form = DeleteForm()
    key = request.form.get("key", "")
    if form.validate_on_submit():
        try:
            agenda.withdraw_acceptance(forum, key)
        except DomainError as exc:
            return refused(exc, "organize.conflicts", forum)
        flash(_("The acceptance is withdrawn."), "success")
    return back("organize.conflicts", forum)


@bp.route("/forums/<slug>/publish", methods=["GET", "POST"])
@organizer_view
def publish(forum: Forum):
    views = agenda.forum_conflicts(forum)
    form = PublishForm()
    form.accept.choices = [(c.key, c.key) for c in views if not c.accepted]
    status = 200
    blocked: list = []
    if form.validate_on_submit():
        try:
            agenda.publish_forum(forum, user(), accept=form.accept.data or [], note=form.note.data)
        except checks.PublishBlocked as exc:
            form.form_errors.append(exc.message)
            blocked = [c.key for c in exc.conflicts]
            status = 409
        except DomainError as exc:
            return refused(exc, "organize.forum", forum)
        else:
            flash(_("The forum is published."), "success")
            return back("organize.forum", forum)
    elif request.method == "POST":
        status = 422
    return render_template(
        "organize/publish.html",
        forum=forum,
        conflicts=views,
        blocked=blocked,
        form=form,
        locale=current_locale(),
    ), status


@bp.post("/forums/<slug>/unpublish")
@organizer_view
def unpublish(forum: Forum):
    if DeleteForm().validate_on_submit():
        try:
            agenda.unpublish_forum(forum)
        except DomainError as exc:
            return refused(exc, "organize.forum", forum)
        flash(_("The forum is a draft again."), "success")
    return redirect(url_for("organize.forum", slug=forum.slug), code=303)
