"""Print the Mermaid diagrams of consult.workflow.TRANSITIONS (pasted into consult/README.md;
a test keeps the README and the table equal)."""

from django.core.management.base import BaseCommand

from consult.workflow import transitions_mermaid


class Command(BaseCommand):
    help = "Print the status and track diagrams of the case workflow as Mermaid."

    def handle(self, *args, **options):
        for field in ("status", "track"):
            self.stdout.write(f"```mermaid\n{transitions_mermaid(field)}\n```\n")
