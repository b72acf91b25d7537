"""Test harness: one private PostgreSQL cluster on /dev/shm per run, per-test isolation.

* ``app`` — the application against the run's migrated test database.
* ``db_session`` — a session inside a per-test transaction that views may commit into
  (savepoints); everything is rolled back at teardown. It is installed as ``db.session``.
* ``client`` / ``login`` — a test client with CSRF left on, and a helper that signs a
  profile in through a real session row.
* ``committed`` — for race and browser tests that need data other connections can see:
  it uses the real engine and truncates every table afterwards.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from buildstory import create_app
from buildstory.db import db
from buildstory.devdb import Cluster

ROOT = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
TEST_PASSWORD = "correct horse battery"


def _stop_orphans():
    """Stop clusters of earlier, killed runs — by their data directory, never by name."""
    for base in ROOT.glob("bst-*"):
        pid = base.name.split("-")[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            Cluster(base=base, socket_dir=base).stop()
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster():
    _stop_orphans()
    base = ROOT / f"bst-{os.getpid()}"
    c = Cluster(base=base, socket_dir=base, fast=True)
    c.start()
    c.create_database("buildstory_test")
    yield c
    c.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def app(cluster, tmp_path_factory):
    os.environ["BUILDSTORY_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test"),
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "ADMIN_USER_IDS": frozenset({"user_superadmin"}),
        "SERVER_NAME": None,
        "STATS_CACHE_SECONDS": 0,  # aggregates computed on every request (buildstory/cache.py)
    })
    application.jinja_env.undefined = __import__("jinja2").StrictUndefined
    with application.app_context():
        from flask_migrate import upgrade
        upgrade()
        # Tests start from an empty catalogue, as after the truncation of ``committed``:
        # the seeded AI tools (migration 0010_ai_tools_seed) are tested on their own.
        db.session.execute(sa.text("DELETE FROM ai_tools"))
        db.session.commit()
    return application


class _PinnedScopedSession(orm.scoped_session):
    """A scoped session that outlives request teardown; the fixture closes it."""

    def remove(self):  # Flask-SQLAlchemy calls this after every request
        pass


@contextmanager
def rolled_back_session(app):
    """A session on one connection inside a transaction rolled back at the end, installed
    as ``db.session`` meanwhile; views may commit into it (savepoints)."""
    with app.app_context():
        engine = db.engine
    conn = engine.connect()
    outer = conn.begin()
    factory = orm.sessionmaker(bind=conn, join_transaction_mode="create_savepoint")
    session = _PinnedScopedSession(factory, scopefunc=lambda: 0)
    original = db.session
    db.session = session
    try:
        yield session, conn
    finally:
        db.session = original
        session.registry().close()
        outer.rollback()
        conn.close()
        _reset_limits(app)


@pytest.fixture
def db_session(app):
    with rolled_back_session(app) as (session, _conn):
        yield session


def _reset_limits(app):
    limiter = app.extensions.get("limiter")
    if limiter:
        for lim in limiter if isinstance(limiter, set) else [limiter]:
            lim.reset()


TABLES_SQL = """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                AND tablename <> 'alembic_version'"""


@pytest.fixture
def committed(app):
    """The app, for data committed for real (other connections see it); truncated after.

    Push an app context only around your own data set-up, never around requests:
    a request inside an outer app context would share its ``g``.
    """
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            names = [r[0] for r in conn.execute(sa.text(TABLES_SQL))]
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
    _reset_limits(app)


CSRF_RE = re.compile(r'"X-CSRF-Token": "([0-9a-f]+)"')


class Client:
    """A test client that keeps cookies, knows the CSRF token and commits test data first."""

    def __init__(self, app, session=None):
        self.app = app
        self.raw = app.test_client()
        self.session = session

    def _sync(self):
        if self.session is not None:
            self.session.commit()

    def csrf(self):
        """Return the CSRF token of this browser: read from a page once, then reused while
        the browser keeps the same CSRF cookie (the token is derived from it)."""
        self._sync()
        cookie = self.raw.get_cookie(self.app.config["CSRF_COOKIE_NAME"])
        if cookie is None or cookie.value != getattr(self, "_csrf_cookie", None):
            page = self.raw.get("/sign-in", follow_redirects=True)
            match = CSRF_RE.search(page.get_data(as_text=True))
            assert match, "no CSRF token in the layout of /sign-in"
            cookie = self.raw.get_cookie(self.app.config["CSRF_COOKIE_NAME"])
            self._csrf_cookie, self._csrf_token = cookie.value, match.group(1)
        return self._csrf_token

    def get(self, path, **kw):
        self._sync()
        return self.raw.get(path, **kw)

    def post(self, path, data=None, *, csrf=True, htmx=False, headers=None, **kw):
        headers = dict(headers or {})
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            token = self.csrf()
            if htmx:
                headers["X-CSRF-Token"] = token
            else:
                data["csrf_token"] = token
        if htmx:
            headers.setdefault("HX-Request", "true")
        self._sync()
        return self.raw.post(path, data=data, headers=headers, **kw)

    def hx_get(self, path, target=None, **kw):
        headers = {"HX-Request": "true", **kw.pop("headers", {})}
        if target:
            headers["HX-Target"] = target
        self._sync()
        return self.raw.get(path, headers=headers, **kw)


@pytest.fixture
def client(app, db_session):
    return Client(app, db_session)


@pytest.fixture
def login(app, db_session):
    """``login(profile)`` → a Client signed in as ``profile`` via a real session row."""
    from buildstory.identity import services, tokens

    def _login(profile):
        c = Client(app, db_session)
        sess = services.create_session(db_session, profile.clerk_id, user_agent="pytest",
                                       now=services.utcnow(),
                                       lifetime_days=app.config["SESSION_LIFETIME_DAYS"])
        db_session.commit()
        with app.app_context():
            cookie = tokens.encode_session(sess)
        c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        c.profile = profile
        return c

    return _login

