"""The organizer's dashboard: each chart as an SVG image with its numbers in a table beside."""

from __future__ import annotations

from flask import abort, current_app, render_template

from app.models import Forum
from app.registration import dashboard
from app.web.organize import bp
from app.web.organize.charts import SVG_POLICY, render_svg
from app.web.organize.common import organizer_view


@bp.get("/forums/<slug>/dashboard")
@organizer_view
def dashboard_page(forum: Forum):
    return render_template("organize/dashboard.html", forum=forum, charts=dashboard.charts(forum))


@bp.get("/forums/<slug>/charts/<name>.svg")
@organizer_view
def chart_svg(forum: Forum, name: str):
    build = dashboard.CHARTS.get(name)
    if build is None:
        abort(404)
    response = current_app.response_class(render_svg(build(forum)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
