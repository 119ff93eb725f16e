"""The inquiry form (/consult/new/) and the received page: a valid inquiry becomes a case with
the consent it was given and an acknowledgement mail; anything else is explained on the form
and saves nothing; robots get a success page and no case; one address cannot flood the desk."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from consult.models import Case, PrivacyNotice, Submission
from consult.services import privacy_notice_current
from coopcenter.outbox.models import OutgoingMail
from registry.models import District
from tests.consult.factories import post_committed
from tests.outbox.links import mail_link

pytestmark = pytest.mark.django_db

NEW = "/consult/new/"
RECEIVED = "/consult/new/received/"


def valid_data(**overrides) -> dict:
    """A complete inquiry as the browser posts it."""
    data = {
        "name": "김하나",
        "email": "hana@example.org",
        "phone": "010-1234-5678",
        "district": "",
        "stage": "founding",
        "service_wanted": "unsure",
        "topic": "founding",
        "message": "마을 도시락 협동조합을 만들고 싶습니다. 무엇부터 해야 하나요?",
        "consent": "on",
        "notice_version": privacy_notice_current().version,
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def tracking_path(mail: OutgoingMail) -> str:
    return urlsplit(mail_link(mail, "tracking_url")).path


def ack_mail(case: Case) -> OutgoingMail:
    return OutgoingMail.objects.get(idempotency_key=f"consult:ack:{case.pk}")


# --- the form ------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "notice_text"), [("", "개인정보 수집"), ("/en", "Consent to")])
def test_form_shows_every_field_and_the_current_notice(client, prefix, notice_text):
    response = client.get(prefix + NEW)
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("name", "email", "phone", "district", "stage", "service_wanted", "topic"):
        assert f'name="{name}"' in body
    assert 'name="message"' in body and 'maxlength="5000"' in body
    assert re.search(r'<input type="file" name="attachments"[^>]* multiple', body)
    assert 'accept=".pdf,.hwp,.hwpx,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"' in body
    assert notice_text in body
    assert 'name="notice_version" value="2026-01"' in body
    assert 'id="id_consent"' in body
    assert "(*)" in body  # the note that explains the required-field mark
    assert "<script>" not in body and " style=" not in body  # CSP: nothing inline


def test_district_labels_follow_the_page_language(client):
    District.objects.update_or_create(
        code="11440", defaults={"name_ko": "마포구", "name_en": "Mapo-gu"}
    )
    assert '<option value="11440">마포구</option>' in client.get(NEW).content.decode()
    english = client.get("/en" + NEW).content.decode()
    assert '<option value="11440">Mapo-gu</option>' in english


def test_the_honeypot_is_hidden_from_people_and_keyboards(client):
    body = client.get(NEW).content.decode()
    wrapper = re.search(r'<div\s+class="consult-hp"\s+aria-hidden="true">', body)
    assert wrapper is not None
    field = re.search(r'<input type="text" name="website"[^>]*>', body).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


# --- a valid inquiry -----------------------------------------------------------------


def test_a_valid_inquiry_becomes_a_case_and_is_acknowledged(client):
    District.objects.update_or_create(
        code="11440", defaults={"name_ko": "마포구", "name_en": "Mapo-gu"}
    )
    response = post_committed(client, NEW, valid_data(district="11440"))
    assert response.status_code == 303
    assert response["Location"] == RECEIVED

    case = Case.objects.get()
    assert case.name == "김하나"
    assert case.email == "hana@example.org"
    assert case.phone == "010-1234-5678"
    assert case.district_id == "11440"
    assert (case.stage, case.service_wanted, case.topic) == ("founding", "unsure", "founding")
    assert case.language == "ko"
    assert case.consent_notice.version == "2026-01"
    assert case.consented_at is not None
    assert case.status == "new" and case.track == "triage"
    assert re.fullmatch(r"COOP-\d{4}-\d{6}", case.reference)

    received = client.get(response["Location"])
    assert received.status_code == 200
    body = received.content.decode()
    assert case.reference in body
    assert "/consult/find/" in body
    assert '<meta name="robots" content="noindex">' in body

    mail = ack_mail(case)
    assert mail.recipient == "hana@example.org"
    assert mail.template == "consult_acknowledge"
    tracking = client.get(tracking_path(mail))
    assert tracking.status_code == 200
    assert case.reference in tracking.content.decode()
    assert "마을 도시락 협동조합을 만들고 싶습니다" in tracking.content.decode()


@pytest.mark.services("postgres")
def test_a_valid_inquiry_costs_one_query(client, django_assert_num_queries):
    """The POST only keeps the submission (reference and row in one statement); the case
    is made by the intake run its commit queues."""
    District.objects.update_or_create(
        code="11440", defaults={"name_ko": "마포구", "name_en": "Mapo-gu"}
    )
    # An earlier inquiry of the year: its counter exists, the notice and the district names
    # are at hand, as on any working day.
    client.post(NEW, valid_data(email="earlier@example.org", district="11440"))
    with django_assert_num_queries(1):
        response = client.post(NEW, valid_data(district="11440"))
    assert response.status_code == 303
    assert Submission.objects.get(email="hana@example.org").district_id == "11440"
    assert not Case.objects.exists()


def test_an_english_inquiry_is_kept_in_english(client):
    response = post_committed(client, "/en" + NEW, valid_data())
    assert response["Location"] == "/en/consult/new/received/"
    case = Case.objects.get()
    assert case.language == "en"
    assert tracking_path(ack_mail(case)).startswith("/en/consult/track/")
    body = client.get(response["Location"]).content.decode()
    assert "What happens next" in body and case.reference in body


def test_received_page_shows_the_first_response_target(client):
    post_committed(client, NEW, valid_data())
    case = Case.objects.get()
    body = client.get(RECEIVED).content.decode()
    with translation.override("ko"):
        from django.utils.formats import date_format

        assert date_format(case.first_response_due, "DATE_FORMAT") in body


def test_received_page_without_a_submission_is_a_generic_thank_you(client):
    response = client.get(RECEIVED)
    assert response.status_code == 200
    assert "COOP-" not in response.content.decode()


def test_the_reference_is_shown_only_to_the_browser_that_sent_it(client):
    from django.test import Client

    post_committed(client, NEW, valid_data())
    reference = Case.objects.get().reference
    assert reference in client.get(RECEIVED).content.decode()
    assert reference not in Client().get(RECEIVED).content.decode()


def test_optional_fields_may_be_left_empty(client):
    response = post_committed(client, NEW, valid_data(phone="", district=""))
    assert response.status_code == 303
    case = Case.objects.get()
    assert case.phone == "" and case.district is None


def test_a_form_posted_without_multipart_is_taken_as_it_is(client):
    from urllib.parse import urlencode

    response = post_committed(
        client, NEW, urlencode(valid_data()), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 303
    assert Case.objects.count() == 1


# --- what is refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["name", "email", "stage", "service_wanted", "topic", "message", "consent"]
)
def test_each_required_field_missing_is_explained_and_saves_nothing(client, field):
    response = post_committed(client, NEW, valid_data(**{field: None}))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    body = response.content.decode()
    assert 'role="alert"' in body  # the error summary at the top
    assert f'href="#id_{field}' in body  # ... links to the field
    assert Case.objects.count() == 0
    assert OutgoingMail.objects.count() == 0


def test_no_consent_no_case(client):
    response = post_committed(client, "/en" + NEW, valid_data(consent=None))
    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert "We can only take your inquiry online with your consent" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("district", "99999"),
        ("district", "'; drop table consult_case; --"),
        ("stage", "astronaut"),
        ("service_wanted", ""),
        ("topic", "<script>"),
        ("email", "not-an-address"),
        ("phone", "call me maybe"),
        ("phone", "12345"),
        ("name", "x" * 101),
        ("message", "가" * 5001),
        ("notice_version", "x" * 100),
    ],
)
def test_garbage_is_answered_on_the_form_never_with_a_500(client, field, value):
    response = post_committed(client, NEW, valid_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Case.objects.count() == 0


def test_a_body_over_djangos_limit_is_a_400_not_a_500(client):
    # 1,000,000 Hangul syllables are 3 MB of UTF-8, over DATA_UPLOAD_MAX_MEMORY_SIZE.
    response = post_committed(client, NEW, valid_data(message="가" * 1_000_000))
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_a_json_post_is_answered_on_the_form(client):
    response = post_committed(client, NEW, {"name": "x"}, content_type="application/json")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Case.objects.count() == 0


def test_an_empty_post_is_answered_on_the_form(client):
    response = post_committed(client, NEW, {})
    assert response.status_code == 200
    assert Case.objects.count() == 0


def test_other_methods_are_refused(client):
    assert client.put(NEW).status_code == 405
    assert client.delete(NEW).status_code == 405


# --- the privacy notice --------------------------------------------------------------


def test_a_notice_changed_while_writing_is_shown_again_for_consent(client):
    client.get(NEW)  # the citizen reads version 2026-01 ...
    PrivacyNotice.objects.create(
        version="2026-07",
        text_ko="새 개인정보 고지",
        text_en="A new privacy notice",
        effective_from=timezone.localdate(),
    )
    response = post_committed(
        client, "/en" + NEW, valid_data(notice_version="2026-01")
    )  # ... and sends it
    assert response.status_code == 200
    assert Case.objects.count() == 0
    body = response.content.decode()
    assert "Our privacy notice changed while you were writing" in body
    assert "A new privacy notice" in body
    assert 'name="notice_version" value="2026-07"' in body
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', body).group(0)
    assert "checked" not in consent
    assert 'value="김하나"' in body  # what they wrote is kept

    # Consenting to the new notice is enough.
    response = post_committed(client, NEW, valid_data(notice_version="2026-07"))
    assert response.status_code == 303
    assert Case.objects.get().consent_notice.version == "2026-07"


def test_without_any_notice_the_page_says_how_else_to_reach_us(client, settings):
    # The notice is protected by no case yet, so it can go.
    PrivacyNotice.objects.all().delete()
    response = client.get(NEW)
    assert response.status_code == 200
    body = response.content.decode()
    assert settings.CENTER_PHONE in body
    assert 'name="message"' not in body
    response = post_committed(client, NEW, {"name": "x"})
    assert response.status_code == 200
    assert Case.objects.count() == 0


# --- robots and floods ---------------------------------------------------------------


def test_a_filled_honeypot_looks_like_success_and_saves_nothing(client):
    response = post_committed(client, NEW, valid_data(website="http://spam.example"))
    assert response.status_code == 303
    assert response["Location"] == RECEIVED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "COOP-" not in page.content.decode()
    assert Case.objects.count() == 0
    assert OutgoingMail.objects.count() == 0


def test_a_honeypot_after_a_real_inquiry_shows_no_reference(client):
    post_committed(client, NEW, valid_data())
    post_committed(client, NEW, valid_data(website="spam"))
    assert "COOP-" not in client.get(RECEIVED).content.decode()


@override_settings(CONSULT_SUBMIT_RATE="5/h")
def test_the_sixth_inquiry_in_an_hour_is_refused_before_saving(client, settings):
    for _ in range(5):
        assert post_committed(client, NEW, valid_data()).status_code == 303
    response = post_committed(client, "/en" + NEW, valid_data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "Please try again in about" in body
    assert settings.CENTER_PHONE in body
    assert Case.objects.count() == 5


@override_settings(CONSULT_SUBMIT_RATE="5/h")
def test_the_limit_is_per_address_and_robots_do_not_use_it_up(client):
    for _ in range(10):
        post_committed(client, NEW, valid_data(website="spam"))
    for _ in range(5):
        assert post_committed(client, NEW, valid_data()).status_code == 303
    assert post_committed(client, NEW, valid_data()).status_code == 429
    other = post_committed(client, NEW, valid_data(), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 303
    assert Case.objects.count() == 6


@override_settings(CONSULT_SUBMIT_RATE="2/h")
def test_a_resubmitted_form_is_just_another_inquiry(client):
    data = valid_data()
    assert post_committed(client, NEW, data).status_code == 303
    assert post_committed(client, NEW, data).status_code == 303  # the Back button and send again
    assert post_committed(client, NEW, data).status_code == 429
    assert Case.objects.count() == 2


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # Nothing listens on port 1: every cache call fails at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
)
def test_inquiries_are_taken_while_the_cache_is_down(client):
    for _ in range(7):
        assert post_committed(client, NEW, valid_data()).status_code == 303
    assert Case.objects.count() == 7


@override_settings(CACHES={"default": {"BACKEND": "tests.consult.test_views_intake.BrokenCache"}})
def test_inquiries_are_taken_when_the_cache_raises(client):
    assert post_committed(client, NEW, valid_data()).status_code == 303
    assert Case.objects.count() == 1


class BrokenCache:
    """A cache backend whose every call raises (a misconfigured client, say)."""

    def __init__(self, *args, **kwargs):
        pass

    def close(self, **kwargs):
        pass

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail
