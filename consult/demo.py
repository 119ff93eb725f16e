"""Demo case desk: teams, a few more counselors, canned replies and about forty cases.

Every case goes through the real intake and workflow (consult.services.case_submit and
consult.workflow), so its reference, events, tracking link and mails are what a real case
would have; then its timestamps are moved back so that the desk shows a few weeks of work,
some of it overdue. Citizens are generated names at @demo.example.org addresses, which
reach nobody, and their messages are made up.

`seed()` is idempotent: canned replies and memberships are updated in place, and the cases
are created only when no demo case exists yet.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import workflow
from .deadlines import first_response_due
from .models import (
    AccessToken,
    CannedReply,
    Case,
    Course,
    CourseSession,
    Event,
    Message,
    Priority,
    Status,
    Team,
    TeamMembership,
    Track,
)
from .services import case_submit, privacy_notice_current

DEMO_DOMAIN = "demo.example.org"
DEMO_SEED = 20260301
S, T = Status, Track

# --- staff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCounselor:
    username: str
    first_name: str
    last_name: str
    tracks: tuple[str, ...]

    @property
    def password(self) -> str:
        # The pattern of coopcenter.core.demo: known demo passwords, printed by seed_demo.
        return f"demo-{self.username}-2026"


# The demo staff of coopcenter.core.demo get teams here: "counselor" works triage and
# advice; "manager" belongs to every team (so the desk lists them) without taking new
# cases, which the counselors share round-robin.
CORE_MEMBERSHIPS = {
    "counselor": ((T.TRIAGE, True), (T.ADVICE, True)),
    "manager": tuple((track, False) for track in T.values),
}
EXTRA_COUNSELORS = [
    DemoCounselor("counselor-edu", "서윤", "한", (T.EDUCATION, T.TRIAGE)),
    DemoCounselor("counselor-consult", "도현", "문", (T.CONSULTING,)),
    DemoCounselor("counselor-advice", "지아", "오", (T.ADVICE, T.EDUCATION)),
]
COUNSELORS_GROUP = "Counselors"  # coopcenter.core.demo's role

# --- canned replies -----------------------------------------------------------------------

CANNED_REPLIES: dict[tuple[str, str], list[tuple[str, str]]] = {
    (T.TRIAGE, "ko"): [
        (
            "접수 확인과 진행 안내",
            "{name}님, 상담 신청({reference})을 잘 받았습니다.\n\n"
            "남겨 주신 내용을 읽고 교육, 상담(짧은 답변), 컨설팅(여러 차례 만남) 가운데 "
            "가장 알맞은 서비스로 연결해 드리겠습니다. 연결되면 담당 상담사가 이어서 "
            "답변드리며, 접수번호와 조회 링크는 그대로 쓰시면 됩니다.",
        ),
        (
            "추가 정보 요청",
            "{name}님, 상담({reference})을 더 정확히 도와드리려고 몇 가지 여쭙니다.\n\n"
            "1. 함께 설립하려는 분은 몇 명인가요? (일반협동조합은 발기인 5명 이상)\n"
            "2. 어떤 사업을 하려고 하시나요?\n"
            "3. 사무실(주된 사무소)은 어느 자치구에 두실 예정인가요?\n"
            "4. 이미 정관 초안이나 사업계획서가 있나요?\n\n"
            "조회 링크에서 답장해 주시면 바로 이어서 안내드리겠습니다.",
        ),
    ],
    (T.TRIAGE, "en"): [
        (
            "We have your question",
            "Dear {name}, we have received your inquiry ({reference}).\n\n"
            "We will read it and pass it to the service that fits best: education, advice "
            "(a short answer) or consulting (several meetings). A counselor there will then "
            "answer you; your reference and private link stay the same.",
        ),
        (
            "A few details we need",
            "Dear {name}, to help with case {reference} we need a few details:\n\n"
            "1. How many people are founding the co-op with you? (A general co-op needs at "
            "least five founders.)\n"
            "2. What business will it run?\n"
            "3. In which district will its main office be?\n"
            "4. Do you already have draft bylaws or a business plan?\n\n"
            "Reply from your private link and we will carry on from there.",
        ),
    ],
    (T.EDUCATION, "ko"): [
        (
            "설립 기초교육 안내",
            "{name}님, 안녕하세요. ({reference})\n\n"
            "협동조합 설립 기초교육은 한 달에 두 번 열립니다. 회차마다 30명까지 선착순으로 "
            "받으니 일정이 정해지면 일찍 신청해 주세요. 교육에서는 협동조합의 원칙(1인 1표), "
            "일반협동조합과 사회적협동조합의 차이, 정관 만들기, 설립 절차를 다룹니다.\n\n"
            "함께 설립할 분들과 같이 들으시면 이후 준비가 훨씬 수월합니다.",
        ),
        (
            "교육을 마친 뒤",
            "{name}님, 기초교육에 참석해 주셔서 감사합니다. ({reference})\n\n"
            "다음 단계로 발기인(5명 이상)과 함께 정관 초안과 사업계획을 준비해 보세요. "
            "초안이 나오면 조회 링크로 보내 주시면 상담사가 검토 방향을 안내하고, 필요하면 "
            "법률·회계·노무 컨설팅으로 연결해 드립니다.",
        ),
    ],
    (T.EDUCATION, "en"): [
        (
            "Founding course",
            "Dear {name} ({reference}),\n\n"
            "Our founding course runs twice a month, with 30 seats per session, first come "
            "first served, so sign up early once the dates are out. It covers what a co-op "
            "is (one member, one vote), general versus social co-ops, writing bylaws and the "
            "founding steps.\n\n"
            "Coming with your fellow founders makes the next steps much easier.",
        ),
        (
            "After the course",
            "Dear {name}, thank you for joining the founding course ({reference}).\n\n"
            "Next, prepare draft bylaws and a business plan with your founders (five or "
            "more). Send the drafts from your private link: a counselor will say what to "
            "look at and, where needed, book legal, accounting or labour consulting.",
        ),
    ],
    (T.ADVICE, "ko"): [
        (
            "일반협동조합 설립 절차",
            "{name}님, 문의하신 설립 절차를 정리해 드립니다. ({reference})\n\n"
            "1. 발기인 5명 이상 모집\n"
            "2. 정관 작성\n"
            "3. 설립 동의자 모집 후 창립총회 개최\n"
            "4. 설립신고: 서울에서는 주된 사무소가 있는 자치구에 신고합니다\n"
            "5. 신고필증을 받은 뒤 출자금 납입과 법원 설립등기\n"
            "6. 세무서 사업자등록\n\n"
            "금융·보험업은 협동조합으로 할 수 없습니다. 단계별로 궁금한 점은 언제든 답장해 "
            "주세요.",
        ),
        (
            "사회적협동조합 인가",
            "{name}님, 사회적협동조합에 대해 안내드립니다. ({reference})\n\n"
            "사회적협동조합은 비영리법인으로, 신고가 아니라 주된 사업을 맡은 중앙행정기관의 "
            "인가를 받아야 합니다. 지역사업, 취약계층 지원 같은 공익 사업이 주된 사업이어야 "
            "하며, 인가 뒤에 설립등기를 합니다. 또 경영공시가 의무입니다.\n\n"
            "준비 서류가 많아 컨설팅으로 함께 검토하시기를 권합니다.",
        ),
    ],
    (T.ADVICE, "en"): [
        (
            "Steps to found a general co-op",
            "Dear {name}, here are the founding steps you asked about ({reference}).\n\n"
            "1. Gather at least five founders.\n"
            "2. Write the bylaws.\n"
            "3. Hold the founding meeting with those who agree to join.\n"
            "4. Report the co-op: in Seoul, to the district office where the main office "
            "will be.\n"
            "5. With the report certificate, pay in the member share capital and register "
            "the co-op at the court.\n"
            "6. Register the business with the tax office.\n\n"
            "Co-ops may not run finance or insurance. Reply any time with questions on a step.",
        ),
        (
            "Social co-op approval",
            "Dear {name}, about social co-ops ({reference}):\n\n"
            "A social co-op is a non-profit. It is not reported but approved, by the ministry "
            "in charge of its main business, which must serve the public (local community "
            "work, support for vulnerable groups). Court registration follows the approval, "
            "and annual disclosure is required.\n\n"
            "There are many documents, so we suggest going through them in consulting.",
        ),
    ],
    (T.CONSULTING, "ko"): [
        (
            "맞춤형 컨설팅 첫 만남",
            "{name}님, 맞춤형 컨설팅을 시작합니다. ({reference})\n\n"
            "컨설팅은 법률, 회계, 노무 주제로 일정을 정해 여러 차례 만나 진행합니다. 첫 "
            "만남에서는 사업 내용과 현재 준비 상황을 듣고 필요한 주제와 일정을 함께 정합니다. "
            "가능한 날짜와 시간을 두세 가지 답장으로 알려 주세요.",
        ),
        (
            "컨설팅 전에 준비할 것",
            "{name}님, 다음 컨설팅({reference}) 전에 아래 자료를 조회 링크로 보내 주세요.\n\n"
            "- 정관 초안\n"
            "- 사업계획서와 예상 수지\n"
            "- 조합원 구성(생산자, 소비자, 직원, 다중이해관계자)과 출자 계획\n"
            "- 직원을 둘 계획이라면 인원과 근무 형태\n\n"
            "몇 달에 걸쳐 코치가 교육·컨설팅·멘토링을 함께하는 집중 지원도 있으니 "
            "필요하시면 말씀해 주세요.",
        ),
    ],
    (T.CONSULTING, "en"): [
        (
            "Your first consulting meeting",
            "Dear {name}, your consulting starts now ({reference}).\n\n"
            "Consulting covers legal, accounting and labour topics in a series of scheduled "
            "meetings. In the first one we hear about your business and how far you are, "
            "then agree on the topics and dates. Reply with two or three times that suit "
            "you.",
        ),
        (
            "What to prepare for consulting",
            "Dear {name}, before the next meeting ({reference}), please send from your "
            "private link:\n\n"
            "- the draft bylaws;\n"
            "- the business plan with expected income and costs;\n"
            "- the membership structure (producers, consumers, workers, several kinds) and "
            "the share capital plan;\n"
            "- if you will employ staff, how many and on what terms.\n\n"
            "We also offer intensive support over several months, with a coach, education, "
            "consulting and mentoring; ask if it would help.",
        ),
    ],
}

# --- cases --------------------------------------------------------------------------------

SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신"]
GIVEN = ["하늘", "민준", "서연", "지후", "예린", "도윤", "수아", "현우", "채원", "준서", "다은"]
EN_NAMES = ["Alex Morgan", "Sam Rivera", "Jo Lindqvist", "Priya Nair", "Tomás Ortega"]

# (topic, stage, service wanted, language, message). Made up, as citizens write them.
INQUIRIES = [
    (
        "basics",
        "thinking",
        "unsure",
        "ko",
        "협동조합이 주식회사와 무엇이 다른지 궁금합니다. 동네 엄마들과 공동육아를 해 보려고요.",
    ),
    (
        "basics",
        "thinking",
        "education",
        "ko",
        "협동조합 설립 교육은 언제 열리나요? 친구 네 명과 함께 들을 수 있을까요?",
    ),
    (
        "founding",
        "founding",
        "advice",
        "ko",
        "발기인이 5명인데 한 명이 외국인입니다. 발기인이 될 수 있나요?",
    ),
    (
        "founding",
        "founding",
        "consulting",
        "ko",
        "마을 카페 협동조합 정관을 쓰고 있습니다. "
        "출자금 한도와 배당 조항을 함께 봐 주실 수 있나요?",
    ),
    (
        "registration",
        "founding",
        "advice",
        "ko",
        "창립총회를 마쳤습니다. 설립신고는 구청 어느 부서에 내면 되나요?",
    ),
    (
        "registration",
        "founding",
        "advice",
        "ko",
        "신고필증을 받았는데 법원 설립등기에 필요한 서류가 무엇인지 알려 주세요.",
    ),
    (
        "operation",
        "running",
        "consulting",
        "ko",
        "조합원이 30명이 넘었고 직원 2명을 채용하려 합니다. 근로계약과 4대 보험을 상담받고 싶어요.",
    ),
    (
        "operation",
        "running",
        "consulting",
        "ko",
        "결산과 잉여금 배분을 처음 해 봅니다. 회계 처리 방법을 컨설팅받을 수 있나요?",
    ),
    (
        "founding",
        "thinking",
        "unsure",
        "ko",
        "청년 디자이너들이 모여 사회적협동조합을 만들 수 있을까요? "
        "일반협동조합과 차이가 궁금합니다.",
    ),
    (
        "other",
        "running",
        "unsure",
        "ko",
        "우리 협동조합이 마을기업 지정을 받으려면 무엇을 준비해야 하나요?",
    ),
    (
        "basics",
        "thinking",
        "education",
        "en",
        "I live in Mapo-gu and would like to learn how co-ops work before starting one. "
        "Is there a course in English or with interpretation?",
    ),
    (
        "founding",
        "founding",
        "advice",
        "en",
        "We are six founders planning a bicycle repair co-op. What documents does the "
        "founding meeting need?",
    ),
    (
        "operation",
        "running",
        "consulting",
        "en",
        "Our worker co-op has grown to 12 members. We need help with labour contracts and "
        "the annual general meeting.",
    ),
    (
        "registration",
        "founding",
        "advice",
        "ko",
        "사업자등록을 할 때 업종 코드는 어떻게 정하나요? 공정무역 제품을 팔 예정입니다.",
    ),
    (
        "founding",
        "founding",
        "education",
        "ko",
        "정관 작성 실습이 있는 교육이 있나요? 다음 달 창립총회를 하려고 합니다.",
    ),
]


@dataclass
class Plan:
    """What happens to one demo case, in order."""

    status: str
    track: str = T.TRIAGE
    days_ago: int = 1
    referral: str | None = None  # a second service, referred to before the first answer
    priority: str | None = None
    note: bool = False
    citizen_replies: bool = False
    closed_by_citizen: bool = False
    extra: dict = field(default_factory=dict)


PLANS: list[Plan] = [
    # New, waiting for triage; the older ones are overdue.
    Plan(S.NEW, days_ago=0),
    Plan(S.NEW, days_ago=0),
    Plan(S.NEW, days_ago=1),
    Plan(S.NEW, days_ago=4, priority=Priority.HIGH),
    Plan(S.NEW, days_ago=6),
    # Triaged: routed, no answer yet.
    Plan(S.TRIAGED, T.EDUCATION, days_ago=1),
    Plan(S.TRIAGED, T.ADVICE, days_ago=2),
    Plan(S.TRIAGED, T.CONSULTING, days_ago=3),
    Plan(S.TRIAGED, T.ADVICE, days_ago=8, priority=Priority.URGENT),
    Plan(S.TRIAGED, T.ADVICE, days_ago=5, referral=T.CONSULTING),
    # In progress.
    Plan(S.IN_PROGRESS, T.ADVICE, days_ago=3, note=True),
    Plan(S.IN_PROGRESS, T.EDUCATION, days_ago=4),
    Plan(S.IN_PROGRESS, T.CONSULTING, days_ago=9, priority=Priority.HIGH, note=True),
    Plan(S.IN_PROGRESS, T.CONSULTING, days_ago=12, citizen_replies=True),
    Plan(S.IN_PROGRESS, T.ADVICE, days_ago=6, referral=T.EDUCATION),
    Plan(S.IN_PROGRESS, T.EDUCATION, days_ago=2, priority=Priority.LOW),
    Plan(S.IN_PROGRESS, T.ADVICE, days_ago=7, citizen_replies=True, note=True),
    # Waiting on the citizen.
    Plan(S.WAITING_ON_CITIZEN, T.ADVICE, days_ago=4),
    Plan(S.WAITING_ON_CITIZEN, T.CONSULTING, days_ago=10),
    Plan(S.WAITING_ON_CITIZEN, T.EDUCATION, days_ago=5),
    Plan(S.WAITING_ON_CITIZEN, T.ADVICE, days_ago=15, note=True),
    # Resolved.
    Plan(S.RESOLVED, T.ADVICE, days_ago=9),
    Plan(S.RESOLVED, T.EDUCATION, days_ago=14),
    Plan(S.RESOLVED, T.CONSULTING, days_ago=30, referral=T.ADVICE),
    Plan(S.RESOLVED, T.ADVICE, days_ago=11),
    # Closed, by counselors and by citizens.
    Plan(S.CLOSED, T.ADVICE, days_ago=20),
    Plan(S.CLOSED, T.EDUCATION, days_ago=25, closed_by_citizen=True),
    Plan(S.CLOSED, T.CONSULTING, days_ago=40, note=True),
    Plan(S.CLOSED, T.ADVICE, days_ago=18, closed_by_citizen=True),
    Plan(S.CLOSED, T.EDUCATION, days_ago=35),
    # Spam, straight from triage.
    Plan(S.SPAM, days_ago=3),
    Plan(S.SPAM, days_ago=12),
    # Duplicates merged into an open case of the same citizen (index in this list).
    Plan(S.MERGED, days_ago=3, extra={"into": 10}),
    Plan(S.MERGED, days_ago=9, extra={"into": 12}),
    Plan(S.MERGED, days_ago=4, extra={"into": 18}),
    # A few more of the common kind: founding questions answered by advice and education.
    Plan(S.IN_PROGRESS, T.ADVICE, days_ago=1),
    Plan(S.TRIAGED, T.EDUCATION, days_ago=0),
    Plan(S.RESOLVED, T.EDUCATION, days_ago=6),
    Plan(S.CLOSED, T.ADVICE, days_ago=50),
    Plan(S.WAITING_ON_CITIZEN, T.ADVICE, days_ago=2),
]

SPAM_MESSAGES = [
    "최저가 광고 대행! 지금 연락 주시면 50% 할인",
    "Cheap followers and reviews for your shop, click our site now",
]
REPLIES = {
    "ko": [
        "문의 감사합니다. 말씀하신 내용은 설립 절차 가운데 설립신고 단계에 해당합니다. "
        "주된 사무소가 있는 자치구에 신고하시면 됩니다.",
        "설립 기초교육은 한 달에 두 번, 회차마다 30명까지 선착순으로 신청받습니다. "
        "다음 회차 일정을 곧 보내 드리겠습니다.",
        "첫 컨설팅 일정을 잡으려고 합니다. 가능한 날짜를 두세 가지 알려 주세요.",
    ],
    "en": [
        "Thank you for asking. This is the report step of founding: file it with the "
        "district office where your main office will be.",
        "The founding course runs twice a month with 30 seats, first come first served. "
        "We will send the next dates shortly.",
        "Let us book the first consulting meeting: which two or three dates suit you?",
    ],
}
CITIZEN_FOLLOW_UPS = {
    "ko": [
        "자료를 첨부 대신 내용으로 정리해 보냅니다. 확인 부탁드립니다.",
        "다음 주 화요일 오후가 좋습니다.",
    ],
    "en": ["Here are the details you asked for.", "Tuesday afternoon next week works for us."],
}
REFERRAL_REASONS = {
    T.CONSULTING: "정관과 출자 구조를 여러 차례 만나 같이 봐야 해서 컨설팅으로 연계합니다.",
    T.EDUCATION: "기초교육에서 다루는 내용이라 다음 회차 교육으로 연계합니다.",
    T.ADVICE: "컨설팅 주제는 끝났고 남은 질문은 짧은 답변으로 충분합니다.",
}
NOTES = [
    "전화로도 같은 문의를 하셨음. 다음 교육 일정 나오면 먼저 알려 드리기로 함.",
    "정관 초안 검토는 노무 컨설턴트와 같이 보기로 함.",
    "Called the district office: the report form changed this month.",
]


def seed(stdout=None) -> int:
    """Teams, canned replies and the demo cases; returns the number of cases created."""
    with transaction.atomic():
        _seed_staff(stdout)
        _seed_canned_replies()
        _seed_courses(stdout)
        if Case.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists():
            _say(stdout, "demo cases already present")
            _seed_consulting(stdout)  # a desk seeded before consulting existed gets it now
            return 0
        created = _seed_cases()
        _seed_consulting(stdout)
    _say(stdout, f"{created} demo cases, {CannedReply.objects.count()} canned replies")
    return created


# --- education ------------------------------------------------------------------------

FOUNDING_COURSE = {
    "title_ko": "협동조합 설립 기초",
    "title_en": "Co-op founding basics",
    "summary_ko": (
        "협동조합을 처음 준비하는 분을 위한 세 시간짜리 교육입니다. 협동조합의 원칙(1인 1표), "
        "일반협동조합과 사회적협동조합의 차이, 정관 만들기, 창립총회와 설립 신고·등기 절차를 "
        "다룹니다. 함께 설립할 분들과 같이 들으시면 좋습니다."
    ),
    "summary_en": (
        "A three-hour course for anyone preparing a cooperative: the co-op principles (one "
        "member, one vote), general and social co-ops compared, writing the bylaws, the "
        "founding meeting, and filing and registration. Come with your co-founders if you can."
    ),
    "default_capacity": 30,
}
FOUNDING_SLUG = "coop-founding-basics"
COURSE_PLACE = "서울시협동조합상담센터 3층 교육장"
COURSE_ONLINE_URL = "https://meet.example.org/coop-founding-basics"


def _session_days(today, count: int) -> list:
    """The second and fourth Wednesdays from today on: twice a month."""
    days = []
    year, month = today.year, today.month
    while len(days) < count:
        first = date(year, month, 1)
        wednesday = first + timedelta(days=(2 - first.weekday()) % 7)
        days += [
            d for d in (wednesday + timedelta(days=7), wednesday + timedelta(days=21)) if d > today
        ]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days[:count]


def _seed_courses(stdout) -> int:
    """The founding course with its next six sessions (14:00 to 17:00 in Seoul, 30 seats,
    the third one online); none are added while the course has sessions to come."""
    course, _created = Course.objects.update_or_create(slug=FOUNDING_SLUG, defaults=FOUNDING_COURSE)
    if course.sessions.filter(starts_at__gt=timezone.now()).exists():
        return 0
    seoul = ZoneInfo("Asia/Seoul")
    days = _session_days(timezone.now().astimezone(seoul).date(), 6)
    for n, day in enumerate(days):
        online = n == 2
        CourseSession.objects.create(
            course=course,
            starts_at=datetime.combine(day, time(14), tzinfo=seoul),
            ends_at=datetime.combine(day, time(17), tzinfo=seoul),
            mode=CourseSession.Mode.ONLINE if online else CourseSession.Mode.IN_PERSON,
            place="" if online else COURSE_PLACE,
            online_url=COURSE_ONLINE_URL if online else "",
            language="ko",
            capacity=course.default_capacity,
        )
    _say(stdout, f"{len(days)} sessions of the course {course.title_en!r}")
    return len(days)


def _say(stdout, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")


def _seed_staff(stdout) -> None:
    User = get_user_model()
    for username, memberships in CORE_MEMBERSHIPS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            _say(stdout, f"no user {username!r} (run coopcenter.core.demo first); skipped")
            continue
        for track, takes_cases in memberships:
            TeamMembership.objects.update_or_create(
                team=Team.objects.get(track=track),
                user=user,
                defaults={"is_active": takes_cases},
            )
    group = Group.objects.filter(name=COUNSELORS_GROUP).first()
    for demo in EXTRA_COUNSELORS:
        user, _created = User.objects.get_or_create(username=demo.username)
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.email = f"{demo.username}@example.org"
        user.is_staff = True
        user.is_superuser = False
        user.set_password(demo.password)
        user.save()
        if group is not None:
            user.groups.add(group)
        for track in demo.tracks:
            TeamMembership.objects.update_or_create(
                team=Team.objects.get(track=track), user=user, defaults={"is_active": True}
            )
        _say(stdout, f"  {demo.username:<18} {demo.password:<30} (counselor)")


def _seed_canned_replies() -> None:
    for (track, language), replies in CANNED_REPLIES.items():
        for title, body in replies:
            CannedReply.objects.update_or_create(
                track=track, language=language, title=title, defaults={"body": body}
            )


def _citizen(rng: random.Random, language: str, n: int) -> tuple[str, str]:
    name = rng.choice(EN_NAMES) if language == "en" else rng.choice(SURNAMES) + rng.choice(GIVEN)
    return name, f"citizen{n:02d}@{DEMO_DOMAIN}"


def _staff_for(case: Case):
    """Who answers: the assignee, else any active demo counselor of the track's team."""
    if case.assignee is not None:
        return case.assignee
    membership = (
        TeamMembership.objects.filter(team__track=case.track, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _actor(user) -> workflow.Actor:
    return workflow.Actor.staff(user) if user is not None else workflow.Actor.system()


def _seed_cases() -> int:
    from registry.models import District

    rng = random.Random(DEMO_SEED)  # noqa: S311 (made-up data, not secrets)
    districts = list(District.objects.all())
    notice = privacy_notice_current()
    cases: list[Case] = []
    for n, plan in enumerate(PLANS):
        # What the citizen asked fits (roughly) where the case ends up.
        fitting = [i for i in INQUIRIES if plan.track == T.TRIAGE or i[2] in (plan.track, "unsure")]
        topic, stage, wanted, language, message = fitting[n % len(fitting)]
        name, email = _citizen(rng, language, n)
        if plan.status == S.SPAM:
            message, language = SPAM_MESSAGES[n % 2], "ko"
            name = "광고"
        if plan.status == S.MERGED:
            survivor = cases[plan.extra["into"]]
            name, email, language = survivor.name, survivor.email, survivor.language
            message = (
                "같은 내용을 한 번 더 보냅니다. 답변이 없어서요."
                if language == "ko"
                else ("Sending this again as I have not heard back.")
            )
        case, _token = case_submit(
            name=name,
            email=email,
            phone=f"010-0000-{1000 + n:04d}" if n % 3 == 0 else "",
            district=rng.choice(districts) if districts and n % 4 else None,
            stage=stage,
            service_wanted=wanted,
            topic=topic,
            message=message,
            language=language,
            notice=notice,
        )
        case = _play(case, plan, rng, cases)
        cases.append(case)
    # Move each case's story back in time, as if it had happened over the last weeks.
    for case, plan in zip(cases, PLANS, strict=True):
        _backdate(case, timedelta(days=plan.days_ago, hours=rng.randint(0, 6)))
    return len(cases)


def _play(case: Case, plan: Plan, rng: random.Random, earlier: list[Case]) -> Case:
    language = case.language
    if plan.status == S.SPAM:
        workflow.case_transition(case_id=case.pk, status=S.SPAM, actor=_actor(_staff_for(case)))
        return Case.objects.get(pk=case.pk)
    if plan.status == S.MERGED:
        survivor = earlier[plan.extra["into"]]
        workflow.case_merge(
            case_id=case.pk,
            into_reference=survivor.reference,
            actor=_actor(_staff_for(survivor)),
        )
        return Case.objects.get(pk=case.pk)
    if plan.priority:
        workflow.case_set_priority(
            case_id=case.pk, priority=plan.priority, actor=_actor(_staff_for(case))
        )
    if plan.status == S.NEW:
        return Case.objects.get(pk=case.pk)

    triage_staff = _staff_for(case)
    case = workflow.case_route(case_id=case.pk, track=plan.track, actor=_actor(triage_staff))
    if plan.referral:
        reason = REFERRAL_REASONS[plan.referral]
        case = workflow.case_route(
            case_id=case.pk,
            track=plan.referral,
            actor=_actor(_staff_for(case)),
            reason=reason,
        )
    staff = _staff_for(case)
    if plan.note and staff is not None:
        workflow.case_note(case_id=case.pk, actor=_actor(staff), body=rng.choice(NOTES))
    if plan.status == S.TRIAGED:
        return Case.objects.get(pk=case.pk)

    reply = REPLIES[language][rng.randrange(len(REPLIES[language]))]
    workflow.case_reply(
        case_id=case.pk,
        actor=_actor(staff),
        body=reply,
        wait_on_citizen=plan.status == S.WAITING_ON_CITIZEN,
    )
    if plan.citizen_replies:
        workflow.case_reply(case_id=case.pk, actor=_actor(staff), body=reply, wait_on_citizen=True)
        workflow.case_citizen_reply(case_id=case.pk, body=rng.choice(CITIZEN_FOLLOW_UPS[language]))
    if plan.status in (S.RESOLVED, S.CLOSED):
        workflow.case_transition(case_id=case.pk, status=S.RESOLVED, actor=_actor(staff))
    if plan.status == S.CLOSED:
        if plan.closed_by_citizen:
            workflow.case_citizen_close(case_id=case.pk)
        else:
            workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=_actor(staff))
    return Case.objects.get(pk=case.pk)


def _backdate(case: Case, delta: timedelta) -> None:
    """Shift every timestamp of the case by `delta` and recompute its first-response target
    as intake and routing would have on that date. (Queryset updates: events refuse to be
    saved twice, and this is a demo's rewriting of history, not a change.)"""
    Case.objects.filter(pk=case.pk).update(
        created_at=F("created_at") - delta,
        consented_at=F("consented_at") - delta,
        first_responded_at=F("first_responded_at") - delta,
        closed_at=F("closed_at") - delta,
    )
    Message.objects.filter(case=case).update(created_at=F("created_at") - delta)
    Event.objects.filter(case=case).update(created_at=F("created_at") - delta)
    AccessToken.objects.filter(case=case).update(created_at=F("created_at") - delta)
    case.refresh_from_db()
    # The target counts from the day received, with the track it had when first answered
    # (routing recomputes it only until then).
    track = case.track
    if case.first_responded_at is not None:
        before = Event.objects.filter(
            case=case, field=Event.Field.TRACK, created_at__lte=case.first_responded_at
        ).last()
        track = before.new_value if before else Track.TRIAGE
    Case.objects.filter(pk=case.pk).update(
        first_response_due=first_response_due(track=track, received=case.created_at)
    )


# --- consulting -----------------------------------------------------------------------

# One founding engagement of an in-progress consulting case: two meetings (the second with
# an outside accountant, a made-up name) and the first two of its five steps ticked off.
DEMO_MEETINGS = [
    {
        "after_days": 2,
        "place": "센터 2층 상담실",
        "expert_name": "",
        "expert_field": "",
        "summary": "설립 취지와 사업 계획을 함께 정리함. 발기인 다섯 명 확보, 정관 초안 준비 중.",
        "next_step": "정관 초안을 보내 주시면 검토 의견을 드림.",
    },
    {
        "after_days": 6,
        "place": "온라인 회의",
        "expert_name": "정하늘 (가상 회계사)",
        "expert_field": "accounting",
        "summary": "출자금 구성과 첫해 예산, 회계 처리 방식을 회계 전문가와 함께 검토함.",
        "next_step": "창립총회 자료(정관, 사업계획서, 예산안) 준비",
    },
]
DEMO_TICKED_STEPS = 2


def _demo_cases():
    return Case.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")


def _seed_consulting(stdout) -> None:
    """The demo engagement and the demo case that helped found a registry co-op, each made
    through consult.consulting, then moved back in time with its case; idempotent."""
    from registry.models import Cooperative

    from . import consulting
    from .models import ChecklistItem, Engagement, Meeting

    cases = _demo_cases()
    if not Engagement.objects.filter(case__in=cases).exists():
        case = (
            cases.filter(track=T.CONSULTING, status=S.IN_PROGRESS)
            .order_by("created_at", "pk")
            .first()
        )
        staff = _staff_for(case) if case is not None else None
        if staff is not None:
            actor = workflow.Actor.staff(staff)
            engagement = consulting.engagement_start(case_id=case.pk, kind="founding", actor=actor)
            started = case.created_at + timedelta(days=1)
            Engagement.objects.filter(pk=engagement.pk).update(started_at=started)
            # The engagement's note, as if written the day it started.
            note = Message.objects.filter(case=case, is_internal=True).order_by("-pk").first()
            Message.objects.filter(pk=note.pk).update(created_at=started)
            for meeting in DEMO_MEETINGS:
                starts_at = case.created_at + timedelta(days=meeting["after_days"])
                consulting.meeting_add(
                    engagement_id=engagement.pk,
                    starts_at=starts_at,
                    counselor=staff,
                    expert_name=meeting["expert_name"],
                    expert_field=meeting["expert_field"],
                    place=meeting["place"],
                    summary=meeting["summary"],
                    next_step=meeting["next_step"],
                    next_step_due=timezone.localdate() + timedelta(days=7),
                    actor=actor,
                )
            steps = ChecklistItem.objects.filter(engagement=engagement).order_by("position")
            for item in steps[:DEMO_TICKED_STEPS]:
                consulting.checklist_tick(item_id=item.pk, done=True, actor=actor)
            last_meeting = Meeting.objects.filter(engagement=engagement).order_by("-starts_at")
            ChecklistItem.objects.filter(engagement=engagement, done_at__isnull=False).update(
                done_at=last_meeting.first().starts_at
            )
            _say(stdout, f"demo consulting engagement on {case.reference}")
    if not cases.filter(cooperative__isnull=False).exists():
        case = cases.filter(track=T.CONSULTING, status=S.CLOSED).order_by("pk").first()
        cooperative = Cooperative.objects.order_by("-registration_date", "pk").first()
        staff = _staff_for(case) if case is not None else None
        if cooperative is None or staff is None:
            _say(stdout, "no registry co-op to link a demo case to (seed the registry first)")
            return
        consulting.case_link_cooperative(
            case_id=case.pk, cooperative_id=cooperative.pk, actor=workflow.Actor.staff(staff)
        )
        _say(stdout, f"demo case {case.reference} helped found {cooperative.name}")
