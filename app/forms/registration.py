"""The registration and manage forms: shape and syntax only; the rules live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.forms.fields import MultiCheckboxField
from app.models.enums import ACCESSIBILITY_NEEDS


class LanguageFields:
    """The listening language, a receiver in the hall and requests for access services: the
    same on the registration and the manage forms. Requests are "session:kind:language"."""

    listening_language = SelectField(
        _l("Language you will listen in"), choices=[], validate_choice=False
    )
    needs_receiver = BooleanField(
        _l("I need an interpretation receiver in the hall (lent at the registration desk).")
    )
    service_requests = MultiCheckboxField(
        _l("Ask for an access service (optional)"), choices=[], coerce=str
    )


class RegistrationForm(LanguageFields, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    affiliation = StringField(
        _l("Affiliation (optional)"), validators=[Optional(), Length(max=200)]
    )
    attendance = RadioField(_l("How will you attend?"), choices=[], validate_choice=False)
    session_ids = MultiCheckboxField(_l("Sessions with limited seats"), choices=[], coerce=str)
    locale = RadioField(
        _l("Language for our emails"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
        validate_choice=False,
    )
    consent_personal_data = BooleanField(
        _l("I agree to the collection and use of my personal data as described above.")
    )
    consent_marketing = BooleanField(_l("Optional: tell me about future forums by email."))
    consent_accessibility = BooleanField(
        _l(
            "Optional: I agree that the accessibility needs I select are collected and used "
            "to arrange support at the venue."
        )
    )
    accessibility_needs = MultiCheckboxField(
        _l("Accessibility needs (optional)"), choices=[SelectChoice(n) for n in ACCESSIBILITY_NEEDS]
    )
    accessibility_other = TextAreaField(
        _l("Other needs (optional)"), validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField(_l("Register"))


class ManageForm(LanguageFields, FlaskForm):
    attendance = RadioField(_l("How will you attend?"), choices=[], validate_choice=False)
    session_ids = MultiCheckboxField(_l("Sessions with limited seats"), choices=[], coerce=str)
    consent_accessibility = BooleanField(
        _l(
            "Optional: I agree that the accessibility needs I select are collected and used "
            "to arrange support at the venue."
        )
    )
    submit = SubmitField(_l("Save changes"))


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (cancel, new calendar link)."""

    submit = SubmitField(_l("Confirm"))
