"""Rate limits that cannot be multiplied, reset or turned against an account's owner."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from buildstory.clock import utcnow
from buildstory.identity import tokens
from buildstory.identity.models import Account
from tests.conftest import TEST_PASSWORD, Client
from tests.factories import AccountFactory

ROOT = Path(__file__).resolve().parents[2]


def _gunicorn(*args, **env):
    """Start gunicorn with the production config file; it must refuse before serving."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY", "RATELIMIT_ENABLED")}
    environ.update({"BUILDSTORY_ENV": "production", "SECRET_KEY": "k" * 40,
                    "PUBLIC_URL": "https://buildstory.example.com", "MAIL_URL": "log:",
                    "DATABASE_URL": "postgresql://localhost/unused", **env})
    return subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "-b", "127.0.0.1:0", *args, "wsgi:app"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=60)


def test_production_with_several_workers_refuses_memory_storage():
    for args, env in ((["-w", "2"], {}), ([], {"WEB_CONCURRENCY": "3"})):
        r = _gunicorn(*args, **env)
        assert r.returncode != 0
        assert "RATELIMIT_STORAGE_URI is memory://" in r.stderr, r.stderr[-1500:]
        assert "Booting worker" not in r.stderr


def test_rotating_made_up_cookies_does_not_reset_a_per_browser_limit(app, client, monkeypatch):
    """The username check is per browser (its CSRF cookie). A cookie this site did not
    issue counts on the address, so a fresh random cookie per request gains nothing."""
    monkeypatch.setitem(app.config, "RATE_USERNAME_BROWSER", "3 per minute")
    answers = []
    for _ in range(4):
        rotating = Client(app, client.session)
        rotating.raw.set_cookie("bs_csrf", secrets.token_urlsafe(32))
        answers.append(rotating.get("/username-check?username=somebody").status_code)
    assert answers == [200, 200, 200, 429]
    # A browser holding a cookie the site issued keeps its own bucket.
    client.get("/sign-in")
    assert client.get("/username-check?username=somebody").status_code == 200


def test_a_locked_email_owner_signs_in_through_the_password_reset(app, db_session, caplog):
    """Anyone may exhaust the per-email sign-in limit of a known address. Its owner still
    gets in: the reset link emailed to them signs them in, and signing in with the new
    password works at once everywhere (the reset clears the lock)."""
    AccountFactory(email="owner@example.com")
    attacker = Client(app, db_session)
    for _ in range(10):
        attacker.post("/sign-in", {"email": "owner@example.com", "password": "guess guess"})
    owner = Client(app, db_session)
    locked = owner.post("/sign-in", {"email": "owner@example.com", "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert owner.post("/forgot-password", {"email": "owner@example.com"}).status_code == 200
    # the request queued the mail job; the link it mails is minted like this (the job
    # itself runs on committed data: tests/web/test_email.py)
    assert db_session.scalar(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE "
                                     "task_name = 'mail.password_reset'")) == 1
    account = db_session.scalar(sa.select(Account).where(Account.email == "owner@example.com"))
    link = "/reset-password/" + tokens.encode_reset(account, app.config["SECRET_KEY"],
                                                    now=utcnow())
    assert owner.get(link).status_code == 200
    r = owner.post(link, {"new_password": "a brand new password"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert owner.get("/dashboard").status_code == 200
    elsewhere = Client(app, db_session)
    r = elsewhere.post("/sign-in", {"email": "owner@example.com",
                                    "password": "a brand new password"})
    assert r.status_code == 303
