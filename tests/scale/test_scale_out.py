"""Scale-out, for real: two app servers behind nginx, Redis, PgBouncer, a read replica.

Every request goes over real sockets: this test → nginx (round robin) → one of two
gunicorn servers of ``wsgi.py`` → PgBouncer (transaction pooling) → PostgreSQL, with rate
limits and the stats cache in Redis and the public pages reading a streaming replica
(``tests/scale/conftest.py`` starts and stops them all).
"""
from __future__ import annotations

import re

import pytest
import redis
import sqlalchemy as sa

from buildstory.db import db
from tests.conftest import TEST_PASSWORD
from tests.factories import AccountFactory, ProfileFactory

from .conftest import Visitor

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
    team = owner.get("/projects/difference-engine")
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
