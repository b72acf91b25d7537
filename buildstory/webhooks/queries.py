"""Reads of the webhook admin pages (docs/rules.md "Webhooks")."""
from __future__ import annotations

from sqlalchemy import select

from ..errors import NotFound
from .models import WebhookDelivery, WebhookEndpoint

LATEST_DELIVERIES = 20


def endpoints(session) -> list[WebhookEndpoint]:
    """Every endpoint (at most 20), by name."""
    return list(session.scalars(select(WebhookEndpoint)
                                .order_by(WebhookEndpoint.name, WebhookEndpoint.id)))


def endpoint_or_404(session, endpoint_id) -> WebhookEndpoint:
    """Return the endpoint or raise NotFound (404)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def latest_deliveries(session, endpoint_id) -> list[WebhookDelivery]:
    """The endpoint's 20 newest deliveries (index on endpoint_id, created_at)."""
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(LATEST_DELIVERIES)))


def delivery_or_404(session, delivery_id) -> WebhookDelivery:
    """Return the delivery or raise NotFound (404)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound()
    return delivery
