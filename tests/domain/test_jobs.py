"""The job queue on the real worker: jobs commit with the transaction that defers them,
run in the worker with their own committed session, and failures retry then fail."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from buildstory import jobs
from buildstory.db import db
from tests.helpers import job_statuses, run_jobs
from tests.querycount import count_queries

RUNS: list[tuple[str, int]] = []

# the jobs these tests look at (the worker also defers the periodic ones)
TEST_TASKS = {"tests.note", "tests.explode"}


@jobs.task(name="tests.note", queue="maintenance")
def note(session, *, text):
    session.execute(sa.text("INSERT INTO jobs_test_notes (text) VALUES (:t)"), {"t": text})


@jobs.task(name="tests.explode", queue="maintenance")
def explode(session, *, tag):
    session.execute(sa.text("INSERT INTO jobs_test_notes (text) VALUES (:t)"), {"t": tag})
    RUNS.append((tag, jobs.current_job().attempt))
    raise RuntimeError("the mail server said no")


@pytest.fixture
def notes(committed):
    """A scratch table the test tasks write to (committed data; dropped afterwards)."""
    with committed.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE jobs_test_notes (text text NOT NULL)"))
    RUNS.clear()

    def read():
        with committed.app_context(), db.engine.connect() as conn:
            return sorted(conn.execute(sa.text("SELECT text FROM jobs_test_notes")).scalars())

    yield read
    with committed.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE jobs_test_notes"))


def engine(app):
    with app.app_context():
        return db.engine


def test_a_deferred_job_runs_in_the_worker_and_commits(app, notes):
    with Session(engine(app)) as session:
        job_id = jobs.defer(session, "tests.note", text="hello")
        session.commit()
    assert job_statuses(app, tasks=TEST_TASKS) == {"todo": [job_id]}
    assert notes() == []  # deferring runs nothing in the request

    assert run_jobs(app, tasks=TEST_TASKS) == {}  # ran, succeeded, deleted
    assert notes() == ["hello"]


def test_a_rolled_back_transaction_queues_nothing(app, notes):
    with Session(engine(app)) as session:
        session.execute(sa.text("INSERT INTO jobs_test_notes (text) VALUES ('row')"))
        jobs.defer(session, "tests.note", text="ghost")
        jobs.defer_many(session, "tests.note", [{"text": "a"}, {"text": "b"}])
        session.rollback()
    assert job_statuses(app, tasks=TEST_TASKS) == {}
    run_jobs(app, tasks=TEST_TASKS)
    assert notes() == []


def test_defer_many_is_one_statement_and_keeps_the_order(app, notes):
    with Session(engine(app)) as session:
        ids = jobs.defer_many(session, "tests.note",
                              [{"text": f"n{i}"} for i in range(50)], priority=10)
        assert len(ids) == 50
        session.commit()
    assert job_statuses(app, tasks=TEST_TASKS) == {"todo": ids}
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT args->>'text', queue_name, priority FROM procrastinate_jobs ORDER BY id"
        )).all()
        db.session.remove()
    assert rows == [(f"n{i}", "maintenance", 10) for i in range(50)]
    run_jobs(app, tasks=TEST_TASKS)
    assert len(notes()) == 50


def test_defer_and_defer_many_use_one_statement_on_the_apps_session(app, notes):
    with app.app_context():
        with count_queries(app) as q:
            jobs.defer(db.session, "tests.note", text="one")
            jobs.defer_many(db.session, "tests.note", [{"text": "two"}, {"text": "three"}])
            assert jobs.defer_many(db.session, "tests.note", []) == []
        db.session.commit()
        db.session.remove()
    assert q.count == 2
    run_jobs(app, tasks=TEST_TASKS)
    assert notes() == ["one", "three", "two"]


def test_a_queueing_lock_keeps_one_waiting_job_and_the_transaction_goes_on(app, notes):
    with Session(engine(app)) as session:
        first = jobs.defer(session, "tests.note", text="first", queueing_lock="k")
        second = jobs.defer(session, "tests.note", text="second", queueing_lock="k")
        session.execute(sa.text("INSERT INTO jobs_test_notes (text) VALUES ('same tx')"))
        session.commit()
    assert first is not None and second is None
    run_jobs(app, tasks=TEST_TASKS)
    assert notes() == ["first", "same tx"]
    with Session(engine(app)) as session:  # the lock is free once the job ran
        assert jobs.defer(session, "tests.note", text="again", queueing_lock="k") is not None
        session.commit()


def test_a_failing_job_is_retried_with_exponential_waits_then_marked_failed(app, notes):
    with Session(engine(app)) as session:
        job_id = jobs.defer(session, "tests.explode", tag="boom")
        session.commit()
    waits = []
    for attempt in range(1, jobs.DEFAULT_ATTEMPTS + 1):
        before = datetime.now(UTC)
        statuses = run_jobs(app, tasks=TEST_TASKS)
        assert RUNS[-1] == ("boom", attempt)
        if attempt < jobs.DEFAULT_ATTEMPTS:
            assert statuses == {"todo": [job_id]}
            with app.app_context():
                scheduled, attempts = db.session.execute(sa.text(
                    "SELECT scheduled_at, attempts FROM procrastinate_jobs WHERE id = :id"),
                    {"id": job_id}).one()
                waits.append(int((scheduled - before).total_seconds()))
                assert attempts == attempt
                # time passes: the retry becomes due
                db.session.execute(sa.text(
                    "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = :id"),
                    {"id": job_id})
                db.session.commit()
                db.session.remove()
    assert statuses == {"failed": [job_id]}
    assert [r[1] for r in RUNS] == list(range(1, 9))
    # waits counted from before each run (which takes a moment): 3, 9, 27 … 2187 s, the
    # last retry ~36 min after the 7th
    expected = [3, 9, 27, 81, 243, 729, 2187]
    assert all(e <= w <= e + 2 for w, e in zip(waits, expected, strict=True)), waits
    assert notes() == []  # every failed run rolled its writes back
    assert run_jobs(app, tasks=TEST_TASKS) == {"failed": [job_id]}  # a failed job is not run again


def test_tasks_are_registered_on_known_queues_only():
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.task(name="tests.nowhere", queue="default")
    with pytest.raises(ValueError, match="no task named"):
        jobs.defer(None, "tests.unknown")
