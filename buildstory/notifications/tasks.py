"""The notifications' background job: writing a fan-out batch by batch."""
from __future__ import annotations

from .. import jobs
from . import fanout


@jobs.task(name=fanout.TASK, queue=fanout.QUEUE)
def write_fanout(session, *, fanout_id: str) -> None:
    """Write a fan-out to its end, committing after each batch (a retry resumes there)."""
    while not fanout.run_batch(session, fanout_id):
        session.commit()
