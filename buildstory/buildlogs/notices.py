"""Who hears about a comment: ``post_comment`` to the post's author (grouped per post
while unread) and ``mention`` to each visible builder the text names (≤ 10 per text).

One notification per person per action, the first that applies: the post's author gets
``post_comment`` even when also named. Community actions of a hidden or banned builder
notify nobody. A comment hidden or deleted takes its unread notifications with it (their
once-ever keys name the comment).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ..enums import NotificationType
from ..notifications import services as notifications
from ..notifications.models import Notification
from ..profiles.models import Profile
from ..profiles.queries import visible
from . import mentions


def _quiet(actor) -> bool:
    return actor.hidden_at is not None or actor.banned_at is not None


def comment_key(comment_id) -> str:
    return f"post_comment:{comment_id}"


def mention_key(comment_id) -> str:
    return f"mention:comment:{comment_id}"


def post_title(session, post) -> str:
    """The name a notification about ``post`` shows: its project's or tool's."""
    from ..projects.models import Project
    from ..tools.models import AiTool
    known = getattr(post, "context_name", None)
    if known is not None:
        return known
    if post.project_id is not None:
        return session.scalar(select(Project.name).where(Project.id == post.project_id))
    return session.scalar(select(AiTool.name).where(AiTool.id == post.tool_id))


def _named_builders(session, usernames: list[str], exclude: set) -> list:
    names = usernames[:mentions.PER_TEXT]
    if not names:
        return []
    ids = session.scalars(select(Profile.id).where(Profile.username.in_(names), visible()))
    return [i for i in ids if i not in exclude]


def commented(session, post, comment, actor, *, now: datetime) -> None:
    """Notify the post's author and the builders the new comment names."""
    if _quiet(actor):
        return
    title = post_title(session, post)
    told = {actor.id}
    if post.author_id != actor.id:
        notifications.notify(session, NotificationType.post_comment, recipients=[post.author_id],
                             actor=actor, title=title, body=comment.body, subject_id=post.id,
                             dedupe_key=comment_key(comment.id),
                             group_key=f"post_comment:post:{post.id}", now=now)
        told.add(post.author_id)
    _mention(session, post, comment, actor, mentions.named(comment.body), told, title, now)


def mentioned_again(session, comment, actor, old_body: str, *, now: datetime) -> None:
    """After an edit: notify only the builders named for the first time."""
    if _quiet(actor):
        return
    from .models import Post
    post = session.get(Post, comment.post_id)
    _mention(session, post, comment, actor, mentions.newly_named(old_body, comment.body),
             {actor.id}, post_title(session, post), now)


def _mention(session, post, comment, actor, usernames, told, title, now) -> None:
    recipients = _named_builders(session, usernames, told)
    if recipients:
        notifications.notify(session, NotificationType.mention, recipients=recipients,
                             actor=actor, title=title, body=comment.body, subject_id=post.id,
                             dedupe_key=mention_key(comment.id), now=now)


def withdraw(session, comment) -> None:
    """Remove the unread notifications a comment caused (it was hidden or deleted)."""
    session.execute(delete(Notification).where(
        Notification.dedupe_key.in_([comment_key(comment.id), mention_key(comment.id)]),
        Notification.read_at.is_(None)))
