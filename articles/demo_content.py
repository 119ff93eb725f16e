# ruff: noqa: E501  (prose: a Markdown paragraph is one line, as an editor would type it)
"""The demo articles' texts: what `articles.demo.seed()` publishes, in Korean and English.

Six pieces, each written in both languages (the English one is linked as the Korean one's
translation): the two-part series on Basic Society policy and the social and solidarity
economy, two interviews with young practitioners of the social-value sector, and the two-part
interview on education in co-ops. The people and organisations interviewed are made up; the
figures quoted are the public ones the center works with (Seoul City's release of 2013-12-02,
the national count of 2022, the center's first two years of consultations).

Each piece names its category, tags, authors, series and part, related pieces (in the
editor's order), publication time and the lead image's motif, which `articles.demo` draws
with Pillow. Bodies are Markdown, as the editors write them.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")

CREDIT = {
    "ko": "일러스트: 서울시협동조합상담센터",
    "en": "Illustration: Seoul Co-op Consultation Center",
}

# slug: (Korean name, English name, Korean description, English description)
CATEGORIES: dict[str, tuple[str, str, str, str]] = {
    "basic-society": (
        "기본사회",
        "Basic Society",
        "누구나 누려야 할 삶의 기본 조건을 사회가 함께 보장하자는 정책과 그 실행에 관한 글.",
        "Writing on the policies that guarantee everyone the basic conditions of a decent life, and on how they are carried out.",
    ),
    "sse": (
        "사회연대경제",
        "Social and Solidarity Economy",
        "협동조합, 사회적기업, 마을기업, 자활기업: 사람과 지역을 앞세우는 경제.",
        "Co-ops, social enterprises, village and self-sufficiency enterprises: an economy that puts people and places first.",
    ),
    "interview": (
        "인터뷰",
        "Interview",
        "사회적 가치를 만드는 현장의 사람들을 만납니다.",
        "Conversations with the people who create social value on the ground.",
    ),
    "coop-education": (
        "협동조합 교육",
        "Cooperative education",
        "협동조합을 세우고 잘 운영하기 위한 배움에 관한 글.",
        "On learning to found a co-op, and to run it well.",
    ),
}

# Tag name -> slug. Korean tags keep Korean slugs.
TAGS: dict[str, str] = {
    "기본사회": "기본사회",
    "사회연대경제": "사회연대경제",
    "협동조합": "협동조합",
    "사회적협동조합": "사회적협동조합",
    "청년": "청년",
    "돌봄": "돌봄",
    "협동조합교육": "협동조합교육",
    "지역공동체": "지역공동체",
    "Basic Society": "basic-society",
    "Social economy": "social-economy",
    "Cooperatives": "cooperatives",
    "Social co-ops": "social-co-ops",
    "Youth": "youth",
    "Care": "care",
    "Co-op education": "co-op-education",
    "Local community": "local-community",
}


@dataclass(frozen=True)
class DemoAuthor:
    slug: str
    name: str
    role: str
    bio: str


# Generated names: the center's (made-up) writers.
AUTHORS = (
    DemoAuthor(
        "yoon-seoha",
        "윤서하",
        "정책연구원 · Policy researcher",
        "센터에서 기본사회와 사회연대경제 정책을 연구합니다. Researches Basic Society and social economy policy at the center.",
    ),
    DemoAuthor(
        "kang-taeo",
        "강태오",
        "교육팀 코디네이터 · Education coordinator",
        "설립 기초교육과 운영 교육을 기획합니다. Plans the founding and running courses.",
    ),
    DemoAuthor(
        "min-yeseul",
        "민예슬",
        "편집자 · Editor",
        "센터의 글과 인터뷰를 엮습니다. Edits the center's writing and interviews.",
    ),
)


@dataclass(frozen=True)
class DemoSeries:
    slug: str
    title: str
    description: str
    language: str
    planned_parts: int


SERIES: dict[tuple[str, str], DemoSeries] = {
    ("basic-society-sse", "ko"): DemoSeries(
        "기본사회와-사회연대경제",
        "기본사회와 사회연대경제",
        "기본사회 정책과 사회연대경제가 어떻게 서로를 채우는지, 그 맞물림이 작동하려면 무엇이 필요한지 두 편에 걸쳐 살펴봅니다.",
        "ko",
        2,
    ),
    ("basic-society-sse", "en"): DemoSeries(
        "basic-society-and-the-sse",
        "Basic Society and the SSE",
        "Two essays on how Basic Society policy and the social and solidarity economy complement each other, and on what it takes for that to work.",
        "en",
        2,
    ),
    ("coop-education", "ko"): DemoSeries(
        "협동조합-교육을-말하다",
        "협동조합 교육을 말하다",
        "협동조합 교육 현장의 이야기를 두 번에 나누어 듣습니다. '몇 개를 세웠나'에서 '얼마나 잘 작동하나'로.",
        "ko",
        2,
    ),
    ("coop-education", "en"): DemoSeries(
        "talking-about-coop-education",
        "Talking about co-op education",
        "A two-part interview on education in co-ops: from how many co-ops there are to how well they work.",
        "en",
        2,
    ),
}


@dataclass(frozen=True)
class Art:
    """The lead image: a motif drawn by articles.demo and its colours (background first)."""

    motif: str
    palette: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class Text:
    """One language's version of a piece."""

    title: str
    slug: str
    excerpt: str
    body: str
    editor_note: str
    alt: str
    caption: str
    tags: tuple[str, ...]
    interviewees: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Piece:
    key: str
    category: str
    authors: tuple[str, ...]
    published: datetime  # the Korean version; the English one follows two days later
    art: Art
    ko: Text
    en: Text
    series: str | None = None
    part: int | None = None
    related: tuple[str, ...] = ()

    def text(self, language: str) -> Text:
        return self.ko if language == "ko" else self.en


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SEOUL)


# --- Basic Society and the SSE, part 1 ---------------------------------------------------

BS_SSE_1 = Piece(
    key="bs-sse-1",
    category="basic-society",
    authors=("yoon-seoha",),
    published=_at(2026, 5, 12),
    art=Art("overlap", ("#f4efe6", "#1f6f78", "#e07a3f", "#f2c14e"), 11),
    series="basic-society-sse",
    part=1,
    related=("interview-care", "edu-1"),
    ko=Text(
        title="기본사회와 사회연대경제 ① 서로를 채우는 두 바퀴",
        slug="기본사회와-사회연대경제-1-서로를-채우는-두-바퀴",
        excerpt="기본사회 정책은 누구도 그 아래로 떨어지지 않는 삶의 바닥을 놓고, 사회연대경제는 그 바닥 위에서 함께 일하고 돌보는 관계를 짓습니다. 두 구상이 왜 서로를 필요로 하는지 살펴봅니다.",
        body="""\
기본사회라는 말은 이제 낯설지 않습니다. 소득, 주거, 돌봄, 교육, 이동처럼 사람이 사람답게 살기 위해 필요한 조건을 시장의 운이나 개인의 능력에만 맡기지 않고 사회가 함께 보장하자는 구상입니다. 한편 협동조합, 사회적기업, 마을기업, 자활기업으로 대표되는 사회연대경제는 이윤보다 사람과 공동체를 앞세우는 경제 활동을 가리킵니다. 두 말은 흔히 따로 쓰이지만, 이 글에서는 둘이 한 수레의 두 바퀴처럼 서로를 채운다는 이야기를 하려 합니다.

## 기본사회가 놓는 바닥

기본사회 정책의 핵심은 '바닥'입니다. 일자리를 잃거나, 아프거나, 나이가 들어도 무너지지 않는 최소한의 삶의 조건을 모두에게 보장하는 것이지요. 현금 급여는 그 바닥을 빠르고 공평하게 놓는 수단이고, 공공서비스는 돈만으로는 살 수 없는 것을 채우는 수단입니다.

그런데 바닥이 있다고 그 위의 삶이 저절로 채워지지는 않습니다. 돌봄이 필요한 어르신에게 수당이 나와도 동네에 믿을 만한 돌봄 제공자가 없다면 그 돈은 쓸 곳을 찾지 못합니다. 주거비를 지원해도 임대 시장이 그대로라면 지원금은 고스란히 임대료로 빠져나가기 쉽습니다.

## 사회연대경제가 짓는 관계

사회연대경제는 바로 그 바닥 위의 삶을 짓는 방식입니다. 협동조합은 조합원 모두가 함께 소유하고 민주적으로 운영하는 기업입니다. 출자금이 많든 적든 조합원 한 사람이 한 표를 가집니다. 이런 구조는 특히 다음과 같은 일을 잘합니다.

- 수익성이 낮다며 시장이 외면하는 동네 돌봄, 먹거리, 공동 주거 같은 필요를 사업으로 만든다.
- 단기 일자리 대신 구성원이 함께 책임지는 안정적인 일자리를 만든다.
- 이용자와 일하는 사람, 지역 주민이 한 조직 안에서 결정에 참여하게 한다.

서울시가 협동조합을 지원해 온 이유도 같은 맥락이었습니다. 자본 중심에서 사람 중심으로, 경쟁에서 협력으로, 개인에서 공동체로 옮겨 가는 경제를 지역에서부터 만들어 보자는 것이었지요.

## 두 바퀴가 함께 굴러야 하는 이유

기본사회 정책만 있고 사회연대경제가 약하면, 보장된 소득과 서비스는 결국 영리 시장을 거쳐 전달됩니다. 공공 재원이 지역에 머물지 못하고, 서비스의 질을 이용자가 바꿀 통로도 좁습니다. 거꾸로 사회연대경제만 있고 기본사회의 바닥이 없으면 협동조합은 늘 자원 부족에 시달리고, 가장 어려운 이웃은 조합원이 될 여유조차 갖지 못합니다.

> 바닥을 놓는 일은 국가가, 그 위에 관계를 짓는 일은 시민이 함께 맡을 때 기본사회는 제도에서 일상이 됩니다.

두 바퀴가 맞물리는 모습은 이미 우리 주변에 있습니다. 돌봄 지원이 돌봄 사회적협동조합의 서비스로 이어지고, 청년 주거 지원이 주택협동조합의 공동 임대로 이어지는 경우입니다. 이때 공공의 돈은 지역의 일자리와 관계로 바뀌고, 이용자는 서비스의 주인이 됩니다.

다음 글에서는 이런 맞물림이 몇몇 모범 사례에 그치지 않고 제도로 자리 잡으려면 어떤 조건이 필요한지 살펴보겠습니다.
""",
        editor_note="2회 연재 '기본사회와 사회연대경제'의 첫 번째 글입니다. 두 번째 글에서는 기본사회 정책이 제대로 작동하기 위한 조건을 다룹니다.",
        alt="추상 일러스트: 크림색 바탕 위에 청록색 원과 주황색 원이 반투명하게 겹쳐 있고, 겹친 자리가 짙은 색으로 드러나 있다. 가장자리에 노란 점 몇 개가 흩어져 있다.",
        caption="두 원이 겹치는 자리: 소득과 서비스의 바닥, 그리고 그 위의 관계.",
        tags=("기본사회", "사회연대경제", "협동조합"),
    ),
    en=Text(
        title="Basic Society and the SSE, part 1: two wheels of one cart",
        slug="basic-society-and-the-sse-part-1",
        excerpt="Basic Society policies lay a floor that nobody falls below; the social and solidarity economy builds the working and caring relationships that stand on it. Why each needs the other.",
        body="""\
"Basic Society" has become a familiar phrase in Korea. It names the idea that the conditions of a decent life, such as income, housing, care, education and getting around, should not depend only on luck in the market or on personal ability, but be guaranteed by society as a whole. The social and solidarity economy (SSE), for its part, covers the co-ops, social enterprises, village enterprises and self-sufficiency enterprises that put people and communities before profit. The two terms usually travel separately. This essay argues that they are two wheels of the same cart.

## The floor that Basic Society lays

At the heart of Basic Society policy is a floor: a minimum set of living conditions, guaranteed to everyone, that does not collapse when you lose a job, fall ill or grow old. Cash benefits lay that floor quickly and fairly; public services supply what money alone cannot buy.

A floor, however, does not furnish the house. A care allowance paid to an older resident finds nothing to spend itself on if there is no trustworthy carer in the neighbourhood. A housing subsidy paid into an unchanged rental market tends to end up as higher rent.

## The relationships the SSE builds

The SSE is a way of building what stands on the floor. A co-op is an enterprise owned and run democratically by all its members: one member, one vote, whatever the size of their share capital. That structure is good at a few things in particular:

- turning needs that the market finds unprofitable, such as neighbourhood care, local food or shared housing, into viable enterprises;
- creating stable jobs that members take responsibility for together, instead of short-term work;
- giving users, workers and local residents a say inside the same organisation.

This is also why Seoul has promoted co-ops: to grow, from the neighbourhood up, an economy that moves from capital to people, from competition to cooperation, and from individuals to community.

## Why the wheels must turn together

With Basic Society policy but a weak SSE, guaranteed income and services end up delivered through for-profit markets. Public money does not stay in the area, and users have few ways to change the quality of what they receive. With a strong SSE but no floor, co-ops are forever short of resources, and the neighbours who most need them cannot afford to join.

> When the state lays the floor and citizens build the relationships on it together, Basic Society moves from the statute book into everyday life.

We can already see the wheels meshing: care support delivered by a care social co-op, or youth housing support that becomes a shared lease held by a housing co-op. Public money turns into local jobs and relationships, and users become owners of the service.

The second part looks at what it would take for this to become the rule rather than a handful of good examples.
""",
        editor_note="This is the first of two essays in the series \u201cBasic Society and the SSE\u201d. The second looks at the conditions Basic Society policies need in order to work.",
        alt="Abstract illustration: a teal circle and an orange circle overlap, semi-transparent, on a cream background; where they overlap the colour deepens. A few small yellow dots are scattered near the edges.",
        caption="Where two circles overlap: a floor of income and services, and the relationships built on it.",
        tags=("Basic Society", "Social economy", "Cooperatives"),
    ),
)

# --- Basic Society and the SSE, part 2 ---------------------------------------------------

BS_SSE_2 = Piece(
    key="bs-sse-2",
    category="sse",
    authors=("yoon-seoha", "min-yeseul"),
    published=_at(2026, 5, 26),
    art=Art("steps", ("#eef2f0", "#24507a", "#3f8f6b", "#e9b44c", "#c8553d"), 23),
    series="basic-society-sse",
    part=2,
    related=("interview-design", "edu-2"),
    ko=Text(
        title="기본사회와 사회연대경제 ② 기본사회 정책이 작동하려면",
        slug="기본사회와-사회연대경제-2-기본사회-정책이-작동하려면",
        excerpt="좋은 제도도 현장에서 작동하지 않으면 종이 위의 약속에 머뭅니다. 기본사회 정책이 사회연대경제와 맞물려 실제로 삶을 바꾸기 위한 다섯 가지 조건을 짚어 봅니다.",
        body="""\
첫 번째 글에서는 기본사회 정책이 삶의 바닥을 놓고, 사회연대경제가 그 위에 관계와 일자리를 짓는다고 이야기했습니다. 이번 글은 좀 더 실무적인 질문에서 출발합니다. 그 맞물림이 몇몇 모범 사례에 그치지 않고 어느 동네에서나 일어나게 하려면 무엇이 필요할까요? 현장에서 자주 듣는 이야기를 바탕으로 다섯 가지 조건을 정리했습니다.

1. 예측할 수 있는 제도
2. 지역에서 전달할 수 있는 통로
3. 이용자와 일하는 사람이 참여하는 운영
4. 세우는 것보다 운영하는 역량
5. 정직한 통계

## 예측할 수 있어야 계획할 수 있다

단년도 공모사업에 기대는 조직은 해마다 처음부터 다시 시작합니다. 기본사회 정책이 보편적 권리로 설계된다면, 그 권리를 실현하는 조직도 여러 해를 내다보고 사람을 뽑고 교육할 수 있어야 합니다. 재원이 몇 년 단위로 예측 가능할 때 협동조합은 단기 일자리 대신 안정적인 일자리를 만들 수 있습니다.

## 지역에서 전달할 통로

공공서비스를 누가 전달하느냐는 서비스의 질만큼 중요합니다. 조달과 위탁의 기준이 최저가에만 머물면 지역의 작은 사회연대경제 조직은 처음부터 경쟁에 끼기 어렵습니다. 고용의 질, 이용자 참여, 지역 재투자 같은 사회적 가치를 평가 기준에 넣는 것은 특혜가 아니라, 정책이 원래 바란 결과를 사는 방법입니다.

## 참여하는 운영

협동조합의 강점은 한 사람 한 표의 민주적 운영입니다. 돌봄처럼 이용자와 일하는 사람의 이해가 얽힌 분야에서는 다중이해관계자 협동조합이 특히 잘 맞습니다. 다만 참여는 저절로 되지 않습니다. 총회와 이사회가 형식에 그치지 않도록 회의를 준비하고 기록하고 결과를 알리는 데에도 시간과 비용이 듭니다. 정책은 이 비용을 '행정 낭비'가 아니라 서비스의 일부로 보아야 합니다.

## 세우는 것보다 운영하는 역량

2012년 12월 협동조합 기본법이 시행된 뒤 협동조합은 빠르게 늘었습니다. 그러나 세우는 일과 잘 운영하는 일은 다릅니다. 설립 교육에서 멈추지 않고 회계, 노무, 총회 운영, 경영공시까지 이어지는 교육과 컨설팅, 몇 달에 걸쳐 코치가 함께하는 집중 지원이 필요합니다. 이 주제는 '협동조합 교육을 말하다' 연재에서 더 자세히 다룹니다.

## 정직한 통계

> 몇 개가 세워졌는지보다, 몇 개가 일하고 있는지를 물어야 합니다.

2022년 전국에서 그동안 설립된 협동조합은 23,892곳이었지만, 실제로 운영 중인 곳은 10,976곳이었습니다. 등록과 운영을 구분하지 않은 숫자는 정책의 성과를 부풀리고 실패의 원인을 가립니다. 모든 통계에 기준일과 대상 수를 함께 밝히는 일, 그것이 기본사회 정책이 스스로를 점검하는 출발점입니다.

기본사회는 한 번의 입법으로 완성되지 않습니다. 바닥을 놓는 제도와 그 위에서 일하는 조직이 서로의 속도를 맞출 때 비로소 작동합니다.
""",
        editor_note="2회 연재 '기본사회와 사회연대경제'의 마지막 글입니다. 본문의 전국 협동조합 수는 2022년 기준 수치입니다.",
        alt="추상 일러스트: 옅은 회녹색 바탕 위에 남색, 초록, 황토색, 적갈색 가로 띠가 아래에서 위로 계단처럼 쌓여 있고, 맨 위 계단에 작은 흰 원 하나가 놓여 있다.",
        caption="한 단씩 쌓이는 조건들: 제도, 전달, 참여, 역량, 통계.",
        tags=("기본사회", "사회연대경제", "협동조합교육"),
    ),
    en=Text(
        title="Basic Society and the SSE, part 2: what it takes for Basic Society policies to work",
        slug="basic-society-and-the-sse-part-2",
        excerpt="A good policy that does not work on the ground stays a promise on paper. Five conditions for Basic Society policies to mesh with the social and solidarity economy and actually change lives.",
        body="""\
The first part argued that Basic Society policy lays a floor under people's lives and that the social and solidarity economy builds jobs and relationships on top of it. This part starts from a more practical question: what would it take for that combination to happen in every neighbourhood, not only in a few showcase projects? Drawing on what we hear in consultations, we see five conditions.

1. Policies people can plan around
2. Local channels of delivery
3. Governance that includes users and workers
4. The capacity to run an organisation, not only to found one
5. Honest statistics

## Predictable enough to plan

Organisations that live on one-year grant competitions start from scratch every year. If Basic Society policies are designed as universal rights, the organisations that deliver them must be able to hire and train people with several years in view. When funding is predictable over a few years, a co-op can offer stable jobs instead of temporary ones.

## Local channels of delivery

Who delivers a public service matters as much as the service itself. If procurement and contracting look only at the lowest price, small local SSE organisations are out of the race before it starts. Scoring social value, such as the quality of jobs, user participation and reinvestment in the area, is not a favour; it is how a policy buys the results it was meant to achieve.

## Governance that includes people

The strength of a co-op is its democratic governance: one member, one vote. In fields such as care, where the interests of users and workers are intertwined, multi-stakeholder co-ops fit particularly well. Participation does not happen by itself, though. Preparing meetings, keeping minutes and reporting back so that general meetings and boards are more than a formality takes time and money, and policy should count that cost as part of the service rather than as administrative waste.

## Running, not only founding

Co-ops multiplied quickly after the Framework Act on Cooperatives took effect in December 2012. Founding a co-op and running it well are different things, however. Education and consulting need to go beyond the founding course to accounting, labour matters, general meetings and annual disclosure, with intensive support in which a coach works alongside the members for months. The series "Talking about co-op education" looks at this in more detail.

## Honest statistics

> Ask how many co-ops are working, not only how many were founded.

By 2022, 23,892 co-ops had been established in Korea, but 10,976 were operating. Figures that do not tell "registered" from "operating" inflate a policy's results and hide the reasons for its failures. Giving every statistic its as-of date and its N is where Basic Society policy starts to check itself.

Basic Society will not be completed by a single act of parliament. It works when the institutions that lay the floor and the organisations that work on it move at the same pace.
""",
        editor_note="This is the last of the two essays in the series \u201cBasic Society and the SSE\u201d. The national co-op figures are as of 2022.",
        alt="Abstract illustration: on a pale grey-green background, horizontal bands in navy, green, ochre and rust are stacked like steps rising from the bottom left, with a small white circle resting on the top step.",
        caption="Conditions stacked one on another: policy, delivery, participation, capacity, statistics.",
        tags=("Basic Society", "Social economy", "Co-op education"),
    ),
)

# --- Interview: a young care co-op organiser -----------------------------------------------

INTERVIEW_CARE = Piece(
    key="interview-care",
    category="interview",
    authors=("min-yeseul",),
    published=_at(2026, 6, 16),
    art=Art("mosaic", ("#fbf6ef", "#d1495b", "#edae49", "#00798c", "#30638e"), 37),
    related=("bs-sse-1", "interview-design"),
    ko=Text(
        title="[청년 실천가 인터뷰] \u201c돌봄은 동네가 함께 지는 일이에요\u201d",
        slug="청년-실천가-인터뷰-돌봄은-동네가-함께-지는-일",
        excerpt="스물아홉 살에 돌봄 사회적협동조합의 사무국장이 된 한지우 씨. 이용자 가족과 돌봄 노동자, 이웃이 한 조합에서 함께 결정하는 일의 어려움과 보람을 들었습니다.",
        body="""\
한지우 씨는 사회복지를 전공하고 요양시설에서 3년을 일했습니다. 지금은 마포구의 '늘곁돌봄사회적협동조합'에서 사무국장을 맡고 있습니다. 이용자 가족, 돌봄 노동자, 지역 주민이 함께 조합원인 다중이해관계자 협동조합입니다.

## 시설에서 동네로

**왜 협동조합이었나요?**

시설에서 일할 때 가장 답답했던 건, 어르신에게 무엇이 좋은지 아는 사람이 결정에서 가장 멀리 있다는 점이었어요. 돌봄 노동자도, 가족도 의견을 낼 자리가 없었죠. 협동조합에서는 출자금이 많든 적든 조합원 한 사람이 한 표예요. 돌보는 사람과 돌봄받는 사람의 가족이 같은 총회에서 같은 무게로 말할 수 있다는 게 저한테는 결정적이었어요.

**사회적협동조합이라서 다른 점이 있나요?**

비영리라서 남는 돈을 조합원에게 배당하지 않고 사업과 지역에 다시 써요. 설립할 때 신고가 아니라 주무부처의 인가를 받아야 했고, 해마다 경영공시도 합니다. 처음엔 번거롭다고 느꼈는데, 지금은 그게 이웃에게 신뢰를 얻는 방법이라고 생각해요.

## 작은 조직의 하루

**사무국장의 일은 어떤가요?**

돌봄 일정을 짜는 것부터 급여 계산, 교육, 총회 준비까지 다 합니다. 요즘 제일 신경 쓰는 건 세 가지예요.

- 돌봄 노동자가 한 동네에서 오래 일할 수 있도록 이동 거리를 줄이는 배치
- 가족 조합원에게 매달 보내는 짧은 운영 소식지
- 신입 조합원을 위한 '협동조합 한 시간' 모임

> 돌봄은 한 사람이 지기엔 너무 무겁고, 동네가 함께 지면 생각보다 가볍습니다.

**청년으로서 어려운 점은요?**

솔직히 임금이요. 의미 있는 일이라는 이유로 낮은 급여를 당연하게 여기면 사람이 남지 않아요. 조합에서는 급여 기준을 총회에서 공개적으로 정하고, 해마다 조금씩이라도 올리기로 했어요.

## 기본사회에 바라는 것

**정책에 바라는 점이 있다면요?**

돌봄 지원이 일 년짜리 사업이 아니라 권리로 자리 잡았으면 해요. 지원이 예측 가능해야 저희도 사람을 정규직으로 뽑고 교육할 수 있거든요. 그리고 서비스를 누가 전달하는지도 함께 봐 주면 좋겠어요. 같은 돈이라도 동네 조합을 거치면 일자리와 관계가 동네에 남으니까요.
""",
        editor_note="인터뷰는 2026년 6월 센터 회의실에서 진행했고, 읽기 쉽게 줄이고 다듬었습니다. 데모 콘텐츠의 인물과 단체는 가상입니다.",
        alt="추상 일러스트: 밝은 미색 바탕에 모서리가 둥근 정사각형 타일들이 격자로 놓여 있다. 타일은 빨강, 노랑, 청록, 파랑으로 칠해져 있고 크기가 조금씩 다르며, 몇 칸은 비어 있다.",
        caption="한 칸 한 칸이 모여 동네의 돌봄이 됩니다.",
        tags=("청년", "돌봄", "사회적협동조합", "지역공동체"),
        interviewees=(("한지우", "늘곁돌봄사회적협동조합 사무국장"),),
    ),
    en=Text(
        title="Young practitioners: \u201cCare is something a neighbourhood carries together\u201d",
        slug="young-practitioners-care-is-carried-together",
        excerpt="Han Ji-woo became secretary-general of a care social co-op at 29. She talks about deciding things together with users' families, care workers and neighbours, and what is hard and rewarding about it.",
        body="""\
Han Ji-woo studied social work and spent three years in a residential care home. She is now secretary-general of Neulgyeot Care Social Cooperative in Mapo-gu, a multi-stakeholder co-op whose members are users' families, care workers and local residents.

## From the care home to the neighbourhood

**Why a co-op?**

What frustrated me most in the care home was that the people who knew what was good for the residents were furthest from the decisions. Neither the care workers nor the families had anywhere to speak up. In a co-op, each member has one vote, whatever their share capital. Carers and the families of the people they care for speak with the same weight at the same general meeting. For me, that settled it.

**What difference does being a social co-op make?**

It is non-profit, so any surplus is not paid out to members; it goes back into the work and the neighbourhood. To found it we needed approval from the ministry responsible, not just a report, and we publish an annual disclosure every year. At first that felt like paperwork. Now I see it as how we earn our neighbours' trust.

## A day in a small organisation

**What does a secretary-general do?**

Everything from the care rota to payroll, training and preparing the general meeting. These days three things take most of my attention:

- rotas that keep each care worker in one neighbourhood, so that they travel less and can stay for years;
- a short monthly newsletter for the family members;
- "one hour of co-op", a meeting for new members.

> Care is too heavy for one person to carry, and lighter than you would think when a neighbourhood carries it together.

**What is hard about this work for a young person?**

Honestly, pay. If low wages are accepted because the work is meaningful, people don't stay. Our co-op sets its pay scale openly at the general meeting, and we have decided to raise it every year, even if only a little.

## What she hopes for from Basic Society

**What would you ask of policy?**

That care support becomes a right rather than a one-year programme. When funding is predictable, we can hire people on permanent contracts and train them. And I would like policy to look at who delivers the service, too. The same money, spent through a neighbourhood co-op, leaves jobs and relationships in the neighbourhood.
""",
        editor_note="The interview took place at the center in June 2026 and has been condensed and edited for clarity. The people and organisations in the demo content are fictional.",
        alt="Abstract illustration: rounded square tiles laid out in a grid on an off-white background, coloured red, yellow, teal and blue, slightly different in size, with a few cells left empty.",
        caption="One tile at a time, a neighbourhood's care takes shape.",
        tags=("Youth", "Care", "Social co-ops", "Local community"),
        interviewees=(
            ("Han Ji-woo", "Secretary-general, Neulgyeot Care Social Cooperative (Mapo-gu)"),
        ),
    ),
)

# --- Interview: a young worker co-op of designers ------------------------------------------

INTERVIEW_DESIGN = Piece(
    key="interview-design",
    category="interview",
    authors=("min-yeseul",),
    published=_at(2026, 7, 21),
    art=Art("arcs", ("#f7f3ea", "#3d405b", "#81b29a", "#e07a5f", "#f2cc8f"), 41),
    related=("interview-care", "bs-sse-2"),
    ko=Text(
        title="[청년 실천가 인터뷰] 일하는 사람이 주인인 디자인 협동조합",
        slug="청년-실천가-인터뷰-일하는-사람이-주인인-디자인-협동조합",
        excerpt="사회적경제 조직의 웹사이트와 안내물을 만드는 직원협동조합 '물결디자인'. 서민재 대표와 오하늘 조합원에게 일하는 사람이 함께 소유하는 회사의 민낯을 물었습니다.",
        body="""\
'물결디자인협동조합'은 사회적경제 조직과 공공기관의 웹사이트, 안내 책자, 교육 자료를 만듭니다. 조합원 일곱 명이 모두 이곳에서 일하는 직원협동조합입니다. 다섯 명이 센터의 설립 기초교육을 함께 듣고 창립총회를 연 지 4년이 되었습니다. 서민재 대표와 웹 접근성을 맡은 오하늘 조합원을 만났습니다.

## 우리가 사장이자 직원

**직원협동조합은 무엇이 다른가요?**

**서민재**: 회사의 주인이 곧 일하는 사람이에요. 대표도 총회에서 뽑고, 임기가 끝나면 다시 디자이너로 돌아가요. 급여표와 회계 장부는 조합원 누구나 볼 수 있어요. 처음엔 이 투명함이 부담스러울 줄 알았는데, 오히려 뒷말이 사라졌어요.

**오하늘**: 일거리를 받을지 말지도 함께 정해요. 돈은 되지만 우리 원칙과 맞지 않는 일은 거절한 적도 있어요.

**결정이 느려지지는 않나요?**

**서민재**: 느려져요. 그래서 규칙을 정했어요.

- 프로젝트 안의 결정은 담당 조합원이 한다.
- 급여, 신규 조합원, 큰 투자는 총회나 이사회에서 한다.
- 회의 안건은 이틀 전에 공유하고, 회의록은 당일에 올린다.

## 사회적 가치를 디자인하기

**어떤 일에서 보람을 느끼나요?**

**오하늘**: 저는 접근성이요. 화면 낭독기를 쓰는 분, 휴대폰 화면을 크게 키워 보는 어르신도 협동조합 교육 신청서를 혼자 낼 수 있게 만드는 일이에요. 좋은 디자인은 누구도 빠뜨리지 않는 디자인이라고 생각해요.

> 사회적 가치는 보고서의 숫자가 아니라, 누군가 혼자서도 해낼 수 있게 된 순간에 있어요.

**청년들에게 이 길을 권하나요?**

**서민재**: 쉽다고는 못 해요. 첫해에는 월급을 제때 못 준 달도 있었어요. 그래도 번아웃이 와도 혼자가 아니라는 건 커요. 일이 몰리면 서로 나눠 들고, 쉬어야 할 사람은 쉬게 해요. 그게 협동조합이 약속한 안정적인 일자리의 뜻이라고 봐요.

## 다음 4년

**앞으로의 계획은요?**

**오하늘**: 함께 일하는 사회적경제 조직들에 접근성 교육을 하고 싶어요. 우리가 배운 걸 나누는 것도 협동의 일부니까요.

**서민재**: 조합원을 열 명까지 늘리는 게 목표예요. 빨리보다는, 함께 결정하는 문화를 지키면서요.
""",
        editor_note="인터뷰는 2026년 7월 조합 사무실에서 진행했고, 읽기 쉽게 줄이고 다듬었습니다. 데모 콘텐츠의 인물과 단체는 가상입니다.",
        alt="추상 일러스트: 미색 바탕의 왼쪽 아래 모서리에서 물결처럼 퍼져 나가는 동심원 호들이 남색, 연두, 주황, 모래색으로 번갈아 그려져 있다.",
        caption="한 점에서 퍼져 나가는 물결처럼, 일곱 사람이 함께 만드는 회사.",
        tags=("청년", "협동조합", "사회연대경제"),
        interviewees=(
            ("서민재", "물결디자인협동조합 대표"),
            ("오하늘", "물결디자인협동조합 조합원, 웹 접근성 담당"),
        ),
    ),
    en=Text(
        title="Young practitioners: a design co-op owned by the people who work in it",
        slug="young-practitioners-a-worker-owned-design-coop",
        excerpt="Mulgyeol Design is a worker co-op that makes websites and guides for social economy organisations. Its chair Seo Min-jae and member Oh Ha-neul on what a company owned by its workers is really like.",
        body="""\
Mulgyeol Design Cooperative makes websites, booklets and training materials for social economy organisations and public bodies. It is a worker co-op: all seven members work there. Four years ago five of them took the center's founding course together and held their founding meeting. We met Seo Min-jae, who chairs the co-op, and Oh Ha-neul, who looks after web accessibility.

## Owners and employees at once

**What is different about a worker co-op?**

**Seo Min-jae**: The owners are the people who do the work. The general meeting elects the chair, and when my term ends I go back to being a designer. Any member can look at the pay scale and the books. I expected that openness to be uncomfortable; instead, the gossip stopped.

**Oh Ha-neul**: We also decide together which work to take on. We have turned down well-paid jobs that did not fit our principles.

**Doesn't that slow decisions down?**

**Seo Min-jae**: It does. So we made rules:

- decisions inside a project belong to the member in charge of it;
- pay, new members and large investments go to the general meeting or the board;
- agendas go out two days before a meeting, minutes on the same day.

## Designing social value

**What makes the work worthwhile?**

**Oh Ha-neul**: For me, accessibility. Making it possible for someone who uses a screen reader, or an older person who zooms their phone screen right in, to send an application for a co-op course on their own. Good design leaves nobody out.

> Social value is not a number in a report; it is the moment someone can do something by themselves.

**Would you recommend this path to young people?**

**Seo Min-jae**: I won't say it's easy. In the first year there were months when we could not pay salaries on time. But not being alone when burnout comes matters a lot. When work piles up we share it, and whoever needs a break takes one. That, to me, is what the stable jobs co-ops promise actually mean.

## The next four years

**What are your plans?**

**Oh Ha-neul**: I'd like to teach accessibility to the social economy organisations we work with. Sharing what we've learned is part of cooperating.

**Seo Min-jae**: We aim for ten members. Not fast: keeping the habit of deciding together.
""",
        editor_note="The interview took place at the co-op's office in July 2026 and has been condensed and edited for clarity. The people and organisations in the demo content are fictional.",
        alt="Abstract illustration: concentric arcs ripple out from the bottom left corner of an off-white background, alternating navy, sage green, coral and sand.",
        caption="Like ripples from a single point: a company seven people build together.",
        tags=("Youth", "Cooperatives", "Social economy"),
        interviewees=(
            ("Seo Min-jae", "Chair, Mulgyeol Design Cooperative"),
            ("Oh Ha-neul", "Member and web accessibility lead, Mulgyeol Design Cooperative"),
        ),
    ),
)

# --- Talking about co-op education, part 1 -------------------------------------------------

EDU_1 = Piece(
    key="edu-1",
    category="coop-education",
    authors=("kang-taeo",),
    published=_at(2026, 9, 8),
    art=Art("dots", ("#f3f0e8", "#2a6f97", "#61a5c2", "#f4a259", "#bc4b51"), 53),
    series="coop-education",
    part=1,
    related=("bs-sse-2", "interview-design"),
    ko=Text(
        title="협동조합 교육을 말하다 ① \u2018몇 개\u2019에서 \u2018어떻게\u2019로",
        slug="협동조합-교육을-말하다-1-몇-개에서-어떻게로",
        excerpt="협동조합 기본법 시행 뒤 서울의 협동조합은 1년 만에 885곳이 되었습니다. 교육 현장을 오래 지켜 온 정다온 코디네이터와 그 숫자가 말해 주는 것과 말해 주지 않는 것을 이야기했습니다.",
        body="""\
2012년 12월 협동조합 기본법이 시행되면서 다섯 사람만 모이면 누구나 협동조합을 세울 수 있게 되었습니다. 그 뒤 10여 년, 협동조합 교육은 무엇을 가르쳐 왔을까요? 설립 교육과 운영 교육을 두루 맡아 온 정다온 교육 코디네이터와 두 번에 걸쳐 이야기를 나눕니다. 첫 번째 주제는 숫자입니다.

## 빠르게 늘어난 협동조합

**법 시행 직후 분위기는 어땠나요?**

정말 뜨거웠어요. 서울시 발표를 보면 2012년 12월부터 2013년 11월까지 1년 사이에 885곳이 신고됐어요. 2013년 7월에 이미 500곳을 넘었고요. 2015년에는 2,266곳, 2016년 3월에는 2,398곳이 됐습니다.

**그 885곳은 어떤 모습이었나요?**

작았어요. 조합원이 10명이 안 되는 곳이 638곳, 72.1%였고 평균은 15명이었어요. 출자금이 1,000만 원 미만인 곳도 596곳, 67%였고요. 사업자 조합원이 중심인 곳이 절반을 넘었고, 업종은 도소매가 가장 많고 그다음이 교육이었어요.

## 상담 창구에서 본 질문들

**그 시기에 시민들은 무엇을 물었나요?**

센터가 문을 연 뒤 첫 2년 동안 전화, 방문, 온라인으로 1만 8천 건쯤 상담했어요. 첫 10개월의 12,302건을 나눠 보면 이렇습니다.

- 39%: 협동조합이 무엇인지, 어떤 지원이 있는지
- 41%: 설립 요건, 유형, 교육 과정
- 19%: 신고와 등기, 설립 뒤 운영

대부분이 기초적인 질문이었어요. 그래서 상담을 교육으로 잘 연결하는 게 원스톱 지원의 핵심이었죠. 설립 기초교육은 한 달에 두 번, 회차마다 30명씩 선착순으로 열었어요.

## 숫자가 말해 주지 않는 것

> 설립 신고서에 도장이 찍히는 날은 끝이 아니라 첫날입니다.

**많이 세워졌다는 건 좋은 일 아닌가요?**

좋은 일이에요. 다만 2022년 기준 전국에서 그동안 설립된 협동조합이 23,892곳인데, 운영 중인 곳은 10,976곳이었어요. 절반 넘게 멈춘 셈이죠. 그때 교육은 '어떻게 세우나'에 거의 모든 시간을 썼어요. 정관을 쓰고, 창립총회를 열고, 등기하는 법이요. 세운 다음 날부터 무엇을 해야 하는지는 잘 가르치지 못했어요.

다음 편에서는 '몇 개를 세웠나'가 아니라 '얼마나 잘 작동하나'를 묻는 교육이 어떤 모습이어야 하는지 이어서 이야기합니다.
""",
        editor_note="2회 연재 인터뷰 '협동조합 교육을 말하다'의 첫 번째 편입니다. 서울 수치는 서울시 발표(2013년 12월 2일, 2012년 12월~2013년 11월 신고 885곳 기준)를 따랐습니다. 데모 콘텐츠의 인물은 가상입니다.",
        alt="추상 일러스트: 연한 미색 바탕에 파랑, 하늘색, 주황, 적갈색의 작은 점 수백 개가 화면 왼쪽에서 오른쪽으로 갈수록 빽빽해지며 흩어져 있다.",
        caption="점점 늘어나는 점들: 숫자로 본 협동조합의 10년.",
        tags=("협동조합교육", "협동조합"),
        interviewees=(("정다온", "협동조합 교육 코디네이터"),),
    ),
    en=Text(
        title="Talking about co-op education, part 1: from \u201chow many\u201d to \u201chow\u201d",
        slug="talking-about-coop-education-part-1",
        excerpt="After the Framework Act took effect, Seoul had 885 co-ops within a year. Education coordinator Jung Da-on on what those numbers say, and what they do not.",
        body="""\
When the Framework Act on Cooperatives took effect in December 2012, any five people could found a co-op. What has co-op education taught in the decade since? Over two conversations we talk with Jung Da-on, who has run both the founding courses and the courses for running a co-op. The first topic is numbers.

## Co-ops multiplied fast

**What was the mood right after the Act?**

Feverish. According to Seoul City, 885 co-ops were reported in the year from December 2012 to November 2013, and the count had passed 500 by July 2013. By 2015 there were 2,266, and 2,398 by March 2016.

**What did those 885 look like?**

Small. 638 of them, 72.1%, had fewer than ten members, and the average was fifteen. 596, about 67%, had less than 10,000,000 won of member share capital. More than half were producer co-ops, and the most common industries were wholesale and retail, then education.

## The questions at the counter

**What were people asking then?**

In its first two years the center handled about 18,000 consultations by phone, in person and online. Of the 12,302 in the first ten months:

- 39% asked what a co-op is and what support exists;
- 41% asked about founding requirements, types and courses;
- 19% asked about filing, registration and running a co-op.

Most questions were basic, so the heart of one-stop support was sending people on to the right course. The founding course ran twice a month, with thirty seats, first come first served.

## What the numbers do not say

> The day the founding report is stamped is not the end. It is day one.

**Isn't it good that so many were founded?**

It is. But by 2022, of the 23,892 co-ops ever established in Korea, 10,976 were operating. More than half had stopped. Back then our courses spent almost all their time on how to found a co-op: writing the bylaws, holding the founding meeting, registering. We did not teach well what to do from the day after.

In the next part we talk about what education looks like when it asks how well co-ops work, not how many were founded.
""",
        editor_note="The first of the two-part interview \u201cTalking about co-op education\u201d. Seoul figures follow Seoul City's release of 2 December 2013 (885 co-ops reported from December 2012 to November 2013). The person interviewed is fictional.",
        alt="Abstract illustration: hundreds of small dots in blue, sky blue, orange and brick red on a pale cream background, sparse on the left and growing denser towards the right.",
        caption="More and more dots: a decade of co-ops in numbers.",
        tags=("Co-op education", "Cooperatives"),
        interviewees=(("Jung Da-on", "Co-op education coordinator"),),
    ),
)

# --- Talking about co-op education, part 2 -------------------------------------------------

EDU_2 = Piece(
    key="edu-2",
    category="coop-education",
    authors=("kang-taeo", "min-yeseul"),
    published=_at(2026, 9, 22),
    art=Art("network", ("#f1f4f2", "#264653", "#2a9d8f", "#e9c46a", "#e76f51"), 67),
    series="coop-education",
    part=2,
    related=("edu-1", "interview-care"),
    ko=Text(
        title="협동조합 교육을 말하다 ② 얼마나 잘 작동하는가",
        slug="협동조합-교육을-말하다-2-얼마나-잘-작동하는가",
        excerpt="세운 뒤의 협동조합에는 어떤 배움이 필요할까요? 총회와 회계, 경영공시, 조합원 교육까지, 정다온 코디네이터와 '잘 작동하는 협동조합'의 조건을 이야기했습니다.",
        body="""\
첫 번째 편에서 정다온 코디네이터는 협동조합 교육이 '어떻게 세우나'에 너무 오래 머물렀다고 말했습니다. 이번에는 세운 다음 날부터의 이야기, 협동조합이 얼마나 잘 작동하는지를 묻는 교육에 대해 들었습니다.

## 잘 작동한다는 것

**'잘 작동하는 협동조합'은 어떤 곳인가요?**

저는 세 가지를 봐요. 조합원이 총회에 오는가, 장부가 제때 정리되는가, 결정이 기록으로 남는가. 협동조합은 한 사람 한 표의 민주적인 기업이잖아요. 그 민주주의가 서류 위에만 있으면 조합원은 금방 떠나요.

**구체적으로 무엇을 보나요?**

숫자로 볼 수 있는 것도 있어요.

- 정기총회 참석률과 조합원 한 사람당 발언 수
- 한 해 동안 들어오고 나간 조합원 수
- 결산과 경영공시를 기한 안에 마쳤는지
- 임원이 바뀔 때 인수인계 문서가 있는지

경영공시는 사회적협동조합이라면 늘, 일반협동조합과 연합회는 조합원 200명 이상이거나 출자금 30억 원 이상이면 해야 해요. 의무가 아닌 곳도 스스로 공개해 보길 권해요. 공개하려고 정리하다 보면 조직이 보이거든요.

## 설립 뒤의 교육과정

**교육은 어떻게 바뀌어야 할까요?**

설립 교육 다음에 이어지는 과정이 있어야 해요. 센터에서 지금 시도하는 순서는 이래요. 설립 뒤 석 달 안에 회계와 노무 기초, 여섯 달 안에 첫 총회 준비, 일 년 차에 결산과 공시. 필요한 곳에는 코치가 몇 달 동안 함께하면서 교육, 컨설팅, 멘토링을 묶어서 지원하고요.

> 교육의 성과는 수료증의 수가 아니라, 교육이 끝난 뒤에도 스스로 배우는 조직의 수입니다.

**조합원 교육도 중요하다고 하셨죠.**

네. 이사회만 배우면 안 돼요. 새로 들어온 조합원이 '우리 조합은 이렇게 결정한다'를 알 수 있게 짧은 안내 모임을 정례화하는 곳이 오래가요. 비슷한 업종의 협동조합끼리 서로의 총회를 참관하는 모임도 효과가 좋았어요.

## 다시 숫자로

**앞으로 어떤 숫자를 보고 싶나요?**

몇 곳이 세워졌는지보다 몇 곳이 3년, 5년을 넘겼는지요. 그리고 그 숫자에 늘 기준일과 대상 수를 붙여서요. 등록된 곳과 운영 중인 곳을 구분해야 교육이 어디서 도움이 됐는지 알 수 있어요. 그게 다음 10년의 숙제라고 생각합니다.
""",
        editor_note="2회 연재 인터뷰 '협동조합 교육을 말하다'의 마지막 편입니다. 첫 번째 편에서 설립 10년의 숫자를 먼저 읽어 보세요. 데모 콘텐츠의 인물은 가상입니다.",
        alt="추상 일러스트: 옅은 회색 바탕에 진청, 청록, 노랑, 주황의 원 열두 개가 가는 선으로 서로 이어져 그물 모양을 이루고 있다.",
        caption="점이 선으로 이어질 때: 세운 뒤의 협동조합을 지탱하는 관계.",
        tags=("협동조합교육", "협동조합", "사회적협동조합"),
        interviewees=(("정다온", "협동조합 교육 코디네이터"),),
    ),
    en=Text(
        title="Talking about co-op education, part 2: how well do they work?",
        slug="talking-about-coop-education-part-2",
        excerpt="What does a co-op need to learn once it exists? General meetings, bookkeeping, annual disclosure and member education: Jung Da-on on the conditions for a co-op that works.",
        body="""\
In the first part, education coordinator Jung Da-on said co-op education had stayed too long on how to found a co-op. This time we asked about what comes the day after: education that asks how well a co-op works.

## What "working well" means

**What is a co-op that works well?**

I look at three things. Do members come to the general meeting? Are the books kept up to date? Are decisions written down? A co-op is a democratic enterprise, one member, one vote. If that democracy exists only on paper, members soon leave.

**What do you look at concretely?**

Some of it can be counted:

- attendance at the annual general meeting, and how many members speak;
- how many members joined and left during the year;
- whether the accounts and the annual disclosure were done on time;
- whether there is a handover document when officers change.

Annual disclosure is required of social co-ops always, and of general co-ops and federations with 200 or more members or 3,000,000,000 won or more of paid-in capital. I encourage the others to publish one anyway: putting things in order to publish them is how an organisation gets to see itself.

## A curriculum after founding

**How should education change?**

There has to be a course that follows the founding course. The sequence the center is trying now is: accounting and labour basics within three months of founding, preparing the first general meeting within six, then the annual accounts and disclosure in year one. Where it is needed, a coach works alongside the co-op for several months, combining education, consulting and mentoring.

> The measure of education is not how many certificates were handed out, but how many organisations keep learning once the course is over.

**You also stress member education.**

Yes. It isn't enough for the board to learn. The co-ops that last hold a short, regular welcome meeting so that new members know how "we decide things here". Groups of co-ops in similar trades attending each other's general meetings have worked well, too.

## Back to numbers

**Which numbers would you like to see next?**

Not how many were founded, but how many passed three years, five years. And always with an as-of date and an N. Only by telling registered co-ops from operating ones can we see where education helped. That is the homework for the next ten years.
""",
        editor_note="The last of the two-part interview \u201cTalking about co-op education\u201d. Read the first part for the numbers of the first decade. The person interviewed is fictional.",
        alt="Abstract illustration: twelve circles in dark teal, green-blue, yellow and orange on a pale grey background, joined to one another by thin lines into a net.",
        caption="When dots are joined by lines: the relationships that hold a co-op up after its founding.",
        tags=("Co-op education", "Cooperatives", "Social co-ops"),
        interviewees=(("Jung Da-on", "Co-op education coordinator"),),
    ),
)

PIECES: tuple[Piece, ...] = (BS_SSE_1, BS_SSE_2, INTERVIEW_CARE, INTERVIEW_DESIGN, EDU_1, EDU_2)
