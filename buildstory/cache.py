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
"""
from __future__ import annotations

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


def stats_cache() -> TTLCache:
    """Return the current app's cache (one per app, so two apps never share values)."""
    return current_app.extensions.setdefault("buildstory_stats_cache", TTLCache())


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
