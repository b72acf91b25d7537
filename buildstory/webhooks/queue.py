"""The bridge to the job queue: deferring deliveries in the caller's transaction."""
from __future__ import annotations

import uuid

from .. import jobs

QUEUE = "webhooks"
DELIVER = "webhooks.deliver"


def defer_deliveries(session, delivery_ids: list[uuid.UUID]) -> None:
    """Defer one ``webhooks.deliver`` job per delivery, in one statement."""
    jobs.defer_many(session, DELIVER, [{"delivery_id": str(i)} for i in delivery_ids],
                    queue=QUEUE)
