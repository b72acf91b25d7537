"""``flask storage move``: copy the database's objects to the configured bucket."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import text

from ..db import db
from . import current, move_to_external

storage_group = AppGroup("storage", help="Uploaded media (STORAGE_URL).")


@storage_group.command("move")
@click.option("--batch", default=100, show_default=True, help="Objects per transaction.")
def move_command(batch: int) -> None:
    """Move every image stored in PostgreSQL (media_objects) to the S3 bucket of
    STORAGE_URL, then delete it from PostgreSQL. Safe to run while the site serves (an
    image is read from the bucket first, then from PostgreSQL) and to run again."""
    if not current().external:
        raise click.ClickException("STORAGE_URL names no bucket: nothing to move to")
    left = db.session.scalar(text("SELECT count(*) FROM media_objects"))
    with click.progressbar(length=left, label="Moving images") as bar:
        while moved := move_to_external(db.session, batch=batch):
            db.session.commit()
            bar.update(moved)
    click.echo("Every image is in the bucket.")
