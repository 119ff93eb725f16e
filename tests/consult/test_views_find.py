"""Find-my-case: reference + email mails a fresh tracking link when they match, and the
page answers exactly the same whether they match or not; one address cannot probe for long."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from consult import workflow
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import counselor, submit_case
from tests.consult.test_views_intake import NEW, valid_data
from tests.outbox.links import mail_link

pytestmark = pytest.mark.django_db

FIND = "/consult/find/"
SENT = "/consult/find/sent/"


def link_mails():
    return OutgoingMail.objects.filter(template="consult_link")


def test_the_form_asks_for_reference_and_email(client):
    response = client.get(FIND)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="reference"' in body and 'name="email"' in body
    assert 'autocomplete="email"' in body
    assert "(*)" in body


def test_match_and_no_match_get_the_same_answer(client):
    case, _token = submit_case(email="hana@example.org")
    match = client.post(FIND, {"reference": case.reference, "email": "hana@example.org"})
    wrong_email = client.post(FIND, {"reference": case.reference, "email": "eve@example.org"})
    unknown = client.post(FIND, {"reference": "COOP-2026-999999", "email": "hana@example.org"})
    for response in (match, wrong_email, unknown):
        assert response.status_code == 303
        assert response["Location"] == SENT
    pages = {client.get(SENT).content for _ in range(2)}
    assert len(pages) == 1  # one page for everyone, nothing about the case on it
    page = client.get(SENT).content.decode()
    assert case.reference not in page
    assert "hana@example.org" not in page
    assert link_mails().count() == 1


def test_the_sent_page_says_if_they_match(client):
    body = client.get("/en" + SENT).content.decode()
    assert "If the reference and email match a case, we have mailed you a link" in body
    assert '<meta name="robots" content="noindex">' in body


def test_a_match_mails_a_new_link_and_the_old_one_keeps_working(client):
    case, old_token = submit_case(email="Hana@Example.org", language="en")
    response = client.post(
        "/en" + FIND, {"reference": f" {case.reference.lower()} ", "email": "hana@example.org"}
    )
    assert response["Location"] == "/en" + SENT
    mail = link_mails().get()
    assert mail.recipient == "Hana@Example.org"
    assert mail.language == "en"
    new_path = urlsplit(mail_link(mail, "tracking_url")).path
    assert new_path.startswith(f"/en/consult/track/{case.reference}/")
    assert old_token not in new_path
    assert client.get(new_path).status_code == 200
    assert client.get(f"/consult/track/{case.reference}/{old_token}/").status_code == 200


def test_a_merged_case_gets_the_link_of_the_case_it_lives_on_in(client):
    staff = counselor("triage", "advice")
    duplicate, _ = submit_case(email="hana@example.org")
    survivor, _ = submit_case(email="hana@example.org")
    survivor = workflow.case_route(
        case_id=survivor.pk, track="advice", actor=workflow.Actor.staff(staff)
    )
    workflow.case_merge(
        case_id=duplicate.pk, into_reference=survivor.reference, actor=workflow.Actor.staff(staff)
    )
    client.post(FIND, {"reference": duplicate.reference, "email": "hana@example.org"})
    mail = link_mails().get()
    assert mail.context["reference"] == survivor.reference
    assert client.get(urlsplit(mail_link(mail, "tracking_url")).path).status_code == 200


def test_spam_gets_no_link(client):
    case, _ = submit_case(email="hana@example.org")
    workflow.case_transition(case_id=case.pk, status="spam", actor=workflow.Actor.system())
    response = client.post(FIND, {"reference": case.reference, "email": "hana@example.org"})
    assert response["Location"] == SENT
    assert link_mails().count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"reference": "", "email": "hana@example.org"},
        {"reference": "COOP-2026-000001", "email": "not an address"},
        {"reference": "COOP-" + "9" * 100, "email": "hana@example.org"},
    ],
)
def test_an_incomplete_form_is_explained_and_mails_nothing(client, data):
    submit_case(email="hana@example.org")
    response = client.post(FIND, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert link_mails().count() == 0


@override_settings(CONSULT_FIND_RATE="5/h")
def test_the_sixth_request_in_an_hour_is_refused(client, settings):
    case, _ = submit_case(email="hana@example.org")
    for n in range(5):
        data = {"reference": f"COOP-2026-{n:06d}", "email": "probe@example.org"}
        assert client.post(FIND, data).status_code == 303
    response = client.post(FIND, {"reference": case.reference, "email": "hana@example.org"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert settings.CENTER_PHONE in response.content.decode()
    assert link_mails().count() == 0
    # Looking at the form is not limited; another address is not either.
    assert client.get(FIND).status_code == 200
    other = client.post(
        FIND,
        {"reference": case.reference, "email": "hana@example.org"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 303
    assert link_mails().count() == 1


def test_the_limits_of_the_two_forms_are_separate(client, settings):
    settings.CONSULT_FIND_RATE = "1/h"
    settings.CONSULT_SUBMIT_RATE = "1/h"
    assert (
        client.post(FIND, {"reference": "COOP-2026-000001", "email": "a@example.org"})["Location"]
        == SENT
    )
    assert client.post(NEW, valid_data()).status_code == 303


def test_other_methods_are_refused(client):
    assert client.put(FIND).status_code == 405
    assert client.post(SENT).status_code == 405
