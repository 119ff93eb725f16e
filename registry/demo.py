"""Demo registry: 885 generated co-ops whose statistics reproduce Seoul's 2013 figures.

The Seoul City release of 2013-12-02 counted the 885 co-ops reported from December 2012 to
November 2013. `seed()` creates a registry of generated co-ops (made-up names, made-up road
names, no real people) whose figures are exactly those of the release, so that the statistics
page shows the city's own table:

- 885 co-ops, registered on weekdays between 2012-12-03 and 2013-11-29, a dozen in December
  2012 and more each month after; 500 by the end of July 2013.
- Districts: Gangnam-gu 96, Seocho-gu 69, Mapo-gu 64, Yeongdeungpo-gu 58, Jongno-gu 57; the
  other 20 share 541, 14 to 45 each.
- Members: fewer than 10: 638 (72.1 %); 10 to 29: 180; 30 to 99: 55; 100 or more: 12; mean
  exactly 15, median 8; every co-op has at least 5 (the founders).
- Share capital: under 10,000,000 won: 596 (67.3 %); 10M to 30M: 170; 30M to 100M: 85;
  100M or more: 34; mean exactly 19,175,000 won.
- Membership structure: producer 466, multi-stakeholder 261, worker 89, consumer 69.
- Industry (KSIC section): G 242, P 143, J 73, then C 68, I 62, M 58, R 55, S 50, Q 42, N 34,
  A 22, E 12, F 10, H 8, L 4, D 2; never K.

Choices of our own, where the release says nothing:

- Legal types: 840 general co-ops, 35 social co-ops, 10 federations. Social co-ops are drawn
  first from multi-stakeholder co-ops in education, health and care, culture and similar
  sections; federations from producer co-ops.
- Registration numbers: general co-ops are reported to the city (districts), "서울-2013-00123";
  social co-ops are approved by a ministry, "사협인가-2013-0012"; federations are reported to the
  Ministry of Economy and Finance, "연합회-2013-003". Each series counts up in registration order
  within its year.
- Status: 879 operating, 3 not operating and 3 dissolved, each with a status date and reason.
  The headline figures count every registered co-op, as the city's did.
- 40 certifications (18 pre-social enterprises valid for two years, 14 village enterprises,
  8 social enterprises), certified after registration and by 2013-11-30.
- 30 co-ops consented to publish contact details: example.org addresses and 02-0000-xxxx
  numbers, which reach nobody.
- Share capital in whole won, mostly multiples of 100,000 won; one co-op holds the 75,000 won
  that make the mean exact. Larger co-ops tend to hold more capital.

Every figure is built, not drawn: the values of each column are laid out with their exact counts
and sums, then shuffled with a fixed seed, so the registry is the same on every machine.
`generate_cooperatives()` makes the same proportions at any size (the benchmark uses 100,000).
"""

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from registry.bands import CAPITAL_BANDS, MEMBER_BANDS, Band
from registry.cache import registry_touch_on_commit
from registry.models import (
    Certification,
    Cooperative,
    District,
    Industry,
    LegalType,
    MemberType,
    Status,
)

K = TypeVar("K")

DEMO_SOURCE = "서울시 협동조합 현황 재현 데모 데이터 (2013-11-30 기준)"
DEMO_SIZE = 885
DEMO_SEED = 20131202  # the date of the release
AS_OF = date(2013, 11, 30)
FIRST_DAY = date(2012, 12, 1)  # the Framework Act on Cooperatives took effect

# --- The distributions: counts out of 885 -----------------------------------------------

# New registrations per month, December 2012 to November 2013: 500 by the end of July.
MONTHLY_REGISTRATIONS: tuple[tuple[tuple[int, int], int], ...] = (
    ((2012, 12), 12),
    ((2013, 1), 35),
    ((2013, 2), 45),
    ((2013, 3), 55),
    ((2013, 4), 68),
    ((2013, 5), 80),
    ((2013, 6), 95),
    ((2013, 7), 110),
    ((2013, 8), 92),
    ((2013, 9), 95),
    ((2013, 10), 98),
    ((2013, 11), 100),
)

# District code -> co-ops; the first five are the release's, the others share 541.
DISTRICT_COUNTS: dict[str, int] = {
    "11680": 96,  # Gangnam-gu
    "11650": 69,  # Seocho-gu
    "11440": 64,  # Mapo-gu
    "11560": 58,  # Yeongdeungpo-gu
    "11110": 57,  # Jongno-gu
    "11140": 45,  # Jung-gu
    "11710": 44,  # Songpa-gu
    "11290": 38,  # Seongbuk-gu
    "11620": 34,  # Gwanak-gu
    "11410": 33,  # Seodaemun-gu
    "11200": 31,  # Seongdong-gu
    "11530": 30,  # Guro-gu
    "11380": 29,  # Eunpyeong-gu
    "11590": 28,  # Dongjak-gu
    "11230": 27,  # Dongdaemun-gu
    "11350": 26,  # Nowon-gu
    "11500": 25,  # Gangseo-gu
    "11215": 24,  # Gwangjin-gu
    "11170": 22,  # Yongsan-gu
    "11470": 21,  # Yangcheon-gu
    "11740": 20,  # Gangdong-gu
    "11545": 19,  # Geumcheon-gu
    "11305": 16,  # Gangbuk-gu
    "11320": 15,  # Dobong-gu
    "11260": 14,  # Jungnang-gu
}

MEMBER_TYPE_COUNTS: dict[str, int] = {
    MemberType.PRODUCER: 466,
    MemberType.MULTI_STAKEHOLDER: 261,
    MemberType.WORKER: 89,
    MemberType.CONSUMER: 69,
}

INDUSTRY_COUNTS: dict[str, int] = {
    Industry.G: 242,
    Industry.P: 143,
    Industry.J: 73,
    Industry.C: 68,
    Industry.I: 62,
    Industry.M: 58,
    Industry.R: 55,
    Industry.S: 50,
    Industry.Q: 42,
    Industry.N: 34,
    Industry.A: 22,
    Industry.E: 12,
    Industry.F: 10,
    Industry.H: 8,
    Industry.L: 4,
    Industry.D: 2,
}

LEGAL_TYPE_COUNTS: dict[str, int] = {
    LegalType.GENERAL: 840,
    LegalType.SOCIAL: 35,
    LegalType.FEDERATION: 10,
}
SOCIAL_SECTIONS = frozenset({"P", "Q", "R", "S", "E", "N"})
FEDERATION_SECTIONS = frozenset({"G", "C", "A", "I"})

# Members: co-ops per band (MEMBER_BANDS order) and the mean.
MEMBER_BAND_COUNTS = (638, 180, 55, 12)
MEMBERS_MEAN = 15
# Within "under 10": how many founding groups of 5 to 9 (median 8).
SMALL_MEMBERS = {5: 170, 6: 140, 7: 130, 8: 108, 9: 90}

# Share capital: co-ops per band (CAPITAL_BANDS order) and the mean, in won.
CAPITAL_BAND_COUNTS = (596, 170, 85, 34)
CAPITAL_MEAN = 19_175_000
CAPITAL_STEP = 100_000  # amounts are multiples of this, but for one co-op's remainder
# Within "under 10,000,000 won": the amounts founders typically pay in, with their weights.
SMALL_CAPITAL = {
    500_000: 10,
    1_000_000: 60,
    1_200_000: 8,
    1_500_000: 20,
    2_000_000: 70,
    2_500_000: 25,
    3_000_000: 75,
    3_500_000: 20,
    4_000_000: 40,
    4_500_000: 15,
    5_000_000: 90,
    5_500_000: 15,
    6_000_000: 35,
    6_500_000: 12,
    7_000_000: 30,
    7_500_000: 12,
    8_000_000: 25,
    9_000_000: 15,
    9_500_000: 8,
}

STATUS_COUNTS: dict[str, int] = {
    Status.OPERATING: 879,
    Status.NOT_OPERATING: 3,
    Status.DISSOLVED: 3,
}
STATUS_REASONS: dict[str, tuple[str, ...]] = {
    Status.NOT_OPERATING: ("사업 중단 (휴업 신고)", "조합원 감소로 사업 휴지"),
    Status.DISSOLVED: ("총회 해산 의결", "설립 목적 달성으로 해산"),
}

CERTIFICATION_COUNTS: dict[str, int] = {
    Certification.Kind.PRE_SOCIAL_ENTERPRISE: 18,
    Certification.Kind.VILLAGE_ENTERPRISE: 14,
    Certification.Kind.SOCIAL_ENTERPRISE: 8,
}
CONTACT_COUNT = 30

# --- Words the names, businesses and addresses are made of ------------------------------

# Words for the first part of a name: ordinary words, never people's names.
NAME_WORDS = (
    "새솔", "한마음", "두레", "다올", "나눔", "어울림", "햇살", "느티나무", "온누리", "푸른숲",
    "한빛", "새봄", "이음", "함께", "모두의", "들꽃", "보람", "누리", "해오름", "가온",
    "씨앗", "열매", "너나들이", "품앗이", "다솜", "도담", "새길", "한울", "시나브로", "늘봄",
    "단비", "미리내", "라온", "해밀", "여울", "별빛", "솔빛", "한결", "꿈터", "다온",
    "새암", "징검다리", "골목", "동네", "꽃씨", "마중물", "은행나무", "소나무", "다락", "마루",
    "모퉁이", "둥지", "새싹", "우리동네", "살림", "맑은샘", "큰나무", "오솔길", "바른", "희망",
)  # fmt: skip

# What co-ops of each KSIC section do: the word their name takes and the main business.
BUSINESSES: dict[str, tuple[tuple[str, str], ...]] = {
    "A": (
        ("농장", "친환경 농산물 생산"),
        ("도시농업", "도시 농업 및 텃밭 교육"),
        ("텃밭", "공동 텃밭 운영 및 농산물 나눔"),
        ("양봉", "도시 양봉 및 벌꿀 판매"),
        ("버섯", "버섯 재배 및 판매"),
        ("친환경농업", "친환경 농업 교육 및 체험"),
    ),
    "C": (
        ("공방", "생활 공예품 공동 제작 및 판매"),
        ("봉제", "의류 봉제 공동 작업장 운영"),
        ("수제화", "수제화 공동 생산 및 판매"),
        ("목공", "목공 가구 제작"),
        ("도자기", "도자기 공예품 제작"),
        ("식품", "전통 장류 및 반찬 제조"),
        ("베이커리", "수제 빵 및 과자 제조"),
        ("가죽공예", "가죽 소품 제작 및 판매"),
        ("인쇄", "인쇄물 공동 제작"),
    ),
    "D": (
        ("햇빛발전", "옥상 태양광 발전소 운영"),
        ("에너지", "에너지 자립 마을 사업"),
        ("태양광", "베란다 태양광 보급"),
    ),
    "E": (
        ("재활용", "폐자원 재활용 및 수거"),
        ("자원순환", "자원순환 교육 및 수거 사업"),
        ("되살림", "중고 생활용품 수선 및 판매"),
        ("업사이클", "업사이클 제품 제작"),
    ),
    "F": (
        ("집짓기", "협동조합 주택 건축"),
        ("건설", "소규모 건축 및 시공"),
        ("인테리어", "실내 인테리어 시공"),
        ("집수리", "주택 수리 및 에너지 효율 개선"),
    ),
    "G": (
        ("장터", "지역 농산물 직거래 장터 운영"),
        ("상회", "전통시장 상인 공동 마케팅"),
        ("공동구매", "조합원 생활재 공동구매"),
        ("생활재", "친환경 생활재 공급"),
        ("로컬푸드", "로컬푸드 매장 운영"),
        ("유통", "중소 상인 공동 물류 및 유통"),
        ("가게", "동네 가게 공동 운영"),
        ("공정무역", "공정무역 커피 및 수공예품 판매"),
        ("마켓", "전통시장 온라인 장보기 대행"),
        ("먹거리", "친환경 먹거리 공동구매 및 판매"),
        ("직거래", "산지 직거래 농수산물 판매"),
        ("상점", "동네 슈퍼마켓 공동 구매"),
    ),
    "H": (
        ("택배", "마을 택배 및 배송"),
        ("운송", "화물 공동 운송"),
        ("이사", "이사 및 짐 보관"),
        ("퀵서비스", "퀵서비스 공동 배차"),
    ),
    "I": (
        ("밥상", "마을 식당 운영"),
        ("카페", "협동조합 카페 운영"),
        ("도시락", "도시락 제조 및 배달"),
        ("반찬", "반찬 제조 및 판매"),
        ("식당", "단체 급식 및 케이터링"),
        ("찻집", "전통 찻집 운영"),
        ("국수", "국수 전문 식당 운영"),
        ("게스트하우스", "게스트하우스 운영"),
    ),
    "J": (
        ("미디어", "지역 소식지 및 마을 미디어 제작"),
        ("출판", "도서 출판 및 편집"),
        ("영상", "영상 콘텐츠 기획 및 제작"),
        ("콘텐츠", "교육용 디지털 콘텐츠 개발"),
        ("방송", "인터넷 방송 제작"),
        ("소프트웨어", "소프트웨어 개발 및 유지보수"),
        ("앱", "웹사이트 및 모바일 앱 개발"),
        ("웹진", "문화 웹진 발행"),
        ("라디오", "마을 라디오 방송"),
    ),
    "L": (
        ("주택", "공동체 주택 임대 관리"),
        ("공유주택", "청년 공유주택 운영"),
        ("셰어하우스", "셰어하우스 운영"),
        ("임대관리", "상가 공동 임대 관리"),
    ),
    "M": (
        ("컨설팅", "사회적경제 조직 경영 컨설팅"),
        ("디자인", "디자인 및 브랜딩 서비스"),
        ("건축", "건축 설계 및 에너지 진단"),
        ("연구소", "지역 사회 조사 연구"),
        ("기술", "기술 자문 및 시험 분석"),
        ("번역", "번역 및 통역 서비스"),
        ("사진", "사진 촬영 및 편집"),
        ("세무회계", "세무 회계 지원"),
    ),
    "N": (
        ("청소", "건물 청소 및 소독"),
        ("시설관리", "공동주택 시설 관리"),
        ("렌탈", "사무용품 및 장비 대여"),
        ("여행", "공정 여행 상품 기획"),
        ("행사", "행사 기획 및 대행"),
        ("인력", "경력 단절 여성 일자리 연계"),
        ("경비", "경비 및 방역 서비스"),
        ("사무지원", "사무 행정 지원 대행"),
    ),
    "P": (
        ("배움터", "성인 평생교육 강좌 운영"),
        ("교육", "협동조합 교육 및 강사 파견"),
        ("공부방", "방과후 학습 및 돌봄 교실 운영"),
        ("숲학교", "숲 체험 생태 교육"),
        ("책놀이", "어린이 독서 교육"),
        ("진로교육", "청소년 진로 체험 교육"),
        ("강사", "강사 공동 교육 사업"),
        ("놀이학교", "유아 놀이 교육"),
        ("글쓰기", "글쓰기 교실 운영"),
        ("코딩교실", "어린이 코딩 교육"),
        ("평생교육", "노인 평생교육 프로그램 운영"),
        ("방과후", "방과후 학교 프로그램 위탁 운영"),
    ),
    "Q": (
        ("의료", "의료 서비스 및 건강 상담"),
        ("돌봄", "노인 재가 돌봄 서비스"),
        ("요양", "노인 요양 서비스"),
        ("건강", "지역 주민 건강 증진 사업"),
        ("복지", "지역 복지 서비스 제공"),
        ("아이돌봄", "아이 돌봄 및 공동 육아"),
        ("의료복지", "의료복지 및 주치의 사업"),
        ("재가돌봄", "장애인 활동 지원"),
    ),
    "R": (
        ("문화", "지역 문화예술 공연 기획"),
        ("예술", "예술가 공동 창작 및 전시"),
        ("극단", "연극 공연 제작"),
        ("음악", "청소년 음악 밴드 활동 지원"),
        ("공연", "공연 기획 및 대관"),
        ("체육", "생활체육 교실 운영"),
        ("놀이", "어린이 놀이 프로그램 운영"),
        ("캠핑", "가족 캠핑 프로그램 운영"),
        ("미술", "미술 작가 공동 전시"),
        ("축제", "마을 축제 기획 및 운영"),
    ),
    "S": (
        ("수리", "가전제품 및 생활용품 수리"),
        ("세탁", "세탁 서비스"),
        ("미용", "미용실 공동 운영"),
        ("상조", "상조 서비스"),
        ("자전거", "자전거 수리 및 대여"),
        ("반려동물", "반려동물 돌봄 서비스"),
        ("생활지원", "생활 편의 지원 서비스"),
        ("장례", "장례 지원 서비스"),
    ),
}
OTHER_BUSINESSES = (("사업단", "조합원 공동 사업"), ("공동체", "조합원 공동 사업"))

# Made-up road names: a word and 로, 길 or 로N길.
ROAD_WORDS = (
    "새솔", "한마음", "다올", "햇살", "느티", "별빛", "솔빛", "온새미", "해밀", "여울",
    "가람", "미르", "나래", "다래", "보라", "이랑", "하람", "누리", "라온", "도담",
    "새봄", "온빛", "한결", "그루", "아라",
)  # fmt: skip

LEGAL_TYPE_SUFFIX = {
    LegalType.GENERAL: "협동조합",
    LegalType.SOCIAL: "사회적협동조합",
    LegalType.FEDERATION: "협동조합연합회",
    LegalType.SOCIAL_FEDERATION: "사회적협동조합연합회",
    LegalType.MIXED_FEDERATION: "이종협동조합연합회",
}


# Legal type -> the series its registration numbers belong to, and their digits.
REGISTRATION_SERIES: dict[str, tuple[str, int]] = {
    LegalType.GENERAL: ("서울", 5),  # reported to the city (its districts)
    LegalType.FEDERATION: ("연합회", 3),  # reported to the Ministry of Economy and Finance
    LegalType.SOCIAL: ("사협인가", 4),  # approved by the ministry of the main business
    LegalType.SOCIAL_FEDERATION: ("사협인가", 4),
    LegalType.MIXED_FEDERATION: ("사협인가", 4),
}


def registration_no(legal_type: str, year: int, seq: int) -> str:
    """The number of the report (general co-ops, federations) or approval (social co-ops)."""
    prefix, digits = REGISTRATION_SERIES[legal_type]
    return f"{prefix}-{year}-{seq:0{digits}d}"


# --- Exact layouts ------------------------------------------------------------------------


def apportion(weights: Iterable[tuple[K, int]], n: int) -> dict[K, int]:
    """Split n in proportion to integer weights (largest remainder, ties in listed order).

    When n equals the sum of the weights, every key gets exactly its weight.
    """
    items = [(key, weight) for key, weight in weights if weight > 0]
    total = sum(weight for _key, weight in items)
    if total <= 0:
        raise ValueError("apportion() needs a positive weight")
    counts = {key: n * weight // total for key, weight in items}
    remainders = sorted(
        range(len(items)), key=lambda i: (-(n * items[i][1] % total), i)
    )  # largest remainder first
    for i in remainders[: n - sum(counts.values())]:
        counts[items[i][0]] += 1
    return counts


def layout(weights: Iterable[tuple[K, int]], n: int) -> list[K]:
    """n values with the apportioned count of each, in listed order (shuffle them after)."""
    return [key for key, count in apportion(weights, n).items() for _ in range(count)]


def adjust_to_total(
    values: list[int], bands: Sequence[Band], adjustable: Sequence[int], target: int, step: int
) -> None:
    """Change the values at `adjustable` indexes by multiples of `step`, each staying in its
    band, until they sum to `target` or to less than one step under it (the caller places the
    rest); or as near as the bands allow, which only a tiny n can meet. The change is spread
    evenly, so no value is pushed to its band's edge unless it must be; a value in the open
    top band is at most doubled.
    """
    lowest = {i: next(b for b in bands if b.contains(values[i])).min for i in adjustable}
    highest = {}
    for i in adjustable:
        band = next(b for b in bands if b.contains(values[i]))
        highest[i] = 2 * values[i] if band.max is None else band.max - 1
    while True:
        total = sum(values)
        # Steps to add, or (negative) to take away: floor division ends the sum at or under.
        diff = (target - total) // step
        if diff == 0:
            return
        share = max(1, abs(diff) // max(1, len(adjustable)))
        moved = 0
        for i in adjustable:
            if diff > 0:
                delta = min(share, diff, (highest[i] - values[i]) // step)
            else:
                delta = -min(share, -diff, (values[i] - lowest[i]) // step)
            values[i] += delta * step
            diff -= delta
            moved += abs(delta)
            if diff == 0:
                break
        if not moved:
            return


def member_values(n: int, rng: random.Random) -> list[int]:
    """Members of n co-ops: the release's band counts, mean 15, nobody under 5."""
    counts = apportion(enumerate(MEMBER_BAND_COUNTS), n)
    values = layout(SMALL_MEMBERS.items(), counts[0])
    # 10-29 and 30-99 thin out as they grow; 100+ follows a Pareto curve.
    values += layout(((v, round(1000 * 0.92 ** (v - 10))) for v in range(10, 30)), counts[1])
    values += layout(((v, round(1000 * 0.98 ** (v - 30))) for v in range(30, 100)), counts[2])
    k = counts[3]
    values += [int(100 / (1 - (i + 0.5) / k) ** (1 / 1.5)) for i in range(k)]
    adjustable = [i for i, v in enumerate(values) if v >= 10]
    rng.shuffle(adjustable)
    adjust_to_total(values, MEMBER_BANDS, adjustable, MEMBERS_MEAN * n, step=1)
    return values


def capital_values(n: int, rng: random.Random) -> list[int]:
    """Share capital of n co-ops in won: the release's band counts and mean."""
    counts = apportion(enumerate(CAPITAL_BAND_COUNTS), n)
    values = layout(SMALL_CAPITAL.items(), counts[0])

    def weight(amount: int, ratio: float, unit: int, base: int) -> int:
        bump = 3 if amount % (5 * unit) == 0 else 1  # round amounts are more common
        return round(1000 * bump * ratio ** ((amount - base) // unit))

    values += layout(
        (
            (a, weight(a, 0.94, 1_000_000, 10_000_000))
            for a in range(10_000_000, 30_000_000, 500_000)
        ),
        counts[1],
    )
    values += layout(
        (
            (a, weight(a, 0.95, 2_000_000, 30_000_000))
            for a in range(30_000_000, 100_000_000, 1_000_000)
        ),
        counts[2],
    )
    k = counts[3]
    values += [
        int(100 / (1 - (i + 0.5) / k) ** (1 / 1.8)) * 1_000_000 for i in range(k)
    ]  # 100M and up, a few near a billion
    target = round(CAPITAL_MEAN * n / 5_000) * 5_000
    # Whole millions on the largest amounts first, then 100,000 won steps on the others.
    largest = [i for i, v in enumerate(values) if v >= 100_000_000]
    rng.shuffle(largest)
    adjust_to_total(values, CAPITAL_BANDS, largest, target, step=1_000_000)
    adjustable = [i for i, v in enumerate(values) if v >= 10_000_000]
    rng.shuffle(adjustable)
    adjust_to_total(values, CAPITAL_BANDS, adjustable, target, step=CAPITAL_STEP)
    rest = target - sum(values)
    if 0 < rest < CAPITAL_STEP:
        mid = CAPITAL_BANDS[1]
        for i in adjustable:
            if mid.contains(values[i]) and mid.contains(values[i] + rest):
                values[i] += rest
                break
    return values


def registration_dates(n: int, rng: random.Random) -> list[date]:
    """n registration dates on weekdays, month by month along the 2013 curve, ascending."""
    dates: list[date] = []
    for (year, month), count in apportion(MONTHLY_REGISTRATIONS, n).items():
        day = date(year, month, 1)
        weekdays = []
        while day.month == month:
            if day.weekday() < 5 and FIRST_DAY <= day <= AS_OF:
                weekdays.append(day)
            day += timedelta(days=1)
        dates += (rng.choice(weekdays) for _ in range(count))
    dates.sort()
    return dates


def _pick(rng: random.Random, k: int, *pools: Sequence[int]) -> list[int]:
    """k distinct indexes, from the first pool as far as it goes, then the next."""
    chosen: list[int] = []
    taken: set[int] = set()
    for pool in pools:
        free = [i for i in pool if i not in taken]
        picked = rng.sample(free, min(k - len(chosen), len(free)))
        chosen += picked
        taken.update(picked)
        if len(chosen) == k:
            break
    return chosen


def _share(count: int, n: int) -> int:
    """count out of 885, scaled to n."""
    return apportion([(True, count), (False, DEMO_SIZE - count)], n).get(True, 0)


def _shuffled(values: list[K], rng: random.Random) -> list[K]:
    rng.shuffle(values)
    return values


def _correlated(members: list[int], capital: list[int], rng: random.Random) -> list[int]:
    """The capital values reordered so that co-ops with more members tend to hold more."""
    n = len(members)
    rank = sorted(range(n), key=lambda i: (members[i], i))
    noisy = sorted(range(n), key=lambda r: r + rng.gauss(0, n * 0.3))
    ordered = sorted(capital)
    result = [0] * n
    for position, r in enumerate(noisy):
        result[rank[r]] = ordered[position]
    return result


@dataclass
class Layout:
    """The columns of n co-ops, index by index, before names and addresses are made."""

    dates: list[date]
    districts: list[District]
    member_types: list[str]
    industries: list[str]
    legal_types: list[str]
    members: list[int]
    capital: list[int]
    statuses: dict[int, str]
    contacts: set[int]


def plan(n: int, rng: random.Random, districts: Iterable[District]) -> Layout:
    by_code = {d.code: d for d in districts}
    if not by_code:
        raise ValueError("no districts to place co-ops in")
    district_weights = [(code, DISTRICT_COUNTS.get(code, 1)) for code in sorted(by_code)]
    dates = registration_dates(n, rng)
    district_list = [by_code[c] for c in _shuffled(layout(district_weights, n), rng)]
    member_types = _shuffled(layout(MEMBER_TYPE_COUNTS.items(), n), rng)
    industries = _shuffled(layout(INDUSTRY_COUNTS.items(), n), rng)

    legal_counts = apportion(LEGAL_TYPE_COUNTS.items(), n)
    legal_types = [LegalType.GENERAL.value] * n
    multi = [i for i in range(n) if member_types[i] == MemberType.MULTI_STAKEHOLDER]
    social_pool = [i for i in multi if industries[i] in SOCIAL_SECTIONS]
    for i in _pick(rng, legal_counts.get(LegalType.SOCIAL, 0), social_pool, multi, range(n)):
        legal_types[i] = LegalType.SOCIAL.value
    general = [i for i in range(n) if legal_types[i] == LegalType.GENERAL]
    producers = [i for i in general if member_types[i] == MemberType.PRODUCER]
    federation_pool = [i for i in producers if industries[i] in FEDERATION_SECTIONS]
    federations = _pick(
        rng, legal_counts.get(LegalType.FEDERATION, 0), federation_pool, producers, general
    )
    for i in federations:
        legal_types[i] = LegalType.FEDERATION.value

    members = _shuffled(member_values(n, rng), rng)
    capital = _correlated(members, capital_values(n, rng), rng)

    # Closed co-ops come from those registered by August: they closed at least 60 days after
    # registration and by the data's date.
    early = [i for i in range(n) if dates[i] <= date(2013, 8, 31)]
    statuses: dict[int, str] = {}
    closed = [(s, c) for s, c in apportion(STATUS_COUNTS.items(), n).items() if s != "operating"]
    picked = iter(_pick(rng, sum(c for _s, c in closed), early, range(n)))
    for status, count in closed:
        for _ in range(count):
            statuses[next(picked)] = status
    contacts = set(_pick(rng, _share(CONTACT_COUNT, n), range(n)))
    return Layout(
        dates=dates,
        districts=district_list,
        member_types=member_types,
        industries=industries,
        legal_types=legal_types,
        members=members,
        capital=capital,
        statuses=statuses,
        contacts=contacts,
    )


# --- Names and addresses ------------------------------------------------------------------


class Namer:
    """Unique co-op names: a word, the business word and the legal form ("두레장터협동조합").

    When the short names of a business run out, two words are tried, then a number.
    """

    def __init__(self, rng: random.Random, taken: Iterable[str] = ()) -> None:
        self.rng = rng
        self.taken = set(taken)

    def __call__(self, business_word: str, legal_type: str) -> str:
        choice = self.rng.choice
        suffix = LEGAL_TYPE_SUFFIX[legal_type]
        short = (f"{choice(NAME_WORDS)}{business_word}{suffix}" for _ in range(20))
        longer = (
            f"{choice(NAME_WORDS)}{choice(NAME_WORDS)}{business_word}{suffix}" for _ in range(30)
        )
        for name in (*short, *longer):
            if name not in self.taken:
                self.taken.add(name)
                return name
        stem = f"{choice(NAME_WORDS)}{business_word}"
        number = 2
        while f"{stem}{number}{suffix}" in self.taken:
            number += 1
        name = f"{stem}{number}{suffix}"
        self.taken.add(name)
        return name


def address(district: District, rng: random.Random) -> str:
    road = rng.choice(ROAD_WORDS)
    kind = rng.random()
    if kind < 0.4:
        road += "로"
    elif kind < 0.6:
        road += "길"
    else:
        road += f"로{rng.randint(1, 40)}길"
    line = f"서울특별시 {district.name_ko} {road} {rng.randint(1, 250)}"
    if rng.random() < 0.35:
        line += f", {rng.randint(2, 9)}층"
    return line


def business(industry: str, rng: random.Random) -> tuple[str, str]:
    """The word for the name and the main business of a co-op of this KSIC section; now and
    then a second activity of the same section is added to the main business."""
    choices = BUSINESSES.get(industry, OTHER_BUSINESSES)
    word, activity = rng.choice(choices)
    if len(choices) > 2 and rng.random() < 0.25:
        other = rng.choice([a for _w, a in choices if a != activity])
        activity = f"{activity}, {other}"
    return word, activity


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


# --- Generators -----------------------------------------------------------------------------


def generate_cooperatives(
    n: int,
    *,
    rng: random.Random,
    districts: Iterable[District],
    source: str = DEMO_SOURCE,
) -> Iterator[Cooperative]:
    """n unsaved co-ops, in registration order, with the proportions of the 2013 release.

    At n = 885 every count and mean is the release's exactly; at other sizes the counts are
    the same proportions, rounded, and the means are kept. Pass the districts to place the
    co-ops in (normally all 25); the result depends only on n and the state of rng.
    """
    if n <= 0:
        return
    columns = plan(n, rng, districts)
    namer = Namer(rng)
    sequences: dict[tuple[str, int], int] = {}
    for i in range(n):
        registered = columns.dates[i]
        legal_type = columns.legal_types[i]
        industry = columns.industries[i]
        district = columns.districts[i]
        word, activity = business(industry, rng)
        series = (REGISTRATION_SERIES[legal_type][0], registered.year)
        sequences[series] = sequences.get(series, 0) + 1
        incorporated = registered + timedelta(days=rng.randint(7, 45))
        status = columns.statuses.get(i, Status.OPERATING.value)
        status_date = None
        status_reason = ""
        if status != Status.OPERATING:
            earliest = registered + timedelta(days=60)
            status_date = earliest + timedelta(days=rng.randint(0, (AS_OF - earliest).days))
            status_reason = rng.choice(STATUS_REASONS[status])
        coop = Cooperative(
            name=namer(word, legal_type),
            legal_type=legal_type,
            member_type=columns.member_types[i],
            registration_no=registration_no(legal_type, registered.year, sequences[series]),
            registration_date=registered,
            incorporation_date=incorporated if incorporated <= AS_OF else None,
            status=status,
            status_date=status_date,
            status_reason=status_reason,
            industry=industry,
            main_business=activity,
            address=address(district, rng),
            district=district,
            members=columns.members[i],
            members_as_of=AS_OF,
            capital_krw=columns.capital[i],
            capital_as_of=AS_OF,
            source=source,
            source_record_id=str(i + 1),
            data_as_of=AS_OF,
        )
        if i in columns.contacts:
            coop.contact_consent = True
            coop.contact_consent_at = _aware(min(AS_OF, registered + timedelta(days=10)))
            coop.phone = f"02-0000-{(i + 1) % 10_000:04d}"
            coop.email = f"coop{i + 1:05d}@example.org"
            if rng.random() < 0.5:
                coop.website = f"https://coop{i + 1:05d}.example.org/"
        yield coop


def generate_certifications(
    cooperatives: Sequence[Cooperative], *, rng: random.Random, count: int
) -> list[Certification]:
    """Unsaved certifications of `count` of the given (saved) co-ops, one each.

    Social and pre-social enterprise certificates go to social and multi-stakeholder co-ops
    first; every certificate dates from at least 30 days after registration and by AS_OF.
    """
    eligible = [
        c
        for c in cooperatives
        if c.registration_date and c.registration_date + timedelta(days=30) <= AS_OF
    ]
    kinds = layout(CERTIFICATION_COUNTS.items(), min(count, len(eligible)))
    social_first = [
        i
        for i, c in enumerate(eligible)
        if c.legal_type == LegalType.SOCIAL or c.member_type == MemberType.MULTI_STAKEHOLDER
    ]
    everyone = range(len(eligible))
    social_kinds = {Certification.Kind.SOCIAL_ENTERPRISE, Certification.Kind.PRE_SOCIAL_ENTERPRISE}
    n_social = sum(kind in social_kinds for kind in kinds)
    first = _pick(rng, n_social, social_first, everyone)
    taken = set(first)
    rest = _pick(rng, len(kinds) - n_social, [i for i in everyone if i not in taken])
    certifications = []
    for i, kind in zip(
        first + rest, sorted(kinds, key=lambda k: k not in social_kinds), strict=True
    ):
        coop = eligible[i]
        start = coop.registration_date + timedelta(days=30)
        certified_on = start + timedelta(days=rng.randint(0, (AS_OF - start).days))
        expires_on = None
        if kind == Certification.Kind.PRE_SOCIAL_ENTERPRISE:
            expires_on = _years_later(certified_on, 2) - timedelta(days=1)
        certifications.append(
            Certification(
                cooperative=coop, kind=kind, certified_on=certified_on, expires_on=expires_on
            )
        )
    return certifications


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- seed_demo ----------------------------------------------------------------------------


def seed(stdout=None) -> int:
    """Create the 885 demo co-ops; a registry that already has them is left as it is.

    Returns the number of co-ops created (0 when they were there). Demo rows left by an
    interrupted or older seed are replaced.
    """
    demo = Cooperative.objects.filter(source=DEMO_SOURCE)
    if demo.count() == DEMO_SIZE:
        _say(stdout, f"{DEMO_SIZE} demo co-ops already present")
        return 0
    rng = random.Random(DEMO_SEED)  # noqa: S311 (made-up data, not secrets)
    with transaction.atomic():
        demo.delete()
        coops = list(generate_cooperatives(DEMO_SIZE, rng=rng, districts=District.objects.all()))
        Cooperative.objects.bulk_create(coops, batch_size=500)
        certifications = generate_certifications(
            coops, rng=rng, count=sum(CERTIFICATION_COUNTS.values())
        )
        Certification.objects.bulk_create(certifications)
        registry_touch_on_commit()  # bulk writes send no signals
    _say(stdout, f"{DEMO_SIZE} demo co-ops")
    return DEMO_SIZE


def _say(stdout, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")
