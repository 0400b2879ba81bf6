"""Certificate forms: shape only; `app.registration.certificates` checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField


class CertificateSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Give certificates of attendance for this forum"))
    forum_check_in = BooleanField(_l("Checked in at the forum's desk"))
    session_check_in = BooleanField(_l("Checked in at a session's door"))
    online_attendance = BooleanField(_l("Watched at least one session online"))
    wording_ko = TextAreaField(_l("Wording in Korean"))
    wording_en = TextAreaField(_l("Wording in English"))
    signatory_ko = StringField(_l("Signatory in Korean"))
    signatory_en = StringField(_l("Signatory in English"))
    signatory_title_ko = StringField(_l("Signatory's title in Korean"))
    signatory_title_en = StringField(_l("Signatory's title in English"))
    save = SubmitField(_l("Save"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a public look-up by GET

    code = StringField(_l("Verification code"))
    check = SubmitField(_l("Check"))
