"""Fan-outs on committed data: the real worker writes them, a crash resumes, two runs at
once still leave exactly one notification per recipient, and the batch's throughput.

The throughput test seeds ``FANOUT_BENCH_N`` registrants (2,000 by default, cheap in CI)
and prints notifications per second; the figure in the README comes from
``FANOUT_BENCH_N=150000 .venv/bin/pytest tests/domain/test_notifications_fanout.py -k throughput -s -p no:cacheprovider``.
"""
from __future__ import annotations

import os
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from buildstory.db import db
from buildstory.enums import EventStatus, NotificationType as T
from buildstory.events import services as event_services
from buildstory.models import Event, Notification, NotificationFanout, Profile
from buildstory.notifications import fanout, queries, registry
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory
from tests.helpers import job_statuses, run_jobs, setup

pytestmark = pytest.mark.committed


def engine(app):
    with app.app_context():
        return db.engine


def seed_registrants(app, n: int, *, banned: int = 0):
    """An active event with ``n`` registrants (``banned`` of them banned), by SQL."""
    def make():
        event = EventFactory(active=True, name="Big Jam")
        db.session.flush()
        db.session.execute(sa.text(
            "INSERT INTO profiles (clerk_id, display_name, username, banned_at) "
            "SELECT 'fan_' || g, 'Fan ' || g, 'fan-' || g, "
            "CASE WHEN g <= :banned THEN now() END FROM generate_series(1, :n) g"),
            {"n": n, "banned": banned})
        db.session.execute(sa.text(
            "INSERT INTO event_registrations (event_id, profile_id, team_preference) "
            "SELECT :event, id, 'solo' FROM profiles WHERE clerk_id LIKE 'fan\\_%'"),
            {"event": event.id})
        return event.id
    return setup(app, make)


def start(app, event_id):
    with Session(engine(app)) as session:
        fid = fanout.fan_out(session, T.event_status, audience="event_registrants",
                             subject_id=event_id, title="Big Jam", event_id=event_id,
                             dedupe_key=registry.event_status_key(event_id, "active"))
        session.commit()
    return fid


def per_recipient(app):
    with engine(app).connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT count(*) AS n, count(DISTINCT recipient_id) AS people FROM notifications"
        )).one()._mapping)


def test_an_event_going_live_notifies_every_registrant_once_through_the_worker(committed):
    app = committed

    def make():
        admin = ProfileFactory(admin=True)
        event = EventFactory(open=True, name="Spring Jam")
        people = [ProfileFactory() for _ in range(3)] + [ProfileFactory(banned=True), admin]
        for person in people:
            EventRegistrationFactory(event=event, profile=person)
        ProfileFactory()  # not registered
        return event.id, admin.id, [p.id for p in people[:3]]
    event_id, admin_id, expected = setup(app, make)

    def move(status):
        with app.app_context():
            event, admin = db.session.get(Event, event_id), db.session.get(Profile, admin_id)
            event_services.transition_status(db.session, admin, event, status)
            db.session.commit()
            db.session.remove()

    move(EventStatus.active)
    assert list(job_statuses(app)) == ["todo"]  # the request only deferred
    run_jobs(app)
    move(EventStatus.open)
    move(EventStatus.active)  # back and forth: once ever
    run_jobs(app)
    with app.app_context():
        got = db.session.execute(sa.select(Notification.recipient_id, Notification.type)).all()
        fan = db.session.scalars(sa.select(NotificationFanout)).one()
        profile = db.session.get(Profile, expected[0])
        items = queries.page(db.session, profile).items
        db.session.remove()
    assert sorted(r[0] for r in got) == sorted(expected)  # not banned, not the admin who acted
    assert {r[1] for r in got} == {T.event_status}
    assert fan.finished_at is not None and fan.sent == 3
    assert [i.sentence for i in items] == ["Spring Jam is live"]
    assert job_statuses(app) == {}


def test_judging_and_complete_each_tell_every_registrant_once_through_the_worker(committed):
    """Past live, an event moving into judging and then complete is announced to every
    registrant once each, newest first in their list; moving back out of complete and in
    again adds nothing."""
    app = committed

    def make():
        admin = ProfileFactory(admin=True)
        event = EventFactory(active=True, name="Autumn Jam")
        people = [ProfileFactory() for _ in range(2)]
        for person in people:
            EventRegistrationFactory(event=event, profile=person)
        return event.id, admin.id, [p.id for p in people]
    event_id, admin_id, expected = setup(app, make)

    def move(status):
        with app.app_context():
            event, admin = db.session.get(Event, event_id), db.session.get(Profile, admin_id)
            event_services.transition_status(db.session, admin, event, status)
            db.session.commit()
            db.session.remove()

    move(EventStatus.judging)
    run_jobs(app)
    move(EventStatus.complete)
    move(EventStatus.judging)
    move(EventStatus.complete)
    run_jobs(app)
    with app.app_context():
        got = db.session.execute(sa.select(Notification.recipient_id)).scalars().all()
        lists = [[i.sentence for i in queries.page(db.session, db.session.get(Profile, pid)).items]
                 for pid in expected]
        db.session.remove()
    assert sorted(got) == sorted(expected * 2)
    assert lists == [["Autumn Jam is complete", "Autumn Jam is in judging"]] * 2
    assert job_statuses(app) == {}


def test_a_crashed_fan_out_resumes_at_its_cursor(committed, monkeypatch):
    app = committed
    monkeypatch.setattr(fanout, "BATCH", 7)
    event_id = seed_registrants(app, 30)
    fid = start(app, event_id)
    factory = fanout.session_factory_for(engine(app))
    assert fanout.run_fanout(factory, fid, stop_after=2) == 2  # then the worker "dies"
    assert per_recipient(app) == {"n": 14, "people": 14}
    with engine(app).connect() as conn:
        assert conn.execute(sa.text("SELECT finished_at FROM notification_fanouts")).scalar() is None
    assert fanout.run_fanout(factory, fid) == 3  # 14 + 7 + 7 + 2: resumes at the cursor
    assert per_recipient(app) == {"n": 30, "people": 30}
    assert fanout.run_fanout(factory, fid) == 1  # finished: a rerun writes nothing
    assert per_recipient(app) == {"n": 30, "people": 30}


def test_a_lost_cursor_rewrites_nothing(committed, monkeypatch):
    """Even replaying batches already written (a cursor reset) adds no second copy."""
    app = committed
    monkeypatch.setattr(fanout, "BATCH", 5)
    fid = start(app, seed_registrants(app, 12))
    factory = fanout.session_factory_for(engine(app))
    fanout.run_fanout(factory, fid)
    with engine(app).begin() as conn:
        conn.execute(sa.text("UPDATE notification_fanouts SET cursor = NULL, finished_at = NULL"))
    fanout.run_fanout(factory, fid)
    assert per_recipient(app) == {"n": 12, "people": 12}


def test_two_concurrent_runs_leave_exactly_one_per_recipient(committed, monkeypatch):
    app = committed
    monkeypatch.setattr(fanout, "BATCH", 25)
    fid = start(app, seed_registrants(app, 400))
    factory = fanout.session_factory_for(engine(app))
    barrier, errors = threading.Barrier(3), []

    def run():
        try:
            barrier.wait()
            fanout.run_fanout(factory, fid)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert per_recipient(app) == {"n": 400, "people": 400}
    with engine(app).connect() as conn:
        assert conn.execute(sa.text("SELECT sent FROM notification_fanouts")).scalar() == 400


def test_fan_out_is_once_ever_per_dedupe_key(committed):
    app = committed
    event_id = seed_registrants(app, 3)
    assert start(app, event_id) is not None
    assert start(app, event_id) is None
    assert len(job_statuses(app)["todo"]) == 1


def test_fan_out_throughput(committed):
    """Writes FANOUT_BENCH_N notifications with the job's batches and prints the rate."""
    app = committed
    n = int(os.environ.get("FANOUT_BENCH_N", "2000"))
    fid = start(app, seed_registrants(app, n))
    factory = fanout.session_factory_for(engine(app))
    started = time.perf_counter()
    fanout.run_fanout(factory, fid)
    elapsed = time.perf_counter() - started
    assert per_recipient(app) == {"n": n, "people": n}
    print(f"\nfan-out: {n} notifications in {elapsed:.2f} s = {n / elapsed:,.0f}/s")


def test_fan_out_queues_event_wide_email_for_opt_ins_only(committed, monkeypatch):
    app = committed
    monkeypatch.setattr(fanout, "BATCH", 4)
    event_id = seed_registrants(app, 10)
    with engine(app).begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO notification_preferences (profile_id, type, email) "
            "SELECT id, 'event_status', true FROM profiles WHERE clerk_id IN ('fan_3', 'fan_7')"))
    fid = start(app, event_id)
    factory = fanout.session_factory_for(engine(app))
    fanout.run_fanout(factory, fid, stop_after=1)
    fanout.run_fanout(factory, fid)
    with engine(app).connect() as conn:
        mails = conn.execute(sa.text(
            "SELECT p.clerk_id, o.subject, o.notification_id IS NOT NULL FROM email_outbox o "
            "JOIN profiles p ON p.id = o.recipient_id ORDER BY p.clerk_id")).all()
        jobs_ = conn.execute(sa.text(
            "SELECT task_name, priority FROM procrastinate_jobs WHERE task_name = 'mail.send'")).all()
    assert mails == [("fan_3", "Big Jam is live", True), ("fan_7", "Big Jam is live", True)]
    assert jobs_ == [("mail.send", 0)] * 2  # event-wide mail waits behind personal mail
