"""Retrying a failed job by hand, and the queue's upkeep (docs/rules.md "Background jobs").

``requeue_stalled`` puts the jobs of dead workers (no heartbeat for 30 s) back in the
queue; ``clean_up`` deletes what is old enough: notifications after 180 days, finished
emails and deliveries after 30, failed jobs after 14. Both run as periodic tasks
(``tasks.py``) and are safe to run twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from ..audit import record
from ..db import db
from ..errors import Conflict, NotFound
from ..webhooks.models import WebhookDelivery
from . import queries, rules

ONLY_FAILED = "Only failed jobs can be retried"
_RETRY = text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)")


def retry_job(session, actor, job_id: int) -> None:
    """Queue a failed job again, due now (audited ``retry_job``); NotFound for an unknown
    job, Conflict "Only failed jobs can be retried" (409) for any other status."""
    job = queries.job_for_update(session, job_id)
    if job is None:
        raise NotFound()
    if job.status != "failed":
        raise Conflict(ONLY_FAILED)
    session.execute(_RETRY, {"id": job_id})
    record(session, actor, "retry_job", job_id=job_id, task=job.task_name)


_STALLED = text("""
    SELECT j.id FROM procrastinate_jobs j
    LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
    WHERE j.status = 'doing'
      AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :seconds))
    ORDER BY j.id FOR UPDATE OF j SKIP LOCKED""")
_PRUNE = text("SELECT procrastinate_prune_stalled_workers_v1(:seconds)")


def requeue_stalled(session) -> list[int]:
    """Put the running jobs of dead workers back in the queue (due now) and forget those
    workers; return the re-queued job ids."""
    ids = list(session.scalars(_STALLED, {"seconds": rules.HEARTBEAT_SECONDS}))
    for job_id in ids:
        session.execute(_RETRY, {"id": job_id})
    session.execute(_PRUNE, {"seconds": rules.HEARTBEAT_SECONDS})
    return ids


_OLD_FAILED_JOBS = text("""
    DELETE FROM procrastinate_jobs j
    WHERE j.status = 'failed'
      AND NOT EXISTS (SELECT 1 FROM procrastinate_events e
                      WHERE e.job_id = j.id AND e.at >= :cutoff)""")


def _delete(session, sql: str, **params) -> int:
    return session.execute(text(sql), params).rowcount


def delete_old_notifications(session, now: datetime) -> int:
    """Notifications older than 180 days, once the notifications feature's table exists."""
    if "notifications" not in db.metadata.tables:
        return 0
    return _delete(session, "DELETE FROM notifications WHERE created_at < :cutoff",
                   cutoff=now - rules.KEEP_NOTIFICATIONS)


def delete_finished_emails(session, now: datetime) -> int:
    """Emails no longer queued and older than 30 days, once the outbox table exists."""
    if "email_outbox" not in db.metadata.tables:
        return 0
    return _delete(session, "DELETE FROM email_outbox WHERE status <> 'queued' "
                            "AND created_at < :cutoff", cutoff=now - rules.KEEP_FINISHED)


def delete_finished_deliveries(session, now: datetime) -> int:
    """Webhook deliveries finished more than 30 days ago."""
    table = WebhookDelivery.__table__
    return session.execute(table.delete().where(
        table.c.status != "queued", table.c.finished_at < now - rules.KEEP_FINISHED)).rowcount


def delete_old_failed_jobs(session, now: datetime) -> int:
    """Failed jobs whose last event is more than 14 days old."""
    return session.execute(_OLD_FAILED_JOBS, {"cutoff": now - rules.KEEP_FAILED_JOBS}).rowcount


def delete_old_rate_events(session, now: datetime) -> int:
    """Counted reaction and upvote adds older than two days: every daily limit counts only
    the last 24 hours, so older rows count nothing."""
    return _delete(session, "DELETE FROM rate_events WHERE created_at < :cutoff",
                   cutoff=now - rules.KEEP_RATE_EVENTS)


CLEAN_UPS = (delete_old_notifications, delete_finished_emails, delete_finished_deliveries,
             delete_old_failed_jobs, delete_old_rate_events)


def clean_up(session, *, now: datetime) -> dict[str, int]:
    """Run every clean-up step; return the rows each deleted."""
    return {step.__name__: step(session, now) for step in CLEAN_UPS}
