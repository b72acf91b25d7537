"""Demo skills, time zones, open roles and a pending join request.

Every demo builder without skills gets a few skills, one or two roles and a time zone of
their country (chosen from their username, so runs agree); a few demo projects open
roles; one builder asks to join a project. Running it twice changes nothing.
"""
from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..errors import DomainError
from ..profiles.models import Profile
from ..projects.models import Project
from ..teams import join_requests
from ..teams.models import JoinRequest, ProjectMember
from . import services, skills

OPEN_ROLES = {"sketch-to-site": ["backend", "design"], "haiku-garden": ["frontend", "ml_ai"],
              "farm-forecast": ["data"], "meeting-minutes": ["growth", "product"]}
FALLBACK_ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Berlin",
                  "America/Sao_Paulo", "Asia/Tokyo")


def _rng(name: str) -> random.Random:
    return random.Random(hashlib.sha256(name.encode()).hexdigest())


def seed(session, rng: random.Random) -> dict:
    builders = list(session.scalars(select(Profile).where(
        Profile.username.is_not(None), func.cardinality(Profile.skills) == 0)
        .order_by(Profile.username)))
    for profile in builders:
        r = _rng(profile.username)
        roles = r.sample([item.key for item in skills.ROLES], r.randint(1, 2))
        chosen = r.sample([item.key for item in skills.SKILLS], r.randint(2, 5))
        zones = skills.country_zones(profile.country)
        zone = zones[0] if zones else r.choice(FALLBACK_ZONES)
        services.save_skills(session, profile, {"skills": chosen, "roles": roles,
                                                "timezone": zone})
    opened = 0
    for slug, roles in OPEN_ROLES.items():
        project = session.scalar(select(Project).where(Project.slug == slug))
        if project is not None and not project.open_roles:
            services.save_open_roles(session, project, roles)
            opened += 1
    requested = 0
    if not session.scalar(select(func.count(JoinRequest.id))):
        project = session.scalar(select(Project).where(Project.slug == "haiku-garden"))
        team = {project.profile_id} | set(session.scalars(select(ProjectMember.profile_id).where(
            ProjectMember.project_id == project.id))) if project else set()
        for profile in builders[:40] if project else []:
            if profile.id in team or profile.hidden_at or profile.banned_at:
                continue
            try:
                with session.begin_nested():
                    join_requests.ask_to_join(
                        session, project, profile, role="frontend",
                        message="I build React front ends and would love to help.",
                        now=datetime.now(UTC), team_limit=6, ttl_days=7)
                requested = 1
                break
            except DomainError:
                continue
    session.flush()
    return {"builders with skills": len(builders), "projects with open roles": opened,
            "join requests": requested}
