"""Helpers shared by several test modules (test modules never import one another).

* ``run_concurrently`` — race tests: ``n`` threads, each on its own connection, released
  at once by a barrier; ``outcomes`` splits their results.
* ``setup`` / ``count`` / ``now`` — committed data for race tests, read back afterwards.
* ``clerk_keys`` — one RSA key pair per run for the Clerk token tests.
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
