"""The audit log page: newest first, filters, readable labels, links, "Load more"."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import AuditLogFactory, ProfileFactory

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, username="the-admin"))


def html(r):
    return r.get_data(as_text=True)


def rows(body):
    return body.count("<tr") - body.count('<tr id="audit-more"') - body.count("<tr><th scope=\"col\">")


def test_newest_first_with_labels_details_and_links(admin, db_session):
    mod = ProfileFactory(display_name="Mo Derator", username="mo-derator")
    target = ProfileFactory(display_name="Tess Target", username="tess")
    AuditLogFactory(action="ban_user", actor_profile_id=mod.id, actor_name="Mo Derator (@mo-derator)",
                    target_profile_id=target.id, target_name="Tess Target (@tess)",
                    meta={"reason": "Spam"}, created_at=T0)
    AuditLogFactory(action="set_role", actor_profile_id=None, actor_name=None,
                    target_profile_id=target.id, target_name="Tess Target (@tess)",
                    meta={"old_role": "user", "new_role": "moderator", "via": "cli"},
                    created_at=T0 + timedelta(hours=1))
    AuditLogFactory(action="delete_user", actor_profile_id=mod.id, actor_name="Mo Derator (@mo-derator)",
                    target_profile_id=ProfileFactory.build().id, target_name="Gone Person (@gone)",
                    meta={"identity_id": "user_gone"}, created_at=T0 + timedelta(hours=2))
    body = html(admin.get("/admin/audit"))
    order = [body.index(label) for label in ("Deleted user</span>", "Changed role</span>",
                                             "Banned builder</span>")]
    assert order == sorted(order)
    assert "Reason: Spam" in body and "User → Moderator (command line)" in body
    assert "Command line" in body and "Gone Person (@gone) <span class=\"muted\">(deleted)</span>" in body
    assert f'<a href="/admin/users/{mod.id}">Mo Derator <span class="nowrap">(@mo-derator)</span></a>' in body
    assert f'<a href="/admin/users/{target.id}">Tess Target <span class="nowrap">(@tess)</span></a>' in body


def test_filters_by_action_actor_and_target(admin, db_session):
    alice = ProfileFactory(display_name="Alice Åberg", username="alice")
    bob = ProfileFactory(display_name="Bob Builder", username="bob-b")
    AuditLogFactory(action="hide_user", actor_profile_id=alice.id, actor_name="Alice Åberg (@alice)",
                    target_profile_id=bob.id, target_name="Bob Builder (@bob-b)")
    AuditLogFactory(action="ban_user", actor_profile_id=bob.id, actor_name="Bob Builder (@bob-b)",
                    target_profile_id=alice.id, target_name="Alice Åberg (@alice)", meta={"reason": None})
    AuditLogFactory(action="hide_user", actor_name="Someone Else", target_name="Nobody Known")
    body = html(admin.get("/admin/audit?action=ban_user"))
    assert "Banned builder</span>" in body and "Hid builder</span>" not in body
    assert '<option value="ban_user" selected>Banned builder</option>' in body
    body = html(admin.get("/admin/audit?actor=aberg"))  # accent-insensitive via the profile
    assert "Hid builder</span>" in body and "Banned builder</span>" not in body
    body = html(admin.get("/admin/audit?target=alice"))
    assert "Banned builder</span>" in body and "Hid builder</span>" not in body
    body = html(admin.get("/admin/audit?target=Nobody"))  # name snapshots match too
    assert "Nobody Known" in body and "Bob Builder" not in body
    body = html(admin.get("/admin/audit?action=drop_tables&actor=zzz"))
    assert "No entries match these filters." in body


def test_load_more_appends_the_next_rows(admin, db_session):
    for i in range(60):
        AuditLogFactory(action="hide_user", target_name=f"Person {i:02d}",
                        created_at=T0 + timedelta(minutes=i))
    first = html(admin.get("/admin/audit?action=hide_user"))
    assert "Person 59" in first and "Person 10" in first and "Person 09" not in first
    assert '<tr id="audit-more"' in first and ">Load more</button>" in first
    assert 'hx-get="/admin/audit" hx-target="#audit-more" hx-swap="outerHTML"' in first
    assert '<input type="hidden" name="page" value="2">' in first
    more = admin.hx_get("/admin/audit?action=hide_user&page=2", target="audit-more")
    body = html(more)
    assert more.status_code == 200 and body.lstrip().startswith("<tr")
    assert "Person 09" in body and "Person 00" in body and "Person 10" not in body
    assert 'id="audit-more"' not in body and "<html" not in body
    assert len(re.findall(r"<tr[ >]", body)) == 10
    # Without JavaScript the same form opens page 2 as a page of its own.
    page2 = html(admin.get("/admin/audit?action=hide_user&page=2"))
    assert "Person 09" in page2 and "Back to the newest entries" in page2


def test_empty_log(admin):
    assert "No moderation or admin actions yet." in html(admin.get("/admin/audit"))


def test_only_admins(login, client):
    assert login(ProfileFactory(moderator=True)).get("/admin/audit").status_code == 403
    assert login(ProfileFactory()).get("/admin/audit").status_code == 403
    r = client.get("/admin/audit")
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")


def test_a_role_change_from_the_command_line_reads_as_such(app, admin, db_session):
    target = ProfileFactory(username="cli-target", display_name="Cli Target")
    result = app.test_cli_runner().invoke(args=["users", "set-role", "cli-target", "moderator"])
    assert result.exit_code == 0, result.output
    body = html(admin.get("/admin/audit?action=set_role"))
    assert '<span class="muted">Command line</span>' in body
    assert "User → Moderator (command line)" in body
    assert f'<a href="/admin/users/{target.id}">Cli Target <span class="nowrap">(@cli-target)</span></a>' in body


def test_the_filter_form_swaps_the_results_for_htmx(admin, db_session):
    AuditLogFactory(action="ban_user", target_name="Fragment Person", meta={"reason": "x"})
    AuditLogFactory(action="hide_user", target_name="Other Person")
    r = admin.hx_get("/admin/audit?action=ban_user", target="audit-results")
    body = html(r)
    assert r.status_code == 200 and body.startswith('<div id="audit-results"')
    assert "Fragment Person" in body and "Other Person" not in body and "<html" not in body


def test_seed_metadata_keys_and_old_rows_both_read(admin, db_session):
    """set_role rows carry {oldRole, newRole}, delete_user rows {deletedProfileId,
    displayName, username, clerkId}; rows written with the older keys still read."""
    AuditLogFactory(action="set_role", target_name="New Keys (@newk)",
                    meta={"oldRole": "moderator", "newRole": "admin"}, created_at=T0)
    AuditLogFactory(action="set_role", target_name="Old Keys (@oldk)",
                    meta={"old_role": "user", "new_role": "moderator"},
                    created_at=T0 + timedelta(minutes=1))
    AuditLogFactory(action="delete_user", target_name="Gone New (@gone-new)",
                    meta={"deletedProfileId": "0b9d4a4e-0000-4000-8000-000000000000",
                          "displayName": "Gone New", "username": "gone-new",
                          "clerkId": "user_gone_new"}, created_at=T0 + timedelta(minutes=2))
    AuditLogFactory(action="delete_user", target_name="Gone Old (@gone-old)",
                    meta={"identity_id": "user_gone_old"}, created_at=T0 + timedelta(minutes=3))
    body = html(admin.get("/admin/audit"))
    assert "Moderator → Admin" in body and "User → Moderator" in body
    assert "Gone New; @gone-new; identity user_gone_new" in body
    assert "identity user_gone_old" in body
    assert "0b9d4a4e-0000-4000-8000-000000000000" not in body


def test_the_csv_export_shows_the_seed_metadata_keys(admin, db_session):
    import csv
    import io
    AuditLogFactory(action="set_role", target_name="Ro Le (@role)",
                    meta={"oldRole": "user", "newRole": "moderator"}, created_at=T0)
    AuditLogFactory(action="delete_user", target_name="Gone New (@gone-new)",
                    meta={"deletedProfileId": "0b9d4a4e-0000-4000-8000-000000000000",
                          "displayName": "=Gone New", "username": "gone-new",
                          "clerkId": "user_gone_new"}, created_at=T0 + timedelta(minutes=1))
    AuditLogFactory(action="hide_user", target_name="Other", created_at=T0 + timedelta(minutes=2))
    page = html(admin.get("/admin/audit?action=set_role"))
    assert 'href="/admin/audit.csv?action=set_role"' in page
    r = admin.get("/admin/audit.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(html(r))))
    assert rows[0] == ["time", "action", "actor", "target", "details", "metadata"]
    deleted, role = rows[2], rows[3]
    assert role[1] == "Changed role" and role[4] == "User → Moderator"
    assert role[5] == '{"newRole": "moderator", "oldRole": "user"}'
    assert deleted[1] == "Deleted user" and '"clerkId": "user_gone_new"' in deleted[5]
    assert '"deletedProfileId": "0b9d4a4e-0000-4000-8000-000000000000"' in deleted[5]
    assert deleted[4].startswith("'=Gone New")  # a formula stays inert text
    only = list(csv.reader(io.StringIO(html(admin.get("/admin/audit.csv?action=set_role")))))
    assert len(only) == 2 and only[1][1] == "Changed role"
