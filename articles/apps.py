from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def after_migrate(**kwargs) -> None:
    """Every deploy runs migrate. Cached articles pages, feeds and search results hold what
    the release that cached them rendered, in the shape its code stored them: a new version
    makes the new release build its own instead of reading entries it does not know."""
    from articles.cache import articles_cache

    articles_cache.touch()


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from articles import signals

        # Pillow refuses (DecompressionBombError) what is over twice this, warns above it:
        # no picture larger than the renditions need is ever decoded by this process.
        Image.MAX_IMAGE_PIXELS = settings.ARTICLES_IMAGE_MAX_PIXELS

        signals.connect()
        post_migrate.connect(after_migrate, sender=self)
