"""The database-counted limits: gap and count, Retry-After from the counted rows, and the
limit holding under concurrent requests of one builder."""
from datetime import timedelta

import pytest
from buildstory import ratelimits
from buildstory.audit import AuditLog
from tests.helpers import count, now, outcomes, run_concurrently, setup
from tests.factories import AuditLogFactory, ProfileFactory, utcnow

# Audit rows of an actor stand in for "the builder's rows" of a feature.
LIMIT = ratelimits.Limit(count=3, window=timedelta(hours=1), count_message="Three an hour",
                         gap=timedelta(seconds=10), gap_message="Wait ten seconds")


def enforce(session, profile, now):
    ratelimits.enforce(session, LIMIT, scope="test", profile_id=profile.id,
                       created_at=AuditLog.created_at,
                       where=AuditLog.actor_profile_id == profile.id, now=now)


def test_gap_then_count_with_retry_after_from_the_rows(db_session):
    profile, now = ProfileFactory(), utcnow()
    AuditLogFactory(actor_profile_id=profile.id, created_at=now - timedelta(seconds=4))
    with pytest.raises(ratelimits.RateLimited) as gap:
        enforce(db_session, profile, now)
    assert (gap.value.message, gap.value.retry_after, gap.value.status) == \
        ("Wait ten seconds", 6, 429)
    AuditLogFactory(actor_profile_id=profile.id, created_at=now - timedelta(minutes=50))
    enforce(db_session, profile, now + timedelta(seconds=6))  # two in the hour: allowed
    AuditLogFactory(actor_profile_id=profile.id, created_at=now - timedelta(minutes=20))
    with pytest.raises(ratelimits.RateLimited) as full:
        enforce(db_session, profile, now + timedelta(seconds=20))
    # the oldest counted row (50 minutes old) leaves the hour in 10 minutes less 20 s
    assert (full.value.message, full.value.retry_after) == ("Three an hour", 580)
    other = ProfileFactory()
    enforce(db_session, other, now)  # another builder's rows never count


def test_the_limit_holds_under_concurrent_requests(committed):
    app = committed
    profile_id = setup(app, lambda: ProfileFactory().id)
    limit = ratelimits.Limit(count=5, window=timedelta(hours=1), count_message="Five an hour")
    start = now()

    def attempt(session, i):
        ratelimits.enforce(session, limit, scope="test-race", profile_id=profile_id,
                           created_at=AuditLog.created_at,
                           where=AuditLog.actor_profile_id == profile_id, now=start)
        session.add(AuditLog(actor_profile_id=profile_id, action="race", created_at=start))

    oks, errors = outcomes(run_concurrently(app, attempt))
    assert len(oks) == 5 and len(errors) == 7
    assert {type(e) for e in errors} == {ratelimits.RateLimited}
    assert count(app, AuditLog, AuditLog.actor_profile_id == profile_id) == 5
