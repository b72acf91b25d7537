"""Upvotes (docs/rules.md "Roadmap"): the button submits the state the builder wants
(``on`` or ``off``), so a double click or a second tab never flips twice.

One statement inserts (or deletes) the upvote, records an add in ``rate_events`` and moves
``upvote_count`` by one only when a row really changed (``ON CONFLICT DO NOTHING`` and the
delete's ``RETURNING`` say so), under the row lock the UPDATE takes: concurrent toggles
keep the counter equal to its rows. Adds are limited per day, counted over ``rate_events``
(an add later removed still counts) under the builder's advisory lock.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import text

from .. import ratelimits
from ..errors import ValidationFailed
from . import rules

_RESULT = """
    SELECT EXISTS (SELECT 1 FROM moved) AS changed,
           COALESCE((SELECT upvote_count FROM moved), t.upvote_count) AS upvote_count
    FROM feature_board_items t WHERE t.id = :item_id"""


@cache
def _add():
    return text("""
        WITH added AS (
            INSERT INTO feature_board_upvotes (item_id, profile_id, created_at)
            VALUES (:item_id, :profile_id, :now)
            ON CONFLICT DO NOTHING RETURNING item_id),
        recorded AS (
            INSERT INTO rate_events (profile_id, kind, created_at)
            SELECT :profile_id, 'upvote_add', :now FROM added),
        moved AS (
            UPDATE feature_board_items SET upvote_count = upvote_count + 1
            WHERE id IN (SELECT item_id FROM added) RETURNING upvote_count)""" + _RESULT)


@cache
def _remove():
    return text("""
        WITH removed AS (
            DELETE FROM feature_board_upvotes
            WHERE item_id = :item_id AND profile_id = :profile_id RETURNING item_id),
        moved AS (
            UPDATE feature_board_items SET upvote_count = upvote_count - 1
            WHERE id IN (SELECT item_id FROM removed) RETURNING upvote_count)""" + _RESULT)


def clean_state(raw: str | None) -> bool:
    """True for ``on``, False for ``off``; ValidationFailed (422) otherwise."""
    if raw not in ("on", "off"):
        raise ValidationFailed({"state": rules.CHOOSE_STATE})
    return raw == "on"


def set_upvote(session, profile, item_id, on: bool, *, now: datetime,
               limit_enabled: bool = True) -> tuple[bool, int]:
    """Set the builder's upvote of the idea to ``on`` (the caller checked they may see
    it); return (changed, upvote_count after). RateLimited (429) past 50 adds a day."""
    params = {"item_id": item_id, "profile_id": profile.id, "now": now}
    if on:
        from ..buildlogs.models import RateEvent
        ratelimits.enforce(session, rules.UPVOTE_LIMIT, scope="upvote_add",
                           profile_id=profile.id, created_at=RateEvent.created_at,
                           where=(RateEvent.profile_id == profile.id)
                           & (RateEvent.kind == "upvote_add"),
                           now=now, enabled=limit_enabled)
        row = session.execute(_add(), params).one()
    else:
        row = session.execute(_remove(), params).one()
    return row.changed, row.upvote_count
