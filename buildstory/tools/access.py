"""Who may do what with the catalogue."""
from __future__ import annotations

from ..enums import UserRole


def can_moderate(role) -> bool:
    """True for moderators and admins (effective role): they see hidden tools and the
    moderation section of a tool page."""
    return role in (UserRole.moderator, UserRole.admin)


def can_view(tool, role) -> bool:
    """True when the viewer may see the tool's page (a hidden one: moderators only)."""
    return tool.hidden_at is None or can_moderate(role)
