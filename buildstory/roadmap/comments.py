"""Comments on ideas (docs/rules.md "Roadmap"): top-level comments and one level of
replies, 1–5000 characters of the markdown subset, edited by the author within 15
minutes, deleted (softly) by the author or a moderator.

``feature_board_items.comment_count`` counts visible comments (not deleted, by an author
neither hidden nor banned). Adding and deleting move it by one in a statement of its own
that reads the author's state, under the comment's row lock for deletes; ``counters.py``
recounts when an author is hidden, banned, restored or deleted.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text

from .. import ratelimits
from ..audit import record
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..locking import lock_row
from ..profiles.models import Profile
from . import notices, rules
from .models import COMMENT_MAX, FeatureBoardComment


def clean_body(raw: str | None, *, reply: bool = False) -> str:
    """The trimmed comment; ValidationFailed (field ``body``) when empty or too long."""
    body = (raw or "").strip()
    if not body:
        raise ValidationFailed({"body": rules.REPLY_REQUIRED if reply else rules.COMMENT_REQUIRED})
    if len(body) > COMMENT_MAX:
        raise ValidationFailed({"body": rules.REPLY_TOO_LONG if reply else rules.COMMENT_TOO_LONG})
    return body


# The author's row is read FOR SHARE: a hide, ban or restore of the author holds it FOR
# UPDATE while it recounts, so this statement waits for it and then sees the author's new
# state (a hidden author's comment is not counted, a restored one's is).
# The row is locked whatever its state (a condition on it would skip the wait when the
# snapshot shows the author hidden), and its state read from the locked version.
_VISIBLE_AUTHOR = """author AS (SELECT a.hidden_at IS NULL AND a.banned_at IS NULL AS visible
                                  FROM profiles a WHERE a.id = :author_id FOR SHARE)"""


def _move_count(session, comment, step: int) -> None:
    """Move the idea's comment_count by ``step`` when the comment's author is visible."""
    session.flush()
    session.execute(text(f"""
        WITH {_VISIBLE_AUTHOR}
        UPDATE feature_board_items SET comment_count = comment_count + ({step})
        WHERE id = :item_id AND EXISTS (SELECT 1 FROM author WHERE visible)"""),
        {"item_id": comment.item_id, "author_id": comment.author_id})


_INSERT = text(f"""
    WITH {_VISIBLE_AUTHOR},
    added AS (
        INSERT INTO feature_board_comments (item_id, author_id, parent_comment_id, body,
                                            created_at, updated_at)
        VALUES (:item_id, :author_id, :parent_id, :body, :now, :now)
        RETURNING id),
    moved AS (
        UPDATE feature_board_items SET comment_count = comment_count + 1
        WHERE id = :item_id AND EXISTS (SELECT 1 FROM author WHERE visible))
    SELECT id FROM added""")


def _insert_counted(session, item_id, author_id, body, parent_id, now):
    """Insert the comment and move the idea's count (when its author is visible) in one
    statement; return the new comment (loaded from what was written, no second read)."""
    session.flush()
    comment_id = session.execute(_INSERT, {"item_id": item_id, "author_id": author_id,
                                           "parent_id": parent_id, "body": body,
                                           "now": now}).scalar_one()
    return FeatureBoardComment(id=comment_id, item_id=item_id, author_id=author_id,
                               parent_comment_id=parent_id, body=body, created_at=now,
                               updated_at=now)


def parent_of(session, item, raw_parent):
    """The comment a reply answers: NotFound (404) when it is not a live comment of this
    idea, Conflict (409) when it is itself a reply."""
    try:
        parent_id = uuid.UUID(str(raw_parent))
    except ValueError:
        raise NotFound() from None
    parent = session.get(FeatureBoardComment, parent_id)
    if parent is None or parent.item_id != item.id or parent.deleted_at is not None:
        raise NotFound()
    if parent.parent_comment_id is not None:
        raise Conflict(rules.NO_REPLY_TO_REPLY)
    return parent


def add_comment(session, item, author, raw_body: str | None, raw_parent=None, *,
                now: datetime, limit_enabled: bool = True):
    """Comment on the idea (or reply, with ``raw_parent``); return the comment. NotFound,
    Conflict, ValidationFailed, RateLimited (429)."""
    parent = parent_of(session, item, raw_parent) if raw_parent not in (None, "") else None
    body = clean_body(raw_body, reply=parent is not None)
    ratelimits.enforce(session, rules.COMMENT_LIMIT, scope="roadmap_comment",
                       profile_id=author.id, created_at=FeatureBoardComment.created_at,
                       where=FeatureBoardComment.author_id == author.id, now=now,
                       enabled=limit_enabled)
    comment = _insert_counted(session, item.id, author.id, body,
                              parent.id if parent else None, now)
    notices.commented(session, item, comment, author, parent.author_id if parent else None,
                      now=now)
    return comment


def edit_comment(session, item, comment, actor, raw_body: str | None, *, now: datetime):
    """Change the body (the author, within 15 minutes); Forbidden, Conflict,
    ValidationFailed. Builders named for the first time are told."""
    if actor is None or comment.author_id != actor.id:
        raise Forbidden(rules.ONLY_AUTHOR_EDIT)
    if not rules.within_edit_window(comment.created_at, now):
        raise Conflict(rules.EDIT_WINDOW_PASSED)
    body = clean_body(raw_body, reply=comment.parent_comment_id is not None)
    old = comment.body
    if body != old:
        comment.body, comment.edited_at, comment.updated_at = body, now, now
        session.flush()
        from ..buildlogs import mentions
        notices.mentioned(session, item, comment, actor, mentions.newly_named(old, body),
                          {actor.id}, now=now)
    return comment


def delete_comment(session, item, comment, actor, *, moderator: bool, now: datetime) -> None:
    """Soft-delete the comment: its author, or a moderator (audited
    ``delete_roadmap_comment`` when it is someone else's). The idea's count drops."""
    own = actor.id == comment.author_id
    if not own and not moderator:
        raise Forbidden(rules.ONLY_AUTHOR_DELETE_COMMENT)
    comment = lock_row(session, comment)
    if comment.deleted_at is not None:
        raise NotFound()
    comment.deleted_at, comment.deleted_by, comment.updated_at = now, actor.id, now
    _move_count(session, comment, -1)
    notices.withdraw(session, item, comment)
    if not own:
        record(session, actor, "delete_roadmap_comment",
               session.get(Profile, comment.author_id), comment_id=comment.id, item_id=item.id)
