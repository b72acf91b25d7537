"""The roadmap's board, list sorts and title search are index-backed: EXPLAINed with
sequential scans switched off over a few thousand ideas (as ``test_explain_hot_queries``
does for the other pages)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

import buildstory.models  # noqa: F401  (every mapper)
from buildstory.enums import FeatureBoardStatus as S
from buildstory.roadmap import queries
from tests.domain.test_explain_hot_queries import captured, plans

LARGE = ("feature_board_items", "feature_board_upvotes", "profiles")
N = 3000

FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, search_text, created_at)
  SELECT 'user_rm' || i, 'rm-user-' || i, 'Rm ' || i, 'rm', now() FROM generate_series(1, 300) i;
INSERT INTO feature_board_items (title, slug, status, author_id, upvote_count, created_at,
                                 shipped_at)
  SELECT 'Idea about thing ' || g, 'rm-idea-' || g,
         (ARRAY['inbox','exploring','next','now','shipped','closed','archived'])[1 + g % 7]::feature_board_status,
         p.id, g % 97, now() - g * interval '1 minute',
         CASE WHEN g % 7 = 4 THEN now() - g * interval '1 minute' END
  FROM generate_series(1, {N}) g
  JOIN profiles p ON p.clerk_id = 'user_rm' || (1 + g % 300);
INSERT INTO feature_board_upvotes (item_id, profile_id)
  SELECT i.id, i.author_id FROM feature_board_items i;
ANALYZE profiles; ANALYZE feature_board_items; ANALYZE feature_board_upvotes;
"""


@pytest.fixture
def viewer(db_session):
    db_session.execute(text(FILL))
    return db_session.scalar(text("SELECT id FROM profiles WHERE clerk_id = 'user_rm7'"))


def index_backed(session, fn):
    with captured(session) as sent:
        result = fn()
    assert len(sent) == 1, "one statement"
    for plan in plans(session, sent):
        for table in LARGE:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    return result


@pytest.mark.parametrize("triager", [False, True])
def test_board_is_one_index_backed_statement(db_session, viewer, triager):
    columns = index_backed(db_session, lambda: queries.board(
        db_session, triager=triager, viewer_id=viewer))
    assert all(len(c.cards) <= 50 for c in columns)
    shipped = next(c for c in columns if c.status == S.shipped)
    assert [r["shipped_at"] for r in shipped.cards] == sorted(
        (r["shipped_at"] for r in shipped.cards), reverse=True)


@pytest.mark.parametrize("sort", ["top", "new"])
@pytest.mark.parametrize("q", ["", "id", "thing 12"])
def test_list_sorts_and_title_search_are_index_backed(db_session, viewer, sort, q):
    rows, _ = index_backed(db_session, lambda: queries.listing(
        db_session, triager=False, viewer_id=viewer, sort=sort, q=q, page=2 if not q else 1))
    assert all(r["status"] in ("exploring", "next", "now", "shipped") for r in rows)
    if q:
        assert rows and all(q in r["title"].lower() for r in rows)


def test_one_status_filter_is_index_backed(db_session, viewer):
    rows, _ = index_backed(db_session, lambda: queries.listing(
        db_session, triager=False, viewer_id=viewer, status=S.now))
    assert rows and {r["status"] for r in rows} == {"now"}
