"""A database that is down or hung is a 503 page with Retry-After in the visitor's language,
never a 500 (coopcenter.core.db.DatabaseUnavailableMiddleware and handler500)."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from coopcenter.core.db import RETRY_AFTER_SECONDS
from coopcenter.core.views import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "language", "heading"),
    [
        ("", "ko", "지금은 이 페이지를 잠시 이용할 수 없습니다"),
        ("/en", "en", "This page is briefly unavailable"),
    ],
)
@pytest.mark.parametrize(
    "error", [OperationalError("connection timeout expired"), InterfaceError("closed")]
)
def test_a_page_whose_database_is_down_answers_503_in_its_language(
    client, prefix, language, heading, error
):
    with mock.patch("coopcenter.core.views.home_content", side_effect=error):
        response = client.get(prefix + "/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert heading in body
    assert f'<html lang="{language}">' in body


def test_other_errors_stay_errors(client):
    client.raise_request_exception = False
    with mock.patch("coopcenter.core.views.home_content", side_effect=ValueError("a bug")):
        response = client.get("/")
    assert response.status_code == 500


def test_a_database_error_outside_the_views_is_a_503_too():
    """handler500 answers the same when the error came from a middleware."""
    request = RequestFactory().get("/")
    with translation.override("ko"):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "잠시 이용할 수 없습니다" in response.content.decode()


def test_a_bug_outside_the_views_is_still_a_500():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
