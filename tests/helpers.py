"""Helpers shared by several test modules (test modules never import one another).

* ``run_concurrently`` — race tests: ``n`` threads, each on its own connection, released
  at once by a barrier; ``outcomes`` splits their results.
* ``setup`` / ``count`` / ``now`` — committed data for race tests, read back afterwards.
* ``clerk_keys`` — one RSA key pair per run for the Clerk token tests.
* ``run_jobs`` — background jobs: runs the REAL worker (procrastinate, ``run_worker(wait=
  False)``) in this process against the test database until no job is due, then returns.
  It sees committed data only, so use it with the ``committed`` fixture (or ``setup``),
  never with ``db_session`` (whose rows other connections cannot see).
"""
from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from buildstory.db import db

N = 12  # concurrent connections per race


def run_concurrently(app, fn, n=N):
    """Run ``fn(session, i)`` in ``n`` threads, each on its own connection, all at once."""
    barrier = threading.Barrier(n)
    results = [None] * n
    with app.app_context():
        engine = db.engine

    def worker(i):
        with Session(engine) as session:
            barrier.wait()
            try:
                results[i] = ("ok", fn(session, i))
                session.commit()
            except Exception as exc:  # collected and asserted on below
                session.rollback()
                results[i] = ("error", exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def outcomes(results):
    """Split ``run_concurrently``'s results into (values of the winners, exceptions)."""
    oks = [r[1] for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    return oks, errors


def now():
    return datetime.now(UTC)


def setup(app, make):
    """Create committed data with ``make()`` and return what it returns (ids)."""
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def count(app, model, *where):
    """Count committed rows of ``model`` matching ``where``."""
    with app.app_context():
        value = db.session.scalar(select(func.count(model.id)).where(*where))
        db.session.remove()
    return value


def make_keys():
    """Return a fresh RSA private key and its public key as PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, public


@functools.cache
def clerk_keys():
    """The run's Clerk signing key pair (generated once, shared by the Clerk tests)."""
    return make_keys()


def run_jobs(app, *, queues=None, tasks=None):
    """Run the real worker on ``queues`` (default: all) until no job is due, then return.

    Jobs run exactly as under ``flask worker``: each in the app's context with its own
    session, committed when it returns; a failure is retried later (its ``scheduled_at``
    moves 3 s, 9 s … ahead, so it is not due again in this call) or marked failed after the
    last attempt; successful jobs are deleted. Returns ``job_statuses(app, tasks)``.
    Periodic tasks (``cron=``) that are due get deferred by the worker as well: pass
    ``tasks`` to look only at the jobs of the named tasks.
    """
    from buildstory.jobs import run_worker

    without_event_loop(lambda: run_worker(app, queues=queues, concurrency=1, wait=False,
                                          install_signal_handlers=False, listen_notify=False))
    return job_statuses(app, tasks)


def without_event_loop(fn):
    """Call ``fn()`` on a thread of its own and return its result (re-raising its error).

    The worker runs on ``asyncio.run``, which refuses to start inside a running event loop;
    a test process that ran a browser test holds one (Playwright's sync API) on its main
    thread for the rest of the session, so worker runs get a thread without one."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="worker-run")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def job_statuses(app, tasks=None) -> dict[str, list[int]]:
    """{status: [job ids]} of the jobs left in the queue (successful ones are deleted),
    of the tasks named in ``tasks`` only when given."""
    from sqlalchemy import text

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT status::text, id FROM procrastinate_jobs "
            "WHERE CAST(:tasks AS text[]) IS NULL OR task_name = ANY(CAST(:tasks AS text[])) "
            "ORDER BY id"), {"tasks": sorted(tasks) if tasks else None}).all()
        db.session.remove()
    statuses: dict[str, list[int]] = {}
    for status, job_id in rows:
        statuses.setdefault(status, []).append(job_id)
    return statuses
