"""The pages the benchmark loads, in the order they are measured.

A feature adds its pages to PAGES. An entry names the page, says where it is and what it
must answer:

    Page("registry search", "/registry/?q=%EC%84%9C%EC%9A%B8")

A path goes on the request line as it is, so anything but ASCII is percent-encoded
(`"/registry/?" + urlencode({"q": "서울"})` makes the path above).

A path that depends on seeded data is a callable, called once after the scales are seeded
(this module is imported after django.setup(), so models may be imported at the top):

    Page("co-op detail", lambda: Coop.objects.order_by("pk").first().get_absolute_url())

A POST page gives a body factory, called with a sequence number that is unique within the
run (one call per request, so a form that needs unique values can have them), and, when the
view checks CSRF, the page whose form provides the token. Each client connection fetches
that form once, keeps the cookies it is given and sends the token, Origin and Referer the
way a browser does; the expected status is usually the redirect after success:

    Page("consultation request", "/consult/new/", method="POST",
         body=lambda seq: {"name": f"Kim {seq}", ...}, csrf_form="/consult/new/",
         expected_status=302)

The baseline is always measured, whatever --pages selects: every ratio is relative to it.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from bench.anonymise import consult_anonymise
from bench.followups import consult_followups
from bench.scales import BENCH_COUNSELOR, BENCH_MANAGER, CASE_YEAR, REGISTRY_SOURCE, bench_staff
from registry.models import Cooperative

PathSpec = str | Callable[[], str]
BodyFactory = Callable[[int], Mapping[str, str]]


@dataclass(frozen=True)
class Page:
    name: str
    path: PathSpec
    method: str = "GET"
    body: BodyFactory | None = None
    csrf_form: PathSpec | None = None
    expected_status: int = 200
    # A staff page: each client connection logs in as this bench user first (see
    # bench.scales.BENCH_STAFF_PASSWORD), and the queries are counted logged in too.
    login: str | None = None
    # A latency goal instead of the throughput ratio: the median must stay under it.
    max_median_ms: float | None = None

    def __post_init__(self) -> None:
        if self.method not in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}:
            raise ValueError(f"page {self.name!r}: unknown method {self.method!r}")
        if self.method in {"GET", "HEAD"} and (self.body or self.csrf_form):
            raise ValueError(f"page {self.name!r}: a {self.method} page sends no body")

    def resolve_path(self) -> str:
        return _resolve(self.path)

    def resolve_csrf_form(self) -> str | None:
        return None if self.csrf_form is None else _resolve(self.csrf_form)


def _resolve(spec: PathSpec) -> str:
    path = spec() if callable(spec) else spec
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"a page path must start with '/', got {path!r}")
    return path


BASELINE = Page("baseline", "/_bench/baseline/")


def registry_detail() -> str:
    """A co-op of the registry scale with certifications and history: the fullest page."""
    full = Cooperative.objects.filter(certifications__isnull=False, changes__isnull=False)
    candidates = (full.filter(source=REGISTRY_SOURCE), full, Cooperative.objects.all())
    for queryset in candidates:
        pk = queryset.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            return reverse("registry:detail", args=[pk])
    raise LookupError("the registry holds no co-op: seed the registry scale first")


def consult_body(seq: int) -> dict[str, str]:
    """A complete inquiry, different each time."""
    from consult.services import privacy_notice_current

    return {
        "name": f"김시민{seq}",
        "email": f"citizen{seq}@bench.example.org",
        "phone": "010-1234-5678",
        "district": "11680",
        "stage": "founding",
        "service_wanted": "unsure",
        "topic": "founding",
        "message": "협동조합을 세우려고 합니다. 설립 동의자 모집과 창립총회 절차가 궁금합니다.",
        "notice_version": privacy_notice_current().version,
        "consent": "on",
    }


def consult_tracking() -> str:
    """A fresh case with a short conversation; its private link is the page."""
    from django.contrib.auth import get_user_model

    from consult import workflow
    from consult.services import case_submit, privacy_notice_current

    case, token = case_submit(
        name="김시민",
        email="tracking@bench.example.org",
        stage="founding",
        service_wanted="advice",
        topic="founding",
        message="설립 절차가 궁금합니다.",
        language="ko",
        notice=privacy_notice_current(),
    )
    bench_staff()
    actor = workflow.Actor.staff(get_user_model().objects.get(username=BENCH_COUNSELOR))
    workflow.case_route(case_id=case.pk, track="advice", actor=actor)
    workflow.case_reply(case_id=case.pk, actor=actor, body="설립 교육은 한 달에 두 번 열립니다.")
    workflow.case_citizen_reply(case_id=case.pk, body="감사합니다. 다음 교육 일정을 알려 주세요.")
    return reverse("consult:track", kwargs={"reference": case.reference, "token": token})


def education_session() -> str:
    """The first session of the bench course: full, with a waiting list."""
    from bench.scales import EDUCATION_SLUG
    from consult.models import CourseSession

    session = (
        CourseSession.objects.listed()
        .filter(course__slug=EDUCATION_SLUG)
        .order_by("starts_at", "pk")
        .first()
    )
    if session is None:
        raise LookupError("no course session: seed the education scale first")
    return session.get_absolute_url()


def articles_detail() -> str:
    """A Korean article of the articles scale with the fullest page: lead image, series box,
    translation, tags and related articles chosen by the editor."""
    from articles.models import Article
    from bench.scales import ARTICLE_SLUG_PREFIX

    bench = Article.objects.published().filter(
        slug__startswith=ARTICLE_SLUG_PREFIX, language="ko", lead_image__isnull=False
    )
    candidates = (
        bench.filter(series__isnull=False, translation__isnull=False, related_links__isnull=False),
        bench.filter(series__isnull=False, related_links__isnull=False),
        bench,
        Article.objects.published(),
    )
    for queryset in candidates:
        article = queryset.order_by("-published_at", "-pk").first()
        if article is not None:
            return article.get_absolute_url()
    raise LookupError("no published article: seed the articles scale first")


def desk(query: str = "") -> Callable[[], str]:
    def path() -> str:
        bench_staff()  # the harness logs in with the bench password: set it every run
        return reverse("admin:consult_case_changelist") + query

    return path


# The staff desk is held to a latency goal, not to the ratio: a median under 300 ms with
# 100,000 cases, as counselors see it.
DESK_MEDIAN_MS = 300.0

PAGES: list[Page] = [
    BASELINE,
    Page("home", "/"),
    Page("home (en)", "/en/"),
    Page("about", "/about/"),
    Page("services", "/services/"),
    Page("healthz", "/healthz"),
    Page(
        "bench form POST",
        "/_bench/form/",
        method="POST",
        body=lambda seq: {"note": f"note {seq}"},
        csrf_form="/_bench/form/",
        expected_status=302,
    ),
    # The registry, on the "100,000 co-ops" scale. The CSV and JSON exports stream the whole
    # registry and are not held to the ratio, so they are not measured here.
    Page("registry list", "/registry/"),
    Page("registry list (en)", "/en/registry/"),
    Page(
        "registry filtered",
        "/registry/?district=11680&legal_type=general&members=under-10&sort=newest",
    ),
    Page("registry search", "/registry/?" + urlencode({"q": "두레"})),
    Page("registry page 50", "/registry/?page=50"),
    Page("registry detail", registry_detail),
    Page("registry stats", "/registry/stats/"),
    Page("registry stats (filtered)", "/registry/stats/?district=11650&basis=operating"),
    Page("registry stats.json", "/registry/stats.json"),
    # The case desk, on the "100,000 cases" scale.
    Page("consult form", "/consult/new/"),
    Page(
        "consult form POST",
        "/consult/new/",
        method="POST",
        body=consult_body,
        csrf_form="/consult/new/",
        expected_status=303,
    ),
    Page("consult tracking", consult_tracking),
    # Education, on the "40 course sessions" scale: cached pages, like the registry's.
    Page("education calendar", "/education/"),
    Page("education calendar (en)", "/en/education/"),
    Page("education session", education_session),
    # The articles, on the "10,000 articles" scale.
    Page("articles list", "/articles/"),
    Page("articles list (en)", "/en/articles/"),
    Page("articles detail", articles_detail),
    Page("articles search", "/articles/search/?" + urlencode({"q": "협동"})),
    Page("articles feed (RSS)", "/articles/feed/"),
    Page("desk my open cases", desk(), login=BENCH_COUNSELOR, max_median_ms=DESK_MEDIAN_MS),
    Page("desk all cases", desk("?view=all"), login=BENCH_MANAGER, max_median_ms=DESK_MEDIAN_MS),
    Page(
        "desk search",
        desk("?view=all&q=COOP-2025-0999"),
        login=BENCH_MANAGER,
        max_median_ms=DESK_MEDIAN_MS,
    ),
]


def consult_intake() -> str | None:
    """Open the inquiries the POST page left waiting, as the worker would, and time it."""
    import time

    from consult.models import Submission
    from consult.services import intake_run

    waiting = Submission.objects.count()
    if not waiting:
        return None
    started = time.perf_counter()
    opened = intake_run()
    elapsed = time.perf_counter() - started
    forget_posted_inquiries()
    return (
        f"Intake (the worker's part of the POST, in-process): {opened} of {waiting} waiting "
        f"inquiries opened as cases in {elapsed:.1f} s, {1000 * elapsed / max(opened, 1):.1f} ms "
        f"each"
    )


def forget_posted_inquiries() -> None:
    """The cases the POST page made are not part of the "100,000 cases" scale: they are
    deleted once timed, so that every run measures the desk at the same size. Events are
    protected from deletion in the portal (the audit trail), so in the bench's own database
    its test inquiries are deleted table by table."""
    from django.db import connection, transaction

    from consult.models import AccessToken, Attachment, Case, Event, Message
    from coopcenter.outbox.models import OutgoingMail

    posted = list(
        Case.objects.filter(email__endswith="@bench.example.org")
        .exclude(reference__startswith=f"COOP-{CASE_YEAR}-")
        .values_list("pk", flat=True)
    )
    tables = [(m._meta.db_table, "case_id") for m in (Attachment, Event, Message, AccessToken)]
    tables.append((Case._meta.db_table, "id"))
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(posted), 500):
            chunk = posted[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            for table, column in tables:
                cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
        OutgoingMail.objects.filter(recipient__endswith="@bench.example.org").delete()


# Called after the load, in order; each may return a line for the report.
FOLLOW_UPS: list[Callable[[], str | None]] = [consult_intake, consult_followups, consult_anonymise]


def select(filters: Iterable[str], pages: Sequence[Page] = PAGES) -> list[Page]:
    """The baseline, then every page whose name contains one of the filters (all if none)."""
    wanted = [f.strip().casefold() for f in filters if f.strip()]
    chosen = [
        page
        for page in pages
        if page is not BASELINE and (not wanted or any(w in page.name.casefold() for w in wanted))
    ]
    return [BASELINE, *chosen]
