"""Races with real concurrent connections: exactly one winner, everyone else a clear answer."""
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.errors import ValidationFailed
from buildstory.identity import services
from buildstory.profiles.models import Profile
from tests.helpers import N, run_concurrently

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_many_concurrent_claims_of_one_username_one_wins(app, committed):
    def claim(session, i):
        return services.sign_up(session, email=f"racer{i}@example.com", password="long enough pw",
                                username="hotname", hasher=HASHER, now=services.utcnow()).id

    results = run_concurrently(app, claim)
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "error"]
    assert len(wins) == 1
    assert len(losses) == N - 1
    assert all(isinstance(e, ValidationFailed) and e.errors == {"username": "Username is already taken"}
               for e in losses)


def test_concurrent_first_requests_create_exactly_one_profile(app, committed):
    results = run_concurrently(app, lambda s, i: services.ensure_profile(s, "user_firsttimer").id)
    assert {r[0] for r in results} == {"ok"}
    assert len({r[1] for r in results}) == 1
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Profile)
                                  .where(Profile.clerk_id == "user_firsttimer"))
    assert count == 1
