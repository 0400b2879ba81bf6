"""A session's access services: interpretation, sign language, captions and a transcript, with
their status and, for organizers only, who provides them."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_babel import gettext as _

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.core.languages import language_name, parse_floor_languages
from app.forms.organize import (
    SERVICE_KIND_LABELS,
    SERVICE_STATUS_LABELS,
    STREAM_KIND_LABELS,
    DeleteForm,
    ServiceDetailsForm,
    ServiceForm,
)
from app.models import Forum, ForumSession, SessionService
from app.programme import agenda, services
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, raw_from, refused, user

DETAILS = ("status", "provider", "note")
ENDPOINT = "organize.session_services"


@bp.context_processor
def language_helpers() -> dict[str, object]:
    """For the organizer's pages (services, streams): a language's name in the reader's
    language, and what a stream carries."""
    locale = current_locale()
    return {
        "language_name": lambda code: language_name(code, locale),
        "stream_kinds": STREAM_KIND_LABELS,
    }


def _row_form(service: SessionService, *, filled: bool) -> ServiceDetailsForm:
    """The form on one service's row; its own prefix keeps the rows' fields apart."""
    prefix = f"service-{service.id}"
    if filled:
        return ServiceDetailsForm(prefix=prefix)
    return ServiceDetailsForm(prefix=prefix, formdata=None, data=services.service_values(service))


def _page(
    forum: Forum,
    session: ForumSession,
    *,
    add_form: ServiceForm | None = None,
    posted: tuple[int, ServiceDetailsForm] | None = None,
    status: int = 200,
):
    rows = services.services_of(session)
    locale = current_locale()
    forms = {s.id: _row_form(s, filled=False) for s in rows}
    if posted is not None:
        forms[posted[0]] = posted[1]
    page = render_template(
        "organize/session_services.html",
        forum=forum,
        session=session,
        floor=parse_floor_languages(session.language),
        services=rows,
        forms=forms,
        add_form=add_form or ServiceForm(prefix="new", formdata=None),
        remove_form=DeleteForm(),
        locale=locale,
        kind_labels=SERVICE_KIND_LABELS,
        status_labels=SERVICE_STATUS_LABELS,
    )
    return page, status


def _service_of(forum: Forum, session: ForumSession, service_id: int) -> SessionService:
    service = services.get_service(forum, service_id)
    if service.session_id != session.id:
        abort(404)
    return service


@bp.route("/forums/<slug>/sessions/<int:session_id>/services", methods=["GET", "POST"])
@organizer_view
def session_services(forum: Forum, session_id: int):
    session = agenda.get_session(forum, session_id)
    form = ServiceForm(prefix="new")
    if form.is_submitted():
        if not form.validate():
            return _page(forum, session, add_form=form, status=422)
        try:
            services.add_service(forum, session_id, raw_from(form, services.SERVICE_FIELDS), user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            return _page(forum, session, add_form=form, status=422)
        flash(_("The service is added."), "success")
        return back(ENDPOINT, forum, session_id=session_id)
    return _page(forum, session)


@bp.post("/forums/<slug>/sessions/<int:session_id>/services/<int:service_id>")
@organizer_view
def update_session_service(forum: Forum, session_id: int, service_id: int):
    session = agenda.get_session(forum, session_id)
    service = _service_of(forum, session, service_id)
    form = _row_form(service, filled=True)
    if not form.validate_on_submit():
        return _page(forum, session, posted=(service.id, form), status=422)
    try:
        services.update_service(forum, service_id, raw_from(form, DETAILS), user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, session, posted=(service.id, form), status=422)
    flash(_("The service is saved."), "success")
    return back(ENDPOINT, forum, session_id=session_id)


@bp.post("/forums/<slug>/sessions/<int:session_id>/services/<int:service_id>/remove")
@organizer_view
def remove_session_service(forum: Forum, session_id: int, service_id: int):
    session = agenda.get_session(forum, session_id)
    _service_of(forum, session, service_id)
    if DeleteForm().validate_on_submit():
        try:
            services.remove_service(forum, service_id, user())
        except DomainError as exc:
            return refused(exc, ENDPOINT, forum, session_id=session_id)
        flash(_("The service is removed."), "success")
    return back(ENDPOINT, forum, session_id=session_id)
