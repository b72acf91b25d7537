"""``make bench-fanout``: publish an event's results to 150,000 registrants for real and
measure the fan-out while gunicorn serves pages.

In its own database (``buildstory_bench_fanout``, reused when its registrants are there)
one event in judging has FANOUT_REGISTRANTS registrants (150,000 by default, seeded by
COPY with a progress bar), five ranked projects and a judge's scores. Each run, for every
worker count in FANOUT_WORKERS (default "1,2"):

1. the previous run's output is cleared (results, notifications, outbox, jobs), so the
   publish is version 1 again and notifies everybody;
2. without a fan-out: wrk loads /healthz, the event page and the bell, back to back
   (the "without" ratios: each page's req/s over the /healthz run just before it);
3. that many ``flask worker --queue fanout`` processes start (real procrastinate workers),
   with FANOUT_PARTS set to their number, so the fan-out is split in as many ranges;
4. the admin publishes with ``hackathon.results.publish`` — the call the publish page
   makes — and commits: that is the clock's start;
5. while the worker(s) write the batches, wrk loads the same three paths in rounds of
   FANOUT_WRK_SECONDS (default 2); rounds that ended before the last batch count as
   "during";
6. the clock stops when the fan-out's row is finished; every registrant must have exactly
   one "results published" notification.

Results are printed and written to ``bench/results/fanout-<timestamp>.json`` with the
machine's load (``uptime``) before and after.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.run as runner  # noqa: E402
from bench.run import ensure_wrk, free_port, serve, wrk  # noqa: E402
from bench.seed import copy_rows  # noqa: E402
from buildstory.devdb import cluster_for  # noqa: E402

DB = "buildstory_bench_fanout"
REGISTRANTS = int(os.environ.get("FANOUT_REGISTRANTS", "150000"))
BASE_NOTIFICATIONS = 3  # already there per builder (as in ``make bench``: 5 per builder)
WORKER_COUNTS = [int(n) for n in os.environ.get("FANOUT_WORKERS", "1,2").split(",") if n]
WRK_SECONDS = int(os.environ.get("FANOUT_WRK_SECONDS", "2"))
BEFORE_ROUNDS = int(os.environ.get("FANOUT_BEFORE_ROUNDS", "3"))
SLUG = "fanout-jam"
GOAL_SECONDS = 60
PREFIX = "fanout_"  # the seeded builders' clerk ids


def database() -> tuple[str, str]:
    """(SQLAlchemy URL, libpq conninfo) of the fan-out bench database (created if new)."""
    if os.environ.get("BENCH_FANOUT_DATABASE_URL"):
        url = os.environ["BENCH_FANOUT_DATABASE_URL"]
        return url, url.replace("postgresql+psycopg://", "postgresql://")
    cluster = cluster_for(ROOT / "instance")
    cluster.start()
    cluster.create_database(DB)
    return cluster.url(DB), f"host={cluster.socket_dir} user=postgres dbname={DB}"


def seed(conninfo) -> dict:
    """The event, its registrants, ranked projects, a judge and an admin (once; reused)."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT e.id, (SELECT count(*) FROM event_registrations r "
                           "WHERE r.event_id = e.id), (SELECT count(*) FROM notifications "
                           "WHERE type = 'member_left') FROM events e WHERE slug = %s",
                           (SLUG,)).fetchone()
        if row and row[1] == REGISTRANTS and row[2] == REGISTRANTS * BASE_NOTIFICATIONS + 150:
            print(f"Fan-out bench data present ({row[1]} registrants).")
            return names(conn)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")]
        conn.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
    print(f"Seeding {REGISTRANTS:,} registrants (bulk COPY):")
    started = time.time()
    now = datetime.now(timezone.utc)
    ids = [uuid.uuid4() for _ in range(REGISTRANTS)]
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET synchronous_commit = off")
        copy_rows(conn, "profiles", ["id", "clerk_id", "username", "display_name", "search_text",
                                     "created_at", "updated_at"],
                  ((pid, f"{PREFIX}{i}", f"fan{i}", f"Fan {i}", f"fan{i} fan {i}", now, now)
                   for i, pid in enumerate(ids)), REGISTRANTS)
        admin, judge = uuid.uuid4(), uuid.uuid4()
        conn.execute("INSERT INTO profiles (id, clerk_id, username, display_name, role) VALUES "
                     "(%s, 'fanout_admin', 'fanadmin', 'Fan Admin', 'admin'), "
                     "(%s, 'fanout_judge', 'fanjudge', 'Fan Judge', 'user')", (admin, judge))
        event = uuid.uuid4()
        conn.execute("INSERT INTO events (id, name, slug, description, starts_at, ends_at, status, "
                     "featured) VALUES (%s, 'Fanout Jam', %s, 'A **big** event.', %s, %s, "
                     "'judging', true)", (event, SLUG, now - timedelta(days=10),
                                          now - timedelta(days=3)))
        copy_rows(conn, "event_registrations", ["event_id", "profile_id", "team_preference"],
                  ((event, pid, "solo") for pid in ids), REGISTRANTS)
        conn.execute("INSERT INTO event_judges (event_id, profile_id) VALUES (%s, %s)",
                     (event, judge))
        # What a live site already holds: BASE_NOTIFICATIONS per builder, a third unread,
        # and the measured builder's full bell (150 unread), so the planner's statistics
        # and the bell's index are those of a table in use, not of an empty one.
        rng = random.Random(7)
        total = REGISTRANTS * BASE_NOTIFICATIONS

        def notifications():
            for i in range(total):
                created = now - timedelta(minutes=rng.randint(60, 400000))
                yield (ids[i % REGISTRANTS], "member_left", f"Project {i}", created,
                       None if rng.random() < 0.33 else created + timedelta(hours=1))
            for g in range(150):
                yield (ids[777], "member_left", "Bench project", now - timedelta(minutes=g + 1),
                       None)
        copy_rows(conn, "notifications", ["recipient_id", "type", "title", "created_at",
                                          "read_at"], notifications(), total + 150)
        for i in range(5):  # five ranked projects, each owned by a registrant
            project = uuid.uuid4()
            conn.execute("INSERT INTO projects (id, profile_id, name, slug, description) VALUES "
                         "(%s, %s, %s, %s, 'A ranked project.')",
                         (project, ids[i * (REGISTRANTS // 5)], f"Ranked {i}", f"ranked-{i}"))
            conn.execute("INSERT INTO event_projects (event_id, project_id) VALUES (%s, %s)",
                         (event, project))
            conn.execute("INSERT INTO event_submissions (event_id, project_id, submitted_by, "
                         "what_built, search_text, judge_score_count) "
                         "VALUES (%s, %s, %s, 'An agent', 'an agent', 1)",
                         (event, project, ids[i * (REGISTRANTS // 5)]))
            conn.execute("INSERT INTO judge_scores (event_id, project_id, judge_profile_id, "
                         "creativity, business_case, technical_challenge, impact, design) "
                         "VALUES (%s, %s, %s, %s, 3, 3, 3, 3)", (event, project, judge, 1 + i))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        print(f"  seeded in {time.time() - started:.0f} s")
        return names(conn)


def names(conn) -> dict:
    event_id = conn.execute("SELECT id FROM events WHERE slug = %s", (SLUG,)).fetchone()[0]
    admin = conn.execute("SELECT id FROM profiles WHERE clerk_id = 'fanout_admin'").fetchone()[0]
    viewer = conn.execute("SELECT id, clerk_id FROM profiles WHERE clerk_id = %s",
                          (f"{PREFIX}777",)).fetchone()
    return {"event_id": event_id, "admin_id": admin, "viewer": viewer}


def reset(conninfo) -> None:
    """Clear the previous run's output so the next publish is version 1 again: its
    notifications, results (TRUNCATE: published results refuse row deletes), fan-out,
    emails, deliveries and jobs; the site's other notifications stay."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM notifications WHERE type = 'results_published'")
        conn.execute("TRUNCATE event_results, notification_fanouts, email_outbox, "
                     "webhook_deliveries, procrastinate_jobs CASCADE")
        conn.execute("VACUUM ANALYZE notifications, email_outbox, procrastinate_jobs")


def bell_cookie(conninfo, secret, viewer) -> str:
    """A session for the registrant whose bell is full (150 unread, seeded)."""
    now = datetime.now(timezone.utc)
    sid = secrets.token_urlsafe(32)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO sessions (id, identity_id, created_at, expires_at) "
                     "VALUES (%s, %s, %s, %s)", (sid, viewer[1], now, now + timedelta(days=1)))
    token = jwt.encode({"sid": sid, "typ": "session",
                        "exp": int((now + timedelta(days=1)).timestamp())}, secret, "HS256")
    return f"__Host-bs_session={token}"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def triple(wrk_bin, base, cookie, seconds, warm=0) -> list[dict]:
    """/healthz, then the event page, then the bell, back to back; pages carry their
    ratio to that /healthz run."""
    runner.DURATION = seconds  # wrk() reads the duration from its module
    runs = [wrk(wrk_bin, base, "/healthz", ["/healthz"], warm=warm),
            wrk(wrk_bin, base, f"/events/{SLUG}", [f"/events/{SLUG}"], warm=warm),
            wrk(wrk_bin, base, "/notifications/bell", ["/notifications/bell?have=150"],
                cookie, warm=warm)]
    for r in runs[1:]:
        r["ratio"] = round(r["rps"] / runs[0]["rps"], 3) if runs[0]["rps"] else None
    return runs


def summarise(triples: list[list[dict]]) -> dict:
    """Per page: the median ratio over the rounds and the worst p99."""
    out = {}
    for i, name in ((1, "event"), (2, "bell")):
        ratios = sorted(t[i]["ratio"] for t in triples)
        out[name] = {"ratio_median": ratios[len(ratios) // 2] if ratios else None,
                     "ratio_min": ratios[0] if ratios else None,
                     "p99_ms_max": max((t[i]["p99_ms"] or 0) for t in triples) if triples else None,
                     "p50_ms_median": sorted(t[i]["p50_ms"] for t in triples)[len(triples) // 2]
                     if triples else None}
    return out


def publish(env, names_) -> subprocess.Popen:
    """A process that publishes version 1 as the admin, through the service the publish
    page calls, once it reads a line (so the clock starts at its commit, not its start)."""
    code = (
        "import sys\n"
        "from buildstory import create_app\n"
        "from buildstory.db import db\n"
        "from buildstory.hackathon import results\n"
        "from buildstory.identity.services import utcnow\n"
        "from buildstory.models import Event, Profile\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    event = db.session.get(Event, sys.argv[1])\n"
        "    admin = db.session.get(Profile, sys.argv[2])\n"
        "    sys.stdin.readline()  # ready: the parent starts the clock at the commit\n"
        "    results.publish(db.session, admin, event,\n"
        "                    results.compute(db.session, event).fingerprint, now=utcnow())\n"
        "    db.session.commit()\n"
        "    print('committed', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(names_["event_id"]),
                             str(names_["admin_id"])], env=env, cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return proc


def start_workers(env, n) -> list[subprocess.Popen]:
    """``n`` real workers on the fan-out queue, each returned once it is polling."""
    procs = []
    for _ in range(n):
        proc = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--queue", "fanout",
                                 "--concurrency", "1"], env=env, cwd=ROOT, text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in proc.stderr:  # wait for "Starting worker", then drain in the background
            if "Starting worker" in line:
                break
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        procs.append(proc)
    return procs


def stop(procs) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def watch(conninfo, key, done: dict) -> None:
    """Record when the fan-out's row is finished (checked every 50 ms)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT bool_and(finished_at IS NOT NULL) FROM "
                               "notification_fanouts WHERE dedupe_key = %s", (key,)).fetchone()
            if row and row[0]:  # every part's range written
                done["at"] = time.time()
                return
            time.sleep(0.05)


def run_once(wrk_bin, base, env, conninfo, names_, cookie, workers: int) -> dict:
    reset(conninfo)
    print(f"\n{workers} worker(s): without a fan-out …", flush=True)
    before = [triple(wrk_bin, base, cookie, WRK_SECONDS, warm=2 if i == 0 else 0)
              for i in range(BEFORE_ROUNDS)]  # the first warms every gunicorn process
    # As many ranges as workers (FANOUT_PARTS): one worker writes one range after another.
    procs = start_workers(dict(env, FANOUT_PARTS=str(workers)), workers)
    try:
        publisher = publish(env, names_)
        key = f"results_published:{names_['event_id']}"
        load_before = uptime()
        publisher.stdin.write("go\n")
        publisher.stdin.flush()
        assert publisher.stdout.readline().strip() == "committed"
        started = time.time()
        publisher.wait(30)
        done: dict = {}
        watcher = threading.Thread(target=watch, args=(conninfo, key, done), daemon=True)
        watcher.start()
        during = []
        print("  publishing: fan-out running, wrk loading the pages …", flush=True)
        while "at" not in done:
            t = triple(wrk_bin, base, cookie, WRK_SECONDS)
            if "at" not in done:  # the round ended before the last batch: it was "during"
                during.append(t)
        watcher.join()
        seconds = done["at"] - started
        load_after = uptime()
    finally:
        stop(procs)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        written, people = conn.execute(
            "SELECT count(*), count(DISTINCT recipient_id) FROM notifications "
            "WHERE dedupe_key = %s", (key,)).fetchone()
        expected = conn.execute(
            "SELECT count(*) FROM event_registrations r JOIN profiles p ON p.id = r.profile_id "
            "WHERE r.event_id = %s AND p.banned_at IS NULL", (names_["event_id"],)).fetchone()[0]
        batches = conn.execute("SELECT sum(sent), count(*) FROM notification_fanouts "
                               "WHERE dedupe_key = %s", (key,)).fetchone()
        emails = conn.execute("SELECT count(*) FROM email_outbox").fetchone()[0]
    result = {"workers": workers, "registrants": expected, "written": written,
              "distinct_recipients": people, "fanout_sent": batches[0],
              "fanout_parts": batches[1],
              "emails_queued": emails, "seconds": round(seconds, 2),
              "per_second": round(written / seconds) if seconds else None,
              "goal_seconds": GOAL_SECONDS, "uptime_before": load_before,
              "uptime_after": load_after, "without": summarise(before),
              "during": summarise(during), "during_rounds": len(during),
              "raw": {"without": before, "during": during}}
    ok_pages = all((result["during"][p]["ratio_median"] or 0) >= 0.3
                   and (result["during"][p]["p99_ms_max"] or 1e9) < 150
                   for p in ("event", "bell")) if during else None
    result["ok"] = {"exactly_one_each": written == people == expected,
                    "under_60_s": seconds < GOAL_SECONDS, "pages_in_budget": ok_pages}
    return result


def report(runs) -> None:
    print(f"\n{'workers':>7}{'seconds':>9}{'notif/s':>9}{'written':>9}  "
          f"{'event ratio w/o → during':>26}{'bell ratio w/o → during':>26}"
          f"{'p99 during (ev/bell)':>22}")
    for r in runs:
        w, d = r["without"], r["during"]
        print(f"{r['workers']:>7}{r['seconds']:>9.1f}{r['per_second'] or 0:>9}"
              f"{r['written']:>9}  "
              f"{w['event']['ratio_median'] or 0:>15.2f} → "
              f"{d['event']['ratio_median'] or 0:<8.2f}"
              f"{w['bell']['ratio_median'] or 0:>15.2f} → {d['bell']['ratio_median'] or 0:<8.2f}"
              f"{d['event']['p99_ms_max'] or 0:>12.0f} / {d['bell']['p99_ms_max'] or 0:<6.0f}"
              f"  {r['ok']}")


def main() -> int:
    wrk_bin = ensure_wrk()
    url, conninfo = database()
    secret = secrets.token_hex(32)
    env = dict(os.environ, FLASK_APP="buildstory", DATABASE_URL=url, SECRET_KEY=secret,
               BUILDSTORY_ENV="production", RATELIMIT_ENABLED="false", PYTHONPATH=str(ROOT),
               PUBLIC_URL="http://127.0.0.1", MAIL_URL="log:")
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], check=True, env=env,
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    names_ = seed(conninfo)
    cookie = bell_cookie(conninfo, secret, names_["viewer"])
    serving = dict(env, DB_STATEMENT_TIMEOUT_MS=os.environ.get("DB_STATEMENT_TIMEOUT_MS", "5000"))
    port = free_port()
    server = serve(serving, port)
    base = f"http://127.0.0.1:{port}"
    runs = []
    try:
        for n in WORKER_COUNTS:
            runs.append(run_once(wrk_bin, base, env, conninfo, names_, cookie, n))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    report(runs)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"fanout-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(),
                               "uptime": uptime(), "registrants": REGISTRANTS,
                               "wrk_seconds": WRK_SECONDS, "before_rounds": BEFORE_ROUNDS,
                               "budget": {"seconds": GOAL_SECONDS, "page_ratio_min": 0.3,
                                          "page_p99_ms": 150},
                               "runs": runs}, indent=2, default=str) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0 if all(all(v is not False for v in r["ok"].values()) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
