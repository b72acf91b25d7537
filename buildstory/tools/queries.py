"""Catalogue reads: the categories page, a category's pages, a tool and the submissions
that used it. Each is one statement; lists show visible tools only (not hidden, not
merged) and visible submissions only (``projects.queries.visible_project``)."""
from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, select, tuple_

from ..enums import AiToolCategory, EventStatus
from ..events.models import Event
from ..hackathon.models import EventSubmission, EventSubmissionTool
from ..profiles.models import Profile
from ..projects.models import Project
from ..projects.queries import visible_project
from .models import AiTool

PER_CATEGORY = 12
PER_PAGE = 50
SUBMISSIONS_PER_PAGE = 24


def listed():
    """The SQL condition for a tool shown in lists, pickers and cards."""
    return and_(AiTool.hidden_at.is_(None), AiTool.merged_into_id.is_(None))


def catalogue(session, per_category: int = PER_CATEGORY) -> list[tuple]:
    """Return ``[(category, tools, has_more)]`` in enum order, each with its first
    ``per_category`` visible tools by usage then name (one statement on the catalogue index)."""
    ranked = (select(AiTool, func.row_number().over(
        partition_by=AiTool.category,
        order_by=(AiTool.usage_count.desc(), AiTool.name)).label("rank"))
        .where(listed()).subquery())
    tool = ranked.c
    rows = session.execute(select(ranked).where(tool.rank <= per_category + 1)
                           .order_by(tool.category, tool.rank)).all()
    by_category: dict = {c: [] for c in AiToolCategory}
    for row in rows:
        by_category[AiToolCategory(row.category)].append(row)
    return [(c, items[:per_category], len(items) > per_category)
            for c, items in by_category.items() if items]


def category_page(session, category: AiToolCategory, page: int,
                  per_page: int = PER_PAGE) -> tuple[list[AiTool], bool]:
    """Return one page of a category's visible tools (usage, then name) and whether more follow."""
    tools = session.scalars(select(AiTool).where(listed(), AiTool.category == category)
                            .order_by(AiTool.usage_count.desc(), AiTool.name, AiTool.id)
                            .offset((page - 1) * per_page).limit(per_page + 1)).all()
    return tools[:per_page], len(tools) > per_page


def tool_by_slug(session, slug: str) -> AiTool | None:
    """Return the tool at ``slug`` with its merge target loaded (hidden or merged too)."""
    return session.scalar(_tool_statement(), {"slug": slug})


@cache
def _tool_statement():
    return select(AiTool).where(AiTool.slug == bindparam("slug"))


class Used(NamedTuple):
    submission_id: uuid.UUID
    submitted_at: datetime
    what_built: str
    project_name: str
    project_slug: str
    event_name: str
    event_slug: str


def submissions_using(session, tool_id, after: tuple[datetime, uuid.UUID] | None = None,
                      limit: int = SUBMISSIONS_PER_PAGE) -> tuple[list[Used], bool]:
    """Return the visible submissions (of public events) that used the tool, newest first,
    from the keyset ``after`` (submitted_at, id) on, and whether more follow."""
    s = EventSubmission
    stmt = (select(s.id, s.submitted_at, s.what_built, Project.name, Project.slug, Event.name,
                   Event.slug)
            .join(EventSubmissionTool, EventSubmissionTool.submission_id == s.id)
            .join(Project, Project.id == s.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .join(Event, Event.id == s.event_id)
            .where(EventSubmissionTool.tool_id == tool_id, visible_project(),
                   Event.status != EventStatus.draft)
            .order_by(s.submitted_at.desc(), s.id.desc()).limit(limit + 1))
    if after is not None:
        stmt = stmt.where(tuple_(s.submitted_at, s.id) < tuple_(*after))
    rows = [Used(*r) for r in session.execute(stmt)]
    return rows[:limit], len(rows) > limit
