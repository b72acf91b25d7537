"""Email end to end on a REAL SMTP server (aiosmtpd on this machine) and the real worker:
requests only queue; the ``mail.send`` / ``mail.password_reset`` / ``mail.account_email``
jobs render, send and record; preferences and one-click unsubscribe; STARTTLS."""
from __future__ import annotations

import re
import subprocess
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from buildstory.db import db
from buildstory.identity.models import Account
from buildstory.mail import services, transport
from buildstory.mail.models import EmailOutbox, NotificationPreference
from buildstory.profiles.models import Profile
from tests.conftest import Client
from tests.factories import AccountFactory
from tests.helpers import job_statuses, run_jobs
from tests.mailserver import MailServer
from tests.querycount import count_queries

SENDER = "Buildstory <no-reply@buildstory.test>"

# the jobs these tests look at (the worker also defers the periodic ones)
MAIL_TASKS = {"mail.send", "mail.password_reset", "mail.account_email"}


@pytest.fixture
def smtp(committed, monkeypatch):
    server = MailServer("127.0.0.1")
    monkeypatch.setitem(committed.config, "MAIL_URL", server.url())
    monkeypatch.setitem(committed.config, "MAIL_FROM", SENDER)
    yield server
    server.stop()


def make_account(app, email="ada@example.com", **profile):
    with app.app_context():
        account = AccountFactory(email=email, **{f"profile__{k}": v for k, v in profile.items()})
        ids = account.id, account.profile.id
        db.session.commit()
        db.session.remove()
    return ids


def outbox(app):
    with app.app_context():
        rows = db.session.execute(select(EmailOutbox.kind, EmailOutbox.status,
                                         EmailOutbox.to_address, EmailOutbox.attempts)
                                  .order_by(EmailOutbox.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def in_session(app, fn):
    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        db.session.remove()
    return result


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_notification_email_over_smtp_and_one_click_unsubscribe(app, smtp):
    _acct, profile_id = make_account(app)
    queued = in_session(app, lambda s: services.queue_email(
        s, kind="team_invite", recipient_id=profile_id, dedupe_key="invite:1",
        subject="Grace invited you to join <Rocket>"))
    assert queued is not None and smtp.messages == []  # the request only queued it

    assert run_jobs(app, tasks=MAIL_TASKS) == {}
    [mail] = smtp.messages
    assert mail.mail_from == "no-reply@buildstory.test" and mail.rcpt_tos == ["ada@example.com"]
    msg = mail.message
    assert msg["Subject"] == "Grace invited you to join <Rocket>"
    assert msg["From"] == SENDER and msg["To"] == "ada@example.com"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https?://\S+/unsubscribe/\S+)>", msg["List-Unsubscribe"]).group(1)
    text, html = mail.part("plain"), mail.part("html")
    assert "Grace invited you to join <Rocket>" in text
    assert "Grace invited you to join &lt;Rocket&gt;" in html and "<Rocket>" not in html
    assert unsubscribe in text and "/settings/notifications" in text
    assert "emails about Team invites are on" in text and "<img" not in html
    assert outbox(app) == [("team_invite", "sent", "ada@example.com", 1)]

    # the mail client's one-click POST: no cookie, no CSRF token
    page = app.test_client().get(path_of(unsubscribe))
    assert "Stop emails about Team invites?" in page.get_data(as_text=True)
    r = app.test_client().post(path_of(unsubscribe))
    assert r.status_code == 200
    assert "You will no longer get emails about Team invites." in r.get_data(as_text=True)
    assert app.test_client().post(path_of(unsubscribe)).status_code == 200  # idempotent
    assert in_session(app, lambda s: services.queue_email(
        s, kind="team_invite", recipient_id=profile_id, dedupe_key="invite:2",
        subject="Again")) is None  # off now: nothing queued


def test_a_preference_turned_off_after_queueing_suppresses_and_banned_get_nothing(app, smtp):
    _a, ada = make_account(app)
    _b, bob = make_account(app, "bob@example.com", banned=True)
    in_session(app, lambda s: services.queue_email(
        s, kind="results_published", recipient_id=ada, dedupe_key="r:1", subject="Results are out"))
    assert in_session(app, lambda s: services.queue_email(
        s, kind="results_published", recipient_id=bob, dedupe_key="r:1b",
        subject="Results are out")) is None
    in_session(app, lambda s: services.save_email_choices(s, ada, {"results_published": False}))
    run_jobs(app, tasks=MAIL_TASKS)
    assert smtp.messages == []
    assert outbox(app) == [("results_published", "suppressed", None, 0)]


def test_bulk_queueing_is_one_statement_honouring_defaults_choices_and_bans(app, smtp):
    ids = [make_account(app, f"b{i}@example.com")[1] for i in range(4)]
    _x, banned = make_account(app, "banned@example.com", banned=True)
    in_session(app, lambda s: services.save_email_choices(s, ids[0], {"event_status": True}))
    in_session(app, lambda s: services.save_email_choices(s, ids[1], {"event_status": False}))

    def queue(session):
        with count_queries(app) as q:
            jobs = services.queue_notification_emails(
                session, type="event_status", subject="Spring Jam is live",
                dedupe_key="event_status:1:active",
                recipients=[(p, None) for p in [*ids, banned]], priority=0)
        return jobs, q.count

    with app.app_context():
        jobs_ids, statements = queue(db.session)
        db.session.commit()
        again, _ = queue(db.session)  # running it twice queues nothing more
        db.session.commit()
        db.session.remove()
    # event updates are off by default: only the builder who turned them on
    assert statements == 1 and len(jobs_ids) == 1 and again == []
    run_jobs(app, tasks=MAIL_TASKS)
    assert [m.rcpt_tos for m in smtp.messages] == [["b0@example.com"]]


def test_password_reset_goes_through_the_queue_and_its_link_works_once(app, smtp):
    make_account(app, "forgetful@example.com")
    client = Client(app)
    for email in ("forgetful@example.com", "nobody@example.com", "forgetful@example.com"):
        r = client.post("/forgot-password", {"email": email})
        assert r.status_code == 200
        assert "If an account exists, we sent a link" in r.get_data(as_text=True)
    # one waiting job per address (queueing lock), none sends anything in the request
    assert len(job_statuses(app, tasks=MAIL_TASKS)["todo"]) == 2 and smtp.messages == []
    run_jobs(app, tasks=MAIL_TASKS)
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["forgetful@example.com"] and "Auto-Submitted" in mail.message
    assert "List-Unsubscribe" not in mail.message  # transactional mail
    link = path_of(re.search(r"https?://\S+/reset-password/\S+", mail.part("plain")).group(0))
    assert link in mail.part("html")
    assert outbox(app) == [("password_reset", "sent", "forgetful@example.com", 1)]
    assert client.get(link).status_code == 200
    assert client.post(link, {"new_password": "a brand new password"}).status_code == 303
    again = Client(app).get(link)
    assert again.status_code == 404
    assert "This reset link is invalid or has expired" in again.get_data(as_text=True)
    verified = in_session(app, lambda s: s.scalar(select(Account.email_verified_at).where(
        Account.email == "forgetful@example.com")))
    assert verified is not None  # the reset link proved the address


def test_a_stopped_mail_server_leaves_mail_queued_then_failed_requests_as_usual(app, smtp):
    make_account(app, "forgetful@example.com")
    smtp.stop()
    r = Client(app).post("/forgot-password", {"email": "forgetful@example.com"})
    assert r.status_code == 200 and "If an account exists" in r.get_data(as_text=True)
    [job_id] = run_jobs(app, tasks=MAIL_TASKS)["todo"]  # failed once, retried later
    [(kind, status, _to, attempts)] = outbox(app)
    assert (status, attempts) == ("queued", 1)
    with app.app_context():
        assert "Connection" in db.session.scalar(select(EmailOutbox.last_error))
        db.session.remove()
    for _ in range(7):  # time passes: each retry becomes due and fails again
        in_session(app, lambda s: s.execute(sa.text(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = :id"), {"id": job_id}))
        statuses = run_jobs(app, tasks=MAIL_TASKS)
    assert statuses == {"failed": [job_id]}
    assert outbox(app) == [("password_reset", "failed", "forgetful@example.com", 8)]


def test_starttls_is_required_for_a_server_that_is_not_loopback(app, committed):
    host = next((a for a in subprocess.run(["hostname", "-I"], capture_output=True,
                                           text=True).stdout.split()
                 if re.fullmatch(r"[\d.]+", a) and not a.startswith("127.")), None)
    if host is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    server = MailServer(host)  # offers no STARTTLS
    try:
        config = {"MAIL_URL": server.url(), "MAIL_FROM": SENDER}
        from email.message import EmailMessage
        msg = EmailMessage()
        msg["To"], msg["Subject"] = "ada@example.com", "hello"
        msg.set_content("hi")
        with pytest.raises(transport.MailError, match="offers no STARTTLS"):
            transport.send(config, msg)
        assert server.messages == []
        # the same server reached through loopback may go without TLS
        loop = MailServer("127.0.0.1")
        transport.send({"MAIL_URL": loop.url(), "MAIL_FROM": SENDER}, msg)
        assert len(loop.messages) == 1 and not loop.messages[0].tls
        loop.stop()
    finally:
        server.stop()


def test_starttls_with_a_verified_certificate(app, committed, tmp_path, monkeypatch):
    server = MailServer("127.0.0.1", tls_dir=tmp_path, require_starttls=True)
    try:
        from email.message import EmailMessage
        msg = EmailMessage()
        msg["To"], msg["Subject"] = "ada@example.com", "over TLS"
        msg.set_content("hi")
        config = {"MAIL_URL": server.url("localhost"), "MAIL_FROM": SENDER}
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        with pytest.raises(transport.MailError, match="CERTIFICATE_VERIFY_FAILED"):
            transport.send(config, msg)  # an unknown certificate is refused
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert_file))
        transport.send(config, msg)
        [got] = server.messages
        assert got.tls and got.message["Subject"] == "over TLS"
    finally:
        server.stop()


def sign_up(app, email="newbie@example.com", username="newbie"):
    client = Client(app)
    r = client.post("/sign-up", {"username": username, "email": email,
                                 "password": "long enough pw"})
    assert r.status_code == 303
    return client


def test_sign_up_sends_a_verification_link_that_works_once(app, smtp):
    client = sign_up(app)
    page = client.get("/settings/account").get_data(as_text=True)
    assert "Not verified" in page and "Send verification link" in page
    run_jobs(app, tasks=MAIL_TASKS)
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["newbie@example.com"]
    link = path_of(re.search(r"https?://\S+/verify-email/\S+", mail.part("plain")).group(0))
    page = Client(app).get(link)
    assert page.status_code == 200 and "newbie@example.com" in page.get_data(as_text=True)
    assert "Confirm email" in page.get_data(as_text=True)
    assert client.post(link, {}).status_code == 200
    assert "Not verified" not in client.get("/settings/account").get_data(as_text=True)
    used = client.post(link, {})
    assert used.status_code == 404
    assert "This email link is invalid or has expired" in used.get_data(as_text=True)


def test_changing_the_email_address_confirms_the_new_one_and_tells_the_old(app, smtp):
    client = sign_up(app, "old@example.com", "changer")
    run_jobs(app, tasks=MAIL_TASKS)
    smtp.messages.clear()
    cases = [({"new_email": "nope", "email_password": "long enough pw"}, "Enter a valid email address"),
             ({"new_email": "OLD@example.com", "email_password": "long enough pw"},
              "This is already your email address"),
             ({"new_email": "new@example.com", "email_password": "wrong password"},
              "Current password is incorrect")]
    for data, message in cases:
        for htmx in (False, True):
            r = client.post("/settings/account", {"form": "email", **data}, htmx=htmx,
                            headers={"HX-Target": "email-form"} if htmx else None)
            assert r.status_code == 422 and message in r.get_data(as_text=True)
    r = client.post("/settings/account", {"form": "email", "new_email": "new@example.com",
                                          "email_password": "long enough pw"})
    assert r.status_code == 200 and "We sent a confirmation link to new@example.com" in r.get_data(as_text=True)
    assert in_session(app, lambda s: s.scalar(select(Account.email).where(
        Account.email.in_(["old@example.com", "new@example.com"])))) == "old@example.com"
    run_jobs(app, tasks=MAIL_TASKS)
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["new@example.com"]
    link = path_of(re.search(r"https?://\S+/verify-email/\S+", mail.part("plain")).group(0))
    assert "new@example.com" in client.get(link).get_data(as_text=True)
    assert client.post(link, {}).status_code == 200
    run_jobs(app, tasks=MAIL_TASKS)
    assert [m.rcpt_tos for m in smtp.messages][1:] == [["old@example.com"]]
    assert smtp.messages[1].message["Subject"] == "Your Buildstory email address was changed"
    assert client.post(link, {}).status_code == 404  # used


def test_a_new_address_taken_meanwhile_is_refused_when_the_link_is_followed(app, smtp):
    client = sign_up(app, "first@example.com", "first")
    client.post("/settings/account", {"form": "email", "new_email": "wanted@example.com",
                                      "email_password": "long enough pw"})
    run_jobs(app, tasks=MAIL_TASKS)
    [link] = [path_of(re.search(r"https?://\S+/verify-email/\S+", m.part("plain")).group(0))
              for m in smtp.messages if m.rcpt_tos == ["wanted@example.com"]]
    make_account(app, "wanted@example.com")
    r = client.post(link, {})
    assert r.status_code == 409
    assert "An account with this email already exists" in r.get_data(as_text=True)


def test_flask_mail_test_sends_one_email_now(app, smtp):
    result = app.test_cli_runner().invoke(args=["mail", "test", "ops@example.com"])
    assert result.exit_code == 0, result.output
    assert "Sent a test email to ops@example.com" in result.output
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["ops@example.com"] and mail.message["Subject"] == "Test email from Buildstory"
    smtp.stop()
    failed = app.test_cli_runner().invoke(args=["mail", "test", "ops@example.com"])
    assert failed.exit_code != 0 and "Sending failed" in failed.output


def test_running_a_mail_job_twice_sends_once(app, smtp):
    _acct, profile_id = make_account(app)
    outbox_id = in_session(app, lambda s: services.queue_email(
        s, kind="team_invite", recipient_id=profile_id, dedupe_key="invite:twice",
        subject="Grace invited you to join Rocket"))
    from buildstory import jobs
    in_session(app, lambda s: jobs.defer(s, "mail.send", outbox_id=outbox_id))  # a duplicate
    assert len(job_statuses(app, tasks=MAIL_TASKS)["todo"]) == 2
    assert run_jobs(app, tasks=MAIL_TASKS) == {}
    assert len(smtp.messages) == 1
    assert outbox(app) == [("team_invite", "sent", "ada@example.com", 1)]


def test_sigterm_lets_the_running_job_finish(app, smtp, tmp_path):
    """A real `flask worker` process: SIGTERM while it is handing a message to the mail
    server; the worker waits for the job, which completes, then exits."""
    import os
    import signal
    import sys
    import threading

    arrived, release = threading.Event(), threading.Event()
    original = smtp.handler.handle_DATA

    async def slow_data(server, session, envelope):
        import asyncio
        arrived.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = slow_data
    _acct, profile_id = make_account(app)
    in_session(app, lambda s: services.queue_email(
        s, kind="team_invite", recipient_id=profile_id, dedupe_key="invite:term",
        subject="Grace invited you to join Rocket"))
    env = dict(os.environ, FLASK_APP="buildstory", BUILDSTORY_INSTANCE=str(tmp_path),
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="x" * 32,
               MAIL_URL=smtp.url(), MAIL_FROM=SENDER)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--queue", "mail",
                               "--concurrency", "1"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert arrived.wait(60), "the worker never reached the mail server"
        worker.send_signal(signal.SIGTERM)
        release.set()
        output, _ = worker.communicate(timeout=60)
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Stop requested" in output
    assert len(smtp.messages) == 1
    assert outbox(app) == [("team_invite", "sent", "ada@example.com", 1)]
    assert job_statuses(app, tasks=MAIL_TASKS) == {}  # succeeded, deleted


def test_admin_retries_a_failed_email_once(app, smtp):
    _acct, profile_id = make_account(app)
    admin_id = make_account(app, "root@example.com", admin=True)[1]
    failed_id = in_session(app, lambda s: (s.add(row := EmailOutbox(
        kind="team_invite", recipient_id=profile_id, dedupe_key="f:1", subject="Retry me",
        status="failed", attempts=8, last_error="ConnectionRefusedError")), s.flush(), row.id)[2])
    admin = Client(app)
    assert admin.post("/sign-in", {"email": "root@example.com",
                                   "password": "correct horse battery"}).status_code == 303
    page = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Retry me" in page
    detail = admin.get(f"/admin/outbox/{failed_id}").get_data(as_text=True)
    assert "ConnectionRefusedError" in detail and "Retry" in detail
    r = admin.post(f"/admin/outbox/{failed_id}/retry", htmx=True,
                   headers={"HX-Target": "outbox-email"})
    assert r.status_code == 200 and "Queued" in r.get_data(as_text=True)
    again = admin.post(f"/admin/outbox/{failed_id}/retry")
    assert again.status_code == 409
    assert "Only failed emails can be retried" in again.get_data(as_text=True)
    run_jobs(app, tasks=MAIL_TASKS)
    assert [m.message["Subject"] for m in smtp.messages] == ["Retry me"]
    with app.app_context():
        audit = db.session.execute(sa.text(
            "SELECT action, actor_profile_id, metadata->>'outbox_id' FROM admin_audit_log")).all()
        db.session.remove()
    assert [tuple(a) for a in audit] == [("retry_email", admin_id, str(failed_id))]
