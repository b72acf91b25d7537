"""Roles and deletion from the admin user page."""
import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import UserRole
from buildstory.identity.models import DeletedIdentity
from buildstory.models import Profile, Project
from tests.factories import AccountFactory, ProfileFactory, ProjectFactory


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, username="the-admin", display_name="The Admin"))


@pytest.fixture
def person(db_session):
    return AccountFactory(profile__username="person", profile__display_name="Pat Person").profile


def html(r):
    return r.get_data(as_text=True)


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def test_admin_changes_a_role_without_javascript(admin, person, db_session):
    r = admin.post(f"/admin/users/{person.id}/role", {"role": "moderator"})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/admin/users/{person.id}?done=role"
    assert "Role changed to Moderator." in html(admin.get(r.headers["Location"]))
    assert fresh(db_session, Profile, person.id).role == UserRole.moderator
    row = db_session.scalar(select(AuditLog))
    assert row.action == "set_role" and row.actor_profile_id == admin.profile.id
    assert row.meta == {"oldRole": "user", "newRole": "moderator"}


def test_admin_changes_a_role_with_htmx(admin, person, db_session):
    r = admin.post(f"/admin/users/{person.id}/role", {"role": "admin"}, htmx=True,
                   headers={"HX-Target": "role-form"})
    body = html(r)
    assert r.status_code == 200 and body.startswith('<form id="role-form"')
    assert "Role changed to Admin." in body and '<option value="admin" selected>' in body
    r = admin.post(f"/admin/users/{person.id}/role", {"role": "admin"}, htmx=True)
    assert "Pat Person already is Admin." in html(r)
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_role_refusals(admin, person, login, db_session):
    r = admin.post(f"/admin/users/{person.id}/role", {"role": "owner"}, htmx=True)
    assert r.status_code == 422 and "Choose a role from the list" in html(r)
    r = admin.post(f"/admin/users/{person.id}/role", {"role": "owner"})
    assert r.status_code == 422 and "Choose a role from the list" in html(r) and "<html" in html(r)
    r = admin.post(f"/admin/users/{admin.profile.id}/role", {"role": "user"}, htmx=True)
    assert r.status_code == 403 and "Cannot change your own role" in html(r)
    root = ProfileFactory(clerk_id="user_superadmin", username="root")
    r = admin.post(f"/admin/users/{root.id}/role", {"role": "user"})
    assert r.status_code == 403 and "Cannot change a super-admin&#39;s role" in html(r)
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/admin/users/{person.id}/role", {"role": "admin"})
    assert r.status_code == 403 and "Only admins can manage roles" in html(r)
    builder = login(ProfileFactory())
    assert builder.post(f"/admin/users/{person.id}/role", {"role": "admin"}).status_code == 403
    assert fresh(db_session, Profile, person.id).role == UserRole.user
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_delete_user_with_the_typed_username(admin, person, login, db_session):
    person_browser = login(person)
    ProjectFactory(owner=person, slug="doomed-project")
    r = admin.post(f"/admin/users/{person.id}/delete", {"confirm_username": "Person"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/users?deleted=")
    page = html(admin.get(r.headers["Location"]))
    assert "Deleted Pat Person (@person) and everything they owned." in page
    assert fresh(db_session, Profile, person.id) is None
    assert db_session.scalar(select(Project).where(Project.slug == "doomed-project")) is None
    assert db_session.get(DeletedIdentity, person.clerk_id) is not None
    # Their browser's session is gone with the account.
    r = person_browser.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")


def test_delete_user_with_htmx_redirects(admin, person):
    r = admin.post(f"/admin/users/{person.id}/delete", {"confirm_username": "person"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/admin/users?deleted=")


def test_delete_user_mismatch_keeps_input_and_changes_nothing(admin, person, db_session):
    r = admin.post(f"/admin/users/{person.id}/delete", {"confirm_username": "persona"}, htmx=True)
    body = html(r)
    assert r.status_code == 422 and body.startswith('<form id="delete-form"')
    assert "Type the username to confirm" in body and 'value="persona"' in body
    r = admin.post(f"/admin/users/{person.id}/delete", {"confirm_username": ""})
    assert r.status_code == 422 and "Type the username to confirm" in html(r)
    assert fresh(db_session, Profile, person.id) is not None
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_delete_refusals(admin, person, login, db_session):
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/admin/users/{person.id}/delete", {"confirm_username": "person"})
    assert r.status_code == 403 and "Only admins can delete users" in html(r)
    r = admin.post(f"/admin/users/{admin.profile.id}/delete", {"confirm_username": "the-admin"},
                   htmx=True)
    assert r.status_code == 403 and "Cannot delete yourself" in html(r)
    root = ProfileFactory(clerk_id="user_superadmin", username="root")
    r = admin.post(f"/admin/users/{root.id}/delete", {"confirm_username": "root"})
    assert r.status_code == 403 and "Cannot delete a super-admin" in html(r)
    assert fresh(db_session, Profile, person.id) is not None
    assert fresh(db_session, Profile, root.id) is not None


def test_a_forged_deleted_message_shows_nothing(admin):
    page = html(admin.get("/admin/users?deleted=00000000-0000-0000-0000-000000000000"))
    assert "Deleted " not in page
    assert "Deleted " not in html(admin.get("/admin/users?deleted=<script>"))
