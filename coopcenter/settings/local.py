"""A developer's laptop: SQLite and eager Celery unless DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only for a laptop; production.py has no default and refuses to start without one.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="local-only-8c1f0e4b7d2a9f6e3c5b1a0d9e8f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
)
# Mail lands as files in var/mail/ so that a developer can open what a citizen would get.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
