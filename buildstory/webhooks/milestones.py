"""Milestones: announce each threshold of builders and registrations once (docs/rules.md "Webhooks").

Counted: visible builders with a username (site-wide) and the featured event's visible
registrants. Every threshold reached is recorded in ``milestones`` in one
``INSERT … ON CONFLICT DO NOTHING``; only rows this run inserted are new, so two workers
counting at once announce nothing twice, and a jump past several thresholds announces
the highest ("Buildstory now has 1,000 builders"), never the ones below it later.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import visible
from . import rules, services
from .models import Milestone

SITE = "site"


def builder_count(session) -> int:
    """Visible builders with a username."""
    return session.scalar(select(func.count()).select_from(Profile)
                          .where(visible(), Profile.username.is_not(None)))


def featured_registrations(session) -> tuple[Event | None, int]:
    """The featured event and its visible registrants (None, 0 without one)."""
    event = session.scalar(select(Event).where(Event.featured))
    if event is None:
        return None, 0
    count = session.scalar(
        select(func.count()).select_from(EventRegistration)
        .join(Profile, Profile.id == EventRegistration.profile_id)
        .where(EventRegistration.event_id == event.id, visible()))
    return event, count


def record_reached(session, series: str, scope: str, count: int) -> int | None:
    """Record every threshold ≤ ``count``; return the highest one newly recorded, or None."""
    values = rules.thresholds_up_to(count)
    if not values:
        return None
    new = session.scalars(
        insert(Milestone).values([{"series": series, "scope": scope, "value": v}
                                  for v in values])
        .on_conflict_do_nothing().returning(Milestone.value)).all()
    return max(new) if new else None


def check(session) -> list[dict]:
    """Count, record and emit the milestones reached since the last run; return them."""
    announced = []
    value = record_reached(session, "builders", SITE, builder_count(session))
    if value:
        announced.append({"series": "builders", "count": value})
    event, count = featured_registrations(session)
    if event is not None:
        value = record_reached(session, "registrations", str(event.id), count)
        if value:
            announced.append({"series": "registrations", "count": value,
                              "event_slug": event.slug, "event_name": event.name})
    for data in announced:
        scope = SITE if data["series"] == "builders" else str(event.id)
        services.emit(session, "milestone", data,
                      f"milestone:{data['series']}:{scope}:{data['count']}")
    return announced
