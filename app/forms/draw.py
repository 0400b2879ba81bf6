"""The prize draw's organizer forms: shape only; `app.voices.draw` checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField


class CommitSeedForm(FlaskForm):
    seed = StringField(_l("The seed you will keep"))
    commit = SubmitField(_l("Commit to this seed"))


class RevealSeedForm(FlaskForm):
    seed = StringField(_l("The committed seed"))
    run = SubmitField(_l("Reveal the seed and draw the winners"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why the winner declines"))
    record = SubmitField(_l("Record the decline and draw the next entry"))
