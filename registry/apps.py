from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def after_migrate(*, using: str, **kwargs) -> None:
    """Every deploy runs migrate, and so does every flush of the test database.

    - The 25 districts are reference data every co-op points to. A flush (as transactional
      tests do) empties them and then sends post_migrate, so they are put back here; the data
      migration stays the one list of districts.
    - Cached registry pages hold HTML rendered by the templates and code of the release that
      cached them. A new version makes the new release render its own instead of serving the
      old ones (or reading entries whose shape it no longer knows) until they expire.
    """
    import importlib

    from django.apps import apps

    from registry.cache import registry_touch

    migration = importlib.import_module("registry.migrations.0002_districts")
    District = apps.get_model("registry", "District")
    if District.objects.using(using).count() < len(migration.DISTRICTS):
        District.objects.using(using).bulk_create(
            [District(code=c, name_ko=ko, name_en=en) for c, ko, en in migration.DISTRICTS],
            ignore_conflicts=True,
        )
    registry_touch()


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Co-op registry")

    def ready(self) -> None:
        from registry import signals  # noqa: F401 (connects the cache invalidation)

        post_migrate.connect(after_migrate, sender=self)
