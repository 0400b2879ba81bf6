"""The comment event's forms: shape only. Every rule (lengths, the window, one entry per
address, a reason to hide) is `app.voices.comments`, which the JSON API shares."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.models.enums import COMMENT_STATUSES

STATUS_LABELS = {
    "pending": _l("Waiting for moderation"),
    "published": _l("Published"),
    "hidden": _l("Hidden"),
}


class CommentForm(FlaskForm):
    """A participant's comment. The language is the page's; the service checks the rest."""

    name = StringField(_l("Name"))
    email = StringField(_l("Email"))
    comment = TextAreaField(_l("Your comment"))
    consent = BooleanField(
        _l("I agree to the collection and use of my personal data as described above.")
    )
    submit = SubmitField(_l("Send my comment"))


class ButtonForm(FlaskForm):
    """A button that only needs its CSRF token: like, confirm, read, move, unpick."""

    submit = SubmitField(_l("Confirm"))


class CommentEventForm(FlaskForm):
    prompt_ko = StringField(_l("Prompt (Korean)"))
    prompt_en = StringField(_l("Prompt (English)"))
    opens_at = StringField(_l("Opens"))
    closes_at = StringField(_l("Closes"))
    max_length = StringField(_l("Longest comment (characters)"), default="200")
    prizes = StringField(_l("Prizes in the draw"), default="0")
    prize_ko = StringField(_l("Prize (Korean)"))
    prize_en = StringField(_l("Prize (English)"))
    sends_streams = BooleanField(_l("Mail every confirmed participant the stream links"))
    reward_note_ko = TextAreaField(_l("Note for participants (Korean)"))
    reward_note_en = TextAreaField(_l("Note for participants (English)"))
    submit = SubmitField(_l("Save"))


class ModerationForm(FlaskForm):
    """Publish or hide one entry; hiding needs a reason (kept for organizers only)."""

    action = HiddenField()
    reason = StringField(_l("Reason for hiding (organizers only)"))
    submit = SubmitField(_l("Apply"))


class PickForm(FlaskForm):
    session_id = SelectField(_l("Reading list of the session"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Add to the reading list"))


class ModerationFilterForm(FlaskForm):
    """The list's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(s, STATUS_LABELS[s]) for s in COMMENT_STATUSES],
        validate_choice=False,
    )
    confirmed = SelectField(
        _l("Address"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Confirmed")),
            SelectChoice("no", _l("Not confirmed")),
        ],
        validate_choice=False,
    )
