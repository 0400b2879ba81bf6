"""Live question forms: shape only; `app.voices.questions` checks the rules (lengths, control
characters, whether the session takes questions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Your question"))
    locale = RadioField(
        _l("Language of your question"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
        validate_choice=False,
    )
    name = StringField(_l("Your name (optional)"))
    submit = SubmitField(_l("Send the question"))


class BoardForm(FlaskForm):
    """A session's board; one per session on a page (each with its own prefix)."""

    open = BooleanField(_l("Open: people may ask and vote"))
    desk_may_moderate = BooleanField(_l("Desk staff may moderate"))
    submit = SubmitField(_l("Save"))


class ModerationForm(FlaskForm):
    """A moderator's action on one question: the button pressed is the action (`action`); a
    merge names its target."""

    into = SelectField(_l("Merge into"), choices=[], validate_choice=False)
