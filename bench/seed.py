"""Fill a separate benchmark database with realistic data at scale, by bulk COPY.

Three sizes (``SCALE=10k|100k|1m``, every table in proportion): at 100k, 100,000 profiles
(accented names, countries and regions from pycountry, experience, skills and roles),
20 events, 150,000 registrations, 10,000 projects with teams and entries, 20,000 invites in
every state, 50,000 audit rows, 500,000 notifications, the hackathon loop (tools,
submissions, reviews, judges' scores), build logs (30,000 posts, 60,000 comments, 150,000
reactions), join and help requests and the roadmap. Deterministic (seeded), with a
progress bar.

Fast at a million builders: rows come from Python through COPY or from ``generate_series``
in the database, each table in its own transaction with ``synchronous_commit`` off; the
non-unique indexes are dropped before the load and built once after it (with a large
``maintenance_work_mem``), and row triggers and foreign-key checks are off during the load
(``session_replication_role = replica``), so the columns the triggers keep (submission
visibility, the registrations' matching copies) and every counter are written afterwards
in SQL, then everything is analysed.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pycountry
from sqlalchemy import text

# The sizes at 100k builders; the other sizes multiply every count but the events'.
BASE_SIZES = {"profiles": 100_000, "events": 20, "registrations": 150_000,
              "projects": 10_000, "members": 15_000, "entries": 8_000, "invites": 20_000,
              "audit": 50_000, "notifications": 500_000, "tools": 300, "submissions": 6_000,
              "reviews": 40_000, "judges": 200, "judge_scores": 12_000, "posts": 30_000,
              "post_comments": 60_000, "reactions": 150_000, "join_requests": 5_000,
              "help_requests": 2_000, "ideas": 1_000, "idea_upvotes": 20_000,
              "idea_comments": 5_000}
SCALES = {"10k": 0.1, "100k": 1.0, "1m": 10.0}
DEFAULT_SCALE = "100k"


def sizes_for(scale: str = DEFAULT_SCALE, multiplier: float = 1.0) -> dict[str, int]:
    """Return the row count of every table at ``scale`` (``10k``, ``100k`` or ``1m``),
    times ``multiplier`` (``BENCH_SCALE=0.1`` seeds a tenth, a quick check)."""
    if scale not in SCALES:
        raise ValueError(f"SCALE must be one of {', '.join(SCALES)}, not {scale!r}")
    factor = SCALES[scale] * multiplier
    return {k: (v if k == "events" else max(50, int(v * factor))) for k, v in BASE_SIZES.items()}


SCALE_NAME = os.environ.get("SCALE") or DEFAULT_SCALE
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SIZES = sizes_for(SCALE_NAME, SCALE)


def configure(scale: str, multiplier: float = 1.0) -> dict[str, int]:
    """Switch the module to another size (the seeding functions read ``SIZES``)."""
    global SCALE_NAME, SCALE
    SCALE_NAME, SCALE = scale, multiplier
    SIZES.clear()
    SIZES.update(sizes_for(scale, multiplier))
    return SIZES

FIRST = ["Amara", "Zoë", "José", "Priya", "Kenji", "Léa", "Mateus", "Grace", "Liam", "Sofía",
         "Noah", "Emma", "Wei", "Aisha", "Seun", "Björn", "Hana", "Tomás", "Fatima", "Lucas",
         "Chloé", "Ingrid", "Mehmet", "Ana", "Thandiwe", "Lukas", "Marta", "Camila", "Nguyễn",
         "Siti", "Ruth", "Oscar", "Jürgen", "Ægir", "Åsa", "Çağla", "Renée", "François", "Olúwa",
         "Dmitri", "Yuki", "Arjun", "Mia", "Kwame", "Sara", "Daniel", "Rafael", "Samuel", "Eva"]
LAST = ["Okafor", "Müller", "Álvarez", "Raman", "Watanabe", "Dubois", "Oliveira", "Mwangi",
        "O'Connor", "Hernández", "Williams", "Johansson", "Chen", "Rahman", "Adeyemi", "Nilsson",
        "Kovač", "Silva", "Zahra", "Martin", "Lefèvre", "Hansen", "Yılmaz", "Popescu", "Ndlovu",
        "Novák", "Kowalska", "Rojas", "Văn An", "Nurhaliza", "Bekele", "Lindgren", "Łukasz",
        "Ørsted", "Ñúñez", "Škoda", "Søndergaard", "Brontë", "García", "Kim", "Mehta", "Rossi"]
WORDS = ["agent", "atlas", "beacon", "canvas", "delta", "echo", "forge", "glyph", "harbor",
         "iris", "jolt", "kite", "lumen", "mosaic", "nova", "orbit", "pixel", "quill", "relay",
         "spark", "tide", "umbra", "vector", "whisper", "yarn", "zephyr"]
EXPERIENCE = ["getting_started", "built_a_few", "ships_constantly"]
PREFS = ["solo", "has_team", "has_team_open", "looking_for_team"]
COMMIT = ["all_in", "daily", "nights_weekends", "not_sure"]
ACTIONS = ["hide_user", "unhide_user", "ban_user", "unban_user", "set_role", "hide_project",
           "create_event", "update_event", "transition_event_status"]
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
# a random 128-bit number made a version-4 UUID (what ``uuid.UUID(version=4)`` does, faster)
V4_MASK = ~((0xf000 << 64) | (0xc000 << 48)) & ((1 << 128) - 1)
V4_BITS = (4 << 76) | (0x8000 << 48)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    seconds = time.time() - started
    rate = f"{done / max(seconds, 1e-6):>8.0f}/s" if total > 1 else f"{seconds:>8.1f} s"
    sys.stdout.write(f"\r  {label:<14} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done:>7}/{total:<7} {rate}")
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def copy_rows(conn, table: str, columns: list[str], rows, total: int) -> None:
    started = time.time()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cur, cur.copy(sql) as copy:
        for i, row in enumerate(rows, 1):
            copy.write_row(row)
            if i % 5000 == 0 or i == total:
                progress(table, i, total, started)


def countries_with_regions(rng):
    pairs = []
    for code in ["US", "GB", "DE", "FR", "IN", "BR", "NG", "JP", "ES", "IT", "CA", "AU", "MX",
                 "KE", "SE", "PL", "NL", "AR", "ZA", "KR", "TR", "PT", "CN", "ID", "EG"]:
        subs = [s.code for s in pycountry.subdivisions.get(country_code=code) or []]
        pairs.append((code, subs))
    return pairs


def seed(url: str, rng_seed: int = 7) -> float:
    """Fill an empty, migrated database; return the seconds it took."""
    rng = random.Random(rng_seed)
    started = time.time()
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET work_mem = '64MB'")
        # no row triggers nor foreign-key checks while loading: what they keep is written
        # below in SQL, and the generators only refer to rows they made
        conn.execute("SET session_replication_role = replica")
        indexes = drop_secondary_indexes(conn)
        conn.commit()
        spaced = space_checkpoints(conn, True)
        seed_profiles(conn, rng)
        conn.commit()
        profile_ids = [r[0] for r in conn.execute("SELECT id FROM profiles ORDER BY id")]
        number_profiles(conn)
        conn.commit()
        event_ids = seed_events(conn, rng)
        seed_registrations(conn, event_ids)
        conn.commit()
        project_ids = seed_projects(conn, rng, profile_ids, event_ids)
        conn.commit()
        seed_invites(conn, rng, profile_ids, project_ids)
        conn.commit()
        seed_audit(conn)
        conn.commit()
        del project_ids
        number_projects(conn)
        conn.commit()
        seed_notifications(conn)
        conn.commit()
        seed_hackathon(conn, random.Random(rng_seed + 1), profile_ids)
        del profile_ids
        conn.commit()
        seed_build_logs(conn)
        conn.commit()
        seed_community(conn)
        conn.commit()
        derive(conn)
        conn.commit()
        rebuild_indexes(conn, indexes)
        conn.execute("SET session_replication_role = origin")
        conn.commit()
        if spaced:
            space_checkpoints(conn, False)
        conn.autocommit = True
        step = time.time()
        conn.execute("VACUUM (ANALYZE)")
        print(f"  vacuum analyze  {time.time() - step:.0f} s")
        recount_hackathon(url)  # per-row recounts: after the indexes are back
    seconds = time.time() - started
    print(f"  seeded in {seconds:.0f} s")
    return seconds


# Big tables whose generators make unique rows (by construction or DISTINCT ON) and that
# no foreign key points at: their primary key and unique constraints are built after the
# load too.
UNIQUE_BY_CONSTRUCTION = ("event_registrations", "admin_audit_log", "notifications",
                          "reactions")


def drop_secondary_indexes(conn) -> list[tuple[str, str]]:
    """Drop every non-unique index of the public tables (loading first and indexing once
    is several times faster than keeping them up to date row by row); return
    ``[(name, definition)]`` for ``rebuild_indexes``. Unique indexes stay, for the
    generators' ``ON CONFLICT``, except on the tables unique by construction."""
    rows = conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'public' AND NOT x.indisprimary "
        "AND (NOT x.indisunique OR t.relname = ANY(%s)) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "AND t.relname NOT LIKE 'procrastinate%%' ORDER BY 1",
        (list(UNIQUE_BY_CONSTRUCTION),)).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    constraints = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype IN ('p', 'u') "
        "AND c.conrelid = ANY(%s::regclass[]) ORDER BY c.contype, c.conname",
        (list(UNIQUE_BY_CONSTRUCTION),)).fetchall()
    for table, name, _ in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [tuple(r) for r in rows] + [
        (name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition in constraints]


def space_checkpoints(conn, load: bool) -> bool:
    """Checkpoints far apart while loading (each one makes the next change of every page
    write the whole page to the WAL again), back to the server's settings afterwards;
    False when this role may not change them (a BENCH_DATABASE_URL server)."""
    try:
        with psycopg.connect(conn.info.dsn, autocommit=True) as admin:
            if load:
                admin.execute("ALTER SYSTEM SET max_wal_size = '16GB'")
                admin.execute("ALTER SYSTEM SET checkpoint_timeout = '30min'")
            else:
                admin.execute("ALTER SYSTEM RESET max_wal_size")
                admin.execute("ALTER SYSTEM RESET checkpoint_timeout")
            admin.execute("SELECT pg_reload_conf()")
        return True
    except psycopg.Error:
        return False


def rebuild_indexes(conn, indexes) -> None:
    started = time.time()
    for i, (_, definition) in enumerate(indexes, 1):
        conn.execute(definition)
        conn.commit()
        if i % 10 == 0 or i == len(indexes):
            progress("indexes", i, len(indexes), started)


def derive(conn) -> None:
    """Write what the row triggers keep, as they would have: the submissions' visibility
    (the registrations' copies of their builder's matching fields are written with them)."""
    started = time.time()
    conn.execute(
        "UPDATE event_submissions s SET visible = (p.hidden_at IS NULL AND o.hidden_at IS NULL "
        "AND o.banned_at IS NULL) FROM projects p JOIN profiles o ON o.id = p.profile_id "
        "WHERE p.id = s.project_id")
    progress("derived", 1, 1, started)


def recount_hackathon(url: str) -> None:
    """The tools' and submissions' counters (reviews, visible reviews, highlights per
    category, judges' scores, usage), with the app's own recount expressions, each table in
    one UPDATE (the app's repair command passes every id and locks every row: 100 s at 1m)."""
    from sqlalchemy import create_engine, func, select, update
    from sqlalchemy.orm import Session

    import buildstory.models  # noqa: F401  (every mapper, for the relationships)
    from buildstory.hackathon import counters
    from buildstory.hackathon.models import EventSubmission, EventSubmissionTool, JudgeScore
    from buildstory.hackathon.models import HackathonReview
    from buildstory.profiles.models import Profile
    from buildstory.projects.models import Project
    from buildstory.projects.queries import visible_project
    from buildstory.tools.models import AiTool

    def count_of(model):
        return (select(func.count()).select_from(model)
                .where(model.event_id == EventSubmission.event_id,
                       model.project_id == EventSubmission.project_id)
                .correlate(EventSubmission).scalar_subquery())

    used = (select(func.count()).select_from(EventSubmissionTool)
            .join(EventSubmission, EventSubmission.id == EventSubmissionTool.submission_id)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventSubmissionTool.tool_id == AiTool.id, visible_project())
            .correlate(AiTool).scalar_subquery())
    started = time.time()
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    with Session(engine) as session:
        session.execute(text("SET session_replication_role = replica"))
        session.execute(update(EventSubmission).values(
            review_count=count_of(HackathonReview), judge_score_count=count_of(JudgeScore),
            highlight_count=counters._highlights(), **counters._shown_counts())
            .execution_options(synchronize_session=False))
        session.execute(update(AiTool).values(usage_count=used)
                        .execution_options(synchronize_session=False))
        session.commit()
    engine.dispose()
    progress("counters", 1, 1, started)


def number_profiles(conn) -> None:
    """A temporary table numbering the profiles from 1, so rows generated in SQL pick a
    deterministic one by number."""
    conn.execute("CREATE TEMP TABLE bench_pf AS "
                 "SELECT id, row_number() OVER (ORDER BY id)::int AS rn FROM profiles")
    conn.execute("CREATE UNIQUE INDEX ON bench_pf (rn)")
    conn.execute("ANALYZE bench_pf")


def number_projects(conn) -> None:
    """The projects numbered from 1; the busy project (rn 1) is the newest one with a
    visible owner."""
    conn.execute("CREATE TEMP TABLE bench_pr AS SELECT pr.id, pr.profile_id, "
                 "row_number() OVER (ORDER BY (o.hidden_at IS NULL AND o.banned_at IS NULL) "
                 "DESC, pr.created_at DESC, pr.id)::int AS rn FROM projects pr JOIN profiles o "
                 "ON o.id = pr.profile_id WHERE pr.hidden_at IS NULL")
    conn.execute("CREATE UNIQUE INDEX ON bench_pr (rn)")
    conn.execute("ANALYZE bench_pr")


def seed_profiles(conn, rng) -> None:
    """The builders, generated in the database from small tables of names, places and
    skill sets. Ids are deterministic and ascending (the row number, then md5 digits), so
    the primary key index grows at its end instead of taking a million random inserts."""
    from buildstory.matching import skills as catalogue

    x = conn.execute
    x("CREATE TEMP TABLE bench_names (rn int PRIMARY KEY, name text, base text, folded text)")
    names = []
    for first in FIRST:
        for last in LAST:
            base = "".join(c for c in fold(first + last) if c.isascii() and c.isalnum())[:20]
            names.append((len(names) + 1, f"{first} {last}", base or "builder",
                          fold(f"{first} {last}")))
    with conn.cursor().copy("COPY bench_names FROM STDIN") as copy:
        for row in names:
            copy.write_row(row)
    x("CREATE TEMP TABLE bench_places (rn int PRIMARY KEY, country text, region text)")
    places = []
    for code, subs in countries_with_regions(rng):
        places += [(code, None)] * 3 + [(code, sub) for sub in rng.sample(subs, min(7, len(subs)))]
    with conn.cursor().copy("COPY bench_places FROM STDIN") as copy:
        for i, (code, sub) in enumerate(places, 1):
            copy.write_row((i, code, sub))
    x("CREATE TEMP TABLE bench_skills (rn int PRIMARY KEY, skills text[], skill_bits bit(%s), "
      "roles text[], role_bits bit(%s))" % (catalogue.SKILL_BITS, catalogue.ROLE_BITS))
    skill_keys = [item.key for item in catalogue.SKILLS]
    role_keys = [item.key for item in catalogue.ROLES]
    with conn.cursor().copy("COPY bench_skills FROM STDIN") as copy:
        for i in range(1, 2001):
            mine = rng.sample(skill_keys, rng.randint(0, 5))
            roles = rng.sample(role_keys, rng.randint(0, 2))
            copy.write_row((i, mine, catalogue.skill_bits(mine), roles,
                            catalogue.role_bits(roles)))
    n = SIZES["profiles"]
    experience = ", ".join(f"'{e}'" for e in EXPERIENCE)
    insert_in_chunks(conn, "profiles", f"""
        INSERT INTO profiles (id, clerk_id, username, display_name, bio, country, region,
                              experience_level, allow_invites, search_text, created_at,
                              updated_at, hidden_at, banned_at, skills, skill_bits, roles,
                              role_bits)
        SELECT (lpad(to_hex(s.g), 12, '0') || substr(md5('bench-profile-' || s.g), 13))::uuid,
               'bench_' || s.g, nm.base || s.g, nm.name,
               'Building things with AI. #' || s.g, pl.country, pl.region,
               (ARRAY[{experience}]::experience_level[])[1 + mod(s.h, 3)], mod(s.h, 10) <> 0,
               nm.base || s.g || ' ' || nm.folded, s.t, s.t,
               CASE WHEN mod(s.h, 100) = 7 THEN s.t END,
               CASE WHEN mod(s.h, 200) = 13 THEN s.t END,
               sk.skills, sk.skill_bits, sk.roles, sk.role_bits
        FROM (SELECT g, hashint4(g + 31) & 2147483647 AS h,
                     %(now)s - mod(hashint4(g + 32) & 2147483647, 700 * 86400) * interval '1 second' AS t,
                     {PICK.format(g="g", salt=33, n=len(names))} AS nm_rn,
                     {PICK.format(g="g", salt=34, n=len(places))} AS pl_rn,
                     {PICK.format(g="g", salt=35, n=2000)} AS sk_rn
              FROM generate_series(%(lo)s::int, %(hi)s::int) g) s
        JOIN bench_names nm ON nm.rn = s.nm_rn JOIN bench_places pl ON pl.rn = s.pl_rn
        JOIN bench_skills sk ON sk.rn = s.sk_rn""", n, chunk=250_000, now=NOW)


def insert_in_chunks(conn, label: str, sql: str, total: int, chunk: int = 500_000,
                     **params) -> None:
    """Run ``sql`` (an INSERT … SELECT over ``generate_series(%(lo)s::int, %(hi)s::int) g``) chunk by
    chunk, with the progress bar."""
    started = time.time()
    for lo in range(1, total + 1, chunk):
        hi = min(total, lo + chunk - 1)
        conn.execute(sql, {"lo": lo, "hi": hi, **params})
        progress(label, hi, total, started)


NOTIFICATION_TYPES = ["team_invite", "invite_accepted", "member_joined", "member_left",
                      "project_hidden", "event_status", "review_received"]


def seed_notifications(conn):
    """Notifications spread over the builders, a third of them unread, written in the
    database (the largest table: five per builder)."""
    n = SIZES["notifications"]
    n_pf, n_pr = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("bench_pf", "bench_pr"))
    types = ", ".join(f"'{t}'" for t in NOTIFICATION_TYPES)
    insert_in_chunks(conn, "notifications", f"""
        INSERT INTO notifications (recipient_id, type, title, actor_id, actor_name, project_id,
                                   created_at, read_at)
        SELECT pf.id, (ARRAY[{types}]::notification_type[])[1 + mod(s.g, {len(NOTIFICATION_TYPES)})],
               'Bench project ' || s.g, pr.profile_id, 'Bench Builder', pr.id, s.t,
               CASE WHEN mod(s.g, 3) <> 0 THEN s.t + interval '1 hour' END
        FROM (SELECT g, {PICK.format(g="g", salt=11, n=n_pf)} AS pf_rn,
                     {PICK.format(g="g", salt=12, n=n_pr)} AS pr_rn,
                     %(now)s - mod(hashint4(g + 13) & 2147483647, 400000) * interval '1 minute' AS t
              FROM generate_series(%(lo)s::int, %(hi)s::int) g) s
        JOIN bench_pf pf ON pf.rn = s.pf_rn JOIN bench_pr pr ON pr.rn = s.pr_rn""", n,
                     now=NOW)


TOOL_WORDS = ["Code", "Pilot", "Forge", "Mind", "Flow", "Stack", "Prompt", "Agent", "Lens",
              "Spark", "Build", "Ship"]
CATEGORIES = ["planning", "coding", "code_review", "models", "other"]
HIGHLIGHTS = ["creativity", "business_case", "technical_challenge", "impact", "design"]


def seed_hackathon(conn, rng, profile_ids):
    """Tools, submissions of entered projects (most in the events past their build time),
    their tools, and peer reviews with highlights; counters written exact."""
    tools = []

    def tool_rows():
        for i in range(SIZES["tools"]):
            tid = uuid.uuid4()
            name = f"{rng.choice(TOOL_WORDS)}{rng.choice(TOOL_WORDS)} {i}"
            tools.append(tid)
            yield (tid, name, fold(name).replace(" ", ""), f"bench-tool-{i}",
                   CATEGORIES[i % len(CATEGORIES)], NOW, NOW)

    copy_rows(conn, "ai_tools", ["id", "name", "name_key", "slug", "category", "created_at",
                                 "updated_at"], tool_rows(), SIZES["tools"])
    entries = conn.execute(
        "SELECT ep.event_id, ep.project_id, pr.profile_id, pr.name FROM event_projects ep "
        "JOIN events e ON e.id = ep.event_id JOIN projects pr ON pr.id = ep.project_id "
        "WHERE e.status IN ('active', 'judging', 'complete') ORDER BY ep.id").fetchall()
    chosen = entries[:SIZES["submissions"]]
    subs = []

    def submission_rows():
        for event_id, project_id, owner, name in chosen:
            sid = uuid.uuid4()
            built = f"An agent that {rng.choice(WORDS)}s your {rng.choice(WORDS)} in minutes"
            subs.append((sid, event_id, project_id))
            at = NOW - timedelta(minutes=rng.randint(0, 200000))
            yield (sid, event_id, project_id, owner, built, fold(f"{name} {built}"), rng.random(),
                   at, at)

    copy_rows(conn, "event_submissions", ["id", "event_id", "project_id", "submitted_by",
                                          "what_built", "search_text", "queue_key",
                                          "submitted_at", "updated_at"],
              submission_rows(), len(chosen))
    copy_rows(conn, "event_submission_tools", ["submission_id", "tool_id", "event_id"],
              ((sid, tid, event_id) for sid, event_id, _ in subs
               for tid in rng.sample(tools, 3)), 3 * len(subs))
    by_event: dict = {}
    for sid, event_id, project_id in subs:
        by_event.setdefault(event_id, []).append(project_id)
    events = list(by_event)
    reviews, seen = [], set()
    while len(reviews) < SIZES["reviews"]:
        event_id = rng.choice(events)
        project_id, reviewer = rng.choice(by_event[event_id]), rng.choice(profile_ids)
        if (reviewer, event_id, project_id) in seen:
            continue
        seen.add((reviewer, event_id, project_id))
        reviews.append((uuid.uuid4(), event_id, project_id, reviewer))
    copy_rows(conn, "hackathon_reviews", ["id", "event_id", "project_id", "reviewer_profile_id",
                                          "feedback"],
              ((*r, "Clear demo, and the idea is useful.") for r in reviews), len(reviews))
    highlights = [(uuid.uuid4(), r[0], c, "Stood out") for r in reviews if rng.random() < 0.5
                  for c in rng.sample(HIGHLIGHTS, rng.randint(1, 3))]
    copy_rows(conn, "hackathon_review_highlights", ["id", "review_id", "category", "text"],
              iter(highlights), len(highlights))


def seed_events(conn, rng):
    statuses = ["complete"] * 10 + ["judging"] * 2 + ["active"] * 3 + ["open"] * 4 + ["draft"]
    ids, rows = [], []
    for i, status in enumerate(statuses):
        eid = uuid.uuid4()
        ids.append((eid, status))
        start = NOW + timedelta(days=(i - 14) * 20)
        rows.append((eid, f"Bench Hackathon {i + 1}", f"bench-hackathon-{i + 1}",
                     "A **benchmark** event.", start, start + timedelta(days=7), status,
                     i == 14))
    copy_rows(conn, "events", ["id", "name", "slug", "description", "starts_at", "ends_at",
                               "status", "featured"], iter(rows), len(rows))
    return ids


def seed_registrations(conn, event_ids):
    """Registrations in the database, one per builder and event by construction: builder
    number ``g mod profiles`` in round ``g div profiles`` registers for the event
    ``round`` places after their first one, which is the featured event for three in ten
    builders and another public event for the rest."""
    public = [e for e, st in event_ids if st != "draft"]
    featured = event_ids[14][0]
    ring = [featured] + [e for e in public if e != featured]
    n, n_pf = SIZES["registrations"], SIZES["profiles"]
    assert n <= n_pf * len(ring)
    prefs = ", ".join(f"'{p}'" for p in PREFS)
    commit = ", ".join(f"'{c}'" for c in COMMIT)
    insert_in_chunks(conn, "event_registrations", f"""
        INSERT INTO event_registrations (event_id, profile_id, team_preference,
                                         commitment_level, registered_at, match_ok,
                                         skill_bits, role_bits, utc_offset_minutes,
                                         experience_level, country, region)
        SELECT (%(ring)s::uuid[])[1 + mod(s.first + s.round, {len(ring)})], p.id,
               (ARRAY[{prefs}]::team_preference[])[1 + mod(s.h / 7, 4)],
               (ARRAY[{commit}]::commitment_level[])[1 + mod(s.h / 11, 4)],
               %(now)s - mod(s.h, 200000) * interval '1 minute',
               -- the builder's matching fields, as the row trigger copies them
               p.hidden_at IS NULL AND p.banned_at IS NULL AND p.allow_invites
               AND p.username IS NOT NULL, p.skill_bits, p.role_bits, p.utc_offset_minutes,
               p.experience_level, p.country, p.region
        FROM (SELECT g, (g - 1) / {n_pf} AS round, h,
                     CASE WHEN mod(h, 10) < 3 THEN 0 ELSE 1 + mod(h / 10, {len(ring) - 1}) END
                       AS first
              FROM (SELECT g, hashint4(1 + mod(g - 1, {n_pf}) + 40) & 2147483647 AS h
                    FROM generate_series(%(lo)s::int, %(hi)s::int) g) t) s
        JOIN bench_pf pf ON pf.rn = 1 + mod(s.g - 1, {n_pf})
        JOIN profiles p ON p.id = pf.id""", n, now=NOW, ring=ring)


def seed_projects(conn, rng, profile_ids, event_ids):
    n = SIZES["projects"]
    ids = []

    def rows():
        for i in range(n):
            pid = uuid.uuid4()
            owner = rng.choice(profile_ids)
            ids.append((pid, owner))
            name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}"
            slug = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
            yield (pid, owner, name, slug, "An AI project that **ships**.", "new",
                   "Ship a demo", f"https://github.com/bench/{slug}",
                   NOW - timedelta(minutes=rng.randint(0, 300000)))

    copy_rows(conn, "projects", ["id", "profile_id", "name", "slug", "description",
                                 "starting_point", "goal_text", "github_url", "created_at"],
              rows(), n)
    pairs = set()

    def members():
        while len(pairs) < SIZES["members"]:
            project, owner = rng.choice(ids)
            member = rng.choice(profile_ids)
            if member == owner or (project, member) in pairs:
                continue
            pairs.add((project, member))
            yield (project, member)

    copy_rows(conn, "project_members", ["project_id", "profile_id"], members(),
              SIZES["members"])
    public = [e for e, s in event_ids if s != "draft"]
    entries = set()

    def entry_rows():
        while len(entries) < SIZES["entries"]:
            project, owner = rng.choice(ids)
            event = rng.choice(public)
            if (event, project) in entries:
                continue
            entries.add((event, project))
            yield (event, project, owner)

    copy_rows(conn, "event_projects", ["event_id", "project_id", "entered_by"],
              entry_rows(), SIZES["entries"])
    return ids


def seed_invites(conn, rng, profile_ids, project_ids):
    n = SIZES["invites"]
    statuses = ["pending", "accepted", "declined", "revoked"]

    def rows():
        for i in range(n):
            project, owner = rng.choice(project_ids)
            status = rng.choice(statuses)
            created = NOW - timedelta(hours=rng.randint(0, 5000))
            responded = created + timedelta(hours=3) if status != "pending" else None
            if rng.random() < 0.25:
                token = hashlib.sha256(f"bench-link-{i}".encode()).hexdigest()
                yield (project, owner, None, "link", status, token,
                       created + timedelta(days=7), responded, created)
            else:
                yield (project, owner, rng.choice(profile_ids), "direct", status,
                       None, None, responded, created)

    copy_rows(conn, "team_invites", ["project_id", "sender_id", "recipient_id", "type",
                                     "status", "token", "expires_at", "responded_at",
                                     "created_at"], rows(), n)


def seed_audit(conn):
    """Moderators' audit rows, in the database."""
    n, n_pf = SIZES["audit"], SIZES["profiles"]
    actions = ", ".join(f"'{a}'" for a in ACTIONS)
    insert_in_chunks(conn, "admin_audit_log", f"""
        INSERT INTO admin_audit_log (actor_profile_id, actor_name, action, target_profile_id,
                                     target_name, metadata, created_at)
        SELECT a.id, 'Bench Moderator',
               (ARRAY[{actions}])[1 + mod(s.g, {len(ACTIONS)})], t.id,
               'Bench Builder ' || s.g, jsonb_build_object('bench', s.g),
               %(now)s - mod(hashint4(s.g + 51) & 2147483647, 500000) * interval '1 minute'
        FROM (SELECT g, {PICK.format(g="g", salt=52, n=n_pf)} AS a_rn,
                     {PICK.format(g="g", salt=53, n=n_pf)} AS t_rn
              FROM generate_series(%(lo)s::int, %(hi)s::int) g) s
        JOIN bench_pf a ON a.rn = s.a_rn JOIN bench_pf t ON t.rn = s.t_rn""", n, now=NOW)


# A deterministic pick among ``n`` rows numbered from 1, from a series number and a salt.
PICK = "1 + mod(hashint4({g} + {salt})::bigint & 2147483647, {n})"


def seed_build_logs(conn):
    """Build logs, in the database (INSERT … SELECT over generate_series): posts on projects
    (every 50th on one busy project) and about tools (every 20th about one busy tool),
    a picture on about one in sixteen, comments (every 100th on one busy post of the busy
    project), reactions on posts and comments; every counter written exact afterwards."""
    started = time.time()
    n_posts, n_comments, n_reactions = (SIZES["posts"], SIZES["post_comments"],
                                        SIZES["reactions"])
    n_tool_posts = n_posts // 5
    x = conn.execute
    # bench_pf and bench_pr (the busy project is rn 1), unless the seeding made them
    for table, number in (("bench_pf", number_profiles), ("bench_pr", number_projects)):
        if x("SELECT to_regclass(%s)", (f"pg_temp.{table}",)).fetchone()[0] is None:
            number(conn)
    x("CREATE TEMP TABLE bench_tl ON COMMIT DROP AS SELECT id, "
      "row_number() OVER (ORDER BY slug)::int AS rn FROM ai_tools "
      "WHERE hidden_at IS NULL AND merged_into_id IS NULL")
    x("CREATE UNIQUE INDEX ON bench_tl (rn)")
    n_pf, n_pr, n_tl = (x(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in ("bench_pf", "bench_pr", "bench_tl"))
    x(f"""INSERT INTO posts (author_id, context_type, project_id, body, link_url, created_at,
                             updated_at)
          SELECT pr.profile_id, 'project', pr.id,
                 'Day ' || s.g || ': taught the **agent** to read faded receipts.',
                 CASE WHEN mod(s.g, 4) = 0 THEN 'https://example.com/changelog/' || s.g END,
                 s.t, s.t
          FROM (SELECT g, CASE WHEN mod(g, 50) = 0 THEN 1 ELSE {PICK.format(g="g", salt=0, n=n_pr)}
                          END AS rn, %(now)s - g * interval '41 seconds' AS t
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_pr pr ON pr.rn = s.rn""", {"now": NOW, "n": n_posts - n_tool_posts})
    progress("posts", n_posts - n_tool_posts, n_posts, started)
    x(f"""INSERT INTO posts (author_id, context_type, tool_id, body, created_at, updated_at)
          SELECT pf.id, 'tool', tl.id, 'Refactored 40 files with it in one go. #' || s.g,
                 s.t, s.t
          FROM (SELECT g, CASE WHEN mod(g, 20) = 0 THEN 1 ELSE {PICK.format(g="g", salt=1, n=n_tl)}
                          END AS tool_rn, {PICK.format(g="g", salt=2, n=n_pf)} AS pf_rn,
                       %(now)s - g * interval '199 seconds' AS t
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_tl tl ON tl.rn = s.tool_rn JOIN bench_pf pf ON pf.rn = s.pf_rn""",
      {"now": NOW, "n": n_tool_posts})
    progress("posts", n_posts, n_posts, started)
    x("INSERT INTO post_images (post_id, data, hash, width, height, description) "
      "SELECT id, '\\x5249464600000000574542505650384c'::bytea, md5(id::text), 640, 360, "
      "'A chart of weekly usage' FROM posts WHERE (hashtext(id::text) & 15) = 0")
    # the busy post (rn 1): the busy project's newest
    x("CREATE TEMP TABLE bench_po ON COMMIT DROP AS SELECT p.id, p.created_at, "
      "row_number() OVER (ORDER BY (p.project_id = (SELECT id FROM bench_pr WHERE rn = 1)) "
      "DESC, p.created_at DESC, p.id)::int AS rn FROM posts p")
    x("CREATE UNIQUE INDEX ON bench_po (rn)")
    n_po = x("SELECT count(*) FROM bench_po").fetchone()[0]
    started = time.time()
    x(f"""INSERT INTO post_comments (post_id, author_id, body, created_at, updated_at)
          SELECT po.id, pf.id, 'Nice progress! How did you measure that? #' || s.g,
                 po.created_at + (mod(s.g, 5000)) * interval '1 second',
                 po.created_at + (mod(s.g, 5000)) * interval '1 second'
          FROM (SELECT g, CASE WHEN mod(g, 100) = 0 THEN 1 ELSE {PICK.format(g="g", salt=3, n=n_po)}
                          END AS po_rn, {PICK.format(g="g", salt=4, n=n_pf)} AS pf_rn
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_po po ON po.rn = s.po_rn JOIN bench_pf pf ON pf.rn = s.pf_rn""",
      {"n": n_comments})
    progress("post_comments", n_comments, n_comments, started)
    x("CREATE TEMP TABLE bench_co ON COMMIT DROP AS SELECT id, created_at, "
      "row_number() OVER (ORDER BY id)::int AS rn FROM post_comments")
    x("CREATE UNIQUE INDEX ON bench_co (rn)")
    started = time.time()
    n_on_comments = n_reactions // 10
    # DISTINCT ON drops repeated picks in one sort, so the load needs no unique index
    x(f"""INSERT INTO reactions (profile_id, post_id, emoji, created_at)
          SELECT DISTINCT ON (pf.id, po.id, 1 + mod(s.g, 5))
                 pf.id, po.id, (enum_range(NULL::reaction_emoji))[1 + mod(s.g, 5)],
                 po.created_at + interval '1 hour'
          FROM (SELECT g, CASE WHEN mod(g, 50) = 0 THEN 1 ELSE {PICK.format(g="g", salt=5, n=n_po)}
                          END AS po_rn, {PICK.format(g="g", salt=6, n=n_pf)} AS pf_rn
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_po po ON po.rn = s.po_rn JOIN bench_pf pf ON pf.rn = s.pf_rn
          ON CONFLICT DO NOTHING""", {"n": n_reactions - n_on_comments})
    x(f"""INSERT INTO reactions (profile_id, comment_id, emoji, created_at)
          SELECT DISTINCT ON (pf.id, co.id, 1 + mod(s.g, 5))
                 pf.id, co.id, (enum_range(NULL::reaction_emoji))[1 + mod(s.g, 5)],
                 co.created_at + interval '1 hour'
          FROM (SELECT g, {PICK.format(g="g", salt=7, n=n_comments)} AS co_rn,
                       {PICK.format(g="g", salt=8, n=n_pf)} AS pf_rn
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_co co ON co.rn = s.co_rn JOIN bench_pf pf ON pf.rn = s.pf_rn
          ON CONFLICT DO NOTHING""", {"n": n_on_comments})
    progress("reactions", n_reactions, n_reactions, started)
    counts = ", ".join(f"count(*) FILTER (WHERE emoji = '{e}') AS {e}"
                       for e in ("fire", "rocket", "lightbulb", "clap", "wrench"))
    sets = ", ".join(f"{e}_count = c.{e}" for e in ("fire", "rocket", "lightbulb", "clap",
                                                    "wrench"))
    for table, fk in (("posts", "post_id"), ("post_comments", "comment_id")):
        x(f"UPDATE {table} t SET {sets} FROM (SELECT {fk} AS id, {counts} FROM reactions "
          f"WHERE {fk} IS NOT NULL GROUP BY {fk}) c WHERE t.id = c.id")
    # visible comments only: not deleted or hidden, author neither hidden nor banned
    x("UPDATE posts p SET comment_count = c.n FROM (SELECT c.post_id, count(*) AS n "
      "FROM post_comments c JOIN profiles a ON a.id = c.author_id WHERE c.deleted_at IS NULL "
      "AND c.hidden_at IS NULL AND a.hidden_at IS NULL AND a.banned_at IS NULL "
      "GROUP BY c.post_id) c WHERE p.id = c.post_id")


def seed_community(conn):
    """Judges and their scores, join requests, mentors' help requests and the roadmap
    (ideas, upvotes, comments), in the database; the counters they move written exact."""
    x = conn.execute
    started = time.time()
    n_pf, n_pr = (x(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("bench_pf", "bench_pr"))
    # judges: spread over the events with submissions, each judging about two per submission
    x("CREATE TEMP TABLE bench_ev ON COMMIT DROP AS SELECT event_id AS id, "
      "row_number() OVER (ORDER BY event_id)::int AS rn FROM event_submissions GROUP BY event_id")
    n_ev = x("SELECT count(*) FROM bench_ev").fetchone()[0]
    x(f"""INSERT INTO event_judges (event_id, profile_id)
          SELECT ev.id, pf.id FROM generate_series(1, %(n)s) g
          JOIN bench_ev ev ON ev.rn = 1 + mod(g, {n_ev})
          JOIN bench_pf pf ON pf.rn = {PICK.format(g="g", salt=21, n=n_pf)}
          ON CONFLICT DO NOTHING""", {"n": SIZES["judges"]})
    n_subs = x("SELECT count(*) FROM event_submissions").fetchone()[0]
    per = max(1, -(-SIZES["judge_scores"] // max(n_subs, 1)))
    x(f"""INSERT INTO judge_scores (event_id, project_id, judge_profile_id, creativity,
                                    business_case, technical_challenge, impact, design, comment)
          SELECT s.event_id, s.project_id, j.profile_id, 1 + mod(s.rn, 5), 1 + mod(s.rn + 1, 5),
                 1 + mod(s.rn + 2, 5), 1 + mod(s.rn + 3, 5), 1 + mod(s.rn + 4, 5),
                 'Solid demo; the pitch could be shorter.'
          FROM (SELECT event_id, project_id, row_number() OVER (ORDER BY id)::int AS rn,
                       count(*) OVER (PARTITION BY event_id) AS in_event FROM event_submissions) s
          JOIN (SELECT event_id, profile_id,
                       row_number() OVER (PARTITION BY event_id ORDER BY profile_id)::int AS k,
                       count(*) OVER (PARTITION BY event_id)::int AS judges
                FROM event_judges) j ON j.event_id = s.event_id
          WHERE mod(s.rn + j.k, greatest(j.judges / {per}, 1)) = 0
          ORDER BY s.rn, j.k LIMIT %(n)s
          ON CONFLICT DO NOTHING""", {"n": SIZES["judge_scores"]})
    progress("judge_scores", 1, 1, started)
    started = time.time()
    x(f"""INSERT INTO join_requests (project_id, requester_id, role, message, status, expires_at,
                                     responded_at, created_at)
          SELECT pr.id, pf.id, 'backend', 'I can build the API side.',
                 (enum_range(NULL::join_request_status))[1 + mod(g, 4)],
                 %(now)s + interval '14 days' - g * interval '1 minute',
                 CASE WHEN mod(g, 4) <> 0 THEN %(now)s - g * interval '1 minute' END,
                 %(now)s - g * interval '2 minute'
          FROM generate_series(1, %(n)s) g
          JOIN bench_pr pr ON pr.rn = {PICK.format(g="g", salt=22, n=n_pr)}
          JOIN bench_pf pf ON pf.rn = {PICK.format(g="g", salt=23, n=n_pf)}
          WHERE pf.id <> pr.profile_id ON CONFLICT DO NOTHING""",
      {"n": SIZES["join_requests"], "now": NOW})
    x("CREATE TEMP TABLE bench_en ON COMMIT DROP AS SELECT ep.event_id, ep.project_id, "
      "ep.entered_by, row_number() OVER (ORDER BY ep.id)::int AS rn FROM event_projects ep")
    n_en = x("SELECT count(*) FROM bench_en").fetchone()[0]
    x(f"""INSERT INTO help_requests (event_id, project_id, opened_by, kind, topic, details, status,
                                     created_at, updated_at)
          SELECT en.event_id, en.project_id, en.entered_by,
                 (enum_range(NULL::help_kind))[1 + mod(g, 3)], 'Our deploy fails on the free tier',
                 'The build works locally but times out in CI after the model download.',
                 (enum_range(NULL::help_request_status))[1 + mod(g, 4)],
                 %(now)s - g * interval '3 minute', %(now)s - g * interval '3 minute'
          FROM generate_series(1, %(n)s) g
          JOIN bench_en en ON en.rn = {PICK.format(g="g", salt=24, n=n_en)}
          ON CONFLICT DO NOTHING""",
      {"n": SIZES["help_requests"], "now": NOW})
    progress("requests", 1, 1, started)
    started = time.time()
    x(f"""INSERT INTO feature_board_items (title, slug, description, status, author_id, created_at,
                                           updated_at)
          SELECT 'Let teams ' || (ARRAY{WORDS!r})[1 + mod(g, {len(WORDS)})] || ' idea ' || g,
                 'bench-idea-' || g, 'It would save us an evening every hackathon.',
                 (enum_range(NULL::feature_board_status))[1 + mod(g, 7)], pf.id,
                 %(now)s - g * interval '17 minute', %(now)s - g * interval '17 minute'
          FROM generate_series(1, %(n)s) g
          JOIN bench_pf pf ON pf.rn = {PICK.format(g="g", salt=25, n=n_pf)}""",
      {"n": SIZES["ideas"], "now": NOW})
    x("CREATE TEMP TABLE bench_id ON COMMIT DROP AS SELECT id, created_at, "
      "row_number() OVER (ORDER BY id)::int AS rn FROM feature_board_items")
    n_id = x("SELECT count(*) FROM bench_id").fetchone()[0]
    x(f"""INSERT INTO feature_board_upvotes (item_id, profile_id, created_at)
          SELECT it.id, pf.id, it.created_at + interval '1 hour'
          FROM generate_series(1, %(n)s) g
          JOIN bench_id it ON it.rn = CASE WHEN mod(g, 10) = 0 THEN 1
                                      ELSE {PICK.format(g="g", salt=26, n=n_id)} END
          JOIN bench_pf pf ON pf.rn = {PICK.format(g="g", salt=27, n=n_pf)}
          ON CONFLICT DO NOTHING""", {"n": SIZES["idea_upvotes"]})
    x(f"""INSERT INTO feature_board_comments (item_id, author_id, body, created_at, updated_at)
          SELECT it.id, pf.id, 'Yes please, we hit this last weekend. #' || g,
                 it.created_at + g * interval '1 second', it.created_at + g * interval '1 second'
          FROM generate_series(1, %(n)s) g
          JOIN bench_id it ON it.rn = {PICK.format(g="g", salt=28, n=n_id)}
          JOIN bench_pf pf ON pf.rn = {PICK.format(g="g", salt=29, n=n_pf)}""",
      {"n": SIZES["idea_comments"]})
    x("UPDATE feature_board_items i SET upvote_count = coalesce(u.n, 0), "
      "comment_count = coalesce(c.n, 0) FROM feature_board_items i2 "
      "LEFT JOIN (SELECT item_id, count(*) AS n FROM feature_board_upvotes GROUP BY 1) u "
      "ON u.item_id = i2.id "
      "LEFT JOIN (SELECT c.item_id, count(*) AS n FROM feature_board_comments c "
      "JOIN profiles a ON a.id = c.author_id WHERE c.deleted_at IS NULL "
      "AND a.hidden_at IS NULL AND a.banned_at IS NULL GROUP BY 1) c ON c.item_id = i2.id "
      "WHERE i.id = i2.id")
    progress("roadmap", 1, 1, started)
