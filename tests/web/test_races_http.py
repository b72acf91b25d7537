"""Moderators pressing the same button at the same instant, through the real app.

Each moderator is a separate browser (its own session and CSRF cookie) on its own
connection; half of them use htmx. One action lands, everyone else gets the rule's
answer (409 "User is already banned", or 404 for a user deleted meanwhile) — never a 500 —
and the audit log holds exactly one row.
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.db import db
from buildstory.identity import services, tokens
from tests.conftest import Client
from tests.factories import ProfileFactory

N = 8


def browsers(app, n, **trait):
    """``n`` signed-in staff browsers (committed sessions) and their CSRF tokens."""
    with app.app_context():
        cookies = []
        for _ in range(n):
            profile = ProfileFactory(**trait)
            row = services.create_session(db.session, profile.clerk_id, user_agent="race",
                                          now=services.utcnow(), lifetime_days=1)
            cookies.append(tokens.encode_session(row))
        db.session.commit()
        db.session.remove()
    clients = []
    for cookie in cookies:
        c = Client(app)
        c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        c.token = c.csrf()
        clients.append(c)
    return clients


def at_once(clients, path, data):
    """POST ``data`` to ``path`` from every client at the same moment; odd ones use htmx."""
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def go(i, c):
        htmx = i % 2 == 1
        headers = {"X-CSRF-Token": c.token} if htmx else {}
        body = data if htmx else {**data, "csrf_token": c.token}
        barrier.wait()
        responses[i] = c.post(path, body, csrf=False, htmx=htmx, headers=headers)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return responses


def audit_rows(app, action):
    with app.app_context():
        value = db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == action))
        db.session.remove()
    return value


def make_target(app, **kw):
    with app.app_context():
        target = ProfileFactory(**kw)
        db.session.commit()
        target_id = target.id
        db.session.remove()
    return target_id


def test_two_bans_at_once_one_lands_the_other_is_told(committed):
    app = committed
    target = make_target(app)
    responses = at_once(browsers(app, N, moderator=True), f"/moderation/profiles/{target}/ban",
                        {"confirm": "yes", "reason": "spam"})
    statuses = sorted(r.status_code for r in responses)
    assert all(s < 500 for s in statuses), statuses
    losers = [r for r in responses if r.status_code == 409]
    assert len(losers) == N - 1, statuses
    assert all("User is already banned" in r.get_data(as_text=True) for r in losers)
    assert audit_rows(app, "ban_user") == 1


def test_two_deletes_at_once_one_lands_the_rest_are_not_found(committed):
    app = committed
    target = make_target(app, username="doomed")
    responses = at_once(browsers(app, N, admin=True), f"/admin/users/{target}/delete",
                        {"confirm_username": "doomed"})
    statuses = sorted(r.status_code for r in responses)
    assert all(s < 500 for s in statuses), statuses
    assert statuses.count(404) == N - 1, statuses
    assert audit_rows(app, "delete_user") == 1


def test_hide_racing_delete_never_fails(committed):
    app = committed
    target = make_target(app, username="slippery")
    admins = browsers(app, N, admin=True)
    barrier = threading.Barrier(N)
    responses = [None] * N

    def go(i, c):
        htmx = i % 4 in (1, 3)
        path, data = ((f"/admin/users/{target}/delete", {"confirm_username": "slippery"})
                      if i % 2 else (f"/moderation/profiles/{target}/hide", {"confirm": "yes"}))
        headers = {"X-CSRF-Token": c.token} if htmx else {}
        body = data if htmx else {**data, "csrf_token": c.token}
        barrier.wait()
        responses[i] = c.post(path, body, csrf=False, htmx=htmx, headers=headers)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(admins)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = [r.status_code for r in responses]
    assert all(s in (200, 303, 404, 409) for s in statuses), statuses
    assert audit_rows(app, "delete_user") == 1 and audit_rows(app, "hide_user") <= 1
