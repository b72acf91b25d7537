"""The audit log is written with the change or not at all, and is never rewritten."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from buildstory.audit import AuditLog, AuditLogIsAppendOnly
from buildstory.identity.models import Account, DeletedIdentity
from buildstory.models import Profile, Project
from buildstory.moderation import services
from tests.factories import AccountFactory, ProfileFactory, ProjectFactory

ADMINS = frozenset({"user_superadmin"})
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

FAIL_AUDIT_INSERTS = """
CREATE FUNCTION pg_temp.refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit insert refused for the test'; END $$;
CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit_log
    FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_audit();
"""

ACTIONS = {
    "hide_user": lambda s, w: services.hide_profile(s, w.mod, w.target, admin_ids=ADMINS, now=NOW),
    "ban_user": lambda s, w: services.ban_user(s, w.mod, w.target, reason="spam", admin_ids=ADMINS, now=NOW),
    "hide_project": lambda s, w: services.hide_project(s, w.mod, w.project, admin_ids=ADMINS, now=NOW),
    "set_role": lambda s, w: services.set_role(s, w.admin, w.target, "admin", admin_ids=ADMINS),
    "delete_user": lambda s, w: services.delete_user(s, w.admin, w.target, confirm="victim",
                                                     admin_ids=ADMINS, now=NOW),
}


def snapshot(session, w):
    """What the target looks like in the database (fresh reads, not the identity map)."""
    session.expire_all()
    row = session.execute(select(Profile.hidden_at, Profile.banned_at, Profile.role)
                          .where(Profile.id == w.target_id)).first()
    project = session.execute(select(Project.hidden_at).where(Project.id == w.project_id)).first()
    accounts = session.scalar(select(func.count()).select_from(Account))
    deleted = session.scalar(select(func.count()).select_from(DeletedIdentity))
    return row, project, accounts, deleted


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_failing_audit_insert_leaves_the_target_unchanged(db_session, action):
    class W:
        mod = ProfileFactory(moderator=True)
        admin = ProfileFactory(admin=True)
        target = AccountFactory(profile__username="victim").profile
    W.project = ProjectFactory(owner=W.target)
    W.target_id, W.project_id = W.target.id, W.project.id
    db_session.execute(text(FAIL_AUDIT_INSERTS))
    db_session.commit()
    before = snapshot(db_session, W)

    with pytest.raises(DBAPIError, match="audit insert refused"):
        ACTIONS[action](db_session, W)
    db_session.rollback()

    assert snapshot(db_session, W) == before
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_audit_rows_cannot_be_changed_through_the_orm(db_session):
    mod, target = ProfileFactory(moderator=True), ProfileFactory()
    services.hide_profile(db_session, mod, target, admin_ids=ADMINS, now=NOW)
    db_session.commit()
    row = db_session.scalar(select(AuditLog))
    row.action = "something_else"
    with pytest.raises(AuditLogIsAppendOnly):
        db_session.flush()
    db_session.rollback()
    row = db_session.scalar(select(AuditLog))
    db_session.delete(row)
    with pytest.raises(AuditLogIsAppendOnly):
        db_session.flush()


@pytest.mark.parametrize("sql", ["UPDATE admin_audit_log SET action = 'x'",
                                 "DELETE FROM admin_audit_log"])
def test_the_database_refuses_to_rewrite_audit_rows(db_session, sql):
    mod, target = ProfileFactory(moderator=True), ProfileFactory()
    services.hide_profile(db_session, mod, target, admin_ids=ADMINS, now=NOW)
    db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(sql))


def test_names_are_snapshots_that_survive_renames_and_deletion(db_session):
    mod = ProfileFactory(moderator=True, display_name="Mod One", username="mod-one")
    target = ProfileFactory(display_name="Old Name", username="old-name")
    services.hide_profile(db_session, mod, target, admin_ids=ADMINS, now=NOW)
    target.display_name = "New Name"
    db_session.flush()
    row = db_session.scalar(select(AuditLog))
    assert (row.actor_name, row.target_name) == ("Mod One (@mod-one)", "Old Name (@old-name)")
