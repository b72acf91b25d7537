"""Demo teams: members joined through invites, and invites in every state.

Runs after the projects seeder. Everything goes through the team services, at plausible
past times, so the team history reads like a real one: members who joined by direct
invite or by link, invites still pending (some to the demo admin, so its inbox is not
empty), declined ones, revoked ones and an expired link. A project that already has any
invite is left alone, so running it twice changes nothing.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..profiles.models import Profile
from ..projects.models import Project
from . import services
from .models import TeamInvite

TEAM_LIMIT = 6  # the default TEAM_SIZE_LIMIT; demo teams stay well below it
LINK_TTL_DAYS = 7

# project slug: joined by direct invite, joined by link, still pending, declined, revoked,
# and whether an invite link was left to expire.
TEAMS = {
    "receipt-whisperer": (["seun", "gracem"], ["kwame"], ["demo-admin"], ["lea-dubois"],
                          ["mateus"], True),
    "sketch-to-site": (["hana-k"], [], ["demo-admin", "chloe"], [], [], False),
    "tapas-tutor": (["sofia_h", "camila"], [], [], ["diegof"], [], True),
    "pdf-untangler": (["arjun"], ["isa_rossi"], [], [], ["emmaj"], False),
    "haiku-garden": ([], ["yuki"], ["mia-s"], [], [], False),
    "meeting-minutes": (["chloe", "olivia"], [], ["demo-admin"], [], [], False),
    "farm-forecast": (["rafa-costa", "pedrog"], [], [], ["marta"], [], False),
    "clinic-queue": (["thandi", "ruth"], [], [], [], ["kwame"], True),
    "podcast-clipper": (["ethanb", "lukas_n"], ["dkim"], ["amara"], [], [], False),
}


def _now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


class _Clock:
    """Hands out increasing past times for one project's story, never later than ``end``."""

    def __init__(self, start: datetime, end: datetime, rng: random.Random):
        self.t, self.end, self.rng = start, end, rng

    def tick(self, hours: tuple[int, int] = (2, 20)) -> datetime:
        self.t = min(self.t + timedelta(hours=self.rng.randint(*hours)), self.end)
        return self.t


def _team_story(session, project: Project, people: dict, plan, clock: _Clock, now) -> tuple[int, int]:
    """Play one project's invites through the services; return (members, invites) made."""
    direct, by_link, pending, declined, revoked, expired_link = plan
    owner, joined, invites = project.owner, 0, 0

    def send(username):
        return services.send_direct_invite(session, project, owner, username, now=clock.tick(),
                                           team_limit=TEAM_LIMIT)

    for name in direct:
        if name in people:
            invite = send(name)
            services.accept_invite(session, invite, people[name], now=clock.tick((1, 30)),
                                   team_limit=TEAM_LIMIT)
            joined, invites = joined + 1, invites + 1
    for name in by_link:
        if name in people:
            _, raw = services.create_invite_link(session, project, owner, now=clock.tick(),
                                                 ttl_days=LINK_TTL_DAYS, team_limit=TEAM_LIMIT)
            services.accept_link(session, raw, people[name], now=clock.tick((1, 12)),
                                 team_limit=TEAM_LIMIT)
            joined, invites = joined + 1, invites + 1
    for name in declined:
        if name in people:
            services.decline_invite(session, send(name), people[name], now=clock.tick())
            invites += 1
    for name in revoked:
        if name in people:
            services.revoke_invite(session, send(name), owner, now=clock.tick((24, 48)))
            invites += 1
    if expired_link:  # created a few days ago with a one-day life: expired by now
        when = max(project.created_at + timedelta(hours=1), now - timedelta(days=3))
        services.create_invite_link(session, project, owner, now=when, ttl_days=1)
        invites += 1
    for name in pending:
        if name in people:
            send(name)
            invites += 1
    return joined, invites


def seed(session, rng: random.Random) -> dict:
    """Create the demo teams and invites that are missing; return counts of what was made."""
    now = _now()
    projects = {p.slug: p for p in session.scalars(
        select(Project).where(Project.slug.in_(list(TEAMS))))}
    started = set(session.scalars(select(TeamInvite.project_id).where(
        TeamInvite.project_id.in_([p.id for p in projects.values()]))))
    names = {n for plan in TEAMS.values() for group in plan[:5] for n in group}
    people = {p.username: p for p in session.scalars(
        select(Profile).where(Profile.username.in_(names)))}
    joined = invites = 0
    for slug, plan in TEAMS.items():
        project = projects.get(slug)
        if project is None or project.id in started:
            continue
        start = max(project.created_at + timedelta(hours=3), now - timedelta(days=20))
        clock = _Clock(start, now - timedelta(minutes=5), rng)
        made = _team_story(session, project, people, plan, clock, now)
        joined, invites = joined + made[0], invites + made[1]
    session.flush()
    return {"team members": joined, "team invites": invites}
