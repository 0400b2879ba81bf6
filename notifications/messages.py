"""Message kinds, their context schema, composition and MIME building.

Templates
---------
Each kind has a plain-text and an HTML template per locale, named

    email/{kind}.{locale}.txt      e.g. email/registration_confirmed.ko.txt
    email/{kind}.{locale}.html     e.g. email/registration_confirmed.en.html

(see `template_names()`). Shared pieces live beside them: `email/_layout.html` (the HTML frame)
and `email/_parts.{locale}.txt|html` (macros for venue, sessions, streams...). Subjects are
`str.format` patterns in `MESSAGE_KINDS`, not templates.

The renderer is injected: `render(template_name, context) -> str`. In the app that is
`lambda name, ctx: flask.render_template(name, **ctx)` (inside an app context); Flask
autoescapes `.html` and not `.txt`, which is exactly what these templates expect. A plain jinja2
environment must do the same: `autoescape=select_autoescape(["html"])`. The HTML templates
never use `|safe`: every value from the context is escaped.

Context
-------
Callers pass already-formatted, already-localised strings (dates in the forum's time zone,
titles in the message's language). `MESSAGE_KINDS[kind]["required"]` lists the keys that must
be present, `MESSAGE_KINDS[kind]["optional"]` the others with their defaults, and
`CONTEXT_KEYS` describes every key. Nested items (`venue`, `streams`, `sessions`, `changes`)
are plain dicts whose keys are in `VENUE_KEYS`, `STREAM_KEYS`, `SESSION_KEYS`, `CHANGE_KEYS`.
`compose()` rejects unknown or missing keys (a typo would otherwise silently drop a link), fills
in defaults, and adds `locale`, `kind` and `subject` for the templates.
"""

from __future__ import annotations

import base64
import email.policy
import functools
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, NamedTuple

#: `render(template_name, context) -> str`, e.g. wrapping `flask.render_template`.
Render = Callable[[str, Mapping[str, Any]], str]

LOCALES: tuple[str, ...] = ("ko", "en")


class _FoldedOnce(BaseHeader):
    """A header that keeps its folded form. Folding reads only these three settings of the
    policy, and the generator clones the policy for every MIME part, so they are the key."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        key = (policy.linesep, policy.max_line_length, getattr(policy, "utf8", False))
        folds = self.__dict__.setdefault("_folds", {})
        folded = folds.get(key)
        if folded is None:
            folded = folds[key] = super().fold(policy=policy)
        return folded


class _HeaderFactory(HeaderRegistry):
    """The stdlib's header factory, with what it redoes for every header done once.

    The stock registry makes a new class for each header it parses and parses every value
    afresh; a message has some twenty headers, most of them the same in every message of a
    batch (`Content-Type: text/plain; charset="utf-8"`, `MIME-Version`, `From`), and parsing
    them was most of the cost of building one. Header objects are immutable, so equal values
    of those share one parsed object (each keeping its folded form); the headers that differ
    per person (To, Subject, Message-ID, Date) are parsed as before and not kept.
    """

    SHARED = frozenset(
        (
            "auto-submitted",
            "content-disposition",
            "content-id",
            "content-transfer-encoding",
            "content-type",
            "from",
            "mime-version",
            "reply-to",
        )
    )

    def __init__(self) -> None:
        super().__init__(base_class=_FoldedOnce)
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if type(value) is str and name.lower() in self.SHARED:
            return _shared_header(self, name, value)
        return self[name](name, value)


@functools.lru_cache(maxsize=512)
def _shared_header(factory: _HeaderFactory, name: str, value: str) -> BaseHeader:
    return factory[name](name, value)


# 7bit makes the email package pick quoted-printable or base64 for non-ASCII bodies, so the
# message never depends on the server offering 8BITMIME. SMTP policy: CRLF line endings.
POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HeaderFactory())

ATTENDANCE_MODES = ("in_person", "online")
SESSION_STATUSES = ("confirmed", "waitlisted", "cancelled")
CHANGE_FIELDS = ("time", "venue", "format", "title", "meeting", "status")
CANCELLED_BY = ("self", "organizer")
SERVICE_ANSWERS = ("confirmed", "declined")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


_REQUIRED: Any = _Required()  # marks a required key in the nested-item schemas below

#: Keys of a `venue` dict. Only `name` is required; empty strings are not shown.
VENUE_KEYS: Mapping[str, Any] = {
    "name": _REQUIRED,  # "서울시청 다목적홀" / "Seoul City Hall, Multipurpose Hall"
    "building": "",
    "floor": "",  # "8층" / "8F"
    "room": "",
    "address": "",  # street address
    "access_notes": "",  # directions, entrance, accessibility
    "map_url": "",
}
#: Keys of each `streams` item.
STREAM_KEYS: Mapping[str, Any] = {
    "label": _REQUIRED,  # "YouTube (한국어)" / "Zoom webinar"
    "url": _REQUIRED,
    "registrants_only": False,  # shown with a "do not share" note
    "kind": "main",  # main, interpretation, sign, captions: what the stream carries
    # The channel's or the captions' language, named in the message's language ("English",
    # "영어"), so the mail can say "English interpretation"; empty for none.
    "language": "",
}
#: Keys of each `sessions` item (the recipient's own sessions).
SESSION_KEYS: Mapping[str, Any] = {
    "title": _REQUIRED,
    "when": _REQUIRED,  # "5월 14일 (수) 10:00–11:30"
    "where": "",  # room or "온라인"; empty hides it
    "status": _REQUIRED,  # one of SESSION_STATUSES
    "position": None,  # waitlist position (int >= 1) when status == "waitlisted"
    "meeting": "",  # a tour's meeting point, "13:30, 서울시청 동문"; empty hides it
    "meeting_note": "",  # what to bring, where the bus waits…
}
#: Keys of each `speaker_sessions` item (the sessions a speaker appears in).
SPEAKER_SESSION_KEYS: Mapping[str, Any] = {
    "title": _REQUIRED,
    "when": _REQUIRED,  # "5월 14일 (수) 10:00–11:30"
    "where": "",  # room, or empty (online only)
    "role": _REQUIRED,  # "기조연설" / "Moderator", already in the message's language
    "format": _REQUIRED,  # "현장" / "Online" / "Hybrid", already in the message's language
    "cancelled": False,
    "meeting": "",  # a tour's meeting point
}
#: Keys of each `changes` item of `session_changed`.
CHANGE_KEYS: Mapping[str, Any] = {
    "field": _REQUIRED,  # one of CHANGE_FIELDS
    "old": "",  # formatted old value
    "new": "",  # formatted new value
}

#: What each context key means. Every key used by a kind is described here.
CONTEXT_KEYS: Mapping[str, str] = {
    "recipient_name": "str: how to greet the recipient, e.g. '홍길동' or 'Jane Doe'.",
    "forum_title": "str: the forum's title in the message's locale.",
    "when": "str: the forum's date and time, formatted in the forum's time zone.",
    "attendance_mode": "str: 'in_person' or 'online' (how this person attends).",
    "confirmation_code": "str: the registration's confirmation code, shown at check-in.",
    "manage_url": "str (http/https): the registrant's private manage page, when a token is at "
    "hand; without it the mail points to the link in the confirmation email.",
    "forum_url": "str (http/https): a public page to go with a mail that has no manage link.",
    "calendar_url": "str | None (http/https/webcal): the personal calendar feed or .ics link.",
    "venue": "dict | None: see VENUE_KEYS; None for online-only forums.",
    "qr_src": (
        "str | None: src of the check-in QR <img>: best cid:<id> with the image passed as an "
        "InlineImage of that id (webmail that drops data: images shows those), else an https "
        "URL or a data:image/... URI. Alternatively pass qr_svg (SVG markup), which compose() "
        "turns into a data: URI. The text version shows the confirmation code instead."
    ),
    "streams": (
        "list[dict]: livestreams the recipient may watch (see STREAM_KEYS); the caller "
        "decides which, e.g. registrants-only links only for confirmed registrants."
    ),
    "sessions": "list[dict]: the recipient's sessions with their status, see SESSION_KEYS.",
    "position": "int >= 1: waitlist position.",
    "promoted_session": (
        "str | None: title of the session whose seat opened up; None when the forum "
        "registration itself was promoted."
    ),
    "cancelled_by": "str: 'self' (the registrant cancelled) or 'organizer'.",
    "reason": "str | None: why the organiser cancelled, shown verbatim.",
    "register_url": "str | None (http/https): where to register again.",
    "session_title": "str: the changed session's title.",
    "cancelled": "bool: the session was cancelled (then `changes` may be empty).",
    "changes": "list[dict]: what changed, old -> new, see CHANGE_KEYS.",
    "note": "str | None: a free-text note from the organiser.",
    "contact_email": "str | None: organiser contact shown in the footer.",
    "speaker_sessions": "list[dict]: the sessions a speaker appears in, see SPEAKER_SESSION_KEYS.",
    "connection_details": "str | None: how a remote speaker joins (studio address, video link).",
    "feed_url": "str | None (http/https/webcal): the speaker's public calendar feed.",
    "headline": "str: an organizer's announcement subject, as written (one line).",
    "message": "str: an organizer's announcement text, as written; blank lines part paragraphs.",
    "certificate_code": "str: a certificate's verification code, ABCD-EFGH-JKMN.",
    "verify_url": "str (http/https): the public page that checks a certificate's code.",
    "survey_url": "str (http/https): the person's own feedback survey.",
    "prompt": "str: a comment event's sentence to complete, in the message's language.",
    "comment": "str: the participant's comment, as written.",
    "confirm_url": "str (http/https): the link that confirms a comment event entry's address.",
    "wall_url": "str (http/https): the comment event's public page.",
    "reward_note": "str | None: what the organizer promised participants, as written.",
    "prize": "str: what a draw's winner receives, in the message's language.",
    "draw_url": "str (http/https): the public page of a draw, with its inputs to check it.",
    "service": "str: an access service in the message's language, e.g. '한국수어 통역' or "
    "'Interpretation into English'.",
    "answer": "str: the organizers' answer to a request for a service: 'confirmed' or 'declined'.",
}

_COMMON_OPTIONAL: Mapping[str, Any] = {"contact_email": None, "forum_url": None}
# Mails sent without a fresh manage token (a promotion, a change, a reminder) point to the
# link in the confirmation email instead of inventing one.
_NO_TOKEN_OPTIONAL: Mapping[str, Any] = {"manage_url": None}
_DETAILS_OPTIONAL: Mapping[str, Any] = {
    "venue": None,
    "qr_src": None,
    "calendar_url": None,
    "streams": (),
    "sessions": (),
}

#: The message kinds: subject patterns (str.format over the context), required keys and
#: optional keys with defaults. `session_changed` uses `subject_cancelled` when `cancelled`.
MESSAGE_KINDS: Mapping[str, Mapping[str, Any]] = {
    "registration_confirmed": {
        "doc": "The registration is confirmed: everything needed to attend.",
        "subject": {
            "ko": "[{forum_title}] 등록이 확정되었습니다",
            "en": "Registration confirmed: {forum_title}",
        },
        "required": (
            "recipient_name",
            "forum_title",
            "when",
            "attendance_mode",
            "confirmation_code",
        ),
        "optional": {**_NO_TOKEN_OPTIONAL, **_DETAILS_OPTIONAL, **_COMMON_OPTIONAL},
    },
    "registration_waitlisted": {
        "doc": "The forum is full: the person is on the waitlist at `position`.",
        "subject": {
            "ko": "[{forum_title}] 대기자 명단에 등록되었습니다 (대기 {position}번)",
            "en": "You're on the waitlist (#{position}): {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "when", "position", "manage_url"),
        "optional": {"confirmation_code": None, "sessions": (), **_COMMON_OPTIONAL},
    },
    "waitlist_promoted": {
        "doc": "A seat opened up: the waitlisted registration (or one session) is confirmed.",
        "subject": {
            "ko": "[{forum_title}] 대기 중이던 참가가 확정되었습니다",
            "en": "A seat opened up, you're confirmed: {forum_title}",
        },
        "required": (
            "recipient_name",
            "forum_title",
            "when",
            "attendance_mode",
            "confirmation_code",
        ),
        "optional": {
            "promoted_session": None,
            **_NO_TOKEN_OPTIONAL,
            **_DETAILS_OPTIONAL,
            **_COMMON_OPTIONAL,
        },
    },
    "registration_cancelled": {
        "doc": "The registration was cancelled, by the registrant or the organiser.",
        "subject": {
            "ko": "[{forum_title}] 등록이 취소되었습니다",
            "en": "Registration cancelled: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "when"),
        "optional": {
            "cancelled_by": "self",
            "reason": None,
            "register_url": None,
            **_COMMON_OPTIONAL,
        },
    },
    "manage_link": {
        "doc": (
            "Someone tried to register again with this address: send the existing manage "
            "link to the address on file (and nothing else, it may not be them)."
        ),
        "subject": {
            "ko": "[{forum_title}] 등록 관리 링크 안내",
            "en": "Your registration link: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "manage_url"),
        "optional": {"when": None, **_COMMON_OPTIONAL},
    },
    "session_changed": {
        "doc": "A session the person signed up for moved, was rescheduled or was cancelled.",
        "subject": {
            "ko": "[{forum_title}] 세션 변경 안내: {session_title}",
            "en": "Session update: {session_title} ({forum_title})",
        },
        "subject_cancelled": {
            "ko": "[{forum_title}] 세션 취소 안내: {session_title}",
            "en": "Session cancelled: {session_title} ({forum_title})",
        },
        "required": ("recipient_name", "forum_title", "session_title"),
        "optional": {
            **_NO_TOKEN_OPTIONAL,
            "cancelled": False,
            "changes": (),
            "note": None,
            "calendar_url": None,
            **_COMMON_OPTIONAL,
        },
    },
    "speaker_programme": {
        "doc": "A speaker's own programme: their sessions, rooms, times and how they join.",
        "subject": {
            "ko": "[{forum_title}] 연사 일정 안내",
            "en": "Your sessions as a speaker: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "when", "speaker_sessions"),
        "optional": {"connection_details": None, "feed_url": None, **_COMMON_OPTIONAL},
    },
    "speaker_session_changed": {
        "doc": "A session a speaker appears in moved, changed or was cancelled.",
        "subject": {
            "ko": "[{forum_title}] 연사 세션 변경 안내: {session_title}",
            "en": "Your session has changed: {session_title} ({forum_title})",
        },
        "subject_cancelled": {
            "ko": "[{forum_title}] 연사 세션 취소 안내: {session_title}",
            "en": "Your session is cancelled: {session_title} ({forum_title})",
        },
        "required": ("recipient_name", "forum_title", "session_title"),
        "optional": {
            "cancelled": False,
            "changes": (),
            "note": None,
            "feed_url": None,
            "connection_details": None,
            **_COMMON_OPTIONAL,
        },
    },
    "announcement": {
        "doc": "An organizer's message to a group of registrants, with the person's own link.",
        "subject": {
            "ko": "[{forum_title}] {headline}",
            "en": "{headline} ({forum_title})",
        },
        "required": ("recipient_name", "forum_title", "headline", "message", "manage_url"),
        "optional": {**_COMMON_OPTIONAL},
    },
    "certificate": {
        "doc": "After the forum: the certificate of attendance, attached as a PDF.",
        "subject": {
            "ko": "[{forum_title}] 참석 확인서",
            "en": "Your certificate of attendance: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "certificate_code", "verify_url"),
        "optional": {"when": None, **_COMMON_OPTIONAL},
    },
    "feedback_request": {
        "doc": "The day after the forum: a short survey, answered once through the person's link.",
        "subject": {
            "ko": "[{forum_title}] 참석 소감을 들려주세요",
            "en": "How was {forum_title}? A two-minute survey",
        },
        "required": ("recipient_name", "forum_title", "survey_url"),
        "optional": {**_COMMON_OPTIONAL},
    },
    "comment_confirm": {
        "doc": "A comment event's double opt-in: the link that confirms the address.",
        "subject": {
            "ko": "[{forum_title}] 댓글 참여를 확인해 주세요",
            "en": "Confirm your comment: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "prompt", "comment", "confirm_url"),
        "optional": {**_COMMON_OPTIONAL},
    },
    "comment_thanks": {
        "doc": "A comment event's entry is confirmed: what the event promised participants.",
        "subject": {
            "ko": "[{forum_title}] 댓글 이벤트에 참여해 주셔서 감사합니다",
            "en": "Thank you for taking part: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "prompt", "comment", "wall_url"),
        "optional": {"streams": (), "reward_note": None, **_COMMON_OPTIONAL},
    },
    "draw_won": {
        "doc": "A comment event's draw: the person won a prize.",
        "subject": {
            "ko": "[{forum_title}] 댓글 이벤트에 당첨되셨습니다",
            "en": "You won a prize: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "prize", "draw_url"),
        "optional": {**_COMMON_OPTIONAL},
    },
    "service_answer": {
        "doc": "The organizers answered a request for an access service in one session: it "
        "will be provided (confirmed) or cannot be (declined), with their note.",
        "subject": {
            "ko": "[{forum_title}] 요청하신 {service} 안내",
            "en": "Your request for {service}: {forum_title}",
        },
        "required": ("recipient_name", "forum_title", "session_title", "service", "answer"),
        "optional": {"when": None, "note": None, **_NO_TOKEN_OPTIONAL, **_COMMON_OPTIONAL},
    },
    "reminder": {
        "doc": "Sent the day before the forum: when, where, code and links again.",
        "subject": {
            "ko": "[{forum_title}] 내일 행사가 열립니다",
            "en": "Reminder: {forum_title} is tomorrow",
        },
        "required": (
            "recipient_name",
            "forum_title",
            "when",
            "attendance_mode",
            "confirmation_code",
        ),
        "optional": {**_NO_TOKEN_OPTIONAL, **_DETAILS_OPTIONAL, **_COMMON_OPTIONAL},
    },
}

_RESERVED_CONTEXT = ("locale", "kind", "subject")
_URL_KEYS = {  # key -> nullable
    "manage_url": True,
    "forum_url": True,
    "register_url": True,
    "calendar_url": True,
    "feed_url": True,
    "verify_url": False,
    "survey_url": False,
    "confirm_url": False,
    "wall_url": False,
    "draw_url": False,
}
_URL_SCHEMES = ("http://", "https://")
_CALENDAR_SCHEMES = ("http://", "https://", "webcal://")


class Composed(NamedTuple):
    subject: str
    text: str
    html: str


def template_names(kind: str, locale: str) -> tuple[str, str]:
    """The (text, html) template names for `kind` in `locale`."""
    return f"email/{kind}.{locale}.txt", f"email/{kind}.{locale}.html"


def compose(kind: str, context: Mapping[str, Any], *, locale: str, render: Render) -> Composed:
    """Render the subject, plain-text body and HTML body of one message.

    Raises ValueError for an unknown kind or locale and for a context that does not match the
    kind's schema (missing or unknown keys, bad enum values, non-http links).
    """
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}; expected one of {sorted(MESSAGE_KINDS)}")
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; expected one of {LOCALES}")
    spec = MESSAGE_KINDS[kind]
    ctx = _normalise_context(kind, spec, context)

    patterns = spec["subject"]
    if "subject_cancelled" in spec and ctx["cancelled"]:
        patterns = spec["subject_cancelled"]
    subject = _one_line(patterns[locale].format_map(ctx))

    ctx.update(locale=locale, kind=kind, subject=subject)
    text_name, html_name = template_names(kind, locale)
    text = _tidy_text(render(text_name, ctx))
    html = render(html_name, ctx).strip() + "\n"
    return Composed(subject, text, html)


def _normalise_context(kind: str, spec: Mapping[str, Any], context: Mapping[str, Any]) -> dict:
    ctx = dict(context)
    # qr_svg is a convenience: turned into a data: URI so the templates never need |safe.
    if "qr_svg" in ctx and "qr_src" in spec["optional"]:
        svg = ctx.pop("qr_svg")
        if svg and not ctx.get("qr_src"):
            ctx["qr_src"] = "data:image/svg+xml;base64," + base64.b64encode(
                str(svg).encode("utf-8")
            ).decode("ascii")
    reserved = [k for k in _RESERVED_CONTEXT if k in ctx]
    if reserved:
        raise ValueError(f"{kind}: context keys {reserved} are set by compose()")
    allowed = set(spec["required"]) | set(spec["optional"])
    unknown = sorted(set(ctx) - allowed)
    if unknown:
        raise ValueError(f"{kind}: unknown context keys {unknown}; allowed: {sorted(allowed)}")
    missing = [k for k in spec["required"] if ctx.get(k) in (None, "")]
    if missing:
        raise ValueError(f"{kind}: missing context keys {missing}")
    for key, default in spec["optional"].items():
        if ctx.get(key) is None:
            ctx[key] = list(default) if isinstance(default, tuple) else default

    for key, nullable in _URL_KEYS.items():
        if key in ctx and not (nullable and ctx[key] is None):
            calendar = key in ("calendar_url", "feed_url")
            schemes = _CALENDAR_SCHEMES if calendar else _URL_SCHEMES
            _check_url(kind, key, ctx[key], schemes)
    if ctx.get("qr_src") is not None:
        _check_url(kind, "qr_src", ctx["qr_src"], ("cid:", "https://", "data:image/"))
    _check_choice(kind, ctx, "attendance_mode", ATTENDANCE_MODES)
    _check_choice(kind, ctx, "cancelled_by", CANCELLED_BY)
    _check_choice(kind, ctx, "answer", SERVICE_ANSWERS)
    if "position" in ctx:
        _check_position(kind, "position", ctx["position"])
    if "cancelled" in ctx:
        ctx["cancelled"] = bool(ctx["cancelled"])
    if ctx.get("contact_email"):
        ctx["contact_email"] = mailbox(ctx["contact_email"]).addr_spec  # used in mailto: links

    if ctx.get("venue") is not None:
        ctx["venue"] = _item(kind, "venue", ctx["venue"], VENUE_KEYS)
        if ctx["venue"]["map_url"]:
            _check_url(kind, "venue.map_url", ctx["venue"]["map_url"], _URL_SCHEMES)
    for key, schema in (
        ("streams", STREAM_KEYS),
        ("sessions", SESSION_KEYS),
        ("speaker_sessions", SPEAKER_SESSION_KEYS),
    ):
        if key in ctx:
            ctx[key] = [_item(kind, key, it, schema) for it in _items(kind, key, ctx[key])]
    for stream in ctx.get("streams", ()):
        _check_url(kind, "streams.url", stream["url"], _URL_SCHEMES)
        stream["registrants_only"] = bool(stream["registrants_only"])
    for sess in ctx.get("sessions", ()):
        _check_choice(kind, sess, "status", SESSION_STATUSES, where="sessions.")
        if sess["status"] == "waitlisted":
            _check_position(kind, "sessions.position", sess["position"])
    if "changes" in ctx:
        ctx["changes"] = [
            _item(kind, "changes", c, CHANGE_KEYS) for c in _items(kind, "changes", ctx["changes"])
        ]
        for change in ctx["changes"]:
            _check_choice(kind, change, "field", CHANGE_FIELDS, where="changes.")
        if not ctx["cancelled"] and not ctx["changes"]:
            raise ValueError(f"{kind}: pass `changes` or cancelled=True")
    return ctx


def _items(kind: str, key: str, value: Any) -> Sequence[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ValueError(f"{kind}: {key} must be a list of dicts")
    return value


def _item(kind: str, key: str, value: Any, schema: Mapping[str, Any]) -> dict:
    if not isinstance(value, Mapping):
        raise ValueError(f"{kind}: {key} items must be dicts, got {type(value).__name__}")
    unknown = sorted(set(value) - set(schema))
    if unknown:
        raise ValueError(f"{kind}: unknown {key} keys {unknown}; allowed: {sorted(schema)}")
    out = {}
    for name, default in schema.items():
        got = value.get(name)
        if default is _REQUIRED:
            if got in (None, ""):
                raise ValueError(f"{kind}: {key} item is missing {name!r}")
            out[name] = got
        else:
            out[name] = default if got is None else got
    return out


def _check_url(kind: str, key: str, value: Any, schemes: tuple[str, ...]) -> None:
    # Links end up in href/src: refuse javascript: and friends even though they are escaped.
    if not isinstance(value, str) or not value.lower().startswith(schemes):
        raise ValueError(f"{kind}: {key} must start with one of {schemes}, got {value!r}")


def _check_choice(
    kind: str, ctx: Mapping[str, Any], key: str, choices: tuple[str, ...], where: str = ""
) -> None:
    if key in ctx and ctx[key] not in choices:
        raise ValueError(f"{kind}: {where}{key} must be one of {choices}, got {ctx[key]!r}")


def _check_position(kind: str, key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{kind}: {key} must be an int >= 1, got {value!r}")


def _tidy_text(text: str) -> str:
    # Templates are rendered with Flask's defaults (no trim_blocks), so tidy the plain text:
    # no trailing spaces, at most one blank line in a row.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


# --- Outgoing messages -------------------------------------------------------------------------

_ICS_METHOD = re.compile(r"^METHOD(?:;[^:]*)?:(.*)$", re.IGNORECASE | re.MULTILINE)
_MIMETYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
# Headers to_email_message() sets itself; extra headers may not override them.
_OWN_HEADERS = frozenset(
    h.lower()
    for h in (
        "Message-ID",
        "Date",
        "From",
        "To",
        "Cc",
        "Bcc",
        "Reply-To",
        "Sender",
        "Subject",
        "Auto-Submitted",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
    )
)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message.

    For `text/calendar` the Content-Type `method` parameter must equal the METHOD property
    inside the calendar (RFC 6047); when `method` is None it is read from the content.
    """

    filename: str
    content: bytes
    mimetype: str = "text/calendar"
    method: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.content, bytes):
            raise TypeError("Attachment.content must be bytes")
        if not _MIMETYPE.match(self.mimetype):
            raise ValueError(f"bad mimetype {self.mimetype!r}")
        if self.mimetype != "text/calendar":
            if self.method is not None:
                raise ValueError("method is only meaningful for text/calendar")
            return
        found = _ics_method(self.content)
        if self.method is None:
            object.__setattr__(self, "method", found)
        elif found is None or self.method.upper() != found:
            raise ValueError(f"method={self.method!r} but the calendar says METHOD:{found}")
        else:
            object.__setattr__(self, "method", found)


_CONTENT_ID = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$")


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows with `<img src="cid:{cid}">`: sent in a multipart/related with
    the HTML, which webmail (Gmail among them) displays where it drops data: URIs."""

    cid: str  # "name@domain", without the angle brackets
    content: bytes
    mimetype: str = "image/png"
    filename: str = "image.png"

    def __post_init__(self) -> None:
        if not isinstance(self.content, bytes):
            raise TypeError("InlineImage.content must be bytes")
        if not _CONTENT_ID.match(self.cid):
            raise ValueError(f"bad Content-ID {self.cid!r}")
        if not self.mimetype.startswith("image/") or not _MIMETYPE.match(self.mimetype):
            raise ValueError(f"bad image type {self.mimetype!r}")


def _ics_method(content: bytes) -> str | None:
    unfolded = re.sub(r"\r?\n[ \t]", "", content.decode("utf-8", errors="replace"))
    match = _ICS_METHOD.search(unfolded)
    return match.group(1).strip().upper() if match else None


def calendar_attachment(ics: bytes | str, filename: str = "invite.ics") -> Attachment:
    """A text/calendar attachment whose `method` is taken from the calendar's METHOD."""
    data = ics.encode("utf-8") if isinstance(ics, str) else ics
    return Attachment(filename=filename, content=data, mimetype="text/calendar")


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    """A fully composed message, ready to hand to a `Sender`.

    `to` is one address ("a@b.kr"; "Name <a@b.kr>" is accepted too); the display name comes
    from `to_name`. `from_addr` and `reply_to` may be "Name <addr>". Header values are made
    single-line when the MIME message is built, so names and titles cannot inject headers.
    """

    message_id: str  # "<hex@domain>", fixed when the message is queued (see make_message_id)
    to: str
    subject: str
    text: str
    html: str
    from_addr: str
    date: datetime  # timezone-aware
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    inline_images: tuple[InlineImage, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers, e.g. List-Id
    to_name: str = ""

    def __post_init__(self) -> None:
        if self.date.tzinfo is None or self.date.utcoffset() is None:
            raise ValueError("OutgoingMessage.date must be timezone-aware")
        if not _MESSAGE_ID.match(self.message_id):
            raise ValueError(f"bad Message-ID {self.message_id!r}; use make_message_id()")
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "inline_images", tuple(self.inline_images))


def make_message_id(domain: str) -> str:
    """A fresh Message-ID, `<32 random hex digits@domain>`."""
    domain = domain.strip()
    if not domain or _CONTROL.search(domain) or re.search(r"[<>@\s]", domain):
        raise ValueError(f"bad Message-ID domain {domain!r}")
    return f"<{secrets.token_hex(16)}@{domain}>"


def build_message(
    kind: str,
    context: Mapping[str, Any],
    *,
    locale: str,
    render: Render,
    message_id: str,
    to: str,
    from_addr: str,
    to_name: str = "",
    reply_to: str | None = None,
    date: datetime | None = None,
    attachments: Sequence[Attachment] = (),
    inline_images: Sequence[InlineImage] = (),
    headers: Mapping[str, str] | None = None,
) -> OutgoingMessage:
    """compose() and wrap the result in an OutgoingMessage (date defaults to now, UTC)."""
    subject, text, html = compose(kind, context, locale=locale, render=render)
    return OutgoingMessage(
        message_id=message_id,
        to=to,
        to_name=to_name,
        subject=subject,
        text=text,
        html=html,
        from_addr=from_addr,
        reply_to=reply_to,
        date=date or datetime.now(UTC),
        attachments=tuple(attachments),
        inline_images=tuple(inline_images),
        headers=dict(headers or {}),
    )


def _one_line(value: str) -> str:
    """A header-safe value: control characters (CR, LF, ...) become spaces, runs collapse."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def _idna(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"bad email domain {domain!r}") from exc


@functools.lru_cache(maxsize=4096)
def mailbox(value: str, display_name: str = "") -> Address:
    """Parse exactly one address ("a@b" or "Name <a@b>") into a header-safe `Address`.

    `display_name`, when given, replaces the parsed one. Raises ValueError for anything that is
    not a single address (e.g. "a@b, c@d"). Cached: the stdlib's header parser is slow, and
    each message needs the same sender and reply-to addresses several times. (`Address` is
    immutable.)
    """
    try:
        parsed = POLICY.header_factory("To", _one_line(value))
        addresses = parsed.addresses
    except (IndexError, ValueError) as exc:  # the stdlib parser raises IndexError on "a@"
        raise ValueError(f"not an email address: {value!r}") from exc
    # A non-ASCII local part is fine (it goes out with SMTPUTF8); any other defect is not.
    defects = [d for d in parsed.defects if not isinstance(d, errors.NonASCIILocalPartDefect)]
    if len(addresses) != 1 or defects:
        raise ValueError(f"not a single email address: {value!r}")
    addr = addresses[0]
    if not addr.username or not addr.domain:
        raise ValueError(f"not a complete email address: {value!r}")
    name = _one_line(display_name) or addr.display_name
    return Address(display_name=name, username=addr.username, domain=_idna(addr.domain))


def _transfer_encoding(body: str) -> str | None:
    """None (the email package's choice, 7bit) for ASCII text in short lines, else base64.
    Left to itself the package picks quoted-printable for mostly-ASCII text, and encodes it in
    Python at several times the cost of base64, which is encoded in C."""
    if body.isascii() and all(len(line) <= POLICY.max_line_length for line in body.splitlines()):
        return None
    return "base64"


def new_boundary() -> str:
    """A random multipart boundary for the messages of one batch (see `to_email_message`)."""
    return f"=_{secrets.token_hex(16)}"


def to_email_message(msg: OutgoingMessage, *, boundary: str | None = None) -> EmailMessage:
    """Build the MIME message.

    multipart/alternative (text/plain, then text/html); with attachments that is wrapped in
    multipart/mixed. Non-ASCII headers are RFC 2047 encoded on output. Raises ValueError for
    unusable addresses or extra headers.

    `boundary` (from `new_boundary()`, fresh when None) names the multipart boundaries. A
    sender gives the messages of one batch the same one, chosen after their text was fixed, so
    no text can contain it; their part headers are then equal and parsed once. Choosing it here
    also spares the generator its search of every body for a boundary that does not occur
    ("=_" cannot appear in base64 or quoted-printable, 128 random bits not by chance in 7bit).
    """
    boundary = boundary or new_boundary()
    em = EmailMessage(policy=POLICY)
    em["Message-ID"] = msg.message_id
    em["Date"] = format_datetime(msg.date)  # numeric zone, e.g. +0900
    em["From"] = mailbox(msg.from_addr)
    em["To"] = mailbox(msg.to, msg.to_name)
    if msg.reply_to:
        em["Reply-To"] = mailbox(msg.reply_to)
    em["Subject"] = _one_line(msg.subject)
    em["Auto-Submitted"] = "auto-generated"  # RFC 3834: tells autoresponders not to reply
    for name, value in msg.headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in _OWN_HEADERS:
            raise ValueError(f"extra header {name!r} is not allowed")
        em[name] = _one_line(value)

    em.set_content(msg.text, cte=_transfer_encoding(msg.text))
    em.make_alternative(boundary=f"{boundary}.a")
    em.add_alternative(msg.html, subtype="html", cte=_transfer_encoding(msg.html))
    if msg.inline_images:
        html = em.get_body(preferencelist=("html",))
        html.make_related(boundary=f"{boundary}.r")
        for image in msg.inline_images:  # the HTML part becomes multipart/related
            maintype, subtype = image.mimetype.split("/", 1)
            html.add_related(
                image.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=_one_line(image.filename) or "image",
            )
    if msg.attachments:
        em.make_mixed(boundary=f"{boundary}.m")
    for att in msg.attachments:
        maintype, subtype = att.mimetype.split("/", 1)
        params = {}
        if att.mimetype == "text/calendar":
            params["charset"] = "utf-8"
            if att.method:
                params["method"] = att.method
        filename = _one_line(att.filename).replace("/", "_").replace("\\", "_") or "attachment"
        em.add_attachment(
            att.content, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    # add_alternative/add_attachment stamp MIME-Version on sub-parts; it belongs on top only.
    for part in em.walk():
        if part is not em:
            del part["MIME-Version"]
    return em
