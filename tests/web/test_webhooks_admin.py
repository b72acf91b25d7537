"""/admin/webhooks: add, edit, test, enable/disable, rotate the secret, delete, retry a
delivery — every refusal with its message, as htmx and as plain forms, each audited."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from buildstory.audit import AuditLog
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import ProfileFactory
from tests.querycount import count_queries

FORM = {"name": "Discord #builds", "url": "http://127.0.0.1:9/hook", "format": "discord",
        "events": ["project_created", "milestone"]}


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, display_name="Hook Admin"))


def hook(db_session, **kw):
    row = WebhookEndpoint(**{"name": "Ops", "url": "http://127.0.0.1:9/", "format": "json",
                             "events": ["milestone"], "secret": "a" * 64, **kw})
    db_session.add(row)
    db_session.flush()
    return row


def actions(db_session):
    return [a.action for a in db_session.scalars(sa.select(AuditLog).order_by(AuditLog.created_at))]


def test_the_page_lists_webhooks_and_has_the_add_form(admin, db_session):
    hook(db_session, name="Ops feed", last_error="HTTP 502")
    page = text(admin.get("/admin/webhooks"))
    assert "<h1>Webhooks</h1>" in page and "Ops feed" in page and "HTTP 502" in page
    for label in (">Name</label>", ">URL</label>", "<legend>Format</legend>", ">Discord<",
                  ">JSON<", "Builder milestones", "Project created", "Submission made",
                  "Results published", "Mentor application", "Sponsor inquiry",
                  ">Add webhook</button>"):
        assert label in page, label


@pytest.mark.parametrize("htmx", [False, True])
def test_adding_a_json_webhook_shows_its_secret_once(admin, db_session, htmx):
    r = admin.post("/admin/webhooks", {**FORM, "format": "json"}, htmx=htmx,
                   headers={"HX-Target": "webhooks-main"} if htmx else None)
    assert r.status_code == 200
    row = db_session.scalar(sa.select(WebhookEndpoint))
    assert row.format == "json" and row.events == ["milestone", "project_created"]
    assert len(row.secret) == 64 and row.secret in text(r) and "shown only once" in text(r)
    assert ('id="webhooks-main"' in text(r)) and (("<html" in text(r)) != htmx)
    assert row.secret not in text(admin.get(f"/admin/webhooks/{row.id}"))
    [audit] = db_session.scalars(sa.select(AuditLog))
    assert (audit.action, audit.meta) == ("create_webhook", {
        "webhook_id": str(row.id), "name": "Discord #builds", "host": "127.0.0.1"})


def test_a_discord_webhook_has_no_secret(admin, db_session):
    r = admin.post("/admin/webhooks", FORM)
    row = db_session.scalar(sa.select(WebhookEndpoint))
    assert r.status_code == 200 and row.secret is None and "shown only once" not in text(r)
    r = admin.post(f"/admin/webhooks/{row.id}/rotate-secret", {}, htmx=True,
                   headers={"HX-Target": "webhook-actions"})
    assert r.status_code == 409 and "Discord webhooks have no secret" in text(r)
    assert "Discord webhooks have no secret" in text(admin.get(f"/admin/webhooks/{row.id}"))


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("change, field, message", [
    ({"events": []}, "events", "Choose at least one event"),
    ({"url": "example.com/hook"}, "url", "Invalid URL"),
    ({"url": "ftp://example.com/"}, "url", "URL must use http or https"),
    ({"url": ""}, "url", "URL is required"),
    ({"name": ""}, "name", "Name is required"),
    ({"name": "x" * 101}, "name", "Name must be at most 100 characters"),
])
def test_bad_input_is_a_422_by_the_field_with_the_input_kept(admin, db_session, htmx, change,
                                                           field, message):
    r = admin.post("/admin/webhooks", {**FORM, **change}, htmx=htmx,
                   headers={"HX-Target": "webhooks-main"} if htmx else None)
    page = text(r)
    assert r.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert 'value="Discord #builds"' in page or field == "name"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_address_guard_and_https_apply_when_saving(app, admin, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    r = admin.post("/admin/webhooks", FORM)
    assert r.status_code == 422
    assert "Webhook URL must resolve to a public address" in text(r)
    monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", True)
    r = admin.post("/admin/webhooks", {**FORM, "url": "http://example.com/hook"})
    assert r.status_code == 422 and "Webhook URL must use https" in text(r)


def test_a_21st_webhook_is_refused(admin, db_session):
    for i in range(20):
        hook(db_session, name=f"Hook {i}")
    r = admin.post("/admin/webhooks", FORM, htmx=True, headers={"HX-Target": "webhooks-main"})
    assert r.status_code == 409 and "You can have at most 20 webhooks" in text(r)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 20


def test_the_detail_page_saves_and_audits_the_changed_fields(admin, db_session):
    row = hook(db_session, last_error="Timed out after 5 s")
    page = text(admin.get(f"/admin/webhooks/{row.id}"))
    for part in ("<h1>Ops</h1>", ">Save webhook</button>", "Timed out after 5 s",
                 ">Send test<", ">Disable<", ">Rotate secret<", ">Delete webhook<",
                 "Latest deliveries", 'data-status="enabled"'):
        assert part in page, part
    r = admin.post(f"/admin/webhooks/{row.id}", {**FORM, "format": "json", "name": "Ops 2"})
    assert r.status_code == 303 and r.headers["Location"].endswith("done=saved")
    db_session.refresh(row)
    assert row.name == "Ops 2" and row.events == ["milestone", "project_created"]
    audit = db_session.scalar(sa.select(AuditLog).where(AuditLog.action == "update_webhook"))
    assert audit.meta == {"webhook_id": str(row.id), "changes": ["name", "url", "events"]}
    assert "Webhook saved" in text(admin.get(r.headers["Location"]))
    r = admin.post(f"/admin/webhooks/{row.id}", {**FORM, "events": []}, htmx=True,
                   headers={"HX-Target": "webhook-form"})
    assert r.status_code == 422 and "Choose at least one event" in text(r)
    assert "<html" not in text(r) and 'id="webhook-form"' in text(r)


def test_switching_to_json_shows_a_new_secret_once(admin, db_session):
    row = hook(db_session, format="discord", secret=None)
    r = admin.post(f"/admin/webhooks/{row.id}", {**FORM, "format": "json"})
    db_session.refresh(row)
    assert r.status_code == 200 and row.secret and row.secret in text(r)


def test_enable_and_disable_refuse_twice(admin, db_session):
    row = hook(db_session, consecutive_failures=7)
    target = {"HX-Target": "webhook-actions"}
    r = admin.post(f"/admin/webhooks/{row.id}/enable", {}, htmx=True, headers=target)
    assert r.status_code == 409 and "Webhook is already enabled" in text(r)
    r = admin.post(f"/admin/webhooks/{row.id}/disable", {})
    assert r.status_code == 303
    db_session.refresh(row)
    assert not row.enabled
    r = admin.post(f"/admin/webhooks/{row.id}/disable", {})
    assert r.status_code == 409 and "Webhook is already disabled" in text(r)
    r = admin.post(f"/admin/webhooks/{row.id}/enable", {}, htmx=True, headers=target)
    assert r.status_code == 200 and r.headers["HX-Redirect"].endswith("?done=enabled")
    page = text(admin.get(r.headers["HX-Redirect"]))
    assert "Webhook enabled" in page and 'data-status="enabled"' in page
    db_session.refresh(row)
    assert row.enabled and row.consecutive_failures == 0
    assert actions(db_session) == ["disable_webhook", "enable_webhook"]


def test_rotating_shows_the_new_secret_once_and_audits(admin, db_session):
    row = hook(db_session)
    r = admin.post(f"/admin/webhooks/{row.id}/rotate-secret", {})
    db_session.refresh(row)
    assert r.status_code == 200 and row.secret != "a" * 64 and row.secret in text(r)
    assert actions(db_session) == ["rotate_webhook_secret"]


def test_send_test_queues_a_ping(admin, db_session):
    row = hook(db_session)
    r = admin.post(f"/admin/webhooks/{row.id}/test", {}, htmx=True,
                   headers={"HX-Target": "webhook-actions"})
    assert r.status_code == 200 and "Test queued" in text(r)
    [delivery] = db_session.scalars(sa.select(WebhookDelivery))
    assert (delivery.event, delivery.status, delivery.payload) == ("ping", "queued", {})
    assert db_session.execute(sa.text(
        "SELECT task_name FROM procrastinate_jobs")).scalars().all() == ["webhooks.deliver"]


def test_delete_asks_first_then_deletes_and_audits(admin, db_session):
    row = hook(db_session)
    r = admin.post(f"/admin/webhooks/{row.id}/delete", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert db_session.get(WebhookEndpoint, row.id) is not None
    r = admin.post(f"/admin/webhooks/{row.id}/delete", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/webhooks")
    db_session.expire_all()
    assert db_session.get(WebhookEndpoint, row.id) is None
    assert actions(db_session) == ["delete_webhook"]
    assert admin.get(f"/admin/webhooks/{row.id}").status_code == 404


def test_only_failed_deliveries_are_retried(admin, db_session):
    row = hook(db_session)
    failed = WebhookDelivery(endpoint_id=row.id, event="milestone", payload={}, dedupe_key="a",
                             status="failed", attempts=8, last_error="HTTP 502")
    done = WebhookDelivery(endpoint_id=row.id, event="milestone", payload={}, dedupe_key="b",
                           status="succeeded", attempts=1)
    db_session.add_all([failed, done])
    db_session.flush()
    page = text(admin.get(f"/admin/webhooks/{row.id}"))
    assert page.count(">Retry<") == 1 and "HTTP 502" in page
    target = {"HX-Target": "webhook-deliveries"}
    r = admin.post(f"/admin/webhooks/deliveries/{done.id}/retry", {}, htmx=True, headers=target)
    assert r.status_code == 409 and "Only failed deliveries can be retried" in text(r)
    r = admin.post(f"/admin/webhooks/deliveries/{failed.id}/retry", {})
    assert r.status_code == 303
    db_session.refresh(failed)
    assert (failed.status, failed.attempts) == ("queued", 0)
    audit = db_session.scalar(sa.select(AuditLog))
    assert (audit.action, audit.meta["delivery_id"]) == ("retry_webhook_delivery",
                                                         str(failed.id))
    assert admin.post("/admin/webhooks/deliveries/00000000-0000-4000-8000-000000000000/retry",
                      {}).status_code == 404


def test_the_pages_keep_their_statement_budget_at_ten_times_the_data(app, admin, db_session):
    def load(n):
        for i in range(n):
            row = hook(db_session, name=f"Load {n}-{i}")
            db_session.add_all(WebhookDelivery(endpoint_id=row.id, event="milestone",
                                               payload={}, dedupe_key=f"{n}-{i}-{j}")
                               for j in range(3 * n))
        db_session.flush()
        return row

    counts = []
    for n in (1, 10):
        row = load(n)
        admin.get("/admin/webhooks")
        with count_queries(app) as q1:
            admin.get("/admin/webhooks")
        with count_queries(app) as q2:
            admin.get(f"/admin/webhooks/{row.id}")
        counts.append((q1.count, q2.count))
    assert counts[0] == counts[1] and max(counts[0]) <= 8
