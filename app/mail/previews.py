"""Previews of an organizer's message before it is sent: the same context and templates as the
delivery, for a stand-in recipient, in each language a registrant may read."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from app.mail.context import ContextBuilder
from app.models import Forum
from app.registration.announcements import KIND, Draft, reach
from notifications.messages import LOCALES, compose

_STAND_IN = {"ko": "홍길동", "en": "Jane Doe"}


@dataclass(frozen=True)
class Preview:
    reader: str  # the language the registrant chose
    language: str  # the language they get the text in (the other when theirs has none)
    subject: str
    text: str  # the plain-text part, as the person reads it

    @property
    def falls_back(self) -> bool:
        return self.reader != self.language


def announcement_previews(forum: Forum, draft: Draft) -> list[Preview]:
    """The announcement as a Korean and as an English reader would receive it."""
    builder = ContextBuilder()
    announcement = draft.announcement(forum)
    previews = []
    for reader in LOCALES:
        language = announcement.language_for(reader)
        context = builder.announcement_context(
            announcement,
            forum,
            language,
            recipient_name=_STAND_IN[language],
            manage_url=f"{builder.base_url}/manage/…",
        )
        with force_locale(language):
            subject, text, _html = compose(
                KIND, context, locale=language, render=lambda n, c: render_template(n, **c)
            )
        previews.append(Preview(reader, language, subject, text))
    return previews


@dataclass(frozen=True)
class AnnouncementPreview:
    draft: Draft
    reach: int  # people in the segment now: what the send must still find
    previews: list[Preview]


def preview_announcement(forum: Forum, draft: Draft) -> AnnouncementPreview:
    """What the organizer checks before sending: how many people, and what each reads."""
    return AnnouncementPreview(draft, reach(forum, draft), announcement_previews(forum, draft))
