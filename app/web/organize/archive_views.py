"""The organizer's archive: recordings and documents per session, links or uploaded files."""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.forms.archive import LinkForm, UploadForm
from app.models import Forum
from app.programme import archive
from app.web.organize import bp
from app.web.organize.common import (
    apply_errors,
    back,
    organizer_view,
    raw_from,
    refused,
    session_choices,
    user,
)

FIELDS = ("session_id", "kind", "language", "title", "url")


def _forms(forum: Forum) -> tuple[LinkForm, UploadForm]:
    link, upload = LinkForm(prefix="link"), UploadForm(prefix="upload")
    for form in (link, upload):
        form.session_id.choices = session_choices(
            forum, current_locale(), empty=_("The forum as a whole")
        )
    return link, upload


def _page(forum: Forum, link: LinkForm, upload: UploadForm, status: int = 200):
    page = render_template(
        "organize/archive.html",
        forum=forum,
        link_form=link,
        upload_form=upload,
        items=archive.record(forum),
        max_mb=archive.MATERIAL_MAX_BYTES // (1024 * 1024),
    )
    return page, status


@bp.get("/forums/<slug>/archive")
@organizer_view
def archive_page(forum: Forum):
    return _page(forum, *_forms(forum))


@bp.post("/forums/<slug>/archive/links")
@organizer_view
def add_archive_link(forum: Forum):
    link, upload = _forms(forum)
    if not link.validate_on_submit():
        return _page(forum, link, upload, 422)
    try:
        archive.add_link(forum, raw_from(link, FIELDS), user())
    except ValidationFailed as exc:
        apply_errors(link, exc.errors)
        return _page(forum, link, upload, 422)
    flash(_("The link is added to the archive."), "success")
    return back("organize.archive_page", forum)


@bp.post("/forums/<slug>/archive/files")
@organizer_view
def add_archive_file(forum: Forum):
    link, upload = _forms(forum)
    if not upload.validate_on_submit():
        return _page(forum, link, upload, 422)
    chosen = upload.file.data
    data = chosen.read(archive.MATERIAL_MAX_BYTES + 1) if chosen else None
    try:
        archive.add_upload(
            forum, raw_from(upload, FIELDS), data, getattr(chosen, "filename", "") or "", user()
        )
    except ValidationFailed as exc:
        apply_errors(upload, exc.errors)
        return _page(forum, link, upload, 422)
    flash(_("The file is added to the archive."), "success")
    return back("organize.archive_page", forum)


@bp.post("/forums/<slug>/archive/<material_id>/delete")
@organizer_view
def delete_archive_item(forum: Forum, material_id: str):
    try:  # (CSRFProtect checks every POST's token)
        archive.delete_material(forum, material_id, user())
    except DomainError as exc:
        return refused(exc, "organize.archive_page", forum)
    flash(_("Removed from the archive."), "success")
    return back("organize.archive_page", forum)
