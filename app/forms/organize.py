"""Organizer forms: shape and syntax only. The rules (a venue of this forum, end after start, no
speaker twice…) live in `app.programme.agenda`, which the JSON API shares; choices that come from
the database are filled in by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.core.i18n import current_locale
from app.core.languages import language_choices
from app.core.presenters import LABELS
from app.forms.fields import MultiCheckboxField
from app.models.enums import (
    ATTENDANCE_MODES,
    ATTENDEE_CATEGORIES,
    FORUM_FORMATS,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    STREAM_KINDS,
    STREAM_VISIBILITIES,
    VENUE_KINDS,
)

SPEAKER_LINES_EXTRA = 3  # empty speaker lines offered below the filled ones
VISIBILITY_LABELS = {"public": _l("Everyone"), "registrants": _l("Registrants only")}
STREAM_KIND_LABELS = {
    "main": _l("The main feed"),
    "interpretation": _l("An interpretation channel"),
    "sign": _l("A sign-language feed"),
    "captions": _l("A captioned feed"),
}
SERVICE_KIND_LABELS = {
    "interpretation": _l("Simultaneous interpretation"),
    "ksl": _l("Korean Sign Language"),
    "international_sign": _l("International Sign"),
    "captions": _l("Live captions"),
    "transcript": _l("Transcript after the session"),
}
SERVICE_STATUS_LABELS = {
    "planned": _l("Planned"),
    "confirmed": _l("Confirmed"),
    "cancelled": _l("Cancelled"),
}


def _choices(group: str, values: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(v, LABELS[group].get(v, v)) for v in values]


class _Select(SelectField):
    """A select whose value the service checks (a clear message instead of 'Not a valid
    choice'), so its choices can come from the database without the form querying it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class ForumForm(FlaskForm):
    slug = StringField(
        _l("Address (slug)"),
        description=_l(
            "Lower-case letters, digits and hyphens: the end of the forum's address, /forums/…"
        ),
        validators=[Optional(), Length(max=80)],
    )
    title_ko = StringField(_l("Title (Korean)"), validators=[Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    theme_ko = StringField(_l("Theme (Korean)"), validators=[Length(max=300)])
    theme_en = StringField(_l("Theme (English)"), validators=[Length(max=300)])
    description_ko = TextAreaField(_l("Description (Korean)"), validators=[Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=20000)])
    timezone = StringField(
        _l("Time zone"),
        description=_l("An IANA name such as Asia/Seoul; times below are entered in it."),
        validators=[Length(max=64)],
    )
    first_day = StringField(_l("First day"), validators=[Length(max=10)])
    last_day = StringField(_l("Last day"), validators=[Length(max=10)])
    format = _Select(_l("Format"), choices=_choices("format", FORUM_FORMATS))
    registration_opens_at = StringField(_l("Pre-registration opens"), validators=[Length(max=40)])
    registration_closes_at = StringField(_l("Pre-registration closes"), validators=[Length(max=40)])
    onsite_registration = BooleanField(_l("Registration at the desk on the day"))
    in_person_capacity = StringField(
        _l("In-person places"),
        description=_l("Leave empty for no limit."),
        validators=[Length(max=9)],
    )
    reserved_places = StringField(
        _l("Places held for invited people"),
        description=_l(
            "Of the in-person places, how many only speakers, guests, press and staff may take"
            " (0: none). Public registration sees the rest."
        ),
        validators=[Length(max=9)],
    )
    organizer_name_ko = StringField(_l("Organizer (Korean)"), validators=[Length(max=200)])
    organizer_name_en = StringField(_l("Organizer (English)"), validators=[Length(max=200)])
    organizer_email = StringField(_l("Organizer's email"), validators=[Length(max=254)])
    homepage_url = StringField(_l("Homepage"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save"))


class VenueForm(FlaskForm):
    name_ko = StringField(_l("Name (Korean)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    kind = _Select(_l("Kind"), choices=_choices("venue_kind", VENUE_KINDS), default="hall")
    building_ko = StringField(_l("Building (Korean)"), validators=[Length(max=200)])
    building_en = StringField(_l("Building (English)"), validators=[Length(max=200)])
    floor_ko = StringField(_l("Floor (Korean)"), validators=[Length(max=40)])
    floor_en = StringField(_l("Floor (English)"), validators=[Length(max=40)])
    room_ko = StringField(_l("Room (Korean)"), validators=[Length(max=200)])
    room_en = StringField(_l("Room (English)"), validators=[Length(max=200)])
    address_ko = StringField(_l("Address (Korean)"), validators=[Length(max=300)])
    address_en = StringField(_l("Address (English)"), validators=[Length(max=300)])
    seats = StringField(
        _l("Seats"), description=_l("Leave empty when unknown."), validators=[Length(max=9)]
    )
    accessibility_notes_ko = TextAreaField(
        _l("Accessibility and directions (Korean)"), validators=[Length(max=5000)]
    )
    accessibility_notes_en = TextAreaField(
        _l("Accessibility and directions (English)"), validators=[Length(max=5000)]
    )
    map_url = StringField(_l("Map link"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save"))


class SpeakerForm(FlaskForm):
    name_ko = StringField(_l("Name (Korean)"), validators=[Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    title_ko = StringField(_l("Position (Korean)"), validators=[Length(max=300)])
    title_en = StringField(_l("Position (English)"), validators=[Length(max=300)])
    affiliation_ko = StringField(_l("Affiliation (Korean)"), validators=[Length(max=300)])
    affiliation_en = StringField(_l("Affiliation (English)"), validators=[Length(max=300)])
    country = StringField(_l("Country"), validators=[Length(max=100)])
    bio_ko = TextAreaField(_l("Biography (Korean)"), validators=[Length(max=20000)])
    bio_en = TextAreaField(_l("Biography (English)"), validators=[Length(max=20000)])
    email = StringField(
        _l("Email"),
        description=_l("Private: for the speaker's own mail (their sessions and changes)."),
        validators=[Length(max=254)],
    )
    locale = _Select(
        _l("Language of their mail"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
    )
    connection_details = TextAreaField(
        _l("How they join, for a remote speaker"),
        description=_l("The studio's address, or the video link and passcode: only in their mail."),
        validators=[Length(max=2000)],
    )
    submit = SubmitField(_l("Save"))


class SpeakerLineForm(Form):
    speaker_id = _Select(_l("Speaker"), choices=[])
    role = _Select(_l("Role"), choices=_choices("role", SPEAKER_ROLES), default="presenter")
    position = StringField(_l("Order"), validators=[Length(max=5)])


class SessionForm(FlaskForm):
    revision = HiddenField()
    fingerprint = HiddenField()
    title_ko = StringField(_l("Title (Korean)"), validators=[Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    kind = _Select(_l("Kind"), choices=_choices("session_kind", SESSION_KINDS), default="session")
    format = _Select(_l("Format"), choices=_choices("format", SESSION_FORMATS), default="in_person")
    status = _Select(
        _l("Status"), choices=_choices("session_status", SESSION_STATUSES), default="scheduled"
    )
    language = StringField(
        _l("Language"),
        description=_l("Language codes such as ko, en or ko+en."),
        default="ko",
        validators=[Length(max=16)],
    )
    starts_at = StringField(_l("Starts"), validators=[Length(max=40)])
    ends_at = StringField(_l("Ends"), validators=[Length(max=40)])
    venue_id = _Select(_l("Venue"), choices=[])
    seats = StringField(
        _l("Seats of its own"),
        description=_l(
            "Leave empty when the session is open to every attendee of the forum; "
            "give a number when people book a seat for it."
        ),
        validators=[Length(max=9)],
    )
    reserved_seats = StringField(
        _l("Seats held for invited people"),
        description=_l(
            "Of the seats, how many only speakers, guests, press and staff may take (0: none)."
        ),
        validators=[Length(max=9)],
    )
    parent_id = _Select(_l("Part of the programme block"), choices=[])
    description_ko = TextAreaField(_l("Description (Korean)"), validators=[Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=20000)])
    meeting_point_ko = StringField(_l("Meeting point (Korean)"), validators=[Length(max=300)])
    meeting_point_en = StringField(_l("Meeting point (English)"), validators=[Length(max=300)])
    meeting_at = StringField(_l("Meeting time"), validators=[Length(max=40)])
    meeting_note_ko = TextAreaField(
        _l("Note for the meeting (Korean)"), validators=[Length(max=2000)]
    )
    meeting_note_en = TextAreaField(
        _l("Note for the meeting (English)"), validators=[Length(max=2000)]
    )
    speakers = FieldList(FormField(SpeakerLineForm), label=_l("Speakers"), min_entries=0)
    # Editing a published session: the change notice leaves now instead of after the grouping
    # delay. Its label names the delay (a setting), so the view sets it.
    notify_at_once = BooleanField()
    submit = SubmitField(_l("Save"))

    def speaker_lines(self) -> list[dict]:
        return [
            {
                "speaker_id": entry.form.speaker_id.data or "",
                "role": entry.form.role.data or "",
                "position": entry.form.position.data or "",
            }
            for entry in self.speakers
        ]


def _language_select(empty: str) -> list[tuple[str, str]]:
    """Every ISO 639 language by name in the reader's language, Korean and English first."""
    return [("", empty), *language_choices(current_locale())]


class StreamForm(FlaskForm):
    session_id = _Select(_l("Session"), choices=[])
    platform = StringField(_l("Platform"), validators=[Length(max=60)])
    url = StringField(_l("Address (URL)"), validators=[Length(max=500)])
    kind = _Select(
        _l("What it carries"),
        choices=[SelectChoice(v, STREAM_KIND_LABELS[v]) for v in STREAM_KINDS],
        default="main",
    )
    language = _Select(
        _l("Language of the channel"),
        description=_l("For an interpretation channel or a captioned feed only."),
        choices=[],
    )
    label = StringField(_l("Label in Korean"), validators=[Length(max=200)])
    label_en = StringField(_l("Label in English"), validators=[Length(max=200)])
    visibility = _Select(
        _l("Who sees it"),
        choices=[SelectChoice(v, VISIBILITY_LABELS[v]) for v in STREAM_VISIBILITIES],
        default="public",
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_select(str(_l("None (main or sign-language feed)")))


class ServiceDetailsForm(FlaskForm):
    """What can change on a service of the list: its status, provider and note."""

    status = _Select(
        _l("Status"),
        choices=[SelectChoice(v, SERVICE_STATUS_LABELS[v]) for v in SERVICE_STATUSES],
        default="planned",
    )
    provider = StringField(
        _l("Provider"),
        description=_l("An agency or an interpreter. Only organizers see it."),
        validators=[Length(max=200)],
    )
    note = TextAreaField(
        _l("Note"), description=_l("Only organizers see it."), validators=[Length(max=2000)]
    )
    submit = SubmitField(_l("Save"))


class ServiceForm(ServiceDetailsForm):
    """A new access service for a session."""

    kind = _Select(
        _l("Service"), choices=[SelectChoice(v, SERVICE_KIND_LABELS[v]) for v in SERVICE_KINDS]
    )
    language = _Select(
        _l("Language"),
        description=_l(
            "Interpretation: the language interpreted into. Captions and transcript: the "
            "language written. Sign language: none."
        ),
        choices=[],
    )
    submit = SubmitField(_l("Add the service"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_select(str(_l("None (sign language)")))


class PublishForm(FlaskForm):
    accept = MultiCheckboxField(_l("Accept these conflicts"), choices=[])
    note = TextAreaField(_l("Note (why they are acceptable)"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Publish"))


class AcceptForm(FlaskForm):
    accept = MultiCheckboxField(_l("Accept these conflicts"), choices=[])
    note = TextAreaField(_l("Note (why they are acceptable)"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Accept the ticked conflicts"))


class DeleteForm(FlaskForm):
    """A confirm button (delete, unpublish, withdraw): only its CSRF token and the revision."""

    revision = HiddenField()
    submit = SubmitField(_l("Delete"))


class CancelRegistrationForm(FlaskForm):
    reason = StringField(
        _l("Reason (sent to the person)"), validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField(_l("Cancel this registration"))


class RequeueForm(FlaskForm):
    """Dead messages to try again: those ticked, or (with `every_dead`) all of the forum's."""

    outbox_ids = MultiCheckboxField(_l("Messages to try again"), choices=[], coerce=str)
    every_dead = BooleanField(_l("Every failed message of this forum"))
    registration_id = HiddenField()  # set on a person's page, to come back to it
    submit = SubmitField(_l("Try again"))


class PromoteForm(FlaskForm):
    over_capacity = BooleanField(_l("Admit beyond the capacity if no place is free"))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Promote"))


class ImportForm(FlaskForm):
    """Upload a programme CSV (dry run first); `content` carries the checked file to the
    confirming second step, so it need not be chosen again."""

    file = FileField(_l("Programme file (CSV)"))
    content = HiddenField()
    preview = SubmitField(_l("Check the file"))
    confirm = SubmitField(_l("Import"))


class GuestImportForm(ImportForm):
    file = FileField(_l("Guest list (CSV)"))


class GuestForm(FlaskForm):
    """One invited person, registered by an organizer."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    affiliation = StringField(_l("Affiliation"), validators=[Length(max=200)])
    category = _Select(
        _l("Category"),
        choices=_choices("category", ATTENDEE_CATEGORIES),
        default="guest",
        description=_l("Everyone but the general public may take the places held back."),
    )
    attendance = _Select(_l("Attendance"), choices=_choices("attendance", ATTENDANCE_MODES))
    locale = _Select(
        _l("Language of their mail"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
    )
    session_ids = MultiCheckboxField(_l("Sessions with seats"), choices=[], coerce=str)
    submit = SubmitField(_l("Register and send their mail"))


class CategoryForm(FlaskForm):
    category = _Select(_l("Category"), choices=_choices("category", ATTENDEE_CATEGORIES))
    submit = SubmitField(_l("Change the category"))


class AvailabilityForm(FlaskForm):
    timezone = StringField(
        _l("The speaker's time zone"),
        validators=[Length(max=64)],
        description=_l("An IANA name, such as Asia/Seoul or America/Los_Angeles."),
    )
    windows = TextAreaField(
        _l("Available"),
        validators=[Length(max=5000)],
        description=_l(
            "One window a line, in the speaker's time zone: 2026-09-03 17:00-20:00. Leave it "
            "empty when the speaker can take part at any time of the forum."
        ),
    )
    submit = SubmitField(_l("Save the availability"))


class AvailabilityImportForm(FlaskForm):
    file = FileField(_l("Availability file (CSV)"))
    submit = SubmitField(_l("Import the availability"))


class SolveForm(FlaskForm):
    mode = RadioField(
        _l("What should the solver do?"),
        choices=[
            SelectChoice(
                "repair", _l("Repair: move as few sessions as possible, telling as few people")
            ),
            SelectChoice("propose", _l("Propose: a whole timetable")),
        ],
        validate_choice=False,
    )
    time_limit_s = StringField(
        _l("Time limit (seconds)"),
        validators=[Length(max=10)],
        description=_l("More than 0 and at most 600. The best timetable found by then is shown."),
    )
    pinned = MultiCheckboxField(_l("Keep these sessions where they are"), choices=[])
    submit = SubmitField(_l("Start the search"))


class ApplyProposalForm(FlaskForm):
    sessions = MultiCheckboxField(_l("Moves to apply"), choices=[])
    submit = SubmitField(_l("Apply the ticked moves"))
