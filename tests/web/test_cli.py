"""Command line: seed-demo is idempotent; users set-role is audited as a CLI action."""
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import UserRole
from buildstory.events.models import Event
from buildstory.profiles.models import Profile
from tests.factories import ProfileFactory


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_idempotent_and_realistic(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    profiles, events = count(db_session, Profile), count(db_session, Event)
    assert profiles >= 50
    statuses = set(db_session.scalars(select(Event.status)))
    assert statuses == {"draft", "open", "active", "judging", "complete"}
    assert db_session.scalar(select(func.count()).select_from(Event).where(Event.featured)) == 1
    countries = set(db_session.scalars(select(Profile.country).where(Profile.country.is_not(None))))
    assert len(countries) >= 20
    assert any("é" in n or "ü" in n or "ö" in n for n in db_session.scalars(select(Profile.display_name)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert (count(db_session, Profile), count(db_session, Event)) == (profiles, events)


def test_users_set_role_is_audited_without_actor(app, db_session):
    target = ProfileFactory(username="future-mod")
    result = app.test_cli_runner().invoke(args=["users", "set-role", "Future-Mod", "moderator"])
    assert result.exit_code == 0, result.output
    assert "@future-mod is now moderator" in result.output
    db_session.refresh(target)
    assert target.role == UserRole.moderator
    row = db_session.scalar(select(AuditLog).where(AuditLog.action == "set_role"))
    assert row.actor_profile_id is None and row.target_profile_id == target.id
    assert row.meta == {"old_role": "user", "new_role": "moderator", "via": "cli"}
    again = app.test_cli_runner().invoke(args=["users", "set-role", "future-mod", "moderator"])
    assert "already is moderator" in again.output
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_users_set_role_refuses_unknown_users_and_super_admins(app, db_session):
    ProfileFactory(username="root-admin", clerk_id="user_superadmin")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "set-role", "ghost", "admin"]).exit_code != 0
    result = runner.invoke(args=["users", "set-role", "root-admin", "user"])
    assert result.exit_code != 0 and "Cannot change a super-admin's role" in result.output
