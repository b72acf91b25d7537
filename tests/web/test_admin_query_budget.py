"""Admin and moderation pages run a small, constant number of SQL statements."""
import pytest

from tests.factories import (AuditLogFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)
from tests.querycount import count_queries

BUDGET = 8


def build(n, subject, event):
    """``n`` builders with registrations, projects, joins, invites and audit rows."""
    for i in range(n):
        person = ProfileFactory(hidden=i % 5 == 0)
        EventRegistrationFactory(event=event, profile=person)
        project = ProjectFactory(owner=person)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project)
        EventRegistrationFactory(profile=subject, event=EventFactory())
        ProjectMemberFactory(profile=subject, project=ProjectFactory())
        TeamInviteFactory(recipient=subject, project=project)
        AuditLogFactory(target_profile_id=subject.id, actor_profile_id=person.id,
                        actor_name=person.display_name, target_name=subject.display_name)
        AuditLogFactory(action="ban_user", target_name=person.display_name,
                        target_profile_id=person.id, meta={"reason": "x"})


def measure(app, admin, subject, target):
    token = admin.csrf()  # fetched outside the count (the client reads it from a page)
    paths = {
        "dashboard": lambda: admin.get("/admin"),
        "users": lambda: admin.get("/admin/users"),
        "users search": lambda: admin.hx_get("/admin/users?q=builder&status=active", target="user-results"),
        "user detail": lambda: admin.get(f"/admin/users/{subject.id}"),
        "audit": lambda: admin.get("/admin/audit"),
        "audit more": lambda: admin.hx_get("/admin/audit?page=2", target="audit-more"),
        "hide (htmx)": lambda: admin.post(f"/moderation/profiles/{target.id}/hide",
                                          {"csrf_token": token}, htmx=True),
    }
    counts = {}
    for name, call in paths.items():
        admin.get("/admin")  # warm: the session's last_seen write happens outside the count
        with count_queries(app) as q:
            r = call()
        assert r.status_code == 200, (name, r.status_code)
        counts[name] = q.count
    return counts


@pytest.mark.parametrize("n", [3])
def test_admin_pages_stay_within_budget_and_constant(app, login, db_session, n):
    event = EventFactory(active=True, featured=True)
    admin = login(ProfileFactory(admin=True))
    subject = ProfileFactory(username="subject")
    small_target, big_target = ProfileFactory(), ProfileFactory()
    build(n, subject, event)
    small = measure(app, admin, subject, small_target)
    build(n * 9, subject, event)
    large = measure(app, admin, subject, big_target)
    assert small == large
    assert max(small.values()) <= BUDGET, small
