"""The admin area's pages: dashboard (with and without data), users, user detail, audit."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from buildstory.audit import AuditLog
from buildstory.moderation import services
from tests.factories import (AuditLogFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)
from tests.querycount import count_queries

ADMINS = frozenset({"user_superadmin"})


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, username="the-admin", display_name="The Admin",
                              country=None, region=None))


@pytest.fixture
def moderator(login):
    return login(ProfileFactory(moderator=True, username="the-mod", display_name="The Mod",
                              country=None, region=None))


def text(response):
    return response.get_data(as_text=True)


def test_dashboard_renders_with_no_data(moderator):
    r = moderator.get("/admin")
    html = text(r)
    assert r.status_code == 200
    assert "No event is featured right now." in html
    assert "No sign-ups in the last 30 days" not in html  # the moderator signed up today
    assert 'role="img"' in html and "<title id=\"chart-signups-title\">" in html
    assert "No builders" not in html or "No builders have set a country yet" in html
    assert 'style="' not in html


def test_dashboard_counts_the_featured_event_for_visible_builders(moderator, db_session):
    event = EventFactory(active=True, featured=True, name="Winter Jam")
    other = EventFactory(open=True)
    now = datetime.now(UTC)
    seekers = [EventRegistrationFactory(event=event, team_preference=p).profile
               for p in ("looking_for_team", "has_team_open", "solo")]
    EventRegistrationFactory(event=event, team_preference="has_team",
                             registered_at=now - timedelta(days=2))
    EventRegistrationFactory(event=event, team_preference="looking_for_team",
                             profile=ProfileFactory(hidden=True))
    EventRegistrationFactory(event=event, profile=ProfileFactory(banned=True))
    EventRegistrationFactory(event=other)
    EventProjectFactory(event=event, project=ProjectFactory(owner=seekers[0]))
    EventProjectFactory(event=event, project=ProjectFactory(owner=seekers[1], hidden=True))
    EventProjectFactory(event=event, project=ProjectFactory(owner=ProfileFactory(banned=True)))
    html = text(moderator.get("/admin"))
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html))
    # Today counts registrations since UTC midnight (the factory registers "now"; the one
    # two days old does not count) — unless the test runs in the first seconds of a day.
    assert stats["Sign-ups"] == "4" and stats["Team seekers"] == "2"
    assert stats["Projects entered"] == "1"
    assert stats["Registered today"] in ("3", "4") and "Winter Jam" in html


def test_dashboard_charts_and_activity(moderator, db_session):
    for code in ["SE"] * 3 + ["KE"] * 2 + ["MX"]:
        ProfileFactory(country=code, region=None)
    ProfileFactory(country="FR", region=None, hidden=True)
    event = EventFactory(active=True, featured=True)
    reg = EventRegistrationFactory(event=event)
    project = ProjectFactory(owner=reg.profile, name="Robot Chef")
    ProjectMemberFactory(project=project)
    EventProjectFactory(event=event, project=project)
    html = text(moderator.get("/admin"))
    start = html.index("Builders per country (top 10)</caption>")
    table = html[start:html.index("</table>", start)]  # only the table: Faker names elsewhere
    assert "<th scope=\"row\">Sweden</th><td>3</td>" in table
    assert "<th scope=\"row\">Kenya</th><td>2</td>" in table and "France" not in table
    assert 'class="chart-bar"' in html
    assert "signed up" in html and "registered for" in html and "entered" in html
    assert "joined the team of" in html and "Robot Chef" in html


def test_users_list_tabs_search_role_filter_and_pagination(moderator, db_session):
    ProfileFactory(username="zed-hidden", hidden=True)
    ProfileFactory(username="zed-banned", banned=True)
    ProfileFactory(username="zed-active", display_name="Zoë Active")
    ProfileFactory(username="zed-mod", moderator=True)
    html = text(moderator.get("/admin/users?q=zed"))
    counts = dict(re.findall(r'>(All|Active|Hidden|Banned) <span class="tab-count">(\d+)</span>', html))
    assert counts == {"All": "4", "Active": "2", "Hidden": "1", "Banned": "1"}
    html = text(moderator.get("/admin/users?q=zed&status=banned"))
    assert "@zed-banned" in html and "@zed-active" not in html
    html = text(moderator.get("/admin/users?q=zoe"))  # accents and case do not matter
    assert "@zed-active" in html and "@zed-hidden" not in html
    html = text(moderator.get("/admin/users?q=zed&role=moderator"))
    assert "@zed-mod" in html and "@zed-active" not in html
    html = text(moderator.get("/admin/users?role=owner&status=nonsense&page=x"))
    assert 'aria-current="page">All' in html


def test_users_list_pages_hold_25(moderator, db_session):
    for i in range(30):
        ProfileFactory(username=f"page-user-{i:02d}")
    first = text(moderator.get("/admin/users?q=page-user"))
    assert first.count('<tr id="user-row-') == 25 and 'rel="next"' in first
    second = text(moderator.get("/admin/users?q=page-user&page=2"))
    assert second.count('<tr id="user-row-') == 5 and 'rel="prev"' in second


def test_users_search_fragment_for_htmx(moderator, db_session):
    ProfileFactory(username="findme")
    r = moderator.hx_get("/admin/users?q=findme", target="user-results")
    html = text(r)
    assert r.status_code == 200 and html.startswith('<div id="user-results"')
    assert "@findme" in html and "<html" not in html


def test_user_detail_shows_everything_about_a_builder(moderator, db_session):
    person = ProfileFactory(username="subject", display_name="Sam Subject")
    event = EventFactory(name="Spring Sprint")
    EventRegistrationFactory(event=event, profile=person)
    ProjectFactory(owner=person, name="Owned Thing")
    ProjectMemberFactory(profile=person, project=ProjectFactory(name="Joined Thing"))
    TeamInviteFactory(recipient=person, project=ProjectFactory(name="Invited Thing"))
    AuditLogFactory(target_profile_id=person.id, target_name="Sam Subject (@subject)",
                    action="ban_user", meta={"reason": "spam"})
    html = text(moderator.get(f"/admin/users/{person.id}"))
    for snippet in ("Spring Sprint", "Owned Thing", "Joined Thing", "Invited Thing",
                    "Banned builder", "Reason: spam", f'id="mod-panel-profile-{person.id}"'):
        assert snippet in html
    # Moderators do not get the admin forms.
    assert "Change role" not in html and "Delete user" not in html


def test_user_detail_forms_for_admins(admin, db_session):
    person = ProfileFactory(username="subject")
    html = text(admin.get(f"/admin/users/{person.id}"))
    assert '<label for="role">Role</label>' in html and ">Change role</button>" in html
    assert '<label for="confirm_username">Confirm username</label>' in html
    assert ">Delete user</button>" in html
    own = text(admin.get(f"/admin/users/{admin.profile.id}"))
    assert "Change role" not in own and "This is you" in own


def test_unknown_and_malformed_user_ids_are_404(moderator):
    assert moderator.get("/admin/users/not-a-uuid").status_code == 404
    assert moderator.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404


def test_moderators_see_dashboard_and_users_but_not_the_audit_log(moderator):
    html = text(moderator.get("/admin"))
    assert ">Users</a>" in html and "Audit log" not in html
    assert moderator.get("/admin/audit").status_code == 403


def test_admin_link_in_the_header_only_for_moderators(moderator, login, client):
    assert '>Admin</a>' in text(moderator.get("/dashboard"))
    builder = login(ProfileFactory())
    assert '>Admin</a>' not in text(builder.get("/dashboard"))
    assert '>Admin</a>' not in text(client.get("/sign-in"))


def test_dashboard_with_the_demo_data(moderator, db_session):
    from argon2 import PasswordHasher

    from buildstory.demo import seed_demo
    seed_demo(db_session, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    html = text(moderator.get("/admin"))
    assert "Winter Agents Jam" in html
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html))
    assert int(stats["Sign-ups"]) > 0 and int(stats["Projects entered"]) > 0
    assert html.count('class="chart-bar"') >= 12
    users = text(moderator.get("/admin/users?status=banned"))
    assert "@jackt" in users and '<span class="badge badge--banned">Banned</span>' in users
