"""Attendee pages: pre-registration, the confirmation page and manage-my-registration."""

from __future__ import annotations

import json
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.core.errors import (
    AlreadyRegistered,
    DomainError,
    NotFound,
    RegistrationCancelled,
    RegistrationClosed,
    ValidationFailed,
)
from app.core.i18n import current_locale, pick
from app.core.languages import language_name
from app.extensions import limiter
from app.forms.privacy import EraseForm
from app.forms.registration import ConfirmForm, ManageForm, RegistrationForm
from app.models.enums import PlaceStatus
from app.privacy import operations as privacy
from app.registration import access_requests, certificates, feedback, watching
from app.registration import operations as registrations
from app.security import no_store
from app.web.attendee_view import (
    attendance_choices,
    manage_page_context,
    registration_page_context,
    session_choices,
)
from app.web.input_guard import answers_text_by_field

bp = Blueprint("attendee", __name__)

JUST_REGISTERED = "just_registered"
# How long the confirmation page can be reloaded after registering.
CONFIRMATION_SECONDS = 15 * 60


def registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _published_or_404(slug: str):
    try:
        return registrations.published_forum(slug)
    except NotFound:
        abort(404)


def _request_from_form(
    form: RegistrationForm, source: str = "web"
) -> registrations.RegistrationRequest:
    return registrations.RegistrationRequest(
        name=form.name.data or "",
        email=form.email.data or "",
        affiliation=form.affiliation.data or "",
        attendance=form.attendance.data or "",
        session_ids=list(form.session_ids.data or []),
        locale=form.locale.data or "",
        consent_personal_data=bool(form.consent_personal_data.data),
        consent_marketing=bool(form.consent_marketing.data),
        consent_accessibility=bool(form.consent_accessibility.data),
        accessibility_needs=list(form.accessibility_needs.data or []),
        accessibility_other=form.accessibility_other.data or "",
        listening_language=form.listening_language.data or "",
        needs_receiver=bool(form.needs_receiver.data),
        service_requests=service_requests_from(form.service_requests.data),
        source=source,
    )


# ------------------------------------------------------------- languages and services


def wish_value(wish: access_requests.Wish) -> str:
    return f"{wish.session_id}:{wish.kind}:{wish.language}"


def service_requests_from(values: list[str] | None) -> list[dict]:
    """The ticked "session:kind:language" boxes as the service's requests; a box that is not
    one comes through as it is, for the service to refuse with its message."""
    found = []
    for value in values or []:
        parts = str(value).split(":")
        if len(parts) == 3:
            found.append({"session_id": parts[0], "kind": parts[1], "language": parts[2]})
        else:
            found.append({"session_id": value, "kind": "", "language": ""})
    return found


def service_label(kind: str, language: str) -> str:
    """An access service in words, in the reader's language."""
    name = language_name(language, current_locale()) if language else ""
    if kind == "interpretation":
        return _("Interpretation into %(language)s", language=name)
    if kind == "ksl":
        return _("Korean Sign Language")
    if kind == "international_sign":
        return _("International Sign")
    if kind == "captions":
        return _("Live captions (%(language)s)", language=name)
    if kind == "transcript":
        return _("Transcript (%(language)s)", language=name)
    return kind


def language_choices(forum) -> list[SelectChoice]:
    locale = current_locale()
    return [SelectChoice("", _("The language spoken on the floor"))] + [
        SelectChoice(code, language_name(code, locale))
        for code in access_requests.listening_options(forum)
    ]


def request_groups(forum) -> list[tuple[str, list[tuple[str, str]]]]:
    """The service request boxes per session: (the session's title, [(value, words)]).

    A forum of 40 sessions has some 400 boxes but only a dozen different words for them:
    each is translated once."""
    locale = current_locale()
    words: dict[tuple[str, str], str] = {}

    def label(wish) -> str:
        key = (wish.kind, wish.language)
        if key not in words:
            words[key] = service_label(wish.kind, wish.language)
        return words[key]

    return [
        (pick(session, "title", locale), [(wish_value(w), label(w)) for w in wishes])
        for session, wishes in access_requests.request_options(forum)
    ]


def prepare_language_fields(form, forum) -> dict:
    """The language fields' choices, and what the template shows of them."""
    form.listening_language.choices = language_choices(forum)
    groups = request_groups(forum)
    form.service_requests.choices = [value for _title, boxes in groups for value, _ in boxes]
    return {
        "request_groups": groups,
        "offers_interpretation": bool(access_requests.channel_languages(forum.id)),
    }


def _attach_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)


@bp.route("/forums/<slug>/register", methods=["GET", "POST"])
@limiter.limit(registration_limit, methods=["POST"])
@answers_text_by_field
def register(slug: str):
    forum = _published_or_404(slug)
    form = RegistrationForm()
    state = registrations.window_state(forum)
    status = 200
    if request.method == "POST" and state == "open":
        # Every rule is the service's, shared with the API: the form is not validated on its
        # own, or each message it shares with the service (a required name…) would show twice.
        try:
            result = registrations.register(forum, _request_from_form(form))
        except ValidationFailed as exc:
            _attach_errors(form, exc.errors)
            status = 422
        except AlreadyRegistered as exc:
            return render_template(
                "attendee/already_registered.html", forum=forum, message=exc.message
            ), 409
        except RegistrationClosed:
            state = registrations.window_state(forum)
            status = 409
        else:
            session[JUST_REGISTERED] = {
                "manage": result.manage_token,
                "calendar": result.calendar_token,
                "at": time.time(),
            }
            return redirect(url_for("attendee.registered", slug=slug), code=303)
    elif request.method == "POST":
        status = 409
    # The choices only matter when the form is shown: a successful POST never formats them.
    form.attendance.choices = attendance_choices(forum)
    form.session_ids.choices = session_choices(forum)
    if request.method == "GET":
        form.locale.data = current_locale()
        if len(form.attendance.choices) == 1:
            form.attendance.data = form.attendance.choices[0].value
    context = registration_page_context(forum, form, state)
    context.update(prepare_language_fields(form, forum))
    return render_template("attendee/register.html", **context), status


@bp.get("/forums/<slug>/register/done")
def registered(slug: str):
    """The confirmation page, shown once after registering.

    The tokens ride in the signed (readable) session cookie from the registration to this
    page only: they leave it as the page is rendered, so the cookie never carries them while
    the person browses on (a reload goes to the forum page; the links are mailed too)."""
    forum = _published_or_404(slug)
    tokens = session.pop(JUST_REGISTERED, None)
    if tokens and time.time() - tokens.get("at", 0) > CONFIRMATION_SECONDS:
        # On a shared computer the next person must not find the previous one's links.
        tokens = None
    if not tokens:
        return redirect(
            url_for("public.forum", slug=slug)
            if "public.forum" in current_app.view_functions
            else "/",
            code=303,
        )
    try:
        registration = registrations.registration_by_token(tokens["manage"])
    except NotFound:
        abort(404)
    if registration.forum_id != forum.id:
        abort(404)
    response = current_app.make_response(
        render_template(
            "attendee/confirmation.html",
            **_manage_context(registration, tokens["manage"], calendar_token=tokens["calendar"]),
        )
    )
    return _private(response)


# Pages behind a secret link: never cached, never leaked through the Referer header.
_private = no_store


def _registration_or_404(token: str):
    try:
        return registrations.registration_by_token(token)
    except NotFound:
        abort(404)


def _manage_context(registration, token: str, *, calendar_token: str | None = None, form=None):
    context = manage_page_context(registration, token, calendar_token=calendar_token, form=form)
    context["service_requests"] = [
        (pick(r.session, "title"), service_label(r.kind, r.language), r.status)
        for r in access_requests.requests_of(registration)
    ]
    context["listening_name"] = (
        language_name(registration.listening_language, current_locale())
        if registration.listening_language
        else ""
    )
    if form is not None and hasattr(form, "service_requests"):
        context.update(prepare_language_fields(form, registration.forum))
    return context


@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    registration = _registration_or_404(token)
    form = ManageForm()
    forum = registration.forum
    form.attendance.choices = attendance_choices(forum)
    form.session_ids.choices = session_choices(forum, include=registration)
    status = 200
    if request.method == "GET":
        _fill_manage_form(form, registration)
    elif form.validate_on_submit():
        try:
            registrations.update_registration(
                registration,
                attendance=form.attendance.data or registration.attendance,
                session_ids=list(form.session_ids.data or []),
                languages=access_requests.LanguageChoice(
                    form.listening_language.data or "",
                    bool(form.needs_receiver.data),
                    service_requests_from(form.service_requests.data),
                ),
                consent_accessibility=bool(form.consent_accessibility.data),
            )
        except ValidationFailed as exc:
            _attach_errors(form, exc.errors)
            status = 422
        except (RegistrationCancelled, RegistrationClosed) as exc:
            flash(exc.message, "error")
            status = 409
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("attendee.manage", token=token), code=303)
    else:
        status = 400
    response = current_app.make_response(
        (
            render_template(
                "attendee/manage.html", **_manage_context(registration, token, form=form)
            ),
            status,
        )
    )
    return _private(response)


@bp.route("/manage/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Cancel my registration: a page that says what will be lost, then a confirmed POST."""
    registration = _registration_or_404(token)
    if request.method == "GET":
        if registration.status == PlaceStatus.CANCELLED:
            return redirect(url_for("attendee.manage", token=token), code=303)
        return _private(
            current_app.make_response(
                render_template("attendee/cancel.html", **_manage_context(registration, token))
            )
        )
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        registrations.cancel_registration(registration)
    except DomainError as exc:
        # Already cancelled (a replayed or double-clicked form): say so with the API's 409.
        flash(exc.message, "error")
        response = current_app.make_response(
            (
                render_template(
                    "attendee/manage.html",
                    **_manage_context(
                        registration, token, form=_prefilled_manage_form(registration)
                    ),
                ),
                exc.status,
            )
        )
        return _private(response)
    else:
        flash(_("Your registration is cancelled. We have sent you a confirmation."), "success")
    return redirect(url_for("attendee.manage", token=token), code=303)


@bp.post("/manage/<token>/calendar")
def new_calendar_link(token: str):
    registration = _registration_or_404(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    calendar_token = registrations.replace_calendar_token(registration)
    flash(_("Here is your new calendar link. The old one no longer works."), "success")
    response = current_app.make_response(
        render_template(
            "attendee/manage.html",
            **_manage_context(
                registration,
                token,
                calendar_token=calendar_token,
                form=_prefilled_manage_form(registration),
            ),
        )
    )
    return _private(response)


def _prefilled_manage_form(registration) -> ManageForm:
    form = ManageForm(formdata=None)
    form.attendance.choices = attendance_choices(registration.forum)
    form.session_ids.choices = session_choices(registration.forum, include=registration)
    _fill_manage_form(form, registration)
    return form


def _fill_manage_form(form: ManageForm, registration) -> None:
    """The manage form as the registration stands."""
    form.attendance.data = registration.attendance
    form.session_ids.data = [
        str(b.session_id) for b in registration.bookings if b.status != PlaceStatus.CANCELLED
    ]
    chosen = access_requests.current_choice(registration)
    form.listening_language.data = chosen.listening_language
    form.needs_receiver.data = chosen.needs_receiver
    form.service_requests.data = [wish_value(w) for w in chosen.wishes]
    form.consent_accessibility.data = bool(registration.accessibility_consent)


# ---------------------------------------------------------------- watching online


@bp.get("/manage/<token>/watch")
def watch(token: str):
    """The streams this person may watch, the session on now first."""
    registration = _registration_or_404(token)
    page = watching.watch_page(registration)
    html = render_template(
        "attendee/watch.html",
        registration=registration,
        forum=registration.forum,
        token=token,
        page=page,
    )
    return _private(current_app.make_response(html))


@bp.get("/manage/<token>/watch/<session_id>/<stream_id>")
def open_stream(token: str, session_id: str, stream_id: str):
    """Open a stream: online attendance is recorded (once per session), then off to it. A link,
    not a form: a browser will not follow a form's redirect to another site (CSP form-action),
    and recording is harmless to repeat; the secret link is what proves who it is."""
    registration = _registration_or_404(token)
    try:
        url = watching.open_stream(registration, session_id, stream_id)
    except NotFound:
        abort(404)
    return _private(redirect(url, code=303))


@bp.get("/manage/<token>/certificate.pdf")
def my_certificate(token: str):
    """The person's certificate of attendance as a PDF, or a page that says why there is none."""
    registration = _registration_or_404(token)
    try:
        certificate = certificates.certificate_for(registration)
    except DomainError as exc:
        flash(exc.message, "error")
        page = render_template(
            "attendee/manage.html",
            **_manage_context(registration, token, form=_prefilled_manage_form(registration)),
        )
        return _private(current_app.make_response((page, exc.status)))
    response = current_app.response_class(
        certificates.certificate_pdf(certificate), mimetype="application/pdf"
    )
    filename = certificates.pdf_filename(registration.forum, certificate)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.route("/manage/<token>/feedback", methods=["GET", "POST"])
def feedback_survey(token: str):
    """The person's survey after the forum: answered once, no account needed."""
    registration = _registration_or_404(token)
    values, errors, status, survey, refusal = {}, {}, 200, None, None
    try:
        survey = feedback.survey_for(registration)
        if request.method == "POST":
            if not ConfirmForm().validate_on_submit():
                abort(400)
            values = request.form.to_dict()
            feedback.answer(registration, values)
            flash(_("Thank you for your answer."), "success")
            return redirect(url_for("attendee.feedback_survey", token=token), code=303)
    except ValidationFailed as exc:
        errors, status = exc.errors, 422
    except DomainError as exc:  # did not attend, or answered already
        refusal, status = exc.message, exc.status
        survey = feedback.survey_for(registration) if status == 409 else None
    page = render_template(
        "attendee/feedback.html",
        forum=registration.forum,
        token=token,
        survey=survey,
        refusal=refusal,
        values=values,
        errors=errors,
    )
    return _private(current_app.make_response((page, status)))


# ---------------------------------------------------------------- the person's own data


def export_filename(registration) -> str:
    return f"madang-{registration.forum.slug}-{registration.confirmation_code}.json"


def json_download(data: dict, filename: str):
    """A JSON file to save, never cached, its address never sent on as a referrer."""
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.get("/manage/<token>/export")
def export_my_data(token: str):
    """Download my data: everything held about this registration, as JSON."""
    registration = _registration_or_404(token)
    return json_download(privacy.export_registration(registration), export_filename(registration))


@bp.route("/manage/<token>/erase", methods=["GET", "POST"])
def erase(token: str):
    """Erase my registration: a page that says what follows, then a confirmed POST."""
    registration = _registration_or_404(token)
    forum = registration.forum
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        try:
            privacy.erase_registration(registration)
        except DomainError:
            abort(404)  # erased a moment ago by a second click: the link is gone
        response = current_app.make_response(render_template("attendee/erased.html", forum=forum))
        return _private(response)
    if request.method == "POST":
        status = 422
    response = current_app.make_response(
        (
            render_template(
                "attendee/erase.html",
                form=form,
                token=token,
                registration=registration,
                forum=forum,
                purge_at=privacy.purge_due_at(forum),
            ),
            status,
        )
    )
    return _private(response)
