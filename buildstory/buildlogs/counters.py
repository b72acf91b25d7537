"""The stored counters of build logs kept exact: each post's and comment's five reaction
counters and each post's ``comment_count``.

What they count:

* ``fire_count`` … ``wrench_count``: every stored reaction of that emoji (reactions.py
  moves them by one in the statement that adds or removes the row);
* ``posts.comment_count``: the post's visible comments — not deleted, not hidden, by an
  author neither hidden nor banned (comments.py moves it by one when a comment appears or
  disappears, under the comment's row lock).

When a builder is hidden, unhidden, banned or unbanned, ``builder_changed`` recounts the
posts they commented on; when a builder is deleted, ``before_builder_deleted`` locks what
their reactions and comments count into and ``Pending.apply`` recounts it after the
cascade. A recount takes the row locks first (posts by id, then comments by id) in one
statement and counts in the next, which in READ COMMITTED sees everything committed by
whoever held those locks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, text

from .reactions import EMOJI

VISIBLE_COMMENTS = """
    SELECT count(*) FROM post_comments c JOIN profiles a ON a.id = c.author_id
    WHERE c.post_id = posts.id AND c.deleted_at IS NULL AND c.hidden_at IS NULL
      AND a.hidden_at IS NULL AND a.banned_at IS NULL"""


def _reaction_counts(table: str, fk: str) -> str:
    return ", ".join(
        f"{column} = (SELECT count(*) FROM reactions r WHERE r.{fk} = {table}.id "
        f"AND r.emoji = '{emoji}')" for emoji, (_, column) in EMOJI.items())


def _lock(session, table: str, ids: list) -> None:
    session.execute(text(f"SELECT id FROM {table} WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"),
                    {"ids": ids})


def recount_posts(session, post_ids, *, reactions: bool = False) -> None:
    """Set the posts' ``comment_count`` (and with ``reactions`` their reaction counters)
    to what they count, under the posts' row locks."""
    ids = sorted(set(i for i in post_ids if i is not None))
    if not ids:
        return
    session.flush()
    _lock(session, "posts", ids)
    extra = (", " + _reaction_counts("posts", "post_id")) if reactions else ""
    session.execute(text(f"UPDATE posts SET comment_count = ({VISIBLE_COMMENTS}){extra} "
                         "WHERE id = ANY(:ids)"), {"ids": ids})
    session.expire_all()


def recount_comments(session, comment_ids) -> None:
    """Set the comments' reaction counters to their rows, under the comments' row locks."""
    ids = sorted(set(i for i in comment_ids if i is not None))
    if not ids:
        return
    session.flush()
    _lock(session, "post_comments", ids)
    session.execute(text(f"UPDATE post_comments SET {_reaction_counts('post_comments', 'comment_id')} "
                         "WHERE id = ANY(:ids)"), {"ids": ids})
    session.expire_all()


def _commented_on(session, profile_id) -> list:
    return list(session.scalars(text(
        "SELECT DISTINCT post_id FROM post_comments WHERE author_id = :p"), {"p": profile_id}))


def has_commented():
    """A condition on ``profiles`` (for ``hackathon.counters.lock_builder``'s ``also``): the
    builder wrote a comment, so hiding, banning or restoring them moves comment counts."""
    from ..profiles.models import Profile
    from .models import PostComment
    return exists().where(PostComment.author_id == Profile.id)


def builder_changed(session, profile_id, *, commented: bool = True) -> None:
    """Recount every post the builder commented on (after hiding, banning or restoring);
    ``commented`` False (from ``has_commented``): none, nothing to do."""
    if commented:
        recount_posts(session, _commented_on(session, profile_id))


@dataclass
class Pending:
    """What deleting a builder moves, gathered and locked before the delete."""

    post_ids: list = field(default_factory=list)
    comment_ids: list = field(default_factory=list)

    def apply(self, session) -> None:
        """Recount after the delete (rows gone by cascade are skipped)."""
        recount_posts(session, self.post_ids, reactions=True)
        recount_comments(session, self.comment_ids)


def before_builder_deleted(session, profile_id) -> Pending:
    """Lock the posts and comments the builder's reactions and comments count into."""
    rows = session.execute(text("""
        SELECT post_id, comment_id FROM reactions WHERE profile_id = :p
        UNION SELECT post_id, NULL FROM post_comments WHERE author_id = :p"""),
        {"p": profile_id}).all()
    post_ids = sorted({p for p, _ in rows if p is not None})
    comment_ids = sorted({c for _, c in rows if c is not None})
    if post_ids:
        _lock(session, "posts", post_ids)
    if comment_ids:
        _lock(session, "post_comments", comment_ids)
    return Pending(post_ids, comment_ids)


def mismatches(session) -> list[str]:
    """Every stored build-log counter that differs from a recount, as readable lines."""
    found = []
    checks = [("posts", "comment_count", f"({VISIBLE_COMMENTS})")]
    for table, fk in (("posts", "post_id"), ("post_comments", "comment_id")):
        for emoji, (_, column) in EMOJI.items():
            checks.append((table, column, f"(SELECT count(*) FROM reactions r "
                                          f"WHERE r.{fk} = {table}.id AND r.emoji = '{emoji}')"))
    for table, column, expected in checks:
        expr = expected.replace("posts.id", f"{table}.id") if table == "posts" else expected
        for row in session.execute(text(
                f"SELECT id, {column}, {expr} FROM {table} WHERE {column} <> {expr}")):
            found.append(f"{table} {row[0]} {column}: stored {row[1]}, counted {row[2]}")
    return found
