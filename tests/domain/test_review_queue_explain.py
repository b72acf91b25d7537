"""The queue pick at scale: 10,000 submissions and 100,000 reviews.

With sequential scans switched off, ``EXPLAIN`` of the pick (review and judge queues) must
find no sequential scan on the tables it reads: it walks the queue index
``(event_id, review_count, queue_key)`` (judges: ``judge_score_count``) and probes the
unique and primary-key indexes of reviews, skips, conflicts, members, projects and
profiles; the circle comes from the ``profile_id`` indexes. The pick's time at that scale
(with the planner free again) is printed for the record: once psycopg has prepared the
statement, the pick reuses its generic plan (``queue.pick`` asks for it), so a warm pick
costs a few milliseconds instead of planning a 20-relation statement every time.
"""
from __future__ import annotations

import json
import time

import sqlalchemy as sa

from buildstory.enums import QueueKind
from buildstory.hackathon import queue, review_queries
from buildstory.projects.models import Project
from tests.review_helpers import judging_event

N = 10_000
REVIEWS_EACH = 10  # 100,000 reviews
TABLES = {"event_submissions", "hackathon_reviews", "queue_skips", "conflicts_of_interest",
          "project_members", "projects", "profiles", "judge_scores", "queue_assignments"}

FILL = [
    f"""INSERT INTO profiles (clerk_id, username, display_name)
        SELECT 'xp-' || i, 'xp-' || i, 'Builder ' || i FROM generate_series(1, {N}) i""",
    """INSERT INTO projects (profile_id, name, slug, description)
       SELECT id, 'Project ' || username, username, 'Built at scale'
       FROM profiles WHERE clerk_id LIKE 'xp-%'""",
    # every other project has a member: the owner of the next project
    f"""INSERT INTO project_members (project_id, profile_id)
        SELECT p.id, q.profile_id FROM projects p
        JOIN projects q ON q.slug = 'xp-' || (substr(p.slug, 4)::int % {N} + 1)
        WHERE p.slug LIKE 'xp-%' AND substr(p.slug, 4)::int % 2 = 0""",
    """INSERT INTO event_projects (event_id, project_id)
       SELECT :e, id FROM projects WHERE slug LIKE 'xp-%'""",
    # each project gets exactly REVIEWS_EACH reviews below: the counter is set here, as an
    # UPDATE in this (never vacuumed) transaction would leave every old index entry behind
    f"""INSERT INTO event_submissions (event_id, project_id, what_built, search_text,
                                      review_count, judge_score_count)
        SELECT :e, id, 'A thing', name, {REVIEWS_EACH}, substr(slug, 4)::int % 3
        FROM projects WHERE slug LIKE 'xp-%'""",
    f"""INSERT INTO hackathon_reviews (event_id, project_id, reviewer_profile_id, feedback)
        SELECT :e, q.id, p.profile_id, 'Good'
        FROM projects p CROSS JOIN generate_series(2, {REVIEWS_EACH + 1}) g
        JOIN projects q ON q.slug = 'xp-' || ((substr(p.slug, 4)::int + g) % {N} + 1)
        WHERE p.slug LIKE 'xp-%'""",
    """INSERT INTO queue_skips (queue, profile_id, event_id, project_id)
       SELECT 'review', p.profile_id, :e, q.id FROM projects p
       JOIN projects q ON q.slug = 'xp-' || (substr(p.slug, 4)::int % 97 + 5000)
       WHERE p.slug LIKE 'xp-%'""",
    """INSERT INTO conflicts_of_interest (profile_id, project_id)
       SELECT p.profile_id, q.id FROM projects p
       JOIN projects q ON q.slug = 'xp-' || (substr(p.slug, 4)::int % 89 + 7000)
       WHERE p.slug LIKE 'xp-%' ON CONFLICT DO NOTHING""",
]


def scans(plan, found):
    found.append((plan.get("Node Type"), plan.get("Relation Name"), plan.get("Index Name")))
    for child in plan.get("Plans", ()):
        scans(child, found)
    return found


def compiled(session, kind, params):
    stmt = queue.pick_statement(kind).params(**params)
    return str(stmt.compile(dialect=session.get_bind().dialect,
                            compile_kwargs={"literal_binds": True}))


def test_the_pick_uses_indexes_at_ten_thousand_submissions(db_session):
    event = judging_event()
    db_session.flush()
    for sql in FILL:
        db_session.execute(sa.text(sql), {"e": event.id})
    for table in sorted(TABLES):
        db_session.execute(sa.text(f"ANALYZE {table}"))
    assert db_session.scalar(sa.text("SELECT count(*) FROM hackathon_reviews")) == N * REVIEWS_EACH
    me = db_session.scalar(sa.text("SELECT id FROM profiles WHERE clerk_id = 'xp-2'"))
    timings = {}
    for kind, extra in ((QueueKind.review, {}), (QueueKind.judge, {"k": 3})):
        sql = compiled(db_session, kind, {"me": me, "e": event.id, "r": 0.5, **extra})
        db_session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = db_session.scalar(sa.text("EXPLAIN (FORMAT JSON) " + sql))
        plan = plan if isinstance(plan, list) else json.loads(plan)
        nodes = scans(plan[0]["Plan"], [])
        seq = [n for n in nodes if n[0] == "Seq Scan" and n[1] in TABLES]
        assert not seq, (kind, seq, nodes)
        queue_index = ("ix_event_submissions_review_queue" if kind == QueueKind.review
                       else "ix_event_submissions_judge_queue")
        assert any(n[2] == queue_index for n in nodes), (kind, nodes)
        # the progress line: the event's visible submissions from the stored copy, the
        # excluded ones from the person's own rows; no submission joined to its owner
        stmt = queue._progress_statement(kind).params(me=me, e=event.id, **extra)
        sql = str(stmt.compile(dialect=db_session.get_bind().dialect,
                               compile_kwargs={"literal_binds": True}))
        plan = db_session.scalar(sa.text("EXPLAIN (FORMAT JSON) " + sql))
        plan = plan if isinstance(plan, list) else json.loads(plan)
        nodes = scans(plan[0]["Plan"], [])
        assert not [n for n in nodes if n[0] == "Seq Scan" and n[1] in TABLES], (kind, nodes)
        assert not [n for n in nodes if n[1] == "profiles"], (kind, nodes)
        db_session.execute(sa.text("SET LOCAL enable_seqscan = on"))
        picks = []
        for _ in range(40):
            start = time.perf_counter()
            got = queue.pick(db_session, kind, event.id, me, k=extra.get("k"))
            picks.append((time.perf_counter() - start) * 1000)
            assert got is not None
        # psycopg prepares a statement from its 6th run and PostgreSQL settles on a generic
        # plan a few runs later: the last 20 are the steady state, the first is planned cold
        warm = sorted(picks[20:])
        timings[kind.value] = (warm[len(warm) // 2], picks[0])
    print("\npick at 10k submissions / 100k reviews (warm median ms, first run ms):",
          {k: f"{m:.2f}, {x:.2f}" for k, (m, x) in timings.items()})
    for median, first in timings.values():
        # a reused plan: well under the first, planned run, however busy the machine is
        assert median < first / 2

    # The team shown with the held submission: its few people by primary key. Written as
    # "id = owner OR id IN (members)" it read all 10,000 profiles (and 100,000 in the bench).
    project = db_session.get(Project, db_session.scalar(sa.text(
        "SELECT id FROM projects WHERE slug = 'xp-2'")))
    seen = []

    def record(conn, cursor, statement, params, context, executemany):
        seen.append((statement, params))
    sa.event.listen(db_session.get_bind(), "before_cursor_execute", record)
    try:
        people = review_queries.team(db_session, project)
    finally:
        sa.event.remove(db_session.get_bind(), "before_cursor_execute", record)
    assert len(people) == 2 and people[0].id == project.profile_id and len(seen) == 1
    statement, params = seen[0]
    plan = db_session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement,
                                                   params).scalar()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    nodes = scans(plan[0]["Plan"], [])
    # by primary key, or by the partial index of visible builders keyed by id
    # (ix_profiles_visible_country, which also covers the visibility condition)
    assert {("Index Scan", "profiles", "pk_profiles"),
            ("Index Scan", "profiles", "ix_profiles_visible_country")} & set(nodes), nodes
    assert not [n for n in nodes if n[0] == "Seq Scan"], nodes
