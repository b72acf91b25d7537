"""Per-builder limits counted in the database (docs/rules.md "Refusals and status codes").

A limit counts the builder's own rows (posts, comments, ideas, tools, help requests, or
``rate_events`` for adds that can later be removed) under a transaction-scoped advisory
lock on (scope, builder): concurrent requests of one builder count one after the other,
so the limit holds under any concurrency, and nothing in memory can forget a count. The
caller inserts its row in the same transaction, after ``enforce`` returns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from .errors import DomainError

DAY = timedelta(days=1)


class RateLimited(DomainError):
    """Too many of one action (429); ``retry_after`` is whole seconds until one is allowed."""

    status = 429
    message = "Too many attempts. Try again later."

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass(frozen=True)
class Limit:
    """At most ``count`` in ``window`` (``count_message``), and, when ``gap`` is set, at
    least ``gap`` between two (``gap_message``)."""

    count: int
    window: timedelta
    count_message: str
    gap: timedelta | None = None
    gap_message: str | None = None


def lock(session, scope: str, profile_id) -> None:
    """Take the (scope, builder) advisory lock until the transaction ends."""
    session.execute(select(func.pg_advisory_xact_lock(
        func.hashtextextended(f"{scope}:{profile_id}", 0))))


def enforce(session, limit: Limit, *, scope: str, profile_id, created_at, where, now: datetime,
            enabled: bool = True) -> None:
    """Raise ``RateLimited`` when the builder's rows (``created_at`` column, filtered by
    ``where``: e.g. ``Post.author_id == profile.id``) reach ``limit`` at ``now``.

    Takes the lock first (also when ``enabled`` is false, so counting stays serialised), then
    reads the newest row, the count and the oldest row of the window in one statement.
    Retry-After is computed from the counted rows: the gap's end, or when the oldest row of
    the window leaves it.
    """
    lock(session, scope, profile_id)
    if not enabled:
        return
    since = now - limit.window
    newest, count, oldest = session.execute(
        select(func.max(created_at),
               func.count().filter(created_at > since),
               func.min(created_at).filter(created_at > since))
        .where(where, created_at > now - max(limit.window, limit.gap or limit.window))).one()
    if limit.gap is not None and newest is not None and now - newest < limit.gap:
        raise RateLimited(limit.gap_message or limit.count_message,
                          (newest + limit.gap - now).total_seconds())
    if count >= limit.count:
        raise RateLimited(limit.count_message, (oldest + limit.window - now).total_seconds())
