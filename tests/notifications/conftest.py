"""Fixtures for the notifications tests: a jinja2 renderer and real aiosmtpd servers."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.messages import OutgoingMessage, make_message_id

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KST = timezone(timedelta(hours=9))


@pytest.fixture(scope="session")
def jinja_env() -> Environment:
    # Same escaping rule as Flask (.html escaped, .txt not); StrictUndefined catches typos.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )


@pytest.fixture(scope="session")
def render(jinja_env: Environment) -> Callable[[str, Any], str]:
    return lambda name, ctx: jinja_env.get_template(name).render(ctx)


VENUE = {
    "name": "서울시청 다목적홀",
    "building": "서울시청 신청사",
    "floor": "8층",
    "room": "801호",
    "address": "서울특별시 중구 세종대로 110",
    "access_notes": "시청역 5번 출구에서 도보 2분",
    "map_url": "https://map.example/seoul-city-hall",
}
SESSIONS = [
    {
        "title": "개회식",
        "when": "5월 14일 (수) 09:00–09:30",
        "where": "다목적홀",
        "status": "confirmed",
    },
    {
        "title": "패널: 스마트 모빌리티",
        "when": "5월 14일 (수) 10:00–11:30",
        "where": "태평홀",
        "status": "waitlisted",
        "position": 3,
    },
]
STREAMS = [
    {"label": "YouTube 생중계", "url": "https://youtube.example/live/sds"},
    {"label": "Zoom 웨비나", "url": "https://zoom.example/j/123", "registrants_only": True},
]
BASE = {
    "recipient_name": "홍길동",
    "forum_title": "서울 디지털 서밋 2025",
    "when": "2025년 5월 14일 (수) 09:00–18:00 (KST)",
    "manage_url": "https://madang.example/manage/tok123",
}


def _pick(*keys: str) -> dict[str, Any]:
    return {k: BASE[k] for k in keys}


#: A full context for every kind (every optional key that matters is set).
FULL_CONTEXTS: dict[str, dict[str, Any]] = {
    "registration_confirmed": {
        **BASE,
        "attendance_mode": "in_person",
        "confirmation_code": "SDS-7K3Q",
        "venue": VENUE,
        "qr_svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
        "calendar_url": "webcal://madang.example/cal/tok123.ics",
        "streams": STREAMS,
        "sessions": SESSIONS,
        "contact_email": "help@madang.example",
    },
    "registration_waitlisted": {
        **BASE,
        "position": 4,
        "confirmation_code": "SDS-W004",
        "sessions": SESSIONS,
    },
    "waitlist_promoted": {
        **BASE,
        "attendance_mode": "online",
        "confirmation_code": "SDS-7K3Q",
        "promoted_session": "패널: 스마트 모빌리티",
        "streams": STREAMS,
        "sessions": SESSIONS,
    },
    "registration_cancelled": {
        **_pick("recipient_name", "forum_title", "when"),
        "cancelled_by": "organizer",
        "reason": "중복 등록",
        "contact_email": "help@madang.example",
    },
    "manage_link": {**_pick("recipient_name", "forum_title", "manage_url"), "when": BASE["when"]},
    "session_changed": {
        **_pick("recipient_name", "forum_title", "manage_url"),
        "session_title": "패널: 스마트 모빌리티",
        "changes": [
            {"field": "time", "old": "10:00–11:30", "new": "13:00–14:30"},
            {"field": "venue", "old": "태평홀", "new": "다목적홀"},
        ],
        "note": "연사 일정으로 시간이 변경되었습니다.",
        "calendar_url": "https://madang.example/cal/tok123.ics",
    },
    "reminder": {
        **BASE,
        "attendance_mode": "in_person",
        "confirmation_code": "SDS-7K3Q",
        "venue": VENUE,
        "sessions": SESSIONS[:1],
    },
    "speaker_programme": {
        **_pick("recipient_name", "forum_title", "when"),
        "forum_url": "https://madang.example/forums/sds/speakers/3",
        "speaker_sessions": [
            {
                "title": "패널: 스마트 모빌리티",
                "when": "5월 14일 (수) 10:00–11:30",
                "where": "다목적홀",
                "role": "좌장",
                "format": "대면·온라인 병행",
            },
            {
                "title": "현장 방문",
                "when": "5월 14일 (수) 16:30–18:30",
                "role": "발표자",
                "format": "대면",
                "cancelled": True,
                "meeting": "16:15, 서울시청 정문",
            },
        ],
        "connection_details": "Zoom: https://zoom.example/j/123 (암호 4567)",
        "feed_url": "https://madang.example/forums/sds/speakers/3.ics",
    },
    "feedback_request": {
        **_pick("recipient_name", "forum_title"),
        "survey_url": "https://madang.example/manage/abc.def/feedback",
    },
    "comment_confirm": {
        **_pick("recipient_name", "forum_title"),
        "prompt": "포용적 스마트시티는 ○○○다",
        "comment": "포용적 스마트시티는 모두의 마당이다",
        "confirm_url": "https://madang.example/forums/sds/comments/confirm/abc",
    },
    "comment_thanks": {
        **_pick("recipient_name", "forum_title"),
        "streams": STREAMS,
        "prompt": "포용적 스마트시티는 ○○○다",
        "comment": "포용적 스마트시티는 모두의 마당이다",
        "reward_note": "추첨으로 커피 쿠폰을 드립니다.",
        "wall_url": "https://madang.example/forums/sds/comments",
    },
    "draw_won": {
        **_pick("recipient_name", "forum_title"),
        "prize": "커피 쿠폰",
        "draw_url": "https://madang.example/forums/sds/comments/draw",
    },
    "certificate": {
        **_pick("recipient_name", "forum_title", "when"),
        "certificate_code": "ABCD-EFGH-JKMN",
        "verify_url": "https://madang.example/certificates/verify?code=ABCD-EFGH-JKMN",
    },
    "announcement": {
        **_pick("recipient_name", "forum_title", "manage_url"),
        "headline": "건강 확인 데스크 안내",
        "message": "입장 전 1층 로비에서 발열 확인을 받아 주세요.\n마스크를 꼭 써 주세요.\n\n"
        "감사합니다. 곧 뵙겠습니다.",
    },
    "service_answer": {
        **_pick("recipient_name", "forum_title", "manage_url"),
        "session_title": "패널: 스마트 모빌리티",
        "service": "한국수어 통역",
        "answer": "confirmed",
        "when": "5월 14일 (수) 10:00–11:30",
        "note": "수어 통역사는 무대 왼쪽에 있습니다.",
        "forum_url": "https://madang.example/forums/sds/sessions/2",
    },
    "speaker_session_changed": {
        **_pick("recipient_name", "forum_title"),
        "forum_url": "https://madang.example/forums/sds/speakers/3",
        "session_title": "패널: 스마트 모빌리티",
        "changes": [{"field": "time", "old": "10:00–11:30", "new": "13:00–14:30"}],
        "note": "연사 일정으로 시간이 변경되었습니다.",
        "connection_details": "서울온 스튜디오, 서울시청 별관 3층",
        "feed_url": "webcal://madang.example/forums/sds/speakers/3.ics",
    },
}


@pytest.fixture
def full_contexts() -> dict[str, dict[str, Any]]:
    import copy

    return copy.deepcopy(FULL_CONTEXTS)


def make_outgoing(n: int = 0, **overrides: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "message_id": make_message_id("madang.example"),
        "to": f"user{n}@example.com",
        "to_name": "홍길동",
        "subject": f"[서울 디지털 서밋 2025] 등록이 확정되었습니다 #{n}",
        "text": f"안녕하세요 #{n}\n확인 코드: SDS-{n:04d}\n",
        "html": f"<p>안녕하세요 #{n}</p>\n",
        "from_addr": "서울 디지털 서밋 <noreply@madang.example>",
        "reply_to": "help@madang.example",
        "date": datetime(2025, 5, 13, 9, 30, tzinfo=KST),
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)


@pytest.fixture
def outgoing() -> Callable[..., OutgoingMessage]:
    return make_outgoing


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class Received:
    peer: Any
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class RecordingHandler:
    """Collects envelopes; can refuse chosen recipients at RCPT or at DATA time."""

    received: list[Received] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)  # one entry per connection (first EHLO)
    ehlo_count: int = 0
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply to RCPT
    data_replies: dict[str, str] = field(default_factory=dict)  # address -> reply to DATA

    @property
    def connections(self) -> int:
        return len(self.peers)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # the 5-argument hook must set it itself
        self.ehlo_count += 1
        if session.peer not in self.peers:
            self.peers.append(session.peer)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.data_replies:
                return self.data_replies[rcpt]
        self.received.append(
            Received(session.peer, envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 2.0.0 Message accepted"


@dataclass
class Server:
    host: str
    port: int
    handler: RecordingHandler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_factory() -> Iterator[Callable[..., Server]]:
    """Start real aiosmtpd servers on 127.0.0.1; extra kwargs go to the Controller."""
    controllers: list[Controller] = []

    def start(**kwargs: Any) -> Server:
        handler = RecordingHandler()
        port = free_port()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, server_hostname="mx.test", **kwargs
        )
        controller.start()
        controllers.append(controller)
        return Server("127.0.0.1", port, handler)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_factory: Callable[..., Server]) -> Server:
    return smtp_factory()


@dataclass
class Certs:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        # The project's CI treats anything that cannot run as a failure, never a skip.
        pytest.fail("the TLS tests need the openssl CLI to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certs(cert, key)


def password_authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"madang",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def authenticator() -> Callable[..., AuthResult]:
    """Accepts login 'madang' / password 's3cret'."""
    return password_authenticator
