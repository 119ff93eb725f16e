# syntax=docker/dockerfile:1

# The portal's one image: gunicorn by default; docker-compose.yml runs the Celery worker and
# beat from it too. Build: docker build -t coopcenter .

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# msgfmt, for compilemessages; only this stage needs it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app

# The dependencies come from the lock file alone, pinned and hash-checked (pip refuses any
# package the lock does not name), so the image holds what the tests ran against, and a change
# to the code reuses this layer instead of downloading every wheel again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
# Editable, so that settings find templates/, static/ and the catalogues next to the code.
RUN pip install --no-deps -e . \
 && python manage.py compilemessages \
 && DJANGO_SETTINGS_MODULE=coopcenter.settings.production \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-real-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v 0 \
 && python -m compileall -q coopcenter consult registry articles


FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=coopcenter.settings.production \
    MEDIA_ROOT=/app/var/media \
    PUBLIC_MEDIA_ROOT=/app/var/public-media \
    WEB_CONCURRENCY=3

RUN groupadd --system app \
 && useradd --system --gid app --create-home --home-dir /home/app app

COPY --from=build /opt/venv /opt/venv
# The code stays root's: a compromised worker process cannot rewrite it. Only uploads and
# beat's schedule are the app user's to write: the private uploads (MEDIA_ROOT), the published
# renditions (PUBLIC_MEDIA_ROOT) and beat's schedule, each a volume in docker-compose.yml (a
# new named volume takes the owner of the directory it is mounted on).
COPY --from=build /app /app
RUN mkdir -p /app/var/media /app/var/public-media /app/var/beat \
 && chown app:app /app/var/media /app/var/public-media /app/var/beat

WORKDIR /app
USER app
EXPOSE 8000

# /healthz is exempt from the https redirect, but it must be asked for with a host name the
# settings allow, so the probe uses the first entry of DJANGO_ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request as u; \
hosts = [h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')]; \
host = next((h for h in hosts if h and h != '*'), 'localhost'); \
u.urlopen(u.Request('http://127.0.0.1:8000/healthz', \
headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=4)"

# The logger class keeps tracking and survey tokens out of the access log
# (coopcenter.core.logredact).
CMD ["gunicorn", "coopcenter.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--logger-class", "coopcenter.core.logredact.GunicornLogger"]
