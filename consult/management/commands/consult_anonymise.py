"""Anonymise the cases whose retention period is over (PIPA art. 21). Beat runs the same
service every night (consult.tasks.anonymise_expired_cases); this is the manual way in."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consult.privacy import cases_due_for_anonymising, expired_cases_anonymise


class Command(BaseCommand):
    help = (
        "Remove the citizen's data (name, email, phone, messages, files, tracking links, "
        "survey comments, meeting notes, mails) from cases closed, marked spam or merged more "
        "than CONSULT_RETENTION_DAYS days ago; the statistics fields stay. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list the cases that are due, change nothing"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"override CONSULT_RETENTION_DAYS ({settings.CONSULT_RETENTION_DAYS})",
        )

    def handle(self, *args, dry_run: bool, days: int | None, **options):
        if days is not None and days < 0:
            raise CommandError("--days cannot be negative.")
        if dry_run:
            due = cases_due_for_anonymising(days=days).values_list("reference", flat=True)
            count = 0
            for reference in due.iterator():
                self.stdout.write(f"would anonymise {reference}")
                count += 1
            self.stdout.write(self.style.SUCCESS(f"{count} case(s) would be anonymised."))
            return
        run = expired_cases_anonymise(days=days)
        for reference in run.anonymised:
            self.stdout.write(f"anonymised {reference}")
        if run.submissions:
            self.stdout.write(f"{run.submissions} expired inquiry(ies) awaiting intake deleted.")
        self.stdout.write(self.style.SUCCESS(f"{len(run.anonymised)} case(s) anonymised."))
        if run.failed:
            raise CommandError(f"{len(run.failed)} case(s) failed; see the log: {run.failed}")
