"""End read-only request transactions with COMMIT, so PostgreSQL keeps its prepared plans.

psycopg prepares a statement on the server once a connection has run it a few times and
then skips parsing and planning it — but it forgets every prepared statement on ROLLBACK.
Flask-SQLAlchemy ends each request by closing the session, which rolls back; so without
this, every hot query was parsed and planned again on every request (planning the event
page's, the project page's or the dashboard's statements cost PostgreSQL 0.2–0.7 ms each,
more than running them).

A transaction that only read (every statement it sent was a SELECT) ends the same with
COMMIT as with ROLLBACK. So after a request that raised nothing, whose session has no
unflushed changes and whose transaction sent nothing but SELECTs (plain, or WITH queries
naming no INSERT, UPDATE, DELETE or MERGE), the session commits;
everything else (a write, an error, a pending change) is left to the usual rollback.
"""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import event

from ..db import db

READ = re.compile(r"\s*SELECT\b", re.I)
# A WITH query reads too, unless one of its parts writes (a data-modifying CTE).
READ_WITH = re.compile(r"\s*WITH\b", re.I)
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.I)
WROTE = "buildstory_wrote"


def _begin(conn) -> None:
    conn.info[WROTE] = False


def _statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if not (READ.match(statement)
            or (READ_WITH.match(statement) and not WRITES.search(statement))):
        conn.info[WROTE] = True


def _end_read_only(exc) -> None:
    """teardown_request: commit a clean, read-only transaction (see the module doc)."""
    if exc is not None or not current_app.config.get("COMMIT_READ_ONLY", True):
        return
    if not db.session.registry.has():  # no session was used by this request
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE, True):
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:  # the response is out: nothing reads these objects again, no need to expire them
        session.commit()
    finally:
        session.expire_on_commit = expire


def init_transactions(app) -> None:
    """Track writes per transaction and commit read-only ones at the end of a request."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", _begin)
    event.listen(engine, "before_cursor_execute", _statement)
    app.teardown_request(_end_read_only)
