"""Production settings with the benchmark's own URLs, templates and static root.

The harness (python -m bench) provides what production reads from the environment:
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

from coopcenter.settings.production import *  # noqa: F403
from coopcenter.settings.production import BASE_DIR, TEMPLATES, VAR_DIR

BENCH_DIR = VAR_DIR / "bench"

ROOT_URLCONF = "bench.urls"

# A copy rather than an edit in place: the production list is shared with its module.
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]},
]

# Its own root, so that collecting for the benchmark never touches a deployment's files.
STATIC_ROOT = BENCH_DIR / "static"

# The form is posted thousands of times from one address: the limit stays in the path
# (its cache round trip is measured) but is never reached.
CONSULT_SUBMIT_RATE = "1000000/m"
CONSULT_FIND_RATE = "1000000/m"
