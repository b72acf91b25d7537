"""A small in-process TTL cache for numbers that need not be real-time.

Event stats (sign-ups, projects, solo/team, countries over tens of thousands of
registrations), the admin dashboard's charts and the admin user tabs' counts are
aggregates: exact to the second they are not worth a scan on every page view. They are
kept here for ``STATS_CACHE_SECONDS`` (default 30; 0 turns caching off, as the tests do)
per worker process.

Thread-safe: one lock guards the table, and a per-key lock makes sure only one thread
recomputes an expired value while the others keep answering with the previous one
(stale-while-revalidate), so an expiry never stalls a burst of requests. Values must be
plain data (ints, dicts, tuples), never ORM objects bound to a session.

A change that the person making it expects to see at once (registering for an event,
hiding a builder) calls ``invalidate(prefix)`` after its commit: this process forgets the
matching entries; other processes catch up within the TTL.

Several app servers: with ``CACHE_URL=redis://…`` the values live in Redis instead
(``RedisCache``), shared by every process, and ``invalidate`` forgets them for all — the
registrant sees the new count whichever server answers next. Should Redis not answer,
the value is computed (the page is served, only slower) and a warning logged.
"""
from __future__ import annotations

import logging
import pickle
import re
import threading
import time
from typing import Any, Callable, Hashable

from flask import current_app, has_app_context

DEFAULT_SECONDS = 30
MAX_ENTRIES = 2048

_MISSING = object()


class TTLCache:
    """A thread-safe mapping of key → (expires_at, value) with stale-while-revalidate."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any], ttl: float) -> Any:
        """Return the cached value of ``key``, computing it when missing or expired.

        While one thread recomputes an expired value, others get the stale one.
        """
        now = time.monotonic()
        entry = self._data.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        if entry is not None and not key_lock.acquire(blocking=False):
            return entry[1]  # someone is already refreshing it
        if entry is None:
            key_lock.acquire()
        try:
            fresh = self._data.get(key)
            if fresh is not None and fresh[0] > time.monotonic():
                return fresh[1]  # computed while we waited
            value = compute()
            with self._lock:
                if len(self._data) >= self.max_entries:
                    self._evict()
                self._data[key] = (time.monotonic() + ttl, value)
            return value
        finally:
            key_lock.release()

    def _evict(self) -> None:
        """Drop expired entries, or the oldest half when none has expired (lock held)."""
        now = time.monotonic()
        expired = [k for k, (at, _) in self._data.items() if at <= now]
        if not expired:
            expired = sorted(self._data, key=lambda k: self._data[k][0])[:len(self._data) // 2]
        for k in expired:
            self._data.pop(k, None)
            self._locks.pop(k, None)

    def invalidate(self, prefix: tuple = ()) -> None:
        """Forget every entry whose key (a tuple) starts with ``prefix`` (all for ``()``)."""
        n = len(prefix)
        with self._lock:
            doomed = [k for k in self._data
                      if n == 0 or (isinstance(k, tuple) and k[:n] == prefix)]
            for k in doomed:
                self._data.pop(k, None)


log = logging.getLogger(__name__)
_GLOB = re.compile(r"([*?\[\]\\])")


class RedisCache:
    """The same interface as ``TTLCache`` over a Redis server shared by every process.

    A key tuple is stored as its parts' ``repr`` joined by a separator, so a prefix of the
    tuple is a prefix of the name (``invalidate`` deletes by a SCAN of that prefix). Values
    are pickled: they are plain data from this code, in the operator's own Redis.
    """

    SEP = "\x1f"

    def __init__(self, url: str, namespace: str = "buildstory:cache:"):
        import redis
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.namespace = namespace

    def _name(self, key: tuple) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return self.namespace + "".join(repr(p) + self.SEP for p in parts)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any], ttl: float) -> Any:
        import redis
        name = self._name(key)
        try:
            raw = self.client.get(name)
        except redis.RedisError as error:
            log.warning("cache unavailable, computing %s: %s", name, error)
            return compute()
        if raw is not None:
            return pickle.loads(raw)
        value = compute()
        try:
            self.client.set(name, pickle.dumps(value), px=max(1, int(ttl * 1000)))
        except redis.RedisError as error:
            log.warning("cache unavailable, not storing %s: %s", name, error)
        return value

    def invalidate(self, prefix: tuple = ()) -> None:
        import redis
        pattern = _GLOB.sub(r"\\\1", self._name(tuple(prefix))) + "*"
        try:
            names = list(self.client.scan_iter(match=pattern, count=1000))
            if names:
                self.client.delete(*names)
        except redis.RedisError as error:
            log.warning("cache unavailable, %s not invalidated: %s", pattern, error)


def stats_cache() -> TTLCache | RedisCache:
    """Return the current app's cache (one per app, so two apps never share values):
    Redis when ``CACHE_URL`` names one, else this process's memory."""
    found = current_app.extensions.get("buildstory_stats_cache")
    if found is None:
        url = current_app.config.get("CACHE_URL")
        found = current_app.extensions.setdefault(
            "buildstory_stats_cache", RedisCache(url) if url else TTLCache())
    return found


def ttl_seconds() -> float:
    """Return STATS_CACHE_SECONDS of the current app (0 outside an app context)."""
    if not has_app_context():
        return 0
    return float(current_app.config.get("STATS_CACHE_SECONDS", DEFAULT_SECONDS))


def cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, kept for STATS_CACHE_SECONDS under ``key`` (a tuple that
    starts with the kind of value, e.g. ``("event_stats", event.id)``).

    With STATS_CACHE_SECONDS = 0 every call computes (and nothing is stored).
    """
    ttl = ttl_seconds()
    if ttl <= 0:
        return compute()
    return stats_cache().get_or_compute(key, compute, ttl)


def invalidate(*prefix) -> None:
    """Forget this process's cached values whose key starts with ``prefix``."""
    if has_app_context():
        stats_cache().invalidate(tuple(prefix))
