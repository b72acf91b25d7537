"""Reactions on posts and comments (docs/rules.md "Comments and reactions").

A reaction button submits the state the builder wants (``on`` or ``off``), so a double
click or a second tab never flips twice. One statement inserts (or deletes) the reaction,
records an add in ``rate_events`` and moves the matching counter of the post or comment:
the insert's ``ON CONFLICT DO NOTHING`` and the delete's ``RETURNING`` say whether
anything changed, and the counter moves only then, by one, under the row lock the UPDATE
takes. Concurrent toggles therefore keep every counter equal to its rows.

Adds are limited per day, counted over ``rate_events`` (an add later removed still
counts) under the builder's advisory lock (``ratelimits``). Reactions notify nobody.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from .. import ratelimits
from ..errors import ValidationFailed

# The value a button submits → (its name, the counter column it moves).
EMOJI = {
    "fire": ("Fire", "fire_count"),
    "rocket": ("Shipped", "rocket_count"),
    "lightbulb": ("Insightful", "lightbulb_count"),
    "clap": ("Props", "clap_count"),
    "wrench": ("Building", "wrench_count"),
}
COUNTERS = tuple(column for _, column in EMOJI.values())
# (value, name, counter) in the buttons' order, as the templates draw them.
EMOJI_LIST = [(e, name, column) for e, (name, column) in EMOJI.items()]
DAILY_LIMIT = ratelimits.Limit(
    count=100, window=timedelta(days=1),
    count_message="You have reached the daily reaction limit. Please try again later.")
CHOOSE_EMOJI = "Choose a reaction from the list"
CHOOSE_STATE = "Choose on or off"

_ALL = ", ".join(COUNTERS)
# The statement's answer: whether the counter moved, every counter after the change (the
# outer SELECT reads the snapshot from before it, hence ``moved`` first) and the builder's
# reactions on the target before it.
_RESULT = "SELECT EXISTS (SELECT 1 FROM moved) AS changed, " + ", ".join(
    f"COALESCE((SELECT {c} FROM moved), t.{c}) AS {c}" for c in COUNTERS) + """,
        ARRAY(SELECT r.emoji::text FROM reactions r WHERE r.profile_id = :profile_id
              AND r.{fk} = :target_id) AS mine
        FROM {table} t WHERE t.id = :target_id"""
# target kind → (table, reactions' column)
_TARGETS = {"post": ("posts", "post_id"), "comment": ("post_comments", "comment_id")}


@dataclass(frozen=True)
class Outcome:
    changed: bool
    count: int                 # the emoji's counter after the change
    counts: dict               # every counter of the target after the change
    mine: set                  # the builder's reactions on the target after it


def clean(emoji: str | None, state: str | None) -> tuple[str, bool]:
    """Return ``(emoji, on)`` from the form; ValidationFailed (422) otherwise."""
    errors = {}
    if emoji not in EMOJI:
        errors["emoji"] = CHOOSE_EMOJI
    if state not in ("on", "off"):
        errors["state"] = CHOOSE_STATE
    if errors:
        raise ValidationFailed(errors)
    return emoji, state == "on"


def _add_statement(table: str, fk: str, counter: str):
    # The reactions' unique indexes make the second of two concurrent adds wait for the
    # first and then insert nothing, so the counter moves once.
    return text(f"""
        WITH added AS (
            INSERT INTO reactions (profile_id, {fk}, emoji, created_at)
            VALUES (:profile_id, :target_id, CAST(:emoji AS reaction_emoji), :now)
            ON CONFLICT DO NOTHING
            RETURNING {fk} AS target_id),
        recorded AS (
            INSERT INTO rate_events (profile_id, kind, created_at)
            SELECT :profile_id, 'reaction_add', :now FROM added),
        moved AS (
            UPDATE {table} SET {counter} = {counter} + 1
            WHERE id IN (SELECT target_id FROM added)
            RETURNING {_ALL})
{_RESULT.format(table=table, fk=fk)}""")


def _remove_statement(table: str, fk: str, counter: str):
    return text(f"""
        WITH removed AS (
            DELETE FROM reactions
            WHERE profile_id = :profile_id AND {fk} = :target_id
              AND emoji = CAST(:emoji AS reaction_emoji)
            RETURNING {fk} AS target_id),
        moved AS (
            UPDATE {table} SET {counter} = {counter} - 1
            WHERE id IN (SELECT target_id FROM removed)
            RETURNING {_ALL})
{_RESULT.format(table=table, fk=fk)}""")


def react(session, profile, kind: str, target_id, emoji: str, on: bool, *, now: datetime,
          limit_enabled: bool = True) -> Outcome:
    """Set ``profile``'s ``emoji`` reaction on a post or comment (``kind``) to ``on``.

    The caller has checked that the builder may see the target. Adding counts against the
    daily limit (RateLimited, 429); removing is always allowed. Returns whether anything
    changed and the counter after it.
    """
    table, fk = _TARGETS[kind]
    counter = EMOJI[emoji][1]
    params = {"profile_id": profile.id, "target_id": target_id, "emoji": emoji, "now": now}
    if on:
        ratelimits.enforce(session, DAILY_LIMIT, scope="reaction_add", profile_id=profile.id,
                           created_at=_rate_created_at(), where=_rate_where(profile.id),
                           now=now, enabled=limit_enabled)
        row = session.execute(_add_statement(table, fk, counter), params).one()
    else:
        row = session.execute(_remove_statement(table, fk, counter), params).one()
    counts = {c: getattr(row, c) for c in COUNTERS}
    mine = {(kind, target_id, e) for e in row.mine if e != emoji}
    if on:
        mine.add((kind, target_id, emoji))
    return Outcome(row.changed, counts[counter], counts, mine)


def _rate_created_at():
    from .models import RateEvent
    return RateEvent.created_at


def _rate_where(profile_id):
    from .models import RateEvent
    return (RateEvent.profile_id == profile_id) & (RateEvent.kind == "reaction_add")


def viewer_reactions(session, profile, *, post_ids=(), comment_ids=()) -> set[tuple]:
    """The viewer's reactions on everything shown, in one statement: a set of
    ``("post"|"comment", id, emoji)``. Empty (no statement) for visitors or nothing shown."""
    post_ids, comment_ids = list(post_ids), list(comment_ids)
    if profile is None or not (post_ids or comment_ids):
        return set()
    rows = session.execute(text("""
        SELECT post_id, comment_id, emoji::text FROM reactions
        WHERE profile_id = :profile_id
          AND (post_id = ANY(:post_ids) OR comment_id = ANY(:comment_ids))"""),
        {"profile_id": profile.id, "post_ids": post_ids, "comment_ids": comment_ids})
    return {("post", p, e) if p is not None else ("comment", c, e) for p, c, e in rows}
