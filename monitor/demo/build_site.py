"""Regenerate monitor/demo/site/ (static pages, feeds, manifest.json) from the article data here."""

# Long lines here are Korean article prose and HTML templates; wrapping them hurts reading.
# ruff: noqa: E501

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
SITE_DIR = Path(__file__).with_name("site")
BASE = "{{BASE}}"  # replaced by the server with the outlet's real base URL


@dataclass(frozen=True)
class Outlet:
    """One demo outlet: its key, public name, tier, charset and sidebar headlines."""

    key: str
    name: str
    tier: str
    charset: str
    sidebar: tuple[str, ...]
    sidebar_entities: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One demo article and its gold labels."""

    outlet: str
    num: int
    title: str
    published: str  # "2024-11-26 10:20" KST
    byline: str
    paragraphs: tuple[str, ...]
    relevant: bool
    entities: tuple[str, ...]
    topic: str
    tone: str
    story: str | None = None
    press_release: bool = False
    near_miss: str | None = None
    related: tuple[str, ...] = field(default=())


OUTLETS = (
    Outlet(
        "goyangtimes",
        "고양타임즈",
        "local",
        "utf-8",
        (
            "국립암센터, 양성자치료 10년 성과 심포지엄 연다",
            "일산테크노밸리 진입도로 주민설명회…교통대책 요구 봇물",
            "고양시 아파트 분양 시장 한파 계속",
            "일산호수공원 겨울 조명축제 12월 개막",
        ),
        ("ncc", "ilsan-techno-valley"),
    ),
    Outlet(
        "hankukdaily",
        "한국데일리",
        "national",
        "utf-8",
        (
            "국립암센터 노조, 임금협상 결렬 선언",
            "수능 가채점 결과 국어 어려웠다",
            "킨텍스 모터쇼 관람객 역대 최대",
            "원·달러 환율 1400원 다시 돌파",
        ),
        ("ncc", "kintex"),
    ),
    Outlet(
        "kyunggitimes",
        "경기시보",
        "local",
        "euc-kr",
        (
            "일산테크노밸리 분양가 논란 재점화",
            "경기도 광역버스 노선 개편안 확정",
            "의정부 경전철 적자 해법은",
        ),
        ("ilsan-techno-valley",),
    ),
    Outlet(
        "newswire",
        "뉴스와이어경제",
        "wire",
        "utf-8",
        (
            '국립암센터 원장 "암 데이터 개방 확대"',
            "삼성전자 3분기 실적 발표",
            "고양 바이오클러스터 투자설명회 성황",
        ),
        ("ncc", "bio-cluster"),
    ),
    Outlet(
        "goyangcity",
        "고양특례시",
        "local",
        "utf-8",
        (),
        (),
    ),
)

PR_STORY = "pr-2024-11-26-precision-medicine-mou"

ARTICLES = (
    # --- the city's press releases (listing board) ---
    Article(
        "goyangcity",
        3101,
        "고양특례시, 국립암센터·룩셈부르크 보건연구소와 정밀의료 협력 업무협약 체결",
        "2024-11-26 09:30",
        "담당부서: 첨단산업과 바이오산업팀 (031-8075-0000)",
        (
            "고양특례시는 26일 시청 상황실에서 국립암센터, 룩셈부르크 보건연구소(LIH)와 정밀의료 분야 공동연구 및 바이오클러스터 조성을 위한 3자 업무협약을 체결했다고 밝혔다.",
            "이번 협약은 2025년 개소 예정인 룩셈부르크 고양보건연구소(LIH-G)를 거점으로 국립암센터의 임상 인프라와 LIH의 바이오뱅크·데이터 역량을 연결하는 것이 핵심이다.",
            "세 기관은 암 정밀의료 공동연구, 연구인력 교류, 임상 데이터 표준화, 바이오 스타트업 육성 프로그램을 함께 추진하기로 했다.",
            "시는 LIH-G가 일산테크노밸리에 조성되는 고양 바이오클러스터의 첫 국제 연구기관이 될 것으로 기대하고 있다.",
            '이동환 고양특례시장은 "국립암센터와 룩셈부르크 보건연구소가 손잡으면서 고양이 정밀의료 연구의 국제 거점으로 도약할 발판을 마련했다"고 말했다.',
            '울프 네스 LIH 원장은 "고양의 우수한 의료 인프라와 LIH의 연구 역량이 결합해 환자 중심의 연구 성과를 낼 것"이라고 밝혔다.',
            "시는 협약 후속으로 내년 상반기 공동연구 과제 공모와 국제 심포지엄을 개최할 계획이다.",
        ),
        True,
        ("lih", "lih-g", "ncc", "bio-cluster", "ilsan-techno-valley"),
        "agreement",
        "positive",
        story=PR_STORY,
        press_release=True,
    ),
    Article(
        "goyangcity",
        3102,
        "고양특례시, 겨울철 제설 종합대책 추진…제설제 1만 2천 톤 확보",
        "2024-11-25 14:00",
        "담당부서: 도로관리과 (031-8075-0001)",
        (
            "고양특례시는 내년 3월 15일까지를 겨울철 도로 제설 대책 기간으로 정하고 24시간 상황실을 운영한다고 25일 밝혔다.",
            "시는 제설제 1만 2천 톤과 제설 장비 210대를 확보했으며 상습 결빙 구간 48곳에 자동 염수 분사 장치를 설치했다.",
            "이면도로와 경사로에는 주민들이 직접 사용할 수 있는 제설함 1천여 개를 배치했다.",
            '시 관계자는 "폭설 시 대중교통을 이용하고 내 집 앞 눈 치우기에 동참해 달라"고 당부했다.',
            "시는 기상특보가 발효되면 전 직원 비상근무 체계로 전환한다.",
        ),
        False,
        (),
        "other",
        "neutral",
        press_release=True,
        near_miss="goyang-no-bio",
    ),
    Article(
        "goyangcity",
        3103,
        "고양특례시, 바이오 기업 대상 성사혁신지구 입주 설명회 개최",
        "2024-11-28 10:00",
        "담당부서: 첨단산업과 (031-8075-0002)",
        (
            "고양특례시는 다음 달 5일 고양연구원 대회의실에서 바이오·헬스케어 기업을 대상으로 성사혁신지구 입주 설명회를 연다고 28일 밝혔다.",
            "성사혁신지구는 원당역 일대에 조성되는 산업·주거 복합 거점으로, 시는 바이오 창업기업을 위한 공용 실험실과 지원센터를 마련할 계획이다.",
            "설명회에서는 입주 자격과 임대 조건, 바이오컴플렉스와의 연계 지원 사업이 소개된다.",
            "참가를 원하는 기업은 이달 말까지 시 홈페이지에서 신청하면 된다.",
            '시 관계자는 "성사혁신지구가 고양 바이오클러스터의 창업 전진기지가 되도록 하겠다"고 말했다.',
        ),
        True,
        ("seongsa", "goyang-institute", "bio-complex", "bio-cluster"),
        "event",
        "positive",
        press_release=True,
    ),
    # --- three near-copies of the press release ---
    Article(
        "goyangtimes",
        21450,
        "고양시-국립암센터-룩셈부르크 보건연구소, 정밀의료 손잡았다",
        "2024-11-26 11:39",
        "김민정 기자",
        (
            "고양특례시가 국립암센터, 룩셈부르크 보건연구소(LIH)와 정밀의료 분야 공동연구 및 바이오클러스터 조성을 위한 3자 업무협약을 26일 체결했다.",
            "협약은 2025년 문을 여는 룩셈부르크 고양보건연구소(LIH-G)를 거점으로 국립암센터의 임상 인프라와 LIH의 바이오뱅크·데이터 역량을 잇는 것이 핵심이다.",
            "세 기관은 암 정밀의료 공동연구와 연구인력 교류, 임상 데이터 표준화, 바이오 스타트업 육성을 함께 추진한다.",
            "시는 LIH-G가 일산테크노밸리 고양 바이오클러스터의 첫 국제 연구기관이 될 것으로 보고 있다.",
            '이동환 시장은 "고양이 정밀의료 연구의 국제 거점으로 도약할 발판"이라고 의미를 부여했다.',
            "시는 내년 상반기 공동연구 과제 공모와 국제 심포지엄을 열 계획이다.",
        ),
        True,
        ("lih", "lih-g", "ncc", "bio-cluster", "ilsan-techno-valley"),
        "agreement",
        "positive",
        story=PR_STORY,
        related=("일산테크노밸리 부지조성 공사 또 늦어져", '고양연구원 "바이오 인재 양성 시급"'),
    ),
    Article(
        "hankukdaily",
        1127001,
        "고양시, 국립암센터·룩셈부르크 연구소와 정밀의료 협약",
        "2024-11-26 15:02",
        "박성훈 기자",
        (
            "경기 고양특례시가 국립암센터, 룩셈부르크 보건연구소(LIH)와 정밀의료 공동연구를 위한 업무협약을 맺었다고 26일 밝혔다.",
            "협약에 따라 세 기관은 내년 개소하는 룩셈부르크 고양보건연구소(LIH-G)를 중심으로 암 정밀의료 공동연구와 연구인력 교류에 나선다.",
            "LIH의 바이오뱅크와 국립암센터의 임상 데이터를 연계하는 표준화 작업도 함께 추진한다.",
            "고양시는 LIH-G를 일산테크노밸리 바이오클러스터의 첫 국제 연구기관으로 유치해 해외 기업 투자를 끌어들인다는 구상이다.",
            '이동환 시장은 "고양이 정밀의료 국제 거점으로 도약하는 계기가 될 것"이라고 말했다.',
        ),
        True,
        ("lih", "lih-g", "ncc", "bio-cluster", "ilsan-techno-valley"),
        "agreement",
        "positive",
        story=PR_STORY,
    ),
    Article(
        "kyunggitimes",
        8812,
        "고양특례시, 국립암센터·LIH와 정밀의료 3자 협약",
        "2024-11-26 16:45",
        "이정수 기자",
        (
            "고양특례시는 26일 국립암센터, 룩셈부르크 보건연구소(LIH)와 정밀의료 공동연구 및 바이오클러스터 조성을 위한 3자 업무협약을 체결했다.",
            "협약의 중심에는 2025년 개소 예정인 룩셈부르크 고양보건연구소(LIH-G)가 있다.",
            "세 기관은 암 정밀의료 공동연구, 연구인력 교류, 임상 데이터 표준화, 바이오 스타트업 육성 프로그램을 공동 추진한다.",
            "시는 LIH-G가 일산테크노밸리 고양 바이오클러스터의 첫 국제 연구기관이 될 것으로 기대했다.",
            '울프 네스 LIH 원장은 "환자 중심의 연구 성과를 내겠다"고 밝혔다.',
        ),
        True,
        ("lih", "lih-g", "ncc", "bio-cluster", "ilsan-techno-valley"),
        "agreement",
        "positive",
        story=PR_STORY,
    ),
    # --- other cluster coverage ---
    Article(
        "goyangtimes",
        21431,
        '일산테크노밸리 부지조성 공사 또 늦어져…"바이오 앵커기업 유치 차질" 비판',
        "2024-11-25 17:20",
        "최윤서 기자",
        (
            "고양 일산테크노밸리 부지조성 공사가 문화재 시굴조사와 토지 보상 지연으로 또다시 늦어지면서 바이오 기업 유치 일정에 차질이 우려된다.",
            "25일 고양시와 경기주택도시공사(GH)에 따르면 당초 2025년 말로 잡혔던 1단계 부지 준공이 2026년 하반기로 미뤄질 전망이다.",
            '시의회에서는 "착공식만 요란했을 뿐 실제 공정은 제자리"라는 비판이 쏟아졌다.',
            '한 시의원은 "앵커기업 입주 약속이 지켜지지 않으면 바이오클러스터 구상 전체가 흔들린다"고 지적했다.',
            "일부 입주 희망 기업은 인천 송도나 판교로 눈을 돌리는 것으로 알려졌다.",
            '시 관계자는 "보상 협의를 서둘러 공정 지연을 최소화하겠다"고 해명했다.',
            "사업비도 자재비 상승으로 당초 계획보다 900억 원가량 늘어날 것으로 보인다.",
        ),
        True,
        ("ilsan-techno-valley", "bio-cluster"),
        "infrastructure",
        "negative",
        related=("고양시 아파트 분양 시장 한파 계속",),
    ),
    Article(
        "goyangtimes",
        21462,
        '고양연구원 "바이오 인재 양성·특화단지 지정 서둘러야"',
        "2024-11-27 09:10",
        "김민정 기자",
        (
            "고양연구원이 27일 발간한 정책보고서에서 고양 바이오클러스터 성공을 위해 전문 인재 양성과 바이오 특화단지 지정을 서둘러야 한다고 제언했다.",
            "보고서는 고양시 바이오·헬스 기업이 320여 곳에 이르지만 대부분 10인 미만 영세 기업이라고 분석했다.",
            "연구원은 일산테크노밸리와 성사혁신지구, 바이오컴플렉스를 잇는 단계별 육성 전략을 제시했다.",
            "또 국립암센터와 지역 대학병원의 임상 역량을 기업 연구개발과 연결하는 협력 플랫폼이 필요하다고 밝혔다.",
            "보고서는 정부의 바이오 특화단지 추가 지정에 대비해 경기도와 공동 대응 체계를 갖춰야 한다고 강조했다.",
        ),
        True,
        (
            "goyang-institute",
            "bio-cluster",
            "bio-special-zone",
            "ilsan-techno-valley",
            "seongsa",
            "bio-complex",
            "ncc",
        ),
        "policy",
        "neutral",
    ),
    Article(
        "hankukdaily",
        1128004,
        "성사혁신지구에 바이오컴플렉스 첫 삽…고양 바이오 창업 거점",
        "2024-11-28 11:05",
        "정하늘 기자",
        (
            "경기 고양시 덕양구 성사혁신지구에 바이오 창업기업을 위한 고양 바이오컴플렉스가 28일 착공했다.",
            "지하 2층, 지상 9층 규모로 공용 실험실과 시제품 생산시설, 기업 입주공간이 들어선다.",
            "고양시는 2026년 준공 뒤 초기 바이오 기업 40여 곳을 입주시킬 계획이다.",
            "시는 고양 바이오클러스터에서 일산테크노밸리가 연구·생산 거점이라면 바이오컴플렉스는 창업 인큐베이터 역할을 맡는다고 설명했다.",
            "착공식에는 바이오 업계 관계자와 주민 200여 명이 참석했다.",
            "다만 일부 주민은 실험시설 안전 대책을 충분히 설명해 달라고 요구했다.",
        ),
        True,
        ("seongsa", "bio-complex", "bio-cluster", "ilsan-techno-valley"),
        "infrastructure",
        "positive",
    ),
    Article(
        "kyunggitimes",
        8820,
        "킨텍스서 고양 바이오 국제 포럼…경제자유구역 지정 청사진 공개",
        "2024-11-27 14:30",
        "이정수 기자",
        (
            "고양 바이오클러스터의 미래를 논의하는 국제 포럼이 27일 킨텍스에서 열렸다.",
            "포럼에는 국내외 바이오 기업과 연구기관 관계자 400여 명이 참석했다.",
            "고양시는 이 자리에서 킨텍스 일대와 일산테크노밸리를 묶는 고양 경제자유구역 지정 청사진을 공개했다.",
            "시는 경제자유구역으로 지정되면 외국계 바이오 기업에 세제 혜택과 규제 특례를 줄 수 있다고 설명했다.",
            "참석자들은 국제 연구기관 유치와 해외 임상 네트워크 구축이 관건이라고 입을 모았다.",
        ),
        True,
        ("kintex", "goyang-fez", "bio-cluster", "ilsan-techno-valley"),
        "event",
        "positive",
    ),
    Article(
        "newswire",
        202411270045,
        "고양시장, 룩셈부르크 방문…LIH 본원서 고양보건연구소 설립 협의",
        "2024-11-27 08:15",
        "[고양=뉴스와이어경제] 한상민 기자 =",
        (
            "이동환 고양특례시장이 룩셈부르크를 방문해 룩셈부르크 보건연구소(LIH) 본원에서 룩셈부르크 고양보건연구소(LIH-G) 설립 세부 일정을 협의했다.",
            "고양시에 따르면 방문단은 LIH 바이오뱅크와 감염병 연구시설을 둘러보고 연구진 파견 규모를 논의했다.",
            "양측은 LIH-G 초기 연구진 15명 가운데 절반을 룩셈부르크에서 파견하기로 의견을 모았다.",
            "이 시장은 룩셈부르크 경제부 관계자와 만나 현지 바이오 기업의 고양 투자도 요청했다.",
            "시는 이번 방문 성과를 바탕으로 일산테크노밸리 내 LIH-G 입주 공간 설계에 착수할 방침이다.",
        ),
        True,
        ("lih", "lih-g", "ilsan-techno-valley"),
        "overseas",
        "positive",
    ),
    Article(
        "newswire",
        202411280112,
        "고양시의회, 바이오 특화단지 지정 촉구 건의안 채택",
        "2024-11-28 16:40",
        "[고양=뉴스와이어경제] 한상민 기자 =",
        (
            "고양특례시의회가 28일 본회의에서 정부에 고양시 바이오 특화단지 지정을 촉구하는 건의안을 만장일치로 채택했다.",
            "건의안은 일산테크노밸리와 성사혁신지구를 중심으로 한 고양 바이오클러스터가 수도권 북부 유일의 바이오 거점이라는 점을 강조했다.",
            "의회는 국립암센터 등 대형병원 6곳이 밀집한 임상 인프라를 지정 근거로 들었다.",
            "건의안은 대통령실과 산업통상자원부, 보건복지부에 전달될 예정이다.",
            '대표 발의 의원은 "특화단지 지정 없이는 기업 유치 경쟁에서 밀릴 수밖에 없다"고 말했다.',
        ),
        True,
        ("bio-special-zone", "bio-cluster", "ilsan-techno-valley", "seongsa", "ncc"),
        "policy",
        "neutral",
    ),
    # --- near misses ---
    Article(
        "hankukdaily",
        1125010,
        "국립암센터, 폐암 표적치료제 병용요법 3상서 생존기간 연장 확인",
        "2024-11-25 10:30",
        "윤지아 의학전문기자",
        (
            "국립암센터 연구팀이 비소세포폐암 환자를 대상으로 한 표적치료제 병용요법 임상 3상에서 무진행 생존기간을 유의하게 늘렸다고 25일 밝혔다.",
            "연구팀은 국내 12개 병원 환자 480명을 두 그룹으로 나눠 기존 단독요법과 비교했다.",
            "병용요법군의 무진행 생존기간 중앙값은 23.4개월로 단독요법군보다 7개월가량 길었다.",
            "부작용은 대부분 경미한 피부 발진과 설사였다.",
            "연구 결과는 국제 학술지 란셋 온콜로지에 실렸다.",
            '연구책임자는 "표준치료를 바꿀 근거가 될 것"이라고 말했다.',
        ),
        False,
        ("ncc",),
        "other",
        "positive",
        near_miss="ncc-clinical",
    ),
    Article(
        "newswire",
        202411260031,
        "국립암센터, 소아암 환자 치료비 지원 캠페인 시작",
        "2024-11-26 10:05",
        "[서울=뉴스와이어경제] 오세진 기자 =",
        (
            "국립암센터가 소아암 환자 가정의 치료비 부담을 덜기 위한 연말 모금 캠페인을 시작했다고 26일 밝혔다.",
            "모금액은 저소득층 소아암 환자의 항암 치료비와 간병비로 쓰인다.",
            "국립암센터는 지난해 캠페인으로 환자 87명에게 6억 원을 지원했다.",
            "참여를 원하는 시민은 누리집에서 정기 후원이나 일시 후원을 신청할 수 있다.",
            '국립암센터 관계자는 "아이들이 치료를 포기하지 않도록 관심을 부탁드린다"고 말했다.',
        ),
        False,
        ("ncc",),
        "other",
        "positive",
        near_miss="ncc-clinical",
    ),
    Article(
        "hankukdaily",
        1127015,
        "송도 바이오클러스터에 글로벌 CDMO 2공장 착공",
        "2024-11-27 13:20",
        "정하늘 기자",
        (
            "인천 송도국제도시 바이오클러스터에 글로벌 위탁개발생산(CDMO) 기업의 두 번째 공장이 27일 착공했다.",
            "총 1조 2천억 원이 투입되는 공장은 2027년 가동을 목표로 한다.",
            "인천경제자유구역청은 이번 투자로 일자리 1천여 개가 생길 것으로 내다봤다.",
            "송도에는 이미 대형 바이오의약품 생산시설이 몰려 있어 세계 최대 수준의 생산 역량을 갖추고 있다.",
            "인천시는 송도를 바이오 특화단지로 키우기 위한 인력 양성 센터도 함께 추진한다.",
        ),
        False,
        (),
        "other",
        "positive",
        near_miss="other-city-bio",
    ),
    Article(
        "kyunggitimes",
        8816,
        "오송 첨단의료복합단지, 신약 개발 지원센터 개소",
        "2024-11-26 11:00",
        "충북 주재 강태오 기자",
        (
            "충북 청주 오송 첨단의료복합단지에 신약 개발 지원센터가 26일 문을 열었다.",
            "센터는 후보물질 검증부터 비임상 시험까지 전 주기를 지원한다.",
            "충북도는 오송을 국가 바이오 클러스터의 중심으로 키우겠다는 계획이다.",
            "입주 기업들은 장비 공동 이용으로 연구개발 비용을 줄일 수 있을 것으로 기대했다.",
            "도는 내년까지 지원센터 인력을 두 배로 늘릴 예정이다.",
        ),
        False,
        (),
        "other",
        "positive",
        near_miss="other-city-bio",
    ),
    Article(
        "newswire",
        202411250077,
        "룩셈부르크 대공, 국빈 방문 앞두고 한국 기업인과 간담회",
        "2024-11-25 15:30",
        "[서울=뉴스와이어경제] 오세진 기자 =",
        (
            "룩셈부르크 대공이 내년 국빈 방문을 앞두고 25일 주한 룩셈부르크 경제사무소에서 한국 기업인들과 간담회를 가졌다.",
            "간담회에는 금융, 우주산업, 물류 분야 기업인 30여 명이 참석했다.",
            "룩셈부르크 측은 유럽 진출 거점으로서 자국의 세제와 금융 인프라를 소개했다.",
            "참석 기업들은 위성 데이터와 핀테크 분야 협력에 관심을 보였다.",
            "양국은 내년 수교 기념 행사에 맞춰 경제협력 포럼을 열 계획이다.",
        ),
        False,
        (),
        "overseas",
        "neutral",
        near_miss="luxembourg-no-goyang",
    ),
    Article(
        "goyangtimes",
        21440,
        "고양 대화동~킨텍스 연결도로 4차로 확장 개통",
        "2024-11-26 08:50",
        "최윤서 기자",
        (
            "고양시 일산서구 대화동과 킨텍스를 잇는 연결도로가 4차로로 확장돼 26일 개통했다.",
            "총사업비 210억 원이 들어간 이번 공사로 출퇴근 시간 상습 정체 구간이 해소될 전망이다.",
            "시는 보행자 안전을 위해 보도 폭을 넓히고 자전거 도로도 새로 깔았다.",
            '인근 주민들은 "전시회가 있을 때마다 막히던 길이 한결 나아질 것"이라고 반겼다.',
            "시는 내년 상반기 교차로 신호체계 개선 공사도 마칠 계획이다.",
        ),
        False,
        ("kintex",),
        "infrastructure",
        "positive",
        near_miss="goyang-no-bio",
        related=("일산호수공원 겨울 조명축제 12월 개막",),
    ),
    Article(
        "goyangtimes",
        21468,
        "일산호수공원 겨울 조명축제 12월 개막…40만 송이 LED 장미",
        "2024-11-27 15:25",
        "박지훈 기자",
        (
            "고양 일산호수공원에서 겨울 조명축제가 다음 달 6일부터 열린다.",
            "올해는 40만 송이 LED 장미 정원과 대형 크리스마스트리가 설치된다.",
            "축제 기간 주말에는 버스킹 공연과 플리마켓도 함께 열린다.",
            "고양시는 관람객 안전을 위해 안전요원을 평소의 두 배로 배치한다.",
            "축제 기간에는 호수공원 주변 주차장이 밤 11시까지 연장 운영되고 대화역과 정발산역을 오가는 셔틀버스도 다닌다.",
            '시 관계자는 "가족 단위 관람객이 겨울밤을 즐길 수 있도록 체험 프로그램을 지난해보다 늘렸다"고 말했다.',
            "축제는 내년 1월 12일까지 이어지며 입장료는 무료다.",
        ),
        False,
        (),
        "event",
        "positive",
        near_miss="goyang-no-bio",
    ),
    # --- unrelated ---
    Article(
        "kyunggitimes",
        8825,
        "경기도, 첫눈 앞두고 취약계층 난방비 긴급 지원",
        "2024-11-28 09:40",
        "이정수 기자",
        (
            "경기도가 첫눈과 한파를 앞두고 취약계층 4만 가구에 난방비를 긴급 지원한다고 28일 밝혔다.",
            "가구당 지원액은 15만 원으로 다음 달 중순까지 지급된다.",
            "도는 독거노인 가구에 전기장판과 방한용품도 함께 전달한다.",
            "시군 복지 담당자들은 한파 특보 때 안부 확인 전화를 강화한다.",
            '도 관계자는 "도움이 필요한 이웃을 발견하면 가까운 행정복지센터에 알려 달라"고 말했다.',
        ),
        False,
        (),
        "other",
        "neutral",
    ),
    Article(
        "newswire",
        202411280150,
        "코스피, 외국인 매도에 2500선 내줘…반도체주 약세",
        "2024-11-28 15:45",
        "[서울=뉴스와이어경제] 유하은 기자 =",
        (
            "코스피가 28일 외국인 매도세에 밀려 2500선 아래로 내려앉았다.",
            "이날 코스피는 전 거래일보다 1.2% 내린 2480.6에 장을 마쳤다.",
            "외국인은 유가증권시장에서 4천억 원어치를 순매도했다.",
            "반도체 대형주가 일제히 하락하며 지수를 끌어내렸다.",
            "시장에서는 미국 금리 경로에 대한 불확실성이 당분간 이어질 것으로 봤다.",
        ),
        False,
        (),
        "other",
        "negative",
    ),
    Article(
        "hankukdaily",
        1126020,
        "전국 김장철 배추값 안정세…한 포기 3천 원대",
        "2024-11-26 07:30",
        "윤지아 기자",
        (
            "김장철을 맞아 치솟았던 배추값이 안정세로 돌아섰다.",
            "한국농수산식품유통공사에 따르면 26일 배추 한 포기 소매가격은 3천500원으로 한 달 전보다 30% 내렸다.",
            "가을배추 출하량이 늘어난 영향이다.",
            "무와 대파 가격도 나란히 하락했다.",
            "농림축산식품부는 대형마트와 전통시장에서 김장 재료를 최대 40% 싸게 살 수 있도록 할인 지원을 이달 말까지 이어간다고 밝혔다.",
            "업계에서는 12월 들어 한파가 오면 월동 배추 작황에 따라 가격이 다시 오를 수 있다는 전망도 나온다.",
            '소비자단체는 "김장 시기를 분산하면 가격 부담을 더 줄일 수 있다"고 조언했다.',
        ),
        False,
        (),
        "other",
        "neutral",
    ),
)


def path_for(article: Article) -> str:
    """The URL path (with query) an article is served under, in its outlet's CMS style."""
    if article.outlet == "goyangtimes":
        return f"/news/articleView.html?idxno={article.num}"
    if article.outlet == "hankukdaily":
        day = article.published[:10].replace("-", "")
        return f"/society/{day}/{article.num}.html"
    if article.outlet == "kyunggitimes":
        return f"/news/read.php?no={article.num}&section=2"
    if article.outlet == "newswire":
        return f"/news/view/{article.num}"
    return f"/www/board/view.do?bbsId=press&idx={article.num}"


def _when(article: Article) -> datetime:
    return datetime.strptime(article.published, "%Y-%m-%d %H:%M").replace(tzinfo=KST)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _grouped(article: Article) -> list[str]:
    """Sentences joined two to a paragraph, as Korean outlets lay out their copy."""
    sents = article.paragraphs
    return [" ".join(sents[i : i + 2]) for i in range(0, len(sents), 2)]


def _paras(article: Article) -> str:
    return "\n".join(f"<p>{_esc(p)}</p>" for p in _grouped(article))


def render_goyangtimes(article: Article, outlet: Outlet) -> str:
    """An ndsoft-CMS-like local paper page with weather bar, 관련기사 and 많이 본 뉴스."""
    when = _when(article)
    related = "".join(
        f'<li><a href="/news/articleView.html?idxno={21400 + i}">{_esc(t)}</a></li>'
        for i, t in enumerate(article.related)
    )
    related_box = (
        f'<div class="relation-news"><h4>관련기사</h4><ul>{related}</ul></div>' if related else ""
    )
    side = "".join(
        f'<li><em>{i + 1}</em><a href="/news/articleView.html?idxno={21300 + i}">{_esc(t)}</a></li>'
        for i, t in enumerate(outlet.sidebar)
    )
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>{_esc(article.title)} - {outlet.name}</title>
<meta property="og:title" content="{_esc(article.title)}">
<meta property="og:url" content="{BASE}{_esc(path_for(article))}">
<meta property="article:published_time" content="{when.isoformat()}">
</head><body>
<div id="weather-bar">고양 3.2℃ 맑음 | 미세먼지 보통 | 2024년 11월 {when.day}일</div>
<header id="user-header"><h1><a href="/">{outlet.name}</a></h1>
<nav><a href="/news/articleList.html?sc_section_code=S1N1">정치</a> <a href="/news/articleList.html?sc_section_code=S1N2">사회</a> <a href="/news/articleList.html?sc_section_code=S1N3">경제</a> <a href="/news/articleList.html?sc_section_code=S1N4">문화</a></nav></header>
<div id="user-container">
<section class="article-wrap">
<header class="article-view-header"><h3 class="heading">{_esc(article.title)}</h3>
<ul class="infomation"><li><i class="icon-user"></i> {_esc(article.byline)}</li>
<li><i class="icon-clock-o"></i> 입력 {when:%Y.%m.%d %H:%M}</li><li>댓글 0</li></ul></header>
<article id="article-view-content-div" class="article-veiw-body" itemprop="articleBody">
{_paras(article)}
<p>{_esc(article.byline)} goyangtimes@goyangtimes.kr</p>
</article>
<div class="view-copyright">저작권자 © {outlet.name} 무단전재 및 재배포 금지</div>
{related_box}
</section>
<aside id="aside"><div class="auto-article"><h2>많이 본 뉴스</h2><ol>{side}</ol></div>
<div class="banner">고양시 소상공인 지원 안내 배너</div></aside>
</div>
<footer>{outlet.name} | 경기도 고양시 일산동구 중앙로 0000 | 등록번호 경기 아00000 | 청소년보호책임자 홍길동</footer>
</body></html>
"""


def render_hankukdaily(article: Article, outlet: Outlet) -> str:
    """A national paper page whose body is in JSON-LD NewsArticle plus a 'most read' list."""
    when = _when(article)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": when.isoformat(),
        "dateModified": when.isoformat(),
        "author": [{"@type": "Person", "name": article.byline}],
        "publisher": {"@type": "Organization", "name": outlet.name},
        "articleBody": "\n\n".join(_grouped(article)),
        "mainEntityOfPage": BASE + path_for(article),
    }
    side = "".join(
        f'<li><a href="/ranking/{i}">{_esc(t)}</a></li>' for i, t in enumerate(outlet.sidebar)
    )
    body = "<br><br>\n".join(_esc(p) for p in _grouped(article))
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="UTF-8">
<title>{_esc(article.title)} | {outlet.name}</title>
<meta name="description" content="{_esc(article.paragraphs[0][:80])}">
<link rel="canonical" href="{BASE}{_esc(path_for(article))}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<div class="gnb"><a href="/">{outlet.name}</a> 정치 경제 사회 국제 오피니언 | 로그인 | 구독신청</div>
<main><div class="article-head"><span class="section">사회</span><h1 class="headline">{_esc(article.title)}</h1>
<div class="byline">{_esc(article.byline)} <span class="date">승인 {when:%Y-%m-%d %H:%M}</span></div></div>
<div class="article_body" id="articleBody">{body}</div>
<div class="ad">광고</div>
<section class="most-read"><h3>가장 많이 읽은 기사</h3><ol>{side}</ol></section></main>
<footer>Copyright ⓒ {outlet.name}. All rights reserved. 무단 전재, 재배포 및 AI학습 이용 금지.</footer>
</body></html>
"""


def render_kyunggitimes(article: Article, outlet: Outlet) -> str:
    """An old table-layout page served as EUC-KR."""
    when = _when(article)
    side = "".join(
        f'<tr><td class="pop"><a href="/news/read.php?no={8700 + i}">{_esc(t)}</a></td></tr>'
        for i, t in enumerate(outlet.sidebar)
    )
    body = "<br>\n".join(f"&nbsp;&nbsp;{_esc(p)}" for p in _grouped(article))
    return f"""<html><head><meta charset=euc-kr>
<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">
<title>{_esc(article.title)} - {outlet.name}</title></head>
<body bgcolor="#ffffff" leftmargin=0 topmargin=0>
<table width=980 border=0 cellpadding=0 cellspacing=0><tr><td colspan=2 class="top"><a href="/">{outlet.name}</a> | 홈 | 정치 | 경제 | 사회 | 지역</td></tr>
<tr><td width=680 valign=top>
<table width=100%><tr><td class="news_title"><b>{_esc(article.title)}</b></td></tr>
<tr><td class="news_date">기사입력 {when:%Y/%m/%d %H:%M} | {_esc(article.byline)}</td></tr>
<tr><td class="news_content">{body}<br><br>{_esc(article.byline)} news@kyunggitimes.co.kr</td></tr>
<tr><td class="copy">ⓒ {outlet.name}. 무단전재 및 재배포금지</td></tr></table>
</td><td width=300 valign=top><table><tr><td><b>인기기사</b></td></tr>{side}</table></td></tr>
<tr><td colspan=2 class="bottom">{outlet.name} 경기도 수원시 팔달구 | TEL 031-000-0000</td></tr></table>
</body></html>
"""


def render_newswire(article: Article, outlet: Outlet) -> str:
    """A wire/internet outlet page with a '[고양=…] 기자 =' lead and copyright tail."""
    when = _when(article)
    side = "".join(
        f'<li><a href="/news/view/{1 + i}">{_esc(t)}</a></li>' for i, t in enumerate(outlet.sidebar)
    )
    first, *rest = _grouped(article)
    paras = [f"{article.byline} {first}", *rest]
    body = "\n".join(f"<p>{_esc(p)}</p>" for p in paras)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{_esc(article.title)} &lt; 뉴스 &lt; {outlet.name}</title>
<meta property="og:title" content="{_esc(article.title)}">
<meta property="article:published_time" content="{when.isoformat()}">
<meta property="og:site_name" content="{outlet.name}"></head>
<body><div id="top">전체기사 최신뉴스 증권 산업 | 구독</div>
<div class="view-head"><h2>{_esc(article.title)}</h2>
<div class="date">기사입력 : {when.year}년{when.month:02d}월{when.day:02d}일 {when:%H:%M}</div>
<div class="date">최종수정 : {when.year}년{when.month:02d}월{when.day:02d}일 {when:%H:%M}</div></div>
<div id="news-contents">{body}
<p>newswire@newswire.example</p>
<p>[뉴스와이어경제 기사 무단전재 및 재배포 금지] 저작권자ⓒ {outlet.name} &amp; Newswire.kr</p></div>
<div class="popular"><strong>많이 본 기사</strong><ul>{side}</ul></div>
<footer>{outlet.name} · 서울특별시 중구 · 발행인 홍길동</footer></body></html>
"""


def render_goyangcity(article: Article, outlet: Outlet) -> str:
    """A press-release view page on the city's board."""
    when = _when(article)
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{_esc(article.title)} | 고양특례시</title></head>
<body><div id="header">고양특례시 | 분야별정보 | 고양소식 | 열린시장실</div>
<div class="location">홈 &gt; 고양소식 &gt; 보도자료</div>
<div class="board-view"><h3 class="subject">{_esc(article.title)}</h3>
<dl class="info"><dt>작성자</dt><dd>{_esc(article.byline)}</dd><dt>등록일</dt><dd>{when:%Y-%m-%d %H:%M}</dd><dt>조회수</dt><dd>132</dd></dl>
<div class="view-content">{_paras(article)}</div>
<div class="attach">첨부파일: 보도자료.hwp</div></div>
<div id="footer">(10401) 경기도 고양시 일산동구 고양대로 0000 | 대표전화 1577-0000</div></body></html>
"""


def render_board(articles: list[Article]) -> str:
    """The city's 보도자료 listing page; items link to their view pages."""
    rows = "".join(
        f'<li><a href="{_esc(path_for(a))}">{_esc(a.title)}</a> <span class="date">{a.published[:10]}</span></li>\n'
        for a in sorted(articles, key=_when, reverse=True)
    )
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>보도자료 목록 | 고양특례시</title></head>
<body><div id="header">고양특례시 | 고양소식</div><h2>고양시 보도자료</h2>
<ul class="quick-menu"><li><a href="/www/index.do">홈</a></li><li><a href="/www/contents.do">민원안내</a></li></ul>
<ul class="board-list">
{rows}</ul><div class="paging"><strong>1</strong></div></body></html>
"""


def render_rss(outlet: Outlet, articles: list[Article]) -> str:
    """An RSS 2.0 feed listing the outlet's articles with +0900 pubDates."""
    items = "".join(
        f"<item><title>{_esc(a.title)}</title><link>{BASE}{_esc(path_for(a))}</link>"
        f"<description>{_esc(a.paragraphs[0][:100])}</description>"
        f"<pubDate>{format_datetime(_when(a))}</pubDate><author>{_esc(a.byline)}</author></item>\n"
        for a in sorted(articles, key=_when, reverse=True)
    )
    return (
        f'<?xml version="1.0" encoding="{outlet.charset}"?>\n'
        f'<rss version="2.0"><channel><title>{outlet.name}</title><link>{BASE}/</link>'
        f"<description>{outlet.name} 전체기사</description><language>ko</language>\n{items}</channel></rss>\n"
    )


RENDERERS = {
    "goyangtimes": render_goyangtimes,
    "hankukdaily": render_hankukdaily,
    "kyunggitimes": render_kyunggitimes,
    "newswire": render_newswire,
    "goyangcity": render_goyangcity,
}
BOARD_PATH = "/www/board/list.do?bbsId=press"
BOARD_SELECTOR = "ul.board-list li a"


def build_site(site_dir: Path = SITE_DIR) -> dict[str, object]:
    """Write every page, feed and the manifest under site_dir; return the manifest."""
    outlets_out = []
    articles_out = []
    for outlet in OUTLETS:
        own = [a for a in ARTICLES if a.outlet == outlet.key]
        folder = site_dir / outlet.key
        folder.mkdir(parents=True, exist_ok=True)
        routes: dict[str, str] = {}
        for article in own:
            name = f"{article.num}.html"
            text = RENDERERS[outlet.key](article, outlet)
            (folder / name).write_bytes(text.encode(outlet.charset))
            routes[path_for(article)] = name
            sidebar = sorted(set(outlet.sidebar_entities) - set(article.entities))
            articles_out.append(
                {
                    "outlet": outlet.key,
                    "path": path_for(article),
                    "title": article.title,
                    "published": _when(article).isoformat(),
                    "relevant": article.relevant,
                    "entities": list(article.entities),
                    "sidebar_entities": sidebar,
                    "story": article.story,
                    "topic": article.topic,
                    "tone": article.tone,
                    "press_release": article.press_release,
                    "near_miss": article.near_miss,
                }
            )
        if outlet.key == "goyangcity":
            (folder / "list.html").write_text(render_board(own), encoding="utf-8")
            routes[BOARD_PATH] = "list.html"
            feed = None
        else:
            (folder / "rss.xml").write_bytes(render_rss(outlet, own).encode(outlet.charset))
            routes["/rss.xml"] = "rss.xml"
            feed = "/rss.xml"
        outlets_out.append(
            {
                "key": outlet.key,
                "name": outlet.name,
                "tier": outlet.tier,
                "charset": outlet.charset,
                "feed": feed,
                "listing": BOARD_PATH if feed is None else None,
                "selector": BOARD_SELECTOR if feed is None else None,
                "routes": routes,
            }
        )
    manifest: dict[str, object] = {"outlets": outlets_out, "articles": articles_out}
    (site_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


if __name__ == "__main__":
    build_site()
