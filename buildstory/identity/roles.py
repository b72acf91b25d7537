"""Effective roles: super-admins from ADMIN_USER_IDS, banned accounts act as users."""
from __future__ import annotations

from ..enums import UserRole

RANK = {UserRole.user: 0, UserRole.moderator: 1, UserRole.admin: 2}


def is_super_admin(profile, admin_ids) -> bool:
    """True when the profile's identity is listed in ADMIN_USER_IDS."""
    return profile is not None and profile.clerk_id in admin_ids


def effective_role(profile, admin_ids) -> UserRole | None:
    """Return the role that counts now: None signed out, user when banned, admin for supers."""
    if profile is None:
        return None
    if is_super_admin(profile, admin_ids):
        return UserRole.admin
    if profile.banned_at is not None:
        return UserRole.user
    return UserRole(profile.role)


def has_role(profile, admin_ids, needed: UserRole) -> bool:
    """True when the effective role is at least ``needed``."""
    role = effective_role(profile, admin_ids)
    return role is not None and RANK[role] >= RANK[needed]
