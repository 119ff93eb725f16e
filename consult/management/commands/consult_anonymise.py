"""Anonymise the cases whose retention period is over (PIPA art. 21). Run it daily."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consult.services import case_anonymise, cases_due_for_anonymising


class Command(BaseCommand):
    help = (
        "Remove the citizen's data (name, email, phone, messages, files, tracking links) from "
        "cases closed, marked spam or merged more than CONSULT_RETENTION_DAYS days ago; the "
        "statistics fields stay. Idempotent."
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
        due = list(cases_due_for_anonymising(days=days).values_list("pk", "reference"))
        for pk, reference in due:
            if dry_run:
                self.stdout.write(f"would anonymise {reference}")
            else:
                case_anonymise(case_id=pk)
                self.stdout.write(f"anonymised {reference}", ending="\n")
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(self.style.SUCCESS(f"{len(due)} case(s) {verb}."))
