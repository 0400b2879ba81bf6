"""A session's live questions, public: asking (from the hall, or from a person's own link when
they watch online), the approved questions with their votes, the presenter's screen, and the
short link with its QR code that the session page, the door screen and the screen show."""

from __future__ import annotations

import io

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.i18n import current_locale
from app.extensions import limiter
from app.forms.questions import QuestionForm
from app.models import Forum, ForumSession, Registration
from app.models.enums import ForumStatus
from app.registration import operations as registrations
from app.security import no_store
from app.voices import questions
from app.voices.common import voter_key
from app.web.input_guard import answers_text_by_field
from app.web.voices import bp, post_limit, vote_limit
from app.web.voices.voter import browser_voter

# The presenter's screen reloads itself this often (seconds).
SCREEN_REFRESH_SECONDS = 10
QR_MAX_AGE = 24 * 3600


def short_url(session_id: int) -> str:
    """The ask page's short link, absolute: what the QR code holds."""
    return current_app.config["BASE_URL"] + url_for("voices.short_link", session_id=session_id)


def _published_or_404(slug: str) -> Forum:
    try:
        return registrations.published_forum(slug)
    except NotFound:
        abort(404)


def _session_or_404(forum: Forum, session_id: int) -> ForumSession:
    try:
        return questions.session_of(forum, session_id)
    except NotFound:
        abort(404)


def _registration_or_404(token: str) -> Registration:
    try:
        return registrations.registration_by_token(token)
    except NotFound:
        abort(404)


def _attach_errors(form: QuestionForm, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = list(messages)
        else:
            form.form_errors.extend(messages)


def _ask_page(
    forum: Forum,
    session: ForumSession,
    *,
    registration: Registration | None = None,
    token: str | None = None,
):
    """The ask page, public or through a person's link: GET shows it, POST asks (PRG)."""
    form = QuestionForm()
    board = questions.board_for(session)
    status = 200 if board is not None else 404
    refusal = None
    if request.method == "POST":
        try:
            questions.ask(
                forum,
                session.id,
                {"text": form.text.data, "locale": form.locale.data, "name": form.name.data},
                origin="online" if registration is not None else "hall",
                registration=registration,
            )
        except ValidationFailed as exc:
            _attach_errors(form, exc.errors)
            status = 422
        except DomainError as exc:  # off, closed, cancelled, ended; or may not watch it
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(
                _(
                    "Thank you: your question was sent. It appears in the list once a "
                    "moderator has approved it."
                ),
                "success",
            )
            if token is not None:
                return redirect(url_for(".ask_online", token=token, session_id=session.id), 303)
            return redirect(url_for(".ask", slug=forum.slug, session_id=session.id), code=303)
    else:
        form.locale.data = current_locale()
        if registration is not None:
            form.name.data = registration.name
        if registration is not None and not questions.may_ask_online(registration, session):
            refusal = _(
                "You can ask questions in the sessions you may watch online or hold a seat in."
            )
            status = 403
    page = render_template(
        "voices/questions/ask.html",
        forum=forum,
        session=session,
        board=board,
        closed=questions.closed_reason(session, board),
        refusal=refusal,
        questions=questions.screen(session) if board is not None else [],
        form=form,
        token=token,
        short_url=short_url(session.id),
    )
    return no_store(current_app.make_response((page, status)))


@bp.route("/forums/<slug>/sessions/<int:session_id>/questions", methods=["GET", "POST"])
@limiter.limit(post_limit, methods=["POST"])
@answers_text_by_field
def ask(slug: str, session_id: int):
    forum = _published_or_404(slug)
    return _ask_page(forum, _session_or_404(forum, session_id))


@bp.route("/manage/<token>/questions/<int:session_id>", methods=["GET", "POST"])
@limiter.limit(post_limit, methods=["POST"])
@answers_text_by_field
def ask_online(token: str, session_id: int):
    """An online viewer asks from their own link: origin `online`, their name prefilled."""
    registration = _registration_or_404(token)
    forum = registration.forum
    if forum.status != ForumStatus.PUBLISHED:
        abort(404)
    session = _session_or_404(forum, session_id)
    return _ask_page(forum, session, registration=registration, token=token)


def _vote(forum: Forum, session_id: int, question_id: int, voter: str) -> None:
    try:
        result = questions.vote(forum, session_id, question_id, voter)
    except NotFound:
        abort(404)
    except DomainError as exc:  # closed, ended, answered
        flash(exc.message, "error")
        return
    if result.created:
        flash(_("Your vote is counted."), "success")
    else:
        flash(_("You have voted for this question already."), "info")


@bp.post("/forums/<slug>/sessions/<int:session_id>/questions/<int:question_id>/vote")
@limiter.limit(vote_limit)
def vote(slug: str, session_id: int, question_id: int):
    forum = _published_or_404(slug)
    _vote(forum, session_id, question_id, browser_voter())
    target = url_for(".ask", slug=slug, session_id=session_id, _anchor=f"question-{question_id}")
    return redirect(target, code=303)


@bp.post("/manage/<token>/questions/<int:session_id>/<int:question_id>/vote")
@limiter.limit(vote_limit)
def vote_online(token: str, session_id: int, question_id: int):
    """A vote from a person's own link: one per person, whichever browser they use."""
    registration = _registration_or_404(token)
    if registration.forum.status != ForumStatus.PUBLISHED:
        abort(404)
    voter = voter_key("registration", str(registration.id))
    _vote(registration.forum, session_id, question_id, voter)
    target = url_for(
        ".ask_online", token=token, session_id=session_id, _anchor=f"question-{question_id}"
    )
    return no_store(redirect(target, code=303))


@bp.get("/forums/<slug>/sessions/<int:session_id>/questions/screen")
def screen(slug: str, session_id: int):
    """The presenter's screen: approved questions by votes, huge type, reloading itself."""
    forum = _published_or_404(slug)
    session = _session_or_404(forum, session_id)
    board = questions.board_for(session)
    if board is None:
        abort(404)
    shown = questions.screen(session)
    return render_template(
        "voices/questions/screen.html",
        forum=forum,
        session=session,
        board=board,
        questions=shown,
        approved=sum(1 for q in shown if q.status == "approved"),
        short_url=short_url(session.id),
        refresh=None if request.args.get("refresh") == "off" else SCREEN_REFRESH_SECONDS,
    )


def _session_of_published_forum(session_id: int) -> ForumSession:
    session = questions.session_by_id(session_id)
    if session is None or session.forum.status != ForumStatus.PUBLISHED:
        abort(404)
    return session


@bp.get("/q/<int:session_id>")
def short_link(session_id: int):
    """The short link of the QR code: on to the session's ask page."""
    session = _session_of_published_forum(session_id)
    return redirect(url_for(".ask", slug=session.forum.slug, session_id=session.id), code=302)


@bp.get("/q/<int:session_id>.svg")
def short_link_qr(session_id: int):
    """The short link as a QR code (SVG, scalable, the same for everybody: cacheable)."""
    session = _session_of_published_forum(session_id)
    buffer = io.BytesIO()
    segno.make(short_url(session.id), error="m", micro=False).save(
        buffer, kind="svg", border=2, omitsize=True, title=short_url(session.id)
    )
    response = current_app.response_class(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={QR_MAX_AGE}"
    return response
