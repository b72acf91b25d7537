"""Fill a separate benchmark database with realistic data at scale, by bulk COPY.

100,000 profiles (accented names, countries and regions from pycountry, experience),
20 events, 150,000 registrations, 10,000 projects with teams and entries, 20,000 invites in
every state, 50,000 audit rows. Deterministic (seeded), with a progress bar.
"""
from __future__ import annotations

import hashlib
import json
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
         "notifications": 500_000}

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
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(f"  seeded in {time.time() - started:.0f} s")


def top_up(url: str, rng_seed: int = 11) -> None:
    """Seed the tables that came after a benchmark database was filled (reused data keeps
    its builders; newer tables are filled in proportion on the next run)."""
    rng = random.Random(rng_seed)
    with psycopg.connect(url, autocommit=False) as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM notifications)").fetchone()[0]:
            return
        profile_ids = [r[0] for r in conn.execute("SELECT id FROM profiles ORDER BY id")]
        project_ids = [tuple(r) for r in conn.execute("SELECT id, profile_id FROM projects")]
        seed_notifications(conn, rng, profile_ids, project_ids)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE notifications")


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
