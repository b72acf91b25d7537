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


TALK = """
INSERT INTO post_comments (post_id, author_id, body, created_at)
  SELECT p.id, p.author_id, 'Nice', p.created_at + interval '1 minute'
  FROM posts p CROSS JOIN generate_series(1, 2);
INSERT INTO reactions (profile_id, post_id, emoji)
  SELECT pr.id, p.id, e::reaction_emoji
  FROM posts p JOIN profiles pr ON pr.clerk_id = 'user_bl' || (1 + hashtext(p.id::text) & 1023)
  CROSS JOIN unnest(ARRAY['fire', 'clap']) e;
INSERT INTO reactions (profile_id, comment_id, emoji)
  SELECT c.author_id, c.id, 'rocket' FROM post_comments c;
ANALYZE post_comments; ANALYZE reactions;
"""


def test_the_viewers_reactions_and_the_post_pages_comments_are_index_backed(db_session, data):
    """The feeds with a signed-in viewer (their reactions read with the cards), the post
    page's comments oldest first and the viewer's reactions on them."""
    from buildstory.buildlogs import comments, reactions
    from tests.domain.test_explain_hot_queries import captured as capture
    db_session.execute(text(TALK))
    viewer = data["builder"]
    tables = LARGE + ("reactions", "post_comments")
    for where in ({}, {"project_id": data["project"].id}, {"tool_id": data["tool"].id},
                  {"author_id": data["builder"].id}):
        with capture(db_session) as sent:
            page = queries.feed(db_session, viewer_id=viewer.id, **where)
        assert page.cards and len(sent) == 1
        assert_no_seq_scan(db_session, sent, tables)
    post = queries.feed(db_session, project_id=data["project"].id).cards[0].post
    with capture(db_session) as sent:
        rows, _ = comments.page_of_comments(db_session, post.id, sees_hidden=False,
                                            viewer_id=viewer.id)
        mine = reactions.viewer_reactions(db_session, viewer, post_ids=[post.id],
                                          comment_ids=[c.id for c in rows])
    assert rows and len(sent) == 2
    assert_no_seq_scan(db_session, sent, tables)
    assert {("comment", c.id, "rocket") for c in rows if c.author_id == viewer.id} <= mine


def assert_no_seq_scan(session, sent, tables):
    for plan in plans(session, sent):
        for table in tables:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
