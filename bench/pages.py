"""The pages the benchmark loads, in the order they are measured.

A feature adds its pages to PAGES. An entry names the page, says where it is and what it
must answer:

    Page("registry search", "/registry/?q=서울")

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
]


def select(filters: Iterable[str], pages: Sequence[Page] = PAGES) -> list[Page]:
    """The baseline, then every page whose name contains one of the filters (all if none)."""
    wanted = [f.strip().casefold() for f in filters if f.strip()]
    chosen = [
        page
        for page in pages
        if page is not BASELINE and (not wanted or any(w in page.name.casefold() for w in wanted))
    ]
    return [BASELINE, *chosen]
