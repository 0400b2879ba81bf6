"""CSV: export the programme and the registrations; import sessions with a dry run first."""

from __future__ import annotations

import base64

from flask import Response, flash, render_template, request
from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.forms.organize import ImportForm
from app.models import Forum
from app.programme import csv_io
from app.web.organize import bp
from app.web.organize.common import back, organizer_view, uploaded_csv, user


def _download(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/forums/<slug>/export/programme.csv")
@organizer_view
def export_programme(forum: Forum):
    korean = request.args.get("header") == "ko"
    return _download(
        csv_io.export_programme(forum, korean_header=korean), f"{forum.slug}-programme.csv"
    )


@bp.get("/forums/<slug>/export/registrations.csv")
@organizer_view
def export_registrations(forum: Forum):
    return _download(csv_io.export_registrations(forum, user()), f"{forum.slug}-registrations.csv")


@bp.route("/forums/<slug>/import", methods=["GET", "POST"])
@organizer_view
def import_programme(forum: Forum):
    form = ImportForm()
    plan = None
    refused = None
    status = 200
    if request.method == "POST":
        data = uploaded_csv(form)
        if not data:
            refused = _("Choose a CSV file.")
            status = 422
        else:
            try:
                if form.confirm.data:
                    result = csv_io.apply_import(forum, data, user())
                    flash(
                        _(
                            "Imported: %(created)d new sessions, %(updated)d updated, "
                            "%(unchanged)d unchanged.",
                            created=result.created,
                            updated=result.updated,
                            unchanged=result.unchanged,
                        ),
                        "success",
                    )
                    return back("organize.sessions", forum)
                plan = csv_io.plan_import(forum, data)
                status = 200 if plan.ok else 422
                form.content.data = base64.b64encode(data).decode("ascii")
            except csv_io.CsvRefused as exc:
                refused, status = exc.message, 422
            except ValidationFailed:
                plan = csv_io.plan_import(forum, data)
                status = 422
    return render_template(
        "organize/import.html",
        forum=forum,
        form=form,
        plan=plan,
        refused=refused,
        columns=csv_io.COLUMNS,
    ), status
