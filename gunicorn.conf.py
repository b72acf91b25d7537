"""Production serving settings for gunicorn (``gunicorn -c gunicorn.conf.py wsgi:app``).

Chosen by measurement with ``make bench`` (README "Performance"), which serves with this
file. On 2 cores, processes beat threads: a request is mostly Python (templates, ORM) and
holds the GIL, so 8 threads in one process spent their time handing the GIL around while
4 single-threaded processes kept both cores busy and PostgreSQL fed.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Two processes per core: while one waits on PostgreSQL the other runs Python.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"  # keeps connections alive between requests (a load balancer's)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = 5
timeout = 30  # a request still running after 30 s is killed (statement timeout is 5 s)
graceful_timeout = 30
# Recycle workers now and then (jittered so they do not all restart at once).
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
