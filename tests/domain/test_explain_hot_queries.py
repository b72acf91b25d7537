"""The hot pages' statements are index-backed (docs/architecture.md "Quality bars").

Each query function of the main pages runs against a few thousand rows with realistic
statistics; every statement it sends is captured as sent (SQL and parameters) and
EXPLAINed with ``SET LOCAL enable_seqscan = off`` — small test data would otherwise make
the planner prefer scans. A sequential scan of a large table left in a plan means no
index serves that statement. (The member directory, the project list and the activity
feeds have their own EXPLAIN tests next to their features.)
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select, text

from buildstory.admin import queries as admin_queries
from buildstory.events import queries as event_queries
from buildstory.events.models import Event
from buildstory.identity import services as identity_services
from buildstory.profiles import queries as profile_queries
from buildstory.profiles.models import Profile
from buildstory.projects import queries as project_queries
from buildstory.projects.models import Project
from buildstory.teams import queries as team_queries

LARGE = ("profiles", "event_registrations", "event_projects", "projects", "project_members",
         "team_invites", "admin_audit_log", "sessions")
N = 3000
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)

FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, search_text, country, created_at)
  SELECT 'user_hx' || i, 'hx-user-' || i, 'Hx Builder ' || i, 'hx-user-' || i || ' hx builder ' || i,
         (ARRAY['US','GB','DE','IN','BR'])[1 + i % 5], now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i;
INSERT INTO events (name, slug, description, starts_at, ends_at, status, featured)
  VALUES ('Hx', 'hx-event', 'd', now(), now() + interval '1 day', 'active', true),
         ('Hx old', 'hx-old', 'd', now() - interval '90 days', now() - interval '80 days',
          'complete', false);
INSERT INTO event_registrations (event_id, profile_id, team_preference, registered_at)
  SELECT e.id, p.id, (ARRAY['solo','has_team','has_team_open','looking_for_team']::team_preference[])[1 + (hashtext(p.clerk_id) & 3)],
         p.created_at
  FROM profiles p CROSS JOIN events e WHERE p.clerk_id LIKE 'user_hx%';
INSERT INTO projects (profile_id, name, slug, description, created_at)
  SELECT id, 'Hx project ' || username, 'hx-' || username, 'd', created_at FROM profiles
  WHERE clerk_id LIKE 'user_hx%';
INSERT INTO event_projects (event_id, project_id, submitted_at)
  SELECT e.id, p.id, p.created_at FROM projects p CROSS JOIN events e WHERE p.slug LIKE 'hx-%';
INSERT INTO project_members (project_id, profile_id, joined_at)
  SELECT p.id, (SELECT id FROM profiles WHERE clerk_id = 'user_hx1'), p.created_at
  FROM projects p WHERE p.slug LIKE 'hx-%' AND p.slug <> 'hx-hx-user-1';
INSERT INTO team_invites (project_id, sender_id, recipient_id, type, status, created_at)
  SELECT p.id, p.profile_id, (SELECT id FROM profiles WHERE clerk_id = 'user_hx2'), 'direct',
         (ARRAY['pending','accepted','declined','revoked']::invite_status[])[1 + (hashtext(p.slug) & 3)],
         p.created_at
  FROM projects p WHERE p.slug LIKE 'hx-%';
INSERT INTO admin_audit_log (action, actor_profile_id, actor_name, target_profile_id,
                             target_name, created_at)
  SELECT (ARRAY['hide_user','ban_user','set_role'])[1 + i % 3], p.id, p.display_name, p.id,
         p.display_name, now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i JOIN profiles p ON p.clerk_id = 'user_hx' || i;
INSERT INTO sessions (id, identity_id, created_at, expires_at)
  SELECT 'hx-session-' || i, 'user_hx' || i, now(), now() + interval '30 days'
  FROM generate_series(1, {N}) i;
SELECT gin_clean_pending_list('ix_profiles_search_text_trgm');
ANALYZE profiles; ANALYZE events; ANALYZE event_registrations; ANALYZE projects;
ANALYZE event_projects; ANALYZE project_members; ANALYZE team_invites;
ANALYZE admin_audit_log; ANALYZE sessions;
"""


@contextmanager
def captured(session):
    """Collect ``(sql, params)`` of every statement the session sends inside the block."""
    sent = []
    engine = session.get_bind().engine

    def record(conn, cursor, statement, params, context, executemany):
        if not re.match(r"\s*(EXPLAIN|SET|SAVEPOINT|RELEASE|BEGIN|COMMIT|ROLLBACK)\b",
                        statement, re.I):
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plans(session, sent) -> list[str]:
    """EXPLAIN each captured statement with sequential scans switched off."""
    conn = session.connection()
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    out = []
    for sql, params in sent:
        rows = conn.exec_driver_sql("EXPLAIN " + sql, params).all()
        out.append(sql + "\n" + "\n".join(r[0] for r in rows))
    return out


def assert_index_backed(session, sent) -> None:
    assert sent, "the query function sent no statement"
    for plan in plans(session, sent):
        for table in LARGE:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan


@pytest.fixture
def data(db_session):
    db_session.execute(text(FILL))
    one = lambda model, **kw: db_session.scalar(select(model).filter_by(**kw))  # noqa: E731
    return {"builder": one(Profile, clerk_id="user_hx1"),
            "invitee": one(Profile, clerk_id="user_hx2"),
            "project": one(Project, slug="hx-hx-user-10"),
            "event": one(Event, slug="hx-event")}


def run(session, fn):
    with captured(session) as sent:
        fn()
    assert_index_backed(session, sent)


def test_profile_page_and_username_check(db_session, data):
    run(db_session, lambda: profile_queries.public_profile(db_session, "hx-user-77"))
    run(db_session, lambda: profile_queries.public_profile(db_session, "hx-user-77",
                                                           sees_hidden=True))
    run(db_session, lambda: profile_queries.username_status(db_session, "hx-user-77"))
    run(db_session, lambda: profile_queries.username_status(db_session, "free-name-9"))


def test_member_search_by_prefix_and_by_trigram(db_session, data):
    for q in ("hx", "hx-user-12", "builder 12"):
        run(db_session, lambda q=q: profile_queries.directory(
            db_session, profile_queries.DirectoryFilters(q=q)))


def test_member_directory_country_counts(db_session, data):
    with captured(db_session) as sent:
        counts = dict(profile_queries.country_counts(db_session))
    assert counts["US"] == N // 5
    assert_index_backed(db_session, sent)


def test_project_page(db_session, data):
    project = data["project"]
    run(db_session, lambda: project_queries.project_for_page(db_session, project.slug))
    run(db_session, lambda: project_queries.events_panel(db_session, project, project.owner))
    run(db_session, lambda: project_queries.slug_status(db_session, "hx-hx-user-10"))


def test_event_page_and_its_entered_projects(db_session, data):
    ev, builder = data["event"], data["builder"]
    run(db_session, lambda: event_queries.event_by_slug_or_404(db_session, "hx-event"))
    run(db_session, lambda: event_queries.registration_for(db_session, ev, builder))
    run(db_session, lambda: event_queries.entered_projects(db_session, ev, 1))
    run(db_session, lambda: event_queries.entered_projects(db_session, ev, 40))
    run(db_session, lambda: event_queries.event_stats(db_session, ev))


def test_dashboard_and_the_signed_in_header(db_session, data):
    builder, invitee = data["builder"], data["invitee"]
    run(db_session, lambda: identity_services.load_session(db_session, "hx-session-5", now=NOW))
    run(db_session, lambda: event_queries.featured_event(db_session))
    run(db_session, lambda: project_queries.projects_of(db_session, builder, limit=7))
    run(db_session, lambda: team_queries.received_invites(db_session, invitee, NOW))
    run(db_session, lambda: team_queries.pending_invite_count(db_session, invitee, NOW))


@pytest.mark.parametrize("q, status", [("", "all"), ("hx", "active"), ("builder 42", "all"),
                                       ("hx-user", "hidden")])
def test_admin_user_search_and_its_tab_counts(db_session, data, q, status):
    run(db_session, lambda: admin_queries.user_list(db_session, q=q, status=status, role=None,
                                                    page=1))
    run(db_session, lambda: admin_queries.user_list(db_session, q=q, status=status, role=None,
                                                    page=3))


@pytest.mark.parametrize("filters", [{}, {"action": "ban_user"}, {"actor": "hx-user-12"}])
def test_audit_log_page(db_session, data, filters):
    run(db_session, lambda: admin_queries.audit_entries(db_session, **filters))
    run(db_session, lambda: admin_queries.audit_entries(db_session, page=2, **filters))


def test_admin_user_detail(db_session, data):
    builder = data["builder"]
    run(db_session, lambda: admin_queries.registrations_of(db_session, builder.id))
    run(db_session, lambda: admin_queries.projects_of(db_session, builder.id))
    run(db_session, lambda: admin_queries.invites_of(db_session, builder.id))
    run(db_session, lambda: admin_queries.audit_entries(db_session, person_id=builder.id))
