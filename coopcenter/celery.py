"""Celery application, set up as in Celery's "First steps with Django"."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopcenter.settings.local")

app = Celery("coopcenter")
# Every Celery setting lives in Django settings as CELERY_<NAME>.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
