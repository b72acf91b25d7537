"""Demo mentors and a live help queue in the featured live event.

Runs after the projects and teams seeders. Three demo builders (and the demo admin) get
mentor types; the live event's first entered projects ask for help at plausible past
times: some still waiting, one taken by a mentor, one resolved and rated. An event that
already has help requests is left alone, so running it twice changes nothing.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select

from ..enums import EventStatus, HelpKind, HelpRequestStatus as S
from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import EventProject, Project
from .models import HelpRequest, Mentor

MENTORS = {"priya": ["design", "technical"], "kenji": ["technical"],
           "gracem": ["design", "growth"], "demo-admin": ["technical", "growth"]}
# topic, details, kind, minutes ago, state ("open", "claimed" by priya, "resolved" by kenji)
REQUESTS = [
    ("Agent loops forever on tool errors",
     "Our agent retries a failing tool call without end.\nHow do we cap retries and surface "
     "the error to the user?", HelpKind.technical, 95, "resolved"),
    ("Onboarding screen feels cluttered",
     "Five fields on the first screen. Which ones can wait until later?", HelpKind.design, 40,
     "claimed"),
    ("Who should we show the demo to first?",
     "We have a working prototype and no users yet. Where do we find ten testers this week?",
     HelpKind.growth, 25, "open"),
    ("Streaming responses break our markdown",
     "Partial chunks render as broken lists until the message ends.", HelpKind.technical, 12,
     "open"),
    ("Landing page headline", "Two options, both feel vague. A second pair of eyes?",
     HelpKind.design, 4, "open"),
]


def seed(session, rng: random.Random) -> dict:
    now = datetime.now(UTC)
    people = {p.username: p for p in session.scalars(
        select(Profile).where(Profile.username.in_(MENTORS)))}
    have = set(session.scalars(select(Mentor.profile_id)))
    granted = 0
    for username, types in MENTORS.items():
        profile = people.get(username)
        if profile is not None and profile.id not in have:
            session.add(Mentor(profile_id=profile.id, mentor_types=types,
                               granted_at=now - timedelta(days=5)))
            granted += 1
    session.flush()
    event = session.scalar(select(Event).where(Event.status == EventStatus.active)
                           .order_by(Event.featured.desc(), Event.starts_at))
    if event is None or session.scalar(select(exists().where(HelpRequest.event_id == event.id))):
        return {"mentors": granted, "help_requests": 0}
    projects = list(session.scalars(
        select(Project).join(EventProject, EventProject.project_id == Project.id)
        .where(EventProject.event_id == event.id).order_by(Project.slug)
        .limit(len(REQUESTS))))
    mentors = {name: people[name].id for name in ("priya", "kenji") if name in people}
    made = 0
    for project, (topic, details, kind, ago, state) in zip(projects, REQUESTS):
        created = now - timedelta(minutes=ago)
        row = HelpRequest(event_id=event.id, project_id=project.id, opened_by=project.profile_id,
                          kind=kind, topic=topic, details=details, status=S.open,
                          created_at=created, updated_at=created)
        mentor = mentors.get("priya" if state == "claimed" else "kenji")
        if state != "open" and mentor is not None and mentor != project.profile_id:
            claimed = created + timedelta(minutes=rng.randint(3, 9))
            row.status, row.mentor_id = S.claimed, mentor
            row.claimed_at = row.first_claimed_at = row.updated_at = claimed
            if state == "resolved":
                row.status, row.resolved_at = S.resolved, claimed + timedelta(minutes=30)
                row.rating, row.rating_note, row.rated_at = 5, "Fixed in ten minutes.", \
                    row.resolved_at
                row.updated_at = row.resolved_at
        session.add(row)
        made += 1
    session.flush()
    return {"mentors": granted, "help_requests": made}
