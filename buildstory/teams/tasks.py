"""The ownership job: every minute, remind owners a day ahead and settle due requests."""
from __future__ import annotations

from .. import jobs
from ..clock import utcnow
from . import ownership


@jobs.task(name="teams.transfer_due_ownership_requests", queue="maintenance", attempts=3,
           cron="* * * * *")
def transfer_due_ownership_requests(session, *, timestamp: int | None = None) -> None:
    """Remind the owner of each request passing within 24 hours (once per request), then
    settle each due request in a transaction of its own (transferred or void), so one
    project's locks are never held while another's are taken."""
    ownership.remind_due(session, now=utcnow())
    session.commit()
    for request_id in ownership.due_request_ids(session, now=utcnow()):
        ownership.pass_due_request(session, request_id, now=utcnow())
        session.commit()
