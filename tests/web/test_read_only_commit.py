"""Read-only requests end their transaction with COMMIT (buildstory/web/transactions.py), so
psycopg keeps its prepared statements — it forgets them on every ROLLBACK — and PostgreSQL
stops parsing and planning the hot queries on every request. Anything else (a write, an
error, a change not yet flushed) still ends with the usual rollback."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, text

from buildstory.db import db
from buildstory.profiles.models import Profile
from buildstory.web.transactions import _end_read_only
from tests.factories import ProfileFactory


@contextmanager
def endings(app):
    """Collect "commit" / "rollback" as the engine ends transactions inside the block."""
    seen = []
    with app.app_context():
        engine = db.engine
    on_commit = lambda conn: seen.append("commit")  # noqa: E731
    on_rollback = lambda conn: seen.append("rollback")  # noqa: E731
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)


def test_a_page_view_commits_and_prepared_statements_survive(app, committed):
    with app.app_context():
        ProfileFactory(username="prepared-one")
        db.session.commit()
        db.session.remove()
        # One pooled connection, so the requests and the check below share it (the pool
        # hands out idle connections in turn; earlier tests may have left several).
        db.engine.dispose()
    client = app.test_client()
    with endings(app) as seen:
        for _ in range(8):  # psycopg prepares a statement from its 5th run on a connection
            assert client.get("/profiles/prepared-one").status_code == 200
    assert seen and set(seen) == {"commit"}, seen
    with app.app_context():
        prepared = db.session.execute(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM profiles%'"
        )).scalar()
        db.session.rollback()
        db.session.remove()
    assert prepared >= 1


def test_writes_errors_and_pending_changes_are_left_to_the_rollback(app, committed):
    with app.app_context():
        ProfileFactory(username="untouched", bio="Before")
        db.session.commit()
        db.session.remove()
    cases = {
        "write": lambda s: s.execute(text("UPDATE profiles SET bio = 'After' "
                                          "WHERE username = 'untouched'")),
        "pending": lambda s: setattr(s.query(Profile).filter_by(username="untouched").one(),
                                     "bio", "After"),
        "error": lambda s: s.execute(text("SELECT 1")),
    }
    for name, act in cases.items():
        with app.test_request_context("/"), endings(app) as seen:
            act(db.session)
            _end_read_only(RuntimeError("boom") if name == "error" else None)
            assert db.session().in_transaction(), name  # not committed here
            db.session.remove()
        assert seen == ["rollback"], (name, seen)
    with app.app_context():
        assert db.session.query(Profile.bio).filter_by(username="untouched").scalar() == "Before"
        db.session.remove()


def test_a_read_only_transaction_is_committed(app, committed):
    with app.test_request_context("/"), endings(app) as seen:
        db.session.execute(text("SELECT 1"))
        _end_read_only(None)
        assert not db.session().in_transaction()
        db.session.remove()
    assert seen == ["commit"]
