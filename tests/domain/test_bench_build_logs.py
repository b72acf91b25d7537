"""The benchmark's build-log data (``bench.seed.seed_build_logs``), at a small size: posts
on projects and tools with one busy project, tool and post, comments and reactions, and
every stored counter equal to a recount (``flask counters verify``'s check)."""
from __future__ import annotations

from sqlalchemy import text

import buildstory.models  # noqa: F401  (every mapper, for the relationships)
from bench import seed as bench_seed
from buildstory.buildlogs import counters
from tests.domain.test_buildlogs_explain import FILL


def test_bench_build_logs_fill_every_table_with_exact_counters(db_session, monkeypatch):
    db_session.execute(text(FILL[:FILL.index("INSERT INTO posts")]))  # builders, projects, tools
    monkeypatch.setitem(bench_seed.SIZES, "posts", 1000)
    monkeypatch.setitem(bench_seed.SIZES, "post_comments", 2000)
    monkeypatch.setitem(bench_seed.SIZES, "reactions", 5000)
    bench_seed.seed_build_logs(db_session.connection().connection.driver_connection)
    one = lambda sql: db_session.execute(text(sql)).scalar()  # noqa: E731
    assert one("SELECT count(*) FROM posts") == 1000
    assert one("SELECT count(*) FROM posts WHERE tool_id IS NOT NULL") == 200
    assert one("SELECT count(*) FROM post_comments") == 2000
    assert 4000 <= one("SELECT count(*) FROM reactions") <= 5000  # duplicates skipped
    assert one("SELECT count(*) FROM post_images") > 20
    # one busy project, tool and post
    assert one("SELECT max(n) FROM (SELECT count(*) n FROM posts GROUP BY project_id) x") >= 16
    assert one("SELECT max(n) FROM (SELECT count(*) n FROM posts GROUP BY tool_id) x") >= 10
    assert one("SELECT max(comment_count) FROM posts") >= 20
    assert counters.mismatches(db_session) == []
