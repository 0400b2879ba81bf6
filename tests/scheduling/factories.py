"""Sample forum data for the scheduling tests: Korean and English, a keynote, a three-speaker
panel, a cancelled session, a long Korean title full of characters that need escaping, and a
registrants-only stream. Times are given in KST and stored in UTC, as the app would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from scheduling.types import (
    Bilingual,
    ForumInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
    VenueInfo,
)

KST = timezone(timedelta(hours=9))
DOMAIN = "madang.example"
BASE_URL = "https://madang.example/forums/smart-city-2025/"

LONG_TITLE = Bilingual(
    ko=(
        "스마트시티, 데이터; 그리고 시민\\행정: 서울 디지털 트윈 실험과"
        " 시민 참여형 도시 문제 해결에 관한 심층 토론\n2부 🏙️🤖 (AI·IoT, 5G; 자율주행)"
    ),
    en="Smart city, data; and citizen\\government: Seoul's digital twin\nPart 2 🏙️🤖",
)

GRAND_HALL = VenueInfo(
    id=1,
    name=Bilingual(ko="대회의실", en="Grand Hall"),
    kind="hall",
    building=Bilingual(ko="서울시청 본관"),
    floor=Bilingual(ko="3층"),
    room=Bilingual(ko="301호"),
    address=Bilingual(ko="서울특별시 중구 세종대로 110"),
    seats=300,
)
STUDIO = VenueInfo(
    id=2,
    name=Bilingual(ko="스튜디오 S", en="Studio S"),
    kind="studio",
    building=Bilingual(ko="서소문청사"),
    floor=Bilingual(ko="B1"),
)

YOUTUBE = StreamInfo(id=1, platform="YouTube", url="https://www.youtube.com/live/madang-101")
PANEL_YOUTUBE = StreamInfo(id=2, platform="YouTube", url="https://www.youtube.com/live/madang-102")
PANEL_ZOOM = StreamInfo(
    id=3,
    platform="Zoom",
    url="https://zoom.us/j/9990001111?pwd=secret102",
    label="Zoom Q&A (참가자 전용)",
    registrants_only=True,
)
WEBEX = StreamInfo(
    id=4,
    platform="Webex",
    url="https://seoul.webex.com/meet/madang104",
    registrants_only=True,
)
NAVER = StreamInfo(id=5, platform="NAVER NOW", url="https://now.naver.com/l/madang104", label="")


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    """A forum time (October 2025, KST) stored as UTC like the app stores it."""
    return datetime(2025, 10, day, hour, minute, tzinfo=KST).astimezone(UTC)


def stamp(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 9, day, hour, 0, 0, tzinfo=UTC)


def keynote(**changes: Any) -> SessionInfo:
    session = SessionInfo(
        id=101,
        title=Bilingual(ko="개회 기조연설: 시민과 함께 만드는 스마트시티", en="Opening keynote"),
        kind="keynote",
        format="hybrid",
        start=kst(14, 10, 30),
        end=kst(14, 11, 30),
        status="scheduled",
        revision=2,
        updated_at=stamp(1),
        description=Bilingual(
            ko="서울의 스마트시티 전략을 소개합니다.",
            en="Seoul's smart-city strategy, from sensors to services.",
        ),
        venue=GRAND_HALL,
        speakers=(
            SpeakerRole(
                speaker_id=11,
                name=Bilingual(ko="이석우", en="Lee Seok-woo"),
                role="keynote",
                affiliation=Bilingual(en="NIST"),
            ),
        ),
        streams=(YOUTUBE,),
        language="ko",
        url="https://madang.example/forums/smart-city-2025/sessions/101",
    )
    return dataclasses.replace(session, **changes)


def panel(**changes: Any) -> SessionInfo:
    session = SessionInfo(
        id=102,
        title=Bilingual(
            ko="패널 토론: 도시 데이터의 개방과 보호", en="Panel: open and safe city data"
        ),
        kind="panel",
        format="hybrid",
        start=kst(14, 13),
        end=kst(14, 14, 30),
        status="scheduled",
        revision=0,
        updated_at=stamp(2),
        description=Bilingual(en="Three views on open data and privacy."),
        venue=GRAND_HALL,
        speakers=(
            # Given out of order on purpose: `order` decides.
            SpeakerRole(
                12,
                Bilingual(ko="김민지", en="Kim Min-ji"),
                "panelist",
                Bilingual(en="KAIST"),
                order=2,
            ),
            SpeakerRole(
                13,
                Bilingual(ko="박준호", en="Park Jun-ho"),
                "moderator",
                Bilingual(ko="서울시"),
                order=1,
            ),
            SpeakerRole(
                14, Bilingual(en="Anna Schmidt"), "panelist", Bilingual(en="TU Berlin"), order=3
            ),
        ),
        streams=(PANEL_YOUTUBE, PANEL_ZOOM),
        language="ko",
        url="https://madang.example/forums/smart-city-2025/sessions/102",
    )
    return dataclasses.replace(session, **changes)


def cancelled(**changes: Any) -> SessionInfo:
    session = SessionInfo(
        id=103,
        title=Bilingual(ko="드론 배송 시연", en="Drone delivery demo"),
        kind="demo",
        format="in_person",
        start=kst(14, 15),
        end=kst(14, 16),
        status="cancelled",
        revision=4,
        updated_at=stamp(5),
        venue=STUDIO,
        language="en",
        url="https://madang.example/forums/smart-city-2025/sessions/103",
    )
    return dataclasses.replace(session, **changes)


def long_title(**changes: Any) -> SessionInfo:
    session = SessionInfo(
        id=104,
        title=LONG_TITLE,
        kind="talk",
        format="online",
        start=kst(15, 10),
        end=kst(15, 11, 15),
        status="scheduled",
        revision=1,
        updated_at=stamp(3),
        description=Bilingual(
            ko="쉼표, 세미콜론; 백슬래시 \\ 그리고 줄바꿈\n을 포함한 설명 ✨",
            en="Commas, semicolons; a backslash \\ and a newline\nin the text ✨",
        ),
        speakers=(
            SpeakerRole(
                15, Bilingual(ko="최유나", en="Choi Yu-na"), "presenter", Bilingual(en="LG CNS")
            ),
        ),
        streams=(NAVER, WEBEX),
        language="ko",
        url="https://madang.example/forums/smart-city-2025/sessions/104",
    )
    return dataclasses.replace(session, **changes)


def workshop(**changes: Any) -> SessionInfo:
    """Korean-only title, in the studio on day two."""
    session = SessionInfo(
        id=105,
        title=Bilingual(ko="공공 데이터 해커톤 워크숍"),
        kind="workshop",
        format="in_person",
        start=kst(15, 14),
        end=kst(15, 17),
        status="scheduled",
        revision=0,
        updated_at=stamp(4),
        venue=STUDIO,
        speakers=(SpeakerRole(16, Bilingual(ko="정하늘"), "host"),),
        language="ko",
        url="https://madang.example/forums/smart-city-2025/sessions/105",
    )
    return dataclasses.replace(session, **changes)


def sample_sessions() -> list[SessionInfo]:
    # Deliberately not in time order: the builders sort.
    return [long_title(), cancelled(), workshop(), keynote(), panel()]


def sample_forum(**changes: Any) -> ForumInfo:
    forum = ForumInfo(
        id=7,
        slug="smart-city-2025",
        title=Bilingual(ko="2025 서울 스마트시티 포럼", en="Seoul Smart City Forum 2025"),
        timezone="Asia/Seoul",
        first_day=date(2025, 10, 14),
        last_day=date(2025, 10, 15),
        updated_at=stamp(1, 9),
        theme=Bilingual(ko="함께 만드는 도시", en="A city made together"),
        description=Bilingual(
            ko="시민, 기업, 행정이 함께 스마트시티를 이야기합니다.",
            en="Citizens, companies and government discuss the smart city.",
        ),
        format="hybrid",
        organizer_name=Bilingual(ko="서울특별시 스마트도시정책관"),
        organizer_email="forum@smartcity.seoul.example",
        url="https://madang.example/forums/smart-city-2025/",
        sessions=tuple(sample_sessions()),
    )
    return dataclasses.replace(forum, **changes)


# -- the agenda solver ------------------------------------------------------------------------
# Small problems on the sample forum's days (14-15 Oct 2025, Asia/Seoul): a hall, a studio and
# an off-site venue, built so that each test changes only what it is about. The solver (and
# OR-Tools) is imported inside each builder so that the other scheduling tests never load it.

SOLVER_DAY1 = date(2025, 10, 14)
SOLVER_DAY2 = date(2025, 10, 15)


def solver_hall(**changes: Any):
    from scheduling.solver import Venue

    return dataclasses.replace(
        Venue(id=1, name=GRAND_HALL.name, kind="hall", capacity=GRAND_HALL.seats), **changes
    )


def solver_studio(**changes: Any):
    from scheduling.solver import Venue

    return dataclasses.replace(Venue(id=2, name=STUDIO.name, kind="studio"), **changes)


def solver_offsite(**changes: Any):
    from scheduling.solver import Venue

    venue = Venue(
        id=3,
        name=Bilingual(ko="서울 스마트시티 리빙랩", en="Smart City Living Lab"),
        kind="offsite",
        capacity=40,
    )
    return dataclasses.replace(venue, **changes)


def solver_speaker(id: int = 11, **changes: Any):
    from scheduling.solver import Speaker

    names = {
        11: Bilingual(ko="빌라리뇨", en="Vilariño"),
        12: Bilingual(ko="김민지", en="Kim Min-ji"),
        13: Bilingual(ko="박준호", en="Park Jun-ho"),
    }
    speaker = Speaker(id=id, name=names.get(id, Bilingual(en=f"Speaker {id}")))
    return dataclasses.replace(speaker, **changes)


def solver_session(id: int, **changes: Any):
    from scheduling.solver import Session

    session = Session(
        id=id, title=Bilingual(ko=f"세션 {id}", en=f"Session {id}"), duration_minutes=60
    )
    return dataclasses.replace(session, **changes)


def solver_problem(sessions, venues=None, speakers=(), **changes: Any):
    from scheduling.solver import Problem

    problem = Problem(
        timezone="Asia/Seoul",
        first_day=SOLVER_DAY1,
        last_day=SOLVER_DAY1,
        sessions=tuple(sessions),
        venues=tuple(venues if venues is not None else (solver_hall(),)),
        speakers=tuple(speakers),
    )
    return dataclasses.replace(problem, **changes)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A forum time in October 2025, KST (aware)."""
    return datetime(2025, 10, day, hour, minute, tzinfo=KST)


def random_problem(seed: int, *, sessions: int = 24, rooms: int = 3, days: int = 2):
    """A small conference: 30-60 minute talks, rooms of 60-300 seats open 09:00-18:00, a lunch
    break, speakers with one or two talks and random availability, registrants who share."""
    import random
    from datetime import time

    from scheduling.solver import Break, OpeningHours, Problem, Session, Speaker, Venue, Window

    rng = random.Random(seed)
    first = SOLVER_DAY1
    day_list = [first + timedelta(days=i) for i in range(days)]
    venues = tuple(
        Venue(
            id=i + 1,
            name=Bilingual(en=f"Room {i + 1}"),
            kind="hall",
            capacity=rng.choice((60, 120, 300)),
            open_hours=(OpeningHours(time(9), time(18)),),
        )
        for i in range(rooms)
    )
    speakers = []
    for k in range(1, sessions + 1):
        windows = ()
        if rng.random() < 0.3:
            day = rng.choice(day_list)
            start = rng.choice((9, 11, 13))
            windows = (
                Window(datetime.combine(day, time(start)), datetime.combine(day, time(start + 5))),
            )
        speakers.append(Speaker(id=k, name=Bilingual(en=f"Speaker {k}"), availability=windows))
    talks = tuple(
        Session(
            id=i,
            title=Bilingual(en=f"Talk {i}"),
            duration_minutes=rng.choice((30, 60)),
            audience=rng.randint(20, 60),
            speaker_ids=(rng.randint(1, sessions),),
        )
        for i in range(1, sessions + 1)
    )
    used = {k for t in talks for k in t.speaker_ids}
    shared = {}
    for _ in range(sessions):
        a, b = sorted(rng.sample(range(1, sessions + 1), 2))
        shared[(a, b)] = rng.randint(1, 30)
    return Problem(
        timezone="Asia/Seoul",
        first_day=first,
        last_day=day_list[-1],
        sessions=talks,
        venues=venues,
        speakers=tuple(s for s in speakers if s.id in used),
        breaks=tuple(
            Break(Window(datetime.combine(d, time(12)), datetime.combine(d, time(13))))
            for d in day_list
        ),
        registrants={t.id: t.audience for t in talks},
        shared_registrants=shared,
        step_minutes=30,
    )
