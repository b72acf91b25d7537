"""Who hears about the roadmap: ``comment_reply`` (a top-level comment → the idea's
author, grouped per idea while unread; a reply → the parent comment's author),
``mention`` (each visible builder a comment names, ≤ 10), and ``roadmap_shipped`` (the
author and every upvoter, a fan-out, once per idea) with its webhook.

One notification per person per action, the first that applies: reply, comment on your
idea, mention. A hidden or banned builder's comments notify nobody. Keys carry the idea's
slug (it never changes), which the notification's link is built from.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ..buildlogs import mentions
from ..enums import NotificationType
from ..notifications import fanout, services as notifications
from ..notifications.models import Notification
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..webhooks import services as webhooks

AUDIENCE = "roadmap_upvoters"


def upvoters(subject_id):
    """The idea's upvoters: (profile id column, conditions); the upvotes' primary key
    (item_id, profile_id) makes each fan-out batch a range scan."""
    from .models import FeatureBoardUpvote
    return FeatureBoardUpvote.profile_id, [FeatureBoardUpvote.item_id == subject_id]


fanout.AUDIENCES.setdefault(AUDIENCE, upvoters)


def shipped_key(item) -> str:
    return f"roadmap_shipped:{item.slug}"


def comment_key(item, comment) -> str:
    return f"comment_reply:{item.slug}:{comment.id}"


def reply_key(item, comment) -> str:
    return f"comment_reply:reply:{item.slug}:{comment.id}"


def mention_key(item, comment) -> str:
    return f"mention:roadmap:{item.slug}:{comment.id}"


def _quiet(actor) -> bool:
    return actor.hidden_at is not None or actor.banned_at is not None


def commented(session, item, comment, actor, parent_author_id, *, now: datetime) -> None:
    """Notify for a new comment: the parent's author for a reply, else the idea's author;
    then the builders it names."""
    if _quiet(actor):
        return
    told = {actor.id}
    if comment.parent_comment_id is not None:
        if parent_author_id not in told:
            notifications.notify(session, NotificationType.comment_reply,
                                 recipients=[parent_author_id], actor=actor, title=item.title,
                                 body=comment.body, subject_id=item.id,
                                 dedupe_key=reply_key(item, comment), now=now)
            told.add(parent_author_id)
    elif item.author_id not in told:
        notifications.notify(session, NotificationType.comment_reply, recipients=[item.author_id],
                             actor=actor, title=item.title, body=comment.body,
                             subject_id=item.id, dedupe_key=comment_key(item, comment),
                             group_key=f"comment_reply:item:{item.id}", now=now)
        told.add(item.author_id)
    mentioned(session, item, comment, actor, mentions.named(comment.body), told, now=now)


def mentioned(session, item, comment, actor, usernames, told, *, now: datetime) -> None:
    """The mention hook: notify the visible builders ``usernames`` names (≤ 10), leaving
    out those already told about this action."""
    names = usernames[:mentions.PER_TEXT]
    if not names or _quiet(actor):
        return
    ids = [i for i in session.scalars(select(Profile.id).where(Profile.username.in_(names),
                                                               visible()))
           if i not in told]
    if ids:
        notifications.notify(session, NotificationType.mention, recipients=ids, actor=actor,
                             title=item.title, body=comment.body, subject_id=item.id,
                             dedupe_key=mention_key(item, comment), now=now)


def withdraw(session, item, comment) -> None:
    """Remove the unread notifications a deleted comment caused."""
    session.execute(delete(Notification).where(
        Notification.dedupe_key.in_([comment_key(item, comment), reply_key(item, comment),
                                     mention_key(item, comment)]),
        Notification.read_at.is_(None)))


def shipped(session, item, *, now: datetime) -> None:
    """The idea entered shipped: notify its author now and every upvoter through a
    fan-out, and emit the webhook — each once per idea (their keys are once ever)."""
    key = shipped_key(item)
    notifications.notify(session, NotificationType.roadmap_shipped, recipients=[item.author_id],
                         title=item.title, subject_id=item.id, dedupe_key=key, now=now)
    fanout.fan_out(session, NotificationType.roadmap_shipped, audience=AUDIENCE,
                   subject_id=item.id, dedupe_key=key, title=item.title)
    webhooks.emit(session, "roadmap_shipped", {"slug": item.slug, "title": item.title},
                  f"roadmap_shipped:{item.id}", subject_id=item.id)


def forget_item(session, item) -> None:
    """Delete every notification about an idea that is being deleted."""
    session.execute(delete(Notification).where(Notification.subject_id == item.id,
                                               Notification.type.in_(
                                                   [NotificationType.comment_reply,
                                                    NotificationType.roadmap_shipped])))
    session.execute(delete(Notification).where(
        Notification.subject_id == item.id,
        Notification.dedupe_key.like(f"mention:roadmap:{item.slug}:%")))
