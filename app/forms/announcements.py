"""The announcement form: shape only; `app.registration.announcements` checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.core.presenters import LABELS
from app.models.enums import ANNOUNCEMENT_SEGMENTS


class AnnouncementForm(FlaskForm):
    segment = SelectField(
        _l("Who gets it"),
        choices=[SelectChoice(s, LABELS["segment"][s]) for s in ANNOUNCEMENT_SEGMENTS],
        default="everyone",
        validate_choice=False,  # the service says which segments there are
    )
    session_id = SelectField(
        _l("Session"),
        choices=[],
        validate_choice=False,
        description=_l("Only for “the people of one session”."),
    )
    subject_ko = StringField(_l("Subject in Korean"))
    body_ko = TextAreaField(_l("Text in Korean"))
    subject_en = StringField(_l("Subject in English"))
    body_en = TextAreaField(_l("Text in English"))
    previewed = HiddenField()  # the fingerprint of the draft the preview showed
    expected = HiddenField()  # how many people the preview said it reaches
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))
