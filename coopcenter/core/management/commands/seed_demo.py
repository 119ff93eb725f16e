import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coopcenter.core import demo

# Apps whose demo module, if any, is seeded after the staff accounts, in this order.
SEEDED_APPS = ("coopcenter.outbox", "registry", "consult", "articles")


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent): the staff accounts, then each app's demo.seed(). "
        "Refuses to run with DEBUG off unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates known passwords; use --force outside DEBUG.")
        logins = demo.seed()
        # Each project app may ship a demo module with a seed(stdout) function.
        for name in SEEDED_APPS:
            if not apps.is_installed(name):
                continue
            try:
                module = importlib.import_module(f"{name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{name}.demo":
                    raise
                continue
            self.stdout.write(f"Seeding {name}…")
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Staff logins for /admin/:"))
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.password:<22} ({login.role})")
