from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def after_migrate(*, using: str, **kwargs) -> None:
    """Every deploy runs migrate, and so does every flush of the test database.

    - The four teams and the privacy notice are reference data the intake needs. A flush
      empties them and then sends post_migrate, so they are put back here from the data
      migration, which stays the one source of both.
    - The course calendar's cached pages were rendered by the release that cached them: a
      new version makes the new release render its own (as for the registry)."""
    import importlib

    from django.apps import apps

    from .education import education_touch

    if using != "default":
        return
    migration = importlib.import_module("consult.migrations.0002_teams_and_privacy_notice")
    migration.forwards(apps, None)
    education_touch()


def _notice_changed(**kwargs) -> None:
    from django.db import transaction

    from .services import privacy_notice_forget

    # Now and after commit: a worker that reads in between must not cache the old text.
    privacy_notice_forget()
    transaction.on_commit(privacy_notice_forget)


def _closing_days_changed(**kwargs) -> None:
    from django.db import transaction

    from .deadlines import closing_days_forget

    # As for the notice: now, and again after commit, so a read in between is not kept.
    closing_days_forget()
    transaction.on_commit(closing_days_forget)


def _calendar_changed(**kwargs) -> None:
    from .education import education_touch_on_commit

    # A course or session edited in the admin: the public calendar's cached pages go.
    education_touch_on_commit()


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
        post_save.connect(_closing_days_changed, sender="consult.ClosingDay")
        post_delete.connect(_closing_days_changed, sender="consult.ClosingDay")
        for sender in ("consult.Course", "consult.CourseSession"):
            post_save.connect(_calendar_changed, sender=sender)
            post_delete.connect(_calendar_changed, sender=sender)
