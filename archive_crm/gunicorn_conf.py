"""Gunicorn's settings for `make serve` (gunicorn --config archive_crm/gunicorn_conf.py).

Read from the environment: HOST and PORT (the address to listen on), WEB_CONCURRENCY (the
number of worker processes; 2 × the usable cores + 1 by default), GUNICORN_TIMEOUT (seconds a
request may take before its worker is replaced). Every worker is a whole, stateless copy of
the app: sessions, the cache and the uploaded files live outside it.
"""

import os

wsgi_app = "archive_crm.wsgi:application"

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Synchronous workers: each one serves a request at a time, so the count bounds the requests in
# flight and the database connections (one per worker, or two with a read replica).
cores = len(os.sched_getaffinity(0))
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * cores + 1)

# The largest analyses and exports run inside the request: give them time before the master
# replaces a silent worker, and let a stopping worker finish what it serves.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Behind a proxy that keeps connections open to the app: a little longer than a browser's.
keepalive = 5
# A worker is replaced after this many requests (with some spread, so not all at once): memory
# a long-lived process gathers is given back.
max_requests = 2000
max_requests_jitter = 200

# The workers' heartbeat files in memory: on a disk-backed /tmp a slow disk can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# The app is imported once, before the workers are forked: they share its memory, and an app
# that cannot start stops gunicorn at once. A code change needs a restart, not a HUP.
preload_app = True

# One line per request on standard output, with the time it took (microseconds, %(D)s), beside
# the app's own log lines on standard error.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

# Managed with signals (HUP, TERM, TTIN, TTOU) by the process manager; no control socket left
# in the home folder.
control_socket_disable = True


def when_ready(server):
    """The URLconf, and with it every view module, imported in the master too: the workers
    start with it in their shared memory instead of loading it on their first request."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loads it)


def pre_fork(server, worker):
    """No database connection is handed from the master to a worker: each opens its own
    (two processes on one socket would interleave their queries)."""
    from django.db import connections

    connections.close_all()
