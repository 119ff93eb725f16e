import uuid

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.services import mail_queue
from coopcenter.outbox.templates import languages


class Command(BaseCommand):
    help = "Queue a test mail through the outbox, to see the delivery path working."

    def add_arguments(self, parser):
        parser.add_argument("recipient", help="address to send the test mail to")
        parser.add_argument("--language", default="ko", choices=languages())

    def handle(self, *args, recipient: str, language: str, **options):
        try:
            validate_email(recipient)
        except Exception as exc:
            raise CommandError(f"{recipient!r} is not an email address") from exc
        with transaction.atomic():
            mail = mail_queue(
                recipient=recipient,
                template="test",
                language=language,
                context={"recipient": recipient},
                idempotency_key=f"test:{uuid.uuid4()}",
            )
        mail.refresh_from_db()
        self.stdout.write(f"Outbox mail {mail.pk} to {recipient}: {mail.status}")
        if mail.status == OutgoingMail.Status.PENDING:
            self.stdout.write("A worker will deliver it; beat re-queues it if the broker was down.")
        if mail.last_error:
            self.stdout.write(self.style.WARNING(f"Last error: {mail.last_error}"))
