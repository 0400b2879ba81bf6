"""Read-only forum data: GET /api/v1/forums and /api/v1/forums/<slug>.

Only published forums; only public stream links. Every instant is given twice: ISO 8601 with
the offset of the forum's zone (`starts_at`) and in UTC (`starts_at_utc`, ending in Z). The
fields are the models' of app/web/api/schemas/forums.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from app.core.errors import NotFound
from app.programme import views as programme
from app.programme.views import (
    ForumListEntry,
    ForumView,
    ProgrammeItem,
    RegistrationState,
    ServiceView,
    StreamView,
)
from app.web.api.bodies import respond
from app.web.api.openapi import Answer, operation
from app.web.api.schemas import forums as schemas
from app.web.api.schemas.base import Bilingual
from scheduling.types import Bilingual as BilingualText
from scheduling.types import SpeakerRole, VenueInfo


@operation(
    "/forums",
    "GET",
    operation_id="listForums",
    tag="forums",
    summary="Published forums",
    description="Upcoming forums first (by first day), then past ones (latest first). Drafts "
    "are never listed.",
    responses={200: Answer("The forums.", schemas.ForumList)},
)
def list_forums():
    listing = programme.published_forums(datetime.now(UTC))
    base = current_app.config["BASE_URL"]
    return respond(
        schemas.ForumList(forums=[forum_summary(entry, base_url=base) for entry in listing.all])
    )


@operation(
    "/forums/<slug>",
    "GET",
    operation_id="getForum",
    tag="forums",
    summary="A published forum with its programme",
    description="Days, venues, speakers, sessions with speakers and roles, public stream "
    "links, seats. Times are given in the forum's zone and in UTC.",
    responses={
        200: Answer("The forum.", schemas.ForumDetail),
        404: Answer("No published forum has this slug."),
    },
)
def get_forum(slug: str):
    base = current_app.config["BASE_URL"]
    view = programme.forum_view(slug, base_url=base, now=datetime.now(UTC))
    if view is None:
        raise NotFound(_("No published forum has this slug."))
    return respond(forum_detail(view, base_url=base))


# -- serialisation ----------------------------------------------------------------------------


def local_iso(value: datetime | None, tz: str) -> str | None:
    """ISO 8601 with the zone's offset: 2018-09-19T10:30:00+09:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()


def utc_iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z: 2018-09-19T01:30:00Z."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def bilingual(text: BilingualText) -> Bilingual:
    return Bilingual(ko=text.ko, en=text.en)


def registration_window(
    reg: RegistrationState, tz: str, onsite: bool
) -> schemas.RegistrationWindow:
    return schemas.RegistrationWindow(
        state=reg.state,
        opens_at=local_iso(reg.opens, tz),
        opens_at_utc=utc_iso(reg.opens),
        closes_at=local_iso(reg.closes, tz),
        closes_at_utc=utc_iso(reg.closes),
        onsite=onsite,
    )


def _api_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/forums/{slug}"


def forum_summary(entry: ForumListEntry, *, base_url: str) -> schemas.ForumSummary:
    forum = entry.forum
    return schemas.ForumSummary(
        slug=forum.slug,
        title=Bilingual(ko=forum.title_ko, en=forum.title_en),
        theme=Bilingual(ko=forum.theme_ko, en=forum.theme_en),
        timezone=forum.timezone,
        first_day=forum.first_day.isoformat(),
        last_day=forum.last_day.isoformat(),
        format=forum.format,
        upcoming=entry.upcoming,
        registration=registration_window(
            entry.registration, forum.timezone, forum.onsite_registration
        ),
        url=base_url.rstrip("/") + programme.forum_path(forum.slug),
        api_url=_api_url(base_url, forum.slug),
    )


def venue(info: VenueInfo, *, slug: str, base_url: str) -> schemas.Venue:
    return schemas.Venue(
        id=info.id,
        name=bilingual(info.name),
        kind=info.kind,
        building=bilingual(info.building),
        floor=bilingual(info.floor),
        room=bilingual(info.room),
        address=bilingual(info.address),
        seats=info.seats,
        accessibility=bilingual(info.accessibility),
        map_url=info.map_url or None,
        url=base_url.rstrip("/") + programme.venue_path(slug, info.id),
    )


def stream(view: StreamView) -> schemas.Stream:
    return schemas.Stream(
        platform=view.platform,
        url=view.url,
        kind=view.kind,
        language=view.language,
        label=Bilingual(ko=view.label_ko, en=view.label_en),
    )


def service(view: ServiceView) -> schemas.Service:
    return schemas.Service(kind=view.kind, language=view.language, status=view.status)


def session_speaker(role: SpeakerRole) -> schemas.SessionSpeaker:
    return schemas.SessionSpeaker(
        speaker_id=role.speaker_id,
        name=bilingual(role.name),
        role=role.role,
        affiliation=bilingual(role.affiliation),
        order=role.order,
    )


def session(item: ProgrammeItem, *, tz: str) -> schemas.Session:
    s = item.session
    zone = ZoneInfo(tz)
    return schemas.Session(
        id=s.id,
        title=bilingual(s.title),
        description=bilingual(s.description),
        kind=s.kind,
        format=s.format,
        status=s.status,
        language=s.language,
        languages=list(item.access.floor),
        services=[service(v) for v in item.access.services],
        day=s.start.astimezone(zone).date().isoformat(),
        starts_at=local_iso(s.start, tz),
        ends_at=local_iso(s.end, tz),
        starts_at_utc=utc_iso(s.start),
        ends_at_utc=utc_iso(s.end),
        venue_id=s.venue.id if s.venue is not None else None,
        parent_id=s.parent_id,
        part_ids=[p.session.id for p in item.parts],
        seats=item.public_seats,
        seats_left=item.seats_left,
        speakers=[session_speaker(r) for r in s.speakers],
        streams=[stream(st) for st in item.access.public_streams],
        revision=s.revision,
        updated_at=utc_iso(s.updated_at),
        url=s.url,
    )


def _day(day: date, ids: list[int]) -> schemas.ProgrammeDay:
    return schemas.ProgrammeDay(date=day.isoformat(), session_ids=ids)


def forum_detail(view: ForumView, *, base_url: str) -> schemas.ForumDetail:
    forum, info = view.forum, view.info
    tz = info.timezone
    by_day = {d.day: [row.item.session.id for row in d.rows] for d in view.programme.days}
    base = base_url.rstrip("/")
    return schemas.ForumDetail(
        slug=info.slug,
        title=bilingual(info.title),
        theme=bilingual(info.theme),
        description=bilingual(info.description),
        timezone=tz,
        first_day=info.first_day.isoformat(),
        last_day=info.last_day.isoformat(),
        format=info.format,
        upcoming=view.upcoming,
        organizer=schemas.Organizer(
            name=bilingual(info.organizer_name), email=info.organizer_email
        ),
        homepage_url=forum.homepage_url or None,
        registration=registration_window(view.registration, tz, forum.onsite_registration),
        in_person=schemas.InPersonPlaces(capacity=view.public_places, seats_left=view.seats_left),
        programme_revision=forum.programme_revision,
        updated_at=utc_iso(info.updated_at),
        url=info.url,
        programme_url=base + programme.programme_path(info.slug),
        api_url=_api_url(base, info.slug),
        days=[_day(day, by_day.get(day, [])) for day in view.days],
        venues=[
            venue(programme.venue_info(v), slug=info.slug, base_url=base) for v in forum.venues
        ],
        speakers=[
            schemas.Speaker(
                id=sp.id,
                name=bilingual(programme.both(sp, "name")),
                title=bilingual(programme.both(sp, "title")),
                affiliation=bilingual(programme.both(sp, "affiliation")),
                country=sp.country,
                bio=Bilingual(ko=sp.bio_ko, en=sp.bio_en),
                url=base + programme.speaker_path(info.slug, sp.id),
            )
            for sp in forum.speakers
        ],
        streams=[stream(s) for s in view.public_stream_views],
        sessions=[session(view.programme.by_id[s.id], tz=tz) for s in info.sessions],
    )
