"""``make bench``: seed a separate benchmark database at scale, serve it with gunicorn as in
production, drive each hot path with wrk on loopback and compare with the /healthz baseline.

Rate limits are switched off for the run (RATELIMIT_ENABLED=false). Each path is measured
in BENCH_ROUNDS rounds (default 5) of BENCH_SECONDS (default 4), each round the baseline
and then the path back to back; a round's ratio is the path's req/s over that baseline's,
and the round with the median ratio is reported (its baseline in the "baseline" column),
so load that drifts on a shared machine skews the ratios less. Results are printed as a
table and written to bench/results/<timestamp>.json.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed as seeder  # noqa: E402
from buildstory.devdb import cluster_for  # noqa: E402

SCALE = seeder.SCALE_NAME  # SCALE=10k|100k|1m (make bench SCALE=1m)
DB = os.environ.get("BENCH_DB") or (
    f"buildstory_bench_{SCALE}" if seeder.SCALE == 1 else
    f"buildstory_bench_{SCALE}_x{seeder.SCALE:g}".replace(".", "_"))
# BENCH_CURVE=1: the paths of the size curve (bench/curve.py), no fan-out phase.
CURVE = os.environ.get("BENCH_CURVE") == "1"
DURATION = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return shutil.which("wrk")
    sys.exit("wrk is not installed: sudo apt-get install wrk")


def database_url():
    """Return (sqlalchemy url, libpq conninfo, cluster-we-started-or-None, cluster-or-None)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        url = os.environ["BENCH_DATABASE_URL"]
        return url, url.replace("postgresql+psycopg://", "postgresql://"), None, None
    cluster = cluster_for(ROOT / "instance")
    started = not cluster.running()
    cluster.start()
    cluster.create_database(DB)
    return cluster.url(DB), f"host={cluster.socket_dir} user=postgres dbname={DB}", \
        cluster if started else None, cluster


def migration_head() -> str:
    """The newest migration of this checkout and a digest of the whole chain (what a reused
    bench database must be at): revisions re-chained at a merge keep the head's name."""
    import hashlib

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    chain = [r.revision for r in script.walk_revisions()]
    digest = hashlib.sha256(" ".join(chain).encode()).hexdigest()[:8]
    return f"{script.get_current_head()}+{digest}"


META = ("CREATE TABLE IF NOT EXISTS bench_meta (scale text NOT NULL, sizes jsonb NOT NULL, "
        "head text NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now(), seconds real)")


def recorded(conninfo) -> dict | None:
    """What the bench database says it holds (its ``bench_meta`` row), or None."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]:
            return None
        row = conn.execute("SELECT scale, sizes, head, seconds FROM bench_meta").fetchone()
    return dict(zip(("scale", "sizes", "head", "seconds"), row)) if row else None


def reusable(meta: dict | None, head: str) -> bool:
    """A bench database is reused when its recorded size and migration head match."""
    return bool(meta) and meta["sizes"] == seeder.SIZES and meta["head"] == head \
        and meta["scale"] == SCALE


def empty_database(conninfo, cluster) -> None:
    """Start again from an empty database: drop and create it in our own cluster, else
    drop every table of the public schema (BENCH_DATABASE_URL)."""
    if cluster is not None:
        with psycopg.connect(host=str(cluster.socket_dir), user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB}"')
        return
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def prepare(url, conninfo, env, cluster=None) -> dict:
    """Migrate the bench database and seed it unless it already holds this size at this
    migration head; return its ``bench_meta`` record."""
    head = migration_head()
    meta = recorded(conninfo)
    if reusable(meta, head) and not os.environ.get("BENCH_RESEED"):
        # a no-op at the recorded head; applies revisions re-chained under the same head
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], check=True, env=env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"Benchmark data present in {DB} ({SCALE}, seeded in {meta['seconds']:.0f} s, "
              f"head {head}); BENCH_RESEED=1 to rebuild.")
        return meta
    if meta is not None or os.environ.get("BENCH_RESEED") or _has_rows(conninfo):
        print(f"Rebuilding {DB} (recorded: {meta and (meta['scale'], meta['head'])}, "
              f"wanted: {(SCALE, head)}).")
        empty_database(conninfo, cluster)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], check=True, env=env,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"Seeding {DB} at {SCALE} ({seeder.SIZES['profiles']:,} profiles, bulk COPY):")
    seconds = seeder.seed(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(META)
        conn.execute("DELETE FROM bench_meta")
        conn.execute("INSERT INTO bench_meta (scale, sizes, head, seconds) VALUES (%s, %s, %s, %s)",
                     (SCALE, json.dumps(seeder.SIZES), head, seconds))
    return recorded(conninfo)


def _has_rows(conninfo) -> bool:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return bool(conn.execute("SELECT to_regclass('profiles') IS NOT NULL AND "
                                 "EXISTS (SELECT 1 FROM profiles)").fetchone()[0]) \
            if conn.execute("SELECT to_regclass('profiles')").fetchone()[0] else False


def session_cookie(conninfo, secret, *, admin: bool) -> tuple[str, dict]:
    """Create a session for a busy builder (or an admin) and return its cookie and names."""
    now = datetime.now(timezone.utc)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(  # a builder with a project and a registration; the admin another
            "SELECT p.id, p.clerk_id, p.username FROM profiles p "
            "WHERE p.hidden_at IS NULL AND p.banned_at IS NULL "
            "AND EXISTS (SELECT 1 FROM projects pr WHERE pr.profile_id = p.id) "
            "AND EXISTS (SELECT 1 FROM event_registrations r WHERE r.profile_id = p.id) "
            "ORDER BY p.id LIMIT 1 OFFSET %s", (1 if admin else 0,)).fetchone()
        conn.execute("UPDATE profiles SET role = %s WHERE id = %s",
                     ("admin" if admin else "user", row[0]))
        sid = secrets.token_urlsafe(32)
        conn.execute("INSERT INTO sessions (id, identity_id, created_at, expires_at) "
                     "VALUES (%s, %s, %s, %s)", (sid, row[1], now, now + timedelta(days=1)))
        # A full bell: 150 unread notifications (the badge says "99+"), so every signed-in
        # page measured pays its capped unread count at its worst.
        conn.execute("INSERT INTO notifications (recipient_id, type, title, created_at) "
                     "SELECT %s, 'member_left', 'Bench project', %s - g * interval '1 minute' "
                     "FROM generate_series(1, 150 - (SELECT count(*) FROM notifications "
                     "WHERE recipient_id = %s AND read_at IS NULL)) g", (row[0], now, row[0]))
        if not admin:  # the teammates page ranks the featured event's builders for this one
            conn.execute("INSERT INTO event_registrations (event_id, profile_id, team_preference, "
                         "commitment_level) SELECT id, %s, 'looking_for_team', 'daily' "
                         "FROM events WHERE featured ON CONFLICT (event_id, profile_id) DO NOTHING",
                         (row[0],))
        review_event = hold_a_submission(conn, row[0]) if not admin else None
        project = conn.execute("SELECT slug FROM projects pr JOIN profiles p ON p.id = pr.profile_id "
                               "WHERE p.hidden_at IS NULL AND p.banned_at IS NULL "
                               "AND pr.hidden_at IS NULL LIMIT 1 OFFSET 500").fetchone()[0]
        event = conn.execute("SELECT slug FROM events WHERE featured").fetchone()[0]
        other = conn.execute("SELECT username FROM profiles WHERE hidden_at IS NULL AND "
                             "banned_at IS NULL ORDER BY id LIMIT 1 OFFSET 777").fetchone()[0]
    token = jwt.encode({"sid": sid, "typ": "session",
                        "exp": int((now + timedelta(days=1)).timestamp())}, secret, "HS256")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        showcase = conn.execute(  # the event with the most submissions
            "SELECT e.slug FROM events e JOIN event_submissions s ON s.event_id = e.id "
            "GROUP BY e.slug ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        logs = build_log_names(conn, row[0] if not admin else None)
    return f"__Host-bs_session={token}", {"project": project, "event": event, "profile": other,
                                          "self": row[2], "showcase": showcase,
                                          "review_event": review_event, **logs}


def build_log_names(conn, viewer_id) -> dict:
    """The busiest project (most updates), post (most comments) and tool (most posts); the
    bench builder's own Fire on the newest page of /feed, so its buttons show pressed."""
    if viewer_id is not None:
        conn.execute(
            "WITH added AS (INSERT INTO reactions (profile_id, post_id, emoji) "
            "SELECT %s, id, 'fire' FROM posts WHERE deleted_at IS NULL AND hidden_at IS NULL "
            "ORDER BY created_at DESC, id DESC LIMIT 20 ON CONFLICT DO NOTHING "
            "RETURNING post_id) "
            "UPDATE posts SET fire_count = fire_count + 1 WHERE id IN (SELECT post_id FROM added)",
            (viewer_id,))
    busy_project = conn.execute(
        "SELECT pr.slug FROM posts p JOIN projects pr ON pr.id = p.project_id "
        "GROUP BY pr.slug ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    busy_post = conn.execute(
        "SELECT id FROM posts WHERE deleted_at IS NULL AND hidden_at IS NULL "
        "ORDER BY comment_count DESC, id LIMIT 1").fetchone()[0]
    busy_tool = conn.execute(
        "SELECT t.slug FROM posts p JOIN ai_tools t ON t.id = p.tool_id "
        "GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    return {"busy_project": busy_project, "busy_post": busy_post, "busy_tool": busy_tool}


def hold_a_submission(conn, profile_id) -> str:
    """Make the bench builder a reviewer in the judging event with the most submissions (their
    project entered and submitted there) holding another team's submission; return its slug."""
    event_id, slug = conn.execute(
        "SELECT e.id, e.slug FROM events e JOIN event_submissions s ON s.event_id = e.id "
        "WHERE e.status = 'judging' GROUP BY e.id ORDER BY count(*) DESC LIMIT 1").fetchone()
    project_id, name = conn.execute("SELECT id, name FROM projects WHERE profile_id = %s "
                                    "ORDER BY id LIMIT 1", (profile_id,)).fetchone()
    conn.execute("INSERT INTO event_projects (event_id, project_id, entered_by) "
                 "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", (event_id, project_id, profile_id))
    conn.execute("INSERT INTO event_submissions (event_id, project_id, submitted_by, what_built, "
                 "search_text) VALUES (%s, %s, %s, 'A bench submission', %s) "
                 "ON CONFLICT DO NOTHING", (event_id, project_id, profile_id,
                                            name.lower() + " a bench submission"))
    held = conn.execute(
        "SELECT s.project_id FROM event_submissions s JOIN projects p ON p.id = s.project_id "
        "WHERE s.event_id = %s AND p.profile_id <> %s AND p.hidden_at IS NULL "
        "ORDER BY s.review_count, s.queue_key LIMIT 1", (event_id, profile_id)).fetchone()[0]
    conn.execute("INSERT INTO queue_assignments (queue, profile_id, event_id, project_id) "
                 "VALUES ('review', %s, %s, %s) ON CONFLICT (queue, profile_id, event_id) "
                 "DO UPDATE SET project_id = EXCLUDED.project_id",
                 (profile_id, event_id, held))
    return slug


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Production's settings (gunicorn.conf.py: 2 processes per core, 1 thread each, chosen
# by measurement — README "Performance"); BENCH_WORKERS / BENCH_THREADS try others.
WORKERS = os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1)))
THREADS = os.environ.get("BENCH_THREADS", "1")
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")


def serve(env, port):
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    env = dict(env, WEB_CONCURRENCY=WORKERS, GUNICORN_THREADS=THREADS)
    env["GUNICORN_WORKER_CLASS"] = WORKER_CLASS
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not start")


LAT = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(binary, base, name, paths, cookie=None, warm=2):
    """Run wrk for one path (or a rotation of paths); return a result dict."""
    args = [binary, "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", "--timeout", "10s",
            "-s", str(ROOT / "bench" / "rotate.lua")]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args += [base, "--", *paths]
    if warm:
        subprocess.run([*args[:3], f"-d{warm}s", *args[4:]], capture_output=True)
    out = subprocess.run(args, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in LAT.findall(out):
        lat[pct] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"path": name, "rps": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "non_2xx": int(errors.group(1)) if errors else 0}


def median_round(bases: list[dict], runs: list[dict]) -> dict:
    """A path's figures from its median round: each round is the baseline and then the
    path, back to back, and its ratio is the path's req/s over that baseline's; the round
    with the median ratio is reported whole (req/s, p50, p99 and its baseline), every
    round's figures are kept under ``rounds``."""
    rounds = [{"rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
               "baseline_rps": b["rps"], "ratio": round(r["rps"] / b["rps"], 3) if b["rps"] else 0}
              for b, r in zip(bases, runs)]
    middle = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2]
    return {"path": runs[0]["path"], **middle,
            "non_2xx": sum(r["non_2xx"] for r in runs), "rounds": rounds}


def measure(wrk_bin, base, plan) -> list[dict]:
    """Measure every path in ROUNDS rounds, each round the baseline then the path back to
    back, and report the round with the median ratio.

    The load of a shared machine drifts over seconds (a 2x swing in the baseline within
    one run was seen): pairing each path run with the baseline run just before it keeps
    the ratio about the code, and the median round ignores one lucky or unlucky pairing.
    """
    (name, paths, cookie), rest = plan[0], plan[1:]
    baselines, results = [], []
    for name_, paths_, cookie_ in rest:
        pair_base, pair_path = [], []
        for i in range(ROUNDS):
            pair_base.append(wrk(wrk_bin, base, name, paths, cookie, warm=2 if i == 0 else 1))
            pair_path.append(wrk(wrk_bin, base, name_, paths_, cookie_,
                                 warm=2 if i == 0 else 1))
        baselines += pair_base
        results.append(median_round(pair_base, pair_path))
    middle = sorted(baselines, key=lambda r: r["rps"])[len(baselines) // 2]
    summary = {"path": name, "rps": middle["rps"], "p50_ms": middle["p50_ms"],
               "p99_ms": middle["p99_ms"], "baseline_rps": middle["rps"],
               "non_2xx": sum(r["non_2xx"] for r in baselines),
               "rounds": [{k: r[k] for k in ("rps", "p50_ms", "p99_ms")} for r in baselines]}
    return [summary, *results]


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (a noisy neighbour shows here)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


LOAD_BEFORE: list[float] = []


def main() -> int:
    wrk_bin = ensure_wrk()
    url, conninfo, started_cluster, cluster = database_url()
    secret = secrets.token_hex(32)
    env = dict(os.environ, FLASK_APP="buildstory", DATABASE_URL=url, SECRET_KEY=secret,
               BUILDSTORY_ENV="production", RATELIMIT_ENABLED="false", PYTHONPATH=str(ROOT),
               PUBLIC_URL="http://127.0.0.1",  # production requires it; wrk sends this host
               MAIL_URL="log:")  # production requires a mail setting; the bench sends none
    serving = dict(env, DB_STATEMENT_TIMEOUT_MS=os.environ.get("DB_STATEMENT_TIMEOUT_MS",
                                                               "5000"))
    proc, fanout = None, None
    try:
        meta = prepare(url, conninfo, env, cluster)
        builder_cookie, names = session_cookie(conninfo, secret, admin=False)
        admin_cookie, _ = session_cookie(conninfo, secret, admin=True)
        port = free_port()
        proc = serve(serving, port)  # production settings; migrations run without the timeout
        base = f"http://127.0.0.1:{port}"
        LOAD_BEFORE[:] = load_average()
        print(f"\ngunicorn: gunicorn.conf.py, {WORKERS} {WORKER_CLASS} workers x {THREADS} threads, production config, "
              f"statement timeout {serving['DB_STATEMENT_TIMEOUT_MS']} ms\n"
              f"wrk: {CONNECTIONS} connections on loopback, median of {ROUNDS} rounds of "
              f"{DURATION} s per path (each round: the baseline, then the path)\n"
              "rate limits OFF (RATELIMIT_ENABLED=false); load average "
              f"{' '.join(map(str, load_average()))}\n")
        plan = [
            ("/healthz (baseline)", ["/healthz"], None),
            ("/username-check", [f"/username-check?username={names['profile']}",
                                 "/username-check?username=surely-free-name-42",
                                 "/username-check?username=x"], None),
            ("/members?q=", ["/members?q=ana", "/members?q=m%C3%BC", "/members?q=okafor"], None),
            ("/profiles/<u>", [f"/profiles/{names['profile']}"], None),
            ("/projects/<slug>", [f"/projects/{names['project']}"], None),
            ("/events/<slug>", [f"/events/{names['event']}"], None),
            ("/dashboard (full bell)", ["/dashboard"], builder_cookie),
            ("/notifications", ["/notifications"], builder_cookie),
            ("/events/<slug>/showcase", [f"/events/{names['showcase']}/showcase",
                                         f"/events/{names['showcase']}/showcase?sort=highlighted",
                                         f"/events/{names['showcase']}/showcase?q=agent"], None),
            ("/events/<slug>/review", [f"/events/{names['review_event']}/review"],
             builder_cookie),
            ("/events/<slug>/teammates", [f"/events/{names['event']}/teammates",
                                          f"/events/{names['event']}/teammates?role=backend"],
             builder_cookie),
            ("/tools", ["/tools"], None),
            ("/notifications/bell", ["/notifications/bell?have=150"], builder_cookie),
            ("/admin/users?q=", ["/admin/users?q=ana"], admin_cookie),
            ("/feed (signed in)", ["/feed"], builder_cookie),
            ("/projects/<slug>/updates", [f"/projects/{names['busy_project']}/updates"], None),
            ("/posts/<id>", [f"/posts/{names['busy_post']}"], None),
            ("/tools/<slug>/posts", [f"/tools/{names['busy_tool']}/posts"], None),
        ]
        if CURVE:
            plan = curve_plan(conninfo, names, builder_cookie, admin_cookie)
        only = [p for p in os.environ.get("BENCH_PATHS", "").split(",") if p]
        if only:  # e.g. BENCH_PATHS=/members,/dashboard (the baseline always runs)
            plan = plan[:1] + [p for p in plan[1:] if any(p[0].startswith(o) for o in only)]
            if len(plan) == 1 and not any("fan-out".startswith(o) for o in only):
                sys.exit(f"BENCH_PATHS={','.join(only)} names no path of this run")
        results = measure(wrk_bin, base, plan)
        if not CURVE and (not only or any("fan-out".startswith(o) for o in only)):
            fanout = fanout_phase(wrk_bin, base, env, conninfo, builder_cookie)
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not hang the report
                proc.kill()
        if started_cluster:
            started_cluster.stop()
    return report(results, fanout, meta)


def deepest_sitemap_chunk(conninfo: str, size: int = 10_000) -> str:
    """The last chunk of profiles, as the sitemap index names it (``?from=`` its first
    username), worked out here: the index itself numbers every key and at 1m builders
    takes longer than the statement timeout."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        n = conn.execute("SELECT count(*) FROM profiles WHERE hidden_at IS NULL AND "
                         "banned_at IS NULL AND username IS NOT NULL").fetchone()[0]
        last = max(n - 1, 0) // size
        first = conn.execute("SELECT username FROM profiles WHERE hidden_at IS NULL AND "
                             "banned_at IS NULL AND username IS NOT NULL ORDER BY username "
                             "OFFSET %s LIMIT 1", (last * size,)).fetchone()[0]
    return f"/sitemap-profiles-{last + 1}.xml?from={first}"


# The size curve's paths (``make bench-curve``): the name is the table's row.
CURVE_PATHS = ("/username-check", "/members?q=<2-letter prefix>", "/members?q=<3-letter trigram>",
               "/members?q=<accented>", "/profiles/<u>", "/projects/<slug>", "/events/<slug>",
               "/events/<slug>/showcase", "/events/<slug>/review (queue pick)",
               "/dashboard (full bell)", "/notifications", "/feed (signed in)",
               "/admin/users?q=", "/sitemap-profiles-<n>.xml",
               # last: at 1m its requests outlast a round and would slow the paths after it
               "/events/<slug>/teammates")


def curve_plan(conninfo, names, builder_cookie, admin_cookie) -> list:
    chunk = deepest_sitemap_chunk(conninfo)
    paths = {
        "/username-check": ([f"/username-check?username={names['profile']}",
                             "/username-check?username=surely-free-name-42",
                             "/username-check?username=x"], None),
        "/members?q=<2-letter prefix>": (["/members?q=ma"], None),
        "/members?q=<3-letter trigram>": (["/members?q=oka"], None),
        "/members?q=<accented>": (["/members?q=m%C3%BCller"], None),
        "/profiles/<u>": ([f"/profiles/{names['profile']}"], None),
        "/projects/<slug>": ([f"/projects/{names['project']}"], None),
        "/events/<slug>": ([f"/events/{names['event']}"], None),
        "/events/<slug>/showcase": ([f"/events/{names['showcase']}/showcase"], None),
        "/events/<slug>/review (queue pick)": ([f"/events/{names['review_event']}/review"],
                                               builder_cookie),
        "/dashboard (full bell)": (["/dashboard"], builder_cookie),
        "/notifications": (["/notifications"], builder_cookie),
        "/feed (signed in)": (["/feed"], builder_cookie),
        "/events/<slug>/teammates": ([f"/events/{names['event']}/teammates"], builder_cookie),
        "/admin/users?q=": (["/admin/users?q=ana"], admin_cookie),
        "/sitemap-profiles-<n>.xml": ([chunk], None),
    }
    return [("/healthz (baseline)", ["/healthz"], None),
            *((name, *paths[name]) for name in CURVE_PATHS)]


def fanout_phase(wrk_bin, base, env, conninfo, cookie) -> dict:
    """An event-wide fan-out written by one worker while wrk loads the event page and the
    bell: how long it takes, notifications per second, and the pages' ratios meanwhile."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        event_id, slug, registrants = conn.execute(
            "SELECT e.id, e.slug, count(*) FROM events e JOIN event_registrations r "
            "ON r.event_id = e.id GROUP BY e.id ORDER BY 3 DESC LIMIT 1").fetchone()
    key = f"bench-fanout:{datetime.now(timezone.utc).isoformat()}"
    subprocess.run([sys.executable, "-m", "bench.fanout", slug, key], check=True, env=env,
                   cwd=ROOT)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--queue", "fanout",
                               "--concurrency", "1"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        during = [wrk(wrk_bin, base, "/healthz (during fan-out)", ["/healthz"], warm=0),
                  wrk(wrk_bin, base, f"/events/{slug} (during fan-out)", [f"/events/{slug}"],
                      warm=0),
                  wrk(wrk_bin, base, "/notifications/bell (during fan-out)",
                      ["/notifications/bell?have=100"], cookie, warm=0)]
        deadline = time.time() + 600
        while time.time() < deadline:  # the benchmark waits for the worker, polling its row
            with psycopg.connect(conninfo, autocommit=True) as conn:
                row = conn.execute("SELECT created_at, finished_at, sent FROM "
                                   "notification_fanouts WHERE dedupe_key = %s", (key,)).fetchone()
            if row and row[1]:
                break
            time.sleep(0.25)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    seconds = (row[1] - row[0]).total_seconds() if row and row[1] else None
    with psycopg.connect(conninfo, autocommit=True) as conn:
        written = conn.execute("SELECT count(*) FROM notifications WHERE dedupe_key = %s",
                               (key,)).fetchone()[0]
    return {"event": slug, "registrants": registrants, "written": written,
            "seconds": seconds, "per_second": round(written / seconds) if seconds else None,
            "during": during}


def report(results, fanout=None, meta=None) -> int:
    base = results[0]["rps"]
    print(f"{'path':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'baseline':>10}{'ratio':>8}"
          f"{'non-2xx':>9}  budget")
    ok = True
    for r in results:
        around = r.get("baseline_rps", base)
        r["ratio"] = round(r["rps"] / around, 3) if around else None
        if r is results[0]:
            budget = "-"
        elif r["path"] == "/username-check":
            good = (r["ratio"] or 0) >= 0.6 and (r["p99_ms"] or 1e9) < 50
            budget, ok = ("ok" if good else "MISSED (≥0.6, p99<50)"), ok and good
        else:
            good = (r["ratio"] or 0) >= 0.3 and (r["p99_ms"] or 1e9) < 100
            budget, ok = ("ok" if good else "MISSED (≥0.3, p99<100)"), ok and good
        print(f"{r['path']:<22}{r['rps']:>9.0f}{r['p50_ms'] or 0:>9.1f}{r['p99_ms'] or 0:>9.1f}"
              f"{around:>10.0f}{r['ratio'] or 0:>8.2f}{r['non_2xx']:>9}  {budget}")
    if fanout:
        base_during = fanout["during"][0]["rps"]
        print(f"\nfan-out: {fanout['written']} notifications for {fanout['registrants']} "
              f"registrants of {fanout['event']} in {fanout['seconds'] or 0:.1f} s "
              f"({fanout['per_second'] or 0}/s, one worker) while serving:")
        for r in fanout["during"]:
            r["ratio"] = round(r["rps"] / base_during, 3) if base_during else None
            print(f"  {r['path']:<40}{r['rps']:>9.0f}{r['p50_ms'] or 0:>9.1f}"
                  f"{r['p99_ms'] or 0:>9.1f}{r['ratio']:>8.2f}")
    out = Path(os.environ["BENCH_OUT"]) if os.environ.get("BENCH_OUT") else \
        ROOT / "bench" / "results" / (datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(),
                               "load_average_after": load_average(),
                               "connections": CONNECTIONS, "seconds": DURATION,
                               "rounds": ROUNDS,
                               "gunicorn": {"workers": int(WORKERS), "threads": int(THREADS),
                                            "worker_class": WORKER_CLASS},
                               "rate_limits": "off", "scale": SCALE, "database": DB,
                               "seeded_seconds": meta and meta.get("seconds"),
                               "load_average_before": LOAD_BEFORE,
                               "sizes": seeder.SIZES,
                               "results": results, "fanout": fanout}, indent=2,
                              default=str) + "\n")
    print(f"\nwritten {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
