"""The webhook jobs: sending one delivery, and the minute's milestone check."""
from __future__ import annotations

from flask import current_app

from .. import jobs
from ..clock import utcnow
from . import delivery, milestones, transport
from .queue import DELIVER, QUEUE


class RetryLater(RuntimeError):
    """Raised after a failed attempt so the queue runs the job again later."""


@jobs.task(name=DELIVER, queue=QUEUE)
def deliver(session, *, delivery_id: str) -> None:
    """Send one delivery; a failure is recorded, then retried by the queue (8 runs)."""
    config = current_app.config
    attempt = delivery.prepare(session, delivery_id, now=utcnow(),
                               public_url=config.get("PUBLIC_URL", ""))
    session.commit()  # nothing stays locked during the call
    if attempt is None:
        return
    try:
        status = transport.post(attempt.url, attempt.body, attempt.headers,
                                allow_private=config["WEBHOOK_ALLOW_PRIVATE"])
    except transport.DeliveryFailed as exc:
        job = jobs.current_job()
        retry = delivery.record_failure(
            session, delivery_id, str(exc), exc.status_code, now=utcnow(),
            disable_after=config["WEBHOOK_DISABLE_AFTER"],
            last_attempt=job is None or job.last_attempt)
        session.commit()
        if retry:
            raise RetryLater(str(exc)) from None
        return
    delivery.record_success(session, delivery_id, status, now=utcnow())


@jobs.task(name="webhooks.milestones", queue="maintenance", attempts=1, cron="* * * * *")
def check_milestones(session, *, timestamp: int | None = None) -> None:
    """Every minute: record and announce the builder and registration milestones."""
    milestones.check(session)
