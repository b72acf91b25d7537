"""Production serving settings for gunicorn (``gunicorn -c gunicorn.conf.py wsgi:app``).

Chosen by measurement with ``make bench`` (README "Performance"), which serves with this
file. On 2 cores:

- processes, not threads: a request is mostly Python (templates, ORM) holding the GIL, so
  8 threads in one process served the member search at 267 req/s where 4 single-threaded
  processes served 450–595;
- ``sync`` workers: each takes a connection only when it is free, so requests spread
  evenly. ``gthread`` workers keep each client's connection (keep-alive) in one process,
  and a process holding more of them made its clients wait: p99 of the dashboard 139 ms
  with ``gthread`` against 48 ms with ``sync``, at more requests per second. Sync workers
  belong behind a buffering proxy or load balancer (nginx, a cloud LB), which also keeps
  slow clients away from them — as every production deployment has anyway.
"""
import multiprocessing
import os

# Web requests get a 5 s statement timeout (a runaway query frees its connection and the
# visitor gets the friendly error page); ``flask db upgrade`` runs without one.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "5000")

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Two processes per core: while one waits on PostgreSQL the other runs Python.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # > 1 makes gunicorn use gthread
timeout = 30  # a request still running after 30 s is killed (statement timeout is 5 s)
graceful_timeout = 30
# Recycle workers now and then (jittered so they do not all restart at once).
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def on_starting(server):
    """Refuse to start production with per-process rate-limit counters across several
    workers (``-w`` on the command line included): see ``buildstory/config.py``."""
    from buildstory.config import check_rate_limit_storage

    check_rate_limit_storage(os.environ, server.cfg.workers)
