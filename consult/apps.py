from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def after_migrate(*, using: str, **kwargs) -> None:
    """The four teams and the privacy notice are reference data the intake needs. A flush
    of the test database empties them and then sends post_migrate, so they are put back
    here from the data migration, which stays the one source of both."""
    import importlib

    from django.apps import apps

    if using != "default":
        return
    migration = importlib.import_module("consult.migrations.0002_teams_and_privacy_notice")
    migration.forwards(apps, None)


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Case desk")

    def ready(self) -> None:
        from . import mails  # noqa: F401  (registers the desk's mail templates)

        post_migrate.connect(after_migrate, sender=self)
