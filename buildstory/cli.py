"""Command line: `flask seed-demo`, `flask users set-role`, `flask worker`, `flask counters verify`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .counters_cli import counters_group
from .db import db
from .draws.cli import draws
from .errors import DomainError
from .jobs.cli import worker_command
from .mail.cli import mail
from .storage.cli import storage_group


def init_cli(app) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users)
    app.cli.add_command(draws)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail)
    app.cli.add_command(counters_group)
    app.cli.add_command(storage_group)


@click.command("seed-demo")
@click.option("--force", is_flag=True,
              help="Seed even when BUILDSTORY_ENV=production (creates an admin account).")
@with_appcontext
def seed_demo_command(force):
    """Fill the database with a living demo (idempotent).

    The demo admin gets a random password, printed here once and stored nowhere else.
    """
    from .demo import DEMO_ADMIN_EMAIL, new_admin_password, seed_demo
    from .identity.views import hasher

    if current_app.config["PRODUCTION"] and not force:
        raise click.ClickException(
            "Refusing to seed the demo with BUILDSTORY_ENV=production: it adds fake builders "
            "and an admin account. Pass --force if you really mean it.")
    password = new_admin_password()
    counts = seed_demo(db.session, hasher=hasher(), admin_password=password)
    db.session.commit()
    made = ", ".join(f"{n} {k}" for k, n in counts.items() if k != "admin")
    click.echo(f"Demo ready ({made} created).")
    if counts["admin"]:
        click.echo(f"Demo admin created. Sign in at /sign-in with {DEMO_ADMIN_EMAIL} and the "
                   f"password {password}\n(shown only this once; `make clean-db` seeds a "
                   "fresh demo with a new one).")
    else:
        click.echo(f"Demo admin: {DEMO_ADMIN_EMAIL} (its password was printed when the demo "
                   "was first seeded; `make clean-db` seeds a fresh demo with a new one).")


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
