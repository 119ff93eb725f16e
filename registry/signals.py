"""Any saved or deleted co-op or certification invalidates the cached registry figures.

Bulk writes (the importer) send no signals; they call registry_touch_on_commit() themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from registry.cache import registry_touch_on_commit
from registry.models import Certification, Cooperative


@receiver([post_save, post_delete], sender=Cooperative)
@receiver([post_save, post_delete], sender=Certification)
def registry_changed(**kwargs) -> None:
    registry_touch_on_commit()
