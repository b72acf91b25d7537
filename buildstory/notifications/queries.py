"""Reading notifications: the bell's capped unread count, the list, one to open.

The count is ``count(*)`` over at most ``BELL_CAP`` unread rows, read index-only from the
partial index of unread rows; page views get it inside the statement that loads the
signed-in session (``web.auth.preload_with_session``). The list pages by keyset on
``(created_at, id)`` over the recipient's index, 20 at a time.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, literal, select, tuple_
from sqlalchemy.orm import aliased

from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import Project
from . import registry
from .models import Notification

BELL_CAP = 100
PAGE_SIZE = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _unread_capped(recipient_id):
    # correlate_except: inside the session lookup the recipient is the outer query's
    # profile; without it the derived table would pull in profiles of its own.
    capped = (select(literal(1)).where(Notification.recipient_id == recipient_id,
                                       Notification.read_at.is_(None))
              .limit(BELL_CAP).correlate_except(Notification).subquery())
    return select(func.count()).select_from(capped)


def unread_count_column(recipient_id, now=None):
    """The capped unread count as a scalar subquery (added to the session lookup)."""
    return _unread_capped(recipient_id).scalar_subquery()


@cache
def _unread_statement():
    return _unread_capped(bindparam("recipient_id"))


def unread_count(session, profile) -> int:
    """Return how many unread notifications ``profile`` has, counting at most 100."""
    return session.scalar(_unread_statement(), {"recipient_id": profile.id})


# --- cursors -------------------------------------------------------------------------------

def encode_cursor(created_at: datetime, notification_id) -> str:
    """Return the ``before`` / ``upto`` value of a row: microseconds since 1970 and its id."""
    micros = (created_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{notification_id}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """Return ``(created_at, id)`` of a cursor, or None when it is malformed."""
    micros, _, raw_id = (value or "").partition(".")
    if not (micros.isdigit() and raw_id.isdigit() and len(micros) <= 17 and len(raw_id) <= 18):
        return None
    return EPOCH + timedelta(microseconds=int(micros)), int(raw_id)


# --- the list ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Actor:
    """What the avatar macro needs of the actor."""

    id: uuid.UUID
    display_name: str
    avatar_hash: str | None
    clerk_image_url: str | None


@dataclass(frozen=True, slots=True)
class Item:
    """One notification as its recipient sees it."""

    id: int
    sentence: str
    excerpt: str | None
    actor: Actor | None           # None: no avatar (nobody named, or "Someone")
    created_at: datetime
    unread: bool
    cursor: str


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    older: str | None             # the ``before`` of the next page, or None


@cache
def _page_statement(paged: bool):
    actor = aliased(Profile)
    stmt = (select(Notification, actor.id, actor.display_name, actor.avatar_hash,
                   actor.clerk_image_url, actor.hidden_at, actor.banned_at, Event.name)
            .outerjoin(actor, actor.id == Notification.actor_id)
            .outerjoin(Event, Event.id == Notification.event_id)
            .where(Notification.recipient_id == bindparam("recipient_id")))
    if paged:
        stmt = stmt.where(tuple_(Notification.created_at, Notification.id)
                          < tuple_(bindparam("before_at"), bindparam("before_id")))
    return (stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PAGE_SIZE + 1))


def _item(row, *, moderator: bool) -> Item:
    n, actor_id, name, avatar_hash, clerk_image, hidden_at, banned_at, event_name = row
    shown_actor = n.actor_name is not None and (
        moderator or (actor_id is not None and hidden_at is None and banned_at is None))
    shown = registry.Shown(type=n.type, title=n.title, count=n.count, event_name=event_name,
                           actor=(name or n.actor_name) if shown_actor else registry.SOMEONE,
                           dedupe_key=n.dedupe_key, subject_id=n.subject_id)
    card = (Actor(actor_id, name, avatar_hash, clerk_image)
            if shown_actor and actor_id is not None else None)
    return Item(id=n.id, sentence=registry.sentence(shown),
                excerpt=n.body if shown_actor or n.actor_name is None else None,
                actor=card, created_at=n.created_at, unread=n.read_at is None,
                cursor=encode_cursor(n.created_at, n.id))


def page(session, profile, *, before: tuple | None = None, moderator: bool = False) -> Page:
    """Return ``profile``'s notifications, newest first, 20 from ``before`` (one statement).

    A hidden, banned or deleted actor shows as "Someone", without avatar or excerpt, to
    everyone but moderators.
    """
    params = {"recipient_id": profile.id}
    if before is not None:
        params.update(before_at=before[0], before_id=before[1])
    rows = session.execute(_page_statement(before is not None), params).all()
    items = [_item(row, moderator=moderator) for row in rows[:PAGE_SIZE]]
    older = items[-1].cursor if len(rows) > PAGE_SIZE else None
    return Page(items, older)


def item(session, profile, notification_id, *, moderator: bool = False) -> Item | None:
    """Return one of ``profile``'s notifications as shown in the list, or None."""
    actor = aliased(Profile)
    row = session.execute(
        select(Notification, actor.id, actor.display_name, actor.avatar_hash,
               actor.clerk_image_url, actor.hidden_at, actor.banned_at, Event.name)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Event, Event.id == Notification.event_id)
        .where(Notification.id == notification_id,
               Notification.recipient_id == profile.id)).first()
    return _item(row, moderator=moderator) if row else None


def link_parts(session, notification: Notification) -> registry.Shown:
    """Return what the link of ``notification`` is built from (current slugs)."""
    row = session.execute(
        select(select(Project.slug).where(Project.id == notification.project_id)
               .scalar_subquery(),
               select(Event.slug).where(Event.id == notification.event_id)
               .scalar_subquery())).one()
    return registry.Shown(type=notification.type, title=notification.title,
                          actor=registry.SOMEONE, project_slug=row[0], event_slug=row[1],
                          subject_id=notification.subject_id,
                          dedupe_key=notification.dedupe_key)
