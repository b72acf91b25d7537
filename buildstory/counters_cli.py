"""`flask counters verify`: recount every stored counter and report any that drifted."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text

from .db import db

counters_group = AppGroup("counters", help="Check stored counters.")

# The hackathon's and the tools' counters: (table, columns) compared before and after a
# recount inside a savepoint that is rolled back.
_HACKATHON = (("ai_tools", ("usage_count",)),
              ("event_submissions", ("review_count", "judge_score_count", "highlight_count",
                                     "visible_review_count", "highlight_counts", "visible")))


def hackathon_mismatches(session) -> list[str]:
    """The tool and submission counters that differ from a recount (nothing is changed)."""
    from .hackathon import counters

    def snapshot():
        return {table: {row[0]: tuple(row[1:]) for row in session.execute(text(
            f"SELECT id, {', '.join(cols)} FROM {table}"))} for table, cols in _HACKATHON}
    before = snapshot()
    savepoint = session.begin_nested()
    counters.recount_all(session)
    after = snapshot()
    savepoint.rollback()
    found = []
    for table, cols in _HACKATHON:
        for key, stored in before[table].items():
            counted = after[table].get(key)
            if counted is not None and counted != stored:
                found.append(f"{table} {key} {', '.join(cols)}: stored {stored}, "
                             f"counted {counted}")
    return found


@counters_group.command("verify")
@with_appcontext
def verify_command():
    """Recount posts', comments', ideas', tools' and submissions' counters; exit 1 on a mismatch."""
    from .buildlogs import counters
    from .roadmap import counters as roadmap_counters
    found = (counters.mismatches(db.session) + roadmap_counters.mismatches(db.session)
             + hackathon_mismatches(db.session))
    for line in found:
        click.echo(line)
    if found:
        click.echo(f"{len(found)} counter(s) differ from a recount.", err=True)
        raise SystemExit(1)
    click.echo("Every counter matches a recount.")
