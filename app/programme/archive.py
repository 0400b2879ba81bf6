"""The archive: after a forum, its record. Recordings (links, per session and language) and
documents (slides and papers, as links or uploaded files), and the programme as it happened.

An upload is checked before anything is stored: at most MATERIAL_MAX_BYTES, and a type read from
the file's first bytes, not from its name or the browser's say-so: PDF, PowerPoint, Word, Excel,
OpenDocument, Hancom (HWP, HWPX), PNG or JPEG. Files are kept in the database, so a backup of
the database is a backup of the archive.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core.bounds import parse_id
from app.core.db import db, utcnow, write_transaction
from app.core.errors import NotFound, ValidationFailed
from app.models import AuditEntry, Forum, ForumSession, User
from app.models.material import MATERIAL_KINDS, MATERIAL_LANGUAGES, Material
from app.programme.checks import Fields
from scheduling.types import MaterialInfo

MATERIAL_MAX_BYTES = 20 * 1024 * 1024
# Office Open XML and OpenDocument are zip files: the part inside says which.
_ZIP_TYPES = {
    "pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "hwpx": ("Contents/", "application/hwp+zip"),
    "odp": ("mimetype", "application/vnd.oasis.opendocument.presentation"),
    "odt": ("mimetype", "application/vnd.oasis.opendocument.text"),
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .hwp, .ppt, .doc
_OLE_TYPES = {
    "hwp": "application/x-hwp",
    "ppt": "application/vnd.ms-powerpoint",
    "doc": "application/msword",
}


def sniff(data: bytes, filename: str) -> str | None:
    """The content type of an allowed file, from its bytes (and, for containers, its name);
    None for anything else."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(_OLE):
        return _OLE_TYPES.get(ext)
    if data.startswith(b"PK\x03\x04") and ext in _ZIP_TYPES:
        marker, content_type = _ZIP_TYPES[ext]
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        return content_type if any(n.startswith(marker) for n in names) else None
    return None


def _safe_filename(name: str) -> str:
    """A name fit for a Content-Disposition header: the last path part, no quotes or controls."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"\\;')
    return cleaned.strip()[:200] or "document"


def _check(forum: Forum, raw: Mapping[str, Any], *, link: bool) -> dict[str, Any]:
    fields = Fields(raw)
    out: dict[str, Any] = {
        "session_id": fields.ref("session_id"),
        "kind": fields.choice("kind", MATERIAL_KINDS),
        "language": fields.choice("language", MATERIAL_LANGUAGES, default=""),
        "title": fields.text("title", limit=300),
    }
    if out["session_id"] is not None:
        session = db.session.get(ForumSession, out["session_id"])
        if session is None or session.forum_id != forum.id:
            fields.add("session_id", _("Choose a session of this forum."))
    if link:
        out["url"] = fields.url("url", required=True)
    elif out["kind"] == "recording":
        fields.add("kind", _("Recordings are added as links (the video stays where it is)."))
    fields.raise_if_any()
    return out


def add_link(forum: Forum, raw: Mapping[str, Any], user: User) -> Material:
    """A recording or a document that lives elsewhere; ValidationFailed for bad fields."""
    return _store(forum, _check(forum, raw, link=True), user)


def add_upload(
    forum: Forum, raw: Mapping[str, Any], data: bytes | None, filename: str, user: User
) -> Material:
    """An uploaded document: refused (ValidationFailed, nothing stored) when it is empty, too
    large or not one of the allowed types."""
    cleaned = _check(forum, raw, link=False)
    if not data:
        raise ValidationFailed({"file": [_("Choose a file to upload.")]})
    if len(data) > MATERIAL_MAX_BYTES:
        limit = MATERIAL_MAX_BYTES // (1024 * 1024)
        raise ValidationFailed({"file": [_("The file is larger than %(mb)d MB.", mb=limit)]})
    content_type = sniff(data, filename)
    if content_type is None:
        raise ValidationFailed(
            {
                "file": [
                    _(
                        "This kind of file cannot be added. Upload a PDF, PowerPoint, Word, "
                        "Excel, OpenDocument or Hancom (HWP, HWPX) file, or a PNG or JPEG image."
                    )
                ]
            }
        )
    name = _safe_filename(filename)
    cleaned.update(
        filename=name,
        content_type=content_type,
        size=len(data),
        content=data,
        title=cleaned["title"] or name,
    )
    return _store(forum, cleaned, user)


def _store(forum: Forum, cleaned: dict[str, Any], user: User) -> Material:
    with write_transaction():
        material = Material(forum_id=forum.id, created_at=utcnow(), **cleaned)
        db.session.add(material)
        _touch(forum.id)
        db.session.flush()
        _audit("archive.add", material, user)
    return material


def delete_material(forum: Forum, material_id: Any, user: User) -> None:
    material = get_material(forum, material_id)
    with write_transaction():
        db.session.delete(db.session.merge(material))
        _touch(forum.id)
        _audit("archive.delete", material, user)


def _audit(action: str, material: Material, user: User) -> None:
    db.session.add(
        AuditEntry(
            user_id=user.id,
            action=action,
            forum_id=material.forum_id,
            details={"material_id": material.id, "kind": material.kind},
        )
    )


def _touch(forum_id: int) -> None:
    """The forum changed: its feeds (the frab export lists the archive) are built again."""
    db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def get_material(forum: Forum, material_id: Any) -> Material:
    key = parse_id(material_id)
    material = db.session.get(Material, key) if key is not None else None
    if material is None or material.forum_id != forum.id:
        raise NotFound(_("There is no such document."))
    return material


def file_of(forum: Forum, material_id: Any) -> Material:
    """An uploaded file with its content, for download."""
    material = get_material(forum, material_id)
    if material.url:
        raise NotFound(_("There is no such document."))
    return material


# ------------------------------------------------------------------------------ the record


@dataclass(frozen=True)
class RecordItem:
    session: ForumSession | None  # None: the forum's own documents
    recordings: list[Material]
    documents: list[Material]


def materials(forum: Forum) -> list[Material]:
    return list(
        db.session.scalars(
            select(Material)
            .where(Material.forum_id == forum.id)
            .order_by(Material.session_id, Material.kind, Material.language, Material.id)
        )
    )


def record(forum: Forum) -> list[RecordItem]:
    """The programme as it happened, every session in order (cancelled ones too), each with
    its recordings and documents; the forum's own documents first."""
    by_session: dict[int | None, list[Material]] = {}
    for material in materials(forum):
        by_session.setdefault(material.session_id, []).append(material)

    def item(session: ForumSession | None) -> RecordItem:
        found = by_session.get(session.id if session else None, [])
        return RecordItem(
            session,
            [m for m in found if m.kind == "recording"],
            [m for m in found if m.kind != "recording"],
        )

    sessions = sorted(forum.sessions, key=lambda s: (s.starts_at, s.id))
    items = [item(s) for s in sessions]
    own = item(None)
    return ([own] if own.recordings or own.documents else []) + items


def document_path(slug: str, material_id: int, filename: str) -> str:
    return f"/forums/{slug}/documents/{material_id}/{quote(filename)}"


def material_infos(forum_id: int, slug: str, base_url: str) -> dict[int, tuple[MaterialInfo, ...]]:
    """Each session's recordings and documents as plain data with absolute links (one query,
    the files themselves not loaded): what the frab export lists."""
    rows = db.session.execute(
        select(
            Material.id,
            Material.session_id,
            Material.kind,
            Material.url,
            Material.filename,
            Material.title,
            Material.language,
        )
        .where(Material.forum_id == forum_id, Material.session_id.is_not(None))
        .order_by(Material.session_id, Material.id)
    )
    found: dict[int, list[MaterialInfo]] = {}
    for id_, session_id, kind, url, filename, title, language in rows:
        link = url or base_url.rstrip("/") + document_path(slug, id_, filename)
        found.setdefault(session_id, []).append(MaterialInfo(kind, link, title, language))
    return {key: tuple(items) for key, items in found.items()}
