"""Command line: `flask seed-demo`, `flask users set-role`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .db import db
from .draws.cli import draws
from .errors import DomainError


def init_cli(app) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users)
    app.cli.add_command(draws)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Fill the database with a living demo (idempotent)."""
    from .demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, seed_demo
    from .identity.views import hasher

    counts = seed_demo(db.session, hasher=hasher())
    db.session.commit()
    made = ", ".join(f"{n} {k}" for k, n in counts.items())
    click.echo(f"Demo ready ({made} created). Demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}")


users = AppGroup("users", help="Manage users.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["user", "moderator", "admin"]))
def set_role_command(username, role):
    """Give USERNAME the ROLE (audited as a CLI action)."""
    from .moderation.services import set_role
    from .profiles.models import Profile

    target = db.session.scalar(select(Profile).where(Profile.username == username.lower()))
    if target is None:
        raise click.ClickException(f"No builder with username {username!r}")
    try:
        changed = set_role(db.session, None, target, role, via_cli=True,
                           admin_ids=current_app.config["ADMIN_USER_IDS"])
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"@{target.username} is now {role}" if changed else f"@{target.username} already is {role}")
