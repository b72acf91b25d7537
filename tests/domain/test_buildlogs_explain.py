"""Every build-log feed is index-backed: /feed, a project's, a tool's and a builder's
lists, first page and a later one (keyset), EXPLAINed with sequential scans switched off
over a few thousand posts (as ``test_explain_hot_queries`` does for the other pages)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

import buildstory.models  # noqa: F401  (every mapper, for the relationships)
from buildstory.buildlogs import queries
from buildstory.profiles.models import Profile
from buildstory.projects.models import Project
from buildstory.tools.models import AiTool
from tests.domain.test_explain_hot_queries import captured, plans

LARGE = ("posts", "profiles", "projects", "ai_tools", "post_images")
N = 2000

FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, search_text, created_at)
  SELECT 'user_bl' || i, 'bl-user-' || i, 'Bl ' || i, 'bl', now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i;
INSERT INTO projects (profile_id, name, slug, description, created_at)
  SELECT id, 'Bl project ' || username, 'bl-' || username, 'd', created_at FROM profiles
  WHERE clerk_id LIKE 'user_bl%';
INSERT INTO ai_tools (name, name_key, slug)
  SELECT 'Bl tool ' || i, 'bl tool ' || i, 'bl-tool-' || i FROM generate_series(1, 200) i;
INSERT INTO posts (author_id, context_type, project_id, body, created_at)
  SELECT p.profile_id, 'project', p.id, 'Update ' || g, p.created_at + g * interval '1 second'
  FROM projects p CROSS JOIN generate_series(1, 3) g WHERE p.slug LIKE 'bl-%';
INSERT INTO posts (author_id, context_type, tool_id, body, created_at, hidden_at)
  SELECT pr.id, 'tool', t.id, 'About', pr.created_at,
         CASE WHEN hashtext(pr.clerk_id) % 7 = 0 THEN now() END
  FROM profiles pr JOIN ai_tools t ON t.slug = 'bl-tool-' || (1 + hashtext(pr.clerk_id) & 127)
  WHERE pr.clerk_id LIKE 'user_bl%';
ANALYZE profiles; ANALYZE projects; ANALYZE ai_tools; ANALYZE posts; ANALYZE post_images;
"""


@pytest.fixture
def data(db_session):
    db_session.execute(text(FILL))
    one = lambda model, **kw: db_session.scalar(select(model).filter_by(**kw))  # noqa: E731
    return {"builder": one(Profile, clerk_id="user_bl10"),
            "project": one(Project, slug="bl-bl-user-10"),
            "tool": one(AiTool, slug="bl-tool-5")}


def index_backed(session, fn):
    with captured(session) as sent:
        page = fn()
    assert sent, "the feed sent no statement"
    assert len(sent) == 1, "a feed page is one statement"
    for plan in plans(session, sent):
        for table in LARGE:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    return page


def test_every_feed_is_index_backed_first_and_later_pages(db_session, data):
    for where in ({}, {"project_id": data["project"].id}, {"tool_id": data["tool"].id},
                  {"author_id": data["builder"].id}):
        first = index_backed(db_session, lambda w=where: queries.feed(db_session, **w))
        assert first.cards
        if first.older:
            before = queries.decode_cursor(first.older)
            index_backed(db_session, lambda w=where, b=before: queries.feed(
                db_session, before=b, **w))
    assert len(queries.feed(db_session).cards) == 20
