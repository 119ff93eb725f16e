"""Request size and the rate limit come before the body: a request too large for its form is
refused with a translated 413 page from its declared length (or, sent chunked, after at most
its allowance is read), and an address over the limit gets 429, in both cases without the
body being read."""

import io

import pytest
from django.conf import settings
from django.test import Client, override_settings

from consult.uploads import request_max_bytes
from coopcenter.core.requestlimits import TEXT_MARGIN_BYTES, staff_allowance
from tests.consult.factories import post_committed, submit_case
from tests.consult.test_views_intake import valid_data

pytestmark = pytest.mark.django_db

NEW = "/consult/new/"
FIND = "/consult/find/"
HUGE = 300 * 1024 * 1024


class UnreadableInput:
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


class EndlessInput:
    """A body with no end, counting what is read of it."""

    def __init__(self):
        self.bytes_read = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.bytes_read += size
        return b"a" * size

    readline = read


def huge_post(client, path, **extra):
    environ = {"CONTENT_LENGTH": str(HUGE), "wsgi.input": UnreadableInput(), **extra}
    return client.post(path, data=b"", content_type="multipart/form-data; boundary=x", **environ)


def test_the_middleware_comes_before_anything_that_reads_the_body():
    order = settings.MIDDLEWARE
    ours = order.index("coopcenter.core.requestlimits.RequestLimitsMiddleware")
    assert ours < order.index("django.middleware.csrf.CsrfViewMiddleware")


def test_the_forms_allowance_is_five_files_and_the_text():
    assert request_max_bytes() == 5 * 10 * 1024 * 1024 + TEXT_MARGIN_BYTES
    with override_settings(CONSULT_MAX_FILES=2):
        assert request_max_bytes() == 2 * 10 * 1024 * 1024 + TEXT_MARGIN_BYTES
    assert staff_allowance() >= request_max_bytes()
    assert staff_allowance() > settings.REGISTRY_IMPORT_MAX_BYTES


def test_a_300_mb_inquiry_is_refused_unread_with_a_korean_413_page(client):
    response = huge_post(client, NEW)
    assert response.status_code == 413
    body = response.content.decode()
    assert "보낸 내용이 너무 큽니다" in body
    assert "51.0" in body  # the allowance, in megabytes
    assert response["Cache-Control"] == "private, no-store"


def test_the_413_page_speaks_the_requests_language(client):
    response = huge_post(client, "/en" + NEW)
    assert response.status_code == 413
    assert "Too much data sent" in response.content.decode()


def test_even_with_csrf_enforced_a_huge_post_elsewhere_is_refused_unread():
    # CsrfViewMiddleware reads request.POST when it checks a token: the refusal comes first.
    client = Client(enforce_csrf_checks=True)
    response = huge_post(client, FIND)
    assert response.status_code == 413
    assert huge_post(client, "/admin/login/").status_code == 413


def test_a_body_just_over_the_allowance_is_refused(client):
    with override_settings(CONSULT_MAX_FILES=1):
        too_big = str(request_max_bytes() + 1)
        response = huge_post(client, NEW, CONTENT_LENGTH=too_big)
    assert response.status_code == 413


def test_a_small_post_elsewhere_has_a_small_allowance(client):
    response = huge_post(client, FIND, CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1))
    assert response.status_code == 413


def test_a_chunked_body_is_read_no_further_than_the_allowance(client):
    endless = EndlessInput()
    response = client.generic(
        "POST",
        FIND,
        b"",
        # (the test client names no type for an empty `data`: the environ says it)
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
        **{"wsgi.input": endless},
    )
    assert response.status_code == 413
    assert settings.REQUEST_MAX_BYTES < endless.bytes_read <= settings.REQUEST_MAX_BYTES + 1


def test_a_small_chunked_body_reaches_the_form(client):
    body = b"reference=COOP-2026-000001&email=hana%40example.org"
    response = client.generic(
        "POST",
        FIND,
        b"",
        # (the test client names no type for an empty `data`: the environ says it)
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 303  # the same answer as with a declared length


@override_settings(CONSULT_SUBMIT_RATE="1/h")
def test_over_the_limit_an_inquiry_gets_429_before_its_body_is_read(client):
    assert post_committed(client, NEW, valid_data()).status_code == 303
    response = huge_post(client, "/en" + NEW, CONTENT_LENGTH="1000")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again in about" in response.content.decode()
    # Another address still has its allowance (and gets as far as reading its body).
    assert post_committed(client, NEW, valid_data(), REMOTE_ADDR="198.51.100.7").status_code == 303


@override_settings(CONSULT_REPLY_RATE="1/h")
def test_over_the_limit_a_reply_gets_429_before_its_body_is_read(client, private_media):
    case, token = submit_case()
    path = f"/consult/track/{case.reference}/{token}/"
    assert post_committed(client, path, {"body": "감사합니다."}).status_code == 303
    response = huge_post(client, path, CONTENT_LENGTH="1000")
    assert response.status_code == 429
    assert response["Referrer-Policy"] == "no-referrer"
    assert case.messages.filter(body="감사합니다.").count() == 1
