"""Any saved or deleted article, image, rendition, category, tag, author, series or link
between them makes everything cached from the articles unreachable (after the transaction
commits, and at once). The services touch the cache themselves; these signals cover the
admin's direct edits (an image's caption, a category's name) and anything else that saves a
model."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.cache import articles_cache


def articles_changed(**kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    articles_cache.touch_on_commit()


def connect() -> None:
    for model in apps.get_app_config("articles").get_models():
        uid = f"articles-cache-{model._meta.label_lower}"
        post_save.connect(articles_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(articles_changed, sender=model, dispatch_uid=f"{uid}-delete")
    # Tags are a plain many-to-many: adding or removing one sends m2m_changed only.
    m2m_changed.connect(
        articles_changed,
        sender=apps.get_model("articles", "Article").tags.through,
        dispatch_uid="articles-cache-tags",
    )
