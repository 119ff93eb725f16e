"""Hostile input to every public page and form: overlong text, NUL bytes, invalid UTF-8 and
broken percent-escapes, repeated and array parameters, huge and negative numbers. Whatever
comes, the answer is never a 5xx (a form re-shown, a 400 or a 404 are all fine).

Bounded (25 examples per endpoint, no deadline) so that it runs in well under a minute on
SQLite; hypothesis prints the smallest failing request when one answers 5xx."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.filters import CooperativeFilterForm
from tests.articles.factories import ArticleFactory
from tests.consult.factories import education_case, submit_case
from tests.consult.test_views_intake import valid_data
from tests.consult.test_views_survey import survey_link  # noqa: F401  (a fixture)
from tests.registry.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that have broken parsers before: numbers too large for any column, negative and
# fractional pages, non-ASCII digits, NUL, a line separator, very long text.
SPECIAL = [
    "",
    "0",
    "-1",
    "-99999999999999999999",
    "9" * 40,
    "2147483648",
    "1e309",
    "nan",
    "inf",
    "1.5",
    "0x10",
    "\uff11\uff12\uff13",  # full-width digits
    "\u0663",  # an Arabic-Indic digit
    "\x00",
    "a\x00b",
    "\u2028",
    "x" * 5000,
    "[]",
    "<script>",
    "' OR 1=1 --",
]
# Escapes that do not decode to UTF-8, or are not escapes at all.
RAW_ESCAPES = ["%", "%Z", "%ZZ", "%ff", "%c3%28", "%ed%a0%80", "%00", "%fe%ff", "%e2%80%a8", "%%"]

hostile = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
encoded_value = st.one_of(
    hostile.map(lambda value: quote(value, safe="")),
    st.sampled_from(RAW_ESCAPES),
    st.tuples(hostile.map(lambda v: quote(v, safe="")), st.sampled_from(RAW_ESCAPES)).map("".join),
)


def raw_query(names: list[str]):
    """A raw query string (or urlencoded body) of these parameters, some repeated, some as
    arrays (`a[]=`), some unknown."""
    name = st.sampled_from([*names, *(f"{n}[]" for n in names), "a", "%ff", ""])
    pairs = st.lists(st.tuples(name, encoded_value), max_size=6)
    return pairs.map(lambda ps: "&".join(f"{k}={v}" for k, v in [*ps, *ps[:1]]))


def assert_no_5xx(response, what: str):
    assert response.status_code < 500, f"{response.status_code} for {what}"


@pytest.fixture
def content(settings):
    """A little of everything the public pages list, and limits that fuzzing does not
    exhaust (the 429 answer has tests of its own)."""
    settings.CONSULT_SUBMIT_RATE = settings.CONSULT_FIND_RATE = "100000/h"
    settings.CONSULT_REPLY_RATE = "100000/h"
    CooperativeFactory.create_batch(3)
    ArticleFactory.create_batch(2)


GET_PAGES = {
    "/": ["page"],
    "/registry/": [*CooperativeFilterForm.base_fields, "page"],
    "/registry/export.csv": ["q", "district", "status", "year_from", "sort"],
    "/registry/export.json": ["q", "district", "status", "year_to", "page"],
    "/registry/stats/": ["basis", "district", "year_from", "year_to", "status"],
    "/registry/stats.json": ["basis", "district", "year_from"],
    "/articles/": ["page"],
    "/articles/search/": ["q", "page"],
    "/articles/feed/": ["page"],
    "/articles/2026/": ["page"],
    "/articles/2026/01/": ["page"],
    "/education/": ["month", "year", "page", "course"],
    "/consult/find/": ["reference", "email"],
    "/en/registry/": ["q", "page", "sort"],
}


@pytest.mark.parametrize("path", list(GET_PAGES))
def test_query_strings_never_answer_5xx(client, content, path):
    @BOUNDED
    @given(query=raw_query(GET_PAGES[path]))
    def check(query):
        assert_no_5xx(client.get(path, QUERY_STRING=query), f"GET {path}?{query}")

    check()


PATHS = [
    "/registry/%ff/",
    "/registry/99999999999999999999/",
    "/articles/category/%ff%fe/",
    "/articles/tags/%00/",
    "/articles/0000/13/x/",
    "/articles/9999/99/",
    "/education/sessions/99999999999999999999/",
    "/consult/track/%ff/%00/",
    "/consult/survey/%ed%a0%80/",
]


@pytest.mark.parametrize("path", PATHS)
def test_hostile_paths_never_answer_5xx(client, content, path):
    assert_no_5xx(client.get(path), f"GET {path}")


def post_raw(client, path: str, body: str):
    return client.post(path, body, content_type="application/x-www-form-urlencoded")


def form_body(base: dict, hostile_fields: str) -> str:
    """The valid form with the hostile parameters appended (they repeat or replace its
    fields, or add unknown ones)."""
    valid = "&".join(f"{quote(k)}={quote(str(v))}" for k, v in base.items())
    return f"{valid}&{hostile_fields}" if hostile_fields else valid


INQUIRY_FIELDS = [
    "name",
    "email",
    "phone",
    "district",
    "stage",
    "service_wanted",
    "topic",
    "message",
    "consent",
    "notice_version",
    "website",
]


def test_the_inquiry_form_never_answers_5xx(client, content):
    @BOUNDED
    @given(hostile_fields=raw_query(INQUIRY_FIELDS), keep=st.booleans())
    def check(hostile_fields, keep):
        body = form_body(valid_data() if keep else {}, hostile_fields)
        assert_no_5xx(post_raw(client, "/consult/new/", body), f"POST inquiry {body[:300]}")

    check()


def test_find_my_case_never_answers_5xx(client, content):
    @BOUNDED
    @given(hostile_fields=raw_query(["reference", "email"]))
    def check(hostile_fields):
        body = form_body({"email": "a@example.org"}, hostile_fields)
        assert_no_5xx(post_raw(client, "/consult/find/", body), f"POST find {body[:300]}")

    check()


def test_the_reply_and_enrolment_forms_never_answer_5xx(client, content, private_media):
    case, token = education_case()
    track = f"/consult/track/{case.reference}/{token}/"

    @BOUNDED
    @given(hostile_fields=raw_query(["body", "attachments", "session"]))
    def check(hostile_fields):
        for path, base in (
            (track, {"body": "감사합니다"}),
            (track + "education/enrol/", {"session": "1"}),
            (track + "education/1/cancel/", {}),
            (track + "education/1/accept/", {}),
        ):
            body = form_body(base, hostile_fields)
            assert_no_5xx(post_raw(client, path, body), f"POST {path} {body[:300]}")

    check()


def test_the_survey_never_answers_5xx(client, content, survey_link):  # noqa: F811
    _survey, token = survey_link()
    path = f"/consult/survey/{token}/"

    @BOUNDED
    @given(hostile_fields=raw_query(["rating", "comment"]))
    def check(hostile_fields):
        assert_no_5xx(post_raw(client, path, hostile_fields), f"POST survey {hostile_fields}")

    check()


def test_a_submitted_case_page_takes_hostile_queries(client, content):
    case, token = submit_case()
    path = f"/consult/track/{case.reference}/{token}/"

    @BOUNDED
    @given(query=raw_query(["page", "lang"]))
    def check(query):
        assert_no_5xx(client.get(path, QUERY_STRING=query), f"GET track?{query}")

    check()
