"""Paths of the hackathon pages this package links to but other parts of the app serve:
the submission form, demo images, reviews, judging, results and their moderation and
admin pages. The paths are the app's public URL contract (README "The hackathon loop"),
so links to them hold whichever module serves them."""
from __future__ import annotations

PATHS = {
    "submission_form": "/projects/{project_slug}/submissions/{event_slug}",
    "thumb": "/submission-images/{submission_id}/{hash}/thumb",
    "image": "/submission-images/{submission_id}/{hash}",
    "review": "/events/{event_slug}/review",
    "judge": "/events/{event_slug}/judge",
    "results": "/events/{event_slug}/results",
    "project_reviews": "/projects/{project_slug}/reviews",
    "moderation_reviews": "/moderation/events/{event_slug}/reviews",
    "admin_judging": "/admin/events/{event_slug}/judging",
    "admin_results": "/admin/events/{event_slug}/results",
}


def hackathon_path(name: str, **values) -> str:
    """Return the path of the hackathon page ``name`` with ``values`` filled in."""
    return PATHS[name].format(**{k: str(v) for k, v in values.items()})
