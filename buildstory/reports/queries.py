"""The moderators' reports queue in one statement (docs/rules.md "Reports").

Targets with open reports come first, the longest-waiting first; then targets whose
reports are all closed, the most recently reported first. 50 targets a page. For each
target on the page a LATERAL join gathers its reports (reason, details, reporter, time,
status) as one JSON array, and another joins the target's summary from every registered
kind (``registry.summaries``): no summary row means the content no longer exists.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, bindparam, case, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY, JSON, aggregate_order_by
from sqlalchemy.orm import aliased

from ..enums import ReportReason, ReportStatus, ReportTargetKind
from ..profiles.models import Profile
from . import registry
from .models import Report

PAGE_SIZE = 50
SHOWN = 5  # reports shown per target: open ones first, the rest wait their turn

Reporter = aliased(Profile, name="reporter")
Reported = aliased(Profile, name="reported")


@dataclass
class Entry:
    """One report of a group."""

    id: int
    reason: ReportReason
    details: str | None
    status: ReportStatus
    created_at: datetime
    reporter_name: str
    reporter_username: str | None

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.open


@dataclass
class Group:
    """A reported target with its reports."""

    kind: ReportTargetKind
    target_id: uuid.UUID
    open_count: int
    total: int
    reports: list[Entry]
    exists: bool
    label: str | None
    ref: str | None
    hidden: bool
    author_name: str | None
    author_username: str | None

    @property
    def registration(self) -> registry.Kind | None:
        return registry.KINDS.get(self.kind)


@cache
def _statement(one: bool = False):
    """The page's statement; with ``one``, only the target bound as ``kind`` / ``target``."""
    open_ = Report.status == ReportStatus.open
    grouped = (select(Report.target_kind, Report.target_id,
                      func.count().filter(open_).label("open_count"),
                      func.min(Report.created_at).filter(open_).label("first_open"),
                      func.max(Report.created_at).label("latest"),
                      func.count().label("total"))
               .group_by(Report.target_kind, Report.target_id)
               .order_by(case((func.count().filter(open_) > 0, 0), else_=1),
                         func.min(Report.created_at).filter(open_).asc().nulls_last(),
                         func.max(Report.created_at).desc(),
                         Report.target_kind, Report.target_id)
               .limit(bindparam("limit", type_=Integer))
               .offset(bindparam("offset", type_=Integer))
               )
    if one:
        grouped = grouped.where(Report.target_kind == bindparam("kind", type_=Report.target_kind.type),
                                Report.target_id == bindparam("target", type_=Report.target_id.type))
    grouped = grouped.subquery("g")
    item = func.json_build_object(
        "id", Report.id, "reason", Report.reason, "details", Report.details,
        "status", Report.status, "created_at", Report.created_at,
        "reporter_name", Reporter.display_name, "reporter_username", Reporter.username)
    order = (case((open_, 0), else_=1), Report.created_at, Report.id)
    listed = func.array_agg(aggregate_order_by(item, *order), type_=ARRAY(JSON))
    entries = (select(func.array_to_json(listed[1:SHOWN]).label("reports"))
               .select_from(Report).join(Reporter, Reporter.id == Report.reporter_id)
               .where(Report.target_kind == grouped.c.target_kind,
                      Report.target_id == grouped.c.target_id)
               .correlate(grouped).lateral("entries"))
    summary = registry.summaries(grouped.c.target_kind, grouped.c.target_id) \
        .subquery().lateral("summary")
    return (select(grouped.c.target_kind, grouped.c.target_id, grouped.c.open_count,
                   grouped.c.total,
                   entries.c.reports, summary.c.label, summary.c.ref, summary.c.hidden,
                   summary.c.author_id, Reported.display_name, Reported.username)
            .select_from(grouped)
            .join(entries, true())
            .outerjoin(summary, true())
            .outerjoin(Reported, Reported.id == summary.c.author_id)
            .order_by(case((grouped.c.open_count > 0, 0), else_=1),
                      grouped.c.first_open.asc().nulls_last(), grouped.c.latest.desc(),
                      grouped.c.target_kind, grouped.c.target_id))


def _entry(raw: dict) -> Entry:
    return Entry(int(raw["id"]), ReportReason(raw["reason"]), raw["details"],
                 ReportStatus(raw["status"]), datetime.fromisoformat(raw["created_at"]),
                 raw["reporter_name"], raw["reporter_username"])


def _group(r) -> Group:
    return Group(ReportTargetKind(r.target_kind), r.target_id, r.open_count, r.total,
                 [_entry(e) for e in r.reports or []], r.author_id is not None, r.label,
                 r.ref, bool(r.hidden), r.display_name, r.username)


def queue_page(session, page: int = 1) -> tuple[list[Group], bool]:
    """One page of the queue; returns (groups, has_next)."""
    rows = session.execute(_statement(), {"limit": PAGE_SIZE + 1,
                                          "offset": (page - 1) * PAGE_SIZE}).all()
    return [_group(r) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def group(session, kind, target_id) -> Group | None:
    """One target's group (the queue's fragment after resolve or dismiss)."""
    row = session.execute(_statement(one=True), {"limit": 1, "offset": 0, "kind": kind,
                                                 "target": target_id}).first()
    return _group(row) if row else None
