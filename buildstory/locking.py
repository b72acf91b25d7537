"""Row locks for actions that check a row's state and then change it.

Two moderators pressing Ban at the same instant both read "not banned" unless the second
waits for the first: ``lock_row`` re-reads the row under ``SELECT … FOR UPDATE`` (the
object in the session is refreshed in place), so concurrent requests queue on it and each
decides on what the previous one committed. A row deleted meanwhile is a NotFound (404).
"""
from __future__ import annotations

from sqlalchemy import select

from .errors import NotFound


def lock_row(session, obj):
    """Return ``obj`` re-read under a row lock (held until the transaction ends); raise
    NotFound when its row no longer exists."""
    model = type(obj)
    stmt = select(model).where(model.id == obj.id).with_for_update(of=model)
    locked = session.scalars(stmt, execution_options={"populate_existing": True}).first()
    if locked is None:
        raise NotFound()
    return locked
