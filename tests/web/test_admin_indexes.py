"""The admin dashboard's activity and the audit log read their time indexes newest first
instead of sorting whole tables (checked with EXPLAIN on a few thousand rows)."""
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from buildstory.admin import stats
from buildstory.audit import AuditLog

N = 3000
FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, search_text, created_at)
  SELECT 'user_ix' || i, 'ix-user-' || i, 'Ix ' || i, 'ix-user-' || i, now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i;
INSERT INTO events (name, slug, description, starts_at, ends_at, status)
  VALUES ('Ix', 'ix-event', 'd', now(), now() + interval '1 day', 'open');
INSERT INTO event_registrations (event_id, profile_id, team_preference, registered_at)
  SELECT (SELECT id FROM events WHERE slug = 'ix-event'), id, 'solo', created_at FROM profiles
  WHERE clerk_id LIKE 'user_ix%';
INSERT INTO projects (profile_id, name, slug, description, created_at)
  SELECT id, 'P', 'ix-' || username, 'd', created_at FROM profiles WHERE clerk_id LIKE 'user_ix%';
INSERT INTO event_projects (event_id, project_id, submitted_at)
  SELECT (SELECT id FROM events WHERE slug = 'ix-event'), id, created_at FROM projects
  WHERE slug LIKE 'ix-%';
INSERT INTO project_members (project_id, profile_id, joined_at)
  SELECT p.id, (SELECT id FROM profiles WHERE clerk_id = 'user_ix1'), p.created_at
  FROM projects p WHERE p.slug LIKE 'ix-%' AND p.slug <> 'ix-ix-user-1';
INSERT INTO admin_audit_log (action, created_at)
  SELECT 'hide_user', now() - i * interval '1 minute' FROM generate_series(1, {N}) i;
ANALYZE profiles; ANALYZE event_registrations; ANALYZE projects; ANALYZE event_projects;
ANALYZE project_members; ANALYZE admin_audit_log;
"""


def explain(session, stmt):
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    return "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())


def test_recent_activity_reads_each_time_index(db_session):
    db_session.execute(text(FILL))
    plan = explain(db_session, stats.recent_activity_statement(12))
    for index in ("ix_profiles_created_at", "ix_event_registrations_registered_at",
                  "ix_event_projects_submitted_at", "ix_project_members_joined_at"):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


def test_audit_log_newest_first_reads_its_index(db_session):
    db_session.execute(text(FILL))
    stmt = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(51)
    plan = explain(db_session, stmt)
    assert "ix_admin_audit_log_created_at" in plan and "Seq Scan" not in plan, plan
