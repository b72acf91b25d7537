"""Scale-out, for real: two app servers behind nginx, Redis, PgBouncer, a read replica.

Every request goes over real sockets: this test → nginx (round robin) → one of two
gunicorn servers of ``wsgi.py`` → PgBouncer (transaction pooling) → PostgreSQL, with rate
limits and the stats cache in Redis and the public pages reading a streaming replica
(``tests/scale/conftest.py`` starts and stops them all).
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading

import pytest
import redis
import sqlalchemy as sa

from buildstory.db import db
from buildstory.mail import services as mail
from buildstory.mail.models import EmailOutbox
from tests.conftest import TEST_PASSWORD
from tests.factories import AccountFactory, EventFactory
from tests.mailserver import MailServer

from .conftest import ROOT, Visitor, app_env, wait_until

pytestmark = pytest.mark.scale


@pytest.fixture
def served():
    return []


@pytest.fixture
def fresh(committed, redis_server, replica):
    """Committed data truncated after each test; Redis emptied before it (rate-limit
    counters and cached numbers of an earlier test), the replica caught up after."""
    redis.Redis(port=redis_server).flushall()
    yield committed
    replica.set_apply_delay("0")


def alternating(served: list[str]) -> None:
    assert len(set(served)) == 2, served
    for before, after in zip(served, served[1:]):
        assert before != after, f"two requests in a row went to {before}: {served}"


def sign_up(visitor: Visitor, username: str):
    r = visitor.post("/sign-up", {"username": username, "email": f"{username}@example.com",
                                  "password": "long enough pw"})
    assert r.status == 303, r.text[:500]
    return r


def test_a_builder_signs_up_edits_settings_and_joins_a_team_across_both_servers(
        balancer, fresh, served):
    owner, joiner = Visitor(balancer, served), Visitor(balancer, served)
    sign_up(owner, "ada")
    sign_up(joiner, "grace")
    # Settings saved on one server, read back on the other.
    r = owner.post("/settings", {"display_name": "Ada Lovelace", "username": "ada",
                                 "bio": "Engines of analysis", "allow_invites": "1"})
    assert r.status in (200, 303), r.text[:500]
    page = owner.get("/settings")
    assert 'value="Ada Lovelace"' in page.text and "Engines of analysis" in page.text
    joiner.post("/settings", {"display_name": "Grace Hopper", "username": "grace",
                              "allow_invites": "1"})
    r = owner.post("/projects/new", {"name": "Difference Engine", "slug": "difference-engine",
                                     "description": "Tables by machine",
                                     "starting_point": "new"})
    assert r.status == 303 and r.headers["Location"].endswith("/projects/difference-engine"), \
        r.text[:500]
    r = owner.post("/projects/difference-engine/invites", {"username": "grace"})
    assert r.status in (200, 303), r.text[:500]
    inbox = joiner.get("/invites")
    [invite_id] = re.findall(r'action="/invites/([0-9a-f-]+)/accept"', inbox.text)
    r = joiner.post(f"/invites/{invite_id}/accept", {})
    assert r.status in (200, 303), r.text[:500]
    team = joiner.get("/projects/difference-engine")  # who just wrote: the primary
    assert "Grace Hopper" in team.text
    alternating(served)


def test_the_username_check_limit_is_shared_by_both_servers(balancer, fresh, served):
    visitor = Visitor(balancer, served)
    visitor.token()  # the browser's CSRF cookie: the limit is per browser
    answers = [visitor.get(f"/username-check?username=free{n}").status for n in range(60)]
    assert answers == [200] * 60
    # The 61st and 62nd within the minute are refused, whichever server answers them.
    refused = [visitor.get("/username-check?username=one-more") for _ in range(2)]
    assert [r.status for r in refused] == [429, 429]
    assert refused[0].getheader("Retry-After")
    assert served[-1] != served[-2]
    alternating(served)



def participants(page) -> int:
    match = re.search(r"<dt>Participants</dt><dd>(\d+)</dd>", page.text)
    assert match, page.text[:500]
    return int(match.group(1))


def test_cached_counts_are_shared_and_a_registrant_sees_theirs_on_both_servers(
        balancer, fresh, served):
    """The event's counts are cached for 30 s; registering forgets them for every server
    (in Redis), not only in the process that took the registration."""
    with fresh.app_context():
        EventFactory(slug="build-week")
        email = AccountFactory(email="ada@example.com").email
        db.session.commit()
    visitor, builder = Visitor(balancer, served), Visitor(balancer, served)
    assert [participants(visitor.get("/events/build-week")) for _ in range(2)] == [0, 0]
    _sign_in(builder, email)
    r = builder.post("/events/build-week/register", {"team_preference": "solo"})
    assert r.status == 303, r.text[:500]
    assert [participants(builder.get("/events/build-week")) for _ in range(2)] == [1, 1]
    assert [participants(visitor.get("/events/build-week")) for _ in range(2)] == [1, 1]
    alternating(served)

# --- Background jobs on two workers -------------------------------------------------------

@pytest.fixture
def two_workers(app, scale_dir, procs, pgbouncer, redis_server, cluster):
    """``start()`` two ``flask worker`` processes, each delivering to its own SMTP server
    on loopback, so every email tells which worker ran its job; ``stop()`` sends them
    SIGTERM (running jobs finish) and waits. Yields (start, stop, servers, arrived)."""
    arrived = threading.Semaphore(0)
    servers = [MailServer(), MailServer()]
    for server in servers:
        def counted(*args, _deliver=server.handler.handle_DATA):
            async def run():
                answer = await _deliver(*args)
                arrived.release()
                return answer
            return run()
        server.handler.handle_DATA = counted
    started = []

    def start():
        for server in servers:
            env = app_env(app, scale_dir, pgbouncer=pgbouncer, redis_port=redis_server,
                          MAIL_URL=server.url(), MAIL_FROM="Buildstory <no-reply@example.com>",
                          JOBS_DATABASE_URL=cluster.url("buildstory_test"))
            started.append(procs.start([sys.executable, "-m", "flask", "worker",
                                        "--concurrency", "2", "--queue", "mail"],
                                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                       stderr=open(scale_dir / "worker.log", "a")))

    def stop():
        for proc in started:
            procs.stop(proc)

    yield start, stop, servers, arrived
    stop()
    for server in servers:
        server.stop()


def _workers(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.text("SELECT count(*) FROM procrastinate_workers"))


def test_jobs_run_on_two_workers_and_none_runs_twice(fresh, two_workers):
    start, stop, servers, arrived = two_workers
    count = 24
    start()
    # Both workers are up (each registers itself when it starts) before any job exists,
    # so neither can drain the queue alone while the other is still starting.
    wait_until(lambda: _workers(fresh) >= 2, "two flask workers", deadline=60)
    with fresh.app_context():
        emails = [AccountFactory(email=f"worker{n}@example.com").email for n in range(count)]
        for email in emails:
            mail.queue_email(db.session, kind="password_reset", dedupe_key=f"reset:{email}",
                             to_address=email)
        db.session.commit()
    for n in range(count):
        assert arrived.acquire(timeout=60), f"only {n} of {count} emails were delivered"
    stop()
    # Both workers took jobs; every job ran once: each address got exactly one email,
    # none more arrived before the workers stopped, and every outbox row was sent once.
    two_workers_ran = [sorted(r for m in server.messages for r in m.rcpt_tos)
                       for server in servers]
    assert all(two_workers_ran), [len(r) for r in two_workers_ran]
    with fresh.app_context():
        statuses = db.session.execute(sa.select(EmailOutbox.status, EmailOutbox.attempts)
                                      ).all()
    assert sorted(two_workers_ran[0] + two_workers_ran[1]) == sorted(emails)
    assert len(statuses) == count
    assert {(status.value, attempts) for status, attempts in statuses} == {("sent", 1)}


# --- The read replica ---------------------------------------------------------------------

def _builder(app, replica, username: str = "ada") -> str:
    """A builder with a bio, committed on the primary and replayed by the replica."""
    with app.app_context():
        account = AccountFactory(email=f"{username}@example.com", profile__username=username,
                                 profile__display_name="Ada Lovelace",
                                 profile__bio="Old bio from the primary")
        db.session.commit()
        email = account.email
    replica.wait_caught_up()
    return email


def _second_builder(app) -> str:
    """A builder committed on the primary only (the replica is held back meanwhile)."""
    with app.app_context():
        account = AccountFactory(email="grace@example.com", profile__username="grace")
        db.session.commit()
        return account.email


def _sign_in(visitor: Visitor, email: str) -> None:
    r = visitor.post("/sign-in", {"email": email, "password": TEST_PASSWORD})
    assert r.status == 303, r.text[:500]


def test_public_pages_read_the_replica_while_the_writer_reads_their_own_writes(
        balancer, fresh, replica, served):
    email = _builder(fresh, replica)
    writer, visitor = Visitor(balancer, served), Visitor(balancer, served)
    _sign_in(writer, email)
    replica.set_apply_delay("1h")  # the replica receives, but applies nothing new
    r = writer.post("/settings", {"display_name": "Ada King", "username": "ada",
                                  "bio": "New bio, just saved"})
    assert r.status in (200, 303), r.text[:500]
    assert "bs_wrote" in writer.cookies
    for _ in range(2):  # whichever server answers
        mine = writer.get("/profiles/ada")
        assert "New bio, just saved" in mine.text
        theirs = visitor.get("/profiles/ada")
        assert theirs.status == 200
        assert "Old bio from the primary" in theirs.text and "New bio" not in theirs.text
        directory = visitor.get("/members?q=ada")
        assert "Ada Lovelace" in directory.text and "Ada King" not in directory.text
        assert "Ada King" in writer.get("/members?q=ada").text
    # A signed-in builder who has not written lately reads the replica like anyone.
    other = Visitor(balancer, served)
    _sign_in(other, _second_builder(fresh))
    other.cookies.pop("bs_wrote")
    assert "Old bio from the primary" in other.get("/profiles/ada").text
    replica.set_apply_delay("0")
    replica.wait_caught_up()
    assert "New bio, just saved" in visitor.get("/profiles/ada").text
    alternating(served)


def test_reads_fall_back_to_the_primary_when_the_replica_is_down(
        balancer, fresh, replica, served):
    _builder(fresh, replica)
    replica.set_apply_delay("1h")
    with fresh.app_context():
        db.session.execute(sa.text("UPDATE profiles SET bio = 'Changed on the primary' "
                                   "WHERE username = 'ada'"))
        db.session.commit()
    visitor = Visitor(balancer, served)
    page = visitor.get("/profiles/ada")
    assert "Old bio from the primary" in page.text  # the replica
    replica.stop()
    try:
        for _ in range(2):  # both servers notice on their own
            page = visitor.get("/profiles/ada")
            assert page.status == 200 and "Changed on the primary" in page.text
            assert visitor.get("/members?q=ada").status == 200
    finally:
        replica.start()
