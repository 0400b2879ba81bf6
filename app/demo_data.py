"""The demo forums as plain Python data: the four real editions and one upcoming sample.

The real editions follow the Korean source articles in `shared/seeds/` (summarised in
`shared/design/domain.md`). Whatever the articles leave open (most session times, end times,
seat numbers, stream addresses) is chosen here and said so in each forum's `data_note`.

Shapes (read by `app.demo`):
- a forum is a dict of `Forum` columns plus `venues` (key -> Venue columns), `speakers`
  (key -> Speaker columns), `sessions` (a list, in programme order) and `streams` (forum-wide);
- a session is a dict of `ForumSession` columns except the times, plus `key`, `day`, `start`,
  `end` ("HH:MM", Asia/Seoul), `venue` and `parent` (keys or None), `speakers` (a list of
  `(speaker key, role)`, in order) and optionally `streams` (streams of that session only).

Text fields that describe a real place or organisation (a venue's building, floor, room, address
and accessibility notes, a speaker's affiliation and title, the forum's organizer) are written
"English / 한국어" in one string; the loader puts each half in its `_en` or `_ko` column.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")

# ---------------------------------------------------------------- shared places and helpers

CITY_HALL_ADDRESS = "110 Sejong-daero, Jung-gu, Seoul / 서울특별시 중구 세종대로 110"
DDP_ADDRESS = "281 Eulji-ro, Jung-gu, Seoul / 서울특별시 중구 을지로 281"
LG_SCIENCE_PARK_ADDRESS = "Magokjungang 10-ro, Gangseo-gu, Seoul / 서울특별시 강서구 마곡중앙10로"

SMG = "Seoul Metropolitan Government / 서울특별시"


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime, local time in Seoul."""
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def placeholder(slug: str, name: str) -> str:
    """A placeholder address for a stream or page the articles name without an address."""
    return f"https://example.org/{slug}/{name}"


# ================================================================ 2018: Seoul Digital Summit

SDS_2018 = "seoul-digital-summit-2018"

SEOUL_DIGITAL_SUMMIT_2018: dict[str, Any] = {
    "slug": SDS_2018,
    "title_ko": "서울 디지털 서밋 2018",
    "title_en": "Seoul Digital Summit 2018",
    "theme_ko": "시민의 삶을 바꾸는 스마트시티",
    "theme_en": "Smart City that changes citizens' lives",
    "description_ko": (
        "2016년 이래 세 번째로 열리는 서울 디지털 서밋. 마이크로소프트, Dell EMC, 시스코, KT, "
        "LG유플러스, SK텔레콤 등 국내·외 22개 글로벌 기업과 드레스덴, 브뤼셀, 캄팔라, 니스 등 "
        "세계 4개 도시 대표가 서울시청 신청사 8층 다목적홀에 모여, 서울을 협치 기반의 지속가능한 "
        "혁신도시로 만들기 위한 시-기업 간 공동 협력방안을 논의합니다. 오전 본회의에서는 "
        "‘안전·교통’, ‘정보보안·사물인터넷’, ‘경제·교육’, ‘빅데이터·인공지능’ 4가지 주제로 "
        "21개 협력안건을 제안하고 논의하며, 도시-기업 간 네트워킹 세션과 오후 WeGO 스마트시티 "
        "글로벌 리더스 포럼이 이어집니다. 사전 행사로 9월 18일(화) 17:20 서울시청 6층에서 "
        "‘디지털 시장실 투어’가 열립니다. 시민 누구나 사전등록 및 당일 현장등록으로 참여할 수 "
        "있으며, TBS, 라이브서울, 아프리카TV, 유튜브 서울시 채널, 판도라TV, 모바일 서울에서 "
        "생중계됩니다."
    ),
    "description_en": (
        "The third Seoul Digital Summit since 2016. Representatives of 22 Korean and global "
        "companies (Microsoft, Dell EMC, Cisco, KT, LG U+, SK Telecom and others) and of four "
        "cities (Dresden, Brussels, Kampala, Nice) meet in the 8th-floor Multipurpose Hall of "
        "Seoul City Hall's new building to agree how the city and companies can work together "
        "to make Seoul a sustainable, collaboratively governed innovative city. In the morning "
        "main meeting they propose and discuss 21 cooperation items under four themes: safety "
        "& transport, information security & IoT, economy & education, big data & AI. A "
        "city–company networking session and, in the afternoon, the WeGO Smart City Global "
        "Leaders Forum follow. Pre-event: a tour of the Digital Mayor's Office, City Hall 6F, "
        "on Tue 18 Sep at 17:20. Anyone may attend, by pre-registration or on-site registration "
        "on the day; the summit is livestreamed on TBS, Live Seoul, AfreecaTV, the city's "
        "YouTube channel, Pandora TV and Mobile Seoul."
    ),
    "timezone": "Asia/Seoul",
    "first_day": date(2018, 9, 19),
    "last_day": date(2018, 9, 19),
    "format": "in_person",
    "status": "published",
    "registration_opens_at": kst(2018, 9, 3, 9, 0),
    "registration_closes_at": kst(2018, 9, 18, 18, 0),
    "onsite_registration": True,
    "in_person_capacity": None,
    "organizer_name": SMG,
    "organizer_email": "digital-summit@seoul.example.org",
    "homepage_url": "http://www.sds2018.co.kr",
    "data_note": (
        "Source: Seoul Metropolitan Government press release, 19 Sep 2018 (seed 004). "
        "Times from the article: pre-event tour Tue 18 Sep 17:20 and main meeting 10:00–12:00. "
        "Chosen for the demo (the article gives none): tour end 18:00; networking 12:00–13:30; "
        "WeGO Smart City Global Leaders Forum 14:00–17:30 ('in the afternoon'), session 1 "
        "14:00–15:40, session 2 15:50–17:30. The article places the summit in the 8F "
        "Multipurpose Hall; the networking session and the WeGO forum are assumed to be there "
        "too. The article names no representatives of the companies and cities, so they are in "
        "the session descriptions, not speakers; the only named person is First Vice Mayor Yoon "
        "Jun-byeong, who attends the main meeting (role 'guest'). Registration window "
        "3–18 Sep 2018 chosen (the article only says pre-registration and on-site registration "
        "on the day); no seat numbers are given, so none are set. Stream addresses are "
        "placeholders under https://example.org/ (the article names the platforms only). "
        "Homepage www.sds2018.co.kr is the article's 2018 address and may no longer be online. "
        "City Hall's 'new building' (신청사) is today's main building (본관)."
    ),
    "venues": {
        "hall8f": {
            "name_ko": "다목적홀",
            "name_en": "Multipurpose Hall",
            "kind": "hall",
            "building": "Seoul City Hall (new building) / 서울시청 신청사",
            "floor": "8F",
            "room": "Multipurpose Hall / 다목적홀",
            "address": CITY_HALL_ADDRESS,
            "seats": None,
        },
        "mayor_office": {
            "name_ko": "디지털 시장실",
            "name_en": "Digital Mayor's Office",
            "kind": "hall",
            "building": "Seoul City Hall (new building) / 서울시청 신청사",
            "floor": "6F",
            "room": "Digital Mayor's Office / 디지털 시장실",
            "address": CITY_HALL_ADDRESS,
            "seats": None,
        },
    },
    "speakers": {
        "yoon": {
            "name_ko": "윤준병",
            "name_en": "Yoon Jun-byeong",
            "affiliation": SMG,
            "title": "First Vice Mayor for Administrative Affairs / 행정1부시장",
            "country": "Republic of Korea",
            "bio_ko": (
                "본회의에 참석해 기업들이 제안하는 안건이 시정에 반영될 수 있도록 경청하고 "
                "의견을 제시합니다."
            ),
            "bio_en": (
                "Attends the main meeting to listen to the companies' proposals, so that the best "
                "of them can be taken up by the city, and to give the city's view."
            ),
        },
    },
    "sessions": [
        {
            "key": "tour",
            "title_ko": "사전 행사: 디지털 시장실 투어",
            "title_en": "Pre-event: Digital Mayor's Office tour",
            "description_ko": "서밋 전날, 서울시청 6층 디지털 시장실을 둘러보는 사전 행사입니다.",
            "description_en": (
                "A pre-event on the eve of the summit: a tour of the Digital Mayor's Office on "
                "the 6th floor of City Hall."
            ),
            "kind": "tour",
            "format": "in_person",
            "day": date(2018, 9, 18),
            "start": "17:20",
            "end": "18:00",
            "venue": "mayor_office",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "main",
            "title_ko": "본회의: 시민의 삶을 바꾸는 스마트시티",
            "title_en": "Main meeting: Smart City that changes citizens' lives",
            "description_ko": (
                "서울시와 참여기업들이 ‘안전·교통’, ‘정보보안·사물인터넷’, ‘경제·교육’, "
                "‘빅데이터·인공지능’ 4가지 주제로 21개 협력안건을 제안하고 논의합니다. 주요 "
                "제안: CCTV망과 드론을 활용한 시민 안전서비스, 빅데이터를 활용한 교통문제 "
                "해결, 정보통신기술을 통한 교육, 스타트업 기술지원 및 경제 활성화 방안. "
                "해외도시는 도시의 스마트시티 사례를 발표합니다(캄팔라: ‘아프리카의 스마트 "
                "시티를 향한 도전과제와 기회’). 참여 기업: 마이크로소프트, Dell EMC, 시스코, "
                "KT, LG유플러스, SK텔레콤 등 22개 기업. 윤준병 행정1부시장이 참석합니다."
            ),
            "description_en": (
                "The city and the participating companies propose and discuss 21 cooperation "
                "items under four themes: safety & transport, information security & IoT, "
                "economy & education, big data & AI. Main proposals: public-safety services "
                "using the CCTV network and drones, solving traffic problems with big data, "
                "education through ICT, and technical support for start-ups and the economy. "
                "The overseas cities present their smart-city cases (Kampala: 'Challenges and "
                "opportunities towards smart cities in Africa'). Companies: Microsoft, Dell EMC, "
                "Cisco, KT, LG U+, SK Telecom and others, 22 in all. First Vice Mayor Yoon "
                "Jun-byeong attends."
            ),
            "kind": "plenary",
            "format": "in_person",
            "day": date(2018, 9, 19),
            "start": "10:00",
            "end": "12:00",
            "venue": "hall8f",
            "parent": None,
            "speakers": [("yoon", "guest")],
        },
        {
            "key": "networking",
            "title_ko": "도시-기업 네트워킹 세션",
            "title_en": "City–company networking session",
            "description_ko": "해외도시 대표단과 글로벌 기업이 만나는 네트워킹 세션입니다.",
            "description_en": (
                "A networking session for the overseas city delegations and the global companies."
            ),
            "kind": "networking",
            "format": "in_person",
            "day": date(2018, 9, 19),
            "start": "12:00",
            "end": "13:30",
            "venue": "hall8f",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "wego",
            "title_ko": "WeGO 스마트시티 글로벌 리더스 포럼",
            "title_en": "WeGO Smart City Global Leaders Forum",
            "description_ko": (
                "WeGO(세계스마트시티기구) 주관으로 참가도시와 기업이 함께 디지털 사례를 "
                "공유하는 포럼. 2개 세션으로 나누어 발표와 토론 방식으로 진행합니다."
            ),
            "description_en": (
                "Hosted by WeGO (World Smart Sustainable Cities Organization): the participating "
                "cities and companies share digital cases, in two sessions of presentations and "
                "discussion."
            ),
            "kind": "session",
            "format": "in_person",
            "day": date(2018, 9, 19),
            "start": "14:00",
            "end": "17:30",
            "venue": "hall8f",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "wego1",
            "title_ko": (
                "첫 번째 세션: Homo Sapiencity: Citizen-centered Innovation in Smart Cities"
            ),
            "title_en": "Session 1: Homo Sapiencity: Citizen-centered Innovation in Smart Cities",
            "description_ko": (
                "캄팔라(우간다)와 니스(프랑스)가 디지털 기술을 이용한 다양한 도시 문제 해결 "
                "사례를 공유하고, Arm과 LG CNS가 기업의 기술을 기반으로 하는 스마트 시민 "
                "사회에 대해 이야기합니다."
            ),
            "description_en": (
                "Kampala (Uganda) and Nice (France) share how they solve urban problems with "
                "digital technology; Arm and LG CNS talk about a smart citizen society built on "
                "their technology."
            ),
            "kind": "panel",
            "format": "in_person",
            "language": "en",
            "day": date(2018, 9, 19),
            "start": "14:00",
            "end": "15:40",
            "venue": "hall8f",
            "parent": "wego",
            "speakers": [],
        },
        {
            "key": "wego2",
            "title_ko": "두 번째 세션: Smart Economy: AI, Blockchain, Protech in Smart Cities",
            "title_en": "Session 2: Smart Economy: AI, Blockchain, Protech in Smart Cities",
            "description_ko": (
                "드레스덴(독일), 브뤼셀(벨기에)과 SAP, 일본블록체인추진협회(BCCC)가 인공지능, "
                "블록체인 등 4차 산업혁명 주요 디지털 기술 혁신에 따른 경제 변화를 시민들과 "
                "공유합니다."
            ),
            "description_en": (
                "Dresden (Germany), Brussels (Belgium), SAP and Japan's Blockchain Collaborative "
                "Consortium (BCCC) share with citizens how AI, blockchain and the other key "
                "digital technologies of the fourth industrial revolution change the economy."
            ),
            "kind": "panel",
            "format": "in_person",
            "language": "en",
            "day": date(2018, 9, 19),
            "start": "15:50",
            "end": "17:30",
            "venue": "hall8f",
            "parent": "wego",
            "speakers": [],
        },
    ],
    "streams": [
        {
            "platform": "TBS",
            "url": placeholder(SDS_2018, "live/tbs"),
            "label": "TBS 교통방송",
            "label_en": "TBS",
        },
        {
            "platform": "Live Seoul",
            "url": placeholder(SDS_2018, "live/live-seoul"),
            "label": "서울시 소셜방송 라이브서울",
            "label_en": "Live Seoul, the city's social broadcast",
        },
        {
            "platform": "AfreecaTV",
            "url": placeholder(SDS_2018, "live/afreecatv"),
            "label": "아프리카TV",
            "label_en": "AfreecaTV",
        },
        {
            "platform": "YouTube",
            "url": placeholder(SDS_2018, "live/youtube"),
            "label": "유튜브 서울시 채널",
            "label_en": "Seoul Metropolitan Government YouTube channel",
        },
        {
            "platform": "Pandora TV",
            "url": placeholder(SDS_2018, "live/pandora-tv"),
            "label": "판도라TV",
            "label_en": "Pandora TV",
        },
        {
            "platform": "Mobile Seoul",
            "url": placeholder(SDS_2018, "live/mobile-seoul"),
            "label": "모바일 서울",
            "label_en": "Mobile Seoul",
        },
    ],
}


# ================================================================ 2020: Smart City Leaders Forum

SCLF_2020 = "smart-city-leaders-forum-2020"
SCLF_2020_HOMEPAGE = "http://forum.seoul.go.kr/ssc2020"

SMART_CITY_LEADERS_FORUM_2020: dict[str, Any] = {
    "slug": SCLF_2020,
    "title_ko": "2020 서울 스마트시티 리더스 포럼",
    "title_en": "2020 Seoul Smart City Leaders Forum",
    "theme_ko": "포용적 스마트시티: 차별과 격차 없는 스마트도시",
    "theme_en": "The inclusive smart city: a smart city without discrimination or divides",
    "description_ko": (
        "코로나19로 디지털화가 가속화되며 화두로 떠오른 디지털 소외 문제의 해법으로, 차별과 "
        "격차 없는 ‘포용적 스마트도시’의 미래상을 미국 LA, 핀란드 헬싱키 등 11개국 도시와 "
        "스마트시티 분야 리더들이 ‘비대면’으로 함께 모색합니다. 2016년부터 열어 온 "
        "「서울디지털서밋」이 5회째를 맞아 이름을 바꾸었으며, 서울시와 서울디지털재단이 "
        "공동주최합니다. 시민청 태평홀의 화상회의 전용 스튜디오 「서울온」에서 무관중·온라인으로 "
        "열리며, 해외 연사는 각국에서 화상으로 참여하고 국내 연사의 현장 참여는 최소화합니다. "
        "1일 차(22일)는 리더스 세미나, 2일 차(23일)는 컨퍼런스입니다. 서울시 공식 유튜브, TBS "
        "유튜브, 공식 홈페이지, 라이브 서울에서 생중계됩니다. 행사 홈페이지의 ‘댓글 "
        "이벤트’(9.4.~23.) 참여자에게는 유튜브 생중계 주소를 안내합니다."
    ),
    "description_en": (
        "As COVID-19 speeds up digitalisation, digital exclusion has become a pressing issue; "
        "Seoul proposes the 'inclusive smart city', without discrimination or divides, and "
        "explores its future with cities from 11 countries (among them Los Angeles and "
        "Helsinki) and smart-city leaders, all meeting online. The Seoul Digital Summit, held "
        "since 2016, takes a new name for its fifth edition and is co-hosted by the Seoul "
        "Metropolitan Government and the Seoul Digital Foundation. It runs online with no "
        "audience from Seoul-On, the new video-conference studio in Citizens Hall's Taepyeong "
        "Hall; overseas speakers join by video from their countries and few Korean speakers are "
        "on site. Day 1 (22 Sep): Leaders Seminar; day 2 (23 Sep): Conference. Livestreamed on "
        "the city's YouTube channel, TBS YouTube, the forum homepage and Live Seoul. "
        "Participants in the homepage comment event (4–23 Sep) are sent the livestream address."
    ),
    "timezone": "Asia/Seoul",
    "first_day": date(2020, 9, 22),
    "last_day": date(2020, 9, 23),
    "format": "online",
    "status": "published",
    "registration_opens_at": kst(2020, 9, 4, 0, 0),
    "registration_closes_at": kst(2020, 9, 23, 23, 59),
    "onsite_registration": False,
    "in_person_capacity": 0,
    "organizer_name": (
        "Seoul Metropolitan Government & Seoul Digital Foundation / 서울특별시 · 서울디지털재단"
    ),
    "organizer_email": "leaders-forum@seoul.example.org",
    "homepage_url": SCLF_2020_HOMEPAGE,
    "data_note": (
        "Source: Seoul Metropolitan Government press release, Sep 2020 (seed 003). The article "
        "gives the days but no session times; chosen for the demo: day 1 Leaders Seminar "
        "14:00–17:00 (part 1 14:00–15:20, part 2 15:30–17:00); day 2 Conference 14:00–17:10 "
        "(keynote 14:00–14:40, session 1 14:50–15:50, session 2 16:00–17:10). The registration "
        "window is modelled on the homepage comment event (4–23 Sep), whose participants were "
        "sent the livestream address; the forum has no audience, so no in-person places "
        "(in_person_capacity 0) and no on-site registration. The cities and organisations of "
        "part 1 and of the talk concert are named without representatives, so they are in the "
        "session descriptions. Homepage address from the article; it is also the 'homepage' "
        "stream. The YouTube, TBS YouTube and Live Seoul stream addresses are placeholders "
        "under https://example.org/. Taepyeong Hall's floor (B2) is from the Citizens Hall "
        "guide, not the article. Iwan Rudiarto's university is given as 'an Indonesian public "
        "university', as in the article."
    ),
    "venues": {
        "seoul_on": {
            "name_ko": "서울온 스튜디오 (시민청 태평홀)",
            "name_en": "Seoul-On studio (Taepyeong Hall, Citizens Hall)",
            "kind": "studio",
            "building": "Citizens Hall, Seoul City Hall / 서울시청 시민청",
            "floor": "B2",
            "room": (
                "Taepyeong Hall, Seoul-On video-conference studio / 태평홀 화상회의 전용 "
                "스튜디오 서울온"
            ),
            "address": CITY_HALL_ADDRESS,
            "seats": 0,
            "accessibility_notes": (
                "무관중 방송 스튜디오입니다(시청은 온라인으로). 현장 참여자(발표자·패널)는 "
                "입구의 열화상카메라 방역데스크를 거치며, 패널 사이에 칸막이를 설치하고 각 세션 "
                "종료 즉시 소독합니다. / A broadcast studio with no audience (watch online). "
                "On-site speakers and panelists pass a health-screening desk with a thermal camera "
                "at the entrance; partitions stand between panelists and the studio is "
                "disinfected after every session."
            ),
        },
    },
    "speakers": {
        "jung": {
            "name_ko": "정철규",
            "name_en": "Jung Chul-kyu",
            "affiliation": "Broadcaster / 방송인",
            "title": (
                "Host; former comedian and multicultural educator / 사회자 · 개그맨 출신 다문화강사"
            ),
            "country": "Republic of Korea",
            "bio_ko": "개그맨 출신으로 다문화강사로 활동 중인 방송인. 토크콘서트 사회를 맡습니다.",
            "bio_en": (
                "A broadcaster, formerly a comedian, now working as a multicultural educator; "
                "hosts the talk concert."
            ),
        },
        "cho": {
            "name_ko": "조원희",
            "name_en": "Cho Won-hee",
            "affiliation": "Film director / 영화감독",
            "title": "Film director / 영화감독",
            "country": "Republic of Korea",
            "bio_ko": (
                "‘영화 속의 스마트시티’ 강의로 영화 속에 반영된 4차 산업혁명 기술을 찾아봅니다."
            ),
            "bio_en": (
                "Gives the talk 'Smart cities in film', looking for the technologies of the "
                "fourth industrial revolution on screen."
            ),
        },
        "lee_sw": {
            "name_ko": "이석우",
            "name_en": "Lee Seok-woo",
            "affiliation": (
                "National Institute of Standards and Technology (NIST), USA / 미국 국립표준연구원"
            ),
            "title": "Deputy Director / 부국장",
            "country": "United States",
            "bio_ko": "미국의 스마트시티 전문가로 ‘스마트 아메리카 챌린지’를 이끈 주역입니다.",
            "bio_en": "A US smart-city expert who led the Smart America Challenge.",
        },
        "lee_jh": {
            "name_ko": "이정훈",
            "name_en": "Lee Jung-hoon",
            "affiliation": "Yonsei University / 연세대학교",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
        },
        "ying_long": {
            "name_ko": "잉롱",
            "name_en": "Ying Long",
            "affiliation": "Tsinghua University / 중국 청화대학교",
            "title": "Professor / 교수",
            "country": "China",
        },
        "park_ik": {
            "name_ko": "박인권",
            "name_en": "Park In-kwon",
            "affiliation": "Seoul National University / 서울대학교",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
        },
        "vilarino": {
            "name_ko": "페르난도 빌라리뇨",
            "name_en": "Fernando Vilariño",
            "affiliation": (
                "European Network of Living Labs (ENoLL) / 유러피언 네트워크 오브 리빙랩"
            ),
            "title": "Chair / 의장",
            "country": "",
        },
        "rudiarto": {
            "name_ko": "이안 루디아르토",
            "name_en": "Iwan Rudiarto",
            "affiliation": "An Indonesian public university / 인도네시아 공립대학교",
            "title": "Professor / 교수",
            "country": "Indonesia",
        },
    },
    "sessions": [
        {
            "key": "seminar",
            "title_ko": "1일 차: 리더스 세미나",
            "title_en": "Day 1: Leaders Seminar",
            "description_ko": (
                "해외도시의 포용적 스마트시티 우수사례를 소개하고 국내·외 스마트시티즌의 "
                "경험을 나눕니다. 시민들의 의견을 통해 우리가 살아갈 스마트도시의 미래를 "
                "그려보며, 댓글 이벤트의 인상적인 댓글도 소개합니다."
            ),
            "description_en": (
                "Inclusive smart-city cases from overseas cities and the experiences of smart "
                "citizens in Korea and abroad: a picture of the smart city we will live in, drawn "
                "from citizens' views. Striking comments from the comment event are read out."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2020, 9, 22),
            "start": "14:00",
            "end": "17:00",
            "venue": "seoul_on",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "seminar1",
            "title_ko": "1부: 포용적 스마트도시 구축사례",
            "title_en": "Part 1: Building inclusive smart cities, case studies",
            "description_ko": (
                "헤이그, LA, 헬싱키 등 해외도시와 성동구, SH공사가 포용적 스마트도시 구축사례를, "
                "서울시가 디지털 격차(소외) 없는 포용적 스마트시티 서울 사례를 발표합니다. "
                "헤이그: ‘건강하게 오래살기’ 프로젝트로 추진 중인 노인과 청소년을 위한 디지털 "
                "보건의료·돌봄 사례. LA: 빅데이터 분석을 통한 포용적 스마트시티 조성(2019 서울 "
                "스마트시티 서밋에서 서울시와 MOU 체결). 헬싱키: 포용적 혁신과 지속가능성을 "
                "주제로 스마트 솔루션 공동 창출을 위한 도시 테스트베드 경험."
            ),
            "description_en": (
                "Overseas cities (The Hague, Los Angeles, Helsinki) together with Seongdong-gu "
                "and SH Corporation present how they build inclusive smart cities, and Seoul "
                "presents inclusive smart-city Seoul without digital divides. The Hague: digital "
                "health services and youth care for older people and young people, from its "
                "'Healthy and long life' project. Los Angeles: an inclusive smart city built on "
                "big-data analysis (it signed an MOU with Seoul at the 2019 Seoul Smart City "
                "Summit). Helsinki: urban testbeds for co-creating smart solutions, on inclusive "
                "innovation and sustainability."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2020, 9, 22),
            "start": "14:00",
            "end": "15:20",
            "venue": "seoul_on",
            "parent": "seminar",
            "speakers": [],
        },
        {
            "key": "seminar2",
            "title_ko": "2부: 스마트시티즌 토크콘서트",
            "title_en": "Part 2: Smart Citizen talk concert",
            "description_ko": (
                "주한대사관(영국, 태국), 기업(엔비디아, 닷), 영화감독, 국내외 시민(서울시 "
                "명예시민, 유학생, 대학생, 해외교포, 외국인)이 참여해 포용적 스마트시티에 대한 "
                "토크를 이어갑니다. AI 기반 미래 도시의 구상, 장애인 등 사회적 약자를 돕는 혁신 "
                "기술과 서비스를 소개하는 기업 사례로 시작해, 시민들이 화상으로 참여해 경험과 "
                "희망을 나눕니다. 방송인 정철규의 사회로 진행되며, 조원희 영화감독이 ‘영화 "
                "속의 스마트시티’ 강의를 합니다."
            ),
            "description_en": (
                "The UK and Thai embassies in Korea, companies (NVIDIA, Dot), a film director and "
                "citizens from Korea and abroad (honorary citizens of Seoul, international "
                "students, university students, overseas Koreans, foreign residents) talk about "
                "the inclusive smart city. It opens with the companies' cases (a vision of the "
                "AI-based future city; technology and services that help people with "
                "disabilities and others at a disadvantage); citizens then join by video to "
                "share experiences and hopes. Hosted by broadcaster Jung Chul-kyu, with film "
                "director Cho Won-hee's talk 'Smart cities in film'."
            ),
            "kind": "talk_concert",
            "format": "online",
            "day": date(2020, 9, 22),
            "start": "15:30",
            "end": "17:00",
            "venue": "seoul_on",
            "parent": "seminar",
            "speakers": [("jung", "host"), ("cho", "presenter")],
        },
        {
            "key": "conference",
            "title_ko": "2일 차: 컨퍼런스",
            "title_en": "Day 2: Conference",
            "description_ko": (
                "포용적 스마트시티를 위한 빅데이터 활용과 시민 참여에 대한 발표와 토론."
            ),
            "description_en": (
                "Talks and discussion on big data and citizen participation for the inclusive "
                "smart city."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2020, 9, 23),
            "start": "14:00",
            "end": "17:10",
            "venue": "seoul_on",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "keynote",
            "title_ko": "기조연설: 포용적 스마트시티의 개념과 전망",
            "title_en": "Keynote: The concept and outlook of the inclusive smart city",
            "description_ko": (
                "‘스마트 아메리카 챌린지’를 이끈 이석우 미국 국립표준연구원 부국장의 기조연설."
            ),
            "description_en": (
                "Keynote by Lee Seok-woo, Deputy Director at NIST, who led the Smart America "
                "Challenge."
            ),
            "kind": "keynote",
            "format": "online",
            "day": date(2020, 9, 23),
            "start": "14:00",
            "end": "14:40",
            "venue": "seoul_on",
            "parent": "conference",
            "speakers": [("lee_sw", "keynote")],
        },
        {
            "key": "session1",
            "title_ko": "세션 1: 포용적 스마트시티를 위한 빅데이터 활용",
            "title_en": "Session 1: Big data for the inclusive smart city",
            "description_ko": (
                "빅데이터의 활용과 분석이 스마트시티에 어떻게 기여할 수 있는지 서울시와 중국의 "
                "사례로 설명합니다."
            ),
            "description_en": (
                "How using and analysing big data can serve a smart city, with cases from Seoul "
                "and China."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2020, 9, 23),
            "start": "14:50",
            "end": "15:50",
            "venue": "seoul_on",
            "parent": "conference",
            "speakers": [("lee_jh", "presenter"), ("ying_long", "presenter")],
        },
        {
            "key": "session2",
            "title_ko": "세션 2: 포용적 스마트시티와 시민 참여",
            "title_en": "Session 2: Inclusive smart city and citizen participation",
            "description_ko": (
                "약자를 위한 스마트기술의 활용, 유럽 시민참여 혁신 등을 서울, 유럽, 인도네시아의 "
                "사례를 들어 설명합니다."
            ),
            "description_en": (
                "Smart technology for people at a disadvantage, citizen-participation innovation "
                "in Europe and more, with cases from Seoul, Europe and Indonesia."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2020, 9, 23),
            "start": "16:00",
            "end": "17:10",
            "venue": "seoul_on",
            "parent": "conference",
            "speakers": [
                ("park_ik", "presenter"),
                ("vilarino", "presenter"),
                ("rudiarto", "presenter"),
            ],
        },
    ],
    "streams": [
        {
            "platform": "YouTube",
            "url": placeholder(SCLF_2020, "live/youtube"),
            "label": "서울시 공식 유튜브 채널",
            "label_en": "Seoul Metropolitan Government YouTube channel",
        },
        {
            "platform": "TBS YouTube",
            "url": placeholder(SCLF_2020, "live/tbs-youtube"),
            "label": "TBS 유튜브",
            "label_en": "TBS YouTube",
        },
        {
            "platform": "Homepage",
            "url": SCLF_2020_HOMEPAGE,
            "label": "공식 홈페이지",
            "label_en": "Forum homepage",
        },
        {
            "platform": "Live Seoul",
            "url": placeholder(SCLF_2020, "live/live-seoul"),
            "label": "서울시 소셜 방송 라이브 서울",
            "label_en": "Live Seoul, the city's social broadcast",
        },
    ],
    # The record, after the forum. The article names no recording addresses: placeholders.
    # The attendees are fictional (example.org addresses), to show online attendance, the
    # feedback results and certificates of attendance.
    "record": {
        "recordings": [
            ("seminar1", "ko", "리더스 세미나 1부 다시보기"),
            ("seminar2", "ko", "리더스 세미나 2부 다시보기"),
            ("keynote", "ko", "기조연설 다시보기"),
            ("keynote", "en", "Keynote (English interpretation)"),
            ("session1", "ko", "세션 1 다시보기"),
            ("session2", "ko", "세션 2 다시보기"),
        ],
        "certificates": {
            "wording_ko": "위 사람은 2020 서울 스마트시티 리더스 포럼에 온라인으로 참석하였음을 "
            "확인합니다.",
            "wording_en": "This is to certify that the person named above attended the 2020 "
            "Seoul Smart City Leaders Forum online.",
            "signatory_ko": "서울디지털재단 이사장",
            "signatory_en": "President, Seoul Digital Foundation",
        },
        # name, locale, sessions watched, forum rating and comment (None: did not answer)
        "attendees": [
            ("김지현", "ko", ("seminar1", "keynote", "session1"), 5, "해외 사례가 유익했습니다."),
            ("박서준", "ko", ("keynote", "session2"), 4, ""),
            ("이하은", "ko", ("seminar2",), 3, "음질이 가끔 끊겼어요."),
            ("Maria Virtanen", "en", ("keynote", "session1", "session2"), 5, "Great panel."),
            ("James Carter", "en", ("session1",), None, ""),
            ("최민호", "ko", (), None, ""),  # registered, never watched: no certificate
        ],
    },
    # Languages and access services. The article names none: Korean–English interpretation of
    # the conference (speakers from 11 countries), live Korean captions on the keynote's stream
    # and a transcript after it are samples.
    "services": [
        ("keynote", "interpretation", "en", "confirmed"),
        ("keynote", "captions", "ko", "confirmed"),
        ("keynote", "transcript", "ko", "confirmed"),
        ("session1", "interpretation", "en", "confirmed"),
        ("session2", "interpretation", "en", "confirmed"),
    ],
    # The comment event of the article (4 to 23 Sep, coffee coupons by draw, the stream address
    # for every participant, striking comments read out at the Leaders Seminar). The article
    # gives neither the number of coupons nor any comment: the ten prizes, the comments, their
    # authors (example.org addresses) and the draw's seed are samples.
    "voices": {
        "prompt_ko": "포용적 스마트시티는 ○○○~○○○다.",
        "prompt_en": "An inclusive smart city is … .",
        "opens_at": kst(2020, 9, 4),
        "closes_at": kst(2020, 9, 24),
        "max_length": 200,
        "prizes": 10,
        "prize_ko": "커피 쿠폰",
        "prize_en": "A coffee coupon",
        "reward_note_ko": "참여해 주신 모든 분께 유튜브 생중계 주소를 알려 드립니다.",
        "reward_note_en": "Every participant receives the address of the YouTube livestream.",
        "sends_streams": True,
        "seed": "sclf2020-sample-seed-7d1f0c2a9e",
        "seed_committed_at": kst(2020, 9, 21, 10),
        "drawn_at": kst(2020, 9, 25, 11),
        "reading_session": "seminar2",
        # name, locale, comment, likes, status (hidden: with the reason), read out (order)
        "entries": [
            (
                "김민지",
                "ko",
                "포용적 스마트시티는 어르신도 키오스크 앞에서 당황하지 않는 도시다.",
                41,
                "published",
                1,
            ),
            (
                "이준호",
                "ko",
                "포용적 스마트시티는 휠체어로도 지도 앱의 길을 그대로 갈 수 있는 도시다.",
                37,
                "published",
                2,
            ),
            (
                "박소영",
                "ko",
                "포용적 스마트시티는 데이터가 사람을 가르지 않고 잇는 도시다.",
                29,
                "published",
                3,
            ),
            (
                "Emma Laine",
                "en",
                "An inclusive smart city is one where the digital front door has a ramp.",
                24,
                "published",
                4,
            ),
            (
                "최우진",
                "ko",
                "포용적 스마트시티는 스마트폰이 없어도 불편하지 않은 도시다.",
                33,
                "published",
                None,
            ),
            (
                "정하윤",
                "ko",
                "포용적 스마트시티는 시각장애인도 버스 도착 알림을 듣는 도시다.",
                22,
                "published",
                None,
            ),
            (
                "강도현",
                "ko",
                "포용적 스마트시티는 외국인 주민도 민원을 자기 언어로 넣을 수 있는 도시다.",
                18,
                "published",
                None,
            ),
            (
                "윤서아",
                "ko",
                "포용적 스마트시티는 기술이 빠른 사람보다 느린 사람에게 맞추는 도시다.",
                26,
                "published",
                5,
            ),
            (
                "장민서",
                "ko",
                "포용적 스마트시티는 동네 도서관에서 디지털을 배울 수 있는 도시다.",
                12,
                "published",
                None,
            ),
            (
                "임지훈",
                "ko",
                "포용적 스마트시티는 공공 와이파이가 골목까지 닿는 도시다.",
                15,
                "published",
                None,
            ),
            (
                "한예린",
                "ko",
                "포용적 스마트시티는 아이와 어르신이 함께 쓰기 쉬운 도시다.",
                9,
                "published",
                None,
            ),
            (
                "오승현",
                "ko",
                "포용적 스마트시티는 시민이 데이터를 함께 만드는 도시다.",
                14,
                "published",
                None,
            ),
            (
                "서지우",
                "ko",
                "포용적 스마트시티는 온라인 수업에서 한 명도 빠지지 않는 도시다.",
                20,
                "published",
                None,
            ),
            (
                "신유나",
                "ko",
                "포용적 스마트시티는 청각장애인을 위한 자막이 기본인 도시다.",
                17,
                "published",
                None,
            ),
            (
                "권태민",
                "ko",
                "포용적 스마트시티는 배달 노동자의 안전도 데이터로 지키는 도시다.",
                11,
                "published",
                None,
            ),
            (
                "황보람",
                "ko",
                "포용적 스마트시티는 디지털 안내사가 지하철역에 있는 도시다.",
                8,
                "published",
                None,
            ),
            (
                "Lucas Martin",
                "en",
                "An inclusive smart city is a city that asks before it measures.",
                10,
                "published",
                None,
            ),
            (
                "안다은",
                "ko",
                "포용적 스마트시티는 비대면 시대에도 이웃과 연결되는 도시다.",
                13,
                "published",
                None,
            ),
            (
                "송지호",
                "ko",
                "포용적 스마트시티는 기술보다 사람이 먼저인 도시다.",
                19,
                "published",
                None,
            ),
            (
                "류하준",
                "ko",
                "포용적 스마트시티는 쉬운 말로 된 행정 서비스가 있는 도시다.",
                7,
                "published",
                None,
            ),
            (
                "전수빈",
                "ko",
                "포용적 스마트시티는 노년층의 디지털 첫걸음을 응원하는 도시다.",
                6,
                "published",
                None,
            ),
            (
                "Aiko Tanaka",
                "en",
                "An inclusive smart city is one where no form needs a helper.",
                5,
                "published",
                None,
            ),
            (
                "홍서윤",
                "ko",
                "포용적 스마트시티는 골목 상인도 온라인 장터에 설 수 있는 도시다.",
                4,
                "published",
                None,
            ),
            (
                "문지안",
                "ko",
                "포용적 스마트시티는 장애가 불편이 되지 않는 도시다.",
                16,
                "published",
                None,
            ),
            ("배성민", "ko", "포용적 스마트시티는 모두의 마당 같은 도시다.", 3, "published", None),
            (
                "조은우",
                "ko",
                "포용적 스마트시티는 공원 벤치에서도 충전이 되는 도시다.",
                2,
                "published",
                None,
            ),
            (
                "남궁윤",
                "ko",
                "포용적 스마트시티는 정보가 모두에게 같은 속도로 오는 도시다.",
                1,
                "published",
                None,
            ),
            (
                "유채원",
                "ko",
                "포용적 스마트시티는 재난 문자가 모든 언어로 오는 도시다.",
                0,
                "published",
                None,
            ),
            (
                "광고봇",
                "ko",
                "포용적 스마트시티는 지금 바로 클릭! 최저가 쿠폰 받기 ~~~",
                0,
                "hidden:광고(스팸)",
                None,
            ),
            ("익명", "ko", "ㅋㅋㅋ", 0, "hidden:이벤트 주제와 관련 없는 내용", None),
        ],
    },
}


# ================================================================ 2021: Seoul Smart City Week

SSCW_2021 = "seoul-smart-city-week-2021"

SEOUL_SMART_CITY_WEEK_2021: dict[str, Any] = {
    "slug": SSCW_2021,
    "title_ko": "2021 서울 스마트시티 위크",
    "title_en": "2021 Seoul Smart City Week",
    "theme_ko": "비대면사회와 앞당겨진 미래",
    "theme_en": "The contactless society and the accelerated future",
    "description_ko": (
        "ICT 분야의 글로벌 도시와 기업, 학계, 전문가 등 국내외 디지털 리더들이 지식과 기술, "
        "노하우를 공유하며 미래 서울의 모습을 그려보는 온라인 공론장. 4차산업 기술의 "
        "대중화에 방점을 두고 강연, 포럼, 좌담회 등 총 14개 프로그램을 마련해 전문가뿐 "
        "아니라 MZ세대와 남녀노소 누구나 쉽고 재미있게 접할 수 있도록 했습니다. 기업 "
        "혁신사례 강연, 강연콘텐츠 플랫폼 ‘세바시’와 공동 기획한 ‘알쓸신잡’ 스타일 강연, "
        "블록체인·5G 등을 쉽게 풀어주는 강연, 그리고 10월 19일 DDP 서울온 스튜디오에서 "
        "무관중으로 열리는 서울 스마트시티 리더스포럼(도시세션, 세바시 강연, 메타버스 좌담회)이 "
        "이어집니다. 유튜브와 공식 홈페이지로 중계되며, 12~26일 SNS ‘234 이벤트’가 "
        "진행됩니다."
    ),
    "description_en": (
        "An online forum where digital leaders from Korea and abroad (global cities and ICT "
        "companies, academia, experts) share knowledge, technology and know-how and picture "
        "Seoul's future. With the emphasis on bringing fourth-industrial-revolution technology "
        "to everyone, it offers 14 programmes (lectures, forums, roundtables) that experts, "
        "the MZ generation and people of all ages can follow easily: lectures on corporate "
        "innovation, lectures planned with the talk platform Sebasi in the style of the TV "
        "show 'Alsseulsinjap', easy introductions to blockchain and 5G, and on 19 Oct the "
        "Seoul Smart City Leaders Forum (city session, Sebasi talk, metaverse roundtable) from "
        "the DDP Seoul-On studio with no audience. Streamed on YouTube and the official "
        "homepage; an SNS '234 event' runs 12–26 Oct."
    ),
    "timezone": "Asia/Seoul",
    "first_day": date(2021, 10, 12),
    "last_day": date(2021, 10, 19),
    "format": "online",
    "status": "published",
    "registration_opens_at": None,
    "registration_closes_at": None,
    "onsite_registration": False,
    "in_person_capacity": 0,
    "organizer_name": SMG,
    "organizer_email": "smart-city-week@seoul.example.org",
    "homepage_url": placeholder(SSCW_2021, ""),
    "data_note": (
        "Source: Jeongbo Tongsin Sinmun article of 11 Oct 2021 quoting the city (seed 001). The "
        "week had 14 programmes; only those the article describes are loaded: five named "
        "lectures and the Leaders Forum (city session, Choi Jae-boong's Sebasi talk, metaverse "
        "roundtable). The only time in the article is the Leaders Forum, Tue 19 Oct 16:00; "
        "chosen for the demo: its parts 16:00–17:00, 17:00–17:30 and 17:30–18:30; the "
        "lectures spread over the week at 14:00 or 15:00 (Kim Sang-kyun and Shin Woo-seok "
        "first, on 12 Oct, as the article says the series starts with them; Lee Seung-kyu on "
        "13 Oct; Kim Jeong-young on 14 Oct), 30–40 minutes each. Lecture titles other than "
        "Shin Woo-seok's and Choi Jae-boong's are descriptive, not the article's. The "
        "metaverse roundtable takes place on a metaverse platform (speakers and citizens join "
        "as avatars from their own places), so it has no venue; Mayor Oh Se-hoon joins it as "
        "an avatar to welcome citizens (role 'guest'). The article mentions no registration, "
        "so there is no registration window and no in-person places. Homepage and stream "
        "addresses are placeholders under https://example.org/."
    ),
    "venues": {
        "ddp_studio": {
            "name_ko": "DDP 서울온 스튜디오",
            "name_en": "Seoul-On studio, DDP",
            "kind": "studio",
            "building": "Dongdaemun Design Plaza (DDP) / 동대문디자인플라자",
            "floor": "",
            "room": "Seoul-On studio / 서울온 스튜디오",
            "address": DDP_ADDRESS,
            "seats": 0,
            "accessibility_notes": (
                "무관중 방송 스튜디오입니다. 유튜브와 공식 홈페이지에서 시청하세요. / A broadcast "
                "studio with no audience: watch on YouTube or the official homepage."
            ),
        },
    },
    "speakers": {
        "lee_sk": {
            "name_ko": "이승규",
            "name_en": "Lee Seung-kyu",
            "affiliation": "SmartStudy (Pinkfong) / 스마트스터디 (핑크퐁)",
            "title": "Vice President / 부사장",
            "country": "Republic of Korea",
            "bio_ko": (
                "유튜브 조회수 94억 뷰로 전 세계 유튜브 조회수 1위를 기록 중인 ‘핑크퐁 아기상어’ "
                "IP를 개발한 스마트스터디의 부사장."
            ),
            "bio_en": (
                "Vice President of SmartStudy, which created the 'Pinkfong Baby Shark' IP, the "
                "most-viewed video on YouTube worldwide (9.4 billion views)."
            ),
        },
        "kim_jy": {
            "name_ko": "김정영",
            "name_en": "Kim Jeong-young",
            "affiliation": "DeepBrain AI / 딥브레인AI",
            "title": "Head of Business Development / 사업개발실장",
            "country": "Republic of Korea",
            "bio_ko": "AI 앵커 모델을 개발한 딥브레인AI의 사업개발실장.",
            "bio_en": "Head of Business Development at DeepBrain AI, which developed AI anchors.",
        },
        "kim_sk": {
            "name_ko": "김상균",
            "name_en": "Kim Sang-kyun",
            "affiliation": "Kangwon National University / 강원대학교",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
            "bio_ko": "화제작 『메타버스』의 저자.",
            "bio_en": "Author of the bestseller 'Metaverse'.",
        },
        "shin": {
            "name_ko": "신우석",
            "name_en": "Shin Woo-seok",
            "affiliation": "Bain & Company / 베인앤컴퍼니",
            "title": "Partner / 파트너",
            "country": "Republic of Korea",
        },
        "lee_jh": {
            "name_ko": "이정훈",
            "name_en": "Lee Jung-hoon",
            "affiliation": (
                "Graduate School of Information, Yonsei University / 연세대학교 정보대학원"
            ),
            "title": "Professor / 교수",
            "country": "Republic of Korea",
        },
        "garrido": {
            "name_ko": "크리스티나 가리도",
            "name_en": "Cristina Garrido",
            "affiliation": (
                "Smart City Expo World Congress (SCEWC) / 스마트시티 엑스포 월드 콩그레스"
            ),
            "title": "Deputy Curator / 차석 큐레이터",
            "country": "Spain",
        },
        "choi": {
            "name_ko": "최재붕",
            "name_en": "Choi Jae-boong",
            "affiliation": "Sungkyunkwan University / 성균관대학교",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
            "bio_ko": "『포노 사피엔스』의 저자.",
            "bio_en": "Author of 'Phono Sapiens'.",
        },
        "oh": {
            "name_ko": "오세훈",
            "name_en": "Oh Se-hoon",
            "affiliation": SMG,
            "title": "Mayor of Seoul / 서울특별시장",
            "country": "Republic of Korea",
            "bio_ko": "메타버스 좌담회에 아바타로 참석해 시민들에게 환영 인사를 전합니다.",
            "bio_en": "Joins the metaverse roundtable as an avatar to welcome citizens.",
        },
    },
    "sessions": [
        {
            "key": "lecture_kim_sk",
            "title_ko": "세바시 강연: 『메타버스』 저자 김상균 교수",
            "title_en": "Sebasi talk: Prof. Kim Sang-kyun, author of 'Metaverse'",
            "description_ko": (
                "유튜브 구독자 100만 명의 강연콘텐츠 플랫폼 ‘세바시’와 공동 기획한 강연."
            ),
            "description_en": (
                "A talk planned with Sebasi, the lecture platform with a million YouTube "
                "subscribers."
            ),
            "kind": "lecture",
            "format": "online",
            "day": date(2021, 10, 12),
            "start": "14:00",
            "end": "14:30",
            "venue": None,
            "parent": None,
            "speakers": [("kim_sk", "presenter")],
        },
        {
            "key": "lecture_shin",
            "title_ko": "비대면 시대 기업 전략 분석",
            "title_en": "Analysing corporate strategy in the contactless era",
            "description_ko": "신우석 베인앤컴퍼니 파트너의 강연.",
            "description_en": "A lecture by Shin Woo-seok, Partner at Bain & Company.",
            "kind": "lecture",
            "format": "online",
            "day": date(2021, 10, 12),
            "start": "15:00",
            "end": "15:40",
            "venue": None,
            "parent": None,
            "speakers": [("shin", "presenter")],
        },
        {
            "key": "lecture_lee_sk",
            "title_ko": "기업 혁신사례: 핑크퐁 아기상어",
            "title_en": "Corporate innovation case: Pinkfong Baby Shark",
            "description_ko": (
                "전 세계 유튜브 조회수 1위 ‘핑크퐁 아기상어’ IP를 개발한 스마트스터디의 혁신사례."
            ),
            "description_en": (
                "The innovation story of SmartStudy, creator of 'Pinkfong Baby Shark', the "
                "most-viewed video on YouTube."
            ),
            "kind": "lecture",
            "format": "online",
            "day": date(2021, 10, 13),
            "start": "14:00",
            "end": "14:40",
            "venue": None,
            "parent": None,
            "speakers": [("lee_sk", "presenter")],
        },
        {
            "key": "lecture_kim_jy",
            "title_ko": "기업 혁신사례: AI 앵커",
            "title_en": "Corporate innovation case: the AI anchor",
            "description_ko": "AI 앵커 모델을 개발한 딥브레인AI의 혁신사례.",
            "description_en": "The innovation story of DeepBrain AI, which developed AI anchors.",
            "kind": "lecture",
            "format": "online",
            "day": date(2021, 10, 14),
            "start": "14:00",
            "end": "14:40",
            "venue": None,
            "parent": None,
            "speakers": [("kim_jy", "presenter")],
        },
        {
            "key": "leaders_forum",
            "title_ko": "서울 스마트시티 리더스포럼",
            "title_en": "Seoul Smart City Leaders Forum",
            "description_ko": (
                "국내·외 도시의 ICT 정책과 코로나 대응사례 발표 및 패널 토의, 세바시 강연, "
                "메타버스 좌담회로 구성됩니다. DDP 서울온 스튜디오에서 무관중으로 열리며 "
                "유튜브와 공식 홈페이지로 중계됩니다."
            ),
            "description_en": (
                "Cities' ICT policies and COVID-19 responses with a panel discussion, a Sebasi "
                "talk and a metaverse roundtable. From the DDP Seoul-On studio with no audience, "
                "streamed on YouTube and the official homepage."
            ),
            "kind": "session",
            "format": "online",
            "day": date(2021, 10, 19),
            "start": "16:00",
            "end": "18:30",
            "venue": "ddp_studio",
            "parent": None,
            "speakers": [],
        },
        {
            "key": "city_session",
            "title_ko": "도시세션: 팬데믹 시대의 새로운 도전, 스마트방역",
            "title_en": "City session: New challenges of the pandemic era, smart quarantine",
            "description_ko": (
                "서울, 이스라엘, 싱가포르, LA가 참여해 각 도시의 ICT 기반 코로나 대응사례를 "
                "발표하고 토의합니다. 좌장: 이정훈 연세대학교 정보대학원 교수. 패널: 크리스티나 "
                "가리도 스마트시티 엑스포 월드 콩그레스 차석 큐레이터."
            ),
            "description_en": (
                "Seoul, Israel, Singapore and Los Angeles present their ICT-based responses to "
                "COVID-19 and discuss them. Moderator: Lee Jung-hoon (Graduate School of "
                "Information, Yonsei University). Panelist: Cristina Garrido, Deputy Curator of "
                "the Smart City Expo World Congress."
            ),
            "kind": "panel",
            "format": "online",
            "day": date(2021, 10, 19),
            "start": "16:00",
            "end": "17:00",
            "venue": "ddp_studio",
            "parent": "leaders_forum",
            "speakers": [("lee_jh", "moderator"), ("garrido", "panelist")],
        },
        {
            "key": "lecture_choi",
            "title_ko": "세바시 강연: 디지털 대전환, 서울의 미래",
            "title_en": "Sebasi talk: Digital transformation, the future of Seoul",
            "description_ko": "『포노 사피엔스』의 저자 최재붕 성균관대 교수의 세바시 강연.",
            "description_en": (
                "A Sebasi talk by Prof. Choi Jae-boong of Sungkyunkwan University, author of "
                "'Phono Sapiens'."
            ),
            "kind": "lecture",
            "format": "online",
            "day": date(2021, 10, 19),
            "start": "17:00",
            "end": "17:30",
            "venue": "ddp_studio",
            "parent": "leaders_forum",
            "speakers": [("choi", "presenter")],
        },
        {
            "key": "metaverse",
            "title_ko": "메타버스 좌담회: 디지털 대전환과 서울의 미래",
            "title_en": "Metaverse roundtable: Digital transformation and the future of Seoul",
            "description_ko": (
                "포럼의 마지막 순서. 연사자들이 아바타 모습으로 MZ세대와 만나 스마트시티와 "
                "관련된 서울비전 2030 전략 등 서울의 미래에 대해 이야기를 나눕니다. 연사와 시민 "
                "관중 모두 각자의 공간에서 아바타로 접속하며, 컨퍼런스룸과 아바타는 실사 느낌의 "
                "3D로 구현됩니다(서울시·CJ올리브네트웍스 메타버스 시범서비스). 오세훈 "
                "서울시장이 아바타로 참석해 환영 인사를 전합니다."
            ),
            "description_en": (
                "The forum's last item. Speakers meet the MZ generation as avatars to talk about "
                "Seoul's future, including the smart-city strategies of Seoul Vision 2030. "
                "Speakers and citizens all join as avatars from their own places, in a "
                "photorealistic 3D conference room (the city's metaverse pilot with CJ "
                "OliveNetworks). Mayor Oh Se-hoon joins as an avatar to welcome everyone."
            ),
            "kind": "roundtable",
            "format": "online",
            "day": date(2021, 10, 19),
            "start": "17:30",
            "end": "18:30",
            "venue": None,
            "parent": "leaders_forum",
            "speakers": [("oh", "guest")],
        },
    ],
    "streams": [
        {
            "platform": "YouTube",
            "url": placeholder(SSCW_2021, "live/youtube"),
            "label": "서울시 유튜브",
            "label_en": "Seoul Metropolitan Government YouTube",
        },
        {
            "platform": "Homepage",
            "url": placeholder(SSCW_2021, "live"),
            "label": "공식 홈페이지",
            "label_en": "Official homepage",
        },
    ],
}


# ================================================================ 2023: WeGO General Assembly

WEGO_2023 = "wego-general-assembly-2023"

WEGO_GENERAL_ASSEMBLY_2023: dict[str, Any] = {
    "slug": WEGO_2023,
    "title_ko": "세계스마트시티기구(WeGO) 제6차 총회 · 2023 서울 스마트시티 포럼",
    "title_en": "WeGO 6th General Assembly & Seoul Smart City Forum 2023",
    "theme_ko": "스마트 도시, 스마트 시민 · 디지털 혁신의 도전과 포용",
    "theme_en": "Smart City, Smart Citizen · Challenges and inclusion of digital innovation",
    "description_ko": (
        "세계스마트시티기구(WeGO) 제6차 총회가 ‘스마트 도시, 스마트 시민’을 주제로 "
        "서울시청 본관 8층 다목적홀에서 열립니다. 의장인 오세훈 서울시장이 주재하고 회원도시, "
        "기업, 기관 등 관계자 200여 명이 참석합니다. 같은 날 오전 10시 시청 본관 3층에서는 "
        "‘2023 서울 스마트시티 포럼’이 ‘디지털 혁신의 도전과 포용’을 주제로 열려, 팬데믹 이후 "
        "더 커진 디지털 격차를 해소하기 위한 노력과 사례, 디지털 약자를 포용하는 정책을 "
        "살펴봅니다(서울시 유튜브 채널 생중계). 참석자들은 총회 기간 시민청 지하 1층 "
        "스마트서울전시관과 마곡 LG사이언스파크를 방문합니다. WeGO는 2010년 서울시 주도로 "
        "출범한 세계 최대 규모의 국제도시 협의기구로 213개 회원 도시와 기업이 속해 있으며, "
        "총회는 3년마다 열립니다."
    ),
    "description_en": (
        "The 6th General Assembly of the World Smart Sustainable Cities Organization (WeGO), on "
        "the theme 'Smart City, Smart Citizen', in the 8F Multipurpose Hall of Seoul City "
        "Hall's main building, chaired by WeGO's President, Seoul Mayor Oh Se-hoon, with about "
        "200 representatives of member cities, companies and institutions. The same morning "
        "at 10:00 on the 3rd floor, the Seoul Smart City Forum 2023, 'Challenges and inclusion "
        "of digital innovation', looks at efforts to close the digital divide that widened "
        "after the pandemic and at policies that include the digitally excluded (livestreamed "
        "on the city's YouTube channel). Participants visit the Smart Seoul Exhibition Hall "
        "(Citizens Hall, B1) and LG Science Park in Magok. WeGO, launched in 2010 on Seoul's "
        "initiative, is the largest international association of cities, with 213 member "
        "cities and companies; its general assembly meets every three years."
    ),
    "timezone": "Asia/Seoul",
    "first_day": date(2023, 9, 26),
    "last_day": date(2023, 9, 26),
    "format": "hybrid",
    "status": "published",
    "registration_opens_at": kst(2023, 9, 4, 9, 0),
    "registration_closes_at": kst(2023, 9, 20, 23, 59),
    "onsite_registration": False,
    "in_person_capacity": None,
    "organizer_name": "Seoul Metropolitan Government & WeGO / 서울특별시 · 세계스마트시티기구",
    "organizer_email": "smart-city-forum@seoul.example.org",
    "homepage_url": "https://forum.seoul.go.kr",
    "data_note": (
        "Source: Yonhap News article on the 6th WeGO General Assembly, Sep 2023 (seed 000). "
        "Times from the article: forum 10:00 (3F), general assembly 14:00 (8F Multipurpose "
        "Hall, about 200 participants, hence 200 seats). Pre-registration closing on Wed "
        "20 Sep 2023 comes from public reports, not the article (set to 23:59 KST); the "
        "opening date (4 Sep 09:00) is chosen. Chosen for the demo: forum 10:00–12:30 "
        "(keynote 10:00–10:30, conversation 10:30–10:50, speakers' talks 11:00–12:30; the "
        "grouping and the talks' title are editorial), general assembly until 16:00. The "
        "article says participants visit the Smart Seoul Exhibition Hall and LG Science Park "
        "'during the assembly' without dates or times; the demo places them on the day "
        "(13:00–13:40 and 16:30–18:30) with 30 and 40 places, both chosen. The article gives "
        "only the floor of the forum (main building 3F), not the room. Only the forum is "
        "streamed (city YouTube; the address is a placeholder under https://example.org/). "
        "Homepage forum.seoul.go.kr from the article (https scheme added)."
    ),
    # Languages and access services: English–Korean interpretation of the keynote and the
    # forum, and live Korean captions (samples: the sources do not say).
    "services": [
        ("keynote", "interpretation", "ko", "confirmed"),
        ("forum", "interpretation", "en", "confirmed"),
        ("forum", "captions", "ko", "planned"),
    ],
    "venues": {
        "floor3": {
            "name_ko": "서울시청 본관",
            "name_en": "Seoul City Hall main building",
            "kind": "hall",
            "building": "Seoul City Hall (main building) / 서울시청 본관",
            "floor": "3F",
            "room": "",
            "address": CITY_HALL_ADDRESS,
            "seats": None,
        },
        "hall8f": {
            "name_ko": "다목적홀",
            "name_en": "Multipurpose Hall",
            "kind": "hall",
            "building": "Seoul City Hall (main building) / 서울시청 본관",
            "floor": "8F",
            "room": "Multipurpose Hall / 다목적홀",
            "address": CITY_HALL_ADDRESS,
            "seats": 200,
        },
        "exhibition": {
            "name_ko": "스마트서울전시관",
            "name_en": "Smart Seoul Exhibition Hall",
            "kind": "offsite",
            "building": "Citizens Hall, Seoul City Hall / 서울시청 시민청",
            "floor": "B1",
            "room": "Smart Seoul Exhibition Hall / 스마트서울전시관",
            "address": CITY_HALL_ADDRESS,
            "seats": None,
        },
        "lg_science_park": {
            "name_ko": "마곡 LG사이언스파크",
            "name_en": "LG Science Park, Magok",
            "kind": "offsite",
            "building": "LG Science Park / LG사이언스파크",
            "floor": "",
            "room": "",
            "address": LG_SCIENCE_PARK_ADDRESS,
            "seats": None,
        },
    },
    "speakers": {
        "banks": {
            "name_ko": "빌 뱅크스",
            "name_en": "Bill Banks",
            "affiliation": "EY (Ernst & Young) / EY(언스트 앤 영)",
            "title": "Asia-Pacific Infrastructure Leader / 아시아·태평양 인프라스트럭처 총괄 리더",
            "country": "",
            "bio_ko": "국제 스마트도시 개발 분야 전문가.",
            "bio_en": "An expert in international smart-city development.",
        },
        "ji": {
            "name_ko": "지성우",
            "name_en": "Ji Seong-woo",
            "affiliation": "Sungkyunkwan University Law School / 성균관대 법학전문대학원",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
        },
        "park_kr": {
            "name_ko": "박경렬",
            "name_en": "Park Kyung-ryul",
            "affiliation": "KAIST / 카이스트",
            "title": "Professor / 교수",
            "country": "Republic of Korea",
            "bio_ko": "글로벌 디지털 거버넌스 연구를 이끌고 있습니다.",
            "bio_en": "Leads research on global digital governance.",
        },
        "bae": {
            "name_ko": "배순민",
            "name_en": "Bae Soon-min",
            "affiliation": "KT AI2XL Lab / KT AI2XL 연구소",
            "title": "Head of the lab / 연구소장",
            "country": "Republic of Korea",
            "bio_ko": "국내 최고의 인공지능(AI) 전문가.",
            "bio_en": "One of Korea's leading AI experts.",
        },
        "cowley": {
            "name_ko": "제니퍼 코울리",
            "name_en": "Jennifer Cowley",
            "affiliation": "University of Texas at Arlington / 미국 텍사스대 알링턴 캠퍼스",
            "title": "President / 총장",
            "country": "United States",
            "bio_ko": "국제 도시계획 전문가.",
            "bio_en": "An international urban-planning expert.",
        },
        "ha": {
            "name_ko": "하정우",
            "name_en": "Ha Jung-woo",
            "affiliation": "NAVER Cloud / 네이버클라우드",
            "title": "Head of AI Innovation Center / AI 이노베이션 센터장",
            "country": "Republic of Korea",
            "bio_ko": "디지털플랫폼정부위원회 AI·데이터분과 위원장.",
            "bio_en": (
                "Chairs the AI & data subcommittee of the Digital Platform Government Committee."
            ),
        },
        "lanvin": {
            "name_ko": "브루노 랑방",
            "name_en": "Bruno Lanvin",
            "affiliation": (
                "IMD Smart City Observatory, Switzerland / 스위스 국제경영개발대학원"
                "(IMD) 스마트시티연구소"
            ),
            "title": "President / 회장",
            "country": "Switzerland",
            "bio_ko": "스마트시티 연구 분야의 세계적 권위자.",
            "bio_en": "A world authority on smart-city research.",
        },
        "oh": {
            "name_ko": "오세훈",
            "name_en": "Oh Se-hoon",
            "affiliation": SMG,
            "title": "Mayor of Seoul; President of WeGO / 서울특별시장 · WeGO 의장",
            "country": "Republic of Korea",
            "bio_ko": "WeGO 의장으로서 제6차 총회를 주재합니다.",
            "bio_en": "As WeGO's President, chairs the 6th General Assembly.",
        },
    },
    "sessions": [
        {
            "key": "forum",
            "title_ko": "2023 서울 스마트시티 포럼: 디지털 혁신의 도전과 포용",
            "title_en": (
                "Seoul Smart City Forum 2023: Challenges and inclusion of digital innovation"
            ),
            "description_ko": (
                "팬데믹 이후 더 커진 디지털 격차를 해소하기 위한 다양한 노력과 사례를 조명하고 "
                "디지털 약자를 포용하는 정책을 집중적으로 살펴봅니다. 서울시 유튜브 채널로 "
                "생중계됩니다."
            ),
            "description_en": (
                "Efforts and cases to close the digital divide that widened after the pandemic, "
                "and policies that include the digitally excluded. Livestreamed on the city's "
                "YouTube channel."
            ),
            "kind": "session",
            "format": "hybrid",
            "day": date(2023, 9, 26),
            "start": "10:00",
            "end": "12:30",
            "venue": "floor3",
            "parent": None,
            "speakers": [],
            "streams": [
                {
                    "platform": "YouTube",
                    "url": placeholder(WEGO_2023, "live/youtube"),
                    "label": "서울시 유튜브 채널",
                    "label_en": "Seoul Metropolitan Government YouTube channel",
                },
            ],
        },
        {
            "key": "keynote",
            "title_ko": "기조연설: 디지털 시대 시민을 위한 정부의 역할",
            "title_en": "Keynote: The role of government for citizens in the digital age",
            "description_ko": "빌 뱅크스 EY 아시아·태평양 인프라스트럭처 총괄 리더의 기조연설.",
            "description_en": "Keynote by Bill Banks, EY's Asia-Pacific Infrastructure Leader.",
            "kind": "keynote",
            "format": "hybrid",
            "language": "en",
            "day": date(2023, 9, 26),
            "start": "10:00",
            "end": "10:30",
            "venue": "floor3",
            "parent": "forum",
            "speakers": [("banks", "keynote")],
        },
        {
            "key": "conversation",
            "title_ko": "대담: 빌 뱅크스 × 지성우",
            "title_en": "Conversation: Bill Banks and Ji Seong-woo",
            "description_ko": (
                "기조연설에 이어 지성우 성균관대 법학전문대학원 교수가 빌 뱅크스와 대담합니다."
            ),
            "description_en": (
                "After the keynote, Prof. Ji Seong-woo of Sungkyunkwan University Law School in "
                "conversation with Bill Banks."
            ),
            "kind": "panel",
            "format": "hybrid",
            "day": date(2023, 9, 26),
            "start": "10:30",
            "end": "10:50",
            "venue": "floor3",
            "parent": "forum",
            "speakers": [("ji", "moderator"), ("banks", "guest")],
        },
        {
            "key": "talks",
            "title_ko": "연사 발표: 팬데믹 이후의 사회 변화와 포용적 스마트도시",
            "title_en": "Talks: Society after the pandemic and the inclusive smart city",
            "description_ko": (
                "글로벌 스마트도시 리더들과 국내 인공지능(AI) 전문가들이 팬데믹 이후 디지털 "
                "기술의 급격한 발전에 따른 사회 변화를 짚어보고 포용적 스마트도시로 나아가기 "
                "위한 정책 방향을 제시합니다."
            ),
            "description_en": (
                "Global smart-city leaders and Korean AI experts examine how society has changed "
                "with the rapid progress of digital technology since the pandemic, and propose "
                "policies for moving towards an inclusive smart city."
            ),
            "kind": "session",
            "format": "hybrid",
            "day": date(2023, 9, 26),
            "start": "11:00",
            "end": "12:30",
            "venue": "floor3",
            "parent": "forum",
            "speakers": [
                ("park_kr", "presenter"),
                ("bae", "presenter"),
                ("cowley", "presenter"),
                ("ha", "presenter"),
                ("lanvin", "presenter"),
            ],
        },
        {
            "key": "exhibition_tour",
            "title_ko": "전시관 관람: 스마트서울전시관",
            "title_en": "Tour: Smart Seoul Exhibition Hall",
            "description_ko": (
                "시민청 지하 1층 스마트서울전시관에서 서울의 첨단 스마트도시 기술을 경험합니다."
            ),
            "description_en": (
                "Experience Seoul's smart-city technology at the Smart Seoul Exhibition Hall, "
                "Citizens Hall B1."
            ),
            "kind": "tour",
            "format": "in_person",
            "day": date(2023, 9, 26),
            "start": "13:00",
            "end": "13:40",
            "venue": "exhibition",
            "parent": None,
            "seats": 30,
            "speakers": [],
        },
        {
            "key": "general_assembly",
            "title_ko": "세계스마트시티기구(WeGO) 제6차 총회",
            "title_en": "WeGO 6th General Assembly",
            "description_ko": (
                "‘스마트 도시, 스마트 시민’을 주제로 의장인 오세훈 서울시장이 주재하고 회원도시, "
                "기업, 기관 관계자 200여 명이 참석합니다. 주요 안건: 정관 개정, 차기(2023~2026년) "
                "의장·부의장 도시와 집행도시 선출, 2026년 제7차 WeGO 총회 개최도시 선정."
            ),
            "description_en": (
                "On 'Smart City, Smart Citizen', chaired by WeGO's President, Mayor Oh Se-hoon, "
                "with about 200 representatives of member cities, companies and institutions. "
                "Main agenda: amending the statutes; electing the president and vice-president "
                "cities and the executive cities for 2023–2026; choosing the host city of the "
                "7th General Assembly in 2026."
            ),
            "kind": "general_assembly",
            "format": "in_person",
            "day": date(2023, 9, 26),
            "start": "14:00",
            "end": "16:00",
            "venue": "hall8f",
            "parent": None,
            "seats": 200,
            "speakers": [("oh", "moderator")],
        },
        {
            "key": "lg_visit",
            "title_ko": "현장 방문: 마곡 LG사이언스파크",
            "title_en": "Site visit: LG Science Park, Magok",
            "description_ko": (
                "강서구 마곡 LG사이언스파크를 방문해 첨단 스마트도시 기술을 경험합니다."
            ),
            "description_en": (
                "A visit to LG Science Park in Magok, Gangseo-gu, to experience advanced "
                "smart-city technology."
            ),
            "kind": "site_visit",
            "format": "in_person",
            "day": date(2023, 9, 26),
            "start": "16:30",
            "end": "18:30",
            "venue": "lg_science_park",
            "parent": None,
            "seats": 40,
            "speakers": [],
        },
    ],
    "streams": [],
}


# ================================================================ the upcoming sample

SAMPLE = "seoul-smart-city-forum-sample"


def sample_first_day(now: datetime) -> date:
    """About a month after `now` (Seoul's calendar), moved to Monday if it is a weekend day."""
    day = (now + timedelta(days=30)).astimezone(SEOUL).date()
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return day


def sample_forum(now: datetime) -> dict[str, Any]:
    """The upcoming sample forum, dated relative to `now` (aware)."""
    day = sample_first_day(now)
    year = day.year
    closes = datetime.combine(day - timedelta(days=7), time(18, 0), SEOUL)

    def sample_speaker(name_ko: str, name_en: str, affiliation: str, title: str) -> dict:
        return {
            "name_ko": name_ko,
            "name_en": name_en,
            "affiliation": affiliation,
            "title": title,
            "country": "",
            "bio_ko": "샘플 포럼의 가상 연사입니다.",
            "bio_en": "A fictional speaker of the sample forum.",
            # For the speakers' own mail (an example.org address delivers nowhere).
            "email": f"{name_en.split()[-1].lower()}@speakers.example.org",
        }

    def at(start: str, end: str, **fields: Any) -> dict[str, Any]:
        return {"day": day, "start": start, "end": end, "parent": None, **fields}

    return {
        "slug": SAMPLE,
        "title_ko": f"{year} 서울 스마트도시 포럼 (샘플)",
        "title_en": f"Seoul Smart City Forum {year} (sample)",
        "theme_ko": "모두를 위한 포용적 디지털 도시",
        "theme_en": "An inclusive digital city for everyone",
        "description_ko": (
            "실제 행사가 아닌 샘플 포럼입니다. 디지털 약자와 함께하는 포용적 디지털 도시를 "
            "주제로, 오전에는 서울시청 본관 3층 대회의실에서 기조연설과 두 개의 세션이, 오후 "
            "2시에는 8층 다목적홀에서 총회가 열립니다. 디지털 시장실 투어(20명)와 마곡 "
            "LG사이언스파크 현장 방문(30명)은 선착순 사전등록으로 참여할 수 있습니다. 사전등록 "
            "외에 당일 현장등록도 가능하며, 서울시 유튜브와 등록자 전용 웨비나로 생중계됩니다."
        ),
        "description_en": (
            "A sample forum, not a real edition. On an inclusive digital city that leaves no one "
            "behind: in the morning a keynote and two sessions in the Main Conference Room on "
            "the 3rd floor of Seoul City Hall's main building, at 14:00 the general assembly in "
            "the 8F Multipurpose Hall. The Digital Mayor's Office tour (20 places) and the site "
            "visit to LG Science Park in Magok (30 places) are first come, first served at "
            "pre-registration. On-site registration on the day is possible too; livestreamed on "
            "the city's YouTube channel and on a webinar for registered people."
        ),
        "timezone": "Asia/Seoul",
        "first_day": day,
        "last_day": day,
        "format": "hybrid",
        "status": "published",
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": closes,
        "onsite_registration": True,
        "in_person_capacity": 200,
        # Held for the speakers, guests, press and staff an organizer registers.
        "reserved_places": 20,
        "organizer_name": "Seoul Metropolitan Government (sample) / 서울특별시 (샘플)",
        "organizer_email": "forum@seoul.example.org",
        "homepage_url": placeholder(SAMPLE, ""),
        "data_note": (
            "Sample forum, not a real edition. Its dates are relative to the day it was first "
            "loaded (first day = load date + 30 days, Seoul time, moved to Monday when it falls "
            "on a weekend; pre-registration opened a day before loading and closes 7 days "
            "before the forum at 18:00 KST); loading again later leaves it as it was. Speakers "
            "are fictional; seat numbers, room details and accessibility facilities are "
            "illustrative. Homepage, stream and webinar addresses are placeholders under "
            "https://example.org/. Alex Rivera joins from Los Angeles and is available on the "
            "first day from 11:30 to 13:00 KST only, which Session 1 breaks: the scenario "
            "for the agenda solver's repair. The site visit's meeting point (the bus at City "
            "Hall's main entrance, 16:15) is illustrative."
        ),
        "venues": {
            "conference_room": {
                "name_ko": "대회의실",
                "name_en": "Main Conference Room",
                "kind": "hall",
                "building": "Seoul City Hall (main building) / 서울시청 본관",
                "floor": "3F",
                "room": "Main Conference Room / 대회의실",
                "address": CITY_HALL_ADDRESS,
                "seats": 200,
                "accessibility_notes": (
                    "정문에서 엘리베이터로 턱 없이 이동할 수 있고, 앞줄에 휠체어석이 있습니다. "
                    "한영 통역과 실시간 자막을 제공합니다(샘플). / Step-free access by lift "
                    "from the main entrance; wheelchair spaces in the front row; Korean–English "
                    "interpretation and live captions (sample)."
                ),
            },
            "hall8f": {
                "name_ko": "다목적홀",
                "name_en": "Multipurpose Hall",
                "kind": "hall",
                "building": "Seoul City Hall (main building) / 서울시청 본관",
                "floor": "8F",
                "room": "Multipurpose Hall / 다목적홀",
                "address": CITY_HALL_ADDRESS,
                "seats": 200,
                "accessibility_notes": (
                    "엘리베이터로 8층까지 이동할 수 있으며 수어 통역을 제공합니다(샘플). / Lift "
                    "to the 8th floor; sign-language interpretation (sample)."
                ),
            },
            "mayor_office": {
                "name_ko": "디지털 시장실",
                "name_en": "Digital Mayor's Office",
                "kind": "hall",
                "building": "Seoul City Hall (main building) / 서울시청 본관",
                "floor": "6F",
                "room": "Digital Mayor's Office / 디지털 시장실",
                "address": CITY_HALL_ADDRESS,
                "seats": 20,
                "accessibility_notes": (
                    "투어는 서서 약 40분간 진행되며 휠체어로 이동할 수 있습니다(샘플). / The "
                    "tour is about 40 minutes on foot and wheelchair accessible (sample)."
                ),
            },
            "lg_science_park": {
                "name_ko": "마곡 LG사이언스파크",
                "name_en": "LG Science Park, Magok",
                "kind": "offsite",
                "building": "LG Science Park / LG사이언스파크",
                "floor": "",
                "room": "",
                "address": LG_SCIENCE_PARK_ADDRESS,
                "seats": None,
                "accessibility_notes": (
                    "시청 정문에서 저상 버스로 이동합니다(약 40분, 샘플). / A low-floor bus "
                    "leaves from City Hall's main entrance (about 40 minutes, sample)."
                ),
            },
        },
        "speakers": {
            "kim": sample_speaker(
                "김하늘",
                "Kim Ha-neul",
                "Example Institute for Digital Inclusion (sample) / 예시 디지털포용연구원 (샘플)",
                "Director / 원장",
            ),
            "lee": sample_speaker(
                "이도윤",
                "Lee Do-yun",
                "Example University (sample) / 예시대학교 (샘플)",
                "Professor / 교수",
            ),
            "park": sample_speaker(
                "박서연",
                "Park Seo-yeon",
                "Example Welfare Center (sample) / 예시 복지관 (샘플)",
                "Digital literacy instructor / 디지털 교육 강사",
            ),
            "rivera": {
                **sample_speaker(
                    "알렉스 리베라",
                    "Alex Rivera",
                    "City of Exampleton (sample) / 예시시 (샘플)",
                    "Chief Digital Officer / 최고디지털책임자",
                ),
                # Joins by video from Los Angeles, free only in the Seoul late morning: Session
                # 1 breaks this, and the agenda solver's repair moves it (one move).
                "timezone": "America/Los_Angeles",
                "availability": [(day, "11:30", "13:00")],
                "locale": "en",
                "connection_details": (
                    "Zoom (sample): https://zoom.example.org/j/000 — passcode in the speaker "
                    "briefing. Join 30 minutes early for a sound check with the Seoul-On studio."
                ),
            },
            "choi": sample_speaker(
                "최민준",
                "Choi Min-jun",
                "Example Digital Foundation (sample) / 예시 디지털재단 (샘플)",
                "Researcher / 연구위원",
            ),
            "jung": sample_speaker(
                "정유나",
                "Jung Yu-na",
                "Example Civic Lab (sample) / 예시 시민랩 (샘플)",
                "Co-founder / 공동대표",
            ),
            "santos": sample_speaker(
                "마리아 산토스",
                "Maria Santos",
                "Example Open Data Network (sample) / 예시 공공데이터 네트워크 (샘플)",
                "Coordinator / 코디네이터",
            ),
            "chair": sample_speaker(
                "서울특별시장",
                "Mayor of Seoul",
                SMG,
                "Chair of the general assembly / 총회 의장",
            ),
        },
        "sessions": [
            at(
                "09:30",
                "10:10",
                key="keynote",
                title_ko="기조연설: 모두를 위한 포용적 디지털 도시",
                title_en="Keynote: An inclusive digital city for everyone",
                description_ko="디지털 약자와 함께 만드는 도시 서비스의 원칙과 과제.",
                description_en=(
                    "Principles and challenges of city services built with the digitally excluded."
                ),
                kind="keynote",
                format="hybrid",
                venue="conference_room",
                speakers=[("kim", "keynote")],
            ),
            at(
                "10:20",
                "11:20",
                key="session1",
                title_ko="세션 1: 디지털 약자와 함께하는 스마트 서비스",
                title_en="Session 1: Smart services with the digitally excluded",
                description_ko="어르신, 장애인, 외국인 주민을 위한 디지털 서비스 사례와 토론.",
                description_en=(
                    "Cases of digital services for older people, people with disabilities and "
                    "foreign residents, and a discussion."
                ),
                kind="panel",
                format="hybrid",
                venue="conference_room",
                speakers=[("lee", "moderator"), ("park", "panelist"), ("rivera", "panelist")],
            ),
            at(
                "11:30",
                "12:30",
                key="session2",
                title_ko="세션 2: 시민 참여와 데이터로 만드는 도시",
                title_en="Session 2: A city made with citizens and data",
                description_ko="리빙랩과 공공데이터로 시민이 함께 설계하는 도시 정책.",
                description_en="Living labs and open data: city policy designed with citizens.",
                kind="panel",
                format="hybrid",
                venue="conference_room",
                speakers=[("choi", "moderator"), ("jung", "panelist"), ("santos", "panelist")],
            ),
            at(
                "13:00",
                "13:40",
                key="tour",
                title_ko="시청 투어: 디지털 시장실",
                title_en="City Hall tour: the Digital Mayor's Office",
                description_ko="서울시청 본관 6층 디지털 시장실 견학(선착순 20명).",
                description_en=(
                    "A visit to the Digital Mayor's Office, City Hall 6F (20 places, first come "
                    "first served)."
                ),
                kind="tour",
                format="in_person",
                venue="mayor_office",
                seats=20,
                speakers=[],
            ),
            at(
                "14:00",
                "16:00",
                key="general_assembly",
                title_ko="총회",
                title_en="General assembly",
                description_ko="포럼 참여 도시와 기관의 총회(선착순 200명).",
                description_en=(
                    "The general assembly of the participating cities and institutions "
                    "(200 places)."
                ),
                kind="general_assembly",
                format="in_person",
                venue="hall8f",
                seats=200,
                speakers=[("chair", "moderator")],
            ),
            at(
                "16:30",
                "18:30",
                key="site_visit",
                title_ko="현장 방문: 마곡 LG사이언스파크",
                title_en="Site visit: LG Science Park, Magok",
                description_ko=(
                    "시청 정문에서 버스로 출발해 LG사이언스파크를 방문합니다(30석 중 5석은 "
                    "연사 몫, 나머지는 선착순)."
                ),
                description_en=(
                    "By bus from City Hall's main entrance to LG Science Park (30 places, 5 of "
                    "them held for speakers; the rest first come first served)."
                ),
                kind="site_visit",
                format="in_person",
                venue="lg_science_park",
                seats=30,
                reserved_seats=5,  # for the speakers who join the visit
                speakers=[],
                meet="16:15",
                meeting_point_ko="서울시청 본관 정문 앞 버스 승차장",
                meeting_point_en="Bus stop at the main entrance of Seoul City Hall",
                meeting_note_ko="버스는 16:20에 출발합니다. 명찰을 착용해 주세요.",
                meeting_note_en="The bus leaves at 16:20. Please wear your badge.",
            ),
        ],
        "streams": [
            {
                "platform": "YouTube",
                "url": placeholder(SAMPLE, "live/youtube"),
                "label": "서울시 유튜브 채널",
                "label_en": "Seoul Metropolitan Government YouTube channel",
                "visibility": "public",
            },
            {
                "platform": "Zoom",
                "url": placeholder(SAMPLE, "webinar/zoom"),
                "label": "등록자 전용 웨비나 (질의응답)",
                "label_en": "Webinar for registered people (Q&A)",
                "visibility": "registrants",
            },
        ],
        # Live Korean captions on the keynote, and an online registrant who asked for Korean
        # Sign Language in Session 2, waiting for an organizer's answer (samples).
        "services": [
            ("keynote", "captions", "ko", "confirmed"),
            ("keynote", "interpretation", "en", "confirmed"),
        ],
        "requests": [
            {
                "name": "한수어",
                "locale": "ko",
                "session": "session2",
                "kind": "ksl",
                "language": "",
            },
        ],
        # An open comment event (no seed committed yet: try the draw's commitment) and live
        # questions on the keynote, which desk staff may moderate. All sample data.
        "voices": {
            "prompt_ko": "내가 바라는 포용적 디지털 도시는 ○○○다.",
            "prompt_en": "The inclusive digital city I hope for is … .",
            "opens_at": now - timedelta(days=1),
            "closes_at": datetime.combine(day, time(9, 0), SEOUL),
            "max_length": 200,
            "prizes": 5,
            "prize_ko": "서울사랑상품권 1만 원 (샘플)",
            "prize_en": "A 10,000-won Seoul gift voucher (sample)",
            "reward_note_ko": "참여하신 분께 생중계 주소를 보내 드립니다.",
            "reward_note_en": "Participants receive the livestream addresses.",
            "sends_streams": True,
            "entries": [
                (
                    "김하은",
                    "ko",
                    "내가 바라는 포용적 디지털 도시는 누구나 쉽게 묻고 답을 듣는 도시다.",
                    6,
                    "published",
                    None,
                ),
                (
                    "Noah Kim",
                    "en",
                    "The inclusive digital city I hope for is one my grandmother can use alone.",
                    4,
                    "published",
                    None,
                ),
                (
                    "이서준",
                    "ko",
                    "내가 바라는 포용적 디지털 도시는 종이 서류도 환영받는 도시다.",
                    2,
                    "published",
                    None,
                ),
                (
                    "박지민",
                    "ko",
                    "내가 바라는 포용적 디지털 도시는 천천히 가도 괜찮은 도시다.",
                    0,
                    "pending",
                    None,
                ),
            ],
            "questions": {
                "session": "keynote",
                "desk_may_moderate": True,
                # text, locale, name ("": anonymous), status, votes
                "asked": [
                    ("디지털 약자를 위한 예산은 어떻게 정하나요?", "ko", "", "approved", 7),
                    ("How will the city measure digital inclusion?", "en", "Jane", "approved", 4),
                    ("어르신 디지털 교육은 어디서 받을 수 있나요?", "ko", "김민수", "answered", 3),
                    ("키오스크 글씨를 크게 할 수 있나요?", "ko", "", "pending", 0),
                ],
            },
        },
    }


def demo_forums(now: datetime | None = None) -> list[dict[str, Any]]:
    """Every demo forum, oldest first, the sample last."""
    now = now or datetime.now(UTC)
    return [
        SEOUL_DIGITAL_SUMMIT_2018,
        SMART_CITY_LEADERS_FORUM_2020,
        SEOUL_SMART_CITY_WEEK_2021,
        WEGO_GENERAL_ASSEMBLY_2023,
        sample_forum(now),
    ]
