"""Demo moderation: a moderator, a hidden builder, a banned one, a hidden project.

Runs after the other seeders, through the moderation services, so the audit log, the
user list's status tabs and the badges have something to show. Each step is skipped
when its target is already in that state, so running it twice changes nothing.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ..enums import UserRole
from ..profiles.models import Profile
from ..projects.models import Project
from . import services

MODERATOR = "priya"
HIDDEN = "oscarl"
BANNED = ("jackt", "Sent the same promotional link to every builder in the directory.")
HIDDEN_PROJECT = "surf-report-bot"


def _by_username(session, username):
    return session.scalar(select(Profile).where(Profile.username == username))


def seed(session, rng) -> dict:
    """Apply the demo's moderation once; return how many actions were recorded."""
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    if admin is None:
        return {}
    now, ids, done = datetime.now(UTC), frozenset(), 0
    moderator = _by_username(session, MODERATOR)
    if moderator is not None and moderator.role == UserRole.user:
        done += services.set_role(session, admin, moderator, "moderator", admin_ids=ids)
    actor = moderator if moderator is not None else admin
    hidden = _by_username(session, HIDDEN)
    if hidden is not None and hidden.hidden_at is None and hidden.banned_at is None:
        services.hide_profile(session, actor, hidden, admin_ids=ids, now=now)
        done += 1
    banned = _by_username(session, BANNED[0])
    if banned is not None and banned.banned_at is None:
        services.ban_user(session, actor, banned, reason=BANNED[1], admin_ids=ids, now=now)
        done += 1
    project = session.scalar(select(Project).where(Project.slug == HIDDEN_PROJECT))
    if project is not None and project.hidden_at is None:
        services.hide_project(session, actor, project, admin_ids=ids, now=now)
        done += 1
    session.flush()
    return {"moderation actions": done} if done else {}
