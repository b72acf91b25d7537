"""The stats cache in Redis (``cache.RedisCache``, ``CACHE_URL``), against a real Redis."""
from __future__ import annotations

import uuid

import pytest
import redis

from buildstory.cache import RedisCache

pytestmark = pytest.mark.scale


@pytest.fixture
def shared(redis_server):
    url = f"redis://127.0.0.1:{redis_server}/2"
    redis.Redis.from_url(url).flushdb()
    return url


def test_two_processes_share_values_and_forget_them_together(shared):
    one, two = RedisCache(shared), RedisCache(shared)  # two app servers
    event, other = uuid.uuid4(), uuid.uuid4()
    calls = []

    def count(value):
        def compute():
            calls.append(value)
            return {"signups": value, "countries": ("SE", "[*?]")}
        return compute

    assert one.get_or_compute(("event_stats", event), count(1), 30)["signups"] == 1
    assert two.get_or_compute(("event_stats", event), count(2), 30)["signups"] == 1
    two.get_or_compute(("event_stats", other), count(3), 30)
    two.get_or_compute(("event_stats_x", event), count(4), 30)
    assert calls == [1, 3, 4]
    one.invalidate(("event_stats", event))  # a registration on server one …
    assert two.get_or_compute(("event_stats", event), count(5), 30)["signups"] == 5  # … seen by two
    assert two.get_or_compute(("event_stats", other), count(6), 30)["signups"] == 3
    assert two.get_or_compute(("event_stats_x", event), count(7), 30)["signups"] == 4
    one.invalidate(("event_stats",))  # a whole kind (glob characters in keys are literal)
    assert two.get_or_compute(("event_stats", other), count(8), 30)["signups"] == 8
    assert two.get_or_compute(("event_stats_x", event), count(9), 30)["signups"] == 4


def test_values_expire_after_their_seconds(shared):
    cache = RedisCache(shared)
    cache.get_or_compute(("admin_user_counts",), lambda: 1, 30)
    ttl = redis.Redis.from_url(shared).pttl(cache._name(("admin_user_counts",)))
    assert 0 < ttl <= 30_000


def test_a_missing_redis_computes_instead_of_failing():
    with socket_free_port() as port:
        cache = RedisCache(f"redis://127.0.0.1:{port}/0")
        assert cache.get_or_compute(("event_stats", 1), lambda: 42, 30) == 42
        cache.invalidate(("event_stats",))  # logged, not raised


class socket_free_port:
    """A loopback port nothing listens on (held bound, not listening, meanwhile)."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()
