"""The comment event's prize draw in public: the rule, the commitment, the result with masked
names, and the list of entries drawn from, so anyone can run the draw again."""

from __future__ import annotations

from flask import Response, abort, render_template

from app.core.errors import NotFound
from app.models import CommentEvent, Forum
from app.voices import draw as draws
from app.web.voices import bp


def _found(slug: str) -> tuple[Forum, CommentEvent]:
    try:
        return draws.public_event(slug)
    except NotFound:
        abort(404)


@bp.get("/forums/<slug>/comments/draw")
def draw_page(slug: str):
    forum, event = _found(slug)
    return render_template(
        "voices/draw.html",
        forum=forum,
        event=event,
        standing=draws.standing(event),
        rule_snippet=draws.rule_snippet(),
    )


@bp.get("/forums/<slug>/comments/draw/entries.txt")
def draw_entries(slug: str):
    _forum, event = _found(slug)
    if event.drawn_at is None:
        abort(404)
    return Response(
        draws.entries_text(event.drawn_entry_ids or []),
        mimetype="text/plain",
        headers={"Content-Disposition": "inline; filename=entries.txt"},
    )
