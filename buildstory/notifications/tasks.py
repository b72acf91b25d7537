"""The notifications' background job: writing a fan-out batch by batch."""
from __future__ import annotations

from flask import current_app

from .. import jobs
from . import fanout


@jobs.task(name=fanout.TASK, queue=fanout.QUEUE)
def write_fanout(session, *, fanout_id: str) -> None:
    """Write a fan-out to its end, committing after each batch (a retry resumes there).
    A fan-out not yet started is first split into FANOUT_PARTS ranges, one job each."""
    fanout.split(session, fanout_id, current_app.config["FANOUT_PARTS"])
    session.commit()
    while not fanout.run_batch(session, fanout_id):
        session.commit()
