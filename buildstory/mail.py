"""Outgoing email: logged in development, sent over SMTP when configured."""
from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger("buildstory.mail")


def send_mail(config, to: str, subject: str, body: str) -> None:
    """Send one plain-text email with the configured backend (``log`` or ``smtp``)."""
    if config.get("MAIL_BACKEND") != "smtp" or not config.get("SMTP_URL"):
        log.warning("email to %s: %s\n%s", to, subject, body)
        return
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = config["MAIL_FROM"], to, subject
    msg.set_content(body)
    url = urlsplit(config["SMTP_URL"])
    smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(url.hostname, url.port or (465 if url.scheme == "smtps" else 587),
                  timeout=10) as smtp:
        if url.scheme == "smtp+starttls" or (url.scheme == "smtp" and url.port == 587):
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(msg)


def send_mail_later(config, to: str, subject: str, body: str) -> None:
    """Send without making the request wait: the log backend at once, SMTP on a daemon
    thread that logs failures. A reset request then answers as fast, and the same, whether
    or not an email goes out — a slow or failing mail server reveals no account."""
    if config.get("MAIL_BACKEND") != "smtp" or not config.get("SMTP_URL"):
        send_mail(config, to, subject, body)
        return
    settings = {key: config.get(key) for key in ("MAIL_BACKEND", "SMTP_URL", "MAIL_FROM")}
    threading.Thread(target=_send_logged, args=(settings, to, subject, body),
                     name="mail", daemon=True).start()


def _send_logged(config, to: str, subject: str, body: str) -> None:
    try:
        send_mail(config, to, subject, body)
    except Exception:  # the request has long been answered; the log is all we can tell
        log.exception("sending email to %s failed", to)
