"""Faults, each on a PostgreSQL cluster of the test's own.

* Committed data survives PostgreSQL being stopped — by a crash-like ``immediate`` stop and
  by the normal ``fast`` one — and the app serves it again without a restart; while the
  database is down every request answers the friendly 503.
* A request interrupted in the middle of its transaction (its backend terminated, or the
  whole server stopped ``immediate``) leaves no partial write, and its user gets the
  friendly 503, not a 500 or a trace.

Interruptions are sequenced with locks, never with sleeps: another connection holds a
table lock the request needs for its *second* write, the test waits until PostgreSQL
itself reports the request's backend blocked on that lock after its first write, then
interrupts it.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from buildstory import create_app
from buildstory.db import db
from buildstory.devdb import Cluster
from tests.conftest import Client

UNAVAILABLE = "Buildstory is briefly unavailable. Try again in a moment."
SHM = "/dev/shm" if Path("/dev/shm").is_dir() else None
TABLES_SQL = """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                AND tablename <> 'alembic_version' ORDER BY tablename"""


@contextmanager
def own_cluster(*, fast: bool):
    """A cluster of this test's own (never the shared test cluster).

    ``fast=False`` keeps PostgreSQL's durable defaults (fsync, synchronous_commit on) — the
    durability test needs them: with synchronous_commit off a crash may lose the last
    commits by design.
    """
    base = Path(tempfile.mkdtemp(prefix="bs-fault-", dir=SHM))
    cluster = Cluster(base=base, socket_dir=base, fast=fast)
    try:
        cluster.start()
        cluster.create_database("fault")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def stop(cluster: Cluster, mode: str) -> None:
    """``pg_ctl stop -m <mode>``: ``immediate`` is a crash (no checkpoint, recovery on start)."""
    result = cluster._run("pg_ctl", "-D", str(cluster.data), "-m", mode, "-w", "stop")
    assert result.returncode == 0, result.stderr
    assert not cluster.running()


def migrated_app(cluster: Cluster):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "fault-test-secret-" + "x" * 16,
        "SQLALCHEMY_DATABASE_URI": cluster.url("fault"),
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "SERVER_NAME": None, "STATS_CACHE_SECONDS": 0,
    })
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    return app


def connect(cluster: Cluster, **kw) -> psycopg.Connection:
    return psycopg.connect(host=str(cluster.socket_dir), user="postgres", dbname="fault", **kw)


def snapshot(cluster: Cluster) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows, read outside the app."""
    with connect(cluster, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(TABLES_SQL)]
        out = {}
        for name in tables:
            count, digest = conn.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f' FROM "{name}" t').fetchone()
            out[name] = (count, digest)
        return out


def signed_in(app, identity_id: str) -> Client:
    """A test client signed in through a real session row."""
    from buildstory.identity import services, tokens

    client = Client(app)
    with app.app_context():
        sess = services.create_session(db.session, identity_id, user_agent="pytest",
                                       now=services.utcnow(), lifetime_days=1)
        db.session.commit()
        client.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], tokens.encode_session(sess))
        db.session.remove()
    return client


def assert_friendly_503(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:500])
    assert UNAVAILABLE in body
    assert "Traceback" not in body and "psycopg" not in body and "sqlalchemy" not in body.lower()


# --- (a) committed data survives a stop, immediate or fast ---------------------------------

PROJECT = {"name": "Receipt Whisperer", "slug": "receipt-whisperer",
           "description": "Reads **receipts** for you.", "starting_point": "existing",
           "goal_text": "A _working_ demo", "github_url": "https://github.com/amara/receipts",
           "live_url": "https://receipts.example.com"}


def test_committed_data_survives_immediate_and_fast_stops():
    with own_cluster(fast=False) as cluster:
        app = migrated_app(cluster)
        builder = Client(app)
        # Everything below is saved through the app's own forms, each request committing.
        r = builder.post("/sign-up", {"username": "durable", "email": "durable@example.com",
                                      "password": "long enough pw"})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        r = builder.post("/settings", {"display_name": "Dora Durable", "username": "durable",
                                       "bio": "Committed before the crash.",
                                       "allow_invites": "1"})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        assert builder.post("/projects/new", PROJECT).status_code == 303
        before = snapshot(cluster)
        assert before["accounts"][0] == 1 and before["profiles"][0] == 1
        assert before["projects"][0] == 1 and before["sessions"][0] >= 1

        survived = []
        for mode, n in (("immediate", 2), ("fast", 3)):
            token = builder.csrf()
            stop(cluster, mode)
            # Down: pages and forms answer the friendly 503 (the form's write is refused).
            assert_friendly_503(builder.get("/healthz"))
            assert_friendly_503(builder.get("/profiles/durable"))
            assert_friendly_503(builder.post("/projects/new", {
                **PROJECT, "slug": f"lost-{mode}", "csrf_token": token}))
            assert_friendly_503(builder.post("/projects/new", {
                **PROJECT, "slug": f"lost-{mode}-htmx"}, csrf=False, htmx=True,
                headers={"X-CSRF-Token": token}))
            cluster.start()
            assert snapshot(cluster) == before, f"committed rows changed across a {mode} stop"
            survived.append(mode)
            # Back: the same app (no restart) serves the saved data and the same session.
            assert builder.get("/healthz").status_code == 200
            page = builder.get("/profiles/durable").get_data(as_text=True)
            assert "Dora Durable" in page and "Committed before the crash." in page
            assert builder.get("/dashboard").status_code == 200  # the session cookie still works
            r = builder.post("/projects/new", {**PROJECT, "name": f"Project {n}",
                                               "slug": f"project-{n}"})
            assert r.status_code == 303
            before = snapshot(cluster)
            assert before["projects"][0] == n
        assert survived == ["immediate", "fast"]
        with app.app_context():
            db.engine.dispose()


# --- (b) a request interrupted mid-transaction writes nothing ------------------------------

def _wait_for_blocked_backend(monitor, table: str, timeout: float = 30.0) -> int:
    """Return the pid of the backend waiting for a lock on ``table`` (polls pg_locks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = monitor.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND NOT l.granted", (table,)).fetchone()
        if row:
            return row[0]
        time.sleep(0.01)
    raise AssertionError(f"no request ever blocked on {table}")


def _holds_row_exclusive(monitor, pid: int, table: str) -> bool:
    """True when backend ``pid`` has already written to ``table`` in its open transaction."""
    return monitor.execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = %s AND c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.granted",
        (pid, table)).fetchone()[0] == 1


def _ban_state(cluster, target_id):
    with connect(cluster, autocommit=True) as conn:
        banned = conn.execute("SELECT banned_at, ban_reason FROM profiles WHERE id = %s",
                              (target_id,)).fetchone()
        audits = conn.execute("SELECT count(*) FROM admin_audit_log WHERE action = 'ban_user' "
                              "AND target_profile_id = %s", (target_id,)).fetchone()[0]
    return banned, audits


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("interrupt", ["terminate_backend", "immediate_stop"])
def test_interrupted_ban_leaves_no_partial_write(interrupt, htmx):
    """A ban is two writes in one transaction: the profile's ban columns, then its audit row.

    The request is held between them (the audit table is share-locked by another
    connection) and interrupted there; afterwards neither write exists, the moderator got
    the friendly 503, and the same app then bans normally.
    """
    from tests.factories import AccountFactory, ProfileFactory

    with own_cluster(fast=False) as cluster:  # durable commits: the set-up survives a crash
        app = migrated_app(cluster)
        with app.app_context():
            mod = AccountFactory(profile__moderator=True, profile__display_name="Mona Mod")
            target = ProfileFactory(username="spammy", display_name="Sam Spammer")
            db.session.commit()
            mod_identity, target_id = mod.id, target.id
            db.session.remove()
        moderator = signed_in(app, mod_identity)
        token = moderator.csrf()
        form = {"confirm": "yes", "reason": "Posting the same link everywhere",
                "csrf_token": token}
        url = f"/moderation/profiles/{target_id}/ban"

        blocker = connect(cluster)
        blocker.execute("LOCK TABLE admin_audit_log IN SHARE MODE")  # INSERTs wait for it
        monitor = connect(cluster, autocommit=True)
        answer = {}
        headers = {"HX-Request": "true", "X-CSRF-Token": token} if htmx else {}
        request = threading.Thread(target=lambda: answer.setdefault(
            "r", moderator.raw.post(url, data=form, headers=headers)), daemon=True)
        request.start()
        try:
            pid = _wait_for_blocked_backend(monitor, "admin_audit_log")
            # The first write happened: the request's transaction has updated the profile.
            assert _holds_row_exclusive(monitor, pid, "profiles")
            assert monitor.execute("SELECT backend_xid IS NOT NULL FROM pg_stat_activity "
                                   "WHERE pid = %s", (pid,)).fetchone()[0]
            if interrupt == "terminate_backend":
                assert monitor.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
            else:  # the blocker keeps its lock until the crash: nothing can slip through
                stop(cluster, "immediate")
            request.join(60)
            assert not request.is_alive(), "the interrupted request never answered"
        finally:
            for conn in (blocker, monitor):  # after the interruption: release the lock
                try:
                    conn.close()
                except psycopg.Error:
                    pass
        assert_friendly_503(answer["r"])
        if htmx:  # the message lands in the page's message area, the page stays
            assert answer["r"].headers["HX-Retarget"] == "#messages"
        if interrupt == "immediate_stop":
            cluster.start()

        banned, audits = _ban_state(cluster, target_id)
        assert banned == (None, None) and audits == 0, "a partial write survived"

        # The same app, not restarted, now bans for real: both writes, together.
        r = moderator.post(url, {"confirm": "yes", "reason": "Posting the same link everywhere"})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        banned, audits = _ban_state(cluster, target_id)
        assert banned[0] is not None and banned[1] == "Posting the same link everywhere"
        assert audits == 1
        with app.app_context():
            db.engine.dispose()
