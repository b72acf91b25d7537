"""What the event page shows of the hackathon (docs/rules.md "Showcase and share cards"):
the visible submissions count and judges for everyone, and for a signed-in builder their
projects (to submit), whether one has a visible submission (to review) and whether they
judge. One statement each; the public part is what the event page caches with its counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import text

PUBLIC_SQL = """
SELECT
  (SELECT count(*) FROM event_submissions s
   JOIN projects p ON p.id = s.project_id JOIN profiles o ON o.id = p.profile_id
   WHERE s.event_id = :event_id
     AND p.hidden_at IS NULL AND o.hidden_at IS NULL AND o.banned_at IS NULL) AS submissions,
  (SELECT json_agg(json_build_object('name', j.display_name, 'username', j.username)
                   ORDER BY j.display_name, j.id)
   FROM event_judges ej JOIN profiles j ON j.id = ej.profile_id
   WHERE ej.event_id = :event_id AND j.hidden_at IS NULL AND j.banned_at IS NULL) AS judges
"""

VIEWER_SQL = """
WITH mine AS (
  SELECT p.id FROM projects p WHERE p.profile_id = :viewer_id
  UNION SELECT pm.project_id FROM project_members pm WHERE pm.profile_id = :viewer_id
)
SELECT
  EXISTS (SELECT 1 FROM event_judges ej
          WHERE ej.event_id = :event_id AND ej.profile_id = :viewer_id) AS is_judge,
  (SELECT json_agg(json_build_object(
            'name', p.name, 'slug', p.slug,
            'submitted', s.id IS NOT NULL,
            'visible', p.hidden_at IS NULL AND o.hidden_at IS NULL AND o.banned_at IS NULL)
          ORDER BY p.name, p.id)
   FROM (SELECT id FROM mine LIMIT 20) m
   JOIN projects p ON p.id = m.id JOIN profiles o ON o.id = p.profile_id
   LEFT JOIN event_submissions s ON s.event_id = :event_id AND s.project_id = p.id)
   AS projects
"""


@dataclass
class EventHackathon:
    """The event page's hackathon facts (public) and the viewer's part."""

    submissions: int = 0
    judges: list = field(default_factory=list)
    is_judge: bool = False
    projects: list = field(default_factory=list)  # the viewer's: name, slug, submitted, visible

    @property
    def has_visible_submission(self) -> bool:
        """True when one of the viewer's projects has a visible submission (a reviewer)."""
        return any(p["submitted"] and p["visible"] for p in self.projects)


@cache
def _public_statement():
    return text(PUBLIC_SQL)


@cache
def _viewer_statement():
    return text(VIEWER_SQL)


def event_public(session, event_id) -> dict:
    """Return ``{"submissions": visible submissions, "judges": visible judges}`` (one
    statement)."""
    row = session.execute(_public_statement(), {"event_id": event_id}).one()
    return {"submissions": row.submissions, "judges": row.judges or []}


def event_hackathon(public: dict, session, event_id, viewer_id) -> EventHackathon:
    """Return the event page's hackathon panel: ``public`` (``event_public``, maybe cached)
    plus, for a signed-in viewer, their projects and judge role (one statement)."""
    panel = EventHackathon(public["submissions"], public["judges"])
    if viewer_id is not None:
        row = session.execute(_viewer_statement(),
                              {"event_id": event_id, "viewer_id": viewer_id}).one()
        panel.is_judge, panel.projects = row.is_judge, row.projects or []
    return panel
