"""Comments and reactions on build logs: posting, editing, deleting and hiding comments,
and the reaction buttons. htmx swaps ``comments-<post_id>`` or ``reactions-<kind>-<id>``
(blocks of ``buildlogs/talk.html``); without JavaScript each form posts and lands back on
the post page."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, g, get_template_attribute, request, url_for
from markupsafe import Markup

from ..clock import utcnow
from ..db import db
from ..enums import UserRole
from ..errors import DomainError, NotFound
from ..web import htmx
from ..web.auth import login_required, role_required
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from ..profiles.models import Profile
from . import comments, reactions
from .models import Post

bp = Blueprint("talk", __name__)

TEMPLATE = "buildlogs/talk.html"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)
EMOJI_LIST = reactions.EMOJI_LIST


def limits_enabled() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def sees_hidden() -> bool:
    return g.get("role") in (UserRole.moderator, UserRole.admin)


def cursor(c) -> str:
    """The keyset cursor after comment ``c``: ``<microseconds since 1970>.<id hex>``."""
    return f"{(c.created_at - EPOCH) // TICK}.{c.id.hex}"


def parse_cursor(raw: str | None):
    """``(created_at, id)`` of a cursor, None without one; 404 when malformed."""
    if raw is None:
        return None
    try:
        micros, hex_id = raw.split(".")
        return EPOCH + int(micros) * TICK, uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        abort(404)


def post_url(post_id) -> str:
    """The post page (its own view lives with the posts)."""
    return f"/posts/{post_id}"


def post_or_404(post_id):
    """The post when the viewer may see it (deleted or hidden-to-them: 404)."""
    post = comments.visible_post(db.session, post_id)
    if post is None:
        abort(404)
    return post


def comment_or_404(comment_id):
    """The comment when the viewer may see it, on a post they may see."""
    from .models import PostComment
    comment = db.session.get(PostComment, comment_id)
    if comment is None or comment.deleted_at is not None:
        abort(404)
    viewer = g.get("profile")
    if not sees_hidden():
        author = db.session.get(Profile, comment.author_id)
        if (comment.hidden_at is not None or author.hidden_at is not None
                or author.banned_at is not None) and (viewer is None or viewer.id != author.id):
            abort(404)
    post_or_404(comment.post_id)
    return comment


def talk_context(post, *, after=None, values=None, errors=None, error=None, mine=None,
                 confirm_for=None, post_ids=()) -> dict:
    """What ``comments_section`` renders: the page of comments, the viewer's reactions on
    the comments shown (one statement), the form."""
    viewer = g.get("profile")
    rows, has_more = comments.page_of_comments(db.session, post.id, sees_hidden=sees_hidden(),
                                               viewer_id=viewer.id if viewer else None,
                                               after=after)
    if mine is None:
        mine = reactions.viewer_reactions(db.session, viewer, post_ids=post_ids,
                                          comment_ids=[c.id for c in rows])
    return {"post": post, "comments": rows, "next_after": cursor(rows[-1]) if has_more else None,
            "mine": mine, "emoji_list": EMOJI_LIST, "viewer": viewer,
            "can_moderate": sees_hidden(), "now": utcnow(), "values": values or {},
            "errors": errors or {}, "edit_window": comments.EDIT_WINDOW,
            # a destructive action sent without its Confirm tick: the box shows on that one
            "confirm_for": confirm_for,
            "confirm_error": error if confirm_for else None, "error": None if confirm_for else error}


def _comments_answer(post, status: int = 200, **extra):
    """htmx: the comments section; else back to the post page (303), or for a refusal the
    section on a page of its own with the message (the form keeps what was typed)."""
    if htmx.is_htmx(boosted=True):
        return htmx.fragments((TEMPLATE, "comments", {"talk": talk_context(post, **extra)}),
                              status=status)
    if status >= 400:
        return htmx.page(TEMPLATE, None, status, talk=talk_context(post, **extra))
    return htmx.redirect(post_url(post.id) + f"#comments-{post.id}")


@bp.post("/posts/<uuid:post_id>/comments")
@login_required
def add_comment(post_id):
    """Comment on a post."""
    post = post_or_404(post_id)
    with refusal(DomainError) as refused:
        comments.add_comment(db.session, post, g.profile, request.form.get("body"),
                             now=utcnow(), limit_enabled=limits_enabled())
    if refused:
        if refused.status == 429:
            raise refused.error
        return _comments_answer(post, refused.status, values=request.form,
                                errors=refused.errors, error=refused.message)
    post_id = post.id
    db.session.commit()
    if not htmx.is_htmx(boosted=True):
        return htmx.redirect(post_url(post_id) + f"#comments-{post_id}")
    return _comments_answer(post)


@bp.route("/comments/<uuid:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id):
    """The author's edit form (15 minutes after posting)."""
    comment = comment_or_404(comment_id)
    ctx = {"comment": comment, "values": {"body": comment.body}, "errors": {}, "error": None}
    if comment.author_id != g.profile.id:
        raise comments.Forbidden(comments.ONLY_AUTHOR_EDIT)
    if request.method == "GET":
        if utcnow() - comment.created_at > comments.EDIT_WINDOW:
            raise comments.Conflict(comments.EDIT_WINDOW_PASSED)
        return htmx.page("buildlogs/comment_edit.html", None, **ctx)
    with refusal(DomainError) as refused:
        comments.edit_comment(db.session, comment, g.profile, request.form.get("body"),
                              now=utcnow())
    if refused:
        return htmx.page("buildlogs/comment_edit.html", None, refused.status,
                         **{**ctx, "values": request.form, "errors": refused.errors,
                            "error": refused.message})
    db.session.commit()
    return htmx.redirect(post_url(comment.post_id) + f"#comment-{comment.id}")


@bp.post("/comments/<uuid:comment_id>/delete")
@login_required
def delete_comment(comment_id):
    """The author deletes their comment (asked first)."""
    comment = comment_or_404(comment_id)
    post = post_or_404(comment.post_id)
    if comment.author_id != g.profile.id:
        raise comments.Forbidden(comments.ONLY_AUTHOR_DELETE)
    if not htmx.confirmed():
        return _comments_answer(post, 422, error=htmx.CONFIRM_REQUIRED,
                                confirm_for=("delete", comment.id))
    comments.delete_comment(db.session, comment, g.profile, now=utcnow())
    db.session.commit()
    return _comments_answer(post)


def _moderate(comment_id, action, *, ask: bool):
    from .models import PostComment
    comment = db.session.get(PostComment, comment_id)
    if comment is None or comment.deleted_at is not None:
        abort(404)
    post = post_or_404(comment.post_id)
    if ask and not htmx.confirmed():
        return _comments_answer(post, 422, error=htmx.CONFIRM_REQUIRED,
                                confirm_for=("hide", comment.id))
    with refusal(DomainError) as refused:
        action(comment)
    if refused:
        if isinstance(refused.error, NotFound):
            raise refused.error
        return _comments_answer(post, refused.status, error=refused.message)
    db.session.commit()
    back = safe_next(request.form.get("next"), "")
    if back and not htmx.is_htmx(boosted=True):  # e.g. hidden from the reports queue
        return htmx.redirect(back)
    return _comments_answer(post)


@bp.post("/moderation/comments/<uuid:comment_id>/hide")
@role_required("moderator")
def hide_comment(comment_id):
    """Hide a comment from everyone but its author and moderators."""
    return _moderate(comment_id, lambda c: comments.hide_comment(db.session, g.profile, c,
                                                                 now=utcnow()), ask=True)


@bp.post("/moderation/comments/<uuid:comment_id>/unhide")
@role_required("moderator")
def unhide_comment(comment_id):
    """Show a hidden comment again."""
    return _moderate(comment_id, lambda c: comments.unhide_comment(db.session, g.profile, c),
                     ask=False)


def _react(kind: str, target, post):
    """Set the reaction; htmx gets the buttons again from what the one statement returned
    (the counters after it) plus the viewer's other reactions on this target."""
    viewer_id = g.profile.id
    with refusal(DomainError) as refused:
        emoji, on = reactions.clean(request.form.get("emoji"), request.form.get("state"))
        outcome = reactions.react(db.session, g.profile, kind, target.id, emoji, on,
                                  now=utcnow(), limit_enabled=limits_enabled())
    if refused:
        if refused.status == 429 or not htmx.is_htmx(boosted=True):
            raise refused.error
        counts = {column: getattr(target, column) for _, (_, column) in reactions.EMOJI.items()}
        return _reactions_answer(kind, target.id, counts, outcome_mine(kind, target.id),
                                 refused.status,
                                 error=refused.message or next(iter(refused.errors.values())))
    target_id = target.id
    db.session.commit()
    if htmx.is_htmx(boosted=True):
        return _reactions_answer(kind, target_id, outcome.counts, outcome.mine, focus=emoji)
    # without JavaScript: back to the page the button was on (a feed, the project…)
    back = safe_next(request.form.get("next"), post_url(post.id)).split("#")[0]
    return htmx.redirect(f"{back}#reactions-{kind}-{target_id}")


def outcome_mine(kind, target_id):
    ids = {"post_ids": [target_id]} if kind == "post" else {"comment_ids": [target_id]}
    return reactions.viewer_reactions(db.session, g.profile, **ids)


def _reactions_answer(kind, target_id, counts, mine, status: int = 200, error=None,
                      focus=None):
    return htmx.fragments((TEMPLATE, "reactions", {
        "kind": kind, "obj": {"id": target_id, **counts}, "mine": mine,
        "emoji_list": EMOJI_LIST, "signed_in": True, "error": error, "focus": focus,
        "back": safe_next(request.form.get("next"), "") or None}), status=status)


_ICONS: dict = {}


@bp.app_template_global("reaction_icons")
def reaction_icons() -> dict:
    """The five icons, drawn once by the ``reaction_icon`` macro and reused on every
    button (a feed page draws a hundred)."""
    if not _ICONS:
        draw = get_template_attribute("buildlogs/_talk.html", "reaction_icon")
        _ICONS.update({emoji: Markup(draw(emoji)) for emoji in reactions.EMOJI})
    return _ICONS


@bp.app_template_global("reaction_back")
def reaction_back():
    """The page reaction buttons are drawn on (for htmx, the page it was called from)."""
    return safe_next(htmx.current_url_path(), "") or None


@bp.post("/posts/<uuid:post_id>/reactions")
@login_required
def react_post(post_id):
    """Set the viewer's reaction on a post (``emoji``, ``state=on|off``)."""
    post = post_or_404(post_id)
    return _react("post", post, post)


@bp.post("/comments/<uuid:comment_id>/reactions")
@login_required
def react_comment(comment_id):
    """Set the viewer's reaction on a comment (``emoji``, ``state=on|off``)."""
    comment = comment_or_404(comment_id)
    return _react("comment", comment, db.session.get(Post, comment.post_id))
