"""The day of the forum: the check-in desk, walk-ins, badges, kiosk, live counts, now-and-next.

Routes are short: parse the form, call one service in `app.desk.checkin`, map the result or
the domain error to a page. Every page works without JavaScript; status messages are announced
(role="status" for good news, role="alert" for anything the desk must act on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.accounts.access import can_organize, can_work_desk
from app.core.bounds import parse_id
from app.core.errors import (
    AlreadyRegistered,
    DomainError,
    NotFound,
    ValidationFailed,
)
from app.core.i18n import current_locale, pick
from app.core.languages import language_name
from app.core.presenters import fmt_time
from app.core.tokens import checkin_qr, display_code
from app.desk import checkin, desks, receivers, screens, walk_ins
from app.extensions import limiter, login_manager
from app.models import Forum, Registration
from app.models.enums import ATTENDEE_CATEGORIES, PlaceStatus
from app.programme.views import forum_seats_left
from app.registration import operations as registrations
from app.security import no_store
from app.voices import questions

bp = Blueprint("desk", __name__)

DESK_LABEL_KEY = "desk_label"
COUNTS_REFRESH_SECONDS = 20
DOOR_REFRESH_SECONDS = 30
# The kiosk's answer stays this long, then the screen clears for the next person (their name
# must not stay in view of the queue).
KIOSK_RESULT_SECONDS = 15
BADGES_PER_PAGE = 200

# Badge sizes for the print page. Each has a named @page of this size in desk.css (a test
# keeps the two in step): the page's CSP allows no inline style.
BADGE_SIZES: dict[str, dict] = {
    "a6": {"label": _l("A6 (105 × 148 mm), one per page"), "page": "105mm 148mm"},
    "a4-2x4": {"label": _l("A4 sheet, 8 badges of 105 × 74 mm"), "page": "210mm 297mm"},
    "label-4x3": {"label": _l("Label roll, 4 × 3 in (102 × 76 mm)"), "page": "101.6mm 76.2mm"},
    "label-90x55": {"label": _l("Label roll, 90 × 55 mm (name card)"), "page": "90mm 55mm"},
}

BADGE_GROUPS: dict[screens.BadgeGroup, LazyString] = {
    screens.BadgeGroup.PRE_REGISTERED: _l("Pre-registered"),
    screens.BadgeGroup.WALK_INS: _l("Walk-ins (reprints)"),
    screens.BadgeGroup.EVERYONE: _l("Everyone"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def desk_search_limit() -> str:
    return current_app.config["DESK_SEARCH_RATE_LIMIT"]


def per_operator() -> str:
    """Desks at one venue often share one public address: count each operator on their own
    (the kiosk, signed in by nobody, by its address)."""
    if current_user.is_authenticated:
        return f"desk-operator:{current_user.id}"
    return f"desk-address:{get_remote_address()}"


@bp.after_request
def _private(response):
    """Desk and kiosk pages show personal data: never cached, never sent as a referrer."""
    if request.endpoint != "desk.door":
        return no_store(response)
    response.headers["Cache-Control"] = "no-cache"
    return response


# -------------------------------------------------------------------------------- forms


class WalkInForm(FlaskForm):
    """Shape only: the rules (required name, valid email, consent) live in the service."""

    name = StringField(_l("Name"))
    affiliation = StringField(_l("Affiliation (optional)"))
    email = StringField(_l("Email (optional, for the confirmation and calendar)"))
    locale = RadioField(
        _l("Language for emails"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
        validate_choice=False,
    )
    consent_personal_data = BooleanField(
        _l("The person agrees to the collection and use of their personal data as described above.")
    )
    over_capacity_reason = TextAreaField(
        _l("Reason for admitting beyond capacity (organizers only)")
    )


def _attach_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)


# ------------------------------------------------------------------------------- access


def _staff_forum(slug: str, *, organizer: bool = False) -> Forum:
    """The forum, for someone who may work its desk (or organize it); else login / 404 / 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    forum = desks.forum_by_slug(slug)
    if forum is None:
        abort(404)
    allowed = can_organize if organizer else can_work_desk
    if not allowed(current_user, forum):
        abort(403)
    return forum


def _desk_label() -> str:
    return desks.clean_desk_label(session.get(DESK_LABEL_KEY)) or _("Desk")


def _desk(forum: Forum, session_id: int | None = None) -> desks.Desk:
    chosen = None
    if session_id:
        try:
            chosen = checkin.desk_session(forum, session_id)
        except NotFound:
            abort(404)
    return desks.Desk(forum=forum, operator=current_user, label=_desk_label(), session=chosen)


def _session_arg() -> int | None:
    return parse_id(request.values.get("session", ""))


# ------------------------------------------------------------------------------ outcomes


@dataclass
class Outcome:
    """A message for the desk: `tone` ok / warn / error; ok is a status, others an alert."""

    tone: str
    title: str
    message: str
    registration: Registration | None = None

    @property
    def role(self) -> str:
        return "status" if self.tone == "ok" else "alert"


def _already_message(result: checkin.CheckInResult, forum: Forum) -> str:
    time = _fmt_time(result.at, forum)
    if result.desk == desks.KIOSK_DESK:
        return _("Already checked in at %(time)s at the self check-in kiosk.", time=time)
    if result.by and result.desk:
        return _(
            "Already checked in at %(time)s by %(by)s (%(desk)s).",
            time=time,
            by=result.by,
            desk=result.desk,
        )
    if result.by:
        return _("Already checked in at %(time)s by %(by)s.", time=time, by=result.by)
    return _("Already checked in at %(time)s.", time=time)


def _fmt_time(value: datetime, forum: Forum) -> str:
    return fmt_time(value, forum.timezone)


def _result_outcome(result: checkin.CheckInResult, forum: Forum) -> Outcome:
    where = result.session
    if result.first:
        if where is not None:
            message = _(
                "%(name)s is checked in to “%(session)s”.",
                name=result.registration.name,
                session=pick(where, "title"),
            )
        else:
            message = _("%(name)s is checked in.", name=result.registration.name)
        return Outcome("ok", _("Checked in"), message, result.registration)
    return Outcome(
        "warn", _("Already checked in"), _already_message(result, forum), result.registration
    )


ERROR_TITLES = {
    "garbage": _l("Not a Madang code"),
    "truncated": _l("Incomplete scan"),
    "forged": _l("Invalid QR signature"),
    "malformed_code": _l("Not a valid code"),
    "empty": _l("Nothing to look up"),
    "too_short": _l("Search too short"),
    "code_only": _l("Codes only"),
    "unknown_code": _l("Unknown code"),
    "other_forum": _l("Another forum's code"),
    "registration_cancelled": _l("Cancelled registration"),
    "waitlisted": _l("Waiting list only"),
    "online": _l("Registered online"),
    "not_booked": _l("Not booked for this session"),
    "session_waitlisted": _l("Waiting list of this session"),
    "session_cancelled": _l("Session place cancelled"),
    "not_checked_in": _l("Not checked in"),
    "desk_closed": _l("Desk closed"),
    "forbidden": _l("Not allowed"),
    "not_found": _l("Not found"),
}


def _error_outcome(exc: DomainError, forum: Forum) -> Outcome:
    key = getattr(exc, "reason", None) or exc.code
    registration = None
    registration_id = exc.details.get("registration_id")
    if isinstance(registration_id, int):
        registration = checkin.registration_for_desk(forum, registration_id)
    title = ERROR_TITLES.get(key, _l("Not checked in"))
    return Outcome("error", str(title), exc.message, registration)


# ----------------------------------------------------------------------------- the desk


@bp.get("/desk/")
def index():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    forums = [f for f in desks.all_forums() if can_work_desk(current_user, f)]
    return render_template("desk/index.html", forums=forums)


def _desk_page(forum: Forum, desk: desks.Desk, *, outcome=None, found=None, query="", status=200):
    return (
        render_template(
            "desk/desk.html",
            forum=forum,
            desk=desk,
            state=desks.desk_state(forum, _now()),
            sessions=checkin.desk_sessions(forum),
            outcome=outcome,
            found=found,
            query=query,
            can_organize=can_organize(current_user, forum),
            walk_in_state=desks.walk_in_state(forum, _now()),
        ),
        status,
    )


@bp.route("/desk/<slug>", methods=["GET", "POST"])
@limiter.limit(desk_search_limit, methods=["POST"], key_func=per_operator)
def desk(slug: str):
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    if request.method == "GET":
        return _desk_page(forum, desk_)
    query = request.form.get("q", "")
    try:
        result = checkin.scan(desk_, query, now=_now())
    except DomainError as exc:
        return _desk_page(forum, desk_, outcome=_error_outcome(exc, forum), status=exc.status)
    if result.checked_in is not None:
        return _desk_page(forum, desk_, outcome=_result_outcome(result.checked_in, forum))
    # A search: the query stays in the field so it can be refined.
    return _desk_page(forum, desk_, found=result.search, query=query)


@bp.post("/desk/<slug>/desk-name")
def desk_name(slug: str):
    _staff_forum(slug)
    session[DESK_LABEL_KEY] = desks.clean_desk_label(request.form.get("desk_label"))
    flash(_("This desk's name is saved."), "success")
    return redirect(url_for("desk.desk", slug=slug, session=_session_arg()), code=303)


def _person_page(forum, desk_, registration, *, outcome=None, status=200):
    return (
        render_template(
            "desk/person.html",
            forum=forum,
            desk=desk_,
            registration=registration,
            code=display_code(registration.confirmation_code),
            qr=badge_qr(registration.confirmation_code)
            if registration.status != PlaceStatus.CANCELLED
            else None,
            history=checkin.history(registration),
            outcome=outcome,
            can_organize=can_organize(current_user, forum),
            state=desks.desk_state(forum, _now()),
            receiver=_receiver_view(forum, registration),
        ),
        status,
    )


@dataclass
class ReceiverView:
    """The receiver part of a person's page: the loan out now, the channels, the history."""

    loan: object | None
    channels: list[tuple[str, str]]
    default: str
    history: list
    listening: str

    def name(self, code: str) -> str:
        return language_name(code, current_locale())


def _receiver_view(forum: Forum, registration: Registration) -> ReceiverView:
    locale = current_locale()
    return ReceiverView(
        loan=receivers.current_loan(registration),
        channels=[(c, language_name(c, locale)) for c in receivers.channels(forum)],
        default=receivers.default_channel(forum, registration),
        history=receivers.loans(registration),
        listening=registration.listening_language,
    )


@bp.post("/desk/<slug>/people/<int:registration_id>/receiver")
def person_receiver_out(slug: str, registration_id: int):
    """Hand out an interpretation receiver set to the chosen channel."""
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    registration = _registration_or_404(forum, registration_id)
    try:
        loan = receivers.hand_out(desk_, registration, request.form.get("language", ""), now=_now())
    except ValidationFailed as exc:
        message = " ".join(m for messages in exc.errors.values() for m in messages)
        outcome = Outcome("error", _("No receiver handed out"), message, registration)
        return _person_page(forum, desk_, registration, outcome=outcome, status=422)
    except DomainError as exc:
        outcome = Outcome("error", _("No receiver handed out"), exc.message, registration)
        return _person_page(forum, desk_, registration, outcome=outcome, status=exc.status)
    message = _(
        "%(name)s has a receiver set to %(language)s.",
        name=registration.name,
        language=language_name(loan.language, current_locale()),
    )
    outcome = Outcome("ok", _("Receiver handed out"), message, registration)
    return _person_page(forum, desk_, registration, outcome=outcome)


@bp.post("/desk/<slug>/people/<int:registration_id>/receiver/return")
def person_receiver_back(slug: str, registration_id: int):
    """Take an interpretation receiver back."""
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    registration = _registration_or_404(forum, registration_id)
    try:
        receivers.take_back(desk_, registration, now=_now())
    except DomainError as exc:
        outcome = Outcome("error", _("No receiver taken back"), exc.message, registration)
        return _person_page(forum, desk_, registration, outcome=outcome, status=exc.status)
    message = _("%(name)s gave the receiver back.", name=registration.name)
    outcome = Outcome("ok", _("Receiver taken back"), message, registration)
    return _person_page(forum, desk_, registration, outcome=outcome)


def _registration_or_404(forum: Forum, registration_id: int) -> Registration:
    try:
        return checkin.registration_for_desk(forum, registration_id)
    except NotFound:
        abort(404)


@bp.get("/desk/<slug>/people/<int:registration_id>")
def person(slug: str, registration_id: int):
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    return _person_page(forum, desk_, _registration_or_404(forum, registration_id))


@bp.post("/desk/<slug>/people/<int:registration_id>/check-in")
def person_check_in(slug: str, registration_id: int):
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    registration = _registration_or_404(forum, registration_id)
    try:
        result = checkin.check_in(desk_, registration, now=_now())
    except DomainError as exc:
        return _person_page(
            forum, desk_, registration, outcome=_error_outcome(exc, forum), status=exc.status
        )
    return _person_page(forum, desk_, result.registration, outcome=_result_outcome(result, forum))


@bp.post("/desk/<slug>/people/<int:registration_id>/check-out")
def person_check_out(slug: str, registration_id: int):
    forum = _staff_forum(slug)
    desk_ = _desk(forum, _session_arg())
    registration = _registration_or_404(forum, registration_id)
    try:
        checkin.check_out(desk_, registration, now=_now())
    except DomainError as exc:
        return _person_page(
            forum, desk_, registration, outcome=_error_outcome(exc, forum), status=exc.status
        )
    outcome = Outcome(
        "ok", _("Check-out recorded"), _("%(name)s has left.", name=registration.name)
    )
    return _person_page(forum, desk_, registration, outcome=outcome)


@bp.post("/desk/<slug>/people/<int:registration_id>/admit")
def person_admit(slug: str, registration_id: int):
    forum = _staff_forum(slug)
    desk_ = _desk(forum)
    registration = _registration_or_404(forum, registration_id)
    try:
        result = walk_ins.admit_waitlisted(
            desk_, registration, request.form.get("over_capacity_reason", ""), now=_now()
        )
    except ValidationFailed as exc:
        message = " ".join(m for messages in exc.errors.values() for m in messages)
        outcome = Outcome("error", _("Not admitted"), message, registration)
        return _person_page(forum, desk_, registration, outcome=outcome, status=422)
    except DomainError as exc:
        return _person_page(
            forum, desk_, registration, outcome=_error_outcome(exc, forum), status=exc.status
        )
    return _person_page(forum, desk_, result.registration, outcome=_result_outcome(result, forum))


# ----------------------------------------------------------------------------- walk-ins


@bp.route("/desk/<slug>/walk-in", methods=["GET", "POST"])
def walk_in(slug: str):
    forum = _staff_forum(slug)
    form = WalkInForm()
    organizer = can_organize(current_user, forum)
    state = desks.walk_in_state(forum, _now())
    status = 200
    outcome = None
    if request.method == "POST":
        try:
            result = walk_ins.register_walk_in(
                _desk(forum),
                walk_ins.WalkInRequest(
                    name=form.name.data or "",
                    affiliation=form.affiliation.data or "",
                    email=form.email.data or "",
                    locale=form.locale.data or "ko",
                    consent_personal_data=bool(form.consent_personal_data.data),
                    over_capacity_reason=form.over_capacity_reason.data or "",
                ),
                now=_now(),
            )
        except ValidationFailed as exc:
            _attach_errors(form, exc.errors)
            status = 422
        except AlreadyRegistered as exc:
            outcome = Outcome("warn", _("Registered already"), exc.message)
            registration_id = exc.details.get("registration_id")
            if isinstance(registration_id, int):
                outcome.registration = checkin.registration_for_desk(forum, registration_id)
            status = 409
        except desks.ForumFull as exc:
            outcome = Outcome("error", _("The forum is full"), exc.message)
            status = 409
        except DomainError as exc:
            outcome = Outcome("error", _("Not registered"), exc.message)
            status = exc.status
        else:
            message = _(
                "%(name)s is registered and checked in. Code: %(code)s.",
                name=result.registration.name,
                code=display_code(result.registration.confirmation_code),
            )
            if result.over_capacity:
                message += " " + _("Admitted beyond capacity; the reason is recorded.")
            flash(message, "success")
            return redirect(
                url_for("desk.person", slug=slug, registration_id=result.registration.id),
                code=303,
            )
    return (
        render_template(
            "desk/walk_in.html",
            forum=forum,
            form=form,
            state=state,
            outcome=outcome,
            can_organize=organizer,
            seats_left=forum_seats_left(forum),
            consent_version=registrations.CONSENT_VERSION,
        ),
        status,
    )


# ------------------------------------------------------------------------------- badges


def _badge_size() -> str:
    size = request.args.get("size", "a6")
    return size if size in BADGE_SIZES else "a6"


def _badge_category() -> str | None:
    category = request.args.get("category", "")
    return category if category in ATTENDEE_CATEGORIES else None


def _badge_group() -> screens.BadgeGroup:
    try:
        return screens.BadgeGroup(request.args.get("who", ""))
    except ValueError:
        return screens.BadgeGroup.PRE_REGISTERED


@bp.get("/desk/<slug>/badges")
def badges(slug: str):
    forum = _staff_forum(slug)
    group, category = _badge_group(), _badge_category()
    people = screens.badge_people(forum, group, category)
    pages = max((len(people) + BADGES_PER_PAGE - 1) // BADGES_PER_PAGE, 1)
    page = request.args.get("page", "1")
    page = parse_id(page) or 1
    page = page if page <= pages else 1
    chunk = people[(page - 1) * BADGES_PER_PAGE : page * BADGES_PER_PAGE]
    return render_template(
        "desk/badges.html",
        forum=forum,
        badges=[_badge(r) for r in chunk],
        group=group,
        groups=BADGE_GROUPS,
        category=category,
        categories=ATTENDEE_CATEGORIES,
        total=len(people),
        page=page,
        pages=pages,
        size=_badge_size(),
        sizes=BADGE_SIZES,
        single=None,
    )


@bp.get("/desk/<slug>/people/<int:registration_id>/badge")
def badge(slug: str, registration_id: int):
    forum = _staff_forum(slug)
    registration = _registration_or_404(forum, registration_id)
    if registration.status == PlaceStatus.CANCELLED:
        abort(409, description=_("This registration was cancelled: no badge is printed for it."))
    return render_template(
        "desk/badges.html",
        forum=forum,
        badges=[_badge(registration)],
        group=None,
        groups=BADGE_GROUPS,
        total=1,
        page=1,
        pages=1,
        size=_badge_size(),
        sizes=BADGE_SIZES,
        single=registration,
    )


@dataclass
class Badge:
    name: str
    affiliation: str
    code: str
    qr: Markup
    meetings: list[str]
    category: str  # printed in both languages and its own colour, unless general


def badge_qr(code: str) -> Markup:
    """The signed check-in payload as an inline SVG that scales to the badge (a viewBox and no
    fixed size: the print CSS sets it in millimetres)."""
    qr = checkin_qr(current_app.config["SECRET_KEY"], code)
    return Markup(qr.svg_inline(border=2, svgclass="qr", omitsize=True))


def _badge(registration: Registration) -> Badge:
    return Badge(
        registration.name,
        registration.affiliation,
        display_code(registration.confirmation_code),
        badge_qr(registration.confirmation_code),
        [
            f"{line} · {pick(session, 'title')}"  # the meeting first: it must not be cut
            for session, line in screens.badge_meetings(registration)
        ],
        registration.category,
    )


# --------------------------------------------------------------------------- live counts


@bp.get("/desk/<slug>/counts")
def counts(slug: str):
    forum = _staff_forum(slug)
    return render_template(
        "desk/counts.html",
        forum=forum,
        counts=screens.live_counts(forum, now=_now()),
        receivers_out=receivers.receivers_out(forum),
        language_name=lambda code: language_name(code, current_locale()),
        refresh=_refresh(COUNTS_REFRESH_SECONDS),
    )


def _refresh(seconds: int) -> int | None:
    """A live page refreshes itself (a meta refresh, no JavaScript) unless the reader turned it
    off with ?refresh=off (WCAG 2.2.1: a time limit the user can turn off)."""
    return None if request.args.get("refresh") == "off" else seconds


# ---------------------------------------------------------------------- desk settings


@bp.route("/desk/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    forum = _staff_forum(slug, organizer=True)
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            if action in ("open", "closed", "automatic"):
                screens.set_desk_override(
                    forum, None if action == "automatic" else action, current_user
                )
                flash(
                    {
                        "open": _("The desk is open."),
                        "closed": _("The desk is closed."),
                        "automatic": _("The desk opens by itself on the forum's days."),
                    }[action],
                    "success",
                )
            elif action in ("kiosk_on", "kiosk_off"):
                screens.set_kiosk(forum, action == "kiosk_on", current_user)
                flash(
                    _("The self check-in kiosk is on.")
                    if action == "kiosk_on"
                    else _("The self check-in kiosk is off."),
                    "success",
                )
            else:
                abort(400)
        except DomainError as exc:
            abort(exc.status, description=exc.message)
        return redirect(url_for("desk.settings", slug=slug), code=303)
    return render_template(
        "desk/settings.html",
        forum=forum,
        state=desks.desk_state(forum, _now()),
        can_organize=True,
    )


# -------------------------------------------------------------------------------- kiosk


def _kiosk_forum(slug: str) -> Forum:
    forum = desks.published_forum(slug)
    if forum is None or not forum.kiosk_enabled:
        abort(404)
    return forum


KIOSK_MESSAGES = {
    "registration_cancelled": _l(
        "This registration was cancelled. Please go to the registration desk."
    ),
    "not_admitted": _l("Please go to the registration desk: we need to check your place."),
    "other_forum": _l("This code is for another forum. Please go to the registration desk."),
    "unknown_code": _l("We could not find this code. Check it, or go to the registration desk."),
    "forged": _l("This QR code cannot be used here. Please go to the registration desk."),
    "desk_closed": _l("Self check-in is not open now."),
}


def _kiosk_error(exc: DomainError) -> str:
    reason = getattr(exc, "reason", None)
    if reason == "forged":
        return str(KIOSK_MESSAGES["forged"])
    if reason is not None and exc.code == "invalid_input":
        return exc.message
    return str(KIOSK_MESSAGES.get(exc.code, KIOSK_MESSAGES["not_admitted"]))


@bp.route("/kiosk/<slug>", methods=["GET", "POST"])
@limiter.limit(desk_search_limit, methods=["POST"], key_func=per_operator)
def kiosk(slug: str):
    forum = _kiosk_forum(slug)
    state = desks.desk_state(forum, _now())
    outcome = None
    status = 200
    if request.method == "POST":
        desk_ = desks.Desk(forum=forum, operator=None, label=desks.KIOSK_DESK)
        try:
            result = checkin.scan(
                desk_, request.form.get("code", ""), allow_search=False, now=_now()
            )
        except DomainError as exc:
            outcome = Outcome("error", _("Not checked in"), _kiosk_error(exc))
            status = exc.status
        else:
            done = result.checked_in
            if done.first:
                outcome = Outcome(
                    "ok",
                    _("Welcome, %(name)s!", name=done.registration.name),
                    _("You are checked in."),
                    done.registration,
                )
            else:
                outcome = Outcome(
                    "warn",
                    _("Welcome, %(name)s!", name=done.registration.name),
                    _(
                        "You are already checked in (since %(time)s).",
                        time=_fmt_time(done.at, forum),
                    ),
                    done.registration,
                )
    return (
        render_template(
            "desk/kiosk.html",
            forum=forum,
            state=state,
            outcome=outcome,
            refresh=KIOSK_RESULT_SECONDS if outcome else None,
        ),
        status,
    )


# ------------------------------------------------------------------------ now and next


@bp.get("/forums/<slug>/venues/<int:venue_id>/now")
def door(slug: str, venue_id: int):
    view = screens.door_view(slug, venue_id, now=_now())
    if view is None:
        abort(404)
    asking = questions.taking_questions(item.session.id for item in view.current)
    return render_template(
        "desk/now.html", view=view, asking=asking, refresh=_refresh(DOOR_REFRESH_SECONDS)
    )
