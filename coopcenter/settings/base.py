"""Settings shared by every environment.

Every value that differs between machines comes from the environment through the one
reader below (django-environ); `.env.example` documents each variable. The per-environment
modules (local, test, production) only change defaults and harden what must be hard.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's own overrides; the real environment always wins over the file.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # Bootstrap 5's compiled files, shipped as a PyPI wheel
    "csp",
    "coopcenter.core",
    "coopcenter.outbox",
    "registry",
    "consult",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads the body (CSRF reads request.POST): refuses what is too large
    # and what is over the rate limit (coopcenter.core.requestlimits).
    "coopcenter.core.requestlimits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the views' exceptions first: a database that is down is a 503.
    "coopcenter.core.db.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "coopcenter.urls"
WSGI_APPLICATION = "coopcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coopcenter.core.context_processors.site",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
# SQLite in var/ is the laptop default; production and CI set DATABASE_URL to PostgreSQL,
# which Django reaches through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# A database that is down or hung must cost a request seconds, not a worker: connecting
# gives up after DB_CONNECT_TIMEOUT and a statement after DB_STATEMENT_TIMEOUT seconds (0:
# none). The citizen then gets a 503 page (coopcenter.core.db). A worker or a command that
# runs long statements (imports, migrations on big tables) may set a longer one.
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
DB_STATEMENT_TIMEOUT = env.float("DB_STATEMENT_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    if DB_STATEMENT_TIMEOUT:
        _statement_ms = int(DB_STATEMENT_TIMEOUT * 1000)
        _options["options"] = (
            f"{_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The cache may live on a Redis of its own (bounded by maxmemory, evicting), apart from the
# broker's (which must never evict a queued task); by default both use REDIS_URL.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or REDIS_URL
# After a Redis call fails, the cache and the broker publish skip that server for this many
# seconds before trying it again (coopcenter.core.breaker): a hung Redis costs one timeout.
REDIS_BREAKER_COOLDOWN = env.float("REDIS_BREAKER_COOLDOWN", default=30.0)

if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "coopcenter.core.rediscache.BreakerRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="coopcenter"),
            "OPTIONS": {
                # A cache that is down must slow nothing down for long, and break nothing:
                # reads miss and writes are dropped, so pages are computed from the database
                # until Redis is back. The breaker logs when it opens and closes.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Without a broker, tasks run in the process that queues them (laptop default).
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# Tasks are idempotent, so a task whose worker died is run again rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Said explicitly because Celery 6 turns it on: cancelling a send_mail in the middle of an
# SMTP exchange when Redis blinks could deliver the mail twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing happens after a citizen's request has committed: when the broker is down or
# hung it must give up within a second, because the row is already safe and beat re-queues
# it; coopcenter.core.tasks.enqueue then skips the broker for REDIS_BREAKER_COOLDOWN.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    # Bounds each blocking command (a publish). The worker's BRPOP waits in the event loop,
    # not on this timeout; a worker may set a longer one.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}


def beat_schedule(variable: str, default: str):
    """A beat schedule read from the environment: a number of seconds ("3600") or a crontab
    in Seoul time, "minute hour day-of-month month day-of-week" ("0 9-18 * * 1-5")."""
    from celery.schedules import crontab

    value = env(variable, default=default).strip()
    try:
        return float(value)
    except ValueError:
        minute, hour, day_of_month, month_of_year, day_of_week = value.split()
        return crontab(minute, hour, day_of_week, day_of_month, month_of_year)


# The desk's follow-ups (consult.followups): each run is idempotent, so running them often
# only costs a query; the defaults run them in the center's day, when a mail is welcome.
CONSULT_FOLLOW_UP_SCHEDULES = {
    "send_triage_reminders": beat_schedule("CONSULT_TRIAGE_REMINDERS_SCHEDULE", "0 9-18 * * 1-5"),
    "run_waiting_followups": beat_schedule("CONSULT_WAITING_FOLLOWUPS_SCHEDULE", "30 9-18 * * *"),
    "send_session_reminders": beat_schedule("CONSULT_SESSION_REMINDERS_SCHEDULE", "0 9-20 * * *"),
    "send_surveys": beat_schedule("CONSULT_SURVEYS_SCHEDULE", "15 9-20 * * *"),
}

CELERY_BEAT_SCHEDULE = {
    "outbox-requeue-pending": {
        "task": "coopcenter.outbox.tasks.requeue_pending_mail",
        "schedule": env.float("OUTBOX_REQUEUE_EVERY", default=60.0),
    },
    "consult-open-waiting-submissions": {
        "task": "consult.tasks.open_waiting_submissions",
        "schedule": env.float("CONSULT_INTAKE_SWEEP_EVERY", default=60.0),
    },
    "consult-expire-seat-offers": {
        "task": "consult.tasks.expire_seat_offers",
        "schedule": env.float("CONSULT_SEAT_OFFER_SWEEP_EVERY", default=300.0),
    },
    # Imports whose message never reached a worker, or whose worker died (registry.import_jobs).
    "registry-requeue-import-jobs": {
        "task": "registry.tasks.requeue_import_jobs",
        "schedule": 60.0,
    },
    # Retention (consult.privacy): nightly, when nobody is at the desk.
    "consult-anonymise-expired-cases": {
        "task": "consult.tasks.anonymise_expired_cases",
        "schedule": beat_schedule("CONSULT_ANONYMISE_SCHEDULE", "30 3 * * *"),
    },
    "consult-purge-access-records": {
        "task": "consult.tasks.purge_access_records",
        "schedule": beat_schedule("CONSULT_ACCESS_PURGE_SCHEDULE", "45 3 * * *"),
    },
    **{
        f"consult-{name.replace('_', '-')}": {"task": f"consult.tasks.{name}", "schedule": every}
        for name, every in CONSULT_FOLLOW_UP_SCHEDULES.items()
    },
}

# --- Mail and its outbox ---------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="서울시협동조합상담센터 <noreply@example.org>"
)
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Attempts before a mail is marked failed, and the seconds after which beat re-queues a
# pending mail whose task never ran (the broker was down when it was queued).
# A failing mail is tried again after 1, 2, 4 ... minutes, at most every 3 hours, and is
# marked failed once it has failed for 24 hours (or after the attempts cap): a mail server
# that is down overnight loses nothing.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=30)
OUTBOX_REQUEUE_AFTER = env.int("OUTBOX_REQUEUE_AFTER", default=120)
OUTBOX_RETRY_BACKOFF = env.int("OUTBOX_RETRY_BACKOFF", default=60)
OUTBOX_RETRY_MAX_DELAY = env.int("OUTBOX_RETRY_MAX_DELAY", default=3 * 3600)
OUTBOX_RETRY_FOR = env.int("OUTBOX_RETRY_FOR", default=24 * 3600)
# Longer retries wait for beat's re-queue instead of a Celery countdown (see outbox.tasks).
OUTBOX_TASK_COUNTDOWN_MAX = 600
# Fernet keys that seal the links of queued mails (outbox.sealing); the first seals, all
# open. Empty: derived from SECRET_KEY (laptop, tests); production requires its own.
OUTBOX_ENCRYPTION_KEYS = env.list("OUTBOX_ENCRYPTION_KEYS", default=[])
# Who on the staff sees which mail in the outbox admin: a function (user, queryset) ->
# queryset. The case desk points it at its one permission rule.
OUTBOX_VISIBLE_TO = "consult.permissions.mails_visible_to"

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "coopcenter" / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are private (case attachments): they live outside STATIC_ROOT and no URL maps
# to MEDIA_ROOT; views that check permission stream them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# What the site publishes on purpose: the articles' image renditions, re-encoded by the
# site (never an upload as it came), under names nobody can guess. A separate root, so that
# no URL can ever reach the private uploads.
PUBLIC_MEDIA_ROOT = env.path("PUBLIC_MEDIA_ROOT", default=VAR_DIR / "public-media")
PUBLIC_MEDIA_URL = "/media/public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "public": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PUBLIC_MEDIA_ROOT, "base_url": PUBLIC_MEDIA_URL},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Auth ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Security defaults (production hardens further) -----------------------------------
CSRF_FAILURE_VIEW = "coopcenter.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Only the site's own files: no inline script or style, no third-party host. Bootstrap's
# form controls draw their arrows with data: SVG images, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    },
}

# --- Forms -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The center ------------------------------------------------------------------------
CENTER_PHONE = env("CENTER_PHONE", default="02-0000-0000")
CENTER_EMAIL = env("CENTER_EMAIL", default="help@example.org")

# --- Registry --------------------------------------------------------------------------
# Cached statistics are invalidated on every import or edit; this only bounds their life.
REGISTRY_CACHE_SECONDS = env.int("REGISTRY_CACHE_SECONDS", default=3600)
# ... except what is keyed by a visitor's search text, which anyone can vary without end.
REGISTRY_SEARCH_CACHE_SECONDS = env.int("REGISTRY_SEARCH_CACHE_SECONDS", default=60)
# Largest file the admin import page accepts (the command line has no limit).
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# --- Case desk -------------------------------------------------------------------------
# First-response target per track, in Korean business days (weekends and holidays skipped).
CONSULT_FIRST_RESPONSE_DAYS = {
    "triage": env.int("CONSULT_DAYS_TRIAGE", default=1),
    "education": env.int("CONSULT_DAYS_EDUCATION", default=3),
    "advice": env.int("CONSULT_DAYS_ADVICE", default=2),
    "consulting": env.int("CONSULT_DAYS_CONSULTING", default=5),
}
CONSULT_MAX_FILE_BYTES = env.int("CONSULT_MAX_FILE_BYTES", default=10 * 1024 * 1024)
CONSULT_MAX_FILES = env.int("CONSULT_MAX_FILES", default=5)
# Inquiries and link requests a single address may send (django-ratelimit's "count/period").
CONSULT_SUBMIT_RATE = env("CONSULT_SUBMIT_RATE", default="5/h")
CONSULT_FIND_RATE = env("CONSULT_FIND_RATE", default="5/h")
# Replies on a tracking page one address may send (each may carry files).
CONSULT_REPLY_RATE = env("CONSULT_REPLY_RATE", default="30/h")
# The form's POST keeps the inquiry and queues an intake run (consult.tasks); beat runs one
# every CONSULT_INTAKE_SWEEP_EVERY seconds too. A submission that fails to become a case is
# tried again after CONSULT_INTAKE_RETRY_BACKOFF seconds times its failures, and left to
# the desk ("inquiries awaiting intake") after CONSULT_INTAKE_MAX_ATTEMPTS.
CONSULT_INTAKE_MAX_ATTEMPTS = env.int("CONSULT_INTAKE_MAX_ATTEMPTS", default=5)
CONSULT_INTAKE_RETRY_BACKOFF = env.int("CONSULT_INTAKE_RETRY_BACKOFF", default=60)
# Days a case is kept after it closed (or was marked spam or merged) before the nightly
# task (consult.tasks.anonymise_expired_cases, at CONSULT_ANONYMISE_SCHEDULE) or
# `manage.py consult_anonymise` removes the citizen's data (PIPA art. 21; the privacy
# notice promises three years).
CONSULT_RETENTION_DAYS = env.int("CONSULT_RETENTION_DAYS", default=3 * 365)
# Staff accesses to citizens' data (consult.AccessRecord) are kept two years, as the PIPA
# safety-measure standard (art. 8) asks of access records, then purged every night.
CONSULT_ACCESS_RECORD_DAYS = env.int("CONSULT_ACCESS_RECORD_DAYS", default=730)
# Follow-ups (consult.followups): a case waiting on the citizen is reminded once after
# CONSULT_WAITING_REMINDER_DAYS and resolved by the system after CONSULT_WAITING_RESOLVE_DAYS
# (calendar days); a resolved case's satisfaction survey link lives CONSULT_SURVEY_DAYS, and
# a case resolved longer ago than that is not surveyed any more.
CONSULT_WAITING_REMINDER_DAYS = env.int("CONSULT_WAITING_REMINDER_DAYS", default=7)
CONSULT_WAITING_RESOLVE_DAYS = env.int("CONSULT_WAITING_RESOLVE_DAYS", default=14)
CONSULT_SURVEY_DAYS = env.int("CONSULT_SURVEY_DAYS", default=30)
# A seat freed in a full course session is held this many hours for the first on its
# waiting list (never past the session's start); beat expires the offers not taken every
# CONSULT_SEAT_OFFER_SWEEP_EVERY seconds and offers the seat to the next.
CONSULT_SEAT_OFFER_HOURS = env.int("CONSULT_SEAT_OFFER_HOURS", default=48)
# The client's address (coopcenter.core.clientip, for the rate limit and the access records):
# the number of proxies in front of the site that append to CLIENT_IP_HEADER (0: none, the
# connection's address counts; compose's TLS proxy makes it 1).
RATELIMIT_TRUSTED_PROXIES = env.int("RATELIMIT_TRUSTED_PROXIES", default=0)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="HTTP_X_FORWARDED_FOR")
RATELIMIT_IP_META_KEY = "coopcenter.core.clientip.client_ip"
# The counters live in Redis. The key never fails (client_ip always names an address), so
# the only way the limit opens is the cache itself being down: then a citizen's inquiry
# must still reach us, and turning every submission away would be worse than a few
# unlimited minutes (the requests' size is still bounded by coopcenter.core.requestlimits).
RATELIMIT_FAIL_OPEN = True
# Largest body of a request that declares no allowance of its own (the citizens' forms with
# files declare theirs, the admin's pages take the largest of the staff uploads): Django's
# own bound for form data. Checked before anything reads the body (413 beyond).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=2_621_440)
# The whole request may carry five files of 10 MB plus the text fields.
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- Articles: editing -----------------------------------------------------------------
# Hosts whose https:// iframes an article body may embed (video players); every other iframe
# is removed when the body is saved. The pages' CSP allows frames from these hosts only.
ARTICLES_IFRAME_HOSTS = env.list(
    "ARTICLES_IFRAME_HOSTS",
    default=["www.youtube-nocookie.com", "www.youtube.com", "player.vimeo.com"],
)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"] = [
    SELF,
    *(f"https://{host}" for host in ARTICLES_IFRAME_HOSTS),
]
# Uploaded images: largest file and largest picture (width x height) accepted, and the
# widths of the renditions made from each (never wider than the original). 25 megapixels
# is a 6000 x 4000 camera's picture, far more than the 1440-wide renditions need; decoding
# one costs the worker about 100 MB (a 40-megapixel PNG took 390 MB). Pillow's own
# decompression-bomb limit is set to it as well (articles.apps).
ARTICLES_IMAGE_MAX_BYTES = env.int("ARTICLES_IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
ARTICLES_IMAGE_MAX_PIXELS = env.int("ARTICLES_IMAGE_MAX_PIXELS", default=25_000_000)
ARTICLES_RENDITION_WIDTHS = env.list(
    "ARTICLES_RENDITION_WIDTHS", cast=int, default=[480, 960, 1440]
)

# --- Articles: search ------------------------------------------------------------------
# Longest search query accepted (a longer one is refused with a message), and the longest
# life of a cached results page (any save of an article ends it sooner): short, because
# every new search text makes a new entry.
ARTICLES_SEARCH_MAX_LENGTH = env.int("ARTICLES_SEARCH_MAX_LENGTH", default=200)
ARTICLES_SEARCH_CACHE_SECONDS = env.int("ARTICLES_SEARCH_CACHE_SECONDS", default=60)

# Every handler runs RedactTokens first (coopcenter.core.logredact): Django's warnings put the
# path in the message ("Not Found: /consult/track/<reference>/<token>/") and the request in
# the record, and a tracking or survey token in a log opens that citizen's case to whoever
# reads it. Django's own handlers are declared here again so that they carry it too: the
# error mails to DJANGO_ADMINS and runserver's access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "coopcenter.core.logredact.RedactTokens"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["redact_tokens", "require_debug_false"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "level": "INFO",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Propagates to the root's console; replaces Django's default handlers of "django".
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
