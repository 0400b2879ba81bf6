"""Speakers' availability: windows in the speaker's own zone, checked against the forum's
days and each other, edited per speaker or imported by CSV; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.core.errors import ValidationFailed
from app.programme import availability
from app.programme.csv_io import CsvRefused

FIRST = date(2026, 9, 3)


@pytest.fixture
def forum(make_forum):
    return make_forum(first_day=FIRST, last_day=date(2026, 9, 4))


@pytest.fixture
def organizer(make_user, forum):
    return make_user("organizer", forum)


def test_a_window_in_los_angeles_is_kept_in_utc_and_shown_in_its_zone(
    db, forum, organizer, make_speaker
):
    speaker = make_speaker(forum)
    raw = {"timezone": "America/Los_Angeles", "windows": "2026-09-02 17:00-20:00\n\n"}

    availability.set_availability(forum, speaker.id, raw, organizer)

    assert speaker.timezone == "America/Los_Angeles"
    [window] = speaker.availability
    # 17:00 PDT on 2 September is 09:00 KST on the forum's first day.
    assert window.starts_at == datetime(2026, 9, 3, 0, 0, tzinfo=UTC)
    assert window.ends_at == datetime(2026, 9, 3, 3, 0, tzinfo=UTC)
    assert availability.availability_text(speaker) == "2026-09-02 17:00-20:00"


def test_json_windows_with_an_offset_are_accepted(db, forum, organizer, make_speaker):
    speaker = make_speaker(forum)
    raw = {"windows": [{"starts_at": "2026-09-03T10:00+09:00", "ends_at": "2026-09-03T12:00"}]}

    availability.set_availability(forum, speaker.id, raw, organizer)

    assert availability.availability_text(speaker) == "2026-09-03 10:00-12:00"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"windows": "2026-10-01 10:00-12:00"}, "windows"),  # outside the forum's days
        ({"windows": "2026-09-03 10:00-12:00\n2026-09-03 11:00-13:00"}, "windows"),  # overlap
        ({"windows": "2026-09-03 12:00-10:00"}, "windows"),  # ends before it starts
        ({"windows": "tomorrow morning"}, "windows"),
        ({"windows": "2026-09-03 25:00-26:00"}, "windows"),
        ({"windows": {"starts_at": "x"}}, "windows"),
        ({"windows": [{"starts_at": "2026-09-03T10:00"}]}, "windows"),
        ({"timezone": "Mars/Olympus", "windows": ""}, "timezone"),
    ],
)
def test_bad_windows_are_refused_with_the_fields_message_and_change_nothing(
    db, forum, organizer, make_speaker, english, raw, field
):
    speaker = make_speaker(forum)
    availability.set_availability(
        forum, speaker.id, {"windows": "2026-09-03 09:00-10:00"}, organizer
    )

    with pytest.raises(ValidationFailed) as refused:
        availability.set_availability(forum, speaker.id, raw, organizer)

    assert list(refused.value.errors) == [field]
    assert all(refused.value.errors[field])
    db.session.expire_all()
    assert availability.availability_text(speaker) == "2026-09-03 09:00-10:00"
    assert speaker.timezone == "Asia/Seoul"


def test_too_many_windows_are_refused(db, forum, organizer, make_speaker, english):
    speaker = make_speaker(forum)
    lines = "\n".join(f"2026-09-03 {h:02d}:00-{h:02d}:30" for h in range(24))
    lines += "\n" + "\n".join(f"2026-09-04 {h:02d}:00-{h:02d}:30" for h in range(24))
    lines += "\n" + "\n".join(f"2026-09-04 {h:02d}:40-{h:02d}:50" for h in range(3))
    with pytest.raises(ValidationFailed):
        availability.set_availability(forum, speaker.id, {"windows": lines}, organizer)


def test_csv_sets_the_windows_of_the_speakers_it_names(db, forum, organizer, make_speaker):
    first, second, untouched = make_speaker(forum), make_speaker(forum), make_speaker(forum)
    availability.set_availability(
        forum, untouched.id, {"windows": "2026-09-04 09:00-10:00"}, organizer
    )
    data = (
        "speaker_id,timezone,date,start,end\n"
        f"{first.id},Europe/Lisbon,2026-09-03,02:00,04:00\n"
        f"{first.id},Europe/Lisbon,2026-09-03,06:00,07:00\n"
        f"{second.id},,2026-09-04,14:00,16:00\n"
    ).encode()

    assert availability.import_availability(forum, data, organizer) == 2

    db.session.expire_all()
    assert first.timezone == "Europe/Lisbon"
    assert availability.availability_text(first) == (
        "2026-09-03 02:00-04:00\n2026-09-03 06:00-07:00"
    )
    assert availability.availability_text(second) == "2026-09-04 14:00-16:00"
    assert availability.availability_text(untouched) == "2026-09-04 09:00-10:00"


@pytest.mark.parametrize(
    "body",
    [
        "speaker,zone\n1,Asia/Seoul\n",  # wrong columns
        "speaker_id,timezone,date,start,end\n",  # no rows
        "speaker_id,timezone,date,start,end\n{other},,2026-09-03,10:00,11:00\n",
        "speaker_id,timezone,date,start,end\n{mine},Nowhere/City,2026-09-03,10:00,11:00\n",
        "speaker_id,timezone,date,start,end\n{mine},,2026-09-03,10:00,11:00\n"
        "{mine},,2026-09-03,10:30,12:00\n",
        "speaker_id,timezone,date,start,end\n{mine},,2027-01-01,10:00,11:00\n",
    ],
)
def test_a_bad_csv_is_refused_whole(db, forum, organizer, make_forum, make_speaker, english, body):
    mine = make_speaker(forum)
    other = make_speaker(make_forum())
    data = body.format(mine=mine.id, other=other.id).encode()

    with pytest.raises(CsvRefused):
        availability.import_availability(forum, data, organizer)

    db.session.expire_all()
    assert mine.availability == []
