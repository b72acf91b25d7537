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
    assert row.meta == {"oldRole": "user", "newRole": "moderator", "via": "cli"}
    again = app.test_cli_runner().invoke(args=["users", "set-role", "future-mod", "moderator"])
    assert "already is moderator" in again.output
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_users_set_role_refuses_unknown_users_and_super_admins(app, db_session):
    ProfileFactory(username="root-admin", clerk_id="user_superadmin")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "set-role", "ghost", "admin"]).exit_code != 0
    result = runner.invoke(args=["users", "set-role", "root-admin", "user"])
    assert result.exit_code != 0 and "Cannot change a super-admin's role" in result.output


def test_seed_demo_refuses_production_and_prints_a_random_admin_password_once(
        app, db_session, monkeypatch):
    import re

    from buildstory.identity.models import Account
    from buildstory.identity.views import hasher

    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "BUILDSTORY_ENV=production" in refused.output
    assert "--force" in refused.output
    assert count(db_session, Account) == 0 and count(db_session, Profile) == 0
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    match = re.search(r"Sign in at /sign-in with admin@demo\.buildstory\.dev and the "
                      r"password (\S+)", forced.output)
    assert match, forced.output
    password = match.group(1)
    assert password != "buildstory-demo" and len(password) >= 16
    with app.app_context():
        admin = db_session.get(Account, "demo_admin")
        hasher().verify(admin.password_hash, password)
        assert password not in admin.password_hash
    again = runner.invoke(args=["seed-demo", "--force"])
    assert again.exit_code == 0 and password not in again.output
    assert "admin@demo.buildstory.dev" in again.output
