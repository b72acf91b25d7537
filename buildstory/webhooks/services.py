"""Webhook endpoints (admins) and ``emit``, the one call features make (docs/rules.md "Webhooks").

Every admin action writes its audit row in the same transaction. At most 20 endpoints:
the count is taken under a transaction-scoped advisory lock, so two admins adding the
20th and 21st at once end with 20. ``emit`` inserts one delivery per subscribed enabled
endpoint (one statement, a dedupe key unique per endpoint) and defers their jobs (one
more); the worker sends them (``delivery.py``).
"""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB

from ..audit import record
from ..errors import Conflict, ValidationFailed
from ..locking import lock_row
from . import forms, guard, queue, rules
from .models import WebhookDelivery, WebhookEndpoint

TOO_MANY = "You can have at most 20 webhooks"
ALREADY_ENABLED = "Webhook is already enabled"
ALREADY_DISABLED = "Webhook is already disabled"
DISCORD_NO_SECRET = "Discord webhooks have no secret"
ONLY_FAILED = "Only failed deliveries can be retried"
# Any constant works: it only has to be the same for every process adding an endpoint.
_ENDPOINT_COUNT_LOCK = 0x77656268  # "webh"


def new_secret() -> str:
    """32 bytes from the operating system's CSPRNG, as hex (the HMAC key)."""
    return secrets.token_hex(32)


def _host(url: str) -> str:
    return guard.target(url)[1]


def create_endpoint(session, actor, values: dict, *, require_https: bool,
                    allow_private: bool, now: datetime) -> tuple[WebhookEndpoint, str | None]:
    """Add an endpoint (audited) and return it with its secret (JSON only, shown once);
    raise ValidationFailed (422) or Conflict "You can have at most 20 webhooks" (409)."""
    data, errors = forms.clean_webhook(values, require_https=require_https,
                                       allow_private=allow_private)
    if errors:
        raise ValidationFailed(errors)
    session.execute(select(func.pg_advisory_xact_lock(_ENDPOINT_COUNT_LOCK)))
    if session.scalar(select(func.count()).select_from(WebhookEndpoint)) >= rules.MAX_ENDPOINTS:
        raise Conflict(TOO_MANY)
    secret = new_secret() if data["format"] == "json" else None
    endpoint = WebhookEndpoint(**data, secret=secret, enabled=True, created_at=now,
                               updated_at=now)
    session.add(endpoint)
    session.flush()
    record(session, actor, "create_webhook", webhook_id=endpoint.id, name=endpoint.name,
           host=_host(endpoint.url))
    return endpoint, secret


def update_endpoint(session, actor, endpoint: WebhookEndpoint, values: dict, *,
                    require_https: bool, allow_private: bool,
                    now: datetime) -> tuple[list[str], str | None]:
    """Save the form (audited with the changed fields); return the changed fields and a
    new secret when the format became JSON (shown once). Raises ValidationFailed (422)."""
    data, errors = forms.clean_webhook(values, require_https=require_https,
                                       allow_private=allow_private)
    if errors:
        raise ValidationFailed(errors)
    endpoint = lock_row(session, endpoint)
    changes = [name for name in ("name", "url", "format", "events")
               if getattr(endpoint, name) != data[name]]
    secret = None
    if "format" in changes:
        secret = new_secret() if data["format"] == "json" else None
        endpoint.secret = secret
    for name in changes:
        setattr(endpoint, name, data[name])
    if changes:
        endpoint.updated_at = now
        session.flush()
        record(session, actor, "update_webhook", webhook_id=endpoint.id, changes=changes)
    return changes, secret


def set_enabled(session, actor, endpoint: WebhookEndpoint, enabled: bool, *,
                now: datetime) -> None:
    """Enable (failures count from zero again) or disable an endpoint (audited); raise
    Conflict "Webhook is already enabled" / "… disabled" (409)."""
    endpoint = lock_row(session, endpoint)
    if endpoint.enabled == enabled:
        raise Conflict(ALREADY_ENABLED if enabled else ALREADY_DISABLED)
    endpoint.enabled = enabled
    if enabled:
        endpoint.consecutive_failures = 0
    endpoint.updated_at = now
    session.flush()
    record(session, actor, "enable_webhook" if enabled else "disable_webhook",
           webhook_id=endpoint.id)


def rotate_secret(session, actor, endpoint: WebhookEndpoint, *, now: datetime) -> str:
    """Replace a JSON endpoint's secret (audited) and return it, shown once; raise
    Conflict "Discord webhooks have no secret" (409)."""
    endpoint = lock_row(session, endpoint)
    if endpoint.format != "json":
        raise Conflict(DISCORD_NO_SECRET)
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    session.flush()
    record(session, actor, "rotate_webhook_secret", webhook_id=endpoint.id)
    return endpoint.secret


def delete_endpoint(session, actor, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its deliveries (audited); NotFound when already gone."""
    endpoint = lock_row(session, endpoint)
    record(session, actor, "delete_webhook", webhook_id=endpoint.id, name=endpoint.name,
           host=_host(endpoint.url))
    session.delete(endpoint)
    session.flush()


def send_test(session, endpoint: WebhookEndpoint, *, now: datetime) -> WebhookDelivery:
    """Queue a ``ping`` for this endpoint alone (sent even while it is disabled, so an
    admin can check a fixed receiver before enabling it again)."""
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event=rules.PING, payload={},
                               dedupe_key=f"ping:{uuid.uuid4()}", status="queued",
                               created_at=now, updated_at=now)
    session.add(delivery)
    session.flush()
    queue.defer_deliveries(session, [delivery.id])
    return delivery


def retry_delivery(session, actor, delivery: WebhookDelivery, *, now: datetime) -> None:
    """Queue a failed delivery again from attempt one (audited); raise Conflict "Only
    failed deliveries can be retried" (409)."""
    delivery = lock_row(session, delivery)
    if delivery.status != "failed":
        raise Conflict(ONLY_FAILED)
    delivery.status, delivery.attempts, delivery.finished_at = "queued", 0, None
    delivery.updated_at = now
    session.flush()
    record(session, actor, "retry_webhook_delivery", delivery_id=delivery.id,
           webhook_id=delivery.endpoint_id)
    queue.defer_deliveries(session, [delivery.id])


_EMIT = text("""
    INSERT INTO webhook_deliveries (endpoint_id, event, payload, subject_id, dedupe_key)
    SELECT id, :event, :payload, :subject_id, :dedupe_key FROM webhook_endpoints
    WHERE enabled AND :event = ANY(events)
    ON CONFLICT (endpoint_id, dedupe_key) DO NOTHING
    RETURNING id""").bindparams(bindparam("payload", type_=JSONB))


def emit(session, event_type: str, data: dict, dedupe_key: str, *,
         subject_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """Queue ``event_type`` for every enabled endpoint subscribed to it, in the caller's
    transaction (commits or rolls back with the change): one INSERT, then one defer when
    any endpoint listens. ``data`` holds public facts only; ``dedupe_key`` makes a second
    call for the same moment a no-op. Returns the new delivery ids."""
    if event_type not in rules.EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    ids = list(session.scalars(_EMIT, {"event": event_type, "payload": data,
                                       "subject_id": subject_id, "dedupe_key": dedupe_key}))
    if ids:
        queue.defer_deliveries(session, ids)
    return ids


def emit_submission_made(session, *, submission_id, event_slug: str, project_id,
                         project_slug: str, name: str,
                         event_id=None) -> list[uuid.UUID]:
    """``submission_made`` for a submission's first save (call it from the submission
    service, in its transaction); skipped at delivery if the project is no longer public.
    With ``event_id`` the key is per (event, project), so a withdrawal and a new
    submission announce nothing twice."""
    key = (f"submission_made:{event_id}:{project_id}" if event_id is not None
           else f"submission_made:{submission_id}")
    return emit(session, "submission_made",
                {"event_slug": event_slug, "project_slug": project_slug, "name": name},
                key, subject_id=project_id)


def emit_results_published(session, *, event_id, event_slug: str, version: int,
                           winners: list[dict]) -> list[uuid.UUID]:
    """``results_published`` for each published version; ``winners`` are
    ``{"place", "project_slug", "name"}`` of visible projects only."""
    data = {"event_slug": event_slug, "version": version,
            "winners": [{"place": w["place"], "project_slug": w["project_slug"],
                         "name": w["name"]} for w in winners]}
    return emit(session, "results_published", data,
                f"results_published:{event_id}:{version}", subject_id=event_id)
