"""What the worker does with one delivery, around the HTTP call (docs/rules.md "Webhooks").

``prepare`` (a short transaction, before the call) decides whether there is anything to
send: a delivery already finished is left alone (running a job twice changes nothing
more), an endpoint disabled meanwhile fails it ("Endpoint disabled"), a subject no longer
public skips it. ``record_success`` / ``record_failure`` (a second short transaction)
write the outcome. No transaction stays open during the call itself.

Failures count on the endpoint: each failed attempt adds one to consecutive_failures
(a success resets it); at ``disable_after`` the endpoint is disabled — audited without
an actor, ``{"via": "job"}`` — and its other queued deliveries fail "Endpoint disabled".
A delivery is retried by the queue (``MAX_ATTEMPTS`` in all), then marked failed.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, text, update

from ..audit import record
from ..jobs import DEFAULT_ATTEMPTS
from ..enums import EventStatus
from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import Project
from ..projects.queries import visible_project
from . import rules
from .models import WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = DEFAULT_ATTEMPTS  # the queue's retry policy: 8 runs, then failed
ENDPOINT_DISABLED = "Endpoint disabled"
# Events whose subject can stop being public, and how to tell that it still is.
PROJECT_SUBJECTS = {"project_created", "submission_made"}
EVENT_SUBJECTS = {"results_published"}
# A shipped idea is public while its status is; read by table name (no roadmap import).
IDEA_SUBJECTS = {"roadmap_shipped"}
_IDEA_PUBLIC = text("SELECT EXISTS (SELECT 1 FROM feature_board_items WHERE id = :id "
                    "AND status IN ('exploring', 'next', 'now', 'shipped'))")


@dataclass(frozen=True)
class Attempt:
    """Everything the HTTP call needs, read before it (no session during the call)."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    body: bytes
    headers: dict


def _subject_public(session, delivery: WebhookDelivery) -> bool:
    if delivery.subject_id is None:
        return True
    if delivery.event in PROJECT_SUBJECTS:
        return bool(session.scalar(select(exists().where(
            Project.id == delivery.subject_id, Project.profile_id == Profile.id,
            visible_project()))))
    if delivery.event in EVENT_SUBJECTS:
        return bool(session.scalar(select(exists().where(
            Event.id == delivery.subject_id, Event.status != EventStatus.draft))))
    if delivery.event in IDEA_SUBJECTS:
        return bool(session.scalar(_IDEA_PUBLIC, {"id": delivery.subject_id}))
    return True


def _lock(session, delivery_id) -> tuple[WebhookDelivery | None, WebhookEndpoint | None]:
    row = session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(), execution_options={"populate_existing": True}).first()
    return (row[0], row[1]) if row else (None, None)


def _finish(delivery: WebhookDelivery, status: str, now: datetime, error: str | None = None):
    delivery.status, delivery.finished_at, delivery.updated_at = status, now, now
    if error is not None:
        delivery.last_error = error


def build_request(delivery: WebhookDelivery, endpoint: WebhookEndpoint, *,
                  public_url: str, timestamp: int) -> tuple[bytes, dict]:
    """The body and headers of one attempt in the endpoint's format."""
    if endpoint.format == "discord":
        body = rules.encode(rules.discord_body(delivery.event, delivery.payload, public_url))
        return body, {"Content-Type": "application/json"}
    body = rules.encode(rules.json_body(delivery.id, delivery.event, delivery.created_at,
                                        delivery.payload))
    return body, rules.json_headers(delivery.id, delivery.event, timestamp,
                                    endpoint.secret or "", body)


def prepare(session, delivery_id, *, now: datetime, public_url: str = "") -> Attempt | None:
    """Return the attempt to make, or None when there is nothing to send (finished, the
    endpoint disabled, the subject no longer public — each recorded on the delivery)."""
    delivery, endpoint = _lock(session, delivery_id)
    if delivery is None or delivery.status != "queued":
        return None
    if not endpoint.enabled and delivery.event != rules.PING:
        _finish(delivery, "failed", now, ENDPOINT_DISABLED)
        return None
    if not _subject_public(session, delivery):
        _finish(delivery, "skipped", now)
        return None
    body, headers = build_request(delivery, endpoint, public_url=public_url,
                                  timestamp=int(time.time()))
    return Attempt(delivery.id, endpoint.id, endpoint.url, body, headers)


def record_success(session, delivery_id, status_code: int, *, now: datetime) -> None:
    """Mark the delivery succeeded and reset the endpoint's failure count."""
    delivery, endpoint = _lock(session, delivery_id)
    if delivery is None or delivery.status != "queued":
        return
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, None
    _finish(delivery, "succeeded", now)
    endpoint.consecutive_failures = 0
    endpoint.last_success_at = now
    session.flush()


def record_failure(session, delivery_id, error: str, status_code: int | None, *,
                   now: datetime, disable_after: int, last_attempt: bool = False) -> bool:
    """Count a failed attempt; return True when the delivery should be tried again
    (``last_attempt``: the queue will not run the job again, whatever the count says)."""
    delivery, endpoint = _lock(session, delivery_id)
    if delivery is None or delivery.status != "queued":
        return False
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, error
    delivery.updated_at = now
    endpoint.consecutive_failures += 1
    endpoint.last_error, endpoint.last_failure_at = error, now
    retry = delivery.attempts < MAX_ATTEMPTS and not last_attempt
    if endpoint.enabled and endpoint.consecutive_failures >= disable_after:
        disable_after_failures(session, endpoint, now=now, current=delivery.id)
        retry = False
    if not retry:
        _finish(delivery, "failed", now)
    session.flush()
    return retry


def disable_after_failures(session, endpoint: WebhookEndpoint, *, now: datetime,
                           current: uuid.UUID) -> None:
    """Disable an endpoint that kept failing (audited, no actor) and fail its other
    queued deliveries with "Endpoint disabled" (``current`` keeps its own error)."""
    endpoint.enabled = False
    endpoint.updated_at = now
    session.flush()
    record(session, None, "disable_webhook", webhook_id=endpoint.id, via="job",
           failures=endpoint.consecutive_failures)
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "queued",
               WebhookDelivery.id != current)
        .values(status="failed", last_error=ENDPOINT_DISABLED, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
