"""The benchmark's sizes and its seeded databases: every table in proportion at 10k, 100k
and 1m builders, a tiny size seeded for real into a throwaway database of the test cluster
(counts, proportions, the columns the triggers keep, counters equal to a recount), and a
bench database reused only while its recorded size and migration head match."""
from __future__ import annotations

import os
import sys

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench import seed as seeder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_million_size_has_the_promised_row_counts():
    sizes = seeder.sizes_for("1m")
    assert {k: sizes[k] for k in ("profiles", "registrations", "projects", "invites", "audit",
                                  "submissions", "reviews", "notifications", "posts")} == {
        "profiles": 1_000_000, "registrations": 1_500_000, "projects": 100_000,
        "invites": 200_000, "audit": 500_000, "submissions": 60_000, "reviews": 400_000,
        "notifications": 5_000_000, "posts": 300_000}


def test_every_table_grows_in_proportion_except_the_events():
    small, base, big = (seeder.sizes_for(s) for s in ("10k", "100k", "1m"))
    assert small["profiles"] == 10_000 and base["profiles"] == 100_000
    for table in base:
        if table == "events":
            assert small[table] == base[table] == big[table] == 20
        else:
            assert big[table] == 10 * base[table], table
            assert small[table] == max(50, base[table] // 10), table
    # the BENCH_SCALE multiplier still works on top of a size
    assert seeder.sizes_for("100k", 0.1)["profiles"] == 10_000


def test_an_unknown_size_is_refused():
    with pytest.raises(ValueError, match="SCALE must be one of 10k, 100k, 1m"):
        seeder.sizes_for("5m")


@pytest.fixture
def bench_run(cluster, monkeypatch):
    """``bench/run.py`` pointed at a throwaway database of the test cluster, at a tiny size
    (1% of 10k: 100 builders)."""
    sys.path.insert(0, ROOT)
    from bench import run

    name = "bench_tiny"
    with psycopg.connect(host=str(cluster.socket_dir), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    saved = dict(seeder.SIZES)
    seeder.configure("10k", 0.01)
    monkeypatch.setattr(run, "SCALE", "10k")
    monkeypatch.setattr(run, "DB", name)
    url = cluster.url(name)
    env = dict(os.environ, FLASK_APP="buildstory", DATABASE_URL=url, PYTHONPATH=ROOT,
               SECRET_KEY="bench-test-secret-key-0123456789abcdef")
    yield run, url, f"host={cluster.socket_dir} user=postgres dbname={name}", env
    seeder.SIZES.clear()
    seeder.SIZES.update(saved)
    with psycopg.connect(host=str(cluster.socket_dir), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _count(conninfo, sql):
    with psycopg.connect(conninfo) as conn:
        return conn.execute(sql).fetchone()[0]


def test_a_tiny_size_is_seeded_in_proportion_and_reused_while_it_matches(app, bench_run, cluster,
                                                                           monkeypatch):
    run, url, conninfo, env = bench_run
    calls, real = [], seeder.seed
    monkeypatch.setattr(seeder, "seed", lambda info: calls.append(info) or real(info))
    meta = run.prepare(url, conninfo, env, cluster)
    assert len(calls) == 1
    sizes = seeder.SIZES
    assert sizes["profiles"] == 100
    exact = {"profiles": "profiles", "registrations": "event_registrations",
             "projects": "projects", "invites": "team_invites", "audit": "admin_audit_log",
             "notifications": "notifications", "members": "project_members",
             "entries": "event_projects", "reviews": "hackathon_reviews", "posts": "posts",
             "post_comments": "post_comments", "ideas": "feature_board_items",
             "idea_comments": "feature_board_comments"}
    for key, table in exact.items():
        assert _count(conninfo, f"SELECT count(*) FROM {table}") == sizes[key], table
    for key, table in (("reactions", "reactions"), ("judge_scores", "judge_scores"),
                       ("join_requests", "join_requests"), ("help_requests", "help_requests"),
                       ("idea_upvotes", "feature_board_upvotes"), ("judges", "event_judges")):
        assert 0 < _count(conninfo, f"SELECT count(*) FROM {table}") <= sizes[key], table
    # three in ten registrations are for the featured event
    featured = _count(conninfo, "SELECT count(*) FROM event_registrations r JOIN events e "
                                "ON e.id = r.event_id WHERE e.featured")
    assert 0.15 * sizes["registrations"] < featured < 0.45 * sizes["registrations"]
    # what the row triggers keep, written as they would have
    assert _count(conninfo, """SELECT count(*) FROM event_registrations r JOIN profiles p
        ON p.id = r.profile_id WHERE r.match_ok IS DISTINCT FROM (p.hidden_at IS NULL
        AND p.banned_at IS NULL AND p.allow_invites AND p.username IS NOT NULL)
        OR r.skill_bits <> p.skill_bits OR r.country IS DISTINCT FROM p.country""") == 0
    assert _count(conninfo, "SELECT count(*) FROM event_registrations WHERE match_ok") > 0
    assert _count(conninfo, """SELECT count(*) FROM event_submissions s JOIN projects p
        ON p.id = s.project_id JOIN profiles o ON o.id = p.profile_id
        WHERE s.visible <> (p.hidden_at IS NULL AND o.hidden_at IS NULL
        AND o.banned_at IS NULL)""") == 0
    assert _count(conninfo, "SELECT count(*) FROM event_submission_tools t JOIN "
                            "event_submissions s ON s.id = t.submission_id "
                            "WHERE t.event_id <> s.event_id") == 0
    # the indexes dropped for the load are all back
    assert _count(conninfo, "SELECT count(*) FROM pg_indexes WHERE indexname = "
                            "'ix_profiles_search_text_trgm' OR indexname = "
                            "'ix_notifications_recipient_id_created_at_id'") == 2
    assert _count(conninfo, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'") \
        == _count(conninfo.replace("bench_tiny", "buildstory_test"),
                  "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
    # every stored counter equals a recount
    from buildstory.buildlogs import counters
    from buildstory.counters_cli import hackathon_mismatches
    from buildstory.roadmap import counters as roadmap_counters

    engine = create_engine(url)
    with Session(engine) as session:
        assert counters.mismatches(session) == []
        assert roadmap_counters.mismatches(session) == []
        assert hackathon_mismatches(session) == []
    engine.dispose()
    assert meta["scale"] == "10k" and meta["sizes"] == sizes
    assert meta["head"] == run.migration_head()

    # reused while the size and the head match: nothing is seeded again
    assert run.prepare(url, conninfo, env, cluster)["seconds"] == meta["seconds"]
    assert len(calls) == 1

    # another head (a new migration) rebuilds it from an empty database
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("UPDATE bench_meta SET head = 'an_older_head'")
        conn.execute("INSERT INTO profiles (clerk_id, username, display_name) "
                     "VALUES ('stale', 'stale_builder', 'Stale')")
    again = run.prepare(url, conninfo, env, cluster)
    assert len(calls) == 2 and again["head"] == run.migration_head()
    assert _count(conninfo, "SELECT count(*) FROM profiles") == 100
    assert _count(conninfo, "SELECT count(*) FROM profiles WHERE clerk_id = 'stale'") == 0
