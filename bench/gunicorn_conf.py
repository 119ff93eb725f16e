"""gunicorn for the benchmark: production's worker model, one sync worker per core.

Loaded as `-c python:bench.gunicorn_conf`, which also keeps a gunicorn.conf.py in the
working directory from changing what is measured. The bind address and the error log are
given on the command line by the harness.
"""

workers = 2
worker_class = "sync"
# Writing a line per request would be measured along with the pages.
accesslog = None
loglevel = "warning"
timeout = 120
graceful_timeout = 5
