import factory
from django.utils import timezone

from coopcenter.outbox.models import OutgoingMail


class OutgoingMailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingMail

    recipient = factory.Sequence(lambda n: f"citizen{n}@example.org")
    template = "test"
    language = "ko"
    context = factory.LazyAttribute(lambda o: {"recipient": o.recipient})
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    next_attempt_at = factory.LazyFunction(timezone.now)
