"""Who sees which profiles (docs/rules.md "Moderation")."""
from __future__ import annotations

from ..enums import UserRole


def sees_hidden_profiles(role: UserRole | None) -> bool:
    """True for moderators and admins (effective role), who see hidden and banned builders
    on profile pages, clearly badged. The member directory stays public-only for them too."""
    return role in (UserRole.moderator, UserRole.admin)
