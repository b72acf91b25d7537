"""Read routing: the public read-only pages may read from a streaming read replica.

With ``DATABASE_REPLICA_URL`` set, a GET (or HEAD) of one of ``REPLICA_ENDPOINTS`` — the
member directory, profiles, projects, the showcase, the feed and posts — sends its plain
reads to the replica (``db.Session.get_bind``). Everything else stays on the primary:

* every other page, every POST, and anything that writes or locks (a write during a GET
  sends the rest of that request to the primary too);
* the signed-in builder's session and profile, loaded before the page decides (a signed-out
  session is never honoured from a lagging copy);
* a browser that wrote in the last ``READ_YOUR_WRITES_SECONDS`` (default 10): any POST
  answer sets a short-lived cookie, and while it lasts that browser reads the primary, so
  a builder sees their own change at once while other visitors may see the replica's
  copy a moment later;
* any request while the replica does not answer: the first failed connection marks it
  down for ``REPLICA_RETRY_SECONDS`` (default 5) and those pages read the primary.

Without ``DATABASE_REPLICA_URL`` nothing here is installed.
"""
from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from sqlalchemy import event, exc

from ..db import REPLICA, db, writes_or_locks

log = logging.getLogger(__name__)

REPLICA_ENDPOINTS = frozenset({
    "profiles.members", "profiles.profile",
    "projects.index", "projects.show", "projects.profile_projects", "projects.profile_events",
    "showcase.index", "showcase.submission",
    "buildlogs.feed", "buildlogs.show", "buildlogs.project_updates", "buildlogs.activity",
})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ = ("SELECT", "WITH")


class ReplicaRouter:
    """The replica's engine and whether it answered lately (one per app and process)."""

    def __init__(self, engine, retry_seconds: float):
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        """True when the replica answers: a pooled connection is checked out (and pinged),
        or a new one made. A failure marks it down for ``retry_seconds``."""
        if time.monotonic() < self._down_until:
            return False
        try:
            with self.engine.connect():
                return True
        except exc.DBAPIError as error:
            with self._lock:
                self._down_until = time.monotonic() + self.retry_seconds
            log.warning("read replica unavailable, reading the primary for %.0f s: %s",
                        self.retry_seconds, str(error).splitlines()[0])
            return False


def _choose() -> None:
    """before_request (after the builder is loaded): use the replica for this request?"""
    router: ReplicaRouter = current_app.extensions["buildstory_replica"]
    cookie = current_app.config["READ_PRIMARY_COOKIE_NAME"]
    if (request.method in SAFE_METHODS and request.endpoint in REPLICA_ENDPOINTS
            and not request.cookies.get(cookie) and router.available()):
        g.setdefault(REPLICA, router.engine)


def _mark_writer(response):
    """after_request: a browser that posted reads the primary for a few seconds."""
    if request.method not in SAFE_METHODS:
        cfg = current_app.config
        response.set_cookie(cfg["READ_PRIMARY_COOKIE_NAME"], "1",
                            max_age=max(1, int(cfg["READ_YOUR_WRITES_SECONDS"])),
                            httponly=True, samesite="Lax", secure=cfg["SESSION_COOKIE_SECURE"])
    return response


def _wrote(conn, cursor, statement, parameters, context, executemany) -> None:
    """A statement on the primary that writes or locks ends the request's replica use: the
    request is in a write transaction now, and reads what it wrote."""
    if has_request_context() and g.get(REPLICA) is not None \
            and (not statement.lstrip()[:6].upper().startswith(_READ)
                 or writes_or_locks(statement)):
        g.pop(REPLICA, None)


def init_replica(app) -> None:
    """Create the replica's engine and install the routing (only with a replica URL)."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    connect_args = dict(options.get("connect_args", {}))
    # A replica that is down must not hold requests: give up connecting quickly.
    connect_args["connect_timeout"] = min(2, int(connect_args.get("connect_timeout", 2)))
    options["connect_args"] = connect_args
    engine = sa.create_engine(url, **options)
    app.extensions["buildstory_replica"] = ReplicaRouter(
        engine, float(app.config["REPLICA_RETRY_SECONDS"]))
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _wrote)
    app.before_request(_choose)
    app.after_request(_mark_writer)
