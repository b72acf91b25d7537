"""The roadmap's periodic job: the contributors' leaderboard every 10 minutes. Importing
this module also registers the upvoters' audience the shipped fan-out walks."""
from __future__ import annotations

from .. import jobs
from ..clock import utcnow
from . import leaderboard, notices  # noqa: F401  (notices registers the fan-out audience)


@jobs.task(name="roadmap.leaderboard", queue="maintenance", attempts=1, cron="*/10 * * * *")
def refresh_leaderboard(session, *, timestamp: int | None = None) -> None:
    """Every 10 minutes: recompute the top 50 contributors of all time and of the month."""
    leaderboard.refresh(session, now=utcnow())
