"""CSV: the programme export round-trips through the import for every demo forum; the import
reads UTF-8 (with or without BOM) and CP949, refuses a wrong header or encoding, previews each
row's errors and applies all or nothing; the registrations export shares only what people
agreed to."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.demo import load_demo
from app.models import AuditEntry, Forum, ForumSession, ProgrammeChange, Speaker, Venue
from app.programme import csv_io

# The messages asserted below are the English ones.
pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
HEADER = "key,title_ko,title_en,kind,format,starts_at,ends_at,venue,seats,block,speakers"


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def copy_of(db, forum: Forum, slug: str) -> Forum:
    """An empty forum with the same days, venues and speakers (no sessions)."""
    twin = Forum(
        slug=slug,
        title_en=forum.title_en,
        timezone=forum.timezone,
        first_day=forum.first_day,
        last_day=forum.last_day,
        format=forum.format,
        status="draft",
    )
    db.session.add(twin)
    for v in forum.venues:
        db.session.add(
            Venue(forum=twin, name_ko=v.name_ko, name_en=v.name_en, kind=v.kind, seats=v.seats)
        )
    for s in forum.speakers:
        db.session.add(Speaker(forum=twin, name_ko=s.name_ko, name_en=s.name_en))
    db.session.commit()
    return twin


def normalised(text: str) -> list[list[str]]:
    """Rows with session keys replaced by their order, and without the revision."""
    rows = rows_of(text)
    keys = {row[0]: f"K{n}" for n, row in enumerate(rows[1:])}
    out = []
    for row in rows[1:]:
        row = [keys.get(cell, cell) if i in (0, 12) else cell for i, cell in enumerate(row)]
        del row[1]
        out.append(row)
    return out


def test_the_programme_export_round_trips_for_every_demo_forum(db, make_user):
    load_demo(NOW)
    admin = make_user("admin")
    for forum in db.session.scalars(select(Forum)).all():
        exported = csv_io.export_programme(forum)
        # 1. Back into the same forum: every row unchanged, nothing written.
        plan = csv_io.plan_import(forum, exported.encode("utf-8"))
        assert plan.ok, [(r.line, r.errors) for r in plan.rows if r.errors]
        assert plan.counts == {
            "create": 0,
            "update": 0,
            "unchanged": len(forum.sessions),
            "errors": 0,
        }, forum.slug
        result = csv_io.apply_import(forum, exported.encode("utf-8"), admin)
        assert (result.created, result.updated) == (0, 0)
        assert count(db, ProgrammeChange) == 0
        assert csv_io.export_programme(forum) == exported
        # 2. Into an empty twin forum (Korean header, with its BOM): the same programme,
        #    blocks and speakers included.
        korean = csv_io.export_programme(forum, korean_header=True)
        twin = copy_of(db, forum, f"{forum.slug}-copy")
        data = korean.encode("utf-8")
        result = csv_io.apply_import(twin, data, admin)
        assert result.created == len(forum.sessions), forum.slug
        assert normalised(csv_io.export_programme(twin)) == normalised(exported), forum.slug


def test_an_edited_export_updates_and_adds_sessions(
    db, make_forum, make_venue, make_session, make_user
):
    forum = make_forum(slug="editable", status="published")
    make_venue(forum, name_en="Hall", name_ko="홀")
    talk = make_session(forum, title_en="Talk")
    rows = rows_of(csv_io.export_programme(forum))
    day = forum.first_day.isoformat()
    rows[1][rows[0].index("starts_at")] = f"{day} 13:00"
    rows[1][rows[0].index("ends_at")] = f"{day} 14:00"
    rows[1][rows[0].index("venue")] = "홀"
    rows.append(
        [
            "new-1",
            "",
            "",
            "Networking lunch",
            "networking",
            "in_person",
            "ko",
            "scheduled",
            f"{day} 12:00",
            f"{day} 13:00",
            "Hall",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = csv_io.apply_import(forum, buffer.getvalue().encode(), make_user("admin"))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    db.session.expire_all()
    talk = db.session.get(ForumSession, talk.id)
    assert talk.revision == 2 and talk.venue.name_en == "Hall"
    kinds = sorted(db.session.scalars(select(ProgrammeChange.kind)))
    assert kinds == ["added", "moved", "venue"]
    # The same file again: the talk moved on to revision 2, so the export's revision 1 is stale.
    plan = csv_io.plan_import(forum, buffer.getvalue().encode())
    assert not plan.ok
    assert "this session changed since the export" in plan.rows[0].errors[0]


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp949", b"")]
)
def test_utf8_with_or_without_bom_and_cp949_are_read(
    db, make_forum, make_venue, make_user, encoding, prefix
):
    forum = make_forum(slug=f"enc-{encoding}-{len(prefix)}", status="draft")
    make_venue(forum, name_ko="대회의실", name_en="Main Room")
    day = forum.first_day.isoformat()
    text = (
        f"{HEADER}\r\nn1,개막식,Opening,ceremony,in_person,{day} 09:00,{day} 09:30,대회의실,,,\r\n"
    )
    result = csv_io.apply_import(forum, prefix + text.encode(encoding), make_user("admin"))
    assert result.created == 1
    session = db.session.scalar(select(ForumSession).where(ForumSession.forum_id == forum.id))
    assert (session.title_ko, session.venue.name_en) == ("개막식", "Main Room")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("제목,언제\r\n".encode("utf-16"), "neither UTF-8 nor CP949"),
        (b"", "The file is empty."),
        (b"key,title,starts_at,ends_at\r\n", "Unknown columns: title"),
        (b"key,title_en,starts_at\r\n", "Missing columns: ends_at"),
        (b"key,title_en,title_en,starts_at,ends_at\r\n", "Columns given twice: title_en"),
    ],
)
def test_a_wrong_file_is_refused_whole(db, make_forum, data, message):
    forum = make_forum(status="draft")
    with pytest.raises(csv_io.CsvRefused, match=message):
        csv_io.plan_import(forum, data)


def test_bad_rows_are_listed_and_nothing_is_imported(db, make_forum, make_user, make_speaker):
    forum = make_forum(slug="bad-rows", status="draft")
    make_speaker(forum, name_en="Kim")
    day = forum.first_day.isoformat()
    text = "\r\n".join(
        [
            HEADER,
            f"a,,Good,session,in_person,{day} 09:00,{day} 10:00,,,,keynote: Kim",
            f"b,,Backwards,session,in_person,{day} 11:00,{day} 10:00,,,,",
            f"c,,Nowhere,session,in_person,{day} 11:00,{day} 12:00,Atlantis,-2,,",
            f"a,,Twice,session,in_person,{day} 11:00,{day} 12:00,,,,",
            f"d,,Crowded,session,in_person,{day} 11:00,{day} 12:00,,,zz,emperor: Kim; Lee",
            f"e,,,party,in_person,soon,{day} 12:00,,,,keynote: Kim; moderator: Kim",
        ]
    )
    plan = csv_io.plan_import(forum, text.encode())
    errors = {row.key + str(row.line): row.errors for row in plan.rows}
    assert errors["a2"] == []
    assert errors["b3"] == ["ends_at: The end must be after the start."]
    assert any("no venue “Atlantis”" in e for e in errors["c4"])
    assert any(e.startswith("seats:") for e in errors["c4"])
    assert errors["a5"] == ["key: “a” is used by another row."]
    assert any("no row has the key “zz”" in e for e in errors["d6"])
    assert any("“emperor” is not a role" in e for e in errors["d6"])
    assert any("write “role: name”" in e for e in errors["d6"])
    assert any(e.startswith("kind:") for e in errors["e7"])
    assert any(e.startswith("starts_at:") for e in errors["e7"])
    assert any("is listed twice" in e for e in errors["e7"])
    assert any(e.startswith("title_") for e in errors["e7"])
    assert plan.counts["errors"] == 5 and not plan.ok
    with pytest.raises(Exception, match="invalid"):
        csv_io.apply_import(forum, text.encode(), make_user("admin"))
    assert count(db, ForumSession) == 0


def test_blocks_may_refer_to_rows_of_the_same_file(db, make_forum, make_user):
    forum = make_forum(slug="blocks", status="draft")
    day = forum.first_day.isoformat()
    text = "\r\n".join(
        [
            HEADER,
            f"part,,Part,session,in_person,{day} 10:00,{day} 11:00,,,block,",
            f"block,,Block,plenary,in_person,{day} 09:00,{day} 12:00,,,,",
            f"loop1,,L1,session,in_person,{day} 09:00,{day} 10:00,,,loop2,",
            f"loop2,,L2,session,in_person,{day} 09:00,{day} 10:00,,,loop1,",
        ]
    )
    plan = csv_io.plan_import(forum, text.encode())
    assert [bool(r.errors) for r in plan.rows] == [False, False, True, True]
    good = "\r\n".join(text.split("\r\n")[:3])
    csv_io.apply_import(forum, good.encode(), make_user("admin"))
    part = db.session.scalar(select(ForumSession).where(ForumSession.title_en == "Part"))
    assert part.parent.title_en == "Block"


def test_meeting_points_go_out_and_come_back_and_an_older_file_keeps_them(
    db, make_forum, make_session, make_user
):
    forum = make_forum(slug="csv-tours", status="draft")
    day = forum.first_day
    tour = make_session(
        forum,
        title_en="Site visit",
        kind="tour",
        start="13:30",
        end="15:30",
        meeting_point_ko="시청 정문",
        meeting_point_en="City Hall, main entrance",
        meeting_at=datetime(day.year, day.month, day.day, 4, 15, tzinfo=UTC),
        meeting_note_en="Bring an ID card.",
    )
    exported = csv_io.export_programme(forum, korean_header=True)
    rows = rows_of(exported)
    header = rows[0]
    for column in ("집결 장소(한국어)", "집결 장소(영어)", "집결 시각", "집결 안내(영어)"):
        assert column in header
    assert rows[1][header.index("집결 시각")] == f"{day.isoformat()} 13:15"
    assert rows[1][header.index("집결 안내(영어)")] == "Bring an ID card."

    # Moved to 13:00 in the sheet: imported like any other change.
    rows[1][header.index("집결 시각")] = f"{day.isoformat()} 13:00"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = csv_io.apply_import(forum, buffer.getvalue().encode(), make_user("admin"))
    assert result.updated == 1
    db.session.expire_all()
    tour = db.session.get(ForumSession, tour.id)
    assert tour.meeting_at == datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)

    # A file from before the meeting columns changes nothing about them.
    older = [
        row[: header.index("집결 장소(한국어)")] for row in rows_of(csv_io.export_programme(forum))
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(older)
    plan = csv_io.plan_import(forum, buffer.getvalue().encode())
    assert [(r.action, r.errors) for r in plan.rows] == [("unchanged", [])]

    # A meeting time after the start is refused with the column's name.
    rows[1][header.index("집결 시각")] = f"{day.isoformat()} 14:00"
    rows[1][header.index("버전")] = str(tour.revision)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    plan = csv_io.plan_import(forum, buffer.getvalue().encode())
    assert not plan.ok
    assert plan.rows[0].errors == ["meeting_at: People meet before the session starts, not after."]


def test_blank_keys_add_new_sessions(db, make_forum, make_user):
    forum = make_forum(slug="blank-keys", status="draft")
    day = forum.first_day.isoformat()
    text = "\r\n".join(
        [
            HEADER,
            f",,Opening,ceremony,in_person,{day} 09:00,{day} 09:30,,,,",
            f",,Part one,session,in_person,{day} 10:00,{day} 10:30,,,day,",
            f",,Part two,session,in_person,{day} 10:30,{day} 11:00,,,day,",
            f"day,,Morning,plenary,in_person,{day} 10:00,{day} 12:00,,,,",
        ]
    )
    plan = csv_io.plan_import(forum, text.encode())
    assert [(r.action, r.errors) for r in plan.rows] == [("create", [])] * 4
    csv_io.apply_import(forum, text.encode(), make_user("admin"))
    db.session.expire_all()
    titles = {s.title_en: s for s in db.session.scalars(select(ForumSession))}
    assert set(titles) == {"Opening", "Part one", "Part two", "Morning"}
    assert titles["Part one"].parent_id == titles["Part two"].parent_id == titles["Morning"].id
    assert titles["Opening"].parent_id is None


def test_the_import_page_shows_what_a_key_looks_like(make_forum, make_user, login):
    forum = make_forum(slug="key-example", status="draft")
    client = login(make_user("organizer", forum))
    html = client.get(f"/organize/forums/{forum.slug}/import").get_data(True)
    example = re.search(r'<p id="key-example">(.*?)</p>', html, re.S).group(1)
    assert "S12" in example and "new-1" in example and "blank key" in example


def test_the_import_pages_preview_then_import(db, make_forum, make_user, login):
    forum = make_forum(slug="upload", status="draft")
    client = login(make_user("organizer", forum))
    assert client.get(f"/organize/forums/{forum.slug}/import").status_code == 200
    day = forum.first_day.isoformat()
    good = f"{HEADER}\r\nn1,,Opening,ceremony,in_person,{day} 09:00,{day} 09:30,,,,\r\n"
    preview = client.post(
        f"/organize/forums/{forum.slug}/import",
        data={"file": (io.BytesIO(good.encode()), "programme.csv"), "preview": "y"},
        content_type="multipart/form-data",
    )
    html = preview.get_data(True)
    assert preview.status_code == 200, html
    assert "1 new, 0 to update, 0 unchanged, 0 with errors." in html
    assert count(db, ForumSession) == 0  # a dry run
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="content" name="content"[^>]*value="([^"]+)"', html
    )
    done = client.post(
        f"/organize/forums/{forum.slug}/import", data={"content": content.group(1), "confirm": "y"}
    )
    assert done.status_code == 303
    assert count(db, ForumSession) == 1

    bad = client.post(
        f"/organize/forums/{forum.slug}/import",
        data={"file": (io.BytesIO(b"when,what\r\n"), "x.csv"), "preview": "y"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "Unknown columns: when, what" in bad.get_data(True)
    wrong = client.post(
        f"/organize/forums/{forum.slug}/import",
        data={
            "file": (io.BytesIO(good.replace("09:30", "08:30").encode()), "x.csv"),
            "preview": "y",
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    assert "The end must be after the start." in wrong.get_data(True)
    assert 'name="confirm"' not in wrong.get_data(True)


def test_the_registrations_export_shares_only_what_people_agreed_to(
    db, make_forum, make_user, make_session, make_registration, login
):
    forum = make_forum(slug="export")
    talk = make_session(forum, title_en="Talk", seats=5)
    agreed = make_registration(forum, name="=HYPERLINK(1)", needs=("wheelchair",), sessions=(talk,))
    agreed.accessibility_other = "Guide dog"
    agreed.marketing_consent = True
    private = make_registration(forum, name="No needs shared")
    private.accessibility_needs = ["large_print"]  # held without consent: must not leave
    gone = make_registration(forum, name="Anonymised Person", status="cancelled")
    gone.anonymised_at = datetime.now(UTC)
    db.session.commit()
    user = make_user("organizer", forum)
    response = login(user).get(f"/organize/forums/{forum.slug}/export/registrations.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.get_data(True))
    header, body = rows[0], {r[1] or r[5]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    # Accessibility needs are shared as counts per session only, never per person.
    assert not [column for column in header if "accessibility" in column]
    assert "Guide dog" not in response.get_data(True)
    assert "wheelchair" not in response.get_data(True)
    first = body["'=HYPERLINK(1)"]  # neutralised for spreadsheets
    assert first["future_forums_by_email"] == "yes"
    assert first["sessions"] == "Talk (confirmed)"
    second = body["No needs shared"]
    assert second["future_forums_by_email"] == "no"
    anonymous = body["cancelled"]
    assert anonymous["email"] == "" and "Anonymised" not in ",".join(anonymous.values())
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.user_id, entry.details) == (
        "registrations.export",
        user.id,
        {"rows": 3},
    )


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "'=1+1"]


def test_the_registrations_export_neutralises_every_formula(
    db, make_forum, make_user, make_session, make_registration, login
):
    forum = make_forum(slug="formulas")
    sessions = [
        make_session(forum, title_en=title, start=f"{9 + n}:00", end=f"{9 + n}:30", seats=5)
        for n, title in enumerate(FORMULAS)
    ]
    make_registration(
        forum, name="-Kim", email="@kim@example.org", sessions=(sessions[0],)
    ).affiliation = "+SDF"
    for session in sessions[1:]:
        make_registration(forum, sessions=(session,))
    db.session.commit()
    response = login(make_user("organizer", forum)).get(
        f"/organize/forums/{forum.slug}/export/registrations.csv"
    )
    cells = [cell for row in rows_of(response.get_data(True))[1:] for cell in row]
    assert {"'-Kim", "'@kim@example.org", "'+SDF"} <= set(cells)
    assert '\'=HYPERLINK("http://evil.example","x") (confirmed)' in cells
    assert "''=1+1 (confirmed)" in cells
    assert not [cell for cell in cells if cell.startswith(csv_io._FORMULA)]


def test_the_programme_export_neutralises_every_formula_and_still_round_trips(
    db, make_forum, make_user, make_session, make_venue, make_speaker
):
    forum = make_forum(slug="formulas-programme", status="draft")
    venue = make_venue(forum, name_en="=Room", name_ko="+방")
    make_speaker(forum, name_en="@Lee", name_ko="-이")
    for n, text in enumerate(FORMULAS):
        make_session(
            forum,
            title_en=text,
            title_ko=FORMULAS[-1 - n],
            description_en=text,
            description_ko="-" + text,
            start=f"{9 + n}:00",
            end=f"{9 + n}:30",
            venue=venue,
        )
    forum_row = db.session.get(Forum, forum.id)
    exported = csv_io.export_programme(forum_row)
    cells = [cell for row in rows_of(exported)[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(csv_io._FORMULA)]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "''=1+1" in cells and "'=Room" in cells
    # Importing the export again reads back exactly what was exported: nothing changes.
    plan = csv_io.plan_import(forum_row, exported.encode("utf-8"))
    assert plan.ok, [(r.line, r.errors) for r in plan.rows if r.errors]
    assert plan.counts["unchanged"] == len(FORMULAS)
    result = csv_io.apply_import(forum_row, exported.encode("utf-8"), make_user("admin"))
    assert (result.created, result.updated) == (0, 0)
    assert csv_io.export_programme(forum_row) == exported
    assert {s.title_en for s in db.session.get(Forum, forum.id).sessions} == set(FORMULAS)
    # Text is stored stripped, so a tab or CR leads a cell only if written in by hand.
    assert csv_io._cell("\tx") == "'\tx" and csv_io._cell("\rx") == "'\rx"
