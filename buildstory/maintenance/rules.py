"""Numbers of the queue's upkeep (docs/rules.md "Background jobs")."""
from __future__ import annotations

from datetime import timedelta

# A worker is live while its heartbeat (every 10 s) is at most this old; past it, the
# jobs it was running are re-queued by ``maintenance.requeue_stalled``.
HEARTBEAT_SECONDS = 30
COUNT_CAP = 10_000
LATEST_FAILURES = 20
KEEP_NOTIFICATIONS = timedelta(days=180)
KEEP_FINISHED = timedelta(days=30)       # sent emails, finished deliveries
KEEP_FAILED_JOBS = timedelta(days=14)
# counted reaction and upvote adds: the longest limit counts the last 24 hours
KEEP_RATE_EVENTS = timedelta(days=2)
JOB_STATUSES = ("todo", "doing", "failed")
JOB_STATUS_LABELS = {"todo": "Waiting", "doing": "Running", "failed": "Failed"}
DELIVERY_STATUSES = ("queued", "succeeded", "failed", "skipped")
EMAIL_STATUSES = ("queued", "sent", "failed", "suppressed")


def capped(n: int) -> str:
    """"10,000+" from the cap on, else the number with thousands separators."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"
