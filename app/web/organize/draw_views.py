"""The comment event's prize draw for organizers: commit to a seed before the event closes,
reveal it to draw the winners after, record a winner who declines."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.db import utcnow
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.forms.draw import CommitSeedForm, DeclineForm, RevealSeedForm
from app.models import CommentEvent, Forum
from app.voices import draw
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, user

PAGE = "organize.draw_page"


def _event(forum: Forum) -> CommentEvent:
    event = draw.event_of(forum)
    if event is None:
        raise NotFound(_("This forum has no comment event."))
    return event


def _decline_form(winner_id: int) -> DeclineForm:
    return DeclineForm(prefix=f"decline-{winner_id}")


def _page(forum: Forum, status: int = 200, refusal: str | None = None, **forms: Any):
    event = draw.event_of(forum)
    standing = draw.standing(event) if event is not None else None
    declines = {}
    if standing is not None:
        declines = {p.winner.id: _decline_form(p.winner.id) for p in standing.places}
        declines.update(forms.pop("declines", {}))
    page = render_template(
        "organize/draw.html",
        forum=forum,
        event=event,
        standing=standing,
        closed=event is not None and draw.is_closed(event, utcnow()),
        suggested_seed=draw.new_seed(),
        commit_form=forms.get("commit_form") or CommitSeedForm(prefix="commit", formdata=None),
        reveal_form=forms.get("reveal_form") or RevealSeedForm(prefix="reveal", formdata=None),
        declines=declines,
        refusal=refusal,
        seed_min=draw.SEED_MIN,
        seed_max=draw.SEED_MAX,
    )
    return page, status


@bp.get("/forums/<slug>/comments/draw")
@organizer_view
def draw_page(forum: Forum):
    return _page(forum)


@bp.post("/forums/<slug>/comments/draw/commit")
@organizer_view
def draw_commit(forum: Forum):
    event = _event(forum)
    form = CommitSeedForm(prefix="commit")
    if not form.validate_on_submit():
        return _page(forum, 422, commit_form=form)
    try:
        draw.commit_seed(event, {"seed": form.seed.data}, user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, 422, commit_form=form)
    except DomainError as exc:
        return _page(forum, exc.status, refusal=exc.message)
    flash(
        _("The seed's hash is committed and published. Keep the seed: the draw needs it."),
        "success",
    )
    return back(PAGE, forum)


@bp.post("/forums/<slug>/comments/draw/run")
@organizer_view
def draw_run(forum: Forum):
    event = _event(forum)
    form = RevealSeedForm(prefix="reveal")
    if not form.validate_on_submit():
        return _page(forum, 422, reveal_form=form)
    try:
        winners = draw.draw(event, {"seed": form.seed.data}, user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, 422, reveal_form=form)
    except DomainError as exc:
        return _page(forum, exc.status, refusal=exc.message)
    flash(
        ngettext(
            "%(num)d winner is drawn; their mail is queued.",
            "%(num)d winners are drawn; their mail is queued.",
            len(winners),
        ),
        "success",
    )
    return back(PAGE, forum)


@bp.post("/forums/<slug>/comments/draw/winners/<int:winner_id>/decline")
@organizer_view
def draw_decline(forum: Forum, winner_id: int):
    event = _event(forum)
    form = _decline_form(winner_id)
    if not form.validate_on_submit():
        return _page(forum, 422, declines={winner_id: form})
    try:
        successor = draw.decline(event, winner_id, {"reason": form.reason.data}, user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, 422, declines={winner_id: form})
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _page(forum, exc.status, refusal=exc.message)
    flash(
        _(
            "The decline is recorded; rank %(rank)d takes the prize and is mailed.",
            rank=successor.rank,
        ),
        "success",
    )
    return back(PAGE, forum)
