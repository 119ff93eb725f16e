"""Celery application, set up as in Celery's "First steps with Django"."""

import os

from celery import Celery, signals

# Importing the coopcenter package runs this before wsgi.py does, so this default is what a
# server gets when nothing is set: production, never the laptop settings. manage.py sets
# its own (local) default before it imports anything.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopcenter.settings.production")

app = Celery("coopcenter")
# Every Celery setting lives in Django settings as CELERY_<NAME>.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_tokens(logger, **kwargs) -> None:
    """The worker and beat replace the root logger's handlers with their own (the settings'
    LOGGING is gone from them): those get the same filter, so no token reaches their logs."""
    from coopcenter.core.logredact import install_redaction

    install_redaction(logger)
