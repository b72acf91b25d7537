"""Reads of the showcase, the submission page and the awards (docs/rules.md "Showcase and
share cards").

A submission is visible exactly when its project is (``projects.queries.visible_project``);
its own team also sees it while hidden, and moderators see everything (both badged). Every
function here runs one statement whatever the data size: the cards of a page come from
one keyset read, and everything a card shows besides (team, tools, highlight counts,
reviews, awards) from one grouped read over the cards shown.
"""
from __future__ import annotations

import base64
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, or_, select, text, tuple_

from ..enums import HighlightCategory, ResultKind
from ..errors import NotFound
from ..profiles.models import Profile
from ..projects.models import Project
from ..projects.queries import visible_project
from ..teams.models import ProjectMember
from ..tools.models import AiTool
from .models import EventSubmission, EventSubmissionTool, SubmissionImage

PER_PAGE = 24
SEARCH_MIN = 3
SEARCH_TOO_SHORT = "Type at least 3 characters"
SORTS = {"newest": "Newest", "highlighted": "Most highlighted"}
TEAM_SHOWN = 3
TOOLS_SHOWN = 5
TOOL_OPTIONS_LIMIT = 200
PLACE_WORDS = {1: "1st place", 2: "2nd place", 3: "3rd place"}


def normalise_search(value: str | None) -> str:
    """Return text as ``search_text`` holds it: accents dropped, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())[:100]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- Keyset cursors ----------------------------------------------------------------------

def encode_cursor(sort: str, card) -> str:
    """Return the opaque ``after`` value that continues after ``card`` in ``sort`` order."""
    parts = [card.submitted_at.isoformat(), str(card.id)]
    if sort == "highlighted":
        parts.insert(0, str(card.highlight_count))
    raw = "|".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, value: str | None):
    """Return the cursor's key tuple, None without one; NotFound when malformed."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        parts = raw.split("|")
        if sort == "highlighted":
            count, at, sid = parts
            return int(count), datetime.fromisoformat(at), uuid.UUID(sid)
        at, sid = parts
        at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            raise ValueError
        return at, uuid.UUID(sid)
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise NotFound() from exc


# --- Who sees which submissions ---------------------------------------------------------

def shown_condition(viewer_id, sees_all: bool):
    """Return the SQL condition for the submissions a viewer sees (the query joins the
    project and its owner): moderators everything; others the visible ones plus their
    own team's, hidden or not."""
    if sees_all:
        return None
    if viewer_id is None:
        return visible_project()
    mine = select(ProjectMember.project_id).where(ProjectMember.profile_id == viewer_id)
    return or_(visible_project(), Project.profile_id == viewer_id, Project.id.in_(mine))


@dataclass
class Card:
    """A submission as a showcase card shows it."""

    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    project_slug: str
    what_built: str
    submitted_at: datetime
    highlight_count: int
    hidden: bool
    image_hash: str | None = None
    team: list = field(default_factory=list)
    tools: list = field(default_factory=list)
    highlights: list = field(default_factory=list)  # (label, count), non-zero only
    reviews: int = 0
    awards: list = field(default_factory=list)

    def render_key(self) -> tuple:
        """Every value the showcase card shows (``web.memo``: same key, same HTML)."""
        return (self.id, self.project_name, self.project_slug, self.what_built, self.hidden,
                self.image_hash, tuple(p["name"] for p in self.team[:TEAM_SHOWN]),
                self.team_more, tuple(t["name"] for t in self.tools[:TOOLS_SHOWN]),
                self.tools_more, tuple(self.highlights), self.reviews, tuple(self.awards))

    @property
    def team_more(self) -> int:
        return max(0, len(self.team) - TEAM_SHOWN)

    @property
    def tools_more(self) -> int:
        return max(0, len(self.tools) - TOOLS_SHOWN)


def _card_columns():
    owner = Profile
    hidden = or_(Project.hidden_at.is_not(None), owner.hidden_at.is_not(None),
                 owner.banned_at.is_not(None))
    return (EventSubmission.id, EventSubmission.project_id, Project.name, Project.slug,
            EventSubmission.what_built, EventSubmission.submitted_at,
            EventSubmission.highlight_count, hidden.label("hidden"), SubmissionImage.hash)


def showcase_page(session, event, **filters) -> tuple[list[Card], bool]:
    """Return one page of cards (without their extras) and whether more follow (one
    statement, keyset on the event's showcase indexes; ``showcase_statement``'s filters)."""
    rows = session.execute(showcase_statement(event.id, **filters)).all()
    cards = [Card(*row[:8], image_hash=row[8]) for row in rows[:PER_PAGE]]
    return cards, len(rows) > PER_PAGE


def showcase_statement(event_id, *, sort: str = "newest", q: str = "", tool_id=None,
                       after=None, viewer_id=None, sees_all: bool = False):
    """Return the SELECT of one showcase page (PER_PAGE + 1 rows): the event's shown
    submissions matching ``q`` (normalised) and ``tool_id``, after the ``after`` key,
    in ``sort`` order."""
    s = EventSubmission
    stmt = (select(*_card_columns()).select_from(s)
            .join(Project, Project.id == s.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .outerjoin(SubmissionImage, SubmissionImage.submission_id == s.id)
            .where(s.event_id == event_id))
    if (shown := shown_condition(viewer_id, sees_all)) is not None:
        stmt = stmt.where(shown)
    if q:
        stmt = stmt.where(s.search_text.ilike(f"%{_escape_like(q)}%", escape="\\"))
    if tool_id is not None:
        stmt = stmt.where(exists().where(EventSubmissionTool.submission_id == s.id,
                                         EventSubmissionTool.tool_id == tool_id))
    if sort == "highlighted":
        if after is not None:
            stmt = stmt.where(tuple_(s.highlight_count, s.submitted_at, s.id) < tuple_(*after))
        stmt = stmt.order_by(s.highlight_count.desc(), s.submitted_at.desc(), s.id.desc())
    else:
        if after is not None:
            stmt = stmt.where(tuple_(s.submitted_at, s.id) < tuple_(*after))
        stmt = stmt.order_by(s.submitted_at.desc(), s.id.desc())
    return stmt.limit(PER_PAGE + 1)


# --- What every card shows besides its own row (one grouped statement) ------------------

EXTRAS_SQL = """
WITH shown AS (
  SELECT s.id, s.event_id, s.project_id, s.visible_review_count, s.highlight_counts
  FROM event_submissions s WHERE s.id = ANY(:ids)
), latest AS (
  SELECT max(version) AS version FROM event_results WHERE event_id = :event_id
)
SELECT shown.id,
  (SELECT json_agg(json_build_object('id', t.id, 'name', t.display_name,
                                     'username', t.username) ORDER BY t.ord, t.since)
   FROM (SELECT o.id, o.display_name, o.username, 0 AS ord, p.created_at AS since
         FROM projects p JOIN profiles o ON o.id = p.profile_id
         WHERE p.id = shown.project_id
         UNION ALL
         SELECT m.id, m.display_name, m.username, 1, pm.joined_at
         FROM project_members pm JOIN profiles m ON m.id = pm.profile_id
         WHERE pm.project_id = shown.project_id
           AND m.hidden_at IS NULL AND m.banned_at IS NULL) t) AS team,
  (SELECT json_agg(json_build_object('name', a.name, 'slug', a.slug) ORDER BY a.name)
   FROM event_submission_tools est
   -- each tool by primary key (OFFSET 0 keeps it a lookup: joined, the planner hashed
   -- the whole catalogue once per card)
   CROSS JOIN LATERAL (SELECT t.name, t.slug FROM ai_tools t
                        WHERE t.id = est.tool_id AND t.hidden_at IS NULL
                          AND t.merged_into_id IS NULL OFFSET 0) a
   WHERE est.submission_id = shown.id) AS tools,
  shown.highlight_counts AS highlights,
  shown.visible_review_count AS reviews,
  (SELECT json_agg(json_build_object('kind', er.kind, 'category', er.category,
                                     'place', er.place) ORDER BY er.kind, er.category)
   FROM event_results er, latest
   WHERE er.event_id = shown.event_id AND er.version = latest.version
     AND er.project_id = shown.project_id
     AND (er.place = 1 OR (er.kind = 'overall' AND er.place <= 3))) AS awards
FROM shown
"""


@cache
def _extras_statement():
    return text(EXTRAS_SQL).bindparams(bindparam("ids", expanding=False))


def award_label(kind: str, category: str | None, place: int) -> str:
    """Return an award's badge text without the event: "1st place", "Judges' pick: Design"."""
    if kind == ResultKind.overall.value:
        return PLACE_WORDS.get(place, f"{place}th place")
    label = HighlightCategory(category).label
    return f"Judges' pick: {label}" if kind == ResultKind.judges_pick.value \
        else f"People's choice: {label}"


def _award_order(award: dict) -> tuple:
    kinds = [k.value for k in ResultKind]
    cats = [c.value for c in HighlightCategory]
    return (kinds.index(award["kind"]), award["place"],
            cats.index(award["category"]) if award["category"] else -1)


def awards_of(raw) -> list[str]:
    """Return badge texts, overall first, for the award rows read as JSON."""
    return [award_label(a["kind"], a["category"], a["place"])
            for a in sorted(raw or [], key=_award_order)]


def highlight_pairs(raw) -> list[tuple[str, int]]:
    """Return ``(category label, count)`` in category order, non-zero counts only."""
    counts = raw or {}
    return [(c.label, counts[c.value]) for c in HighlightCategory if counts.get(c.value)]


def add_extras(session, event, cards) -> None:
    """Fill each card's team, tools, highlight counts, review count and awards (one
    statement over the cards shown, none without cards)."""
    if not cards:
        return
    rows = session.execute(_extras_statement(), {"ids": [c.id for c in cards],
                                                 "event_id": event.id}).all()
    by_id = {row[0]: row for row in rows}
    for card in cards:
        row = by_id.get(card.id)
        if row is None:
            continue
        card.team = row.team or []
        card.tools = row.tools or []
        card.highlights = highlight_pairs(row.highlights)
        card.reviews = row.reviews
        card.awards = awards_of(row.awards)


# --- The AI tool filter ----------------------------------------------------------------

@cache
def _tool_options_statement():
    used = (select(EventSubmissionTool.tool_id)
            .where(EventSubmissionTool.event_id == bindparam("event_id")))
    return (select(AiTool.id, AiTool.name, AiTool.slug)
            .where(AiTool.hidden_at.is_(None), AiTool.merged_into_id.is_(None),
                   or_(AiTool.id.in_(used), AiTool.slug == bindparam("selected")))
            .order_by(AiTool.name).limit(TOOL_OPTIONS_LIMIT))


def tool_options(session, event, selected: str | None):
    """Return ``(options, chosen)``: the listed tools used in the event (plus the chosen
    one) by name, and the chosen tool's row; NotFound when ``selected`` names no listed
    tool (unknown, hidden or merged). One statement."""
    rows = session.execute(_tool_options_statement(),
                           {"event_id": event.id, "selected": selected or ""}).all()
    chosen = next((r for r in rows if r.slug == selected), None) if selected else None
    if selected and chosen is None:
        raise NotFound()
    return rows, chosen
