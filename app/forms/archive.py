"""Archive forms: shape only; `app.programme.archive` checks the rules and the files."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

LANGUAGE_CHOICES = [
    SelectChoice("", _l("Both, or no words")),
    SelectChoice("ko", _l("Korean version")),
    SelectChoice("en", _l("English version")),
]


class _MaterialForm(FlaskForm):
    session_id = SelectField(_l("Session"), choices=[], validate_choice=False)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validate_choice=False)
    title = StringField(_l("Title"))


class LinkForm(_MaterialForm):
    kind = SelectField(
        _l("What it is"),
        choices=[
            SelectChoice("recording", _l("Recording")),
            SelectChoice("slides", _l("Slides")),
            SelectChoice("document", _l("Document")),
        ],
        validate_choice=False,
    )
    url = StringField(_l("Web address"))
    add_link = SubmitField(_l("Add the link"))


class UploadForm(_MaterialForm):
    kind = SelectField(
        _l("What it is"),
        choices=[SelectChoice("slides", _l("Slides")), SelectChoice("document", _l("Document"))],
        validate_choice=False,
    )
    file = FileField(_l("File"))
    upload = SubmitField(_l("Upload"))
