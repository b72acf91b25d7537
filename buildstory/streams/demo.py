"""Demo Twitch categories, and Twitch channels for a few builders of the featured event."""
from __future__ import annotations

import random

from sqlalchemy import select

from .models import TwitchCategory
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from . import services

# Real Twitch category ids; the box-art URLs are stored for reference, never shown.
CATEGORIES = [
    ("1469308723", "Software and Game Development",
     "https://static-cdn.jtvnw.net/ttv-boxart/1469308723-{width}x{height}.jpg"),
    ("509670", "Science & Technology",
     "https://static-cdn.jtvnw.net/ttv-boxart/509670-{width}x{height}.jpg"),
]
STREAMERS = 8


def seed(session, rng: random.Random) -> dict:
    """Follow the demo categories and give a few featured-event builders a Twitch URL."""
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    have = set(session.scalars(select(TwitchCategory.twitch_id)))
    added = 0
    for twitch_id, name, box_art in CATEGORIES:
        if twitch_id not in have and admin is not None:
            services.add_category(session, admin, {"twitch_id": twitch_id, "name": name,
                                                   "box_art_url": box_art})
            added += 1
    builders = session.scalars(
        select(Profile).join(EventRegistration, EventRegistration.profile_id == Profile.id)
        .join(Event, Event.id == EventRegistration.event_id)
        .where(Event.featured, Profile.clerk_id.like("demo\\_%"))
        .order_by(Profile.clerk_id)).all()
    channels = 0
    if not any(p.twitch_url for p in builders):
        for profile in builders[:STREAMERS]:
            profile.twitch_url = f"https://www.twitch.tv/{profile.username.replace('-', '_')}"
            channels += 1
    session.flush()
    return {"twitch categories": added, "twitch channels": channels}
