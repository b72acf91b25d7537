"""What /admin/jobs shows, in three statements whatever the size of the queue.

Every count stops at 10,001 rows (``LIMIT`` inside the count), so a backlog of a million
jobs costs what 10,001 do and shows as "10,000+". Emails and fan-outs are counted when
their tables exist (their models register them in the metadata): ``email_outbox`` and
``notification_fanouts`` belong to the mail and notifications features.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from ..db import db
from ..jobs import QUEUES
from . import rules

_COUNT = "(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {limit}) x)"
LIMIT = rules.COUNT_CAP + 1


def _has(table: str) -> bool:
    return table in db.metadata.tables


def _counts_sql() -> str:
    parts = [
        "SELECT 'jobs' AS kind, q.name || ':' || s.name AS key, "
        + _COUNT.format(table="procrastinate_jobs", limit=LIMIT,
                        where="queue_name = q.name AND status = "
                              "CAST(s.name AS procrastinate_job_status)")
        + " AS n FROM unnest(CAST(:queues AS text[])) q(name), "
          "unnest(CAST(:job_statuses AS text[])) s(name)",
        "SELECT 'deliveries', s.name, "
        + _COUNT.format(table="webhook_deliveries", where="status = s.name", limit=LIMIT)
        + " FROM unnest(CAST(:delivery_statuses AS text[])) s(name)",
    ]
    if _has("email_outbox"):
        parts.append("SELECT 'emails', s.name, "
                     + _COUNT.format(table="email_outbox",
                                     where="status = CAST(s.name AS email_status)",
                                     limit=LIMIT)
                     + " FROM unnest(CAST(:email_statuses AS text[])) s(name)")
    if _has("notification_fanouts"):
        parts.append("SELECT 'fanouts', 'in_progress', "
                     + _COUNT.format(table="notification_fanouts", where="finished_at IS NULL",
                                     limit=LIMIT))
    return " UNION ALL ".join(parts)


_WORKERS = text("""
    SELECT id, last_heartbeat FROM procrastinate_workers
    WHERE last_heartbeat > now() - make_interval(secs => :seconds)
    ORDER BY id LIMIT 50""")

# The error of a failed job is the one its row recorded (procrastinate keeps none):
# a delivery's last_error for webhooks.deliver, an outbox row's for mail.send.
def _failures_sql() -> str:
    error, join = "d.last_error", ""
    if _has("email_outbox"):
        error = "coalesce(d.last_error, o.last_error)"
        join = """LEFT JOIN email_outbox o
      ON o.id = CASE WHEN j.task_name = 'mail.send'
                     THEN CAST(j.args->>'outbox_id' AS bigint) END"""
    return f"""
    SELECT j.id, j.queue_name, j.task_name, j.args, j.attempts,
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS failed_at,
           {error} AS error
    FROM procrastinate_jobs j
    LEFT JOIN webhook_deliveries d
      ON d.id = CASE WHEN j.task_name = 'webhooks.deliver'
                     THEN CAST(j.args->>'delivery_id' AS uuid) END
    {join}
    WHERE j.status = 'failed'
    ORDER BY j.id DESC LIMIT :limit"""


@dataclass
class QueueStatus:
    """Everything /admin/jobs shows."""

    jobs: dict[str, dict[str, int]]          # queue → status → count (capped)
    deliveries: dict[str, int]
    emails: dict[str, int] | None             # None: no email outbox on this site
    fanouts: int | None                       # None: no fan-outs on this site
    workers: list
    failures: list


def queue_status(session) -> QueueStatus:
    """Counts per queue and status, deliveries (and emails) by status, fan-outs in
    progress, live workers and the latest failures: three statements."""
    rows = session.execute(text(_counts_sql()), {
        "queues": list(QUEUES), "job_statuses": list(rules.JOB_STATUSES),
        "delivery_statuses": list(rules.DELIVERY_STATUSES),
        "email_statuses": list(rules.EMAIL_STATUSES)}).all()
    jobs = {q: dict.fromkeys(rules.JOB_STATUSES, 0) for q in QUEUES}
    by_kind: dict[str, dict[str, int]] = {}
    for kind, key, n in rows:
        if kind == "jobs":
            queue, status = key.split(":")
            jobs[queue][status] = n
        else:
            by_kind.setdefault(kind, {})[key] = n
    workers = session.execute(_WORKERS, {"seconds": rules.HEARTBEAT_SECONDS}).all()
    failures = session.execute(text(_failures_sql()), {"limit": rules.LATEST_FAILURES}).all()
    return QueueStatus(jobs=jobs, deliveries=by_kind.get("deliveries", {}),
                       emails=by_kind.get("emails") if _has("email_outbox") else None,
                       fanouts=(by_kind.get("fanouts", {}).get("in_progress", 0)
                                if _has("notification_fanouts") else None),
                       workers=workers, failures=failures)


_JOB = text("SELECT id, status::text AS status, task_name FROM procrastinate_jobs "
            "WHERE id = :id FOR UPDATE")


def job_for_update(session, job_id: int):
    """The job row (id, status, task_name) locked, or None."""
    return session.execute(_JOB, {"id": job_id}).first()
