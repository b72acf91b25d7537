"""Reads of the roadmap: the board, the list, one idea with its comments, the categories
and the leaderboard — each one statement, with the viewer's upvotes joined in
(docs/rules.md "Roadmap")."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text

from ..enums import FeatureBoardStatus as S
from . import rules

_CARD = """i.id, i.title, i.slug, i.status::text AS status, i.upvote_count, i.comment_count,
           i.created_at, i.shipped_at, i.author_id, c.name AS category_name,
           c.colour AS category_colour,
           EXISTS (SELECT 1 FROM feature_board_upvotes u
                   WHERE u.item_id = i.id AND u.profile_id = :viewer) AS upvoted"""


@dataclass
class Column:
    status: S
    cards: list
    total: int


@cache
def _board():
    # Per status: its first 50 cards by its own index (Shipped: latest shipped), and how
    # many it holds in all. The inbox is the triagers' — or, for its author, their own.
    return text(f"""
        SELECT s.status AS column_status, t.total, x.*
        FROM unnest(CAST(:statuses AS text[])) WITH ORDINALITY AS s(status, n)
        CROSS JOIN LATERAL (
            SELECT count(*) AS total FROM feature_board_items i
            WHERE i.status = CAST(s.status AS feature_board_status)
              AND (:triager OR s.status <> 'inbox' OR i.author_id = :viewer)) t
        LEFT JOIN LATERAL (
            SELECT {_CARD} FROM feature_board_items i
            LEFT JOIN feature_board_categories c ON c.id = i.category_id
            WHERE i.status = CAST(s.status AS feature_board_status)
              AND (:triager OR s.status <> 'inbox' OR i.author_id = :viewer)
            ORDER BY CASE WHEN s.status = 'shipped' THEN i.shipped_at END DESC NULLS LAST,
                     i.upvote_count DESC, i.id
            LIMIT {rules.COLUMN_SIZE}) x ON true
        ORDER BY s.n""")


def board(session, *, triager: bool, viewer_id) -> list[Column]:
    """The board's columns (Now, Next, Exploring, Shipped; triagers also Inbox, Closed,
    Archived; an author their own waiting ideas), ≤ 50 cards each, in one statement."""
    statuses = list(rules.TRIAGER_COLUMNS if triager else rules.BOARD_COLUMNS)
    if not triager and viewer_id is not None:
        statuses.append(S.inbox)
    rows = session.execute(_board(), {"statuses": [s.value for s in statuses],
                                      "triager": triager, "viewer": viewer_id}).mappings()
    columns: dict[str, Column] = {s.value: Column(s, [], 0) for s in statuses}
    for row in rows:
        column = columns[row["column_status"]]
        column.total = row["total"]
        if row["id"] is not None:
            column.cards.append(row)
    return [c for c in columns.values()
            if triager or c.status != S.inbox or c.cards]


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def listing(session, *, triager: bool, viewer_id, sort: str = "top", status=None,
            category_id=None, q: str = "", page: int = 1):
    """A page (18) of ideas the viewer may see, filtered and sorted (top: most upvoted;
    new: newest); titles searched by prefix under 3 characters, by trigram from 3.
    Returns (rows, has_more); one statement."""
    statuses = [status] if status is not None else list(
        S if triager else rules.PUBLIC)
    where = ["i.status = ANY(CAST(:statuses AS feature_board_status[]))"]
    params = {"statuses": [s.value for s in statuses], "viewer": viewer_id,
              "limit": rules.PAGE_SIZE + 1, "offset": (page - 1) * rules.PAGE_SIZE}
    if category_id is not None:
        where.append("i.category_id = :category_id")
        params["category_id"] = category_id
    q = (q or "").strip().lower()[:rules.QUERY_MAX]
    if q:
        if len(q) < rules.TRIGRAM_FROM:
            where.append("lower(i.title) LIKE :pattern")
            params["pattern"] = _escape_like(q) + "%"
        else:
            where.append("lower(i.title) LIKE :pattern")
            params["pattern"] = "%" + _escape_like(q) + "%"
    order = ("i.upvote_count DESC, i.id" if sort != "new" else "i.created_at DESC, i.id")
    rows = session.execute(text(f"""
        SELECT {_CARD} FROM feature_board_items i
        LEFT JOIN feature_board_categories c ON c.id = i.category_id
        WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :limit OFFSET :offset"""),
        params).mappings().all()
    return rows[:rules.PAGE_SIZE], len(rows) > rules.PAGE_SIZE


def idea_by_slug(session, slug: str, *, viewer_id, with_comment=None):
    """The idea with its category, author and whether the viewer upvoted it (one
    statement), or None. The caller decides whether the viewer may see it
    (``access.can_see``). ``with_comment`` (a comment id, e.g. the parent of a reply) is
    loaded in the same statement, so ``session.get`` of it afterwards runs no query."""
    from sqlalchemy import exists, select
    from ..profiles.models import Profile
    from .models import FeatureBoardCategory as C, FeatureBoardComment as Cm
    from .models import FeatureBoardItem as I, FeatureBoardUpvote as U
    upvoted = exists().where(U.item_id == I.id, U.profile_id == viewer_id)
    stmt = (select(I, C.name, C.colour, Profile.username, Profile.display_name,
                   upvoted.label("upvoted"))
            .join(Profile, Profile.id == I.author_id)
            .outerjoin(C, C.id == I.category_id)
            .where(I.slug == slug))
    if with_comment is not None:
        stmt = stmt.add_columns(Cm).outerjoin(Cm, Cm.id == with_comment)
    row = session.execute(stmt).first()
    if row is None:
        return None
    # the joined comment is kept on the idea: the session's identity map holds objects
    # weakly, so without a reference it would be gone before ``session.get`` asks for it
    return Idea(row[0], {"category_name": row[1], "category_colour": row[2],
                         "author_username": row[3], "author_name": row[4],
                         "upvoted": bool(row[5]) if viewer_id is not None else False,
                         "joined_comment": row[6] if with_comment is not None else None})


class Idea:
    """An idea plus what the page joined (category, author, the viewer's upvote)."""

    def __init__(self, item, extra):
        self.item, self.extra = item, extra

    def __getattr__(self, name):
        if name in ("item", "extra"):
            raise AttributeError(name)
        if name in self.extra:
            return self.extra[name]
        return getattr(self.item, name)

    def __getitem__(self, name):
        return getattr(self, name)


@cache
def _comments():
    return text(f"""
        SELECT c.id, c.item_id, c.parent_comment_id, c.body, c.author_id, c.created_at,
               c.edited_at, c.deleted_at, a.username AS author_username,
               a.display_name AS author_name,
               (a.hidden_at IS NOT NULL OR a.banned_at IS NOT NULL) AS author_hidden
        FROM feature_board_comments c JOIN profiles a ON a.id = c.author_id
        WHERE c.item_id = :item_id
        ORDER BY c.created_at, c.id LIMIT {rules.COMMENTS_SHOWN}""")


def comment_threads(session, item_id, *, sees_hidden: bool, viewer_id) -> list[dict]:
    """The idea's top-level comments oldest first, each with its replies; a deleted
    comment with replies stays as a placeholder, one without disappears. Comments of
    hidden or banned builders are shown to moderators and their author only."""
    rows = session.execute(_comments(), {"item_id": item_id}).mappings().all()

    def shown(r):
        return sees_hidden or not r["author_hidden"] or r["author_id"] == viewer_id
    tops, replies = [], {}
    for r in rows:
        if r["parent_comment_id"] is None:
            tops.append(r)
        elif r["deleted_at"] is None and shown(r):
            replies.setdefault(r["parent_comment_id"], []).append(r)
    threads = []
    for r in tops:
        kids = replies.get(r["id"], [])
        if r["deleted_at"] is not None or not shown(r):
            if kids:
                threads.append({"comment": r, "placeholder": True, "replies": kids})
            continue
        threads.append({"comment": r, "placeholder": False, "replies": kids})
    return threads


def categories(session) -> list:
    """Every category in its order (a handful: admins keep them short)."""
    from sqlalchemy import select
    from .models import FeatureBoardCategory
    return list(session.scalars(select(FeatureBoardCategory)
                                .order_by(FeatureBoardCategory.sort_order,
                                          FeatureBoardCategory.name)))


def public_slugs(session, *, offset: int, limit: int) -> list:
    """Slugs and times of the public ideas, for the sitemap."""
    return session.execute(text("""
        SELECT slug, updated_at FROM feature_board_items
        WHERE status IN ('exploring', 'next', 'now', 'shipped')
        ORDER BY created_at, id OFFSET :offset LIMIT :limit"""),
        {"offset": offset, "limit": limit}).all()
