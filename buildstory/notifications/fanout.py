"""Notifications for unbounded audiences (an event's registrants), written by a job.

``fan_out`` runs in the request: it records the fan-out in ``notification_fanouts``
(once ever per ``dedupe_key``) and defers ``notifications.fanout``. The job
(``run_fanout``) walks the audience by profile id, ``BATCH`` recipients per short
transaction: the batch's upper bound (an index-only probe), one ``INSERT … SELECT … ON
CONFLICT DO NOTHING`` into notifications, the opt-ins' emails (one statement writing the
outbox rows and deferring their jobs, fed the batch's recipients and ids as the two arrays
the insert returned, so no row passes through Python) and the cursor. The fan-out row is
locked for each batch, so two runs take turns and the second finds the cursor moved; the
notifications' unique ``(recipient_id, dedupe_key)`` makes a replayed batch write nothing.
A crash loses at most the batch in flight, which the next run redoes.

With ``FANOUT_PARTS`` > 1 the job first ``split``s a fan-out that has not started into
ranges of profile ids, one row and one job each: that many workers write it side by side
(each range keeps every rule above). One part (the default) takes one worker and one
database connection, however many workers run, leaving the other cores to the pages.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Callable

from sqlalchemy import Text, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import Uuid

from .. import jobs
from ..enums import NotificationType
from ..events.models import EventRegistration
from ..mail.services import PRIORITY_BULK, queue_notification_emails
from ..profiles.models import Profile
from . import registry
from .models import Notification, NotificationFanout
from .services import email_subject

BATCH = 5000
TASK = "notifications.fanout"
QUEUE = "fanout"


def event_registrants(subject_id):
    """The registrants of event ``subject_id``: (profile id column, conditions)."""
    return EventRegistration.profile_id, [EventRegistration.event_id == subject_id]


# Audience name → function of the fan-out's subject id giving the recipients' profile id
# column and its conditions; the column must lead an index with them (here the unique
# (event_id, profile_id) of event_registrations), so each batch is a range scan.
AUDIENCES: dict[str, Callable] = {"event_registrants": event_registrants}


def fan_out(session, type: NotificationType, *, audience: str, subject_id, dedupe_key: str,
            title: str | None = None, body: str | None = None, actor=None, project_id=None,
            event_id=None):
    """Record a fan-out and defer its job (2 statements); return its id, or None when this
    ``dedupe_key`` already fanned out (once ever)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    kind = NotificationType(type)
    named = actor is not None and registry.names_actor(kind)
    fanout_id = session.scalar(
        pg_insert(NotificationFanout).values(
            type=kind, audience=audience, subject_id=subject_id, dedupe_key=dedupe_key,
            title=registry.title_snapshot(title), body=body,
            actor_id=actor.id if actor is not None else None,
            actor_name=actor.display_name if named else None,
            project_id=project_id, event_id=event_id)
        .on_conflict_do_nothing(index_elements=["dedupe_key", "part"])
        .returning(NotificationFanout.id))
    if fanout_id is not None:
        defer_fanout(session, fanout_id)
    return fanout_id


def _lock(session, fanout_id) -> NotificationFanout | None:
    return session.scalars(select(NotificationFanout).where(NotificationFanout.id == fanout_id)
                           .with_for_update(), execution_options={"populate_existing": True}
                           ).first()


def split(session, fanout_id, parts: int) -> list:
    """Split a fan-out that has not started into ``parts`` ranges of the profile-id space
    (ids are random, so the ranges hold about as many recipients each), so as many workers
    can write it at once: this row keeps the first range, each other range gets a row of
    its own (cursor at the range's start) and a job. Returns the new rows' ids; none when
    ``parts`` < 2, the audience fits in one batch, or the fan-out has started, finished,
    been split or is gone. The row stays locked until the caller commits, so two runs
    split it once."""
    if parts < 2:
        return []
    fan = _lock(session, fanout_id)
    if fan is None or fan.finished_at is not None or fan.part != 0 or fan.cursor is not None \
            or fan.stop is not None:
        return []
    column, conditions = AUDIENCES[fan.audience](fan.subject_id)
    beyond_one_batch = select(column).where(*conditions).order_by(column).offset(BATCH).limit(1)
    if session.scalar(beyond_one_batch) is None:
        return []  # one batch holds the whole audience: nothing to share
    bounds = [uuid.UUID(int=i * 2**128 // parts) for i in range(1, parts)] + [None]
    session.execute(update(NotificationFanout).where(NotificationFanout.id == fan.id)
                    .values(stop=bounds[0]))
    same = {c: getattr(fan, c) for c in ("type", "audience", "subject_id", "dedupe_key", "title",
                                         "body", "actor_id", "actor_name", "project_id",
                                         "event_id")}
    ids = session.scalars(pg_insert(NotificationFanout).values(
        [dict(same, part=i, cursor=bounds[i - 1], stop=bounds[i]) for i in range(1, parts)])
        .on_conflict_do_nothing(index_elements=["dedupe_key", "part"])
        .returning(NotificationFanout.id)).all()
    if ids:
        jobs.defer_many(session, TASK, [{"fanout_id": str(i)} for i in ids], queue=QUEUE)
    return ids


def defer_fanout(session, fanout_id) -> None:
    """Queue the job that writes a fan-out (in the caller's transaction)."""
    jobs.defer(session, TASK, queue=QUEUE, fanout_id=str(fanout_id))


def _upper_bound(session, column, conditions, cursor, stop):
    """The last profile id of the next batch, or None when fewer than BATCH remain."""
    stmt = select(column).where(*conditions)
    if cursor is not None:
        stmt = stmt.where(column > cursor)
    if stop is not None:
        stmt = stmt.where(column <= stop)
    return session.scalar(stmt.order_by(column).offset(BATCH - 1).limit(1))


def _insert_batch(session, fan: NotificationFanout, column, conditions, upper) -> tuple:
    """Write the batch's notifications (one ``INSERT … SELECT``); return how many were
    written and, as two array literals, their recipients and ids, which go back into the
    email statement as they came: no row of the batch becomes a Python object."""
    named = fan.actor_name is not None
    source = (select(
        column, literal(fan.type.value).cast(Notification.type.type),
        literal(fan.title, Notification.title.type), literal(fan.body, Notification.body.type),
        literal(fan.actor_id if named else None, Uuid()),
        literal(fan.actor_name, Notification.actor_name.type),
        literal(fan.project_id, Uuid()), literal(fan.event_id, Uuid()),
        literal(fan.subject_id, Uuid()), literal(fan.dedupe_key, Notification.dedupe_key.type))
        .join(Profile, Profile.id == column)
        .where(*conditions, Profile.banned_at.is_(None)))
    if fan.cursor is not None:
        source = source.where(column > fan.cursor)
    if upper is not None:
        source = source.where(column <= upper)
    if fan.actor_id is not None:  # never for your own action
        source = source.where(column != fan.actor_id)
    written = (pg_insert(Notification).from_select(
        ["recipient_id", "type", "title", "body", "actor_id", "actor_name", "project_id",
         "event_id", "subject_id", "dedupe_key"], source)
        .on_conflict_do_nothing(index_elements=["recipient_id", "dedupe_key"])
        .returning(Notification.id, Notification.recipient_id)).cte("written")
    return session.execute(select(
        func.count(), cast(func.array_agg(written.c.recipient_id), Text),
        cast(func.array_agg(written.c.id), Text))).one()


# The batch's (recipient, notification) pairs for the email statement, from the arrays.
_WRITTEN = "SELECT * FROM unnest(CAST(:recipients AS uuid[]), CAST(:ids AS bigint[]))"


def run_batch(session, fanout_id, *, now: datetime | None = None) -> bool:
    """Write the next batch of a fan-out in the caller's transaction; return True when
    the fan-out is finished (also when it was already, or is gone)."""
    fan = _lock(session, fanout_id)
    if fan is None or fan.finished_at is not None:
        return True
    column, conditions = AUDIENCES[fan.audience](fan.subject_id)
    bound = _upper_bound(session, column, conditions, fan.cursor, fan.stop)
    last = bound is None  # the rest of the range fits in this batch
    upper = fan.stop if last else bound
    written, recipients, ids = _insert_batch(session, fan, column, conditions, upper)
    if written:  # the opt-ins' emails: outbox rows and their jobs, one statement
        queue_notification_emails(
            session, type=fan.type.value, dedupe_key=fan.dedupe_key, priority=PRIORITY_BULK,
            subject=email_subject(fan.type, title=fan.title, dedupe_key=fan.dedupe_key),
            recipients_sql=_WRITTEN, params={"recipients": recipients, "ids": ids})
    session.execute(update(NotificationFanout).where(NotificationFanout.id == fan.id).values(
        cursor=upper, sent=NotificationFanout.sent + written,
        finished_at=(now or func.now()) if last else None))
    return last


def run_fanout(session_factory, fanout_id, *, stop_after: int | None = None) -> int:
    """Run a fan-out to its end, one transaction per batch; return the batches run.

    ``session_factory()`` gives a new session per batch (each commits on its own, so the
    cursor survives a crash). ``stop_after`` stops early, as a crash would (tests).
    """
    batches = 0
    while stop_after is None or batches < stop_after:
        with session_factory() as session, session.begin():
            finished = run_batch(session, fanout_id)
        batches += 1
        if finished:
            break
    return batches


def session_factory_for(engine) -> Callable[[], Session]:
    """A factory of plain sessions on ``engine`` (the worker's connections)."""
    return lambda: Session(bind=engine, expire_on_commit=False)
