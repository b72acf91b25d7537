"""What can be reported: one registration per kind of target (docs/architecture.md
"Reports").

A registration says, for its kind,

* ``load(session, target_id, viewer, role)``: the target as the reporter may see it, or
  None (unknown, deleted, hidden from them: the view answers 404). It returns a
  ``Target`` naming the reported builder (the audit target; never shown to them);
* ``summary(target_id)``: a one-row SELECT of ``label``, ``ref``, ``author_id``,
  ``hidden`` for the queue — the moderators' queue joins every kind's summary in its one
  statement, so a kind that no longer exists simply yields no row;
* ``link`` and ``hide``: the endpoint (and its values, from the summary row) of the page
  to open and of the kind's own hide route. The queue's **Hide** posts to that route, so
  hiding is audited by the feature as usual; ``hide`` is None for kinds moderated
  elsewhere (roadmap ideas and comments link to their triage and delete instead).

Reports import the features (never the other way round): adding a kind is one
``register(Kind(...))`` call here.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Boolean, Text, cast, literal, select, union_all
from sqlalchemy.orm import aliased

from ..buildlogs import comments as post_comments
from ..buildlogs import queries as post_queries
from ..buildlogs.models import Post, PostComment
from ..enums import ReportTargetKind, UserRole
from ..hackathon.models import HackathonReview
from ..profiles.models import Profile
from ..projects import access as project_access
from ..projects.models import Project


@dataclass(frozen=True)
class Target:
    """A reportable thing as its reporter sees it."""

    kind: ReportTargetKind
    id: uuid.UUID
    author_id: uuid.UUID | None  # the reported builder
    label: str


@dataclass(frozen=True)
class Kind:
    name: ReportTargetKind
    noun: str                                   # "update", "comment", … (button context)
    load: Callable                              # (session, target_id, viewer, role) -> Target | None
    summary: Callable                           # (target_id column) -> Select of the four columns
    link: Callable                              # (summary row) -> (endpoint, values)
    hide: Callable | None = None                # (summary row) -> (endpoint, values)
    hide_label: str = "Hide"


KINDS: dict[ReportTargetKind, Kind] = {}


def register(kind: Kind) -> None:
    """Make a kind reportable (its enum value already exists: migration 0020_reports)."""
    KINDS[kind.name] = kind


def kind_or_none(raw) -> Kind | None:
    try:
        return KINDS.get(ReportTargetKind(raw))
    except ValueError:
        return None


def _moderator(role) -> bool:
    return role in (UserRole.moderator, UserRole.admin)


def _visible(profile: Profile | None) -> bool:
    return profile is not None and profile.hidden_at is None and profile.banned_at is None


def _row(label, ref, author_id, hidden):
    return select(cast(label, Text).label("label"), cast(ref, Text).label("ref"),
                  author_id.label("author_id"), cast(hidden, Boolean).label("hidden"))


# --- profile --------------------------------------------------------------------------------

def _load_profile(session, target_id, viewer, role):
    profile = session.get(Profile, target_id)
    if profile is None or profile.username is None:
        return None
    if not (_visible(profile) or _moderator(role)):
        return None
    return Target(ReportTargetKind.profile, profile.id, profile.id, profile.display_name)


def _profile_summary(target_id):
    return _row(Profile.display_name, Profile.username, Profile.id,
                Profile.hidden_at.is_not(None) | Profile.banned_at.is_not(None)) \
        .where(Profile.id == target_id)


register(Kind(
    ReportTargetKind.profile, "profile", _load_profile, _profile_summary,
    link=lambda r: ("profiles.profile", {"username": r.ref}),
    hide=lambda r: ("moderation.hide_profile", {"profile_id": r.target_id})))


# --- project --------------------------------------------------------------------------------

def _load_project(session, target_id, viewer, role):
    project = session.get(Project, target_id)
    if project is None or not project_access.can_view(project, viewer, role):
        return None
    return Target(ReportTargetKind.project, project.id, project.profile_id, project.name)


def _project_summary(target_id):
    return _row(Project.name, Project.slug, Project.profile_id, Project.hidden_at.is_not(None)) \
        .where(Project.id == target_id)


register(Kind(
    ReportTargetKind.project, "project", _load_project, _project_summary,
    link=lambda r: ("projects.show", {"slug": r.ref}),
    hide=lambda r: ("moderation.hide_project", {"project_id": r.target_id})))


# --- post (an update on a project, or a post about a tool) --------------------------------

def _load_post(session, target_id, viewer, role):
    card = post_queries.card(session, target_id)
    if card is None or not post_queries.can_view(card, viewer, _moderator(role)):
        return None
    return Target(ReportTargetKind.post, card.post.id, card.post.author_id,
                  f"Update by {card.author.display_name}")


def _post_summary(target_id):
    return _row(Post.body, Post.id, Post.author_id, Post.hidden_at.is_not(None)) \
        .where(Post.id == target_id, Post.deleted_at.is_(None))


register(Kind(
    ReportTargetKind.post, "update", _load_post, _post_summary,
    link=lambda r: ("buildlogs.show", {"post_id": r.target_id}),
    hide=lambda r: ("buildlogs.hide", {"post_id": r.target_id})))


# --- comment on a post ----------------------------------------------------------------------

def _load_post_comment(session, target_id, viewer, role):
    comment = session.get(PostComment, target_id)
    if comment is None or comment.deleted_at is not None:
        return None
    author = session.get(Profile, comment.author_id)
    own = viewer is not None and viewer.id == comment.author_id
    if not _moderator(role) and not own and (comment.hidden_at is not None
                                             or not _visible(author)):
        return None
    if post_comments.visible_post(session, comment.post_id) is None:
        return None
    return Target(ReportTargetKind.post_comment, comment.id, comment.author_id,
                  f"Comment by {author.display_name}")


def _post_comment_summary(target_id):
    return _row(PostComment.body, PostComment.post_id, PostComment.author_id,
                PostComment.hidden_at.is_not(None)) \
        .where(PostComment.id == target_id, PostComment.deleted_at.is_(None))


register(Kind(
    ReportTargetKind.post_comment, "comment", _load_post_comment, _post_comment_summary,
    link=lambda r: ("buildlogs.show", {"post_id": r.ref, "_anchor": f"comment-{r.target_id}"}),
    hide=lambda r: ("talk.hide_comment", {"comment_id": r.target_id})))


# --- a peer review of a hackathon submission -----------------------------------------------

def _load_review(session, target_id, viewer, role):
    review = session.get(HackathonReview, target_id)
    if review is None:
        return None
    project = session.get(Project, review.project_id)
    reviewer = session.get(Profile, review.reviewer_profile_id)
    if project is None or not project_access.can_view(project, viewer, role):
        return None
    if not _moderator(role):
        # Reviews are read on the team's "Reviews received" page: the team sees the
        # visible ones.
        if not project_access.is_on_team(project, viewer):
            return None
        if review.hidden_at is not None or not _visible(reviewer):
            return None
    return Target(ReportTargetKind.review, review.id, review.reviewer_profile_id,
                  f"Review by {reviewer.display_name}")


_ReviewedProject = aliased(Project, name="reviewed_project")


def _review_summary(target_id):
    return _row(HackathonReview.feedback,
                select(_ReviewedProject.slug)
                .where(_ReviewedProject.id == HackathonReview.project_id).scalar_subquery(),
                HackathonReview.reviewer_profile_id, HackathonReview.hidden_at.is_not(None)) \
        .where(HackathonReview.id == target_id)


register(Kind(
    ReportTargetKind.review, "review", _load_review, _review_summary,
    link=lambda r: ("hackathon_results.project_reviews", {"slug": r.ref}),
    hide=lambda r: ("hackathon_results.hide_review", {"review_id": r.target_id}),
    hide_label="Hide review"))


# The kinds still to come register here with one call each, e.g. (docs/architecture.md):
#   register(Kind(ReportTargetKind.roadmap_item, "idea", roadmap_load, roadmap_summary,
#                 link=lambda r: ("roadmap.show", {"slug": r.ref}), hide=None))
# A kind with ``hide=None`` shows links to its own moderation (triage, delete) instead.


def summaries(target_kind, target_id):
    """Every registered kind's summary, gated on the kind: one row for an existing target,
    none for a vanished one (a LATERAL join of the queue)."""
    return union_all(*[KINDS[k].summary(target_id).where(target_kind == k) for k in KINDS])


def author_of(session, kind: ReportTargetKind, target_id) -> uuid.UUID | None:
    """The reported builder of a target that may have vanished (None then)."""
    registered = KINDS.get(ReportTargetKind(kind))
    if registered is None:
        return None
    row = session.execute(registered.summary(literal(target_id))).first()
    return row.author_id if row else None
