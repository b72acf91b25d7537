"""Writing and reading-state of notifications (docs/rules.md "Notifications").

``notify`` is for small audiences known in the request (a team, an author: ≤ 50 people):
one ``INSERT … SELECT … ON CONFLICT`` writes every row, leaving out the actor and banned
builders, honouring once-ever ``dedupe_key``s and folding a new event into an unread row
of the same ``group_key``. Larger or unbounded audiences go through ``fan_out``
(``fanout.py``), which a background job writes in batches. Services flush, never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Boolean, delete, func, literal, literal_column, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.types import Uuid

from ..enums import NotificationType
from ..errors import NotFound
from ..mail import services as mail
from ..profiles.models import Profile
from ..projects.models import Project
from . import registry
from .models import BODY_MAX, Notification

IN_REQUEST_LIMIT = 50


def _excerpt(body: str | None) -> str | None:
    """Return a plain excerpt of ``body`` (≤ 140 characters, "…" when cut)."""
    if body is None:
        return None
    flat = " ".join(body.split())
    return flat if len(flat) <= BODY_MAX else flat[:BODY_MAX - 1].rstrip() + "…"


def notify(session, type: NotificationType, *, recipients: Iterable, actor=None,
           title: str | None = None, body: str | None = None, project_id=None, event_id=None,
           subject_id=None, dedupe_key: str | None = None, group_key: str | None = None,
           event_name: str | None = None, now: datetime | None = None) -> list:
    """Notify up to 50 builders at once; return the ids of the rows written or updated.

    Never the actor, never a banned builder. A ``dedupe_key`` a recipient already has
    writes nothing (once ever); with a ``group_key`` an unread row of that key is updated
    instead (newest actor, count + 1, created_at now) and sends no more email. The
    opt-ins' emails are queued with the rows (``mail_handoff``; ``event_name`` only words
    their subject). At most two statements. Raises ValueError for
    more than 50 recipients: those go through ``fan_out``.
    """
    ids = list(dict.fromkeys(r.id if hasattr(r, "id") else r for r in recipients))
    if not ids:
        return []
    if len(ids) > IN_REQUEST_LIMIT:
        raise ValueError(f"notify() takes at most {IN_REQUEST_LIMIT} recipients; use fan_out()")
    kind = NotificationType(type)
    named = actor is not None and registry.names_actor(kind)
    created = literal(now, Notification.created_at.type) if now is not None else func.now()
    source = select(
        Profile.id, literal(kind.value).cast(Notification.type.type),
        literal(registry.title_snapshot(title), Notification.title.type),
        literal(_excerpt(body), Notification.body.type),
        literal(actor.id if named else None, Uuid()),
        literal(actor.display_name if named else None, Notification.actor_name.type),
        literal(project_id, Uuid()), literal(event_id, Uuid()), literal(subject_id, Uuid()),
        literal(dedupe_key, Notification.dedupe_key.type),
        literal(group_key, Notification.group_key.type), created,
    ).where(Profile.id.in_(ids), Profile.banned_at.is_(None))
    if actor is not None:
        source = source.where(Profile.id != actor.id)
    columns = ["recipient_id", "type", "title", "body", "actor_id", "actor_name", "project_id",
               "event_id", "subject_id", "dedupe_key", "group_key", "created_at"]
    stmt = pg_insert(Notification).from_select(columns, source)
    if group_key is not None:
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["recipient_id", "group_key"],
            index_where=Notification.read_at.is_(None),
            set_={"actor_id": excluded.actor_id, "actor_name": excluded.actor_name,
                  "title": excluded.title, "body": excluded.body,
                  "count": Notification.count + 1, "created_at": excluded.created_at})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["recipient_id", "dedupe_key"])
    # xmax = 0 only on rows this statement inserted (an updated group row has it set).
    stmt = stmt.returning(Notification.id, Notification.recipient_id,
                          literal_column("(xmax = 0)", Boolean))
    rows = session.execute(stmt).all()
    mail_handoff(session, kind, [(row[0], row[1]) for row in rows if row[2]],
                 subject=email_subject(kind, actor=actor, title=title, event_name=event_name,
                                       dedupe_key=dedupe_key),
                 dedupe_key=dedupe_key)
    return [row[0] for row in rows]


def mail_handoff(session, kind: NotificationType, written: list[tuple], *, subject: str,
                 dedupe_key: str | None = None, bulk: bool = False) -> None:
    """Queue the email of every newly written notification whose recipient opted in.

    ``written``: (notification id, recipient id) pairs. One statement writes the outbox
    rows and defers their jobs (none when nothing was written). Each email's key is the
    notification's once-ever key, else its first row's id, plus the recipient, so a
    replayed batch queues nothing twice. ``bulk``: event-wide mail, after personal mail.
    """
    if not written:
        return
    key = dedupe_key or f"notification:{kind.value}:{written[0][0]}"
    mail.queue_notification_emails(
        session, type=kind.value, subject=subject, dedupe_key=key,
        recipients=[(recipient, nid) for nid, recipient in written],
        priority=mail.PRIORITY_BULK if bulk else mail.PRIORITY_PERSONAL)


def email_subject(kind: NotificationType, *, actor=None, title=None, event_name=None,
                  dedupe_key=None) -> str:
    """The email subject: the sentence, naming the actor only while they are visible."""
    visible = actor is not None and actor.hidden_at is None and actor.banned_at is None
    return registry.sentence(registry.Shown(
        type=kind, title=title, event_name=event_name or title,
        actor=actor.display_name if visible else registry.SOMEONE,
        dedupe_key=dedupe_key))


BIGINT_MAX = 2**63 - 1


def _own(session, notification_id, profile, *, lock: bool = False) -> Notification:
    if not 0 < notification_id <= BIGINT_MAX:  # beyond any id: not found, never a DB error
        raise NotFound()
    stmt = select(Notification).where(Notification.id == notification_id,
                                      Notification.recipient_id == profile.id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound()
    return found


def mark_read(session, notification_id, profile, *, now: datetime) -> Notification:
    """Mark one of ``profile``'s notifications read; return it. NotFound for anyone else's.

    A row already read keeps its first ``read_at``. Marking a grouped row read lets the
    next event of its group start a new row (the unread-group index then no longer has it).
    """
    notification = _own(session, notification_id, profile)
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification


def mark_all_read(session, profile, *, upto: tuple[datetime, object], now: datetime) -> int:
    """Mark read every unread notification of ``profile`` up to the newest one shown.

    ``upto`` is that item's ``(created_at, id)``: anything that arrived (or was grouped
    into a newer row) since keeps its unread state. Returns how many were marked.
    """
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_id == profile.id, Notification.read_at.is_(None),
               tuple_(Notification.created_at, Notification.id) <= tuple_(*upto))
        .values(read_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def delete_about_project(session, project_id) -> None:
    """Delete every notification about a project (it is being deleted)."""
    session.execute(delete(Notification).where(Notification.project_id == project_id)
                    .execution_options(synchronize_session=False))


def delete_about_projects_of(session, profile_id) -> None:
    """Delete the notifications about every project a builder owns (their account goes)."""
    session.execute(delete(Notification).where(Notification.project_id.in_(
        select(Project.id).where(Project.profile_id == profile_id)))
        .execution_options(synchronize_session=False))
