"""The outbox admin: who sees which mail (the case desk's one permission rule), and that
no one reads a working link there."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail as django_mail
from django.test import TestCase
from django.urls import reverse

from consult.models import Case
from coopcenter.core import demo
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import counselor, manager, routed_case

from .factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outbox_outgoingmail_changelist")


def change_url(mail) -> str:
    return reverse("admin:outbox_outgoingmail_change", args=[mail.pk])


def with_outbox_view(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="outbox", codename="view_outgoingmail")
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def world(db):
    """The acknowledgements of an advice case and an education case, a mail about no case,
    and the staff: a counselor of each team, a manager, staff outside the desk."""
    with TestCase.captureOnCommitCallbacks(execute=False):  # keep them pending
        advice, _ = routed_case("advice", email="advice.citizen@example.org")
        education, _ = routed_case("education", email="edu.citizen@example.org")
    mails = {
        "advice": OutgoingMail.objects.get(idempotency_key=f"consult:ack:{advice.pk}"),
        "education": OutgoingMail.objects.get(idempotency_key=f"consult:ack:{education.pk}"),
        "none": OutgoingMailFactory(recipient="ops@center.example.org"),
    }
    plain = get_user_model().objects.create_user("volunteer", password="x", is_staff=True)
    users = {
        "advice": with_outbox_view(counselor("advice", username="adv")),
        "education": with_outbox_view(counselor("education", username="edu")),
        "manager": with_outbox_view(manager(username="boss")),
        "plain_staff": with_outbox_view(plain),
    }
    return {"mails": mails, "users": users}


# role -> the mails it sees
VISIBLE = {
    "advice": {"advice"},
    "education": {"education"},
    "manager": {"advice", "education", "none"},
    "plain_staff": set(),
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_lists_only_the_mails_of_cases_it_may_see(client, world, role):
    client.force_login(world["users"][role])
    body = client.get(CHANGELIST).content.decode()
    for name, mail in world["mails"].items():
        assert (change_url(mail) in body) == (name in VISIBLE[role]), name


@pytest.mark.parametrize("role", sorted(VISIBLE))
@pytest.mark.parametrize("mail_name", ["advice", "education", "none"])
def test_a_mail_of_a_case_one_may_not_see_does_not_exist(client, world, role, mail_name):
    client.force_login(world["users"][role])
    response = client.get(change_url(world["mails"][mail_name]))
    assert response.status_code == (200 if mail_name in VISIBLE[role] else 404)


def test_the_mail_page_shows_no_working_link(client, world):
    """The acknowledgement's tracking link is sealed in the row: the manager's page says
    there is one and shows nothing of it."""
    mail = world["mails"]["advice"]
    client.force_login(world["users"]["manager"])
    body = client.get(change_url(mail)).content.decode()
    assert mail.context["reference"] in body
    assert "/track/" not in body
    assert mail.sealed and mail.sealed not in body
    case = Case.objects.get(reference=mail.context["reference"])
    assert not re.search(rf"{case.reference}/[A-Za-z0-9_-]{{20,}}", body)


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.fixture
def staff(db):
    demo.seed()
    users = get_user_model().objects
    return {name: users.get(username=name) for name in ("manager", "counselor")}


def test_the_manager_sees_failures_with_their_error(client, staff):
    OutgoingMailFactory(status="failed", attempts=5, last_error="SMTP 550 mailbox unavailable")
    client.force_login(staff["manager"])
    response = client.get(CHANGELIST + "?status__exact=failed")
    assert response.status_code == 200
    assert "citizen" in response.content.decode()


def test_manager_retries_a_failed_mail(client, staff, django_capture_on_commit_callbacks):
    mail = OutgoingMailFactory(status="failed", attempts=5)
    client.force_login(staff["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "retry_failed", "_selected_action": [mail.pk]}, follow=True
        )
    assert response.status_code == 200
    mail.refresh_from_db()
    assert mail.status == "sent"
    assert len(django_mail.outbox) == 1


def test_counselor_cannot_retry(client, staff):
    mail = OutgoingMailFactory(status="failed", attempts=5)
    client.force_login(staff["counselor"])
    client.post(CHANGELIST, {"action": "retry_failed", "_selected_action": [mail.pk]})
    mail.refresh_from_db()
    assert mail.status == "failed"


def test_nobody_edits_or_deletes_the_record(client, staff):
    mail = OutgoingMailFactory()
    client.force_login(staff["manager"])
    change = client.get(change_url(mail))
    assert b'name="recipient"' not in change.content
    delete = client.get(reverse("admin:outbox_outgoingmail_delete", args=[mail.pk]))
    assert delete.status_code == 403
