"""Demo registrations: a good share of the demo builders registered for each public event."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..enums import CommitmentLevel, EventStatus, TeamPreference
from ..profiles.models import Profile
from . import services
from .models import Event, EventRegistration

# Share of the demo builders registered per event (by slug); drafts get none.
SHARES = {"winter-agents-jam": 0.75, "spring-build-sprint": 0.4, "voice-ai-weekend": 0.55,
          "autumn-shipathon": 0.6}
# Weighted like a real event: many solo builders, a good crowd looking for teammates.
TEAM_WEIGHTS = {TeamPreference.solo: 4, TeamPreference.looking_for_team: 3,
                TeamPreference.has_team: 2, TeamPreference.has_team_open: 2}
COMMITMENT_WEIGHTS = {CommitmentLevel.all_in: 2, CommitmentLevel.daily: 3,
                      CommitmentLevel.nights_weekends: 4, CommitmentLevel.not_sure: 1}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _registered_at(rng: random.Random, event: Event, now: datetime) -> datetime:
    start = event.registration_opens_at or event.starts_at - timedelta(days=30)
    end = min(now, event.ends_at, event.registration_closes_at or event.ends_at)
    span = max((end - start).total_seconds(), 3600)
    return start + timedelta(seconds=rng.uniform(0, span))


def seed(session, rng: random.Random) -> dict:
    """Register demo builders for the public demo events (idempotent); return the count."""
    now = datetime.now(UTC)
    builders = list(session.scalars(select(Profile).where(Profile.clerk_id.like("demo\\_%"),
                                                          Profile.clerk_id != "demo_admin")
                                    .order_by(Profile.clerk_id)))
    events = session.scalars(select(Event).where(Event.slug.in_(SHARES),
                                                 Event.status != EventStatus.draft)).all()
    have = set(session.execute(select(EventRegistration.event_id, EventRegistration.profile_id)))
    created = 0
    for event in sorted(events, key=lambda e: e.slug):
        chosen = random.Random(f"{event.slug}-{len(builders)}").sample(
            builders, round(len(builders) * SHARES[event.slug]))
        for profile in sorted(chosen, key=lambda p: p.clerk_id):
            team, commitment = _pick(rng, TEAM_WEIGHTS), _pick(rng, COMMITMENT_WEIGHTS)
            when = _registered_at(rng, event, now)
            if (event.id, profile.id) in have:
                continue
            # Closed events took their registrations while they were open, so the demo
            # writes them directly rather than through ``register`` (which checks "now").
            services.upsert_registration(session, event, profile, team, commitment, now=when,
                                         onboarding_completed_at=when)
            created += 1
    session.flush()
    return {"registrations": created}
