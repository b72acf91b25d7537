"""Results of an event: computed from judge scores and peer highlights, previewed, then
published as immutable versions (docs/rules.md "Results").

The arithmetic is exact: a judges' mean is a ``Fraction`` (sum over count) and ties are
decided on those exact values; only the stored ``score`` is rounded to 3 decimals.

- **Overall**: every visible submission with at least one judge score, by the sum over the
  five criteria of the judges' mean (descending); ties go to more visible peer highlights
  in total, then to the earlier submission, then to the project slug (ascending).
- **Judges' pick** per category: the highest judges' mean on that criterion; ties go to more
  visible highlights in that category, then earlier submission, then slug.
- **People's choice** per category: visible submissions with at least one visible highlight
  in it (no score needed); most highlights wins; ties to the earlier submission, then slug.

A preview's fingerprint is a hash of its rows; publishing recomputes under the event's row
lock and refuses when anything differs, or when the rows equal the latest version.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import func, select

from ..audit import record
from ..enums import HighlightCategory, ResultKind
from ..errors import Conflict, NotFound
from ..events.models import Event
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import Project
from ..projects.queries import visible_project
from ..notifications import triggers as notices
from ..teams.models import ProjectMember
from ..webhooks import services as webhooks
from . import rules
from .models import (CRITERIA, EventJudge, EventResult, EventSubmission, HackathonReview,
                     HackathonReviewHighlight, JudgeScore)

NO_SCORES = "There are no judge scores to publish"
ALREADY_PUBLISHED = "These results are already published"
CHANGED = "Results changed since the preview; compute them again"
THREE_PLACES = Decimal("0.001")


class ResultRow(NamedTuple):
    """One row of a results version (computed or stored)."""

    kind: ResultKind
    category: HighlightCategory | None
    place: int
    project_id: uuid.UUID
    project_name: str
    project_slug: str
    score: Decimal  # rounded to 3 decimals, as stored


@dataclass
class Entry:
    """What the formula reads of one visible submission."""

    project_id: uuid.UUID
    name: str
    slug: str
    submitted_at: datetime
    scores: int = 0
    sums: dict | None = None  # criterion -> sum of the judges' scores
    highlights: dict | None = None  # category -> visible highlights

    def mean(self, criterion: HighlightCategory) -> Fraction:
        return Fraction(self.sums[criterion], self.scores)

    def overall(self) -> Fraction:
        return Fraction(sum(self.sums.values()), self.scores)

    def highlight_total(self) -> int:
        return sum(self.highlights.values())


@dataclass
class Results:
    """A computed (not stored) set of results and its fingerprint."""

    rows: list[ResultRow]
    scored: int  # submissions with at least one judge score

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rows)

    def of_kind(self, kind: ResultKind) -> list[ResultRow]:
        return [r for r in self.rows if r.kind == kind]


class Published(NamedTuple):
    """What the notifier needs once a version is published: the ``results_published``
    notification goes out for version 1 only, the webhook for every version with the
    overall places 1-3 as ``winners``."""

    event_id: uuid.UUID
    event_slug: str
    version: int
    rows: int
    winners: list[ResultRow]


def rounded(value: Fraction) -> Decimal:
    """The stored form of an exact score: 3 decimals, half up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        THREE_PLACES, rounding=ROUND_HALF_UP)


def fingerprint(rows) -> str:
    """A hash of the rows that decide a version (kind, category, place, project, score)."""
    text = "\n".join(f"{r.kind}|{r.category or ''}|{r.place}|{r.project_id}|{r.score:.3f}"
                     for r in sorted(rows, key=_row_order))
    return hashlib.sha256(text.encode()).hexdigest()


def _row_order(row) -> tuple:
    kinds = list(ResultKind)
    cats = list(CRITERIA)
    return (kinds.index(ResultKind(row.kind)),
            -1 if row.category is None else cats.index(HighlightCategory(row.category)),
            row.place)


# --- reading what the formula needs ---------------------------------------------------------

def _visible_submissions(session, event_id):
    stmt = (select(EventSubmission.project_id, Project.name, Project.slug,
                   EventSubmission.submitted_at)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventSubmission.event_id == event_id, visible_project()))
    return session.execute(stmt).all()


def _score_sums(session, event_id):
    stmt = (select(JudgeScore.project_id, func.count(),
                   *[func.sum(getattr(JudgeScore, c.value)) for c in CRITERIA])
            .where(JudgeScore.event_id == event_id)
            .group_by(JudgeScore.project_id))
    return session.execute(stmt).all()


def visible_highlights():
    """The condition for a highlight that counts: its review is not hidden and its
    reviewer is visible (the query joins the review and the reviewer's profile)."""
    return HackathonReview.hidden_at.is_(None) & visible(Profile)


def _highlight_counts(session, event_id):
    stmt = (select(HackathonReview.project_id, HackathonReviewHighlight.category, func.count())
            .join(HackathonReview, HackathonReview.id == HackathonReviewHighlight.review_id)
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
            .where(HackathonReview.event_id == event_id, visible_highlights())
            .group_by(HackathonReview.project_id, HackathonReviewHighlight.category))
    return session.execute(stmt).all()


def entries(session, event_id) -> list[Entry]:
    """The visible submissions of the event with their score sums and highlight counts."""
    found = {pid: Entry(pid, name, slug, at, 0, {c: 0 for c in CRITERIA},
                        {c: 0 for c in CRITERIA})
             for pid, name, slug, at in _visible_submissions(session, event_id)}
    for pid, n, *sums in _score_sums(session, event_id):
        if pid in found:
            found[pid].scores = n
            found[pid].sums = dict(zip(CRITERIA, (int(s) for s in sums)))
    for pid, category, n in _highlight_counts(session, event_id):
        if pid in found:
            found[pid].highlights[HighlightCategory(category)] = n
    return list(found.values())


# --- the formula ------------------------------------------------------------------------------

def rank(entries_: list[Entry]) -> Results:
    """Apply the formula to ``entries_`` (pure: no database)."""
    rows: list[ResultRow] = []
    scored = [e for e in entries_ if e.scores > 0]
    overall = sorted(scored, key=lambda e: (-e.overall(), -e.highlight_total(),
                                            e.submitted_at, e.slug))
    for place, e in enumerate(overall, start=1):
        rows.append(ResultRow(ResultKind.overall, None, place, e.project_id, e.name, e.slug,
                              rounded(e.overall())))
    for c in CRITERIA:
        if scored:
            best = min(scored, key=lambda e: (-e.mean(c), -e.highlights[c], e.submitted_at,
                                              e.slug))
            rows.append(ResultRow(ResultKind.judges_pick, c, 1, best.project_id, best.name,
                                  best.slug, rounded(best.mean(c))))
    for c in CRITERIA:
        liked = [e for e in entries_ if e.highlights[c] >= 1]
        if liked:
            best = min(liked, key=lambda e: (-e.highlights[c], e.submitted_at, e.slug))
            rows.append(ResultRow(ResultKind.peoples_choice, c, 1, best.project_id, best.name,
                                  best.slug, Decimal(best.highlights[c]).quantize(THREE_PLACES)))
    return Results(rows, len(scored))


def compute(session, event) -> Results:
    """Compute the event's results now (stores nothing): the preview."""
    return rank(entries(session, event.id))


# --- versions ---------------------------------------------------------------------------------

def _stored_rows(session, event_id, version: int | None = None) -> list[EventResult]:
    stmt = select(EventResult).where(EventResult.event_id == event_id)
    if version is None:
        latest = (select(func.max(EventResult.version))
                  .where(EventResult.event_id == event_id).scalar_subquery())
        stmt = stmt.where(EventResult.version == latest)
    else:
        stmt = stmt.where(EventResult.version == version)
    return sorted(session.scalars(stmt).all(), key=_row_order)


def latest_version(session, event_id) -> list[EventResult]:
    """The rows of the latest published version (empty before any)."""
    return _stored_rows(session, event_id)


def all_versions(session, event_id) -> dict[int, list[EventResult]]:
    """Every published version's rows, newest version first (the admins' view)."""
    rows = session.scalars(select(EventResult).where(EventResult.event_id == event_id)
                           .order_by(EventResult.version.desc())).all()
    versions: dict[int, list[EventResult]] = {}
    for row in rows:
        versions.setdefault(row.version, []).append(row)
    return {v: sorted(rs, key=_row_order) for v, rs in versions.items()}


def _lock_event(session, event) -> Event:
    stmt = select(Event).where(Event.id == event.id).with_for_update()
    locked = session.scalars(stmt, execution_options={"populate_existing": True}).first()
    if locked is None:
        raise NotFound()
    return locked


def publish(session, actor, event, preview_fingerprint: str, *, now: datetime) -> Published:
    """Publish the results the admin previewed as version n + 1 (one audit row).

    Locks the event row first, so concurrent publishes queue; each then recomputes: the
    first writes the version, the others find it equal to the latest and are refused
    with "These results are already published". Returns what the notifier needs.
    """
    event = _lock_event(session, event)
    if message := rules.publish_refusal(event):
        raise Conflict(message)
    results = compute(session, event)
    if results.scored == 0:
        raise Conflict(NO_SCORES)
    latest = latest_version(session, event.id)
    if latest and fingerprint(latest) == results.fingerprint:
        raise Conflict(ALREADY_PUBLISHED)
    if results.fingerprint != preview_fingerprint:
        raise Conflict(CHANGED)
    version = (latest[0].version if latest else 0) + 1
    for r in results.rows:
        session.add(EventResult(event_id=event.id, version=version, kind=r.kind,
                                category=r.category, place=r.place, project_id=r.project_id,
                                project_name=r.project_name, project_slug=r.project_slug,
                                score=r.score, computed_at=now, published_by=actor.id,
                                published_by_name=actor.display_name))
    session.flush()
    record(session, actor, "publish_results", event_id=event.id, version=version,
           rows=len(results.rows))
    published = Published(event.id, event.slug, version, len(results.rows),
                           [r for r in results.of_kind(ResultKind.overall) if r.place <= 3])
    # The results_published webhook goes out for every version, in this transaction.
    webhooks.emit_results_published(
        session, event_id=event.id, event_slug=event.slug, version=version,
        winners=[{"place": w.place, "project_slug": w.project_slug, "name": w.project_name}
                 for w in published.winners])
    if version == 1:
        # Every registrant (fan-out) and every ranked project's team, once each; a
        # corrected version notifies nobody.
        ranked = {r.project_id for r in results.rows}
        owners = select(Project.profile_id).where(Project.id.in_(ranked))
        members = select(ProjectMember.profile_id).where(ProjectMember.project_id.in_(ranked))
        team_ids = list(session.scalars(owners.union(members))) if ranked else []
        notices.results_published(session, event, actor=actor, team_ids=team_ids)
    return published


# --- the public page --------------------------------------------------------------------------

class ShownRow(NamedTuple):
    """A stored row as the public page shows it: linked only while its project is visible."""

    row: EventResult
    visible: bool


def public_results(session, event_id) -> list[ShownRow]:
    """The latest version's rows, each with whether its project is visible now (one
    statement: a project hidden or deleted since keeps its place, unlinked)."""
    latest = (select(func.max(EventResult.version))
              .where(EventResult.event_id == event_id).scalar_subquery())
    shown = (select(Project.id).join(Profile, Profile.id == Project.profile_id)
             .where(Project.id == EventResult.project_id, visible_project()).exists())
    stmt = (select(EventResult, shown)
            .where(EventResult.event_id == event_id, EventResult.version == latest))
    rows = [ShownRow(r, bool(v)) for r, v in session.execute(stmt).all()]
    return sorted(rows, key=lambda s: _row_order(s.row))


def visible_judges(session, event_id) -> list[Profile]:
    """The event's judges the public may see, by name."""
    stmt = (select(Profile).join(EventJudge, EventJudge.profile_id == Profile.id)
            .where(EventJudge.event_id == event_id, visible(Profile))
            .order_by(Profile.display_name, Profile.username))
    return list(session.scalars(stmt).all())
