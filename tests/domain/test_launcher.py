"""`make run`'s launcher (`python -m buildstory serve`): gunicorn and one `flask worker`
side by side; Ctrl-C stops both, the worker finishing the job it is running first."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections import Counter

import sqlalchemy as sa

from tests.mailserver import MailServer, free_port

SENDER = "Buildstory <no-reply@buildstory.test>"


def test_serve_runs_a_worker_beside_gunicorn_and_ctrl_c_lets_its_job_finish(cluster, tmp_path):
    cluster.create_database("buildstory_launcher")
    url = cluster.url("buildstory_launcher")
    smtp = MailServer("127.0.0.1")
    arrived, release = threading.Event(), threading.Event()
    original = smtp.handler.handle_DATA

    async def slow_data(server, session, envelope):
        arrived.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 60)
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = slow_data
    port = free_port("127.0.0.1")
    env = dict(os.environ, DATABASE_URL=url, BUILDSTORY_INSTANCE=str(tmp_path),
               BIND=f"127.0.0.1:{port}", SECRET_KEY="x" * 32, MAIL_URL=smtp.url(),
               MAIL_FROM=SENDER, PYTHONUNBUFFERED="1")
    launcher = subprocess.Popen([sys.executable, "-m", "buildstory", "serve"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    lines = []
    try:
        for line in launcher.stdout:  # until both the web server and the worker are up
            lines.append(line)
            if "Starting worker" in "".join(lines) and "Listening at" in "".join(lines):
                break
        assert launcher.poll() is None, "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert r.status == 200
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # a password reset request, as the site would queue it
            conn.execute(sa.text("INSERT INTO accounts (id, email, password_hash) "
                                 "VALUES ('user_launch', 'ada@example.com', 'x')"))
            conn.execute(sa.text(
                "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('mail', 'mail.password_reset', 0,"
                " NULL, NULL, '{\"email\": \"ada@example.com\"}'::jsonb, NULL)"
                "::procrastinate_job_to_defer_v1])"))
        assert arrived.wait(60), "the launcher's worker never ran the job"
        os.killpg(launcher.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        release.set()
        rest, _ = launcher.communicate(timeout=120)
    finally:
        release.set()
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
        smtp.stop()
    output = "".join(lines) + rest
    assert launcher.returncode == 0, output
    assert "Stop requested" in output and "Stopped worker" in output
    # The jobs in flight at Ctrl-C (ours, and emails the demo queued; 4 run side by side)
    # finished: each message was accepted and its row marked sent; none was left half-done.
    accepted = Counter(m.rcpt_tos[0] for m in smtp.messages)
    assert accepted
    with engine.connect() as conn:
        sent = Counter(conn.execute(sa.text(
            "SELECT to_address FROM email_outbox WHERE status = 'sent'")).scalars())
        assert sent == accepted
        assert conn.execute(sa.text(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")).scalar() == 0
    engine.dispose()
