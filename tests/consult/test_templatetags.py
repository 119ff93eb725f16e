"""The blank forms rendered once per process: every visitor still gets their own CSRF token,
their own form action and their own language."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consult.models import Case

from .factories import post_committed, submit_case
from .test_views_intake import NEW, valid_data

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def test_each_visitor_gets_a_working_token_of_their_own():
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = [TOKEN.search(c.get(NEW).content.decode()).group(1) for c in (first, second)]
    assert tokens[0] != tokens[1]
    # Each token belongs to its own visitor's cookie: the form goes through for both.
    for client, token in zip((first, second), tokens, strict=True):
        response = post_committed(client, NEW, {**valid_data(), "csrfmiddlewaretoken": token})
        assert response.status_code == 303
    assert Case.objects.count() == 2


def test_a_tracking_form_posts_to_its_own_case_only():
    pages = []
    for email in ("a@example.org", "b@example.org"):
        case, token = submit_case(email=email)
        path = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
        pages.append((path, token, Client().get(path).content.decode()))
    (path_a, token_a, html_a), (path_b, token_b, html_b) = pages
    assert ACTION.search(html_a).group(1) == path_a
    assert ACTION.search(html_b).group(1) == path_b
    assert token_a not in html_b and token_b not in html_a


def test_the_blank_form_follows_the_page_language(client):
    korean = client.get(NEW).content.decode()
    with translation.override("en"):
        english_path = reverse("consult:new")
    english = client.get(english_path).content.decode()
    assert "Send my inquiry" in english and "Send my inquiry" not in korean
