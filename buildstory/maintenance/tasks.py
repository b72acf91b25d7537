"""The queue's periodic upkeep: once per period across any number of workers."""
from __future__ import annotations

from .. import jobs
from ..clock import utcnow
from . import services


@jobs.task(name="maintenance.requeue_stalled", queue="maintenance", attempts=1,
           cron="*/10 * * * *")
def requeue_stalled(session, *, timestamp: int | None = None) -> None:
    """Every 10 minutes: the jobs of workers that died mid-run go back in the queue."""
    services.requeue_stalled(session)


@jobs.task(name="maintenance.clean_up", queue="maintenance", attempts=3, cron="0 4 * * *")
def clean_up(session, *, timestamp: int | None = None) -> None:
    """At 04:00 UTC: delete old notifications, finished emails and deliveries, failed jobs
    and counted rate events older than two days."""
    services.clean_up(session, now=utcnow())
