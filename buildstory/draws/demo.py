"""One past prize draw for the completed demo event (only when it has eligible registrants)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import exists, select

from .models import PrizeDraw
from ..events.models import Event
from ..profiles.models import Profile
from . import queries, services

EVENT_SLUG = "autumn-shipathon"
WINNERS = 3


def seed(session, rng: random.Random) -> dict:
    """Run the demo event's draw once, a day after it ended, as the demo admin."""
    event = session.scalar(select(Event).where(Event.slug == EVENT_SLUG))
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    if event is None or admin is None:
        return {"prize draws": 0}
    if session.scalar(select(exists().where(PrizeDraw.event_id == event.id))):
        return {"prize draws": 0}
    eligible = queries.eligible(session, event.id)
    if not eligible:
        return {"prize draws": 0}
    services.run_draw(session, admin, event, min(WINNERS, len(eligible)),
                      exclude_earlier_winners=False, now=event.ends_at + timedelta(days=1))
    return {"prize draws": 1}
