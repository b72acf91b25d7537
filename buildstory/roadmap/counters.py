"""The roadmap's stored counters kept exact: each idea's ``upvote_count`` (its upvote
rows) and ``comment_count`` (visible comments: not deleted, author neither hidden nor
banned).

When a builder is hidden, unhidden, banned or unbanned, ``builder_changed`` recounts the
ideas they commented on; deleting a builder goes through ``before_builder_deleted`` (lock
what their upvotes and comments count into) and ``Pending.apply`` (recount after the
cascade). A recount locks the idea rows (by id) first and counts in the next statement,
which in READ COMMITTED sees whatever the previous lock holder committed. The locks are
FOR NO KEY UPDATE (what the UPDATE of a counter takes anyway): a comment being inserted
holds a key-share lock on its idea (its foreign key) while it may wait for the author's
row, which the moderation action holds; FOR UPDATE would deadlock with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

VISIBLE_COMMENTS = """
    SELECT count(*) FROM feature_board_comments c JOIN profiles a ON a.id = c.author_id
    WHERE c.item_id = feature_board_items.id AND c.deleted_at IS NULL
      AND a.hidden_at IS NULL AND a.banned_at IS NULL"""
UPVOTES = """
    SELECT count(*) FROM feature_board_upvotes u WHERE u.item_id = feature_board_items.id"""


def recount_items(session, item_ids) -> None:
    """Set the ideas' counters to what they count, under the ideas' row locks."""
    ids = sorted(set(i for i in item_ids if i is not None))
    if not ids:
        return
    session.flush()
    session.execute(text("SELECT id FROM feature_board_items WHERE id = ANY(:ids) "
                         "ORDER BY id FOR NO KEY UPDATE"), {"ids": ids})
    session.execute(text(f"UPDATE feature_board_items SET comment_count = ({VISIBLE_COMMENTS}), "
                         f"upvote_count = ({UPVOTES}) WHERE id = ANY(:ids)"), {"ids": ids})
    session.expire_all()


def has_commented():
    """A condition on ``profiles`` (for ``hackathon.counters.lock_builder``'s ``also``): the
    builder wrote a roadmap comment, so hiding, banning or restoring them moves counts."""
    from sqlalchemy import exists
    from ..profiles.models import Profile
    from .models import FeatureBoardComment
    return exists().where(FeatureBoardComment.author_id == Profile.id)


def builder_changed(session, profile_id, *, commented: bool = True) -> None:
    """Recount every idea the builder commented on (after hiding, banning or restoring);
    ``commented`` False (from ``has_commented``): nothing to do."""
    if not commented:
        return
    recount_items(session, list(session.scalars(text(
        "SELECT DISTINCT item_id FROM feature_board_comments WHERE author_id = :p"),
        {"p": profile_id})))


@dataclass
class Pending:
    """The ideas a builder's deletion moves, locked before the delete."""

    item_ids: list = field(default_factory=list)

    def apply(self, session) -> None:
        recount_items(session, self.item_ids)


def before_builder_deleted(session, profile_id) -> Pending:
    """Lock the ideas the builder upvoted or commented on (their own go by cascade)."""
    ids = sorted(session.scalars(text("""
        SELECT item_id FROM feature_board_upvotes WHERE profile_id = :p
        UNION SELECT item_id FROM feature_board_comments WHERE author_id = :p"""),
        {"p": profile_id}))
    if ids:
        session.execute(text("SELECT id FROM feature_board_items WHERE id = ANY(:ids) "
                             "ORDER BY id FOR NO KEY UPDATE"), {"ids": ids})
    return Pending(ids)


def mismatches(session) -> list[str]:
    """Every stored roadmap counter that differs from a recount, as readable lines."""
    found = []
    for column, expected in (("comment_count", f"({VISIBLE_COMMENTS})"),
                             ("upvote_count", f"({UPVOTES})")):
        for row in session.execute(text(
                f"SELECT id, {column}, {expected} FROM feature_board_items "
                f"WHERE {column} <> {expected}")):
            found.append(f"feature_board_items {row[0]} {column}: stored {row[1]}, "
                         f"counted {row[2]}")
    return found
