"""Data scales: the amounts of data the pages are measured against.

A feature whose pages grow with their data registers a seeding function here, with a
name that says the scale and a check that says whether the data is already there:

    @register("100,000 co-ops", is_seeded=lambda: Coop.objects.count() >= 100_000)
    def coops_100k() -> None:
        Coop.objects.bulk_create(make_coops(100_000), batch_size=5_000)

Before serving, the harness runs every registered scale in order, against the bench
database only. A scale whose check is true is skipped, so seeding happens once per database
and later runs start at once. A seeding function runs inside one transaction: if it fails
halfway, nothing is left behind for the check to mistake for a finished scale.

This module is imported after django.setup(), so models may be imported at the top. The
scales' names are recorded with every result, so results at different scales are never
compared by mistake.
"""

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.db import transaction
from django.utils import timezone

from registry.cache import registry_touch_on_commit
from registry.demo import address, business, generate_certifications, generate_cooperatives
from registry.models import Certification, Cooperative, CooperativeChange, District, ImportBatch
from registry.services import history_value

Seeder = Callable[[], None]


@dataclass(frozen=True)
class Scale:
    name: str
    seed: Seeder
    is_seeded: Callable[[], bool]


@dataclass(frozen=True)
class Outcome:
    name: str
    seeded: bool
    seconds: float


SCALES: list[Scale] = []


def register(
    name: str, *, is_seeded: Callable[[], bool], into: list[Scale] | None = None
) -> Callable[[Seeder], Seeder]:
    registry = SCALES if into is None else into
    if any(scale.name == name for scale in registry):
        raise ValueError(f"a scale named {name!r} is already registered")

    def decorator(seed: Seeder) -> Seeder:
        registry.append(Scale(name=name, seed=seed, is_seeded=is_seeded))
        return seed

    return decorator


def ensure(scales: Iterable[Scale], log: Callable[[str], None] = print) -> list[Outcome]:
    """Seed every scale whose data is not there yet."""
    outcomes = []
    for scale in scales:
        if scale.is_seeded():
            log(f"scale {scale.name}: already seeded")
            outcomes.append(Outcome(scale.name, seeded=False, seconds=0.0))
            continue
        log(f"scale {scale.name}: seeding")
        started = time.perf_counter()
        with transaction.atomic():
            scale.seed()
        seconds = time.perf_counter() - started
        log(f"scale {scale.name}: seeded in {seconds:.1f} s")
        outcomes.append(Outcome(scale.name, seeded=True, seconds=seconds))
    return outcomes


# --- Registered scales -----------------------------------------------------------------


# The registry: 100,000 generated co-ops with the proportions of Seoul's 2013 figures
# (registry.demo), a few hundred certifications and some history, so that the list, the
# statistics and the detail page work on a realistic amount of data.
REGISTRY_SOURCE = "벤치마크 합성 데이터 (협동조합 100,000곳)"
REGISTRY_COOPS = 100_000
REGISTRY_SEED = 100_000
BATCH = 5_000

# The imports the history rows come from: the city's monthly files of late 2013.
REGISTRY_IMPORTS = (
    ("서울시_협동조합_현황_2013-06.csv", datetime(2013, 7, 5, 10)),
    ("서울시_협동조합_현황_2013-09.csv", datetime(2013, 10, 4, 10)),
    ("서울시_협동조합_현황_2013-11.csv", datetime(2013, 12, 3, 10)),
)


def registry_is_seeded(n: int = REGISTRY_COOPS) -> bool:
    return Cooperative.objects.filter(source=REGISTRY_SOURCE).count() >= n


@register("100,000 co-ops", is_seeded=registry_is_seeded)
def registry_100k() -> None:
    seed_registry(REGISTRY_COOPS)


def seed_registry(
    n: int, *, certifications: int | None = None, histories: int | None = None
) -> None:
    """n generated co-ops in batches, then certifications of about 0.3 % of them and history
    rows for every certified co-op and about 2 % of the others (300 and 2,000 at 100,000).

    Replaces co-ops of the bench source left by an earlier size. Call it in a transaction
    (ensure() does).
    """
    rng = random.Random(REGISTRY_SEED)
    certifications = max(1, n * 3 // 1000) if certifications is None else certifications
    histories = max(1, n // 50) if histories is None else histories
    Cooperative.objects.filter(source=REGISTRY_SOURCE).delete()

    # Certifications go to co-ops drawn from a sample kept while the batches are written.
    sample = set(rng.sample(range(n), min(n, 5 * certifications + histories)))
    kept: list[Cooperative] = []
    coops = generate_cooperatives(
        n, rng=rng, districts=District.objects.all(), source=REGISTRY_SOURCE
    )
    position = 0
    while batch := list(islice(coops, BATCH)):
        Cooperative.objects.bulk_create(batch, batch_size=BATCH)
        kept += [coop for j, coop in enumerate(batch, start=position) if j in sample]
        position += len(batch)

    certified = generate_certifications(kept, rng=rng, count=certifications)
    Certification.objects.bulk_create(certified, batch_size=BATCH)
    certified_ids = {cert.cooperative_id for cert in certified}
    others = [coop for coop in kept if coop.pk not in certified_ids]
    with_history = [cert.cooperative for cert in certified]
    with_history += rng.sample(others, min(len(others), histories))
    imports = [
        ImportBatch.objects.create(
            source=REGISTRY_SOURCE,
            filename=filename,
            started_at=timezone.make_aware(at),
            finished_at=timezone.make_aware(at + timedelta(minutes=2)),
        )
        for filename, at in REGISTRY_IMPORTS
    ]
    changes = list(registry_changes(with_history, rng=rng, imports=imports))
    CooperativeChange.objects.bulk_create(changes, batch_size=BATCH)
    for batch in imports:
        batch.updated = len({c.cooperative_id for c in changes if c.batch_id == batch.pk})
        batch.save(update_fields=["updated"])
    registry_touch_on_commit()  # bulk writes send no signals


def registry_changes(
    coops: Iterable[Cooperative], *, rng: random.Random, imports: list[ImportBatch]
) -> Iterable[CooperativeChange]:
    """Unsaved history rows: each co-op changed one to three times by the imports after its
    registration, one or two fields each time; the newest values are the co-op's own."""
    for coop in coops:
        later = [b for b in imports if b.started_at.date() > coop.registration_date]
        if not later:
            continue
        events = sorted(rng.sample(later, rng.randint(1, len(later))), key=lambda b: b.started_at)
        fields = ("members", "capital_krw", "address", "main_business")
        current = {name: getattr(coop, name) for name in fields}
        # Walk back from the newest change, making up the value each field had before.
        for batch in reversed(events):
            for name in rng.sample(fields, rng.randint(1, 2)):
                new = current[name]
                if name == "members":
                    old = max(5, new - rng.randint(1, 4))
                elif name == "capital_krw":
                    old = max(0, new - 100_000 * rng.randint(1, 20))
                elif name == "address":
                    old = address(coop.district, rng)
                else:
                    old = business(coop.industry, rng)[1]
                if old == new:
                    continue
                current[name] = old
                yield CooperativeChange(
                    cooperative=coop,
                    changed_at=batch.started_at,
                    batch=batch,
                    field=name,
                    old_value=history_value(old),
                    new_value=history_value(new),
                )


# The case desk: 100,000 cases over two years, most of them long closed, a few thousand
# open, spread over the four tracks and a dozen counselors. The bench counselor works in
# triage and advice, as the demo counselor does; the bench manager sees everything.
CASES = 100_000
CASES_SEED = 4_000
CASE_YEAR = 2025  # references COOP-2025-000001 on; the live counter of that year is moved on
BENCH_STAFF_PASSWORD = "bench-desk-2026"  # noqa: S105  (a throwaway account of the bench database)
BENCH_COUNSELOR = "bench-counselor"
BENCH_MANAGER = "bench-manager"


# A waiting case was put to the citizen this long after it arrived.
WAITING_AFTER = timedelta(days=1)


def backfill_waiting_since() -> int:
    """Give the waiting cases of a scale seeded before the seed set `waiting_since` the value
    the seed now gives them (idempotent)."""
    from django.db.models import F

    from consult.models import Case, Status

    return Case.objects.filter(
        reference__startswith=f"COOP-{CASE_YEAR}-",
        status=Status.WAITING_ON_CITIZEN,
        waiting_since__isnull=True,
    ).update(waiting_since=F("created_at") + WAITING_AFTER)


def cases_is_seeded(n: int = CASES) -> bool:
    from consult.models import Case

    return Case.objects.filter(reference__startswith=f"COOP-{CASE_YEAR}-").count() >= n


def bench_staff() -> None:
    """The two accounts the staff pages log in with; their passwords are reset every run
    because the harness signs in with the constant above."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from consult.models import Team, TeamMembership
    from coopcenter.core import demo as core_demo

    core_demo.seed()  # the roles and their permissions
    User = get_user_model()
    for username, role, tracks in (
        (BENCH_COUNSELOR, core_demo.COUNSELORS, ("triage", "advice")),
        (BENCH_MANAGER, core_demo.MANAGERS, ("triage", "education", "advice", "consulting")),
    ):
        user, _created = User.objects.get_or_create(username=username)
        user.is_staff = True
        user.email = f"{username}@bench.example.org"
        user.set_password(BENCH_STAFF_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        for track in tracks:
            TeamMembership.objects.get_or_create(team=Team.objects.get(track=track), user=user)


@register("100,000 cases", is_seeded=cases_is_seeded)
def cases_100k() -> None:
    seed_cases(CASES)


def seed_cases(n: int) -> None:
    from django.contrib.auth import get_user_model

    from consult.deadlines import add_business_days
    from consult.models import (
        SERVICE_TRACKS,
        Case,
        Priority,
        ReferenceCounter,
        ServiceWanted,
        Stage,
        Status,
        Topic,
        Track,
    )
    from consult.services import privacy_notice_current

    rng = random.Random(CASES_SEED)
    bench_staff()
    User = get_user_model()
    staff = [User.objects.get(username=BENCH_COUNSELOR)]
    for i in range(10):
        user, _created = User.objects.get_or_create(
            username=f"bench-staff-{i}", defaults={"is_staff": True}
        )
        staff.append(user)
    districts = list(District.objects.all())
    notice = privacy_notice_current()
    Case.objects.filter(reference__startswith=f"COOP-{CASE_YEAR}-").delete()
    start = timezone.make_aware(datetime(CASE_YEAR, 1, 2, 9))
    span = timedelta(days=690).total_seconds()
    services = list(SERVICE_TRACKS)

    def make(i: int) -> Case:
        created = start + timedelta(seconds=span * i / n)
        recent = i > n * 0.97  # the newest 3 % are still open
        if recent:
            status = rng.choice(
                [Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING_ON_CITIZEN]
            )
        else:
            status = rng.choice([Status.CLOSED] * 8 + [Status.RESOLVED, Status.SPAM])
        track = Track.TRIAGE if status in (Status.NEW, Status.SPAM) else rng.choice(services)
        return Case(
            reference=f"COOP-{CASE_YEAR}-{i + 1:06d}",
            name=f"시민{i}",
            email=f"citizen{i}@bench.example.org",
            district=rng.choice(districts),
            stage=rng.choice(Stage.values),
            service_wanted=rng.choice(ServiceWanted.values),
            topic=rng.choice(Topic.values),
            message="협동조합 설립 절차가 궁금합니다.",
            consent_notice=notice,
            consented_at=created,
            status=status,
            track=track,
            assignee=rng.choice(staff) if status != Status.SPAM else None,
            priority=rng.choice([Priority.NORMAL] * 6 + [Priority.HIGH, Priority.LOW]),
            created_at=created,
            first_response_due=add_business_days(timezone.localdate(created), 2),
            first_responded_at=None if status == Status.NEW else created + timedelta(days=1),
            closed_at=created + timedelta(days=5) if status == Status.CLOSED else None,
            # As the workflow sets it: the follow-ups remind and resolve these cases.
            waiting_since=(
                created + WAITING_AFTER if status == Status.WAITING_ON_CITIZEN else None
            ),
        )

    cases = (make(i) for i in range(n))
    while batch := list(islice(cases, BATCH)):
        Case.objects.bulk_create(batch, batch_size=BATCH)
    counter, _created = ReferenceCounter.objects.get_or_create(year=CASE_YEAR)
    counter.last = max(counter.last, n)
    counter.save()


# Education: the founding course with 40 sessions to come (twice a month for the next year
# and a half), 30 seats each, filled in part by open education cases of the desk's scale,
# the first one full with a waiting list. The sessions are dated from the day of seeding:
# when some have passed, the check fails and the scale is seeded again.
EDUCATION_SLUG = "bench-founding-basics"
EDUCATION_SESSIONS = 40
EDUCATION_SEATS = 30


def education_is_seeded(n: int = EDUCATION_SESSIONS) -> bool:
    from consult.models import CourseSession

    return CourseSession.objects.listed().filter(course__slug=EDUCATION_SLUG).count() >= n


@register("40 course sessions", is_seeded=education_is_seeded)
def education_sessions() -> None:
    seed_education(EDUCATION_SESSIONS)


def seed_education(n: int) -> None:
    from consult.education import education_touch_on_commit
    from consult.models import OPEN_STATUSES, Case, Course, CourseSession, Enrolment, Track

    course, _created = Course.objects.update_or_create(
        slug=EDUCATION_SLUG,
        defaults={
            "title_ko": "협동조합 설립 기초",
            "title_en": "Co-op founding basics",
            "summary_ko": "협동조합의 원칙, 정관, 창립총회와 설립 신고 절차를 배웁니다.",
            "summary_en": "The co-op principles, bylaws, the founding meeting and registration.",
            "default_capacity": EDUCATION_SEATS,
        },
    )
    Enrolment.objects.filter(session__course=course).delete()
    CourseSession.objects.filter(course=course).delete()
    first = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    sessions = CourseSession.objects.bulk_create(
        CourseSession(
            course=course,
            starts_at=first + timedelta(days=3 + 14 * i),
            ends_at=first + timedelta(days=3 + 14 * i, hours=3),
            mode=CourseSession.Mode.ONLINE if i % 4 == 3 else CourseSession.Mode.IN_PERSON,
            place="" if i % 4 == 3 else "서울시협동조합상담센터 3층 교육장",
            online_url="https://meet.example.org/bench" if i % 4 == 3 else "",
            language="en" if i % 8 == 5 else "ko",
            capacity=EDUCATION_SEATS,
            is_open=i % 10 != 9,
        )
        for i in range(n)
    )
    cases = list(
        Case.objects.filter(track=Track.EDUCATION, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)[: EDUCATION_SEATS + 5]
    )
    enrolments = []
    now = timezone.now()
    for i, session in enumerate(sessions):
        # The first session full with five waiting, the next ones less and less taken.
        wanted = EDUCATION_SEATS + 5 if i == 0 else max(EDUCATION_SEATS - 3 * i, 0)
        for j, case_id in enumerate(cases[:wanted]):
            seated = j < EDUCATION_SEATS
            enrolments.append(
                Enrolment(
                    session=session,
                    case_id=case_id,
                    status=Enrolment.Status.CONFIRMED if seated else Enrolment.Status.WAITLISTED,
                    requested_at=now - timedelta(minutes=len(enrolments)),
                )
            )
        session.seats_taken = min(wanted, len(cases), EDUCATION_SEATS)
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    CourseSession.objects.bulk_update(sessions, ["seats_taken"])
    education_touch_on_commit()  # bulk writes send no signals


# The articles: 10,000 published articles (about 70 % Korean, 30 % English, three in ten
# linked as translations) over five years, in the demo's categories, with 40 tags, five
# authors, 300 two-part series, related articles for some, and a handful of lead images with
# their renditions; plus drafts and scheduled articles that no reader may see. The bodies
# are a few paragraphs of the demo's own texts in 24 combinations per language, each rendered
# and sanitised once (articles.markup) and reused, as the services would have stored them.
ARTICLES = 10_000
ARTICLES_SEED = 10_000
ARTICLES_HIDDEN = 250  # drafts, unpublished and scheduled, on top of the published ones
ARTICLE_SLUG_PREFIX = "bench-"
ARTICLE_SERIES = 300
ARTICLE_IMAGES = 6
ARTICLE_BODY_VARIANTS = 24
ARTICLE_TOPICS = {
    "ko": (
        "기본사회",
        "사회연대경제",
        "협동조합 교육",
        "돌봄 협동조합",
        "청년 협동조합",
        "마을기업",
        "사회적협동조합",
        "지역 먹거리",
        "주택협동조합",
        "경영공시",
    ),
    "en": (
        "Basic Society",
        "the social economy",
        "co-op education",
        "care co-ops",
        "young co-operators",
        "village enterprises",
        "social co-ops",
        "local food",
        "housing co-ops",
        "annual disclosure",
    ),
}
ARTICLE_TITLES = {
    "ko": (
        "{t}, 현장에서 다시 묻다",
        "숫자로 본 {t}",
        "{t} 이야기",
        "{t}: 무엇이 달라졌나",
        "다시 쓰는 {t}",
    ),
    "en": (
        "{t}: questions from the field",
        "{t} in numbers",
        "Notes on {t}",
        "{t}: what has changed",
        "Rethinking {t}",
    ),
}


def articles_is_seeded(n: int = ARTICLES) -> bool:
    from articles.models import Article

    published = Article.objects.published().filter(slug__startswith=ARTICLE_SLUG_PREFIX)
    return published.count() >= n


@register("10,000 articles", is_seeded=articles_is_seeded)
def articles_10k() -> None:
    seed_articles(ARTICLES)


def article_bodies(rng: random.Random) -> dict[str, list[tuple[str, str, int]]]:
    """Per language, ARTICLE_BODY_VARIANTS bodies (Markdown, sanitised HTML, reading time):
    a demo text's opening paragraph followed by two sections of other demo texts."""
    from articles import markup
    from articles.demo_content import PIECES

    bodies: dict[str, list[tuple[str, str, int]]] = {}
    for language in ("ko", "en"):
        texts = [piece.text(language).body for piece in PIECES]
        openings = [text.split("\n\n", 1)[0] for text in texts]
        sections = ["## " + part.strip() for text in texts for part in text.split("\n## ")[1:]]
        bodies[language] = []
        for _ in range(ARTICLE_BODY_VARIANTS):
            source = "\n\n".join([rng.choice(openings), *rng.sample(sections, 2)])
            html = markup.render_body(source, language)
            minutes = markup.reading_minutes(markup.plain_text(html), language)
            bodies[language].append((source, html, minutes))
    return bodies


def article_images(n: int) -> list:
    """n lead images drawn like the demo's, stored and given their renditions at once (the
    bench has no worker)."""
    from django.core.files.base import ContentFile

    from articles.demo import HEIGHT, WIDTH, png_bytes
    from articles.demo_content import PIECES
    from articles.images import random_name, renditions_make
    from articles.models import Image

    images = []
    for i in range(n):
        piece = PIECES[i % len(PIECES)]
        image = Image(
            alt_text=piece.ko.alt,
            caption=piece.ko.caption,
            credit="일러스트: 서울시협동조합상담센터",
            storage_name=random_name("png"),
        )
        image.file.save(image.storage_name, ContentFile(png_bytes(piece.art)), save=False)
        image.width, image.height = WIDTH, HEIGHT
        image.save()
        renditions_make(image.pk)
        images.append(image)
    return images


def seed_articles(n: int, *, hidden: int = ARTICLES_HIDDEN) -> None:
    """n published articles and `hidden` ones readers may not see, with their relations, in
    bulk (the services' per-article work, rendering the body, is done once per variant).
    Replaces bench articles left by an earlier size. Call it in a transaction."""
    from django.db.models import OuterRef, Subquery
    from django.utils.text import slugify

    from articles.cache import articles_cache
    from articles.demo import seed_vocabulary
    from articles.models import (
        Article,
        ArticleAuthor,
        Author,
        Image,
        RelatedArticle,
        Series,
        Status,
        Tag,
    )

    rng = random.Random(ARTICLES_SEED)
    old = Article.objects.filter(slug__startswith=ARTICLE_SLUG_PREFIX)
    old_images = list(old.exclude(lead_image=None).values_list("lead_image", flat=True))
    old.delete()
    Series.objects.filter(slug__startswith=ARTICLE_SLUG_PREFIX).delete()
    Image.objects.filter(pk__in=old_images).delete()

    categories, demo_tags, _authors, _series = seed_vocabulary()
    categories = list(categories.values())
    tags = list(demo_tags.values())
    for i in range(40 - len(tags)):
        name = f"{ARTICLE_TOPICS['ko'][i % 10]} {i // 10 + 1}"
        tag, _created = Tag.objects.get_or_create(
            name=f"벤치 {name}", defaults={"slug": f"{ARTICLE_SLUG_PREFIX}{name}".replace(" ", "-")}
        )
        tags.append(tag)
    authors = [
        Author.objects.get_or_create(
            slug=f"{ARTICLE_SLUG_PREFIX}writer-{i}",
            defaults={"name": name, "role": "벤치마크 필자 · Bench writer"},
        )[0]
        for i, name in enumerate(("고은별", "남궁도윤", "배하린", "신재윤", "유다인"))
    ]
    series = Series.objects.bulk_create(
        Series(
            title=f"벤치 연재 {i + 1}" if i % 10 < 7 else f"Bench series {i + 1}",
            slug=f"{ARTICLE_SLUG_PREFIX}series-{i + 1:03d}",
            description="",
            language="ko" if i % 10 < 7 else "en",
            planned_parts=2,
        )
        for i in range(ARTICLE_SERIES)
    )
    images = article_images(ARTICLE_IMAGES)
    bodies = article_bodies(rng)

    now = timezone.now()
    start = now - timedelta(days=5 * 365)
    span = (now - timedelta(hours=1) - start).total_seconds()
    series_slots = {"ko": [], "en": []}
    for item in series:
        series_slots[item.language] += [(item, 1), (item, 2)]
    free_slots = {language: iter(slots) for language, slots in series_slots.items()}
    total = n + hidden

    def make(i: int) -> Article:
        language = "en" if i % 10 >= 7 else "ko"
        source, html, minutes = rng.choice(bodies[language])
        title = rng.choice(ARTICLE_TITLES[language]).format(t=rng.choice(ARTICLE_TOPICS[language]))
        title = title[0].upper() + title[1:]
        status, published_at = Status.PUBLISHED, start + timedelta(seconds=span * i / total)
        if i >= n:  # the hidden ones: drafts, unpublished, and scheduled for the coming weeks
            status = (Status.DRAFT, Status.UNPUBLISHED, Status.SCHEDULED)[i % 3]
            if status == Status.DRAFT:
                published_at = None
            elif status == Status.SCHEDULED:
                published_at = now + timedelta(days=1 + i % 30)
        # Every sixteenth published article is a part of a series, in order.
        slot = next(free_slots[language], None) if i < n and i % 16 == 0 else None
        opening = source.split("\n\n", 1)[0]
        return Article(
            title=title,
            slug=slugify(f"{ARTICLE_SLUG_PREFIX}{i + 1:05d} {title}", allow_unicode=True),
            language=language,
            excerpt=opening[:157].rsplit(" ", 1)[0] + "…",
            body_source=source,
            body_html=html,
            editor_note="" if i % 5 else opening[:80],
            lead_image=images[i % len(images)] if i % 7 else None,
            category=categories[i % len(categories)],
            series=slot[0] if slot else None,
            series_part=slot[1] if slot else None,
            status=status,
            published_at=published_at,
            first_published_at=published_at if status == Status.PUBLISHED else None,
            reading_minutes=minutes,
            created_at=published_at or now,
        )

    made: list[Article] = []
    articles = (make(i) for i in range(total))
    while batch := list(islice(articles, BATCH)):
        made += Article.objects.bulk_create(batch, batch_size=1_000)

    published = [a for a in made if a.status == Status.PUBLISHED]
    through = Article.tags.through
    through.objects.bulk_create(
        (
            through(article_id=a.pk, tag_id=tag.pk)
            for a in made
            for tag in rng.sample(tags, rng.randint(2, 4))
        ),
        batch_size=BATCH,
    )
    ArticleAuthor.objects.bulk_create(
        (
            ArticleAuthor(article_id=a.pk, author_id=author.pk, position=p)
            for a in made
            for p, author in enumerate(rng.sample(authors, 1 + (a.pk % 4 == 0)))
        ),
        batch_size=BATCH,
    )
    # The editor chose related articles (same language, earlier ones) for one in five.
    by_language = {"ko": [], "en": []}
    links = []
    for i, a in enumerate(published):
        pool = by_language[a.language]
        if pool and i % 5 == 0:
            for p, target in enumerate(rng.sample(pool[-200:], min(3, len(pool[-200:])))):
                links.append(RelatedArticle(article_id=a.pk, target_id=target.pk, position=p))
        pool.append(a)
    RelatedArticle.objects.bulk_create(links, batch_size=BATCH)
    # Translations: the English articles of every other batch of ten point at a Korean
    # neighbour, and the Korean ones point back.
    pairs = {}
    for block in range(0, len(published) - 10, 20):
        kos = [a for a in published[block : block + 10] if a.language == "ko"]
        ens = [a for a in published[block : block + 10] if a.language == "en"]
        pairs.update({en.pk: ko.pk for ko, en in zip(kos, ens, strict=False)})
    for en_id, ko_id in pairs.items():
        Article.objects.filter(pk=en_id).update(translation_id=ko_id)
    Article.objects.filter(pk__in=list(pairs.values())).update(
        translation=Subquery(Article.objects.filter(translation=OuterRef("pk")).values("pk")[:1])
    )
    analyse(Article, through, ArticleAuthor, RelatedArticle, Series)
    articles_cache.touch_on_commit()  # bulk writes send no signals


def analyse(*models) -> None:
    """Refresh PostgreSQL's statistics of tables just filled in bulk, as autovacuum would
    soon after (it may be off on a bench server), so the plans measured are the usual ones."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
