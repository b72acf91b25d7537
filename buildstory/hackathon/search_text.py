"""The showcase's search column of a submission: the project name and what was built,
lower-cased and without accents, so a search for "cafe" finds "Café".

Kept apart from the submission services so the project edit service can rewrite it when a
project is renamed without importing them (the submission services import projects).
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import select

from .models import EventSubmission


def normalise(text: str | None) -> str:
    """Return ``text`` case-folded, accents dropped and whitespace runs made one space."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def search_text(project_name: str, what_built: str) -> str:
    """Return the stored search text of a submission."""
    return normalise(f"{project_name} {what_built}")


def rewrite_for_project(session, project_id, project_name: str) -> int:
    """Rewrite the search text of every submission of a project (after a rename);
    return how many rows changed. A project has a handful of submissions at most."""
    changed = 0
    rows = session.execute(select(EventSubmission.id, EventSubmission.what_built,
                                  EventSubmission.search_text)
                           .where(EventSubmission.project_id == project_id)).all()
    for sub_id, what_built, old in rows:
        new = search_text(project_name, what_built)
        if new != old:
            session.execute(EventSubmission.__table__.update()
                            .where(EventSubmission.__table__.c.id == sub_id)
                            .values(search_text=new))
            changed += 1
    return changed
