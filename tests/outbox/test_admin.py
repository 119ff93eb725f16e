import pytest
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.urls import reverse

from coopcenter.core import demo

from .factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outbox_outgoingmail_changelist")


@pytest.fixture
def staff(db):
    demo.seed()
    users = get_user_model().objects
    return {name: users.get(username=name) for name in ("manager", "counselor")}


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("role", ["manager", "counselor"])
def test_staff_see_failures_with_their_error(client, staff, role):
    OutgoingMailFactory(status="failed", attempts=5, last_error="SMTP 550 mailbox unavailable")
    client.force_login(staff[role])
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
    change = client.get(reverse("admin:outbox_outgoingmail_change", args=[mail.pk]))
    assert b'name="recipient"' not in change.content
    delete = client.get(reverse("admin:outbox_outgoingmail_delete", args=[mail.pk]))
    assert delete.status_code == 403
