"""The archive through real requests: the organizer adds recordings (links) and documents
(uploads, checked), the forum's public page becomes its record once the forum is over, the
documents download safely, and the recordings reach the frab export."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models.material import Material

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def past(db, make_forum, make_session, make_user, login):
    forum = make_forum(slug="past", first_day=date(2020, 9, 22), last_day=date(2020, 9, 22))
    opening = make_session(forum, title_en="Opening ceremony", title_ko="개회식")
    panel = make_session(forum, title_en="Panel", status="cancelled", start="11:00", end="12:00")
    client = login(make_user("organizer", forum))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return forum, opening, panel, client


def _count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Material.id)))


def _add(client, forum, session, **fields):
    data = {"link-session_id": str(session.id), "link-kind": "recording", **fields}
    return client.post(f"/organize/forums/{forum.slug}/archive/links", data=data)


def _upload(client, forum, data: bytes, name: str, **fields):
    form = {"upload-kind": "slides", "upload-file": (io.BytesIO(data), name), **fields}
    return client.post(
        f"/organize/forums/{forum.slug}/archive/files",
        data=form,
        content_type="multipart/form-data",
    )


def test_recordings_and_documents_make_the_public_record(db, client, past):
    forum, opening, _panel, organizer = past
    added = _add(
        organizer,
        forum,
        opening,
        **{
            "link-url": "https://www.youtube.com/watch?v=seoul2020",
            "link-language": "ko",
            "link-title": "개회식 다시보기",
        },
    )
    assert added.status_code == 303
    uploaded = _upload(
        organizer, forum, PDF, "키노트 발표.pdf", **{"upload-session_id": str(opening.id)}
    )
    assert uploaded.status_code == 303
    listing = organizer.get(f"/organize/forums/{forum.slug}/archive").get_data(True)
    assert "개회식 다시보기" in listing and "키노트 발표.pdf" in listing

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/forums/{forum.slug}").get_data(True)
    assert "The record" in page
    assert 'href="https://www.youtube.com/watch?v=seoul2020"' in page
    assert "Cancelled" in page and "Panel" in page  # as it happened
    material = db.session.scalar(select(Material).where(Material.filename == "키노트 발표.pdf"))
    path = f"/forums/{forum.slug}/documents/{material.id}/"
    assert path in page

    download = client.get(path + "whatever.pdf")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%ED%82%A4" in download.headers["Content-Disposition"]
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert client.get(f"/forums/{forum.slug}/documents/999999/x.pdf").status_code == 404


def test_the_recordings_go_into_the_frab_export(db, client, past):
    forum, opening, _panel, organizer = past
    _add(
        organizer,
        forum,
        opening,
        **{"link-url": "https://media.example.org/opening.mp4", "link-title": "Opening"},
    )
    _upload(organizer, forum, PDF, "slides.pdf", **{"upload-session_id": str(opening.id)})

    xml = ET.fromstring(client.get(f"/forums/{forum.slug}/schedule.xml").data)
    event = next(e for e in xml.iter("event") if e.get("id") == str(opening.id))
    assert event.find("recording/url").text == "https://media.example.org/opening.mp4"
    assert [(link.get("type"), link.get("href")) for link in event.iter("link")] == [
        ("media", "https://media.example.org/opening.mp4")
    ]
    [attachment] = event.iter("attachment")
    assert attachment.get("type") == "slides"
    assert attachment.get("href").startswith("http://madang.test/forums/past/documents/")

    data = json.loads(client.get(f"/forums/{forum.slug}/schedule.json").data)
    events = [
        e
        for day in data["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    opening_event = next(e for e in events if e["id"] == opening.id)
    assert {
        "url": "https://media.example.org/opening.mp4",
        "title": "Opening",
        "type": "media",
    } in (opening_event["links"])
    assert [a["type"] for a in opening_event["attachments"]] == ["slides"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00binary", "slides.pdf", "This kind of file cannot be added."),
        (b"", "empty.pdf", "Choose a file to upload."),
    ],
)
def test_a_bad_upload_comes_back_on_the_form(db, past, data, name, message):
    forum, _opening, _panel, organizer = past
    response = _upload(organizer, forum, data, name)
    assert response.status_code == 422 and message in response.get_data(True)
    assert _count(db) == 0


def test_a_bad_link_comes_back_on_the_form(db, past):
    forum, opening, _panel, organizer = past
    response = _add(organizer, forum, opening, **{"link-url": "javascript:alert(1)"})
    assert response.status_code == 422
    assert "Enter a web address starting with https:// or http://." in response.get_data(True)
    assert _count(db) == 0


def test_removing_from_the_archive(db, past):
    forum, opening, _panel, organizer = past
    _add(organizer, forum, opening, **{"link-url": "https://e.org/v"})
    material = db.session.scalar(select(Material))
    gone = organizer.post(f"/organize/forums/{forum.slug}/archive/{material.id}/delete")
    assert gone.status_code == 303 and _count(db) == 0
    again = organizer.post(
        f"/organize/forums/{forum.slug}/archive/{material.id}/delete", follow_redirects=True
    )
    assert "There is no such document." in again.get_data(True)


def test_an_upcoming_forum_shows_no_record(db, client, make_forum):
    forum = make_forum(slug="soon")
    assert "The record" not in client.get(f"/forums/{forum.slug}").get_data(True)
