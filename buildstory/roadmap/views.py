"""The roadmap's pages: the board, the list and the contributors (``/roadmap``), one
idea, submitting, editing and deleting ideas, upvotes and comments (docs/rules.md
"Roadmap"). Views parse, load or 404, call one service, commit once, render."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import FeatureBoardStatus as S
from ..errors import Conflict, DomainError, Forbidden
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required
from ..web.refusals import refusal
from . import access, comments, leaderboard, queries, rules, services, upvotes
from .models import FeatureBoardComment

bp = Blueprint("roadmap", __name__)

INDEX = "roadmap/index.html"
IDEA = "roadmap/idea.html"
FORM = "roadmap/form.html"
COMMENT_EDIT = "roadmap/comment_edit.html"
INDEX_BLOCKS = {"roadmap-results": "list_results"}
FORM_BLOCKS = {"idea-form": "idea_form"}
VIEWS = ("board", "list", "contributors")


def _limits() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _triager() -> bool:
    return access.is_triager(g.get("role"))


def _viewer_id():
    viewer = g.get("profile")
    return viewer.id if viewer is not None else None


def _idea_or_404(slug: str, *, with_comment=None):
    """The idea when the viewer may see it; 404 otherwise (inbox, closed and archived
    ideas do not exist for anyone but triagers and, while waiting, the author).
    ``with_comment``: a comment id to load in the same statement (a reply's parent)."""
    if len(slug) > 200:
        abort(404)
    idea = queries.idea_by_slug(db.session, slug, viewer_id=_viewer_id(),
                                with_comment=with_comment)
    if idea is None or not access.can_see(idea.item, g.get("profile"), _triager()):
        abort(404)
    return idea


def _status_arg(triager: bool):
    raw = request.args.get("status") or ""
    allowed = [s.value for s in (S if triager else rules.PUBLIC)]
    return S(raw) if raw in allowed else None


def _category_arg(categories):
    raw = request.args.get("category") or ""
    for c in categories:
        if str(c.id) == raw:
            return c.id
    return None


@bp.get("/roadmap")
def index():
    """The roadmap: the board (default), the list or the contributors."""
    view = request.args.get("view") or "board"
    if view not in VIEWS:
        view = "board"
    if htmx.is_htmx() and htmx.target() in INDEX_BLOCKS:  # the list's search results
        view = "list"
    triager, viewer_id = _triager(), _viewer_id()
    ctx = {"view": view, "triager": triager, "signed_in": viewer_id is not None,
           "labels": {s.value: s.label for s in S}}
    if view == "board":
        ctx["columns"] = queries.board(db.session, triager=triager, viewer_id=viewer_id)
    elif view == "list":
        categories = queries.categories(db.session)
        status, category_id = _status_arg(triager), _category_arg(categories)
        sort = "new" if request.args.get("sort") == "new" else "top"
        q = (request.args.get("q") or "")[:rules.QUERY_MAX]
        page = page_arg()
        rows, has_more = queries.listing(db.session, triager=triager, viewer_id=viewer_id,
                                         sort=sort, status=status, category_id=category_id,
                                         q=q, page=page)
        ctx.update(rows=rows, has_more=has_more, page=page, sort=sort, q=q,
                   status_filter=status.value if status else "",
                   category=str(category_id) if category_id else "", categories=categories,
                   statuses=list(S) if triager else list(rules.PUBLIC))
    else:
        period = "month" if request.args.get("period") == "month" else "all"
        rows, computed_at = leaderboard.read(db.session, period)
        ctx.update(period=period, leaders=rows, computed_at=computed_at, now=utcnow())
    return htmx.page(INDEX, INDEX_BLOCKS, **ctx)


def _idea_context(idea, **extra) -> dict:
    viewer, triager, now = g.get("profile"), _triager(), utcnow()
    return {"idea": idea, "triager": triager, "viewer": viewer, "now": now,
            "can_edit": access.can_edit(idea.item, viewer, triager, now),
            "can_delete": access.can_delete(idea.item, viewer, triager),
            "status_label": S(idea.status).label, "signed_in": viewer is not None,
            "card": {"id": idea.id, "slug": idea.slug, "upvote_count": idea.upvote_count,
                     "upvoted": idea.upvoted},
            "upvote_error": None, **_comments_context(idea, **extra)}


def _comments_context(idea, *, values=None, errors=None, error=None, reply_to=None,
                      confirm_for=None, confirm_error=None) -> dict:
    viewer = g.get("profile")
    threads = queries.comment_threads(db.session, idea.id, sees_hidden=_triager(),
                                      viewer_id=viewer.id if viewer else None)
    return {"talk": {"idea": idea, "threads": threads, "viewer": viewer,
                     "moderator": _triager(), "now": utcnow(), "values": values or {},
                     "errors": errors or {}, "error": error, "reply_to": reply_to,
                     "confirm_for": confirm_for, "confirm_error": confirm_error,
                     "edit_window": rules.EDIT_WINDOW, "deleted_text": rules.DELETED_COMMENT}}


@bp.get("/roadmap/<slug>")
def idea(slug):
    """One idea with its comments and the Upvote button."""
    found = _idea_or_404(slug)
    return htmx.page(IDEA, None, **_idea_context(found))


# --- submitting, editing, deleting ---------------------------------------------------------

def _form_page(status: int = 200, *, idea=None, values=None, errors=None, error=None):
    triager = _triager() and idea is not None
    return htmx.page(FORM, FORM_BLOCKS, status, idea=idea, values=values or {},
                     errors=errors or {}, error=error, triager=triager,
                     categories=queries.categories(db.session),
                     statuses=list(S), colour_labels=rules.COLOUR_LABELS)


@bp.route("/roadmap/new", methods=["GET", "POST"])
@login_required
def new():
    """Submit an idea: it waits in the inbox for triage, with the author's upvote."""
    if request.method == "GET":
        return _form_page()
    with refusal() as refused:
        item = services.submit_idea(db.session, g.profile, request.form, now=utcnow(),
                                    limit_enabled=_limits())
    if refused:
        return _form_page(refused.status, values=request.form, errors=refused.errors,
                          error=refused.message)
    slug = item.slug
    db.session.commit()
    return htmx.redirect(url_for("roadmap.idea", slug=slug))


def _form_values(idea) -> dict:
    return {"title": idea.title, "description": idea.description,
            "category": str(idea.category_id) if idea.category_id else "",
            "status": S(idea.status).value, "internal_notes": idea.internal_notes}


@bp.route("/roadmap/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    """Edit an idea: triagers any time (status and internal notes too), the author
    within 15 minutes."""
    found = _idea_or_404(slug)
    triager, now = _triager(), utcnow()
    if not triager:
        if g.profile.id != found.author_id:
            raise Forbidden(rules.ONLY_AUTHOR_EDIT)
        if not rules.within_edit_window(found.created_at, now):
            raise Conflict(rules.EDIT_WINDOW_PASSED)
    if request.method == "GET":
        return _form_page(idea=found, values=_form_values(found))
    with refusal() as refused:
        services.edit_idea(db.session, found.item, g.profile, request.form, triager=triager,
                           now=now)
    if refused:
        return _form_page(refused.status, idea=found, values=request.form,
                          errors=refused.errors, error=refused.message)
    db.session.commit()
    return htmx.redirect(url_for("roadmap.idea", slug=slug))


@bp.post("/roadmap/<slug>/delete")
@login_required
def delete(slug):
    """Delete an idea (asked first): triagers any time, the author while in the inbox."""
    found = _idea_or_404(slug)
    triager = _triager()
    if not triager and g.profile.id != found.author_id:
        raise Forbidden(rules.ONLY_AUTHOR_DELETE)
    if not htmx.confirmed():
        return htmx.page(IDEA, None, 422, **_idea_context(found),
                         confirm_error=htmx.CONFIRM_REQUIRED)
    services.delete_idea(db.session, found.item, g.profile, triager=triager)
    db.session.commit()
    return htmx.redirect(url_for("roadmap.index"))


# --- upvotes -------------------------------------------------------------------------------

@bp.post("/roadmap/<slug>/upvote")
@login_required
def upvote(slug):
    """Set the viewer's upvote (``state=on|off``); htmx gets the button again."""
    found = _idea_or_404(slug)
    item_id = found.id
    with refusal(DomainError) as refused:
        on = upvotes.clean_state(request.form.get("state"))
        changed, count = upvotes.set_upvote(db.session, g.profile, item_id, on, now=utcnow(),
                                            limit_enabled=_limits())
    if refused:
        if refused.status == 429 or not htmx.is_htmx(boosted=True):
            raise refused.error
        return htmx.fragments((IDEA, "upvote", {
            "card": {"id": item_id, "slug": slug, "upvote_count": found.upvote_count,
                     "upvoted": found.upvoted}, "signed_in": True,
            "upvote_error": next(iter(refused.errors.values()), None)}), status=422)
    db.session.commit()
    if htmx.is_htmx(boosted=True):
        return htmx.fragments((IDEA, "upvote", {
            "card": {"id": item_id, "slug": slug, "upvote_count": count, "upvoted": on},
            "signed_in": True, "upvote_error": None}))
    return htmx.redirect(url_for("roadmap.idea", slug=slug) + f"#upvote-{item_id}")


# --- comments ------------------------------------------------------------------------------

def _comments_answer(found, status: int = 200, **extra):
    """htmx: the comments section; without JavaScript the idea page (a refusal keeps what
    was typed)."""
    if htmx.is_htmx(boosted=True):
        return htmx.fragments((IDEA, "idea_comments", _comments_context(found, **extra)),
                              status=status)
    if status >= 400:
        return htmx.page(IDEA, None, status, **_idea_context(found, **extra))
    return htmx.redirect(url_for("roadmap.idea", slug=found.slug) + "#idea-comments")


@bp.post("/roadmap/<slug>/comments")
@login_required
def add_comment(slug):
    """Comment on an idea, or reply to a top-level comment (``parent``)."""
    parent = request.form.get("parent")
    try:  # a reply's parent comes with the idea (posting a reply stays within 8 statements)
        parent_id = uuid.UUID(parent) if parent else None
    except ValueError:
        parent_id = None  # comments.add_comment answers 404
    found = _idea_or_404(slug, with_comment=parent_id)
    with refusal(DomainError) as refused:
        comments.add_comment(db.session, found.item, g.profile, request.form.get("body"),
                             parent, now=utcnow(), limit_enabled=_limits())
    if refused:
        if refused.status in (404, 429):
            raise refused.error
        return _comments_answer(found, refused.status, values=request.form,
                                errors=refused.errors, error=refused.message,
                                reply_to=parent or None)
    if not htmx.is_htmx(boosted=True):
        db.session.commit()
        return htmx.redirect(url_for("roadmap.idea", slug=slug) + "#idea-comments")
    # Rendered inside the transaction (it sees the new comment), then committed: the
    # answer reads nothing twice.
    answer = _comments_answer(found)
    db.session.commit()
    return answer


def _comment_or_404(comment_id):
    """The comment (not deleted) and its idea, when the viewer may see both."""
    comment = db.session.get(FeatureBoardComment, comment_id)
    if comment is None or comment.deleted_at is not None:
        abort(404)
    from .models import FeatureBoardItem
    item = db.session.get(FeatureBoardItem, comment.item_id)
    return comment, _idea_or_404(item.slug)


@bp.route("/roadmap/comments/<uuid:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id):
    """The author's edit form (15 minutes after posting)."""
    comment, found = _comment_or_404(comment_id)
    if comment.author_id != g.profile.id:
        raise Forbidden(rules.ONLY_AUTHOR_EDIT)
    if not rules.within_edit_window(comment.created_at, utcnow()):
        raise Conflict(rules.EDIT_WINDOW_PASSED)
    ctx = {"comment": comment, "idea": found, "values": {"body": comment.body}, "errors": {},
           "error": None}
    if request.method == "GET":
        return htmx.page(COMMENT_EDIT, None, **ctx)
    with refusal() as refused:
        comments.edit_comment(db.session, found.item, comment, g.profile,
                              request.form.get("body"), now=utcnow())
    if refused:
        return htmx.page(COMMENT_EDIT, None, refused.status,
                         **{**ctx, "values": request.form, "errors": refused.errors,
                            "error": refused.message})
    db.session.commit()
    return htmx.redirect(url_for("roadmap.idea", slug=found.slug) + f"#idea-comment-{comment_id}")


@bp.post("/roadmap/comments/<uuid:comment_id>/delete")
@login_required
def delete_comment(comment_id):
    """The author or a moderator deletes a comment (asked first)."""
    comment, found = _comment_or_404(comment_id)
    if comment.author_id != g.profile.id and not _triager():
        raise Forbidden(rules.ONLY_AUTHOR_DELETE_COMMENT)
    if not htmx.confirmed():
        return _comments_answer(found, 422, confirm_for=comment.id,
                                confirm_error=htmx.CONFIRM_REQUIRED)
    comment_id, top_level = comment.id, comment.parent_comment_id is None
    comments.delete_comment(db.session, found.item, comment, g.profile, moderator=_triager(),
                            now=utcnow())
    if not htmx.is_htmx(boosted=True):
        db.session.commit()
        return htmx.redirect(url_for("roadmap.idea", slug=found.slug) + "#idea-comments")
    # The comment's own region: a top-level comment with replies stays as a placeholder
    # (with them); anything else leaves the page.
    talk = _comments_context(found)["talk"]
    thread = next((t for t in talk["threads"] if t["comment"]["id"] == comment_id),
                  None) if top_level else None
    answer = htmx.fragments((IDEA, "idea_comment", {"talk": talk, "thread": thread,
                                                    "comment_id": comment_id}))
    db.session.commit()
    return answer
