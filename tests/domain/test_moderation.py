"""Every row and message of the moderation table (docs/rules.md "Moderation"), on the services."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import UserRole
from buildstory.errors import Conflict, Forbidden, ValidationFailed
from buildstory.identity.roles import effective_role
from buildstory.moderation import access, services
from tests.factories import ProfileFactory, ProjectFactory

ADMINS = frozenset({"user_superadmin"})
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(db_session):
    class P:
        builder = ProfileFactory(display_name="Bea Builder", username="bea")
        other = ProfileFactory()
        moderator = ProfileFactory(moderator=True, display_name="Mo Derator", username="mod")
        moderator2 = ProfileFactory(moderator=True)
        admin = ProfileFactory(admin=True, display_name="Ada Admin", username="ada-admin")
        admin2 = ProfileFactory(admin=True)
        # Stored role "user": the super-admin comes from ADMIN_USER_IDS alone.
        super_admin = ProfileFactory(clerk_id="user_superadmin", username="root")
    return P


def audit_rows(session):
    return session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()


def raises(exc, message):
    return pytest.raises(exc, match=f"^{message}$")


# --- hide / unhide a profile ------------------------------------------------------------

@pytest.mark.parametrize("who", ["moderator", "admin", "super_admin"])
def test_moderators_and_admins_hide_and_unhide_profiles(db_session, people, who):
    actor, target = getattr(people, who), people.builder
    services.hide_profile(db_session, actor, target, admin_ids=ADMINS, now=NOW)
    assert target.hidden_at == NOW and target.hidden_by == actor.id
    services.unhide_profile(db_session, actor, target, admin_ids=ADMINS)
    assert target.hidden_at is None and target.hidden_by is None
    rows = audit_rows(db_session)
    assert [r.action for r in rows] == ["hide_user", "unhide_user"]
    assert all(r.actor_profile_id == actor.id and r.target_profile_id == target.id for r in rows)
    assert rows[0].target_name == "Bea Builder (@bea)" and rows[0].meta == {}


def test_builders_cannot_hide(db_session, people):
    with raises(Forbidden, access.NOT_MODERATOR):
        services.hide_profile(db_session, people.other, people.builder, admin_ids=ADMINS, now=NOW)
    with raises(Forbidden, access.NOT_MODERATOR):
        services.unhide_profile(db_session, people.other, ProfileFactory(hidden=True),
                                admin_ids=ADMINS)
    assert audit_rows(db_session) == []


def test_cannot_hide_yourself_or_a_super_admin(db_session, people):
    with raises(Forbidden, "Cannot hide yourself") as err:
        services.hide_profile(db_session, people.moderator, people.moderator, admin_ids=ADMINS, now=NOW)
    assert err.value.status == 403
    with raises(Forbidden, "Cannot hide a super-admin"):
        services.hide_profile(db_session, people.admin, people.super_admin, admin_ids=ADMINS, now=NOW)
    with raises(Forbidden, "Cannot hide a super-admin"):
        services.hide_profile(db_session, people.moderator, people.super_admin, admin_ids=ADMINS, now=NOW)
    assert people.super_admin.hidden_at is None and audit_rows(db_session) == []


def test_a_hidden_moderator_cannot_unhide_themselves(db_session, people):
    people.moderator.hidden_at = NOW
    with raises(Forbidden, "Cannot unhide yourself"):
        services.unhide_profile(db_session, people.moderator, people.moderator, admin_ids=ADMINS)
    assert people.moderator.hidden_at == NOW


def test_already_hidden_and_not_hidden_are_conflicts(db_session, people):
    services.hide_profile(db_session, people.moderator, people.builder, admin_ids=ADMINS, now=NOW)
    with raises(Conflict, "User is already hidden") as err:
        services.hide_profile(db_session, people.admin, people.builder, admin_ids=ADMINS, now=NOW)
    assert err.value.status == 409
    with raises(Conflict, "User is not hidden"):
        services.unhide_profile(db_session, people.moderator, people.other, admin_ids=ADMINS)
    assert len(audit_rows(db_session)) == 1


def test_moderators_may_hide_admins_who_are_not_super_admins(db_session, people):
    services.hide_profile(db_session, people.moderator, people.admin, admin_ids=ADMINS, now=NOW)
    assert people.admin.hidden_at == NOW


# --- hide / unhide a project ------------------------------------------------------------

@pytest.mark.parametrize("who", ["moderator", "admin", "super_admin"])
def test_hide_and_unhide_a_project(db_session, people, who):
    actor = getattr(people, who)
    project = ProjectFactory(owner=people.builder, slug="robot-chef")
    services.hide_project(db_session, actor, project, admin_ids=ADMINS, now=NOW)
    assert project.hidden_at == NOW and project.hidden_by == actor.id
    with raises(Conflict, "Project is already hidden"):
        services.hide_project(db_session, actor, project, admin_ids=ADMINS, now=NOW)
    services.unhide_project(db_session, actor, project, admin_ids=ADMINS)
    assert project.hidden_at is None and project.hidden_by is None
    with raises(Conflict, "Project is not hidden"):
        services.unhide_project(db_session, actor, project, admin_ids=ADMINS)
    rows = audit_rows(db_session)
    assert [r.action for r in rows] == ["hide_project", "unhide_project"]
    for row in rows:
        assert row.target_profile_id == people.builder.id  # the owner
        assert row.meta == {"project_id": str(project.id), "slug": "robot-chef"}


def test_builders_cannot_hide_projects_not_even_their_own(db_session, people):
    project = ProjectFactory(owner=people.builder)
    with raises(Forbidden, access.NOT_MODERATOR):
        services.hide_project(db_session, people.builder, project, admin_ids=ADMINS, now=NOW)
    project.hidden_at = NOW
    with raises(Forbidden, access.NOT_MODERATOR):
        services.unhide_project(db_session, people.builder, project, admin_ids=ADMINS)
    assert project.hidden_at == NOW and audit_rows(db_session) == []


# --- ban / unban ------------------------------------------------------------------------

def test_a_moderator_bans_with_a_reason(db_session, people):
    services.ban_user(db_session, people.moderator, people.builder, reason="  Spam links  ",
                      admin_ids=ADMINS, now=NOW)
    b = people.builder
    assert (b.banned_at, b.banned_by, b.ban_reason) == (NOW, people.moderator.id, "Spam links")
    assert effective_role(b, ADMINS) == UserRole.user
    row, = audit_rows(db_session)
    assert row.action == "ban_user" and row.meta == {"reason": "Spam links", "successions": []}


def test_the_reason_is_at_most_1000_characters(db_session, people):
    with pytest.raises(ValidationFailed) as err:
        services.ban_user(db_session, people.admin, people.other, reason="x" * 1001,
                          admin_ids=ADMINS, now=NOW)
    assert err.value.status == 422
    assert err.value.errors == {"reason": "Reason must be at most 1000 characters"}
    assert people.other.banned_at is None
    services.ban_user(db_session, people.admin, people.other, reason="y" * 1000,
                      admin_ids=ADMINS, now=NOW)
    assert len(people.other.ban_reason) == 1000


@pytest.mark.parametrize("reason", [None, "", " \n\t "])
def test_a_ban_needs_a_reason(db_session, people, reason):
    with raises(ValidationFailed, "Give a reason for the ban") as err:
        services.ban_user(db_session, people.admin, people.other, reason=reason,
                          admin_ids=ADMINS, now=NOW)
    assert err.value.errors == {"reason": "Give a reason for the ban"}
    assert people.other.banned_at is None


def test_moderators_cannot_ban_admins_but_admins_can(db_session, people):
    with raises(Forbidden, "Moderators cannot ban admins") as err:
        services.ban_user(db_session, people.moderator, people.admin, reason=None,
                          admin_ids=ADMINS, now=NOW)
    assert err.value.status == 403 and people.admin.banned_at is None
    services.ban_user(db_session, people.admin, people.admin2, reason="Spam", admin_ids=ADMINS, now=NOW)
    services.ban_user(db_session, people.moderator, people.moderator2, reason="Spam",
                      admin_ids=ADMINS, now=NOW)
    assert people.admin2.banned_at and people.moderator2.banned_at


def test_cannot_ban_yourself_or_a_super_admin(db_session, people):
    with raises(Forbidden, "Cannot ban yourself"):
        services.ban_user(db_session, people.admin, people.admin, reason=None, admin_ids=ADMINS, now=NOW)
    for actor in (people.moderator, people.admin):
        with raises(Forbidden, "Cannot ban a super-admin"):
            services.ban_user(db_session, actor, people.super_admin, reason=None,
                              admin_ids=ADMINS, now=NOW)
    assert audit_rows(db_session) == []


def test_builders_cannot_ban(db_session, people):
    with raises(Forbidden, access.NOT_MODERATOR):
        services.ban_user(db_session, people.builder, people.other, reason=None,
                          admin_ids=ADMINS, now=NOW)


def test_already_banned(db_session, people):
    services.ban_user(db_session, people.moderator, people.builder, reason="Spam", admin_ids=ADMINS, now=NOW)
    with raises(Conflict, "User is already banned") as err:
        services.ban_user(db_session, people.admin, people.builder, reason=None, admin_ids=ADMINS, now=NOW)
    assert err.value.status == 409


def test_a_banned_moderator_acts_as_a_user(db_session, people):
    people.moderator.banned_at = NOW
    with raises(Forbidden, access.NOT_MODERATOR):
        services.hide_profile(db_session, people.moderator, people.builder, admin_ids=ADMINS, now=NOW)


def test_only_admins_unban_and_unban_clears_ban_and_hide(db_session, people):
    target = ProfileFactory(banned=True, hidden=True, ban_reason="Spam")
    target.banned_by = target.hidden_by = people.moderator.id
    with raises(Forbidden, "Only admins can unban users") as err:
        services.unban_user(db_session, people.moderator, target, admin_ids=ADMINS)
    assert err.value.status == 403 and target.banned_at is not None
    services.unban_user(db_session, people.admin, target, admin_ids=ADMINS)
    assert (target.banned_at, target.banned_by, target.ban_reason) == (None, None, None)
    assert (target.hidden_at, target.hidden_by) == (None, None)
    with raises(Conflict, "User is not banned"):
        services.unban_user(db_session, people.super_admin, target, admin_ids=ADMINS)
    row, = audit_rows(db_session)
    assert row.action == "unban_user" and row.actor_profile_id == people.admin.id


def test_unban_is_refused_to_builders_before_the_state_is_revealed(db_session, people):
    with raises(Forbidden, "Only admins can unban users"):
        services.unban_user(db_session, people.builder, people.other, admin_ids=ADMINS)


# --- set role ---------------------------------------------------------------------------

def test_admins_set_roles_and_it_is_audited(db_session, people):
    assert services.set_role(db_session, people.admin, people.builder, "moderator", admin_ids=ADMINS)
    assert people.builder.role == UserRole.moderator
    row, = audit_rows(db_session)
    assert row.action == "set_role" and row.meta == {"oldRole": "user", "newRole": "moderator"}
    assert row.actor_profile_id == people.admin.id


def test_the_same_role_is_a_no_op_without_an_audit_row(db_session, people):
    assert services.set_role(db_session, people.admin, people.moderator, "moderator",
                             admin_ids=ADMINS) is False
    assert audit_rows(db_session) == []


def test_role_refusals(db_session, people):
    with raises(Forbidden, "Only admins can manage roles") as err:
        services.set_role(db_session, people.moderator, people.builder, "moderator", admin_ids=ADMINS)
    assert err.value.status == 403
    with raises(Forbidden, "Only admins can manage roles"):
        services.set_role(db_session, people.builder, people.builder, "admin", admin_ids=ADMINS)
    with raises(Forbidden, "Cannot change your own role"):
        services.set_role(db_session, people.admin, people.admin, "user", admin_ids=ADMINS)
    with raises(Forbidden, "Cannot change a super-admin's role"):
        services.set_role(db_session, people.admin, people.super_admin, "user", admin_ids=ADMINS)
    with pytest.raises(ValidationFailed) as bad:
        services.set_role(db_session, people.admin, people.builder, "owner", admin_ids=ADMINS)
    assert bad.value.errors == {"role": "Choose a role from the list"}
    assert people.builder.role == UserRole.user and audit_rows(db_session) == []


def test_a_banned_admin_cannot_manage_roles(db_session, people):
    people.admin.banned_at = NOW
    assert effective_role(people.admin, ADMINS) == UserRole.user
    with raises(Forbidden, "Only admins can manage roles"):
        services.set_role(db_session, people.admin, people.builder, "moderator", admin_ids=ADMINS)


def test_super_admins_are_admins_whatever_their_stored_role(db_session, people):
    assert people.super_admin.role == UserRole.user
    services.set_role(db_session, people.super_admin, people.admin, "user", admin_ids=ADMINS)
    assert people.admin.role == UserRole.user


def test_cli_role_changes_have_no_actor(db_session, people):
    services.set_role(db_session, None, people.builder, "admin", admin_ids=ADMINS, via_cli=True)
    row, = audit_rows(db_session)
    assert row.actor_profile_id is None and row.actor_name is None
    assert row.meta == {"oldRole": "user", "newRole": "admin", "via": "cli"}
    with raises(Forbidden, "Cannot change a super-admin's role"):
        services.set_role(db_session, None, people.super_admin, "user", admin_ids=ADMINS, via_cli=True)


# --- the buttons templates show match what the services accept ---------------------------

def test_profile_actions_follow_the_rules(db_session, people):
    acts = access.profile_actions(people.moderator, people.builder, ADMINS)
    assert acts == {"any": True, "hide": True, "unhide": False, "ban": True, "unban": False}
    assert access.profile_actions(people.moderator, people.admin, ADMINS)["ban"] is False
    assert access.profile_actions(people.admin, people.super_admin, ADMINS) == {
        "any": True, "hide": False, "unhide": False, "ban": False, "unban": False}
    banned = ProfileFactory(banned=True)
    assert access.profile_actions(people.moderator, banned, ADMINS)["unban"] is False
    assert access.profile_actions(people.admin, banned, ADMINS)["unban"] is True
    assert access.profile_actions(people.builder, people.other, ADMINS)["any"] is False
    assert access.profile_actions(None, people.other, ADMINS)["any"] is False


def test_every_action_writes_exactly_one_row(db_session, people):
    project = ProjectFactory(owner=people.other)
    target = people.builder
    steps = [
        lambda: services.hide_profile(db_session, people.moderator, target, admin_ids=ADMINS, now=NOW),
        lambda: services.unhide_profile(db_session, people.moderator, target, admin_ids=ADMINS),
        lambda: services.hide_project(db_session, people.moderator, project, admin_ids=ADMINS, now=NOW),
        lambda: services.unhide_project(db_session, people.moderator, project, admin_ids=ADMINS),
        lambda: services.ban_user(db_session, people.moderator, target, reason="r", admin_ids=ADMINS, now=NOW),
        lambda: services.unban_user(db_session, people.admin, target, admin_ids=ADMINS),
        lambda: services.set_role(db_session, people.admin, target, "moderator", admin_ids=ADMINS),
    ]
    for i, step in enumerate(steps, start=1):
        step()
        assert db_session.scalar(select(func.count()).select_from(AuditLog)) == i
