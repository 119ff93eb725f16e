from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_districts(*, using: str, **kwargs) -> None:
    """The 25 districts are reference data every co-op points to. A flush (as transactional
    tests do) empties them and then sends post_migrate, so they are put back here; the data
    migration stays the one list of districts."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("registry.migrations.0002_districts")
    District = apps.get_model("registry", "District")
    if District.objects.using(using).count() < len(migration.DISTRICTS):
        District.objects.using(using).bulk_create(
            [District(code=c, name_ko=ko, name_en=en) for c, ko, en in migration.DISTRICTS],
            ignore_conflicts=True,
        )


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Co-op registry")

    def ready(self) -> None:
        from registry import signals  # noqa: F401 (connects the cache invalidation)

        post_migrate.connect(ensure_districts, sender=self)
