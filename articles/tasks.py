"""Thin Celery tasks of the articles; each is safe to run twice."""

import logging

from celery import shared_task
from PIL import UnidentifiedImageError

from articles import images

logger = logging.getLogger(__name__)

RENDITION_RETRIES = 3
RENDITION_RETRY_DELAY = 30


@shared_task(bind=True, ignore_result=True, max_retries=RENDITION_RETRIES)
def make_renditions(self, image_id: int) -> int:
    """Queued once an upload commits (articles.images.image_save): the image's WebP and
    JPEG renditions. A file Pillow cannot read is not retried; a passing failure (storage,
    database) is, a few times."""
    try:
        return images.renditions_make(image_id)
    except (UnidentifiedImageError, SyntaxError) as exc:
        logger.error("Image %s cannot be read, no renditions made: %s", image_id, exc)
        return 0
    except Exception as exc:
        raise self.retry(exc=exc, countdown=RENDITION_RETRY_DELAY) from exc
