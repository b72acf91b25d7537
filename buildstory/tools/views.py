"""The catalogue's pages (``/tools``, ``/tools/<slug>``) and tool moderation
(``/moderation/tools/<tool_id>…``, answered on the tool page)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, g, redirect, request, url_for

from ..buildlogs import views as buildlog_views
from ..clock import utcnow
from ..db import db
from ..enums import AiToolCategory
from ..errors import DomainError, NotFound
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import access, queries, services
from .models import AiTool

bp = Blueprint("tools", __name__)

LIST_BLOCKS = {"tool-list": "tool_list"}
PAGE_BLOCKS = {"tool-submissions-more": "submission_items"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def new_tool_limit() -> int | None:
    """The hourly limit ``services.add_tool`` should apply (None with RATELIMIT_ENABLED off)."""
    return services.NEW_TOOLS_PER_HOUR if current_app.config.get("RATELIMIT_ENABLED", True) \
        else None


def cursor(row) -> str:
    """The keyset cursor after ``row``: ``<microseconds since 1970>.<submission id hex>``."""
    return f"{(row.submitted_at - EPOCH) // TICK}.{row.submission_id.hex}"


def parse_cursor(raw: str | None):
    """Return ``(submitted_at, id)`` of a cursor, None without one; 404 when malformed."""
    if raw is None:
        return None
    try:
        micros, hex_id = raw.split(".")
        return EPOCH + int(micros) * TICK, uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        abort(404)


@bp.get("/tools")
def index():
    """The catalogue by category, or one category's pages (``?category=&page=``)."""
    raw = request.args.get("category")
    if raw is None:
        return htmx.page("tools/index.html", LIST_BLOCKS, sections=queries.catalogue(db.session),
                         category=None)
    try:
        category = AiToolCategory(raw)
    except ValueError:
        abort(404)
    page = page_arg("page")
    tools, has_more = queries.category_page(db.session, category, page)
    if page > 1 and not tools:
        abort(404)
    return htmx.page("tools/index.html", LIST_BLOCKS, category=category, tools=tools,
                     page=page, has_more=has_more)


def _tool_or_404(slug: str) -> AiTool:
    tool = queries.tool_by_slug(db.session, slug)
    if tool is None or not access.can_view(tool, g.role):
        abort(404)
    return tool


def _page_context(tool: AiTool, **extra) -> dict:
    ctx = {"tool": tool, "can_moderate": access.can_moderate(g.role),
           "categories": list(AiToolCategory), "values": {}, "errors": {}, "error": None,
           "done": None, "confirm_error": None, "confirm_for": None, "merge_values": {},
           "merge_errors": {},
           "updates_section": buildlog_views.section_context(tool=tool)}
    ctx.update(extra)
    return ctx


@bp.get("/tools/<slug>")
def show(slug):
    """A tool: what it is, how many visible submissions used it, and those submissions."""
    tool = queries.tool_by_slug(db.session, slug)
    if tool is not None and tool.merged_into_id is not None:
        target = db.session.get(AiTool, tool.merged_into_id)
        return redirect(url_for("tools.show", slug=target.slug), 301)
    if tool is None or not access.can_view(tool, g.role):
        abort(404)
    after = parse_cursor(request.args.get("after"))
    rows, has_more = queries.submissions_using(db.session, tool.id, after)
    return htmx.page("tools/show.html", PAGE_BLOCKS, **_page_context(tool), rows=rows,
                     has_more=has_more, next_cursor=cursor(rows[-1]) if has_more else None,
                     after=after)


# --- Moderation ---------------------------------------------------------------------------

def _moderation_answer(tool: AiTool, status: int = 200, **extra):
    """htmx: the moderation section plus the page head out of band; else the whole page."""
    ctx = _page_context(tool, **extra)
    if htmx.is_htmx(boosted=True):
        return htmx.fragments(("tools/show.html", "moderation", ctx),
                              ("tools/show.html", "tool_head", {**ctx, "oob": True}),
                              status=status)
    rows, has_more = queries.submissions_using(db.session, tool.id)
    return htmx.page("tools/show.html", None, status, **ctx, rows=rows, has_more=has_more,
                     next_cursor=cursor(rows[-1]) if has_more else None, after=None)


def _act(tool: AiTool, action, done: str, *, ask: bool = False, form: str | None = None):
    """Run a moderation ``action``; show refusals in place, else the page again (303 without
    JavaScript). ``ask``: destructive, needs the Confirm box without JavaScript."""
    if ask and not htmx.confirmed():
        return _moderation_answer(tool, 422, confirm_error=htmx.CONFIRM_REQUIRED,
                                  confirm_for=form, merge_values=request.form)
    with refusal(DomainError) as refused:
        result = action()
    if refused:
        if isinstance(refused.error, NotFound):
            raise refused.error
        db.session.refresh(tool)
        values = {"edit": {"values": request.form, "errors": refused.errors},
                  "merge": {"merge_values": request.form, "merge_errors": refused.errors}}
        return _moderation_answer(tool, refused.status, error=refused.message,
                                  **values.get(form, {}))
    db.session.commit()
    if isinstance(result, AiTool):  # merged: the page of the tool it became
        return htmx.redirect(url_for("tools.show", slug=result.slug))
    if htmx.is_htmx(boosted=True):
        return _moderation_answer(tool, done=done)
    return htmx.redirect(url_for("tools.show", slug=tool.slug))


def _tool_by_id_or_404(tool_id) -> AiTool:
    return db.get_or_404(AiTool, tool_id)


@bp.post("/moderation/tools/<uuid:tool_id>/hide")
@role_required("moderator")
def hide_tool(tool_id):
    """Hide a tool from lists, pickers and cards."""
    tool = _tool_by_id_or_404(tool_id)
    return _act(tool, lambda: services.hide_tool(db.session, g.profile, tool, now=utcnow()),
                f"{tool.name} is hidden.", ask=True, form="hide")


@bp.post("/moderation/tools/<uuid:tool_id>/unhide")
@role_required("moderator")
def unhide_tool(tool_id):
    """Show a hidden tool again."""
    tool = _tool_by_id_or_404(tool_id)
    return _act(tool, lambda: services.unhide_tool(db.session, g.profile, tool),
                f"{tool.name} is visible again.")


@bp.post("/moderation/tools/<uuid:tool_id>")
@role_required("moderator")
def update_tool(tool_id):
    """Save a tool's name, category and description (the slug stays)."""
    tool = _tool_by_id_or_404(tool_id)
    return _act(tool, lambda: services.update_tool(db.session, g.profile, tool, request.form),
                "Tool saved.", form="edit")


@bp.post("/moderation/tools/<uuid:tool_id>/merge")
@role_required("moderator")
def merge_tool(tool_id):
    """Merge a tool into another; its submissions move there and its slug leads there."""
    tool = _tool_by_id_or_404(tool_id)

    def merge():
        services.merge_tool(db.session, g.profile, tool, request.form.get("into"))
        return db.session.get(AiTool, tool.merged_into_id)
    return _act(tool, merge, "Tool merged.", ask=True, form="merge")
