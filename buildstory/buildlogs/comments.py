"""Comments on posts (docs/rules.md "Comments and reactions"): flat, 1–280 characters of
the markdown subset with ``@mentions``, edited by the author within 15 minutes, deleted
(softly) by the author, hidden and unhidden by moderators.

``posts.comment_count`` counts visible comments (not deleted, not hidden, by an author
neither hidden nor banned). Every change here locks the comment's row, checks its state,
changes it and moves the post's counter by one in a statement of its own — so that
statement sees a moderator's change to the author committed meanwhile — only when the
comment starts or stops counting (``counters.py`` recounts when the author changes).
Services flush, never commit; the view commits once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from .. import ratelimits
from ..audit import record
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..locking import lock_row
from . import notices

BODY_MAX = 280
EDIT_WINDOW = timedelta(minutes=15)
REQUIRED = "Comment is required"
TOO_LONG = f"Comment must be at most {BODY_MAX} characters"
ONLY_AUTHOR_EDIT = "Only the author can edit this"
EDIT_WINDOW_PASSED = "The 15-minute edit window has passed."
ONLY_AUTHOR_DELETE = "Only the author can delete this comment"
ALREADY_HIDDEN = "Comment is already hidden"
NOT_HIDDEN = "Comment is not hidden"
PAGE_SIZE = 50
LIMIT = ratelimits.Limit(
    count=30, window=timedelta(days=1),
    count_message="You can post up to 30 comments per day. Please try again later.",
    gap=timedelta(seconds=10),
    gap_message="Please wait a few seconds before commenting again.")


def _author(session, comment):
    from ..profiles.models import Profile
    return session.get(Profile, comment.author_id)


def visible_post(session, post_id):
    """The post when anyone may see it — not deleted or hidden, its author neither hidden
    nor banned, its project visible — else None. One statement."""
    from sqlalchemy import or_
    from ..profiles.models import Profile
    from ..profiles.queries import visible
    from ..projects.models import Project
    from .models import Post
    from ..tools.models import AiTool
    owner = aliased(Profile)
    stmt = (select(Post, func.coalesce(Project.name, AiTool.name))
            .join(Profile, Profile.id == Post.author_id)
            .outerjoin(Project, Project.id == Post.project_id)
            .outerjoin(owner, owner.id == Project.profile_id)
            .outerjoin(AiTool, AiTool.id == Post.tool_id)
            .where(Post.id == post_id, Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                   visible(Profile),
                   or_(Post.project_id.is_(None),
                       Project.hidden_at.is_(None) & visible(owner))))
    row = session.execute(stmt).first()
    if row is None:
        return None
    post, name = row
    post.context_name = name  # what notifications about it are titled (not stored)
    return post


def clean_body(raw: str | None) -> str:
    """The trimmed comment; ValidationFailed (422, field ``body``) when empty or too long."""
    body = (raw or "").strip()
    if not body:
        raise ValidationFailed({"body": REQUIRED})
    if len(body) > BODY_MAX:
        raise ValidationFailed({"body": TOO_LONG})
    return body


def _move_count(session, comment, step: int) -> None:
    """Move the post's comment_count by ``step`` when the comment's author is visible (read
    in this statement, so a hide committed meanwhile is seen)."""
    session.flush()
    session.execute(text(f"""
        UPDATE posts SET comment_count = comment_count + ({step})
        WHERE id = :post_id AND EXISTS (SELECT 1 FROM profiles a WHERE a.id = :author_id
                                        AND a.hidden_at IS NULL AND a.banned_at IS NULL)"""),
        {"post_id": comment.post_id, "author_id": comment.author_id})
    _expire_post(session, comment.post_id)


def _expire_post(session, post_id) -> None:
    from .models import Post
    post = session.identity_map.get(session.identity_key(Post, post_id))
    if post is not None:
        session.expire(post, ["comment_count"])


def add_comment(session, post, author, raw_body: str | None, *, now: datetime,
                limit_enabled: bool = True):
    """Comment on ``post`` (the caller has checked the builder may see it); return the
    comment. ValidationFailed (422), RateLimited (429)."""
    from .models import PostComment
    body = clean_body(raw_body)
    ratelimits.enforce(session, LIMIT, scope="post_comment", profile_id=author.id,
                       created_at=PostComment.created_at,
                       where=PostComment.author_id == author.id, now=now, enabled=limit_enabled)
    comment = PostComment(post_id=post.id, author_id=author.id, body=body, created_at=now,
                          updated_at=now)
    session.add(comment)
    session.flush()
    _move_count(session, comment, +1)
    notices.commented(session, post, comment, author, now=now)
    return comment


def _check_author(comment, actor, message: str) -> None:
    if actor is None or comment.author_id != actor.id:
        raise Forbidden(message)


def edit_comment(session, comment, actor, raw_body: str | None, *, now: datetime):
    """Change the comment's body (the author, within 15 minutes); Forbidden, Conflict,
    ValidationFailed. Notifies only builders the new text names for the first time."""
    _check_author(comment, actor, ONLY_AUTHOR_EDIT)
    if now - comment.created_at > EDIT_WINDOW:
        raise Conflict(EDIT_WINDOW_PASSED)
    body = clean_body(raw_body)
    old = comment.body
    if body != old:
        comment.body, comment.edited_at, comment.updated_at = body, now, now
        session.flush()
        notices.mentioned_again(session, comment, actor, old, now=now)
    return comment


def delete_comment(session, comment, actor, *, now: datetime) -> None:
    """Soft-delete the comment (its author only); its post's count drops."""
    _check_author(comment, actor, ONLY_AUTHOR_DELETE)
    lock_row(session, comment)
    if comment.deleted_at is not None:
        raise NotFound()
    comment.deleted_at, comment.updated_at = now, now
    if comment.hidden_at is None:
        _move_count(session, comment, -1)
    notices.withdraw(session, comment)


def hide_comment(session, actor, comment, *, now: datetime) -> None:
    """Hide a comment (moderators; the view checks the role); Conflict when hidden."""
    lock_row(session, comment)
    if comment.deleted_at is not None:
        raise NotFound()
    if comment.hidden_at is not None:
        raise Conflict(ALREADY_HIDDEN)
    comment.hidden_at, comment.hidden_by = now, actor.id
    _move_count(session, comment, -1)
    notices.withdraw(session, comment)
    record(session, actor, "hide_comment", _author(session, comment), comment_id=comment.id,
           post_id=comment.post_id)


def unhide_comment(session, actor, comment) -> None:
    """Show a hidden comment again; Conflict ("Comment is not hidden")."""
    lock_row(session, comment)
    if comment.deleted_at is not None:
        raise NotFound()
    if comment.hidden_at is None:
        raise Conflict(NOT_HIDDEN)
    comment.hidden_at = comment.hidden_by = None
    _move_count(session, comment, +1)
    record(session, actor, "unhide_comment", _author(session, comment), comment_id=comment.id,
           post_id=comment.post_id)


def visible_to(viewer_role_sees_hidden: bool, viewer_id):
    """SQL condition: the comments a viewer may see (moderators every undeleted one; the
    author their own hidden ones, badged; everyone else the visible ones)."""
    from sqlalchemy import and_, or_
    from ..profiles.models import Profile
    from .models import PostComment
    if viewer_role_sees_hidden:
        return PostComment.deleted_at.is_(None)
    shown = and_(PostComment.hidden_at.is_(None), Profile.hidden_at.is_(None),
                 Profile.banned_at.is_(None))
    if viewer_id is not None:
        shown = or_(shown, PostComment.author_id == viewer_id)
    return and_(PostComment.deleted_at.is_(None), shown)


def page_of_comments(session, post_id, *, sees_hidden: bool, viewer_id, after=None):
    """The post's comments oldest first, ``PAGE_SIZE`` a page after the cursor
    ``(created_at, id)``; returns (rows, has_more). One statement (authors joined)."""
    from sqlalchemy import tuple_
    from ..profiles.models import Profile
    from .models import PostComment
    stmt = (select(PostComment, Profile.username.label("author_username"),
                   Profile.display_name.label("author_name"))
            .join(Profile, Profile.id == PostComment.author_id)
            .where(PostComment.post_id == post_id, visible_to(sees_hidden, viewer_id))
            .order_by(PostComment.created_at, PostComment.id).limit(PAGE_SIZE + 1))
    if after is not None:
        stmt = stmt.where(tuple_(PostComment.created_at, PostComment.id) > tuple_(*after))
    rows = session.execute(stmt).all()
    return [_Row(r[0], r[1], r[2]) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


class _Row:
    """A comment plus its author's name, readable as ``c.x`` and ``c["x"]`` in templates."""

    def __init__(self, comment, username, name):
        self._c, self.author_username, self.author_name = comment, username, name

    def __getattr__(self, name):
        return getattr(self._c, name)

    def __getitem__(self, name):
        return getattr(self, name)
