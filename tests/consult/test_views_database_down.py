"""An inquiry or a reply that the database cannot take is not lost from the citizen's screen:
the form comes back with everything typed (files must be chosen again), says that nothing
was saved and when to try again, with status 503 and Retry-After."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from consult.models import Message, Submission
from coopcenter.core.db import RETRY_AFTER_SECONDS
from tests.consult.factories import submit_case
from tests.consult.test_uploads import pdf_bytes
from tests.consult.test_views_intake import NEW, valid_data

pytestmark = pytest.mark.django_db

DOWN = OperationalError("connection timeout expired")
NOT_SAVED = {"ko": "아무것도 저장되지 않았습니다", "en": "Nothing was saved"}
FILES_AGAIN = {
    "ko": "파일을 다시 선택해 주세요",
    "en": "please choose them again",
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(("prefix", "language"), [("", "ko"), ("/en", "en")])
def test_an_inquiry_the_database_cannot_take_comes_back_with_what_was_typed(
    client, prefix, language, media_root
):
    data = valid_data(
        name="박서연", message="정관 초안을 검토받고 싶습니다 <b>꼭</b>", topic="registration"
    )
    data["attachments"] = SimpleUploadedFile("정관.pdf", pdf_bytes(), "application/pdf")
    with mock.patch("consult.views.submission_receive", side_effect=DOWN):
        response = client.post(prefix + NEW, data)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert NOT_SAVED[language] in body
    assert FILES_AGAIN[language] in body
    assert 'value="박서연"' in body
    assert 'value="hana@example.org"' in body
    # The text comes back escaped, as the citizen typed it.
    assert "정관 초안을 검토받고 싶습니다 &lt;b&gt;꼭&lt;/b&gt;</textarea>" in body
    assert 'value="registration" selected' in body
    assert Submission.objects.count() == 0


def test_without_files_the_page_does_not_ask_for_them(client):
    with mock.patch("consult.views.submission_receive", side_effect=DOWN):
        response = client.post(NEW, valid_data())
    assert response.status_code == 503
    assert FILES_AGAIN["ko"] not in response.content.decode()


@pytest.mark.parametrize("where", ["consult.views.case_citizen_reply", "consult.views._open"])
@pytest.mark.parametrize(("prefix", "language"), [("", "ko"), ("/en", "en")])
def test_a_reply_the_database_cannot_take_comes_back_with_what_was_typed(
    client, where, prefix, language
):
    case, token = submit_case()
    url = f"{prefix}/consult/track/{case.reference}/{token}/"
    messages_before = Message.objects.filter(case=case).count()
    with mock.patch(where, side_effect=DOWN):
        response = client.post(url, {"body": "회의 날짜를 바꿀 수 있을까요? 3월 5일 & 6일"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert NOT_SAVED[language] in body
    assert "회의 날짜를 바꿀 수 있을까요? 3월 5일 &amp; 6일</textarea>" in body
    assert f'action="{url}"' in body
    assert Message.objects.filter(case=case).count() == messages_before
