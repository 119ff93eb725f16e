"""The page benchmark: `make bench` (python -m bench).

It serves the portal the way production does — gunicorn with two sync workers, production
settings (DEBUG off, cached template loader, WhiteNoise's manifest storage) through
`bench.settings` — on PostgreSQL when one answers and on a SQLite file otherwise, and with
the Redis cache when Redis answers. Before serving it migrates the bench database, collects
the static files and seeds the registered data scales (`bench.scales`).

Every registered page (`bench.pages`) is then loaded from a separate client process: a
warm-up, then a fixed number of requests spread over a few concurrent connections. Each
page's throughput is compared with the baseline page measured in the same run — the bare
`base.html` with an empty content block — so the result speaks about the page's own cost,
not about the machine. A page below half the baseline's throughput fails the run.

The results are printed as a table and saved as JSON in var/bench/.
"""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = PROJECT_DIR / "var" / "bench"
