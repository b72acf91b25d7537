"""The contributors' leaderboard, precomputed every 10 minutes into
``roadmap_leaderboard`` (docs/rules.md "Roadmap").

Score = ideas × 10 + shipped ideas × 30 + comments × 3 + upvotes given × 1, counting only
what everyone may see: ideas in a public status (so no inbox, closed or archived idea
leaks through a score), comments not deleted on public ideas, upvotes of public ideas.
"month" counts what was created, shipped or given since the 1st (UTC). Hidden and banned
builders are left out; the top 50, ties by username. One refresh replaces a period's rows
in one transaction, under a lock, so readers see the old or the new table, never half.
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import text

from .. import ratelimits
from . import rules

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PUBLIC = "('exploring', 'next', 'now', 'shipped')"


@cache
def _refresh():
    p = rules.POINTS
    return text(f"""
        INSERT INTO roadmap_leaderboard (period, rank, profile_id, score, ideas, shipped,
                                         comments, upvotes, computed_at)
        SELECT :period, row_number() OVER (ORDER BY t.score DESC, a.username), t.profile_id,
               t.score, t.ideas, t.shipped, t.comments, t.upvotes, :now
        FROM (
            SELECT profile_id, sum(ideas) AS ideas, sum(shipped) AS shipped,
                   sum(comments) AS comments, sum(upvotes) AS upvotes,
                   sum(ideas) * {p['ideas']} + sum(shipped) * {p['shipped']}
                   + sum(comments) * {p['comments']} + sum(upvotes) * {p['upvotes']} AS score
            FROM (
                SELECT author_id AS profile_id, 1 AS ideas, 0 AS shipped, 0 AS comments,
                       0 AS upvotes
                FROM feature_board_items WHERE status IN {PUBLIC} AND created_at >= :since
                UNION ALL
                SELECT author_id, 0, 1, 0, 0 FROM feature_board_items
                WHERE status = 'shipped' AND shipped_at >= :since
                UNION ALL
                SELECT c.author_id, 0, 0, 1, 0 FROM feature_board_comments c
                JOIN feature_board_items i ON i.id = c.item_id
                WHERE c.deleted_at IS NULL AND i.status IN {PUBLIC} AND c.created_at >= :since
                UNION ALL
                SELECT u.profile_id, 0, 0, 0, 1 FROM feature_board_upvotes u
                JOIN feature_board_items i ON i.id = u.item_id
                WHERE i.status IN {PUBLIC} AND u.created_at >= :since
            ) x GROUP BY profile_id
        ) t JOIN profiles a ON a.id = t.profile_id
        WHERE a.hidden_at IS NULL AND a.banned_at IS NULL
        ORDER BY t.score DESC, a.username
        LIMIT {rules.LEADERBOARD_SIZE}""")


def refresh(session, *, now: datetime) -> None:
    """Recompute both periods' top 50 (replacing the stored rows)."""
    ratelimits.lock(session, "roadmap_leaderboard", "all")
    for period, since in (("all", EPOCH), ("month", rules.month_start(now))):
        session.execute(text("DELETE FROM roadmap_leaderboard WHERE period = :period"),
                        {"period": period})
        session.execute(_refresh(), {"period": period, "since": since, "now": now})


@cache
def _read():
    return text("""
        SELECT l.rank, l.score, l.ideas, l.shipped, l.comments, l.upvotes, l.computed_at,
               a.username, a.display_name
        FROM roadmap_leaderboard l JOIN profiles a ON a.id = l.profile_id
        WHERE l.period = :period AND a.hidden_at IS NULL AND a.banned_at IS NULL
        ORDER BY l.rank""")


def read(session, period: str):
    """The stored top 50 of ``period`` (builders hidden or banned since are left out) and
    when it was computed (None before the first run). One statement."""
    rows = session.execute(_read(), {"period": period}).mappings().all()
    return rows, (rows[0]["computed_at"] if rows else None)
