"""Counts that stay cheap at a million builders: the admin user list's status tabs count
at most ``TAB_COUNT_CAP`` builders each and show "1,000+" beyond (an exact count read every
match of the search: 415 ms for "ana" among a million builders), and its Hidden and Banned
tabs read the small partial indexes of hidden and banned builders."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from buildstory.admin import queries as admin_queries
from tests.domain.test_explain_hot_queries import captured, plans

FILL = """
INSERT INTO profiles (clerk_id, username, display_name, search_text, created_at, hidden_at,
                      banned_at)
  SELECT 'user_cap' || i, 'capuser' || i, 'Cap Builder ' || i, 'capuser' || i || ' cap builder',
         now() - i * interval '1 minute',
         CASE WHEN i % 100 = 1 THEN now() END, CASE WHEN i % 200 = 3 THEN now() END
  FROM generate_series(1, 3000) i;
ANALYZE profiles;
"""


@pytest.fixture
def builders(db_session):
    db_session.execute(text(FILL))


def test_tab_counts_stop_past_the_cap_and_say_so(db_session, builders, monkeypatch):
    monkeypatch.setattr(admin_queries, "TAB_COUNT_CAP", 20)
    counts = admin_queries.user_counts(db_session, q="capuser", role=None)
    # 3,000 match and 2,955 are active: both counts stop one past the cap
    assert counts == {"all": 21, "active": 21, "hidden": 21, "banned": 15}
    assert [admin_queries.tab_count(counts[s]) for s in admin_queries.STATUSES] == [
        "20+", "20+", "20+", "15"]
    monkeypatch.setattr(admin_queries, "TAB_COUNT_CAP", 1_000)
    counts = admin_queries.user_counts(db_session, q="capuser", role=None)
    assert counts == {"all": 1001, "active": 1001, "hidden": 30, "banned": 15}
    assert admin_queries.tab_count(counts["all"]) == "1,000+"
    assert admin_queries.tab_count(counts["hidden"]) == "30"


@pytest.mark.parametrize("status, index", [("hidden", "ix_profiles_hidden"),
                                           ("banned", "ix_profiles_banned")])
def test_hidden_and_banned_tabs_read_their_partial_index(db_session, builders, status, index):
    with captured(db_session) as sent:
        result = admin_queries.user_list(db_session, q="cap builder", status=status, role=None,
                                         page=1)
    assert result.rows and all(getattr(r, f"{status}_at") is not None for r in result.rows)
    explained = plans(db_session, sent)
    counts, page = explained[0], explained[-1]
    assert index in counts and index in page, explained
    assert "Seq Scan on profiles" not in "".join(explained)


def test_event_page_counts_read_two_covering_indexes(committed):
    """The event page's counts join its registrants to the visible builders: at a million
    builders a hash join over every profile took 2.6 s; two covering indexes make it a join
    of index-only scans (committed and vacuumed here, as the tables of a live site are)."""
    from buildstory.db import db
    from buildstory.events import queries as event_queries
    from buildstory.events.models import Event
    from tests.domain.test_explain_hot_queries import FILL as HOT_FILL

    with committed.app_context():
        db.session.execute(text(HOT_FILL))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE profiles, event_registrations"))
        event = db.session.scalar(select(Event).where(Event.slug == "hx-event"))
        with captured(db.session) as sent:
            stats = event_queries.event_stats(db.session, event)
        assert stats["signups"] == 3000 and stats["countries"] == 5
        plan = plans(db.session, sent)[0]
        db.session.rollback()
        # a million registrants allow no hash of every visible builder: each one is probed
        for setting in ("enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
        probed = plans(db.session, sent)[0]
        db.session.rollback()
    # (which index reads the registrants of a few thousand rows is the planner's coin
    # toss; at a million it is ix_event_registrations_stats, index-only, measured by hand)
    assert "Index Only Scan using ix_profiles_visible_country" in probed, (plan, probed)
