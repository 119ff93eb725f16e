import pytest
from django.db import IntegrityError, transaction

from .factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_an_unknown_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMailFactory(status="lost")


def test_database_refuses_a_sent_mail_without_a_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMailFactory(status="sent", sent_at=None)


def test_database_refuses_a_duplicate_idempotency_key():
    OutgoingMailFactory(idempotency_key="case-7:ack")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMailFactory(idempotency_key="case-7:ack")
