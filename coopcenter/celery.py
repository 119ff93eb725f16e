"""Celery application, set up as in Celery's "First steps with Django"."""

import os

from celery import Celery

# Importing the coopcenter package runs this before wsgi.py does, so this default is what a
# server gets when nothing is set: production, never the laptop settings. manage.py sets
# its own (local) default before it imports anything.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopcenter.settings.production")

app = Celery("coopcenter")
# Every Celery setting lives in Django settings as CELERY_<NAME>.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
