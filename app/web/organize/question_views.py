"""Live questions in the organizer workspace: switching them on per session, moderating them
(organizers of the forum, and its desk staff where an organizer allows it) and the export."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import can_organize
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.extensions import login_manager
from app.forms.questions import BoardForm, ModerationForm
from app.models import Forum, ForumSession, QuestionBoard
from app.programme import agenda
from app.voices import questions
from app.web.organize import bp
from app.web.organize.common import organizer_view, user


def moderator_view(view: Callable) -> Callable:
    """Signed in (else the login page); the forum and its session must exist (else 404); the
    user must organize the forum, or work its desk when the session's board lets desk staff
    moderate (else 403). `organizer_view` turns desk accounts away, hence this one. The view
    gets (forum, session, board, **url values)."""

    @wraps(view)
    def wrapped(slug: str, session_id: int, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        try:
            forum = agenda.get_forum(slug)
            session = questions.session_of(forum, session_id)
        except NotFound:
            abort(404)
        board = questions.board_for(session)
        if not questions.may_moderate(current_user, forum, board):
            abort(403, _("You may not moderate the questions of this session."))
        return view(forum, session, board, **kwargs)

    return wrapped


def _page_forum(forum: Forum) -> Forum | None:
    """The forum for the workspace's navigation: none for desk staff (its pages are not
    theirs)."""
    return forum if can_organize(current_user, forum) else None


@bp.get("/forums/<slug>/questions")
@organizer_view
def questions_overview(forum: Forum):
    rows = questions.overview(forum)
    forms = {}
    for row in rows:
        form = BoardForm(prefix=f"s{row.session.id}", formdata=None)
        form.open.data = row.board.open if row.board is not None else True
        form.desk_may_moderate.data = row.board.desk_may_moderate if row.board else False
        forms[row.session.id] = form
    return render_template("organize/questions.html", forum=forum, rows=rows, forms=forms)


@bp.post("/forums/<slug>/sessions/<int:session_id>/questions/board")
@organizer_view
def question_board(forum: Forum, session_id: int):
    form = BoardForm(prefix=f"s{session_id}")
    try:
        questions.set_board(
            forum,
            session_id,
            open=bool(form.open.data),
            desk_may_moderate=bool(form.desk_may_moderate.data),
            user=user(),
        )
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Saved."), "success")
    return redirect(
        url_for("organize.questions_overview", slug=forum.slug, _anchor=f"board-{session_id}"),
        code=303,
    )


def _moderation_page(
    forum: Forum, session: ForumSession, board: QuestionBoard | None, status: int = 200
):
    listed = questions.for_moderation(session)
    forms = {}
    for question in listed:
        form = ModerationForm(prefix=f"q{question.id}", formdata=None)
        form.into.choices = [("", _("Choose a question"))] + [
            (str(q.id), f"#{q.id}: {q.text[:80]}")
            for q in questions.merge_targets(session, question)
        ]
        forms[question.id] = form
    page = render_template(
        "organize/questions_session.html",
        forum=_page_forum(forum),
        the_forum=forum,
        session=session,
        board=board,
        questions=listed,
        forms=forms,
        statuses=("pending", "approved", "answered", "hidden", "merged"),
    )
    return page, status


@bp.get("/forums/<slug>/sessions/<int:session_id>/questions")
@moderator_view
def question_moderation(forum: Forum, session: ForumSession, board: QuestionBoard | None):
    return _moderation_page(forum, session, board)


@bp.post("/forums/<slug>/sessions/<int:session_id>/questions/<int:question_id>")
@moderator_view
def moderate_question(
    forum: Forum, session: ForumSession, board: QuestionBoard | None, question_id: int
):
    form = ModerationForm(prefix=f"q{question_id}")
    action = request.form.get("action", "")
    try:
        questions.moderate(forum, session.id, question_id, action, into=form.into.data, user=user())
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return _moderation_page(forum, session, board, 422)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Question #%(id)d: done.", id=question_id), "success")
    return redirect(
        url_for(
            "organize.question_moderation",
            slug=forum.slug,
            session_id=session.id,
            _anchor=f"question-{question_id}",
        ),
        code=303,
    )


@bp.get("/forums/<slug>/sessions/<int:session_id>/questions.csv")
@moderator_view
def questions_export(forum: Forum, session: ForumSession, board: QuestionBoard | None):
    response = Response(questions.export_csv(session).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    filename = f"{forum.slug}-session-{session.id}-questions.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
