"""Who may see and manage events (docs/rules.md "Moderation" and "Events")."""
from __future__ import annotations

from ..enums import UserRole


def can_manage_events(role: UserRole | None) -> bool:
    """True for admins: they create, edit, move, feature and delete events."""
    return role == UserRole.admin


def can_view_drafts(role: UserRole | None) -> bool:
    """True when draft events are visible (admins); everyone else gets 404 for them."""
    return can_manage_events(role)


def can_moderate(role: UserRole | None) -> bool:
    """True for moderators and admins: the event page links them to its review list."""
    return role in (UserRole.moderator, UserRole.admin)
