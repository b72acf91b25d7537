"""Fill a separate benchmark database with realistic data at scale, by bulk COPY.

100,000 profiles (accented names, countries and regions from pycountry, experience),
20 events, 150,000 registrations, 10,000 projects with teams and entries, 20,000 invites in
every state, 50,000 audit rows, build logs (30,000 posts, 60,000 comments, 150,000
reactions). Deterministic (seeded), with a progress bar.
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

SIZES = {"profiles": 100_000, "events": 20, "registrations": 150_000, "projects": 10_000,
         "members": 15_000, "entries": 8_000, "invites": 20_000, "audit": 50_000,
         "notifications": 500_000, "tools": 300, "submissions": 6_000, "reviews": 40_000,
         "posts": 30_000, "post_comments": 60_000, "reactions": 150_000}
# BENCH_SCALE=0.1 seeds a tenth of everything (a quick check that the paths answer).
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SIZES = {k: (v if k == "events" else max(50, int(v * SCALE))) for k, v in SIZES.items()}

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


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.time() - started, 1e-6)
    sys.stdout.write(f"\r  {label:<14} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done:>7}/{total:<7} {rate:>8.0f}/s")
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


def gen_profiles(rng, n):
    places = countries_with_regions(rng)
    ids = []

    def rows():
        for i in range(n):
            pid = uuid.UUID(int=rng.getrandbits(128), version=4)
            ids.append(pid)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            base = "".join(c for c in fold(first + last) if c.isascii() and c.isalnum())[:20] or "builder"
            username = f"{base}{i}"
            country, subs = rng.choice(places)
            region = rng.choice(subs) if subs and rng.random() < 0.7 else None
            created = NOW - timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86400))
            hidden = created if rng.random() < 0.01 else None
            banned = created if rng.random() < 0.005 else None
            yield (pid, f"bench_{i}", username, name, f"Building things with AI. #{i}",
                   country, region, rng.choice(EXPERIENCE), rng.random() > 0.1,
                   f"{username} {fold(name)}", created, created, hidden, banned)

    return ids, rows()


def seed(url: str, rng_seed: int = 7) -> None:
    rng = random.Random(rng_seed)
    started = time.time()
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET synchronous_commit = off")
        profile_ids, rows = gen_profiles(rng, SIZES["profiles"])
        copy_rows(conn, "profiles", ["id", "clerk_id", "username", "display_name", "bio",
                                     "country", "region", "experience_level", "allow_invites",
                                     "search_text", "created_at", "updated_at", "hidden_at",
                                     "banned_at"], rows, SIZES["profiles"])
        event_ids = seed_events(conn, rng)
        seed_registrations(conn, rng, profile_ids, event_ids)
        project_ids = seed_projects(conn, rng, profile_ids, event_ids)
        seed_invites(conn, rng, profile_ids, project_ids)
        seed_audit(conn, rng, profile_ids)
        seed_notifications(conn, rng, profile_ids, project_ids)
        seed_hackathon(conn, rng, profile_ids)
        seed_build_logs(conn)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(f"  seeded in {time.time() - started:.0f} s")


def top_up(url: str, rng_seed: int = 11) -> None:
    """Seed the tables that came after a benchmark database was filled (reused data keeps
    its builders; newer tables are filled in proportion on the next run)."""
    rng = random.Random(rng_seed)
    with psycopg.connect(url, autocommit=False) as conn:
        has_notifications, has_submissions, has_posts = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM notifications), "
            "EXISTS (SELECT 1 FROM event_submissions), EXISTS (SELECT 1 FROM posts)").fetchone()
        if has_notifications and has_submissions and has_posts:
            return
        profile_ids = [r[0] for r in conn.execute("SELECT id FROM profiles ORDER BY id")]
        if not has_notifications:
            project_ids = [tuple(r) for r in conn.execute("SELECT id, profile_id FROM projects")]
            seed_notifications(conn, rng, profile_ids, project_ids)
        if not has_submissions:
            seed_hackathon(conn, rng, profile_ids)
        if not has_posts:
            seed_build_logs(conn)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


NOTIFICATION_TYPES = ["team_invite", "invite_accepted", "member_joined", "member_left",
                      "project_hidden", "event_status", "review_received"]


def seed_notifications(conn, rng, profile_ids, project_ids):
    """Notifications spread over the builders, a third of them unread."""
    n = SIZES["notifications"]

    def rows():
        for i in range(n):
            project, owner = rng.choice(project_ids)
            created = NOW - timedelta(minutes=rng.randint(0, 400000))
            read = created + timedelta(hours=1) if rng.random() < 0.67 else None
            yield (rng.choice(profile_ids), rng.choice(NOTIFICATION_TYPES), f"Bench project {i}",
                   owner, "Bench Builder", project, created, read)

    copy_rows(conn, "notifications", ["recipient_id", "type", "title", "actor_id",
                                      "actor_name", "project_id", "created_at", "read_at"],
              rows(), n)


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
    copy_rows(conn, "event_submission_tools", ["submission_id", "tool_id"],
              ((sid, tid) for sid, _, _ in subs for tid in rng.sample(tools, 3)), 3 * len(subs))
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
    conn.execute(
        "UPDATE event_submissions s SET review_count = c.reviews, highlight_count = c.highlights, "
        "visible_review_count = c.reviews, highlight_counts = coalesce(c.per_category, '{}') "
        "FROM (SELECT r.event_id, r.project_id, count(DISTINCT r.id) AS reviews, "
        "count(h.id) AS highlights, (SELECT jsonb_object_agg(k.category, k.n) FROM ("
        "  SELECT h2.category, count(*) AS n FROM hackathon_reviews r2 "
        "  JOIN hackathon_review_highlights h2 ON h2.review_id = r2.id "
        "  WHERE r2.event_id = r.event_id AND r2.project_id = r.project_id "
        "  GROUP BY h2.category) k) AS per_category "
        "FROM hackathon_reviews r "
        "LEFT JOIN hackathon_review_highlights h ON h.review_id = r.id "
        "GROUP BY r.event_id, r.project_id) c "
        "WHERE s.event_id = c.event_id AND s.project_id = c.project_id")
    conn.execute("UPDATE ai_tools t SET usage_count = c.n FROM (SELECT tool_id, count(*) AS n "
                 "FROM event_submission_tools GROUP BY tool_id) c WHERE t.id = c.tool_id")


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


def seed_registrations(conn, rng, profile_ids, event_ids):
    public = [e for e, s in event_ids if s != "draft"]
    featured = event_ids[14][0]
    seen = set()
    n = SIZES["registrations"]

    def rows():
        while len(seen) < n:
            event = featured if rng.random() < 0.3 else rng.choice(public)
            profile = rng.choice(profile_ids)
            if (event, profile) in seen:
                continue
            seen.add((event, profile))
            yield (uuid.uuid4(), event, profile, rng.choice(PREFS), rng.choice(COMMIT),
                   NOW - timedelta(minutes=rng.randint(0, 200000)))

    copy_rows(conn, "event_registrations", ["id", "event_id", "profile_id", "team_preference",
                                            "commitment_level", "registered_at"], rows(), n)


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
            yield (uuid.uuid4(), project, member)

    copy_rows(conn, "project_members", ["id", "project_id", "profile_id"], members(),
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
            yield (uuid.uuid4(), event, project, owner)

    copy_rows(conn, "event_projects", ["id", "event_id", "project_id", "entered_by"],
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
                yield (uuid.uuid4(), project, owner, None, "link", status, token,
                       created + timedelta(days=7), responded, created)
            else:
                yield (uuid.uuid4(), project, owner, rng.choice(profile_ids), "direct", status,
                       None, None, responded, created)

    copy_rows(conn, "team_invites", ["id", "project_id", "sender_id", "recipient_id", "type",
                                     "status", "token", "expires_at", "responded_at",
                                     "created_at"], rows(), n)


def seed_audit(conn, rng, profile_ids):
    n = SIZES["audit"]

    def rows():
        for i in range(n):
            actor, target = rng.choice(profile_ids), rng.choice(profile_ids)
            yield (uuid.uuid4(), actor, "Bench Moderator", rng.choice(ACTIONS), target,
                   f"Bench Builder {i}", json.dumps({"bench": i}),
                   NOW - timedelta(minutes=rng.randint(0, 500000)))

    copy_rows(conn, "admin_audit_log", ["id", "actor_profile_id", "actor_name", "action",
                                        "target_profile_id", "target_name", "metadata",
                                        "created_at"], rows(), n)


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
    x("CREATE TEMP TABLE bench_pf ON COMMIT DROP AS "
      "SELECT id, row_number() OVER (ORDER BY id)::int AS rn FROM profiles")
    # the busy project (rn 1): the newest one with a visible owner
    x("CREATE TEMP TABLE bench_pr ON COMMIT DROP AS SELECT pr.id, pr.profile_id, "
      "row_number() OVER (ORDER BY (o.hidden_at IS NULL AND o.banned_at IS NULL) DESC, "
      "pr.created_at DESC, pr.id)::int AS rn FROM projects pr JOIN profiles o "
      "ON o.id = pr.profile_id WHERE pr.hidden_at IS NULL")
    x("CREATE TEMP TABLE bench_tl ON COMMIT DROP AS SELECT id, "
      "row_number() OVER (ORDER BY slug)::int AS rn FROM ai_tools "
      "WHERE hidden_at IS NULL AND merged_into_id IS NULL")
    for t in ("bench_pf", "bench_pr", "bench_tl"):
        x(f"CREATE UNIQUE INDEX ON {t} (rn)")
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
    x(f"""INSERT INTO reactions (profile_id, post_id, emoji, created_at)
          SELECT pf.id, po.id, (enum_range(NULL::reaction_emoji))[1 + mod(s.g, 5)],
                 po.created_at + interval '1 hour'
          FROM (SELECT g, CASE WHEN mod(g, 50) = 0 THEN 1 ELSE {PICK.format(g="g", salt=5, n=n_po)}
                          END AS po_rn, {PICK.format(g="g", salt=6, n=n_pf)} AS pf_rn
                FROM generate_series(1, %(n)s) g) s
          JOIN bench_po po ON po.rn = s.po_rn JOIN bench_pf pf ON pf.rn = s.pf_rn
          ON CONFLICT DO NOTHING""", {"n": n_reactions - n_on_comments})
    x(f"""INSERT INTO reactions (profile_id, comment_id, emoji, created_at)
          SELECT pf.id, co.id, (enum_range(NULL::reaction_emoji))[1 + mod(s.g, 5)],
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
