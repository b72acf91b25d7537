"""The mail jobs: ``mail.send`` (one outbox row), ``mail.password_reset`` and
``mail.account_email`` (address links and notices). Each is idempotent: it acts on a
queued outbox row only, and a re-run of a job finds the row it made by its dedupe key.
"""
from __future__ import annotations

import json
import os
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from .. import jobs
from ..clock import utcnow
from ..identity import tokens as identity_tokens
from ..identity.models import Account
from ..identity.services import normalise_email
from ..mentoring import tokens as mentor_tokens
from ..profiles.models import Profile
from . import services, tokens, transport
from .models import EmailOutbox, EmailStatus
from .preferences import TRANSACTIONAL, TYPES, is_notification

CLERK_UNAVAILABLE = "Email notifications are not available on this site"


class Suppress(Exception):
    """This email must not go out (any more): the row ends as suppressed."""


@jobs.task(name="mail.send", queue="mail")
def send(session, *, outbox_id):
    """Send one queued outbox row (others are left alone)."""
    row = services.claim(session, outbox_id)
    if row is not None:
        deliver(session, row)


@jobs.task(name="mail.password_reset", queue="mail")
def password_reset(session, *, email):
    """Mail a reset link when an account has this address; do nothing otherwise. The link
    is minted here, at send time, and lives only in the message."""
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is not None:
        _transactional(session, "password_reset", account, account.email)


@jobs.task(name="mail.account_email", queue="mail")
def account_email(session, *, kind, account_id, to_address):
    """``verify_email`` / ``confirm_email`` (a link to ``to_address``) or ``email_changed``
    (a notice to the old address) for a local account."""
    if kind not in ("verify_email", "confirm_email", "email_changed"):
        raise ValueError(f"not an account email: {kind!r}")
    account = session.get(Account, account_id)
    if account is not None:
        _transactional(session, kind, account, to_address)


def _transactional(session, kind, account, to_address):
    job = jobs.current_job()
    key = f"{kind}:job:{job.id}" if job else f"{kind}:{utcnow().timestamp()}"
    profile_id = session.scalar(select(Profile.id).where(Profile.clerk_id == account.id))
    session.execute(insert(EmailOutbox).values(
        kind=kind, recipient_id=profile_id, to_address=to_address, dedupe_key=key,
        subject=TRANSACTIONAL[kind]).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    row = services.claim_by_key(session, key)
    if row is not None:
        deliver(session, row)


def deliver(session, row: EmailOutbox) -> None:
    """Render and send ``row`` now; mark it sent, suppressed, or (last attempt) failed.

    A failed attempt is committed before the error propagates, so the job's retry and
    ``/admin/outbox`` both see it."""
    cfg = current_app.config
    try:
        address, context = _prepare(session, row)
    except Suppress as why:
        row.status, row.last_error = EmailStatus.suppressed, str(why) or None
        return
    msg = _message(row, address, context)
    row.to_address = address
    if not cfg["PRODUCTION"]:  # links in bodies are secrets: kept in development only
        row.body_text = msg.get_body(("plain",)).get_content()
        row.body_html = msg.get_body(("html",)).get_content()
    try:
        transport.send(cfg, msg)
    except transport.MailError as exc:
        job = jobs.current_job()
        services.mark_failed_attempt(row, str(exc), last=job is None or job.last_attempt)
        session.commit()
        raise
    services.mark_sent(row, now=utcnow())


def _prepare(session, row: EmailOutbox) -> tuple[str, dict]:
    """(address, template context) for ``row``, or Suppress."""
    cfg, now = current_app.config, utcnow()
    profile = session.get(Profile, row.recipient_id) if row.recipient_id else None
    if row.recipient_id is not None:
        if profile is None:
            raise Suppress("The recipient was deleted")
        if profile.banned_at is not None:
            raise Suppress("The recipient is banned")
    if is_notification(row.kind) and not services.wants_email(session, profile.id, row.kind):
        raise Suppress("The recipient turned these emails off")
    context = {"kind": row.kind, "subject": row.subject, "profile": profile,
               "base_url": _base_url()}
    if row.kind in ("password_reset", "verify_email", "confirm_email"):
        account = (session.scalar(select(Account).where(Account.email == row.to_address))
                   if row.kind == "password_reset" else
                   session.get(Account, profile.clerk_id) if profile else None)
        if account is None:
            raise Suppress("The account no longer exists")
        if row.kind == "password_reset":
            token = identity_tokens.encode_reset(account, cfg["SECRET_KEY"], now=now)
            context["link"] = absolute_url("identity.reset_password", token=token)
        else:
            if row.kind == "verify_email" and (account.email_verified_at is not None
                                               or account.email != row.to_address):
                raise Suppress("The address is verified already or changed")
            new = row.to_address if row.kind == "confirm_email" else None
            token = identity_tokens.encode_email_link(account, cfg["SECRET_KEY"], now=now,
                                                      new_email=new)
            context["link"] = absolute_url("identity.verify_email", token=token)
    if row.kind == mentor_tokens.KIND:
        # The claim link is minted now, so the stored hash always belongs to the newest
        # email; an application claimed or no longer approved sends nothing.
        application_id = mentor_tokens.application_of(row.dedupe_key)
        token = application_id and mentor_tokens.mint(
            session, application_id, now=now, ttl_days=cfg["MENTOR_CLAIM_TTL_DAYS"])
        if not token:
            raise Suppress("The mentor application was claimed or is no longer approved")
        context.update(link=absolute_url("mentoring.claim_link", token=token),
                       days=cfg["MENTOR_CLAIM_TTL_DAYS"])
    if is_notification(row.kind):
        context.update(
            label=TYPES[row.kind].label,
            link=_base_url() + "/notifications",
            settings_url=absolute_url("mail.settings"),
            unsubscribe_url=absolute_url("mail.unsubscribe", token=tokens.encode_unsubscribe(
                cfg["SECRET_KEY"], profile.id, row.kind)))
    return row.to_address or _address_of(session, profile), context


def _address_of(session, profile) -> str:
    if current_app.config["AUTH_PROVIDER"] == "clerk":
        return _clerk_address(profile.clerk_id)
    address = session.scalar(select(Account.email).where(Account.id == profile.clerk_id))
    if address is None:
        raise Suppress("The recipient has no email address")
    return address


def _clerk_address(user_id: str) -> str:
    """The primary address of a Clerk user, asked of Clerk's Backend API at send time."""
    key = current_app.config.get("CLERK_SECRET_KEY")
    if not key:
        raise Suppress(CLERK_UNAVAILABLE)
    req = urllib.request.Request(f"https://api.clerk.com/v1/users/{user_id}",
                                 headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            user = json.load(response)
    except OSError as exc:
        raise transport.MailError(f"Clerk API: {exc}") from exc
    primary = user.get("primary_email_address_id")
    for entry in user.get("email_addresses") or []:
        if entry.get("id") == primary and entry.get("email_address"):
            return entry["email_address"]
    raise Suppress("The recipient has no email address")


def _message(row: EmailOutbox, address: str, context: dict) -> EmailMessage:
    cfg = current_app.config
    names = [f"email/{row.kind}", "email/notification"] if is_notification(row.kind) \
        else [f"email/{row.kind}"]
    text_body = render_template([n + ".txt" for n in names], **context)
    html_body = render_template([n + ".html" for n in names], **context)
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = address
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(cfg["MAIL_FROM"])[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("outbox." + str(row.id), domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    if is_notification(row.kind):
        msg["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text_body)
    msg.add_alternative(html_body, subtype="html")
    return msg


def _base_url() -> str:
    """Absolute links start with PUBLIC_URL; in development without it, with the address
    ``make run`` serves on."""
    public = current_app.config.get("PUBLIC_URL")
    return (public or "http://" + os.environ.get("BIND", "127.0.0.1:5000")).rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    parts = urlsplit(_base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
