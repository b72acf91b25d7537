"""Queueing email and the choices that decide it (no flask: sessions and values only).

Every email is a row of ``email_outbox`` inserted in the caller's transaction together
with the ``mail.send`` job that sends it, so an email exists exactly when the change that
wanted it committed.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from .. import jobs
from ..errors import Conflict, NotFound
from ..profiles.models import Profile
from .models import EmailOutbox, EmailStatus, NotificationPreference
from .preferences import TRANSACTIONAL, TYPES, is_notification

PRIORITY_PERSONAL = 10   # mail to one person: ahead of event-wide mail
PRIORITY_BULK = 0
RETRY_REFUSED = "Only failed emails can be retried"
UNSUBSCRIBE_INVALID = "This unsubscribe link is invalid"


def _subject(kind: str, subject: str | None) -> str:
    if subject:
        return subject[:300]
    if kind in TRANSACTIONAL:
        return TRANSACTIONAL[kind]
    raise ValueError(f"an email of kind {kind!r} needs a subject")


def queue_email(session, *, kind: str, dedupe_key: str, recipient_id=None,
                to_address: str | None = None, subject: str | None = None,
                notification_id: int | None = None,
                priority: int = PRIORITY_PERSONAL) -> int | None:
    """Queue one email and its ``mail.send`` job in the session's transaction.

    ``kind`` is a notification type (then the recipient's preference decides: off, or
    banned, queues nothing) or a transactional kind (``TRANSACTIONAL``). A ``dedupe_key``
    already used queues nothing. Returns the outbox id, or None when nothing was queued.
    """
    if kind not in TYPES and kind not in TRANSACTIONAL:
        raise ValueError(f"unknown email kind {kind!r}")
    if recipient_id is None and to_address is None:
        raise ValueError("an email needs recipient_id or to_address")
    if is_notification(kind):
        if recipient_id is None:
            raise ValueError("notification email needs recipient_id")
        ids = queue_notification_emails(session, type=kind, subject=subject,
                                        dedupe_key=dedupe_key,
                                        recipients=[(recipient_id, notification_id)],
                                        priority=priority, _exact_key=True)
        return ids[0] if ids else None
    outbox_id = session.execute(
        insert(EmailOutbox).values(kind=kind, recipient_id=recipient_id, to_address=to_address,
                                   dedupe_key=dedupe_key, subject=_subject(kind, subject),
                                   notification_id=notification_id)
        .on_conflict_do_nothing(index_elements=[EmailOutbox.dedupe_key])
        .returning(EmailOutbox.id)).scalar()
    if outbox_id is not None:
        jobs.defer(session, "mail.send", priority=priority, outbox_id=outbox_id)
    return outbox_id


_BULK = """
WITH r(profile_id, notification_id) AS ({recipients}),
ins AS (
    INSERT INTO email_outbox (recipient_id, kind, notification_id, dedupe_key, subject)
    SELECT r.profile_id, CAST(:kind AS text), r.notification_id, {key}, CAST(:subject AS text)
    FROM r
    JOIN profiles p ON p.id = r.profile_id AND p.banned_at IS NULL
    LEFT JOIN notification_preferences np
           ON np.profile_id = r.profile_id AND np.type = CAST(:kind AS text)
    WHERE coalesce(np.email, CAST(:default AS boolean))
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id)
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW('mail', 'mail.send', CAST(:priority AS integer), NULL, NULL,
               jsonb_build_object('outbox_id', ins.id), NULL)::procrastinate_job_to_defer_v1
    FROM ins ORDER BY ins.id))) AS job_id
"""
_LIST = "SELECT * FROM unnest(CAST(:_pids AS uuid[]), CAST(:_nids AS bigint[]))"


def queue_notification_emails(session, *, type: str, subject: str, dedupe_key: str,
                              recipients=None, recipients_sql: str | None = None,
                              params: dict | None = None, priority: int = PRIORITY_PERSONAL,
                              _exact_key: bool = False) -> list[int]:
    """Queue notification email of ``type`` for many recipients in ONE statement: the
    outbox rows (``INSERT … SELECT``) and their ``mail.send`` jobs (one batch defer).

    Recipients are ``recipients`` — a list of ``(profile_id, notification_id or None)`` —
    or ``recipients_sql``, a SELECT yielding the columns ``(profile_id uuid,
    notification_id bigint)`` with its bind ``params``. Only recipients who want this
    type by email (their saved choice, else the type's default) and are not banned get a
    row; each row's dedupe key is ``"<dedupe_key>:<profile id>"``, so running it twice
    queues nothing more. Returns the ids of the jobs deferred (one per email queued).
    """
    if type not in TYPES:
        raise ValueError(f"unknown notification type {type!r}")
    values = dict(params or {})
    if recipients_sql is None:
        pairs = list(recipients or [])
        if not pairs:
            return []
        recipients_sql = _LIST
        values["_pids"] = [str(p) for p, _n in pairs]
        values["_nids"] = [n for _p, n in pairs]
    key = "CAST(:dedupe_key AS text)" if _exact_key else \
        "CAST(:dedupe_key AS text) || ':' || r.profile_id::text"
    values.update(kind=type, subject=_subject(type, subject), dedupe_key=dedupe_key,
                  default=TYPES[type].default, priority=priority)
    sql = text(_BULK.format(recipients=recipients_sql, key=key))
    return list(session.execute(sql, values).scalars())


# --- Sending decisions (the mail.send job) ----------------------------------------------

def claim(session, outbox_id: int) -> EmailOutbox | None:
    """The queued row to send, locked; None when it is gone, done, or being sent."""
    return session.scalar(select(EmailOutbox).where(
        EmailOutbox.id == outbox_id, EmailOutbox.status == EmailStatus.queued)
        .with_for_update(skip_locked=True))


def wants_email(session, profile_id, kind: str) -> bool:
    """The builder's email choice for a notification type (saved, else the default)."""
    saved = session.scalar(select(NotificationPreference.email).where(
        NotificationPreference.profile_id == profile_id, NotificationPreference.type == kind))
    return TYPES[kind].default if saved is None else saved


def mark_sent(row: EmailOutbox, *, now: datetime) -> None:
    row.status, row.sent_at, row.last_error = EmailStatus.sent, now, None
    row.attempts += 1


def mark_failed_attempt(row: EmailOutbox, error: str, *, last: bool) -> None:
    row.attempts += 1
    row.last_error = error[:1000]
    if last:
        row.status = EmailStatus.failed


# --- Preferences --------------------------------------------------------------------------

def email_choices(session, profile_id) -> dict[str, bool]:
    """{type: wants email} for every registered type (one statement)."""
    saved = dict(session.execute(select(NotificationPreference.type, NotificationPreference.email)
                                 .where(NotificationPreference.profile_id == profile_id)).all())
    return {name: saved.get(name, t.default) for name, t in TYPES.items()}


def save_email_choices(session, profile_id, choices: dict[str, bool]) -> None:
    """Store the builder's choice for every type in ``choices`` (one statement)."""
    rows = [{"profile_id": profile_id, "type": name, "email": bool(on)}
            for name, on in choices.items() if name in TYPES]
    if not rows:
        return
    stmt = insert(NotificationPreference).values(rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[NotificationPreference.profile_id, NotificationPreference.type],
        set_={"email": stmt.excluded.email}))


def unsubscribe(session, profile_id: uuid.UUID, kind: str) -> None:
    """Turn email of ``kind`` off for the builder (idempotent)."""
    save_email_choices(session, profile_id, {kind: False})


def unsubscribe_target(session, decoded) -> tuple[uuid.UUID, str]:
    """The (profile id, type) of a decoded unsubscribe token, or NotFound."""
    if decoded is None or decoded[1] not in TYPES or \
            session.get(Profile, decoded[0]) is None:
        raise NotFound(UNSUBSCRIBE_INVALID)
    return decoded


# --- The development outbox and retries -----------------------------------------------------

def outbox_page(session, *, status: str | None, page: int, per_page: int = 50):
    """(rows, total) of the outbox, newest first, optionally of one status."""
    stmt = select(EmailOutbox, func.count().over().label("total")).order_by(
        EmailOutbox.id.desc()).limit(per_page).offset((page - 1) * per_page)
    if status:
        stmt = stmt.where(EmailOutbox.status == EmailStatus(status))
    rows = session.execute(stmt).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


def retry_email(session, outbox_id: int) -> EmailOutbox:
    """Queue a failed email again (attempts start over) with a new ``mail.send`` job."""
    row = session.get(EmailOutbox, outbox_id, with_for_update=True)
    if row is None:
        raise NotFound()
    if row.status != EmailStatus.failed:
        raise Conflict(RETRY_REFUSED)
    session.execute(update(EmailOutbox).where(EmailOutbox.id == outbox_id).values(
        status=EmailStatus.queued, attempts=0, last_error=None))
    jobs.defer(session, "mail.send", priority=PRIORITY_PERSONAL, outbox_id=outbox_id)
    session.refresh(row)
    return row


def claim_by_key(session, dedupe_key: str) -> EmailOutbox | None:
    """The queued row with this dedupe key, locked (see ``claim``)."""
    return session.scalar(select(EmailOutbox).where(
        EmailOutbox.dedupe_key == dedupe_key, EmailOutbox.status == EmailStatus.queued)
        .with_for_update(skip_locked=True))
