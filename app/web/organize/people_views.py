"""Organizer pages for people: registrations per forum and per session, cancel and promote."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _

from app.core.bounds import parse_id
from app.core.errors import DomainError
from app.core.i18n import current_locale
from app.forms.organize import CancelRegistrationForm, CategoryForm, PromoteForm, RequeueForm
from app.mail import overview
from app.models import Forum
from app.registration import people
from app.registration.state import attendance_state
from app.web.organize import bp
from app.web.organize.common import back, organizer_view, refused, user


@bp.get("/forums/<slug>/people")
@organizer_view
def people_list(forum: Forum):
    page = request.args.get("page", "1")
    view = people.forum_people(
        forum,
        status=request.args.get("status") or None,
        attendance=request.args.get("attendance") or None,
        query=request.args.get("q", ""),
        page=parse_id(page) or 1,
    )
    return render_template(
        "organize/people.html",
        forum=forum,
        view=view,
        filters={k: request.args.get(k, "") for k in ("status", "attendance", "q")},
        session_counts=people.session_counts(forum),
        locale=current_locale(),
    )


@bp.get("/forums/<slug>/people/sessions/<int:session_id>")
@organizer_view
def session_people(forum: Forum, session_id: int):
    return render_template(
        "organize/session_people.html",
        forum=forum,
        view=people.session_people(forum, session_id),
        promote_form=PromoteForm(),
        locale=current_locale(),
    )


@bp.get("/forums/<slug>/people/<int:registration_id>")
@organizer_view
def person(forum: Forum, registration_id: int):
    return person_page(forum, registration_id)


def person_page(
    forum: Forum, registration_id: int, category_form: CategoryForm | None = None, status=200
):
    """A person's page; `category_form` carries a refused category change back to it."""
    registration = people.get_registration(forum, registration_id)
    if category_form is None:
        category_form = CategoryForm(category=registration.category)
    page = render_template(
        "organize/person.html",
        forum=forum,
        registration=registration,
        place=(place := attendance_state(registration)),
        bookings=[
            (b, place.position_in(b.session_id))
            for b in registration.bookings
            if b.session is not None
        ],
        cancel_form=CancelRegistrationForm(),
        promote_form=PromoteForm(),
        category_form=category_form,
        mail=overview.person_mail(registration.id),
        requeue_form=RequeueForm(registration_id=registration.id),
        locale=current_locale(),
    )
    return page, status


@bp.post("/forums/<slug>/people/<int:registration_id>/cancel")
@organizer_view
def cancel_registration(forum: Forum, registration_id: int):
    people.get_registration(forum, registration_id)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        try:
            people.cancel_registration(forum, registration_id, user(), reason=form.reason.data)
        except DomainError as exc:
            return refused(exc, "organize.person", forum, registration_id=registration_id)
        flash(_("The registration is cancelled; the person is told."), "success")
    return back("organize.person", forum, registration_id=registration_id)


@bp.post("/forums/<slug>/people/<int:registration_id>/promote")
@organizer_view
def promote_registration(forum: Forum, registration_id: int):
    people.get_registration(forum, registration_id)
    form = PromoteForm()
    if form.validate_on_submit():
        try:
            people.promote_registration(
                forum,
                registration_id,
                user(),
                over_capacity=form.over_capacity.data,
                reason=form.reason.data,
            )
        except DomainError as exc:
            return refused(exc, "organize.person", forum, registration_id=registration_id)
        flash(_("The person has an in-person place now and is told."), "success")
    return back("organize.person", forum, registration_id=registration_id)


@bp.post("/forums/<slug>/people/bookings/<int:booking_id>/promote")
@organizer_view
def promote_booking(forum: Forum, booking_id: int):
    booking = people.get_booking(forum, booking_id)
    session_id = booking.session_id
    form = PromoteForm()
    if form.validate_on_submit():
        try:
            people.promote_booking(
                forum,
                booking_id,
                user(),
                over_capacity=form.over_capacity.data,
                reason=form.reason.data,
            )
        except DomainError as exc:
            return refused(exc, "organize.session_people", forum, session_id=session_id)
        flash(_("The person has a seat now and is told."), "success")
    return back("organize.session_people", forum, session_id=session_id)
