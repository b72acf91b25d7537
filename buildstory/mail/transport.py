"""Handing a message to the mail server named by ``MAIL_URL`` (or to the log).

``smtp://`` upgrades to TLS with STARTTLS and refuses to send in the clear unless the
server is on this machine (loopback); ``smtps://`` is TLS from the first byte. Server
certificates are always verified against the system's trust store (or ``SSL_CERT_FILE``).
"""
from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

log = logging.getLogger("buildstory.mail")


class MailError(RuntimeError):
    """The message could not be handed over (the job retries)."""


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def send(config, msg: EmailMessage) -> None:
    """Send ``msg`` (its To header is the envelope recipient) or log it for ``log:``."""
    url = urlsplit(config["MAIL_URL"])
    if url.scheme == "log":
        body = msg.get_body(("plain",))
        log.warning("email to %s: %s\n%s", msg["To"], msg["Subject"],
                    body.get_content() if body is not None else "")
        return
    host, context = url.hostname, ssl.create_default_context()
    timeout = config.get("MAIL_TIMEOUT", 10)
    try:
        if url.scheme == "smtps":
            server = smtplib.SMTP_SSL(host, url.port or 465, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(host, url.port or 587, timeout=timeout)
        with server:
            if url.scheme == "smtp":
                server.ehlo()
                if server.has_extn("starttls"):
                    server.starttls(context=context)
                    server.ehlo()
                elif not is_loopback(host):
                    raise MailError(f"{host} offers no STARTTLS: refusing to send "
                                    "credentials and mail unencrypted")
            if url.username:
                server.login(unquote(url.username), unquote(url.password or ""))
            sender = parseaddr(config["MAIL_FROM"])[1]
            server.send_message(msg, from_addr=sender, to_addrs=[msg["To"]])
    except MailError:
        raise
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
