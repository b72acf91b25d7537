"""What the project page and profiles show of a project's submissions and awards
(docs/rules.md "Showcase and share cards").

Awards come from the latest published results version of each event: overall places 1–3,
and the winner (place 1) of each judges' pick and people's choice. Each function is one
statement whatever the data size.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text

from .rules import SHOWCASE_STATUSES
from .showcase import award_label, awards_of

# the award rows of (event, project) in the event's latest version
AWARD_ROWS = """
  SELECT er.kind, er.category, er.place FROM event_results er
  WHERE er.event_id = {event} AND er.project_id = {project}
    AND er.version = (SELECT max(x.version) FROM event_results x WHERE x.event_id = {event})
    AND (er.place = 1 OR (er.kind = 'overall' AND er.place <= 3))
"""

PROJECT_SQL = f"""
WITH counted AS (
  SELECT CASE WHEN :count_reviews THEN (
    SELECT count(*) FROM event_submissions rs
    JOIN hackathon_reviews r ON r.event_id = rs.event_id AND r.project_id = rs.project_id
    JOIN profiles rp ON rp.id = r.reviewer_profile_id
    WHERE rs.project_id = :project_id
      AND (:all_reviews OR (r.hidden_at IS NULL AND rp.hidden_at IS NULL
                            AND rp.banned_at IS NULL))) END AS reviews
)
SELECT counted.reviews, subs.* FROM counted LEFT JOIN LATERAL (
  SELECT s.id, s.submitted_at, e.name AS event_name, e.slug AS event_slug,
         e.status::text AS event_status, c.version AS card_version,
         (SELECT json_agg(json_build_object('kind', a.kind, 'category', a.category,
                                            'place', a.place))
          FROM ({AWARD_ROWS.format(event="s.event_id", project="s.project_id")}) a) AS awards
  FROM event_submissions s JOIN events e ON e.id = s.event_id
  LEFT JOIN submission_cards c ON c.submission_id = s.id
  WHERE s.project_id = :project_id AND e.status <> 'draft'
  ORDER BY s.submitted_at DESC, s.id DESC LIMIT 50
) subs ON true
"""


@dataclass(frozen=True)
class ProjectSubmission:
    """A project's submission to one event, as its project page lists it."""

    id: object
    event_name: str
    event_slug: str
    event_status: str
    card_version: str | None
    awards: list


@cache
def _project_statement():
    return text(PROJECT_SQL)


def project_panel(session, project_id, *, count_reviews: bool, all_reviews: bool
                  ) -> tuple[list[ProjectSubmission], int | None, ProjectSubmission | None]:
    """Return ``(submissions, reviews received, og submission)`` of a project page.

    Submissions to public events, newest first, each with its awards and stored card
    version; the reviews the viewer may see on the project's reviews page (None unless
    ``count_reviews``: the team sees visible ones, moderators ``all_reviews``); and the
    latest submission whose showcase is open (its card is the page's ``og:image``).
    One statement.
    """
    rows = session.execute(_project_statement(), {
        "project_id": project_id, "count_reviews": count_reviews,
        "all_reviews": all_reviews}).all()
    reviews = rows[0].reviews if rows and count_reviews else None
    subs = [ProjectSubmission(r.id, r.event_name, r.event_slug, r.event_status,
                              r.card_version, awards_of(r.awards))
            for r in rows if r.id is not None]
    shown = {s.value for s in SHOWCASE_STATUSES}
    latest = next((s for s in subs if s.event_status in shown), None)
    return subs, reviews, latest


PROFILE_SQL = """
WITH mine AS (
  SELECT p.id FROM projects p WHERE p.profile_id = :profile_id
  UNION SELECT pm.project_id FROM project_members pm WHERE pm.profile_id = :profile_id
)
SELECT er.kind, er.category, er.place, e.name AS event_name, e.slug AS event_slug,
       p.name AS project_name, p.slug AS project_slug
FROM mine
JOIN projects p ON p.id = mine.id
JOIN profiles o ON o.id = p.profile_id
JOIN event_results er ON er.project_id = p.id
JOIN events e ON e.id = er.event_id
WHERE p.hidden_at IS NULL AND o.hidden_at IS NULL AND o.banned_at IS NULL
  AND e.status <> 'draft'
  AND er.version = (SELECT max(x.version) FROM event_results x WHERE x.event_id = er.event_id)
  AND (er.place = 1 OR (er.kind = 'overall' AND er.place <= 3))
ORDER BY e.starts_at DESC, e.id, er.kind, er.place, er.category
LIMIT 50
"""


@dataclass(frozen=True)
class Award:
    """One award badge on a profile: "1st place · Spring Jam"."""

    label: str
    event_name: str
    event_slug: str
    project_name: str
    project_slug: str

    @property
    def text(self) -> str:
        return f"{self.label} · {self.event_name}"


@cache
def _profile_statement():
    return text(PROFILE_SQL)


def profile_awards(session, profile_id) -> list[Award]:
    """Return the award badges of the visible projects the builder is now on the team of
    (owned or joined), newest event first. One statement."""
    rows = session.execute(_profile_statement(), {"profile_id": profile_id}).all()
    return [Award(award_label(r.kind, r.category, r.place), r.event_name, r.event_slug,
                  r.project_name, r.project_slug) for r in rows]
