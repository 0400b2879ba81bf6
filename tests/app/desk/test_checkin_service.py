"""The check-in service without the web: reading what was typed, the desk's hours, and the rule
that a bad payload is refused before the database is asked anything."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.core.tokens import checkin_payload
from app.desk import checkin, codes, desks

SECRET = "testing-secret-key"


def parse(raw, **kwargs):
    return codes.parse_input(raw, secret=SECRET, **kwargs)


def reason(raw, **kwargs) -> str:
    with pytest.raises(desks.InvalidInput) as info:
        parse(raw, **kwargs)
    return info.value.reason


# ------------------------------------------------------------------ reading the field


def test_a_genuine_payload_gives_its_code():
    genuine = checkin_payload(SECRET, "ABCD2345")
    assert parse(genuine) == codes.ParsedInput("code", "ABCD2345", scanned=True)
    # A scanner with caps lock on, and stray spaces around it.
    assert parse(f"  {genuine.upper()} \n".strip()).value == "ABCD2345"


@pytest.mark.parametrize(
    "raw",
    ["ABCD2345", "abcd-2345", "ABCD 2345", " abcd2345 "],
)
def test_typed_codes(raw):
    assert parse(raw) == codes.ParsedInput("code", "ABCD2345")


def test_an_all_letter_code_may_also_be_a_name():
    assert parse("PARKJUNE").could_be_name is True
    assert parse("PARK-JUNE").could_be_name is False
    assert parse("PARKJUNE", allow_search=False).could_be_name is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (checkin_payload("another-secret", "ABCD2345"), "forged"),
        (checkin_payload(SECRET, "ABCD2345")[:-1] + "x", "garbage"),
        ("MDG1:ABCD2345:" + "0" * 16, "forged"),
        ("MDG1", "truncated"),
        ("MDG1:", "truncated"),
        ("MDG1:ABCD", "truncated"),
        ("MDG1:ABCD2345", "truncated"),
        ("MDG1:ABCD2345:", "truncated"),
        (checkin_payload(SECRET, "ABCD2345")[:-4], "truncated"),
        ("MDG1:ABCD2345:" + "0" * 17, "garbage"),
        ("MDG1:ABCD2345:0123456789abcdef:extra", "garbage"),
        ("MDG1:ABCDO345:0123456789abcdef", "garbage"),  # O is not in the alphabet
        ("MDG1;ABCD2345;0123456789abcdef", "garbage"),  # a scanner on another keyboard layout
        ("https://example.org/t/1", "garbage"),
        ("8801234567890", "garbage"),
        ("---", "garbage"),
        ("a\x00b", "garbage"),
        ("x" * 201, "garbage"),
        ("ABCD-2340", "malformed_code"),
        ("ABCD0OIL", "malformed_code"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("김", "too_short"),
    ],
)
def test_bad_input_is_refused_with_its_reason(raw, expected):
    assert reason(raw) == expected


def test_searches():
    assert parse("민지") == codes.ParsedInput("search", "민지")
    assert parse("Anna Schmidt") == codes.ParsedInput("search", "Anna Schmidt")
    assert parse("minji@example.org").kind == "search"
    assert parse("'; DROP TABLE registrations; --").kind == "search"
    # Korean typed as decomposed jamo (macOS) is searched composed, as names are stored.
    import unicodedata

    assert parse(unicodedata.normalize("NFD", "김민지")).value == "김민지"


def test_the_kiosk_and_the_api_never_search():
    assert reason("김민지", allow_search=False) == "code_only"
    assert reason("Anna Schmidt", allow_search=False) == "code_only"


# ---------------------------------------------------------- refused before any look-up


@pytest.mark.parametrize(
    "raw",
    [
        "MDG1:ABCD2345:0123456789abcdef",
        "MDG1:ABCD",
        "8801234567890",
        "ABCD-2340",
    ],
)
def test_a_bad_scan_asks_the_database_nothing(app, db, open_forum, staff, raw):
    forum = open_forum()
    desk = desks.Desk(forum=forum, operator=staff("desk", forum))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with pytest.raises(desks.InvalidInput):
            checkin.scan(desk, raw)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []


def test_a_genuine_payload_is_looked_up(app, db, open_forum, staff, register):
    """The control for the test above: the listener does see look-ups."""
    forum = open_forum()
    person = register(forum, "Someone")
    desk = desks.Desk(forum=forum, operator=staff("desk", forum))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        checkin.scan(desk, checkin_payload(app.config["SECRET_KEY"], person.confirmation_code))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert any("registrations" in s for s in statements)


# ------------------------------------------------------------------------ desk hours


class _Forum:
    """Just what desk_state reads."""

    def __init__(self, first: date, last: date, override=None, tz="Asia/Seoul"):
        self.first_day, self.last_day, self.desk_override, self.timezone = first, last, override, tz


def _seoul(y, m, d, h, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo("Asia/Seoul"))


def test_the_desk_opens_by_itself_on_the_forums_days_in_its_time_zone():
    forum = _Forum(date(2026, 9, 22), date(2026, 9, 23))
    assert desks.desk_state(forum, _seoul(2026, 9, 21, 23, 59)).is_open is False
    # 00:10 in Seoul on the first day is still the day before in UTC.
    early = _seoul(2026, 9, 22, 0, 10)
    assert early.astimezone(UTC).date() == date(2026, 9, 21)
    assert desks.desk_state(forum, early) == desks.DeskState(True, "forum_day", date(2026, 9, 22))
    assert desks.desk_state(forum, _seoul(2026, 9, 23, 23, 59)).is_open is True
    assert desks.desk_state(forum, _seoul(2026, 9, 24, 0, 0)).why == "not_forum_day"


def test_an_organizer_opens_the_desk_earlier_or_closes_it():
    day_before = _seoul(2026, 9, 21, 15)
    forum_day = _seoul(2026, 9, 22, 9)
    opened = _Forum(date(2026, 9, 22), date(2026, 9, 22), override="open")
    closed = _Forum(date(2026, 9, 22), date(2026, 9, 22), override="closed")
    assert desks.desk_state(opened, day_before).why == "opened"
    assert desks.desk_state(opened, day_before).is_open is True
    assert desks.desk_state(closed, forum_day).is_open is False
    assert desks.desk_state(closed, forum_day).why == "closed"


def test_check_in_on_the_forum_day_without_any_override(app, db, make_forum, staff, register):
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    forum = make_forum(first_day=today, last_day=today + timedelta(days=1))
    person = register(forum, "On The Day")
    result = checkin.check_in(desks.Desk(forum=forum, operator=staff("desk", forum)), person)
    assert result.first is True
    # And the day after the last day, it is closed again.
    later = datetime.now(UTC) + timedelta(days=3)
    with pytest.raises(desks.DeskClosed):
        checkin.check_in(desks.Desk(forum=forum, operator=None), person, now=later)


def test_clean_desk_label():
    assert desks.clean_desk_label("  Gate\nA  ") == "GateA"
    assert desks.clean_desk_label(None) == ""
    assert len(desks.clean_desk_label("x" * 500)) == desks.DESK_LABEL_MAX
