"""The satisfaction survey page: /consult/survey/<token>/. The link is the credential; GET
only shows, POST records one answer, and every answer is private."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from consult import followups, workflow
from consult.models import Case, Status, Survey
from coopcenter.outbox.models import OutgoingMail
from tests.outbox.links import mail_link

from .factories import counselor, routed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_link():
    """A resolved case's survey, as the citizen's mail links to it: (survey, token)."""

    def make(language: str = "ko") -> tuple[Survey, str]:
        staff = counselor("advice", username=f"advisor-{Case.objects.count()}")
        case, _ = routed_case("advice", language=language, email=f"s{Case.objects.count()}@x.org")
        workflow.case_transition(
            case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(staff)
        )
        followups.surveys_send()
        row = OutgoingMail.objects.get(template="followup_survey", recipient=case.email)
        token = mail_link(row, "survey_url").rstrip("/").rsplit("/", 1)[1]
        return Survey.objects.get(case=case), token

    return make


def url(token: str, language: str = "ko") -> str:
    with translation.override(language):
        return reverse("consult:survey", kwargs={"token": token})


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_form_asks_for_a_rating_and_changes_nothing(
    client, survey_link, django_assert_num_queries
):
    survey, token = survey_link()
    with django_assert_num_queries(1):
        response = client.get(url(token))
    assert response.status_code == 200
    assert_private(response)
    body = response.content.decode()
    assert survey.case.reference in body
    assert body.count('type="radio"') == 5
    assert 'name="comment"' in body
    assert "<fieldset" in body and "<legend" in body
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.rating is None


def test_the_english_page_speaks_english(client, survey_link):
    _survey, token = survey_link("en")
    body = client.get(url(token, "en")).content.decode()
    assert "How did we do?" in body
    assert "5: Very satisfied" in body


def test_an_answer_is_recorded_once(client, survey_link):
    survey, token = survey_link()
    response = client.post(url(token), {"rating": "4", "comment": "  Clear and quick.  "})
    assert response.status_code == 303
    assert response["Location"] == url(token)
    assert_private(response)
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Clear and quick.")
    assert survey.answered_at is not None

    with translation.override("en"):
        thanks = client.get(url(token, "en"))
    assert thanks.status_code == 200
    assert "Thank you for your answer" in thanks.content.decode()
    assert 'type="radio"' not in thanks.content.decode()

    again = client.post(url(token, "en"), {"rating": "1", "comment": "changed my mind"})
    assert again.status_code == 409
    assert_private(again)
    assert "already answered" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Clear and quick.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a rating from 1 to 5."),
        ({"rating": "9"}, "Select a valid choice"),
        ({"rating": "five"}, "Select a valid choice"),
        ({"rating": "3", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
    ids=["missing", "out-of-range", "not-a-number", "comment-too-long"],
)
def test_bad_input_is_explained_and_saves_nothing(client, survey_link, data, message):
    survey, token = survey_link()
    response = client.post(url(token, "en"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_expired_link_says_so_and_takes_no_answer(client, survey_link):
    survey, token = survey_link()
    Survey.objects.filter(pk=survey.pk).update(
        sent_at=timezone.now() - dt.timedelta(days=31),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    response = client.get(url(token, "en"))
    assert response.status_code == 410
    assert_private(response)
    assert "This survey link has expired" in response.content.decode()
    assert client.post(url(token, "en"), {"rating": "5"}).status_code == 410
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43])
def test_a_wrong_link_is_a_private_404(client, survey_link, token):
    survey_link()
    for response in (client.get(url(token)), client.post(url(token), {"rating": "5"})):
        assert response.status_code == 404
        assert_private(response)
    assert not Survey.objects.filter(answered_at__isnull=False).exists()


def test_a_survey_of_an_erased_case_is_gone(client, survey_link):
    survey, token = survey_link()
    Case.objects.filter(pk=survey.case_id).update(anonymised_at=timezone.now())
    assert client.get(url(token)).status_code == 404


def test_the_answer_service_refuses_a_second_answer_and_an_expired_link(survey_link):
    survey, _token = survey_link()
    followups.survey_answer(survey_id=survey.pk, rating=5)
    with pytest.raises(followups.SurveyAnswered):
        followups.survey_answer(survey_id=survey.pk, rating=1)
    other, _ = survey_link()
    with pytest.raises(followups.SurveyExpired):
        followups.survey_answer(
            survey_id=other.pk, rating=3, now=other.expires_at + dt.timedelta(seconds=1)
        )
