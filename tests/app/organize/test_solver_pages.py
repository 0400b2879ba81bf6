"""The agenda solver's pages and the speakers' availability pages: ask, watch, review the
moves beside the timetable, apply; bad input answered with the form and its errors."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.models import ForumSession, SolverRun, Speaker
from app.programme import solver_runs
from tests.app.organize.conftest import SAMPLE, session_titled

BASE = f"/organize/forums/{SAMPLE}"


@pytest.fixture
def page(sample, make_user, login):
    return login(make_user("organizer", sample))


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]


def runs(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SolverRun))


def test_the_timetable_leads_to_the_repair_and_the_broken_rule_is_shown(page):
    timetable = page.get(f"{BASE}/timetable").get_data(as_text=True)
    assert "Repair after this change" in timetable

    solver = page.get(f"{BASE}/solver?mode=repair").get_data(as_text=True)
    assert "Alex Rivera" in solver and "Session 1" in solver
    assert 'value="repair" checked' in solver or 'checked id="mode-0"' in solver


def test_ask_watch_review_and_apply(db, sample, page):
    session1 = session_titled(sample, "Session 1")
    form = page.get(f"{BASE}/solver").get_data(as_text=True)

    asked = page.post(
        f"{BASE}/solver",
        data={"csrf_token": csrf(form), "mode": "repair", "time_limit_s": "10"},
    )
    assert asked.status_code == 303
    run_url = asked.headers["Location"]
    waiting = page.get(run_url).get_data(as_text=True)
    assert "Waiting for a worker" in waiting and "<progress" in waiting
    run_id = int(run_url.rsplit("/", 1)[1])
    assert page.get(f"{run_url}/progress").json["working"] is True

    solver_runs.work_once("test-worker")
    assert page.get(f"{run_url}/progress").json == {
        "status": "done",
        "working": False,
        "elapsed_s": pytest.approx(page.get(f"{run_url}/progress").json["elapsed_s"]),
        "solutions": page.get(f"{run_url}/progress").json["solutions"],
        "time_limit_s": 10.0,
    }
    review = page.get(run_url).get_data(as_text=True)
    assert "Proposal ready" in review and "<progress" not in review
    assert f'name="sessions" value="{session1.id}"' in review
    assert "<del>2026-04-01 10:20–11:20 · Main Conference Room</del>" in review
    assert "stays" in review  # the rest of the programme, beside the move

    applied = page.post(
        f"{run_url}/apply", data={"csrf_token": csrf(review), "sessions": [str(session1.id)]}
    )
    assert applied.status_code == 303 and applied.headers["Location"].endswith("/timetable")
    after = page.get(applied.headers["Location"]).get_data(as_text=True)
    assert "1 session moved." in after
    db.session.expire_all()
    assert db.session.get(SolverRun, run_id).status == "applied"
    assert db.session.get(ForumSession, session1.id).revision == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "repair", "time_limit_s": "0"}, "at most 600 seconds"),
        ({"mode": "repair", "time_limit_s": "900"}, "at most 600 seconds"),
        ({"mode": "shuffle", "time_limit_s": "10"}, "Choose one of"),
        ({"mode": "repair", "time_limit_s": "10", "pinned": "999999"}, "keep in place"),
    ],
)
def test_bad_options_show_the_form_again_with_the_error(db, page, data, message):
    form = page.get(f"{BASE}/solver").get_data(as_text=True)

    response = page.post(f"{BASE}/solver", data={"csrf_token": csrf(form), **data})

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="error-summary"' in body and message in body
    assert runs(db) == 0


def test_applying_nothing_or_a_stale_proposal_changes_nothing(db, sample, page):
    run = solver_runs.request_run(sample, {}, sample_organizer(db, sample))
    solver_runs.work_once("w")
    url = f"{BASE}/solver/{run.id}"
    review = page.get(url).get_data(as_text=True)

    nothing = page.post(f"{url}/apply", data={"csrf_token": csrf(review)}, follow_redirects=True)
    assert "Choose at least one move" in nothing.get_data(as_text=True)

    keynote = session_titled(sample, "Keynote")
    keynote.ends_at = keynote.ends_at.replace(minute=0)
    db.session.commit()
    stale = page.post(
        f"{url}/apply",
        data={"csrf_token": csrf(review), "sessions": [str(run.result["moves"][0]["session_id"])]},
        follow_redirects=True,
    )
    assert "The programme changed after this proposal" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SolverRun, run.id).status == "done"


def sample_organizer(db, sample):
    from app.models import User

    return db.session.scalar(select(User).where(User.role == "organizer"))


def test_the_availability_is_edited_on_the_speakers_page(db, sample, page):
    rivera = db.session.scalar(select(Speaker).where(Speaker.name_en == "Alex Rivera"))
    speaker_page = page.get(f"{BASE}/speakers/{rivera.id}/edit").get_data(as_text=True)
    assert "1 window, in America/Los_Angeles." in speaker_page
    url = f"{BASE}/speakers/{rivera.id}/availability"
    form = page.get(url).get_data(as_text=True)
    assert "2026-03-31 19:30-21:00" in form  # 11:30-13:00 KST, in Los Angeles (PDT)

    bad = page.post(
        url,
        data={"csrf_token": csrf(form), "timezone": "America/Los_Angeles", "windows": "soon"},
    )
    assert bad.status_code == 422 and "2026-09-03 17:00-20:00" in bad.get_data(as_text=True)
    good = page.post(
        url,
        data={
            "csrf_token": csrf(form),
            "timezone": "America/Los_Angeles",
            "windows": "2026-03-31 17:30-21:00",
        },
    )
    assert good.status_code == 303
    db.session.expire_all()
    assert len(db.session.get(Speaker, rivera.id).availability) == 1


def test_availability_is_imported_by_csv_or_refused_whole(db, sample, page):
    rivera = db.session.scalar(select(Speaker).where(Speaker.name_en == "Alex Rivera"))
    form = page.get(f"{BASE}/speakers/{rivera.id}/availability").get_data(as_text=True)

    def upload(text: str):
        return page.post(
            f"{BASE}/speakers/availability.csv",
            data={"csrf_token": csrf(form), "file": (io.BytesIO(text.encode()), "a.csv")},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).get_data(as_text=True)

    refused = upload(f"speaker_id,timezone,date,start,end\n{rivera.id},,2030-01-01,10:00,11:00\n")
    assert "outside the forum" in refused
    db.session.expire_all()
    assert db.session.get(Speaker, rivera.id).timezone == "America/Los_Angeles"

    done = upload(
        f"speaker_id,timezone,date,start,end\n{rivera.id},Asia/Seoul,2026-04-01,09:00,18:00\n"
    )
    assert "Availability imported for 1 speaker." in done
    db.session.expire_all()
    assert db.session.get(Speaker, rivera.id).timezone == "Asia/Seoul"
