from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "coopcenter.outbox"
    label = "outbox"
    verbose_name = _("Mail outbox")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the template check)
