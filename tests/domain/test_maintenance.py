"""The queue's upkeep on real procrastinate tables: dead workers' jobs re-queued, old rows
cleaned up, failed jobs retried by hand, and the /admin/jobs numbers (capped)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buildstory import jobs
from buildstory.audit import AuditLog
from buildstory.clock import utcnow
from buildstory.db import db
from buildstory.errors import Conflict, NotFound
from buildstory.maintenance import queries, rules, services
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import ProfileFactory
from tests.helpers import run_jobs, without_event_loop
from tests.querycount import count_queries

DONE: list[str] = []


@jobs.task(name="tests.maintenance_note", queue="maintenance", attempts=1)
def note(session, *, text):
    DONE.append(text)


def job(session, status="todo", worker=None, queue="maintenance", task="tests.maintenance_note",
        args='{"text": "x"}'):
    job_id = _insert_job(session, status, worker, queue, task, args)
    if status == "failed":  # as the worker leaves it: its failure recorded as an event
        session.execute(sa.text("INSERT INTO procrastinate_events (job_id, type) "
                                "VALUES (:i, 'failed')"), {"i": job_id})
    return job_id


def _insert_job(session, status, worker, queue, task, args):
    return session.execute(sa.text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id) "
        "VALUES (:q, :t, CAST(:a AS jsonb), CAST(:s AS procrastinate_job_status), :w) "
        "RETURNING id"), {"q": queue, "t": task, "a": args, "s": status, "w": worker}).scalar()


def worker(session, seconds_ago: int) -> int:
    return session.execute(sa.text(
        "INSERT INTO procrastinate_workers (last_heartbeat) "
        "VALUES (now() - make_interval(secs => :s)) RETURNING id"), {"s": seconds_ago}).scalar()


def status(session, job_id):
    return session.execute(sa.text("SELECT status::text FROM procrastinate_jobs WHERE id = :i"),
                           {"i": job_id}).scalar()


def test_jobs_of_dead_workers_are_requeued_and_run(committed):
    app = committed
    DONE.clear()
    with app.app_context():
        dead, alive = worker(db.session, 300), worker(db.session, 5)
        orphan = job(db.session, "doing", dead, args='{"text": "orphan"}')
        running = job(db.session, "doing", alive, args='{"text": "running"}')
        db.session.commit()
        assert services.requeue_stalled(db.session) == [orphan]
        db.session.commit()
        assert (status(db.session, orphan), status(db.session, running)) == ("todo", "doing")
        workers = db.session.execute(sa.text("SELECT id FROM procrastinate_workers")).scalars()
        assert list(workers) == [alive]
        assert services.requeue_stalled(db.session) == []  # twice changes nothing more
        db.session.commit()
        db.session.remove()
    run_jobs(app, queues=["maintenance"])
    assert DONE == ["orphan"]


def test_only_failed_jobs_are_retried_and_the_retry_is_audited(db_session):
    failed, waiting = job(db_session, "failed"), job(db_session, "todo")
    services.retry_job(db_session, None, failed)
    assert status(db_session, failed) == "todo"
    [row] = db_session.scalars(sa.select(AuditLog).where(AuditLog.action == "retry_job"))
    assert row.meta == {"job_id": failed, "task": "tests.maintenance_note"}
    with pytest.raises(Conflict, match="^Only failed jobs can be retried$"):
        services.retry_job(db_session, None, waiting)
    with pytest.raises(NotFound):
        services.retry_job(db_session, None, 987654321)


def test_clean_up_deletes_only_what_is_old_enough(db_session):
    now = utcnow()
    hook = WebhookEndpoint(name="h", url="http://127.0.0.1:9/", format="discord",
                           events=["milestone"])
    db_session.add(hook)
    db_session.flush()
    for key, state, age in (("old", "succeeded", 31), ("recent", "failed", 29),
                             ("waiting", "queued", 90), ("old-skip", "skipped", 40)):
        db_session.add(WebhookDelivery(endpoint_id=hook.id, event="milestone", payload={},
                                       dedupe_key=key, status=state,
                                       finished_at=None if state == "queued"
                                       else now - timedelta(days=age)))
    old_failed, new_failed = job(db_session, "failed"), job(db_session, "failed")
    db_session.execute(sa.text("UPDATE procrastinate_events SET at = now() - interval '15 days' "
                               "WHERE job_id = :i"), {"i": old_failed})
    done = services.clean_up(db_session, now=now)
    assert done["delete_finished_deliveries"] == 2
    assert done["delete_old_failed_jobs"] == 1
    left = db_session.scalars(sa.select(WebhookDelivery.dedupe_key).order_by(
        WebhookDelivery.dedupe_key)).all()
    assert left == ["recent", "waiting"]
    assert status(db_session, old_failed) is None and status(db_session, new_failed) == "failed"


def test_clean_up_deletes_finished_emails_after_30_days(db_session):
    from buildstory.mail.models import EmailOutbox
    now = utcnow()
    for key, status, age in (("old-sent", "sent", 31), ("old-queued", "queued", 31),
                             ("new-failed", "failed", 2), ("old-suppressed", "suppressed", 40)):
        db_session.add(EmailOutbox(kind="password_reset", dedupe_key=key, status=status,
                                   subject="s", created_at=now - timedelta(days=age)))
    db_session.flush()
    assert services.clean_up(db_session, now=now)["delete_finished_emails"] == 2
    left = db_session.scalars(sa.select(EmailOutbox.dedupe_key).order_by(
        EmailOutbox.dedupe_key)).all()
    assert left == ["new-failed", "old-queued"]


def test_clean_up_reaches_notifications_once_their_table_exists(db_session):
    """The notifications step runs as soon as the notifications feature's model is
    registered (here: a stand-in with the one column the step uses)."""
    if "notifications" in db.metadata.tables:
        pytest.skip("the real table exists: the notifications feature tests its clean-up")
    now = utcnow()
    assert services.clean_up(db_session, now=now)["delete_old_notifications"] == 0
    table = sa.Table("notifications", db.metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("created_at", sa.DateTime(timezone=True)))
    try:
        table.create(db_session.connection())
        db_session.execute(sa.text(
            "INSERT INTO notifications (created_at) VALUES (now() - interval '181 days'), "
            "(now() - interval '170 days')"))
        assert services.clean_up(db_session, now=now)["delete_old_notifications"] == 1
    finally:
        db.metadata.remove(table)


def test_queue_status_counts_are_capped_and_take_three_statements(app, db_session):
    db_session.execute(sa.text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
        "SELECT 'mail', 'mail.send', '{}' FROM generate_series(1, :n)"), {"n": 10_001})
    job(db_session, "failed", queue="webhooks", task="webhooks.deliver",
        args='{"delivery_id": "00000000-0000-4000-8000-000000000001"}')
    worker(db_session, 3)
    worker(db_session, 120)
    with count_queries(app) as q:
        result = queries.queue_status(db_session)
    assert q.count == 3
    assert result.jobs["mail"]["todo"] == 10_001 and rules.capped(10_001) == "10,000+"
    assert rules.capped(10_000) == "10,000"
    assert result.jobs["webhooks"] == {"todo": 0, "doing": 0, "failed": 1}
    assert len(result.workers) == 1
    assert [f.task_name for f in result.failures] == ["webhooks.deliver"]


def test_the_periodic_tasks_and_their_periods():
    jobs.load_tasks()
    specs = jobs.registered()
    assert specs["maintenance.requeue_stalled"].cron == "*/10 * * * *"
    assert specs["maintenance.clean_up"].cron == "0 4 * * *"
    assert specs["webhooks.milestones"].cron == "* * * * *"


def test_each_periodic_task_is_deferred_once_per_period_whatever_the_workers(committed):
    """Two workers' periodic deferrers at 04:00:05 UTC: milestones (every minute), the
    re-queue (every 10 minutes) and the clean-up (04:00) are each queued exactly once."""
    import asyncio
    from datetime import UTC, datetime

    from procrastinate.periodic import PeriodicDeferrer

    papp = jobs.procrastinate_app(committed)
    at = datetime(2026, 12, 7, 4, 0, 5, tzinfo=UTC).timestamp()

    async def workers(n):
        async with papp.open_async():
            for _ in range(n):
                deferrer = PeriodicDeferrer(papp.periodic_registry)
                await deferrer.defer_jobs(deferrer.get_previous_tasks(at=at))

    without_event_loop(lambda: asyncio.run(workers(3)))
    with committed.app_context():
        rows = db.session.execute(sa.text(
            "SELECT task_name, (args->>'timestamp')::bigint FROM procrastinate_jobs "
            "ORDER BY task_name")).all()
        db.session.remove()
    mine = [r for r in rows if r[0] in {"maintenance.clean_up", "maintenance.requeue_stalled",
                                        "webhooks.milestones"}]
    assert mine == [("maintenance.clean_up", int(at) - 5),
                    ("maintenance.requeue_stalled", int(at) - 5),
                    ("webhooks.milestones", int(at) - 5)]


def test_clean_up_deletes_rate_events_older_than_two_days(db_session):
    """The counted reaction and upvote adds: older than two days they count toward no limit."""
    now = utcnow()
    who = ProfileFactory()
    for hours in (49, 47, 1):
        db_session.execute(sa.text("INSERT INTO rate_events (profile_id, kind, created_at) "
                                   "VALUES (:p, 'reaction_add', :at)"),
                           {"p": who.id, "at": now - timedelta(hours=hours)})
    assert services.clean_up(db_session, now=now)["delete_old_rate_events"] == 1
    assert db_session.scalar(sa.text("SELECT count(*) FROM rate_events")) == 2
