from django.core.management.base import BaseCommand

from coopcenter.outbox.services import mails_reseal


class Command(BaseCommand):
    help = (
        "Seal the links of every unsent mail again with the first key of "
        "OUTBOX_ENCRYPTION_KEYS. Run it after putting a new key first; the old key can be "
        "removed once it has run."
    )

    def handle(self, *args, **options):
        count = mails_reseal()
        self.stdout.write(f"{count} mail(s) sealed with the current key.")
