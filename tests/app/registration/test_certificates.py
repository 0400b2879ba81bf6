"""Certificates of attendance as a service: the rule and wording checked, who qualifies (desk,
session door, online), issuing once the forum is over (once per person), the PDF's text with its
Korean, the public check of a code, and what erasure leaves of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import NotFound, ValidationFailed
from app.models import Certificate, OnlineAttendance, OutboxMessage, StreamLink, User
from app.privacy import operations as privacy
from app.registration import certificates
from app.registration.certificates import NotEligible, NotYet
from tests.pdf import pdf_pages

SETTINGS = {
    "enabled": True,
    "forum_check_in": True,
    "session_check_in": True,
    "online_attendance": True,
    "wording_ko": "위 사람은 본 행사에 참석하였음을 확인합니다.",
    "wording_en": "This is to certify that the person named above attended the forum.",
    "signatory_ko": "홍길동",
    "signatory_en": "Hong Gil-dong",
    "signatory_title_ko": "서울특별시 스마트도시정책관",
    "signatory_title_en": "Director of Smart City Policy, Seoul",
}
AFTER = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)  # the forum (14–15 May) is over


@pytest.fixture(autouse=True)
def _needs_a_korean_font(korean_font):
    """Every test here makes a PDF (see the `korean_font` fixture)."""


@pytest.fixture
def attended(db, make_forum, make_session, make_registration):
    """A forum over since 15 May: one person per way of attending, and some who did not."""
    forum = make_forum(
        slug="over", format="hybrid", first_day=date(2026, 5, 14), last_day=date(2026, 5, 15)
    )
    tour = make_session(forum, seats=20, title_en="Tour")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url="https://yt.example/live")
    db.session.add(stream)
    db.session.commit()
    now = datetime(2026, 5, 14, 1, 0, tzinfo=UTC)
    people = {
        "desk": make_registration(forum, name="김민수", email="desk@example.org"),
        "door": make_registration(forum, sessions=(tour,), name="Anna Schmidt"),
        "online": make_registration(forum, attendance="online", name="이영희"),
        "absent": make_registration(forum, name="Absent"),
        "cancelled": make_registration(forum, status="cancelled", name="Gone"),
    }
    people["desk"].checked_in_at = now
    people["door"].bookings[0].checked_in_at = now
    people["cancelled"].checked_in_at = now
    db.session.add(
        OnlineAttendance(
            forum_id=forum.id,
            registration_id=people["online"].id,
            session_id=plenary.id,
            stream_id=stream.id,
            first_opened_at=now,
        )
    )
    user = User(email="o@staff.example.org", name="O", password_hash="-", role="organizer")
    db.session.add(user)
    db.session.commit()
    return forum, people, user


def _enable(forum, user, **changes):
    return certificates.save_settings(forum, {**SETTINGS, **changes}, user)


def _eligible(forum, people) -> set[str]:
    settings = certificates.settings_of(forum)
    return {n for n, p in people.items() if certificates.is_eligible(p, settings)}


def test_each_way_of_attending_counts_as_the_rule_says(db, attended):
    forum, people, user = attended
    _enable(forum, user)
    assert _eligible(forum, people) == {"desk", "door", "online"}
    assert certificates.eligible_count(forum) == 3
    _enable(forum, user, forum_check_in=False, online_attendance=False)
    assert _eligible(forum, people) == {"door"}
    _enable(forum, user, forum_check_in=True, session_check_in=False, online_attendance=False)
    assert _eligible(forum, people) == {"desk"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"forum_check_in": False, "session_check_in": False, "online_attendance": False},
            "forum_check_in",
        ),
        ({"wording_ko": ""}, "wording_ko"),
        ({"signatory_en": "  "}, "signatory_en"),
        ({"signatory_ko": "두 줄\n이름"}, "signatory_ko"),
        ({"wording_en": "x" * 1001}, "wording_en"),
        ({"enabled": "yes"}, "enabled"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(db, attended, changes, field):
    forum, _people, user = attended
    with pytest.raises(ValidationFailed) as refused:
        _enable(forum, user, **changes)
    assert field in refused.value.errors
    assert certificates.settings_of(forum).enabled is False


def test_certificates_are_issued_once_the_forum_is_over_and_only_once(db, attended):
    forum, people, user = attended
    _enable(forum, user)
    with pytest.raises(NotYet):
        certificates.issue_forum(forum, now=datetime(2026, 5, 15, 10, 0, tzinfo=UTC))
    assert certificates.issue_due(now=datetime(2026, 5, 15, 10, 0, tzinfo=UTC)) == 0

    assert certificates.issue_due(now=AFTER) == 3
    assert certificates.issue_due(now=AFTER + timedelta(days=1)) == 0  # done for this forum
    assert certificates.issue_forum(forum, now=AFTER) == 0  # again by hand: nobody twice
    rows = db.session.scalars(select(Certificate)).all()
    assert {r.registration_id for r in rows} == {people[n].id for n in ("desk", "door", "online")}
    assert len({r.code for r in rows}) == 3 and all(len(r.code) == 12 for r in rows)
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "certificate"))
    assert len(mails.all()) == 3


def test_a_person_who_did_not_attend_gets_no_certificate(db, attended):
    forum, people, user = attended
    with pytest.raises(NotEligible):  # not enabled
        certificates.certificate_for(people["desk"], now=AFTER)
    _enable(forum, user)
    with pytest.raises(NotYet):
        certificates.certificate_for(people["desk"], now=datetime(2026, 5, 14, tzinfo=UTC))
    for name in ("absent", "cancelled"):
        with pytest.raises(NotEligible):
            certificates.certificate_for(people[name], now=AFTER)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    mine = certificates.certificate_for(people["desk"], now=AFTER)
    assert certificates.certificate_for(people["desk"], now=AFTER).code == mine.code


def _pdf_text(data: bytes) -> str:
    """The page's text as PDFium (Chrome's PDF engine) reads it, white space removed."""
    [(size, text)] = pdf_pages(data)
    assert size == (595, 842)  # A4, in points
    return "".join(text.split())


def test_the_pdf_is_a4_in_both_languages_with_the_korean_embedded(db, attended):
    forum, people, user = attended
    _enable(forum, user)
    certificate = certificates.certificate_for(people["desk"], now=AFTER)
    data = certificates.certificate_pdf(certificate)
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    code = certificates.display(certificate.code)
    for expected in (
        "참석확인서",
        "CertificateofAttendance",
        "김민수",
        "위사람은본행사에참석하였음을확인합니다.",
        "Thisistocertifythatthepersonnamedaboveattendedtheforum.",
        "서울특별시스마트도시정책관·홍길동",
        "2026-05-14–2026-05-15",
        code,
        f"/certificates/verify?code={code}",
    ):
        assert expected in text, expected
    assert b"/FontFile2" in data or b"/FontFile3" in data  # embedded, not referenced


def test_a_code_verifies_with_the_name_masked_and_nothing_else(db, attended):
    forum, people, user = attended
    _enable(forum, user)
    desk = certificates.certificate_for(people["desk"], now=AFTER)
    door = certificates.certificate_for(people["door"], now=AFTER)
    found = certificates.verify(certificates.display(desk.code).lower().replace("-", " "))
    assert (found.masked_name, found.forum.id) == ("김*수", forum.id)
    assert certificates.verify(door.code).masked_name == "A*** S******"


@pytest.mark.parametrize("code", ["", "ABC", "ABCD-EFGH-JKL0", "x" * 200, "ABCD-EFGH-JKMN-N"])
def test_a_malformed_code_is_refused(db, attended, code):
    with pytest.raises(ValidationFailed):
        certificates.verify(code)


def test_an_unknown_code_is_not_found(db, attended):
    with pytest.raises(NotFound):
        certificates.verify("ABCD-EFGH-JKMN")


def test_an_erased_persons_certificate_verifies_nothing_and_leaves_their_export(db, attended):
    forum, people, user = attended
    _enable(forum, user)
    certificate = certificates.certificate_for(people["online"], now=AFTER)
    code = certificate.code
    exported = privacy.export_registration(people["online"])
    assert exported["certificates"] == [
        {"code": certificates.display(code), "issued_at": exported["certificates"][0]["issued_at"]}
    ]
    privacy.erase_registration(people["online"])
    with pytest.raises(NotFound):
        certificates.verify(code)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("김철수", "김*수"),
        ("남궁민수", "남**수"),
        ("홍길", "홍*"),
        ("Jane Doe", "J*** D**"),
        ("", "—"),
    ],
)
def test_names_are_masked_for_the_public(name, masked):
    assert certificates.mask_name(name) == masked
