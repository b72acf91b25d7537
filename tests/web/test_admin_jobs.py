"""/admin/jobs: queue counts (capped), workers, failures with their errors, and Retry."""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from buildstory.audit import AuditLog
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import ProfileFactory
from tests.querycount import count_queries

NO_WORKER = "No worker is running: emails and webhooks are waiting"


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True))


def add_jobs(session, n, status="todo", queue="mail", task="mail.send", args="{}"):
    ids = session.execute(sa.text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
        "SELECT :q, :t, CAST(:a AS jsonb), CAST(:s AS procrastinate_job_status) "
        "FROM generate_series(1, :n) RETURNING id"),
        {"q": queue, "t": task, "a": args, "s": status, "n": n}).scalars().all()
    if status == "failed":
        session.execute(sa.text("INSERT INTO procrastinate_events (job_id, type) "
                                "SELECT unnest(CAST(:ids AS bigint[])), 'failed'"), {"ids": ids})
    return ids


def failed_delivery(session):
    hook = WebhookEndpoint(name="h", url="http://127.0.0.1:9/", format="discord",
                           events=["milestone"])
    session.add(hook)
    session.flush()
    delivery = WebhookDelivery(endpoint_id=hook.id, event="milestone", payload={},
                               dedupe_key="k", status="queued", last_error="HTTP 502")
    session.add(delivery)
    session.flush()
    [job_id] = add_jobs(session, 1, "failed", "webhooks", "webhooks.deliver",
                        f'{{"delivery_id": "{delivery.id}"}}')
    return job_id


def test_without_a_worker_the_page_says_so(admin):
    page = text(admin.get("/admin/jobs"))
    assert "<h1>Jobs</h1>" in page and NO_WORKER in page and "No failed jobs." in page
    for queue in ("mail", "webhooks", "fanout", "maintenance"):
        assert f'<th scope="row">{queue}</th>' in page
    for label in ("Waiting", "Running", "Failed"):
        assert f">{label}</th>" in page


def test_live_workers_counts_capped_and_failures_with_errors(admin, db_session):
    db_session.execute(sa.text(
        "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now()), "
        "(now() - interval '5 minutes')"))
    add_jobs(db_session, 10_001)
    add_jobs(db_session, 3, "doing")
    failed_delivery(db_session)
    add_jobs(db_session, 1, "failed", "maintenance", "maintenance.clean_up")
    page = text(admin.get("/admin/jobs"))
    assert NO_WORKER not in page and "1 worker running." in page
    assert '<td data-count="10001">10,000+</td>' in page
    assert '<td data-count="3">3</td>' in page
    assert "HTTP 502" in page and "webhooks.deliver" in page
    assert "No error recorded (see the worker's log)" in page
    assert page.count(">Retry<") == 2
    assert "Deliveries queued" in page


def test_emails_by_status_and_a_failed_email_with_its_error(admin, db_session):
    from buildstory.mail.models import EmailOutbox
    row = EmailOutbox(kind="password_reset", dedupe_key="k", status="failed", subject="s",
                      last_error="SMTP 451 try later")
    db_session.add_all([row, EmailOutbox(kind="password_reset", dedupe_key="k2",
                                         status="sent", subject="s")])
    db_session.flush()
    add_jobs(db_session, 1, "failed", "mail", "mail.send", f'{{"outbox_id": {row.id}}}')
    page = text(admin.get("/admin/jobs"))
    assert "Emails failed</dt><dd>1<" in page and "Emails sent</dt><dd>1<" in page
    assert "SMTP 451 try later" in page


def test_retry_requeues_a_failed_job_only(admin, db_session):
    job_id = failed_delivery(db_session)
    [waiting] = add_jobs(db_session, 1)
    r = admin.post(f"/admin/jobs/{waiting}/retry", {}, htmx=True,
                   headers={"HX-Target": "job-failures"})
    assert r.status_code == 409 and "Only failed jobs can be retried" in text(r)
    assert "<html" not in text(r)
    r = admin.post(f"/admin/jobs/{job_id}/retry", {})
    assert r.status_code == 303 and "/admin/jobs" in r.headers["Location"]
    status = db_session.execute(sa.text("SELECT status::text FROM procrastinate_jobs "
                                        "WHERE id = :i"), {"i": job_id}).scalar()
    assert status == "todo"
    audit = db_session.scalar(sa.select(AuditLog))
    assert (audit.action, audit.meta["job_id"]) == ("retry_job", job_id)
    assert admin.post("/admin/jobs/987654321/retry", {}).status_code == 404
    assert admin.post("/admin/jobs/not-a-number/retry", {}).status_code == 404


def test_the_page_takes_the_same_statements_at_ten_times_the_data(app, admin, db_session):
    counts = []
    for n in (50, 500):
        add_jobs(db_session, n)
        add_jobs(db_session, n // 10, "failed")
        admin.get("/admin/jobs")
        with count_queries(app) as q:
            r = admin.get("/admin/jobs")
        assert r.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1] <= 8
