"""Demo reports: a few open reports for the moderators' queue (one target reported
twice), sent through the reports service so they obey its rules. Skipped when any report
exists, so running it twice changes nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ..enums import UserRole
from ..profiles.models import Profile
from ..projects.models import Project
from . import registry, services
from .models import Report

DETAILS = (
    "Same referral link posted on every project page this week.",
    "The description is an ad for a crypto course, not a project.",
    None,
    "Rude replies to people who asked about the demo.",
)
REASONS = ("spam", "spam", "off_topic", "abuse")


def seed(session, rng) -> dict:
    if session.scalar(select(func.count()).select_from(Report)):
        return {}
    builders = session.scalars(
        select(Profile).where(Profile.username.is_not(None), Profile.hidden_at.is_(None),
                              Profile.banned_at.is_(None), Profile.role == UserRole.user)
        .order_by(Profile.username).limit(40)).all()
    projects = session.scalars(select(Project).where(Project.hidden_at.is_(None))
                               .order_by(Project.slug).limit(10)).all()
    if len(builders) < 6 or len(projects) < 2:
        return {}
    kinds = registry.KINDS
    targets = [kinds["project"].load(session, projects[0].id, None, UserRole.user),
               kinds["project"].load(session, projects[0].id, None, UserRole.user),
               kinds["project"].load(session, projects[1].id, None, UserRole.user),
               kinds["profile"].load(session, builders[-1].id, None, UserRole.user)]
    reporters = [b for b in builders[:-1]]
    rng.shuffle(reporters)
    now, sent = datetime.now(UTC), 0
    for i, target in enumerate(t for t in targets if t is not None):
        reporter = next(r for r in reporters[i:] if r.id != target.author_id)
        services.send(session, reporter, target,
                      {"reason": REASONS[i], "details": DETAILS[i] or ""},
                      now=now - timedelta(hours=6 - i), limit_enabled=False)
        sent += 1
    session.flush()
    return {"open reports": sent}
