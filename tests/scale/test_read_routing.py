"""Which statements go to the read replica (``web/replica.py``, ``db.Session.get_bind``),
asked of the real replica and primary: ``pg_is_in_recovery()`` is true only on the replica."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from buildstory import create_app
from buildstory.db import db
from buildstory.web.replica import _choose as choose

pytestmark = pytest.mark.scale
ON_REPLICA = text("SELECT pg_is_in_recovery()")


@pytest.fixture(scope="module")
def routed_app(app, replica):
    application = create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "DATABASE_REPLICA_URL": replica.url(), "STATS_CACHE_SECONDS": 0,
    })
    yield application
    with application.app_context():
        db.engine.dispose()
    application.extensions["buildstory_replica"].engine.dispose()


def on_replica(app, path="/members", method="GET", cookies=None) -> bool:
    headers = {"Cookie": cookies} if cookies else {}
    with app.test_request_context(path, method=method, headers=headers):
        if method == "GET":
            app.preprocess_request()  # the real hooks, in their order
        else:
            choose()  # only the routing decision (a POST would need a CSRF token first)
        try:
            return db.session.scalar(ON_REPLICA)
        finally:
            db.session.remove()


def test_public_page_reads_go_to_the_replica_and_nothing_else_does(routed_app):
    for page in ("/members", "/profiles/ada", "/projects", "/projects/difference-engine",
                 "/events/build-week/showcase", "/feed"):
        assert on_replica(routed_app, page) is True, page
    # Not a listed page, not a GET, or a browser that has just written: the primary.
    assert on_replica(routed_app, "/dashboard") is False
    assert on_replica(routed_app, "/settings", method="POST") is False
    assert on_replica(routed_app, "/members", cookies="bs_wrote=1") is False


@pytest.mark.parametrize("statement", [
    text("SELECT pg_is_in_recovery() FROM alembic_version FOR UPDATE"),  # a row lock
    select(func.pg_is_in_recovery(), func.pg_advisory_xact_lock(7)),  # an advisory lock
    text("SELECT pg_is_in_recovery() FROM (SELECT pg_notify('routed', '')) AS n"),
    text("WITH t AS (SELECT 1) SELECT pg_is_in_recovery() FROM t "
         "WHERE txid_current() IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alembic_version "
         "WHERE false FOR SHARE)"),
], ids=["for-update", "advisory-lock", "notify", "for-share"])
def test_locks_and_writes_stay_on_the_primary_and_end_the_replica_for_the_request(
        routed_app, statement):
    with routed_app.test_request_context("/members"):
        routed_app.preprocess_request()
        try:
            session = db.session
            assert session.execute(statement).first()[0] is False  # ran on the primary
            assert session.scalar(ON_REPLICA) is False  # and so does the rest of the request
        finally:
            db.session.remove()


def test_reads_after_a_write_stay_on_the_primary(routed_app):
    with routed_app.test_request_context("/members"):
        routed_app.preprocess_request()
        try:
            session = db.session
            assert session.scalar(ON_REPLICA) is True
            session.execute(text("CREATE TEMP TABLE routed (x int)"))  # a write …
            assert session.scalar(ON_REPLICA) is False  # … ends the replica for this request
        finally:
            db.session.remove()


def test_a_replica_that_does_not_answer_is_skipped(routed_app, replica):
    router = routed_app.extensions["buildstory_replica"]
    replica.stop()
    try:
        assert on_replica(routed_app, "/members") is False  # read from the primary
        assert router.available() is False  # and marked down meanwhile
    finally:
        replica.start()
        router._down_until = 0.0
    assert on_replica(routed_app, "/members") is True
