"""The help page's, the poll's, the claim's and the stats' statements are index-backed:
EXPLAINed with sequential scans switched off over thousands of requests."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from buildstory.events.models import Event
from buildstory.mentoring import queries, services
from buildstory.mentoring.models import HelpRequest
from buildstory.profiles.models import Profile
from tests.domain.test_explain_hot_queries import captured, plans
from tests.factories import utcnow

N = 3000
FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, created_at)
  SELECT 'user_mx' || i, 'mx-user-' || i, 'Mx ' || i, now() FROM generate_series(1, {N}) i;
INSERT INTO events (name, slug, description, starts_at, ends_at, status, featured)
  VALUES ('Mx', 'mx-help', 'd', now(), now() + interval '1 day', 'active', false),
         ('Mx two', 'mx-other', 'd', now(), now() + interval '1 day', 'active', false);
INSERT INTO projects (profile_id, name, slug, description)
  SELECT p.id, 'P ' || p.username, 'p-' || p.username, 'd' FROM profiles p
  WHERE p.clerk_id LIKE 'user_mx%';
INSERT INTO event_projects (event_id, project_id)
  SELECT e.id, pr.id FROM projects pr CROSS JOIN events e WHERE pr.slug LIKE 'p-mx-user-%';
INSERT INTO help_requests (event_id, project_id, opened_by, kind, topic, details, status,
                           mentor_id, claimed_at, first_claimed_at, resolved_at, created_at)
  SELECT e.id, pr.id, pr.profile_id,
         (ARRAY['design','technical','growth'])[1 + (row_number() OVER ()) % 3]::help_kind,
         'Topic', 'Details',
         CASE WHEN e.slug = 'mx-other' THEN 'resolved' ELSE 'open' END::help_request_status,
         CASE WHEN e.slug = 'mx-other' THEN pr.profile_id END,
         CASE WHEN e.slug = 'mx-other' THEN now() END, CASE WHEN e.slug = 'mx-other' THEN now() END,
         CASE WHEN e.slug = 'mx-other' THEN now() END,
         now() - (row_number() OVER ()) * interval '1 second'
  FROM projects pr CROSS JOIN events e WHERE pr.slug LIKE 'p-mx-user-%';
INSERT INTO mentors (profile_id, mentor_types, granted_at)
  SELECT id, ARRAY['technical'], now() FROM profiles WHERE clerk_id LIKE 'user_mx1%';
ANALYZE profiles; ANALYZE projects; ANALYZE event_projects; ANALYZE help_requests;
ANALYZE mentors; ANALYZE events;
"""
LARGE = ("profiles", "projects", "event_projects", "help_requests", "mentors")


@pytest.fixture
def data(db_session):
    db_session.execute(text(FILL))
    return {"mentor": db_session.scalar(select(Profile).filter_by(clerk_id="user_mx1")),
            "builder": db_session.scalar(select(Profile).filter_by(clerk_id="user_mx2")),
            "event": db_session.scalar(select(Event).filter_by(slug="mx-help")),
            "other": db_session.scalar(select(Event).filter_by(slug="mx-other"))}


def explained(session, fn) -> list[str]:
    with captured(session) as sent:
        fn()
    assert sent, "nothing was sent"
    out = plans(session, sent)
    for plan in out:
        for table in LARGE:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    return out


def test_the_queue_reads_the_partial_queue_index(db_session, data):
    [plan] = explained(db_session, lambda: queries.queue(
        db_session, data["event"], data["mentor"], ["technical"]))
    assert "ix_help_requests_queue" in plan and "ix_help_requests_mentor_id_status" in plan
    explained(db_session, lambda: queries.queue(db_session, data["event"], data["mentor"],
                                                ["design", "technical", "growth"],
                                                in_progress=True))


def test_the_team_panel_the_hidden_list_and_the_stats(db_session, data):
    explained(db_session, lambda: queries.team_requests(db_session, data["event"],
                                                         data["builder"]))
    explained(db_session, lambda: queries.team_projects(db_session, data["event"],
                                                         data["builder"]))
    explained(db_session, lambda: queries.hidden_requests(db_session, data["event"]))
    stats = explained(db_session, lambda: queries.stats(db_session, data["other"]))
    assert len(stats) == 2 and all("ix_help_requests_event_id" in p for p in stats)


def test_a_claim_is_index_backed(db_session, data):
    request_id = db_session.scalar(select(HelpRequest.id).where(
        HelpRequest.event_id == data["event"].id, HelpRequest.kind == "technical",
        HelpRequest.opened_by != data["mentor"].id).limit(1))
    found = explained(db_session, lambda: services.claim(
        db_session, request_id, data["mentor"], now=utcnow(), max_claimed=3))
    assert any(p.startswith("UPDATE help_requests") for p in found)
