"""The agenda solver on a forum's rows: the demo's repair, applying a proposal as a hand edit
would, and refusing a stale one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.core.errors import ValidationFailed
from app.models import (
    Forum,
    ForumSession,
    OutboxMessage,
    Registration,
    Speaker,
    SpeakerAvailability,
)
from app.programme import solving
from app.programme.checks import NOTICE_KIND, SPEAKER_NOTICE_KIND
from app.programme.solving import NothingToApply, StaleProposal
from tests.app.organize.conftest import SAMPLE, session_titled


def test_the_demo_speaker_in_los_angeles_breaks_session_1(sample, english):
    rivera = next(k for k in sample.speakers if k.name_en == "Alex Rivera")
    assert rivera.timezone == "America/Los_Angeles"
    assert len(rivera.availability) == 1

    violations = solving.current_violations(sample)

    session1 = session_titled(sample, "Session 1")
    assert [v.session_ids for v in violations] == [(session1.id,)]
    assert "Alex Rivera" in violations[0].message_en


def test_the_demo_repair_moves_one_session_into_the_speakers_window(sample, english):
    session1 = session_titled(sample, "Session 1")
    record, digest = solving.solve(sample, mode="repair", time_limit_s=10)

    assert record["status"] in ("optimal", "feasible")
    assert [m["session_id"] for m in record["moves"]] == [session1.id]
    assert record["score"]["moved"] == 1
    assert digest == solving.programme_digest(sample.id)
    after = datetime.fromisoformat(record["moves"][0]["after"]["starts_at"])
    rivera = db_window(sample)
    assert rivera.starts_at <= after
    assert after.timestamp() + 60 * record["moves"][0]["duration_minutes"] <= (
        rivera.ends_at.timestamp()
    )


def db_window(forum: Forum) -> SpeakerAvailability:
    rivera = next(k for k in forum.speakers if k.name_en == "Alex Rivera")
    return rivera.availability[0]


def test_applying_the_repair_edits_the_session_and_tells_its_registrants_once(
    db, client, sample, english, make_user, make_registration
):
    session1 = session_titled(sample, "Session 1")
    tour = session_titled(sample, "City Hall tour")
    # Session 1 has no seat limit, so its notice goes to every in-person and online
    # registrant; the one who only holds a tour place and follows online is told too, and so
    # is the demo's own online registrant.
    first = make_registration(sample, sessions=[session1, tour])
    second = make_registration(sample, sessions=[tour], attendance="online")
    organizer = make_user("organizer", sample)
    revision = session1.revision
    record, digest = solving.solve(sample, mode="repair", time_limit_s=10)
    notices_before = count_notices(db)
    feed = f"/forums/{SAMPLE}/sessions/{session1.id}.ics"
    assert ics_start(client.get(feed).get_data(as_text=True)) == "20260401T102000"

    applied = solving.apply_moves(sample, record, digest=digest, session_ids=None, user=organizer)

    db.session.expire_all()
    moved = db.session.get(ForumSession, session1.id)
    assert applied.sessions == [session1.id]
    assert moved.revision == revision + 1
    assert moved.starts_at == datetime.fromisoformat(record["moves"][0]["after"]["starts_at"])
    assert solving.current_violations(sample) == []
    assert record["moves"][0]["registrants"] == count_notices(db) - notices_before == 3
    # The session's speakers with an address are told too, by a notice of their own.
    speakers = {li.speaker_id for li in moved.speaker_links if li.speaker.email}
    assert speakers and applied.notices == 3 + len(speakers)
    assert count_notices(db, SPEAKER_NOTICE_KIND) == len(speakers)
    demo_person = db.session.scalar(
        select(Registration.id).where(
            Registration.forum_id == sample.id, Registration.id.not_in([first.id, second.id])
        )
    )
    assert sorted(notified_registrations(db)) == sorted([demo_person, first.id, second.id])
    local_start = moved.starts_at.astimezone(ZoneInfo("Asia/Seoul"))
    assert ics_start(client.get(feed).get_data(as_text=True)) == f"{local_start:%Y%m%dT%H%M%S}"


def ics_start(body: str) -> str:
    event = body.split("BEGIN:VEVENT", 1)[1]
    line = next(x for x in event.splitlines() if x.startswith("DTSTART"))
    return line.rsplit(":", 1)[1]


def count_notices(db, kind: str = NOTICE_KIND) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
    )


def notified_registrations(db) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.registration_id).where(OutboxMessage.kind == NOTICE_KIND)
        )
    )


def test_a_proposal_is_refused_whole_when_the_programme_changed_since(
    db, sample, english, make_user
):
    session1 = session_titled(sample, "Session 1")
    record, digest = solving.solve(sample, mode="repair", time_limit_s=10)
    rivera = db.session.scalar(select(Speaker).where(Speaker.name_en == "Alex Rivera"))
    rivera.timezone = "Europe/Lisbon"
    db.session.commit()
    before = (session1.starts_at, session1.revision)

    with pytest.raises(StaleProposal):
        solving.apply_moves(
            sample, record, digest=digest, session_ids=None, user=make_user("organizer", sample)
        )

    db.session.expire_all()
    again = db.session.get(ForumSession, session1.id)
    assert (again.starts_at, again.revision) == before


def test_applying_chooses_among_the_proposals_moves(db, sample, english, make_user):
    record, digest = solving.solve(sample, mode="repair", time_limit_s=10)
    user = make_user("organizer", sample)

    with pytest.raises(ValidationFailed) as refused:
        solving.apply_moves(sample, record, digest=digest, session_ids=[999_999], user=user)
    assert "sessions" in refused.value.errors
    with pytest.raises(NothingToApply):
        solving.apply_moves(sample, record, digest=digest, session_ids=[], user=user)
