"""``flask worker``: run the background jobs."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from .core import QUEUES, run_worker


@click.command("worker")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run side by side.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(QUEUES),
              help="A queue to work on (repeat for several; default: every queue).")
@with_appcontext
def worker_command(concurrency, queues):
    """Run background jobs until stopped (Ctrl-C or SIGTERM lets running jobs finish)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    click.echo(f"Worker on {', '.join(queues or QUEUES)} with concurrency {concurrency}",
               err=True)
    run_worker(app, queues=queues or None, concurrency=concurrency)
