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


def _notice_changed(**kwargs) -> None:
    from django.db import transaction

    from .services import privacy_notice_forget

    # Now and after commit: a worker that reads in between must not cache the old text.
    privacy_notice_forget()
    transaction.on_commit(privacy_notice_forget)


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Case desk")

    def ready(self) -> None:
        from . import mails  # noqa: F401  (registers the desk's mail templates)

        post_migrate.connect(after_migrate, sender=self)
        from django.db.models.signals import post_delete, post_save

        from .models import PrivacyNotice

        post_save.connect(_notice_changed, sender=PrivacyNotice)
        post_delete.connect(_notice_changed, sender=PrivacyNotice)
