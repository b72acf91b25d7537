"""Count SQL statements the way the query budget counts them (docs/architecture.md "Quality bars").

Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) and SET are left out.
Usage::

    with count_queries(app) as q:
        client.get("/members")
    assert q.count <= 8
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from buildstory.db import db

IGNORED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET)\b", re.I)


class QueryLog:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(app):
    """Record every counted statement run on the app's engine inside the block."""
    log = QueryLog()
    with app.app_context():
        engine = db.engine

    def _record(conn, cursor, statement, params, context, executemany):
        if not IGNORED.match(statement):
            log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", _record)
