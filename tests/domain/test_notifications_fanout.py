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


def move_event(app, event_id, admin_id, status):
    """The admin moves the event to ``status``, as the admin page does (committed)."""
    with app.app_context():
        event, admin = db.session.get(Event, event_id), db.session.get(Profile, admin_id)
        event_services.transition_status(db.session, admin, event, status)
        db.session.commit()
        db.session.remove()


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
        move_event(app, event_id, admin_id, status)

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
        move_event(app, event_id, admin_id, status)

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


def run_two_workers(app, *, queues=("fanout",)):
    """Two real procrastinate workers side by side (one job each at a time) until no job
    is due, as two ``flask worker --queue fanout`` processes would run."""
    import asyncio

    from buildstory.jobs.core import procrastinate_app
    from tests.helpers import without_event_loop

    papp = procrastinate_app(app)
    options = dict(queues=list(queues), concurrency=1, wait=False, listen_notify=False,
                   install_signal_handlers=False, delete_jobs="successful",
                   shutdown_graceful_timeout=None)

    async def both():
        async with papp.open_async():
            await asyncio.gather(papp.run_worker_async(**options),
                                 papp.run_worker_async(**options))

    without_event_loop(lambda: asyncio.run(both()))


def test_results_published_reaches_thousands_of_registrants_once_each_with_two_workers(
        committed, monkeypatch):
    """The real path: the admin publishes version 1 (the publish page's service call) and
    two workers write the fan-out, split in two ranges (FANOUT_PARTS=2), its first job
    deferred twice besides (as a stalled job requeued while the first still runs): every
    registrant and ranked team member has exactly one notification and one queued email."""
    from buildstory.hackathon import results
    from buildstory.identity.services import utcnow
    from tests.factories import EventProjectFactory, ProjectFactory, ProjectMemberFactory
    from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                           JudgeScoreFactory)

    app = committed
    monkeypatch.setattr(fanout, "BATCH", 250)  # a dozen batches, so the two runs interleave
    n = 3000

    def make():
        admin = ProfileFactory(admin=True)
        event = EventFactory(status=EventStatus.judging, name="Result Jam")
        db.session.flush()
        db.session.execute(sa.text(
            "INSERT INTO profiles (clerk_id, display_name, username) "
            "SELECT 'fan_' || g, 'Fan ' || g, 'fan-' || g FROM generate_series(1, :n) g"),
            {"n": n})
        db.session.execute(sa.text(
            "INSERT INTO event_registrations (event_id, profile_id, team_preference) "
            "SELECT :event, id, 'solo' FROM profiles WHERE clerk_id LIKE 'fan\\_%'"),
            {"event": event.id})
        owner = db.session.scalars(sa.select(Profile).where(Profile.clerk_id == "fan_17")).one()
        project = ProjectFactory(owner=owner, name="Ranked Bot")  # a registrant's project
        member = ProfileFactory()  # on the ranked team, not registered
        ProjectMemberFactory(project=project, profile=member)
        judge = EventJudgeFactory(event=event)
        sub = EventSubmissionFactory(entry=EventProjectFactory(event=event, project=project))
        JudgeScoreFactory(submission=sub, judge=judge, bump=True)
        ProfileFactory()  # neither registered nor ranked
        return event.id, admin.id, member.id
    event_id, admin_id, member_id = setup(app, make)

    with app.app_context():
        event, admin = db.session.get(Event, event_id), db.session.get(Profile, admin_id)
        results.publish(db.session, admin, event, results.compute(db.session, event).fingerprint,
                        now=utcnow())
        fid = db.session.scalar(sa.select(NotificationFanout.id))
        fanout.defer_fanout(db.session, fid)  # the same fan-out's job a second time
        db.session.commit()
        db.session.remove()
    assert len(job_statuses(app, tasks={fanout.TASK})["todo"]) == 2

    monkeypatch.setitem(app.config, "FANOUT_PARTS", 2)
    run_two_workers(app)

    with engine(app).connect() as conn:
        told = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT recipient_id), "
            "count(*) FILTER (WHERE recipient_id = :member) FROM notifications "
            "WHERE type = 'results_published'"), {"member": member_id}).one()
        expected = conn.execute(sa.text(
            "SELECT count(*) FROM event_registrations WHERE event_id = :e"),
            {"e": event_id}).scalar()
        mails = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT recipient_id) FROM email_outbox "
            "WHERE kind = 'results_published'")).one()
        parts = conn.execute(sa.text("SELECT part, sent, finished_at IS NOT NULL AS done "
                                     "FROM notification_fanouts ORDER BY part")).all()
    assert expected == n
    assert tuple(told) == (n + 1, n + 1, 1)  # every registrant and the ranked member, once
    assert tuple(mails) == (n + 1, n + 1)  # results email is on by default: one each
    assert [(p.part, p.done) for p in parts] == [(0, True), (1, True)]
    assert all(p.sent > n // 3 for p in parts)  # random ids: about half in each range
    assert sum(p.sent for p in parts) == n - 1  # the owner heard it with the team, not twice
    assert job_statuses(app, tasks={fanout.TASK}) == {}


def test_a_split_fan_out_writes_each_range_once_up_to_its_boundaries(committed, monkeypatch):
    """Two parts split the profile-id space at its middle: builders whose ids sit on,
    just below and just above the boundary, and at both ends, each hear it exactly once;
    a crashed part resumes at its own cursor; a second split changes nothing."""
    import uuid

    app = committed
    monkeypatch.setattr(fanout, "BATCH", 7)
    event_id = seed_registrants(app, 30)
    middle = 2**127
    edges = [0, middle - 1, middle, middle + 1, 2**128 - 1]
    with engine(app).begin() as conn:
        for n in edges:
            pid = uuid.UUID(int=n)
            conn.execute(sa.text("INSERT INTO profiles (id, clerk_id, display_name, username) "
                                 "VALUES (:id, :c, 'Edge', :u)"),
                         {"id": pid, "c": f"edge_{n}", "u": f"edge-{len(str(n))}-{n % 997}"})
            conn.execute(sa.text("INSERT INTO event_registrations (event_id, profile_id, "
                                 "team_preference) VALUES (:e, :p, 'solo')"),
                         {"e": event_id, "p": pid})
    fid = start(app, event_id)
    factory = fanout.session_factory_for(engine(app))
    with factory() as session, session.begin():
        second = fanout.split(session, fid, 2)
    with factory() as session, session.begin():
        assert fanout.split(session, fid, 2) == []  # once
    assert len(second) == 1
    fanout.run_fanout(factory, second[0], stop_after=1)  # the second range "crashes"
    fanout.run_fanout(factory, fid)
    fanout.run_fanout(factory, second[0])
    assert per_recipient(app) == {"n": 35, "people": 35}
    with engine(app).connect() as conn:
        parts = conn.execute(sa.text(
            "SELECT part, cursor, stop, sent, finished_at IS NOT NULL FROM notification_fanouts "
            "ORDER BY part")).all()
        edge_rows = conn.execute(sa.text(
            "SELECT count(*) FROM notifications n JOIN profiles p ON p.id = n.recipient_id "
            "WHERE p.clerk_id LIKE 'edge\\_%'")).scalar()
    assert edge_rows == 5
    assert [(p[0], p[2], p[4]) for p in parts] == [(0, uuid.UUID(int=middle), True),
                                                  (1, None, True)]
    assert sum(p[3] for p in parts) == 35
    with factory() as session, session.begin():  # started or split: no further split
        assert fanout.split(session, fid, 3) == []


def test_an_audience_that_fits_in_one_batch_is_not_split(committed, monkeypatch):
    app = committed
    monkeypatch.setattr(fanout, "BATCH", 50)
    fid = start(app, seed_registrants(app, 50))
    factory = fanout.session_factory_for(engine(app))
    with factory() as session, session.begin():
        assert fanout.split(session, fid, 4) == []
    fanout.run_fanout(factory, fid)
    assert per_recipient(app) == {"n": 50, "people": 50}
    with engine(app).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM notification_fanouts")).scalar() == 1
