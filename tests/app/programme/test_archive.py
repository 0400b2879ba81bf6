"""The archive as a service: links and uploads checked (size, type from the file's own bytes,
a session of this forum), the record in programme order with cancelled sessions kept."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.core.errors import NotFound, ValidationFailed
from app.models import AuditEntry, User
from app.models.material import Material
from app.programme import archive
from app.programme.views import is_upcoming

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, "x")
    return buffer.getvalue()


@pytest.fixture
def held(db, make_forum, make_session):
    forum = make_forum(slug="held", first_day=date(2026, 5, 14), last_day=date(2026, 5, 14))
    opening = make_session(forum, title_en="Opening", start="09:00", end="10:00")
    panel = make_session(forum, title_en="Panel", start="10:00", end="11:00", status="cancelled")
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()
    return forum, opening, panel, user


def _count(db) -> int:
    return db.session.scalar(select(func.count(Material.id)))


def test_links_and_uploads_make_the_record_in_programme_order(db, held):
    forum, opening, panel, user = held
    archive.add_link(
        forum,
        {
            "session_id": str(opening.id),
            "kind": "recording",
            "language": "ko",
            "url": "https://www.youtube.com/watch?v=abc",
            "title": "개회식 다시보기",
        },
        user,
    )
    slides = archive.add_upload(
        forum,
        {"session_id": str(opening.id), "kind": "slides"},
        PDF,
        "C:\\talks\\keynote.pdf",
        user,
    )
    archive.add_upload(forum, {"kind": "document", "title": "결과 보고서"}, PDF, "report.pdf", user)
    assert (slides.filename, slides.content_type, slides.size) == (
        "keynote.pdf",
        "application/pdf",
        len(PDF),
    )
    assert slides.title == "keynote.pdf"

    items = archive.record(forum)
    assert [i.session for i in items] == [None, opening, panel]  # the forum's own first
    assert [m.title for m in items[0].documents] == ["결과 보고서"]
    assert [m.title for m in items[1].recordings] == ["개회식 다시보기"]
    assert [m.filename for m in items[1].documents] == ["keynote.pdf"]
    assert items[2].session.status == "cancelled" and not items[2].recordings
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 3
    assert archive.file_of(forum, slides.id).content == PDF


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"MZ\x90\x00 an executable", "slides.pdf"),
        (b"<html><script>alert(1)</script>", "talk.pdf"),
        (_zip("evil.exe"), "slides.pptx"),  # a zip, but not a presentation
        (_zip("ppt/slide1.xml"), "slides.zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old office", "macro.xls"),
        (b"", "empty.pdf"),
    ],
)
def test_an_upload_of_the_wrong_type_is_refused_and_nothing_is_stored(db, held, data, filename):
    forum, _opening, _panel, user = held
    with pytest.raises(ValidationFailed) as refused:
        archive.add_upload(forum, {"kind": "document"}, data, filename, user)
    assert "file" in refused.value.errors
    assert _count(db) == 0


def test_office_hancom_and_images_are_recognised_by_their_bytes():
    assert archive.sniff(_zip("ppt/slides/slide1.xml"), "a.pptx").endswith("presentation")
    assert archive.sniff(_zip("word/document.xml"), "a.docx").endswith("document")
    assert archive.sniff(_zip("Contents/section0.xml"), "보고서.hwpx") == "application/hwp+zip"
    assert (
        archive.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...", "보고서.hwp") == "application/x-hwp"
    )
    assert archive.sniff(b"\x89PNG\r\n\x1a\n....", "a.png") == "image/png"
    assert archive.sniff(PDF, "no-extension") == "application/pdf"


def test_an_upload_too_large_is_refused(db, held, monkeypatch):
    forum, _opening, _panel, user = held
    monkeypatch.setattr(archive, "MATERIAL_MAX_BYTES", 100)
    with pytest.raises(ValidationFailed) as refused:
        archive.add_upload(forum, {"kind": "slides"}, PDF + b"x" * 100, "big.pdf", user)
    assert "보다 큽니다" in refused.value.errors["file"][0]  # Korean outside a request
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kind": "recording", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "recording", "url": ""}, "url"),
        ({"kind": "video", "url": "https://example.org/v"}, "kind"),
        ({"kind": "recording", "url": "https://e.org", "language": "fr"}, "language"),
        ({"kind": "recording", "url": "https://e.org", "session_id": "999999"}, "session_id"),
    ],
)
def test_a_bad_link_is_refused(db, held, raw, field):
    forum, _opening, _panel, user = held
    with pytest.raises(ValidationFailed) as refused:
        archive.add_link(forum, raw, user)
    assert field in refused.value.errors
    assert _count(db) == 0


def test_a_recording_is_not_uploaded_and_another_forums_session_is_refused(
    db, held, make_forum, make_session
):
    forum, _opening, _panel, user = held
    with pytest.raises(ValidationFailed):
        archive.add_upload(forum, {"kind": "recording"}, PDF, "video.pdf", user)
    foreign = make_session(make_forum(slug="other"))
    with pytest.raises(ValidationFailed):
        archive.add_link(
            forum, {"kind": "slides", "url": "https://e.org", "session_id": str(foreign.id)}, user
        )
    assert _count(db) == 0


def test_removing_and_another_forums_documents(db, held, make_forum):
    forum, _opening, _panel, user = held
    kept = archive.add_upload(forum, {"kind": "document"}, PDF, "a.pdf", user)
    other = make_forum(slug="elsewhere")
    with pytest.raises(NotFound):
        archive.file_of(other, kept.id)
    with pytest.raises(NotFound):
        archive.delete_material(other, kept.id, user)
    archive.delete_material(forum, kept.id, user)
    assert _count(db) == 0


def test_the_page_becomes_the_record_once_the_forum_is_over(db, held):
    forum, *_ = held  # the public page shows the record when the forum is no longer upcoming
    assert is_upcoming(forum, datetime(2026, 5, 14, 14, 0, tzinfo=UTC))
    assert not is_upcoming(forum, datetime(2026, 5, 14, 15, 0, tzinfo=UTC))  # midnight KST
