"""Milestones: each threshold of builders and featured-event registrations announced once,
the highest when several are passed at once, also with workers racing."""
from __future__ import annotations

import sqlalchemy as sa

from buildstory.db import db
from buildstory.webhooks import milestones, rules
from buildstory.webhooks.models import Milestone, WebhookDelivery, WebhookEndpoint
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory
from tests.helpers import outcomes, run_concurrently, run_jobs, setup


def listen(session):
    session.add(WebhookEndpoint(name="milestones", url="http://127.0.0.1:9/", format="json",
                                events=["milestone"], secret="s"))
    session.flush()


def announced(session):
    return [d.payload for d in session.scalars(
        sa.select(WebhookDelivery).order_by(WebhookDelivery.created_at))]


def test_thresholds():
    assert rules.thresholds_up_to(9) == []
    assert rules.thresholds_up_to(1000) == [10, 25, 50, 100, 250, 500, 1000]
    assert rules.highest_threshold(24_999) == 10_000
    assert rules.highest_threshold(25_000) == 25_000
    assert rules.milestone_sentence({"series": "builders", "count": 1000}) == \
        "Buildstory now has 1,000 builders"


def test_a_threshold_is_announced_once(db_session):
    listen(db_session)
    ProfileFactory.create_batch(9)
    assert milestones.check(db_session) == []
    ProfileFactory()
    assert milestones.check(db_session) == [{"series": "builders", "count": 10}]
    assert milestones.check(db_session) == []  # the next minute: nothing new
    ProfileFactory.create_batch(3)
    assert milestones.check(db_session) == []
    assert announced(db_session) == [{"series": "builders", "count": 10}]


def test_only_visible_builders_with_a_username_count(db_session):
    listen(db_session)
    ProfileFactory.create_batch(9)
    ProfileFactory(hidden=True)
    ProfileFactory(banned=True)
    ProfileFactory(no_username=True)
    assert milestones.check(db_session) == []


def test_a_jump_announces_the_highest_and_never_the_ones_below(db_session):
    listen(db_session)
    people = ProfileFactory.create_batch(52)
    assert milestones.check(db_session) == [{"series": "builders", "count": 50}]
    values = db_session.scalars(sa.select(Milestone.value).order_by(Milestone.value)).all()
    assert values == [10, 25, 50]
    for p in people[:30]:  # falls back under 25, then grows again: 10 and 25 stay quiet
        p.hidden_at = sa.func.now()
    db_session.flush()
    assert milestones.check(db_session) == []
    assert announced(db_session) == [{"series": "builders", "count": 50}]


def test_featured_event_registrations(db_session):
    listen(db_session)
    event = EventFactory(featured=True, name="Spring Jam", slug="spring-jam")
    other = EventFactory()
    for _ in range(10):
        EventRegistrationFactory(event=other)
    regs = [EventRegistrationFactory(event=event) for _ in range(26)]
    regs[0].profile.banned_at = sa.func.now()
    db_session.flush()
    found = milestones.check(db_session)
    assert {"series": "registrations", "count": 25, "event_slug": "spring-jam",
            "event_name": "Spring Jam"} in found
    assert rules.milestone_sentence(found[-1]) == "Spring Jam now has 25 registrations"
    assert db_session.scalar(sa.select(Milestone.scope).where(
        Milestone.series == "registrations")) == str(event.id)


def test_racing_workers_announce_each_milestone_once(committed):
    app = committed
    setup(app, lambda: (listen(db.session), ProfileFactory.create_batch(30)))
    results = run_concurrently(app, lambda session, i: milestones.check(session))
    oks, errors = outcomes(results)
    assert errors == []
    assert sorted(len(r) for r in oks) == [0] * (len(oks) - 1) + [1]
    with app.app_context():
        assert announced(db.session) == [{"series": "builders", "count": 25}]
        db.session.remove()


def test_the_periodic_job_runs_in_the_worker(committed):
    app = committed
    setup(app, lambda: (listen(db.session), ProfileFactory.create_batch(10)))
    from buildstory import jobs
    with app.app_context():
        jobs.defer(db.session, "webhooks.milestones", timestamp=0)
        db.session.commit()
        db.session.remove()
    run_jobs(app, queues=["maintenance"])
    with app.app_context():
        assert announced(db.session) == [{"series": "builders", "count": 10}]
        db.session.remove()
    jobs.load_tasks()
    spec = jobs.registered()["webhooks.milestones"]
    assert spec.cron == "* * * * *"
