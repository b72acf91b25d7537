"""Who may see and change a project (docs/rules.md "Moderation", §6).

Functions take the project, the viewer (a Profile or None) and the viewer's effective
role; membership comes from ``project.members`` (load it with the project).
"""
from __future__ import annotations

from ..enums import UserRole

MODERATOR_ROLES = frozenset({UserRole.moderator, UserRole.admin})


def is_moderator(role) -> bool:
    """True for moderators and admins (effective role)."""
    return role in MODERATOR_ROLES


def is_owner(project, viewer) -> bool:
    """True when the viewer owns the project."""
    return viewer is not None and project.profile_id == viewer.id


def is_member(project, viewer) -> bool:
    """True when the viewer is a (non-owner) member of the project's team."""
    return viewer is not None and any(m.profile_id == viewer.id for m in project.members)


def is_on_team(project, viewer) -> bool:
    """True for the owner or a member: the people who may enter the project in events."""
    return is_owner(project, viewer) or is_member(project, viewer)


def is_public(project) -> bool:
    """True when anyone may see the project: not hidden, owner neither hidden nor banned."""
    owner = project.owner
    return project.hidden_at is None and owner.hidden_at is None and owner.banned_at is None


def can_view(project, viewer, role) -> bool:
    """True when the viewer may see the project page (everyone else gets a 404).

    Public projects: everyone. Otherwise the owner (their own hidden project, with a
    badge), the team's members (so they can still leave a project whose owner or
    project was hidden or banned) and moderators and admins (with badges).
    """
    if is_public(project):
        return True
    return is_moderator(role) or is_on_team(project, viewer)


def can_edit(project, viewer) -> bool:
    """True only for the owner (edit and delete)."""
    return is_owner(project, viewer)


def sees_hidden_members(project, viewer, role) -> bool:
    """True when hidden or banned members appear on the team list: the team and moderators."""
    return is_moderator(role) or is_on_team(project, viewer)
