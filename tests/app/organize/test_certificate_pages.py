"""Certificate pages through real requests: the organizer's rule and wording, issuing them,
a person's download from their manage page, and the public verify page; bad input answered on
the page with nothing changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.core.tokens import hash_token
from app.models import Certificate, OutboxMessage
from app.registration import certificates
from tests.pdf import pdf_pages

SETTINGS = {
    "enabled": "y",
    "forum_check_in": "y",
    "wording_ko": "위 사람은 본 행사에 참석하였음을 확인합니다.",
    "wording_en": "This is to certify that the person named above attended.",
    "signatory_ko": "홍길동",
    "signatory_en": "Hong Gil-dong",
}


@pytest.fixture(autouse=True)
def _needs_a_korean_font(korean_font):
    """Every test here makes a PDF (see the `korean_font` fixture)."""


@pytest.fixture
def over(db, make_forum, make_registration, make_user, login):
    """A forum that is over: one person checked in (with a known manage token), one absent."""
    forum = make_forum(slug="over", first_day=date(2026, 5, 14), last_day=date(2026, 5, 14))
    came = make_registration(forum, name="김민수")
    came.checked_in_at = datetime(2026, 5, 14, 1, 0, tzinfo=UTC)
    came.manage_token_hash = hash_token("came-token")
    absent = make_registration(forum, name="Absent")
    absent.manage_token_hash = hash_token("absent-token")
    db.session.commit()
    return forum, came, login(make_user("organizer", forum))


def _issued(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Certificate.id)))


def test_the_organizer_sets_the_rule_and_issues_the_certificates(db, over):
    forum, _came, organizer = over
    url = f"/organize/forums/{forum.slug}/certificates"
    assert "Certificates" in organizer.get(f"/organize/forums/{forum.slug}").get_data(True)
    saved = organizer.post(url, data=SETTINGS, follow_redirects=True).get_data(True)
    assert "The certificate settings are saved." in saved
    assert 'id="eligible">1<' in saved and 'id="issued">0<' in saved

    issued = organizer.post(f"{url}/issue", follow_redirects=True).get_data(True)
    assert "1 certificate was queued to be mailed." in issued and 'id="issued">1<' in issued
    again = organizer.post(f"{url}/issue", follow_redirects=True).get_data(True)
    assert "0 certificates were queued to be mailed." in again
    assert _issued(db) == 1
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count("certificate") == 1


def test_settings_without_wording_come_back_with_the_fields_message(db, over):
    forum, _came, organizer = over
    response = organizer.post(
        f"/organize/forums/{forum.slug}/certificates", data={**SETTINGS, "wording_en": ""}
    )
    assert response.status_code == 422
    assert "Needed when certificates are enabled." in response.get_data(True)
    assert certificates.settings_of(forum).enabled is False


def test_issuing_before_enabling_is_refused(db, over):
    forum, _came, organizer = over
    page = organizer.post(
        f"/organize/forums/{forum.slug}/certificates/issue", follow_redirects=True
    ).get_data(True)
    assert "Certificates are not enabled for this forum." in page
    assert _issued(db) == 0


def test_a_person_downloads_theirs_and_someone_absent_is_told_why_not(db, client, over):
    forum, _came, organizer = over
    organizer.post(f"/organize/forums/{forum.slug}/certificates", data=SETTINGS)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    manage = client.get("/manage/came-token").get_data(True)
    assert 'href="/manage/came-token/certificate.pdf"' in manage

    pdf = client.get("/manage/came-token/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="certificate-over-')
    assert pdf.headers["Cache-Control"] == "no-store"
    [(_size, text)] = pdf_pages(pdf.data)
    assert "김민수" in "".join(text.split())

    refused = client.get("/manage/absent-token/certificate.pdf")
    assert refused.status_code == 403
    assert "There is no certificate for this registration" in refused.get_data(True)
    assert _issued(db) == 1


def test_the_verify_page(db, client, over):
    forum, came, organizer = over
    organizer.post(f"/organize/forums/{forum.slug}/certificates", data=SETTINGS)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    code = certificates.display(certificates.certificate_for(came).code)

    empty = client.get("/certificates/verify")
    assert empty.status_code == 200 and "Check a certificate of attendance" in empty.get_data(True)
    found = client.get(f"/certificates/verify?code={code.lower()}")
    html = found.get_data(True)
    assert found.status_code == 200 and "This certificate is genuine" in html
    assert "김*수" in html and "김민수" not in html and "Test Forum" in html
    malformed = client.get("/certificates/verify?code=12%3Cscript%3E")
    assert malformed.status_code == 422 and "12 letters and digits" in malformed.get_data(True)
    assert "<script>" not in malformed.get_data(True)
    unknown = client.get("/certificates/verify?code=ABCD-EFGH-JKMN")
    assert unknown.status_code == 404 and "No certificate has this code." in unknown.get_data(True)
