"""Webhook deliveries on the real worker to a real HTTP receiver on 127.0.0.1: signed JSON,
Discord text that pings nobody, failures, auto-disable, timeouts and the address guard."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
import sqlalchemy as sa

from buildstory.audit import AuditLog
from buildstory.clock import utcnow
from buildstory.db import db
from buildstory.projects import services as projects
from buildstory.webhooks import guard, services, transport
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import ProfileFactory
from tests.helpers import job_statuses, run_jobs, setup
from tests.webhook_receiver import Receiver

ALL_EVENTS = ["milestone", "project_created", "mentor_application", "sponsor_inquiry"]


def endpoint(url, fmt="json", events=ALL_EVENTS, **kw):
    row = WebhookEndpoint(name=f"hook {uuid.uuid4().hex[:6]}", url=url, format=fmt,
                          events=list(events),
                          secret=services.new_secret() if fmt == "json" else None, **kw)
    db.session.add(row)
    db.session.flush()
    return row


def new_project(name="Rocket Board", username="ada"):
    owner = ProfileFactory(username=username)
    return projects.create_project(db.session, owner, {"name": name, "slug": "rocket-board",
                                                       "description": "Ships."}, now=utcnow())


def rows(app, model, *where):
    with app.app_context():
        found = db.session.scalars(sa.select(model).where(*where)).all()
        db.session.expunge_all()
        db.session.remove()
    return found


def make_due(app):
    """Time passes: every job waiting for its retry becomes due now."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE procrastinate_jobs SET scheduled_at = now() "
                                   "WHERE status = 'todo'"))
        db.session.commit()
        db.session.remove()


def test_a_json_delivery_is_signed_and_succeeds(committed):
    app = committed
    with Receiver(204) as rx:
        hook_id, secret = setup(app, lambda: (lambda e: (e.id, e.secret))(endpoint(rx.url())))
        project_id = setup(app, lambda: new_project().id)
        assert rx.requests == []  # the request only deferred
        assert run_jobs(app) == {}
    assert len(rx.requests) == 1
    path, headers, body = rx.requests[0]
    assert path == "/hook"
    payload = json.loads(body)
    assert payload["type"] == "project_created" == headers["X-Buildstory-Event"]
    assert payload["data"] == {"project_slug": "rocket-board", "name": "Rocket Board",
                               "owner_username": "ada"}
    assert payload["id"] == headers["X-Buildstory-Delivery"]
    stamp = headers["X-Buildstory-Timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    assert headers["X-Buildstory-Signature"] == "sha256=" + expected.hexdigest()
    [delivery] = rows(app, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        ("succeeded", 1, 204)
    assert delivery.subject_id == project_id and str(delivery.id) == payload["id"]
    [hook] = rows(app, WebhookEndpoint, WebhookEndpoint.id == hook_id)
    assert hook.last_success_at is not None and hook.consecutive_failures == 0


def test_discord_messages_escape_markdown_and_ping_nobody(committed):
    app = committed
    with Receiver(204) as rx:
        setup(app, lambda: endpoint(rx.url(), fmt="discord"))
        setup(app, lambda: new_project(name="@everyone **free** <@123> _x_"))
        run_jobs(app)
    [(_path, headers, body)] = rx.requests
    message = json.loads(body)
    assert "X-Buildstory-Signature" not in headers
    assert message["username"] == "Buildstory"
    assert message["allowed_mentions"] == {"parse": []}
    content = message["content"]
    assert "@\u200beveryone" in content and "@everyone" not in content
    assert "<@123>" not in content and "@\u200b123" in content
    assert "\\*\\*free\\*\\*" in content and "\\_x\\_" in content
    assert "by @\u200bada" in content
    assert all(ch == "\u200b" for ch in
               (content[i + 1] for i, c in enumerate(content) if c == "@"))
    assert len(content) <= 2000


def test_a_502_is_retried_with_the_same_delivery_id_then_succeeds(committed):
    app = committed
    with Receiver(502) as rx:
        hook_id = setup(app, lambda: endpoint(rx.url()).id)
        setup(app, lambda: new_project())
        statuses = run_jobs(app)
        assert list(statuses) == ["todo"]  # waiting for its retry
        [delivery] = rows(app, WebhookDelivery)
        assert (delivery.status, delivery.attempts, delivery.last_error,
                delivery.last_status_code) == ("queued", 1, "HTTP 502", 502)
        [hook] = rows(app, WebhookEndpoint, WebhookEndpoint.id == hook_id)
        assert (hook.consecutive_failures, hook.last_error) == (1, "HTTP 502")
        rx.status = 200
        make_due(app)
        assert run_jobs(app) == {}
    first, second = rx.requests
    assert first[1]["X-Buildstory-Delivery"] == second[1]["X-Buildstory-Delivery"]
    [delivery] = rows(app, WebhookDelivery)
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    [hook] = rows(app, WebhookEndpoint, WebhookEndpoint.id == hook_id)
    assert hook.consecutive_failures == 0  # a success resets the count


def test_redirects_are_not_followed(committed):
    app = committed
    with Receiver(204) as target, Receiver(redirect=None) as rx:
        rx.redirect = target.url()
        setup(app, lambda: endpoint(rx.url()))
        setup(app, lambda: new_project())
        run_jobs(app)
    assert len(rx.requests) == 1 and target.requests == []
    [delivery] = rows(app, WebhookDelivery)
    assert delivery.last_error == "HTTP 302"


def test_a_slow_receiver_times_out_after_5_seconds(committed):
    app = committed
    with Receiver(204, slow=True) as rx:
        setup(app, lambda: endpoint(rx.url()))
        setup(app, lambda: new_project())
        run_jobs(app)
    [delivery] = rows(app, WebhookDelivery)
    assert (delivery.status, delivery.last_error) == ("queued", "Timed out after 5 s")
    assert len(rx.requests) == 1


def test_after_enough_failures_the_endpoint_is_disabled_and_its_queue_fails(committed,
                                                                           monkeypatch):
    app = committed
    monkeypatch.setitem(app.config, "WEBHOOK_DISABLE_AFTER", 3)
    with Receiver(500) as rx:
        hook_id = setup(app, lambda: endpoint(rx.url()).id)
        with app.app_context():
            for i in range(2):
                services.emit(db.session, "sponsor_inquiry", {"company_name": f"C{i}"},
                              f"sponsor_inquiry:{i}")
            db.session.commit()
            db.session.remove()
        run_jobs(app)  # two failures
        [hook] = rows(app, WebhookEndpoint, WebhookEndpoint.id == hook_id)
        assert hook.enabled and hook.consecutive_failures == 2
        with app.app_context():
            services.emit(db.session, "sponsor_inquiry", {"company_name": "C2"},
                          "sponsor_inquiry:2")
            db.session.commit()
            db.session.remove()
        run_jobs(app, queues=["webhooks"])  # the third failure disables it
    [hook] = rows(app, WebhookEndpoint, WebhookEndpoint.id == hook_id)
    assert not hook.enabled and hook.consecutive_failures == 3
    audits = rows(app, AuditLog, AuditLog.action == "disable_webhook")
    assert [(a.actor_profile_id, a.meta["via"], a.meta["webhook_id"]) for a in audits] == \
        [(None, "job", str(hook_id))]
    deliveries = {d.payload["company_name"]: d for d in rows(app, WebhookDelivery)}
    assert (deliveries["C2"].status, deliveries["C2"].last_error) == ("failed", "HTTP 500")
    assert {(deliveries[c].status, deliveries[c].last_error) for c in ("C0", "C1")} == \
        {("failed", "Endpoint disabled")}
    make_due(app)
    sent = len(rx.requests)
    run_jobs(app)
    assert len(rx.requests) == sent  # nothing more goes out


def test_a_delivery_for_a_project_hidden_meanwhile_is_skipped(committed):
    app = committed
    with Receiver(204) as rx:
        setup(app, lambda: endpoint(rx.url()))
        project_id = setup(app, lambda: new_project().id)
        with app.app_context():
            db.session.execute(sa.text("UPDATE projects SET hidden_at = now() WHERE id = :id"),
                               {"id": project_id})
            db.session.commit()
            db.session.remove()
        run_jobs(app)
    assert rx.requests == []
    [delivery] = rows(app, WebhookDelivery)
    assert delivery.status == "skipped"


def test_running_a_finished_delivery_again_sends_nothing(committed):
    app = committed
    with Receiver(204) as rx:
        setup(app, lambda: endpoint(rx.url()))
        setup(app, lambda: new_project())
        run_jobs(app)
        [delivery] = rows(app, WebhookDelivery)
        with app.app_context():
            from buildstory import jobs
            jobs.defer(db.session, "webhooks.deliver", delivery_id=str(delivery.id))
            db.session.commit()
            db.session.remove()
        assert run_jobs(app) == {}
    assert len(rx.requests) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_with_the_guard_on_loopback_receivers_get_nothing(committed, monkeypatch, host):
    app = committed
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    with Receiver(204, host="::1" if host == "::1" else "127.0.0.1") as rx:
        setup(app, lambda: endpoint(rx.url(host=host)))
        setup(app, lambda: new_project())
        run_jobs(app)
    assert rx.requests == []
    [delivery] = rows(app, WebhookDelivery)
    assert (delivery.last_error, delivery.attempts) == ("Address not allowed", 1)


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://10.255.3.4:8080/",
                                 "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:9/", "http://localhost:9/",
                                 "http://100.64.0.1/", "http://[fd00::1]/",
                                 "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"])
def test_the_guard_refuses_private_addresses_before_connecting(url):
    with pytest.raises(transport.DeliveryFailed, match="^Address not allowed$"):
        transport.post(url, b"{}", {}, allow_private=False)
    assert guard.url_error(url, require_https=False, allow_private=False) == \
        "Webhook URL must resolve to a public address"


def test_the_guard_accepts_public_addresses_and_production_wants_https():
    assert guard.is_public("93.184.216.34") and guard.is_public("2606:4700::1111")
    assert not any(guard.is_public(a) for a in ("127.0.0.1", "10.1.2.3", "172.16.0.1",
                                                 "192.168.1.1", "169.254.169.254",
                                                 "100.64.0.1", "::1", "fe80::1", "fc00::1",
                                                 "224.0.0.1", "240.0.0.1", "0.0.0.0"))
    assert guard.url_error("http://93.184.216.34/", require_https=True,
                           allow_private=True) == "Webhook URL must use https"
    assert guard.url_error("http://127.0.0.1/", require_https=False,
                           allow_private=True) is None


def test_emit_queues_subscribed_enabled_endpoints_once_in_two_statements(app, db_session):
    from tests.querycount import count_queries
    wanted = endpoint("http://127.0.0.1:9/a")
    endpoint("http://127.0.0.1:9/b", events=["milestone"])  # not subscribed
    endpoint("http://127.0.0.1:9/c", enabled=False)         # disabled
    with count_queries(app) as q:
        ids = services.emit(db_session, "sponsor_inquiry", {"company_name": "Acme"},
                            "sponsor_inquiry:1")
    assert q.count == 2 and len(ids) == 1
    assert services.emit(db_session, "sponsor_inquiry", {"company_name": "Acme"},
                         "sponsor_inquiry:1") == []  # the same moment: nothing more
    [delivery] = db_session.scalars(sa.select(WebhookDelivery)).all()
    assert delivery.endpoint_id == wanted.id
    jobs_args = db_session.execute(sa.text(
        "SELECT queue_name, task_name, args->>'delivery_id' FROM procrastinate_jobs")).all()
    assert jobs_args == [("webhooks", "webhooks.deliver", str(delivery.id))]
    with count_queries(app) as q:
        assert services.emit(db_session, "submission_made", {}, "x") == []
    assert q.count == 1  # nobody listens to submission_made here: no defer at all


def test_a_rolled_back_change_queues_no_delivery(committed):
    app = committed
    setup(app, lambda: endpoint("http://127.0.0.1:9/"))
    with app.app_context():
        new_project()
        db.session.rollback()
        db.session.remove()
    assert rows(app, WebhookDelivery) == [] and job_statuses(app) == {}


def test_the_hackathon_helpers_queue_public_facts_once(app, db_session):
    import uuid as _uuid
    endpoint("http://127.0.0.1:9/", events=["submission_made", "results_published"])
    event_id, project_id = _uuid.uuid4(), _uuid.uuid4()
    assert len(services.emit_submission_made(
        db_session, submission_id=1, event_slug="jam", project_id=project_id,
        project_slug="rocket", name="Rocket")) == 1
    assert services.emit_submission_made(
        db_session, submission_id=1, event_slug="jam", project_id=project_id,
        project_slug="rocket", name="Rocket") == []
    services.emit_results_published(
        db_session, event_id=event_id, event_slug="jam", version=1,
        winners=[{"place": 1, "project_slug": "rocket", "name": "Rocket", "score": 9}])
    rows_ = db_session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.event)).all()
    assert [(d.event, d.payload, d.subject_id) for d in rows_] == [
        ("results_published", {"event_slug": "jam", "version": 1, "winners": [
            {"place": 1, "project_slug": "rocket", "name": "Rocket"}]}, event_id),
        ("submission_made", {"event_slug": "jam", "project_slug": "rocket", "name": "Rocket"},
         project_id)]


def test_a_21st_webhook_is_refused_also_when_admins_race(committed):
    """19 webhooks, 12 admins adding one at the same instant: exactly one gets the 20th."""
    from buildstory.errors import Conflict
    from tests.helpers import outcomes, run_concurrently
    app = committed
    setup(app, lambda: [endpoint("http://127.0.0.1:9/") for _ in range(19)])

    def add(session, i):
        return services.create_endpoint(
            session, None, {"name": f"Racer {i}", "url": "http://127.0.0.1:9/",
                            "format": "discord", "events": ["milestone"]},
            require_https=False, allow_private=True, now=utcnow())[0].id

    oks, errors = outcomes(run_concurrently(app, add))
    assert len(oks) == 1 and len(errors) == 11
    assert all(isinstance(e, Conflict) and e.message == "You can have at most 20 webhooks"
               for e in errors)
    assert len(rows(app, WebhookEndpoint)) == 20
