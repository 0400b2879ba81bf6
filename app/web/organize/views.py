"""Organizer pages."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from app.web.organize import bp


@bp.get("/")
@login_required
def index():
    return render_template("organize/index.html")
