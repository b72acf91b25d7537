"""Catalogue writes: adding a tool by name, and its moderation (hide, unhide, edit, merge).

Every moderation change locks the tool's row (``lock_row``), checks its state, changes it
and writes one audit row in the caller's transaction; the view commits once.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Uuid, delete, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..buildlogs.services import move_tool_posts
from ..enums import AiToolCategory
from ..errors import Conflict, DomainError, ValidationFailed
from ..hackathon import counters
from ..hackathon.models import EventSubmissionTool
from ..locking import lock_row
from .models import AiTool
from .rules import DESCRIPTION_MAX, base_slug, clean_name, fold, name_error, next_slug

NEW_TOOLS_PER_HOUR = 20
WINDOW = timedelta(hours=1)
NEW_TOOL_FIELD = "new_tool_name"
NOT_AVAILABLE = "This tool is not available"
NAME_TAKEN = "A tool with this name already exists"
MERGE_TARGET = "Choose a visible tool to merge into"
CATEGORY_UNKNOWN = "Choose a category from the list"


class TooManyNewTools(DomainError):
    """The builder added their hourly share of new tools (429, with ``retry_after`` seconds)."""

    status = 429
    message = "You are adding tools too quickly. Try again later."

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = max(1, int(retry_after))


def _by_key(session, key: str) -> AiTool | None:
    return session.scalar(select(AiTool).where(AiTool.name_key == key))


def resolve(session, tool: AiTool) -> AiTool:
    """Return the tool a (possibly merged) tool leads to."""
    if tool.merged_into_id is None:
        return tool
    return session.get(AiTool, tool.merged_into_id)


def _selectable(session, tool: AiTool) -> AiTool:
    target = resolve(session, tool)
    if target.hidden_at is not None:
        raise ValidationFailed({NEW_TOOL_FIELD: NOT_AVAILABLE})
    return target


def _check_limit(session, by, limit: int, now: datetime) -> None:
    """Count the builder's tools of the last hour under their advisory lock; raise
    TooManyNewTools at ``limit``. The lock holds until the transaction ends, so concurrent
    adds by one builder count one after the other."""
    session.execute(select(func.pg_advisory_xact_lock(
        func.hashtextextended("ai_tools:new:" + str(by.id), 0))))
    since = now - WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(AiTool.created_at))
        .where(AiTool.created_by == by.id, AiTool.created_at > since)).one()
    if count >= limit:
        raise TooManyNewTools((oldest + WINDOW - now).total_seconds())


def add_tool(session, name: str | None, *, by, limit: int | None = NEW_TOOLS_PER_HOUR,
             now: datetime | None = None) -> AiTool:
    """Return the tool a builder means by ``name``, creating it in *other* when new.

    A name folding to an existing key creates nothing and returns that tool (a merged
    tool's target). Raises ``ValidationFailed`` on the field ``new_tool_name`` (422:
    "New tool name is required", "New tool name must be at most 60 characters", "Tool name
    must contain a letter or number", "This tool is not available" for a hidden one) and
    ``TooManyNewTools`` (429, ``retry_after`` seconds) past ``limit`` new tools per hour;
    ``limit=None`` turns the limit off (``tools.views.new_tool_limit()`` reads the app's
    ``RATELIMIT_ENABLED``). Concurrent adds of one name make one row.
    """
    name = clean_name(name)
    if error := name_error(name, "New tool name"):
        raise ValidationFailed({NEW_TOOL_FIELD: error})
    key = fold(name)
    if (existing := _by_key(session, key)) is not None:
        return _selectable(session, existing)
    if now is None:
        now = session.scalar(select(func.now()))
    if limit is not None:
        _check_limit(session, by, limit, now)
    base = base_slug(name)
    for _attempt in range(5):
        taken = set(session.scalars(select(AiTool.slug).where(
            or_(AiTool.slug == base, AiTool.slug.like(base.replace("_", r"\_") + "-%")))))
        # ON CONFLICT waits for a concurrent insert of the same key and then does nothing.
        new_id = session.scalar(pg_insert(AiTool).values(
            name=name, name_key=key, slug=next_slug(base, taken), category=AiToolCategory.other,
            created_by=by.id, created_at=now, updated_at=now)
            .on_conflict_do_nothing().returning(AiTool.id))
        if new_id is not None:
            return session.get(AiTool, new_id)
        if (existing := _by_key(session, key)) is not None:
            return _selectable(session, existing)
        # a different name took the slug meanwhile: pick the next one
    raise Conflict("Try again in a moment")


# --- Moderation -----------------------------------------------------------------------------

def hide_tool(session, actor, tool: AiTool, *, now: datetime) -> None:
    """Hide ``tool`` from lists, pickers and cards (usages kept); Conflict if hidden."""
    lock_row(session, tool)
    if tool.hidden_at is not None:
        raise Conflict("Tool is already hidden")
    tool.hidden_at, tool.hidden_by = now, actor.id
    record(session, actor, "hide_tool", None, tool_id=tool.id, name=tool.name)


def unhide_tool(session, actor, tool: AiTool) -> None:
    """Show ``tool`` again; Conflict ("Tool is not hidden")."""
    lock_row(session, tool)
    if tool.hidden_at is None:
        raise Conflict("Tool is not hidden")
    tool.hidden_at = tool.hidden_by = None
    record(session, actor, "unhide_tool", None, tool_id=tool.id, name=tool.name)


def _tool_values(raw: dict) -> dict:
    """Parse the edit form; raise ValidationFailed with every field's message."""
    errors, values = {}, {}
    values["name"] = clean_name(raw.get("name"))
    if error := name_error(values["name"], "Name"):
        errors["name"] = error
    try:
        values["category"] = AiToolCategory((raw.get("category") or "").strip())
    except ValueError:
        errors["category"] = CATEGORY_UNKNOWN
    description = (raw.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Description must be at most {DESCRIPTION_MAX} characters"
    values["description"] = description or None
    if errors:
        raise ValidationFailed(errors)
    return values


def update_tool(session, actor, tool: AiTool, raw: dict) -> dict:
    """Save the name, category and description of ``tool`` (the slug never changes); return
    the changes ({field: [old, new]}, empty when nothing changed). Raises ValidationFailed
    (422, "A tool with this name already exists" when the name folds to another tool)."""
    values = _tool_values(raw)
    lock_row(session, tool)
    key = fold(values["name"])
    other = _by_key(session, key)
    if other is not None and other.id != tool.id:
        raise ValidationFailed({"name": NAME_TAKEN})
    changes = {f: [_plain(getattr(tool, f)), _plain(v)] for f, v in values.items()
               if getattr(tool, f) != v}
    if not changes:
        return {}
    try:
        with session.begin_nested():
            for f, v in values.items():
                setattr(tool, f, v)
            tool.name_key = key
            session.flush()
    except IntegrityError:  # another tool took the key meanwhile
        raise ValidationFailed({"name": NAME_TAKEN}) from None
    record(session, actor, "update_tool", None, tool_id=tool.id, changes=changes)
    return changes


def _plain(value):
    return value.value if isinstance(value, AiToolCategory) else value


def find_target(session, raw: str | None) -> AiTool | None:
    """Return the tool named by a slug or a name (followed to its merge target), or None."""
    raw = clean_name(raw)
    if not raw:
        return None
    tool = session.scalar(select(AiTool).where(AiTool.slug == raw.lower()))
    if tool is None and fold(raw):
        tool = _by_key(session, fold(raw))
    return resolve(session, tool) if tool is not None else None


def merge_tool(session, actor, source: AiTool, into: str | None) -> int:
    """Merge ``source`` into the tool named ``into`` (name or slug); return how many
    submissions moved. Submissions using the source use the target instead (no duplicates);
    the source row stays, merged, so its name and slug lead to the target. Raises Conflict
    ("Cannot merge a tool into itself", "This tool has already been merged") or
    ValidationFailed on ``into`` ("Choose a visible tool to merge into")."""
    target = find_target(session, into)
    if source.merged_into_id is not None:
        raise Conflict("This tool has already been merged")
    if target is not None and target.id == source.id:
        raise Conflict("Cannot merge a tool into itself")
    if target is None or target.hidden_at is not None:
        raise ValidationFailed({"into": MERGE_TARGET})
    for tool in sorted((source, target), key=lambda t: t.id):
        lock_row(session, tool)
    if source.merged_into_id is not None:
        raise Conflict("This tool has already been merged")
    if target.merged_into_id is not None or target.hidden_at is not None:
        raise ValidationFailed({"into": MERGE_TARGET})
    moved = _move_usages(session, source.id, target.id)
    move_tool_posts(session, source.id, target.id)
    session.execute(AiTool.__table__.update().where(AiTool.merged_into_id == source.id)
                    .values(merged_into_id=target.id))
    source.merged_into_id = target.id
    session.flush()
    counters.recount_tools(session, [source.id, target.id])
    record(session, actor, "merge_tool", None, tool_id=source.id, into_tool_id=target.id,
           name=source.name, into_name=target.name, moved=moved)
    return moved


def _move_usages(session, source_id: uuid.UUID, target_id: uuid.UUID) -> int:
    """Point the source's submissions at the target (once each); return how many used it."""
    est = EventSubmissionTool
    subs = select(est.submission_id).where(est.tool_id == source_id)
    counters.lock_submissions(session, session.scalars(subs))
    session.execute(pg_insert(est).from_select(
        ["submission_id", "tool_id"],
        select(est.submission_id, literal(target_id, Uuid)).where(est.tool_id == source_id))
        .on_conflict_do_nothing())
    return session.execute(delete(est).where(est.tool_id == source_id)).rowcount
