"""Reading build-log posts: the one visibility filter, feeds by keyset, one post
(docs/rules.md "Build logs")."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, and_, cast, func, null, or_, select, tuple_
from sqlalchemy.orm import aliased, defer

from ..enums import PostContextType
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import Project
from ..tools.models import AiTool
from . import rules
from .models import Post, PostImage, Reaction

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)

Author = aliased(Profile, name="author")
Owner = aliased(Profile, name="project_owner")


def visible_posts():
    """The one filter of what anyone may see: not deleted, not hidden, the author neither
    hidden nor banned, and the project (with its owner) or the tool visible. The query
    must join ``Author``, ``Project`` and ``Owner`` (outer) and ``AiTool`` (outer) as
    ``_statement`` does."""
    return and_(Post.deleted_at.is_(None), Post.hidden_at.is_(None), visible(Author),
                or_(and_(Post.context_type == PostContextType.project,
                         Project.hidden_at.is_(None), visible(Owner)),
                    and_(Post.context_type == PostContextType.tool,
                         AiTool.hidden_at.is_(None))))


def _mine(viewer_id):
    """The viewer's reactions on each post, as a column of the same statement (a lookup
    of the reactions' unique index per post shown); NULL for visitors."""
    if viewer_id is None:
        return null().label("mine")
    return func.array(select(cast(Reaction.emoji, String))
                      .where(Reaction.post_id == Post.id, Reaction.profile_id == viewer_id)
                      .scalar_subquery()).label("mine")


def _statement(viewer_id=None):
    """Posts with author, context, image (without its bytes) and the viewer's reactions
    in one statement."""
    return (select(Post, Author, Project, AiTool, PostImage, Owner, _mine(viewer_id))
            .join(Author, Author.id == Post.author_id)
            .outerjoin(Project, Project.id == Post.project_id)
            .outerjoin(Owner, Owner.id == Project.profile_id)
            .outerjoin(AiTool, AiTool.id == Post.tool_id)
            .outerjoin(PostImage, PostImage.post_id == Post.id)
            .options(defer(PostImage.data)))


@dataclass
class Card:
    post: Post
    author: Profile
    project: Project | None
    tool: AiTool | None
    image: PostImage | None
    owner: Profile | None = None
    mine: list | None = None  # the viewer's reactions on this post (emoji names)
    signed_in: bool = False

    @property
    def id(self):
        return self.post.id

    @property
    def reactions(self) -> dict:
        """What the card's reaction buttons need."""
        from .reactions import EMOJI_LIST
        return {"mine": {("post", self.post.id, e) for e in self.mine or ()},
                "emoji_list": EMOJI_LIST, "signed_in": self.signed_in}


@dataclass
class Page:
    cards: list[Card]
    older: str | None  # the cursor of the next page, None on the last


def encode_cursor(post: Post) -> str:
    return f"{(post.created_at - EPOCH) // TICK}.{post.id.hex}"


def decode_cursor(raw: str | None):
    """Return ``(created_at, id)``; None without a cursor; ValueError when malformed."""
    if raw is None:
        return None
    micros, hex_id = raw.split(".")
    if not micros.isdigit() or len(hex_id) != 32:
        raise ValueError(raw)
    return EPOCH + int(micros) * TICK, uuid.UUID(hex=hex_id)


def _cards(rows, viewer_id) -> list[Card]:
    return [Card(*row, signed_in=viewer_id is not None) for row in rows]


def feed(session, *, project_id=None, tool_id=None, author_id=None, before=None,
         limit: int = rules.PAGE_SIZE, viewer_id=None) -> Page:
    """Visible posts newest first (all, or one project's, tool's or builder's), one page
    after ``before`` (a decoded cursor), with ``viewer_id``'s reactions on each."""
    stmt = _statement(viewer_id).where(visible_posts())
    if project_id is not None:
        stmt = stmt.where(Post.project_id == project_id)
    if tool_id is not None:
        stmt = stmt.where(Post.tool_id == tool_id)
    if author_id is not None:
        stmt = stmt.where(Post.author_id == author_id)
    if before is not None:
        stmt = stmt.where(tuple_(Post.created_at, Post.id) < tuple_(*before))
    rows = session.execute(stmt.order_by(Post.created_at.desc(), Post.id.desc())
                           .limit(limit + 1)).all()
    cards = _cards(rows[:limit], viewer_id)
    older = encode_cursor(cards[-1].post) if len(rows) > limit else None
    return Page(cards, older)


def latest(session, **where) -> Page:
    """The latest five (a project's, tool's or builder's section)."""
    return feed(session, limit=rules.LATEST, **where)


def card(session, post_id, viewer_id=None) -> Card | None:
    """One post with everything its card shows (``viewer_id``'s reactions included),
    whatever its state (the caller decides who may see it)."""
    row = session.execute(_statement(viewer_id).where(Post.id == post_id)).first()
    return _cards([row], viewer_id)[0] if row else None


def is_visible(c: Card) -> bool:
    """The same rule as ``visible_posts`` for a loaded card."""
    p = c.post
    if p.deleted_at is not None or p.hidden_at is not None:
        return False
    if c.author.hidden_at is not None or c.author.banned_at is not None:
        return False
    if c.project is not None:
        owner = c.owner
        return c.project.hidden_at is None and owner.hidden_at is None and owner.banned_at is None
    return c.tool is not None and c.tool.hidden_at is None


def can_view(c: Card, viewer, is_moderator: bool) -> bool:
    """Visible posts for everyone; a hidden post (not deleted) for its author and
    moderators, badged."""
    if c.post.deleted_at is not None:
        return False
    if is_visible(c):
        return True
    return is_moderator or (viewer is not None and viewer.id == c.post.author_id
                            and c.post.hidden_at is not None)


def image(session, post_id, digest: str) -> PostImage | None:
    row = session.get(PostImage, post_id)
    return row if row is not None and row.hash == digest else None


def visible_select():
    """Every visible post, no columns yet (the sitemap adds its own)."""
    return (select().select_from(Post)
            .join(Author, Author.id == Post.author_id)
            .outerjoin(Project, Project.id == Post.project_id)
            .outerjoin(Owner, Owner.id == Project.profile_id)
            .outerjoin(AiTool, AiTool.id == Post.tool_id)
            .where(visible_posts()))
