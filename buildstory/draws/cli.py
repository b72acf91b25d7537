"""`flask draws verify <draw_id>`: recompute a stored draw and say whether it matches."""
from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from ..db import db
from .models import PrizeDraw
from . import services

draws = AppGroup("draws", help="Prize draws.")


@draws.command("verify")
@click.argument("draw_id")
def verify_command(draw_id):
    """Recompute draw DRAW_ID from its stored seed and eligible list; exit 1 on mismatch."""
    try:
        key = uuid.UUID(draw_id)
    except ValueError:
        raise click.ClickException(f"Not a draw id: {draw_id!r}") from None
    prize_draw = db.session.get(PrizeDraw, key)
    if prize_draw is None:
        raise click.ClickException(f"No draw with id {draw_id}")
    result = services.verify(prize_draw)
    click.echo(f"Draw {prize_draw.id} ({prize_draw.algorithm}, seed {prize_draw.seed})")
    click.echo(f"Eligible: {len(prize_draw.eligible or [])}; "
               f"winners stored: {', '.join(_names(prize_draw.winners))}")
    click.echo(f"Recomputed winners: {', '.join(_names(result.expected))}")
    for problem in result.problems:
        click.echo(f"- {problem}")
    click.echo("match" if result.match else "mismatch")
    if not result.match:
        raise SystemExit(1)


def _names(people) -> list[str]:
    return [f"@{p.get('username')}" if isinstance(p, dict) else repr(p) for p in people or []]
