"""The landing page: featured event with countdown and stats, the explanation, recent
activity (visible builders and public things only), the query budget and its indexes."""
import re
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from buildstory.enums import TeamPreference
from buildstory.home import queries as site_queries
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory, utcnow)
from tests.querycount import count_queries


def body(r):
    return r.get_data(as_text=True)


def activity(html):
    """The text of each recent-activity item, tags stripped."""
    section = html.split('id="activity-title"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<p class="feed-text">(.*?)</p>', section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items]


def stat(html, label):
    return int(re.search(rf"<dt>{re.escape(label)}</dt><dd>(\d+)</dd>", html).group(1))


def test_signed_in_builders_go_to_their_dashboard(login):
    r = login(ProfileFactory()).get("/")
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"


def test_landing_without_a_featured_event(client):
    EventFactory(open=True)  # not featured
    r = client.get("/")
    html = body(r)
    assert r.status_code == 200
    assert "Ship something real" in html and "How Buildstory works" in html
    assert "No event is featured right now" in html and 'href="/events"' in html
    assert 'href="/sign-up">Create your profile</a>' in html
    assert "data-countdown-to" not in html


def test_landing_with_a_featured_event(client):
    event = EventFactory(open=True, featured=True, name="Winter Agents Jam")
    for pref in (TeamPreference.solo, TeamPreference.has_team):
        EventRegistrationFactory(event=event, team_preference=pref)
    html = body(client.get("/"))
    assert "Featured event" in html and "Winter Agents Jam" in html
    assert re.search(r'id="featured-countdown"\s+data-countdown-to="[^"]+Z"', html)
    assert "Starts in" in html
    assert stat(html, "Builders signed up") == 2 and stat(html, "Solo") == 1
    assert f'href="/sign-up?next=/events/{event.slug}">Sign up to join</a>' in html
    assert f'href="/events/{event.slug}">See the event</a>' in html


def test_closed_featured_event_offers_no_sign_up_to_join(client):
    EventFactory(complete=True, featured=True)
    html = body(client.get("/"))
    assert "Registration has closed." in html and "Sign up to join" not in html
    assert "Ended" not in html and 'role="timer"' not in html


def test_hidden_and_banned_builders_are_never_counted_or_shown(client):
    event = EventFactory(active=True, featured=True)
    EventRegistrationFactory(event=event, profile=ProfileFactory(display_name="Visible Vera"))
    for trait, name in (("hidden", "Hidden Hal"), ("banned", "Banned Bo")):
        ghost = ProfileFactory(display_name=name, **{trait: True})
        EventRegistrationFactory(event=event, profile=ghost)
        project = ProjectFactory(owner=ghost, name=f"{name} Project")
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=ProjectFactory(name=f"{name} Team"), profile=ghost)
    html = body(client.get("/"))
    assert stat(html, "Builders signed up") == 1 and stat(html, "Projects") == 0
    assert "Visible Vera" in html
    for name in ("Hidden Hal", "Banned Bo"):
        assert name not in html


def test_recent_activity_lists_public_things_newest_first(client):
    now = utcnow()
    event = EventFactory(active=True, name="Winter Agents Jam")
    draft = EventFactory(draft=True, name="Secret Summer Jam")
    amara = ProfileFactory(display_name="Amara Okafor", created_at=now - timedelta(days=3))
    kenji = ProfileFactory(display_name="Kenji Watanabe", created_at=now - timedelta(days=2))
    project = ProjectFactory(owner=amara, name="Receipt Whisperer")
    EventRegistrationFactory(event=event, profile=amara, registered_at=now - timedelta(hours=5))
    EventRegistrationFactory(event=draft, profile=kenji, registered_at=now - timedelta(hours=4))
    EventProjectFactory(event=event, project=project, submitted_at=now - timedelta(hours=3))
    ProjectMemberFactory(project=project, profile=kenji, joined_at=now - timedelta(hours=2))
    hidden_project = ProjectFactory(owner=kenji, name="Quiet Thing", hidden=True)
    ProjectMemberFactory(project=hidden_project, profile=amara, joined_at=now - timedelta(hours=1))
    EventProjectFactory(event=event, project=hidden_project, submitted_at=now - timedelta(hours=1))
    items = activity(body(client.get("/")))
    assert items[:3] == [
        "Kenji Watanabe joined the team of Receipt Whisperer 2 h ago",
        "Amara Okafor entered Receipt Whisperer in Winter Agents Jam 3 h ago",
        "Amara Okafor registered for Winter Agents Jam 5 h ago",
    ]
    assert "Kenji Watanabe joined Buildstory 2 days ago" in items
    assert "Amara Okafor joined Buildstory 3 days ago" in items
    joined = " ".join(items)
    assert "Secret Summer Jam" not in joined and "Quiet Thing" not in joined


def test_recent_activity_shows_at_most_ten_items(client):
    for _ in range(14):
        ProfileFactory()
    assert len(activity(body(client.get("/")))) == 10


def test_landing_links_to_profiles_projects_and_events(client):
    event = EventFactory(active=True)
    owner = ProfileFactory(username="amara")
    project = ProjectFactory(owner=owner, slug="receipt-whisperer")
    EventProjectFactory(event=event, project=project)
    html = body(client.get("/"))
    assert 'href="/profiles/amara"' in html and 'href="/projects/receipt-whisperer"' in html
    assert f'href="/events/{event.slug}"' in html


# --- Query budget and indexes -------------------------------------------------------------

def _seed(scale, event):
    for i in range(scale):
        p = ProfileFactory(banned=i % 4 == 3)
        EventRegistrationFactory(event=event, profile=p)
        project = ProjectFactory(owner=p)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project)


def test_landing_query_count_is_small_and_constant(app, client, db_session):
    counts = []
    for scale in (3, 30):
        _seed(scale, EventFactory(active=True, featured=True))
        client.get("/")
        with count_queries(app) as q:
            assert client.get("/").status_code == 200
        counts.append(q.count)
        db_session.rollback()
        for table in ("project_members", "event_projects", "projects", "event_registrations",
                      "events", "profiles"):
            db_session.execute(text(f"DELETE FROM {table}"))
        db_session.commit()
    assert counts[0] == counts[1] and counts[0] <= 8, counts


N = 3000
FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, search_text, created_at)
  SELECT 'user_lx' || i, 'lx-user-' || i, 'Lx ' || i, 'lx-user-' || i, now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i;
INSERT INTO events (name, slug, description, starts_at, ends_at, status)
  VALUES ('Lx', 'lx-event', 'd', now(), now() + interval '1 day', 'active');
INSERT INTO event_registrations (event_id, profile_id, team_preference, registered_at)
  SELECT (SELECT id FROM events WHERE slug = 'lx-event'), id, 'solo', created_at FROM profiles
  WHERE clerk_id LIKE 'user_lx%';
INSERT INTO projects (profile_id, name, slug, description, created_at)
  SELECT id, 'P', 'lx-' || username, 'd', created_at FROM profiles WHERE clerk_id LIKE 'user_lx%';
INSERT INTO event_projects (event_id, project_id, submitted_at)
  SELECT (SELECT id FROM events WHERE slug = 'lx-event'), id, created_at FROM projects
  WHERE slug LIKE 'lx-%';
INSERT INTO project_members (project_id, profile_id, joined_at)
  SELECT p.id, (SELECT id FROM profiles WHERE clerk_id = 'user_lx1'), p.created_at
  FROM projects p WHERE p.slug LIKE 'lx-%' AND p.slug <> 'lx-lx-user-1';
ANALYZE profiles; ANALYZE event_registrations; ANALYZE projects; ANALYZE event_projects;
ANALYZE project_members;
"""
LARGE = ("profiles", "event_registrations", "projects", "event_projects", "project_members")


def explain(session, stmt):
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())


def test_recent_activity_reads_each_time_index_newest_first(db_session):
    db_session.execute(text(FILL))
    plan = explain(db_session, site_queries.recent_activity_statement(10))
    for index in ("ix_profiles_created_at", "ix_event_registrations_registered_at",
                  "ix_event_projects_submitted_at", "ix_project_members_joined_at"):
        assert index in plan, plan
    for table in LARGE:
        assert f"Seq Scan on {table}" not in plan, plan
    # one sort only: the union's few rows at the top; each part reads its index backwards
    assert plan.count("Sort Key") == 1 and "Sort Key" in "\n".join(plan.splitlines()[:3]), plan
    assert plan.count("Index Scan Backward using ix_") == 4, plan
