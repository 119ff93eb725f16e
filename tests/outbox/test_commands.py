from io import StringIO

import pytest
from django.core import mail as django_mail
from django.core.management import CommandError, call_command

from coopcenter.outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db(transaction=True)


def test_send_test_mail_goes_through_the_outbox():
    out = StringIO()
    call_command("send_test_mail", "staff@example.org", "--language", "en", stdout=out)
    row = OutgoingMail.objects.get()
    assert (row.recipient, row.language, row.status) == ("staff@example.org", "en", "sent")
    assert django_mail.outbox[0].subject.endswith("Test mail")
    assert f"Outbox mail {row.pk} to staff@example.org: sent" in out.getvalue()


def test_send_test_mail_refuses_a_bad_address():
    with pytest.raises(CommandError, match="not an email address"):
        call_command("send_test_mail", "not-an-address")
    assert OutgoingMail.objects.count() == 0
