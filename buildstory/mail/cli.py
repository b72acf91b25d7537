"""``flask mail test <address>``: send one email now with the configured MAIL_URL."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..clock import utcnow
from ..db import db
from .models import EmailOutbox

mail = AppGroup("mail", help="Email.")


@mail.command("test")
@click.argument("address")
def test_command(address):
    """Send a test email to ADDRESS at once (not through the queue) and say how it went."""
    from . import tasks, transport

    row = EmailOutbox(kind="test", to_address=address, subject="Test email from Buildstory",
                      dedupe_key=f"test:{utcnow().isoformat()}:{address}")
    db.session.add(row)
    db.session.flush()
    try:
        tasks.deliver(db.session, row)
    except transport.MailError as exc:
        raise click.ClickException(f"Sending failed: {exc}") from None
    db.session.commit()
    click.echo(f"Sent a test email to {address}.")
