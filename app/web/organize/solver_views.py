"""The agenda solver's pages: ask for a proposal, watch the search, review the moves beside
the current timetable and apply them; speakers' availability, edited and imported."""

from __future__ import annotations

from flask import flash, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.forms.organize import (
    ApplyProposalForm,
    AvailabilityForm,
    AvailabilityImportForm,
    SolveForm,
)
from app.models import Forum
from app.models.enums import SolverRunStatus
from app.programme import agenda, availability, solver_runs, solving
from app.programme.csv_io import MAX_BYTES, CsvRefused
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, refused, user

WORKING = (SolverRunStatus.QUEUED, SolverRunStatus.RUNNING)


@bp.route("/forums/<slug>/solver", methods=["GET", "POST"])
@organizer_view
def solver(forum: Forum):
    form = SolveForm()
    locale = current_locale()
    form.pinned.choices = [SelectChoice(str(s.id), agenda_title(s, locale)) for s in forum.sessions]
    if request.method == "GET":
        form.mode.data = request.args.get("mode") or solver_runs.default_mode(forum)
        form.time_limit_s.data = f"{solving.DEFAULT_TIME_LIMIT_S:g}"
    status = 200
    if form.validate_on_submit():
        raw = {
            "mode": form.mode.data or "",
            "time_limit_s": form.time_limit_s.data,
            "pinned": form.pinned.data or [],
        }
        try:
            run = solver_runs.request_run(forum, raw, user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            return back("organize.solver_run", forum, run_id=run.id)
    elif request.method == "POST":
        status = 422
    return render_template(
        "organize/solver.html",
        forum=forum,
        form=form,
        violations=solving.current_violations(forum),
        runs=solver_runs.recent_runs(forum),
        locale=locale,
    ), status


def agenda_title(session, locale: str) -> str:
    other = "en" if locale == "ko" else "ko"
    return getattr(session, f"title_{locale}") or getattr(session, f"title_{other}")


@bp.get("/forums/<slug>/solver/<int:run_id>")
@organizer_view
def solver_run(forum: Forum, run_id: int):
    run = solver_runs.get_run(forum, run_id)
    locale = current_locale()
    form = ApplyProposalForm()
    rows = solving.move_views(forum, run.result, locale, every_session=True) if run.result else []
    form.sessions.choices = [
        SelectChoice(str(r.session_id), r.title) for r in rows if r.after is not None
    ]
    return render_template(
        "organize/solver_run.html",
        forum=forum,
        run=run,
        working=run.status in WORKING,
        rows=rows,
        moved=[r for r in rows if r.after is not None],
        reasons=solving.reason_texts(run.result, locale) if run.result else [],
        form=form,
        locale=locale,
    )


@bp.get("/forums/<slug>/solver/<int:run_id>/progress")
@organizer_view
def solver_progress(forum: Forum, run_id: int):
    run = solver_runs.get_run(forum, run_id)
    progress = run.progress or {}
    return jsonify(
        status=run.status,
        working=run.status in WORKING,
        elapsed_s=progress.get("elapsed_s", 0),
        solutions=progress.get("solutions", 0),
        time_limit_s=run.time_limit_s,
    )


@bp.post("/forums/<slug>/solver/<int:run_id>/apply")
@organizer_view
def apply_solver_run(forum: Forum, run_id: int):
    form = ApplyProposalForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Tick the moves again."), "error")
        return back("organize.solver_run", forum, run_id=run_id)
    try:
        applied = solver_runs.apply_run(forum, run_id, form.sessions.data or [], user())
    except ValidationFailed as exc:
        flash(" ".join(m for ms in exc.errors.values() for m in ms), "error")
        return back("organize.solver_run", forum, run_id=run_id)
    except DomainError as exc:
        return refused(exc, "organize.solver_run", forum, run_id=run_id)
    flash(
        ngettext("%(num)d session moved.", "%(num)d sessions moved.", len(applied.sessions))
        + " "
        + ngettext("%(num)d person will be told.", "%(num)d people will be told.", applied.notices),
        "success",
    )
    return back("organize.timetable", forum)


# ============================================================================ availability


@bp.route("/forums/<slug>/speakers/<int:item_id>/availability", methods=["GET", "POST"])
@organizer_view
def speaker_availability(forum: Forum, item_id: int):
    speaker = agenda.get_speaker(forum, item_id)
    form = AvailabilityForm()
    if request.method == "GET":
        form.timezone.data = speaker.timezone
        form.windows.data = availability.availability_text(speaker)
    status = 200
    if form.validate_on_submit():
        raw = {"timezone": form.timezone.data, "windows": form.windows.data}
        try:
            availability.set_availability(forum, speaker.id, raw, user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("The availability is saved."), "success")
            return back("organize.speakers", forum)
    elif request.method == "POST":
        status = 422
    return render_template(
        "organize/speaker_availability.html",
        forum=forum,
        speaker=speaker,
        form=form,
        import_form=AvailabilityImportForm(),
        columns=availability.CSV_COLUMNS,
        locale=current_locale(),
    ), status


@bp.post("/forums/<slug>/speakers/availability.csv")
@organizer_view
def import_availability(forum: Forum):
    form = AvailabilityImportForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("Choose a CSV file."), "error")
        return back("organize.speakers", forum)
    try:
        changed = availability.import_availability(
            forum, form.file.data.read(MAX_BYTES + 1), user()
        )
    except CsvRefused as exc:
        return refused(exc, "organize.speakers", forum)
    flash(
        ngettext(
            "Availability imported for %(num)d speaker.",
            "Availability imported for %(num)d speakers.",
            changed,
        ),
        "success",
    )
    return back("organize.speakers", forum)
