"""Forms for a person's rights over their data and for organizers acting on a request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class EraseForm(FlaskForm):
    """The person erases their own registration: a box to tick, then the button."""

    confirm = BooleanField(
        _l("I understand that my registration and my data are erased for good."),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
    )
    submit = SubmitField(_l("Erase my registration"))


class OrganizerExportForm(FlaskForm):
    reason = StringField(
        _l("Request reference (no personal data, e.g. a ticket number)"),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField(_l("Download the person's data"))


class OrganizerEraseForm(FlaskForm):
    reason = StringField(
        _l("Request reference (no personal data, e.g. a ticket number)"),
        validators=[Optional(), Length(max=500)],
    )
    confirm = BooleanField(
        _l("The person asked for the erasure; it cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
    )
    submit = SubmitField(_l("Erase this registration"))
