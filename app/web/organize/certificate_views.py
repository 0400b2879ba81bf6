"""The organizer's certificates of attendance: the rule and the wording, who qualifies, and the
certificates issued once the forum is over."""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.db import utcnow
from app.core.errors import DomainError, ValidationFailed
from app.forms.certificates import CertificateSettingsForm
from app.models import Forum
from app.registration import certificates
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, raw_from, refused, user

FIELDS = ("enabled", *certificates.RULES, *certificates.TEXTS)


@bp.route("/forums/<slug>/certificates", methods=["GET", "POST"])
@organizer_view
def certificates_page(forum: Forum):
    settings = certificates.settings_of(forum)
    form = CertificateSettingsForm(obj=settings)
    status = 200
    if form.validate_on_submit():
        try:
            certificates.save_settings(forum, raw_from(form, FIELDS), user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            flash(_("The certificate settings are saved."), "success")
            return back("organize.certificates_page", forum)
    elif form.is_submitted():
        status = 422
    page = render_template(
        "organize/certificates.html",
        forum=forum,
        form=form,
        settings=settings,
        eligible=certificates.eligible_count(forum),
        issued=certificates.issued_count(forum),
        over=certificates.is_over(forum, utcnow()),
    )
    return page, status


@bp.post("/forums/<slug>/certificates/issue")
@organizer_view
def issue_certificates(forum: Forum):
    try:
        queued = certificates.issue_forum(forum)
    except DomainError as exc:
        return refused(exc, "organize.certificates_page", forum)
    flash(
        ngettext(
            "%(num)d certificate was queued to be mailed.",
            "%(num)d certificates were queued to be mailed.",
            queued,
        ),
        "success",
    )
    return back("organize.certificates_page", forum)
