"""The demo's moderation part: done through the services, once."""
from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.demo import seed_demo
from buildstory.enums import UserRole
from buildstory.models import Profile, Project

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_demo_moderation_is_audited_and_idempotent(db_session):
    seed_demo(db_session, hasher=HASHER)
    by_name = {p.username: p for p in db_session.scalars(
        select(Profile).where(Profile.username.in_(["priya", "oscarl", "jackt"])))}
    assert by_name["priya"].role == UserRole.moderator
    assert by_name["oscarl"].hidden_at is not None
    assert by_name["jackt"].banned_at is not None and by_name["jackt"].ban_reason
    assert db_session.scalar(select(Project.hidden_at).where(Project.slug == "surf-report-bot"))
    mine = AuditLog.action.in_(["ban_user", "hide_project", "hide_user", "set_role"])
    actions = sorted(db_session.scalars(select(AuditLog.action).where(mine)))
    assert actions == ["ban_user", "hide_project", "hide_user", "set_role"]
    total = db_session.scalar(select(func.count()).select_from(AuditLog))
    seed_demo(db_session, hasher=HASHER)
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == total
