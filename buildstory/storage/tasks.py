"""Deleting objects of an external backend once the rows that named them are gone."""
from __future__ import annotations

from sqlalchemy import text

from .. import jobs
from . import DELETE_TASK, current

BATCH = 1000

TAKE = text("SELECT key FROM media_deletions ORDER BY created_at, key LIMIT :n "
            "FOR UPDATE SKIP LOCKED")
DONE = text("DELETE FROM media_deletions WHERE key = ANY(:keys)")


@jobs.task(name=DELETE_TASK, queue="maintenance", cron="*/10 * * * *")
def delete_objects(session, *, timestamp: int | None = None) -> None:
    """Delete up to 1,000 queued objects (and queue the next round when more wait). The
    rows stay locked while the store deletes and go only once it answered: a failure
    rolls back and retries; deleting an object twice is harmless."""
    backend = current()
    if not backend.external:
        return  # nothing external is configured: the queued keys wait for it
    keys = list(session.scalars(TAKE, {"n": BATCH}))
    if not keys:
        return
    backend.delete(session, keys)
    session.execute(DONE, {"keys": keys})
    if len(keys) == BATCH:
        jobs.defer(session, DELETE_TASK, queueing_lock=DELETE_TASK)
