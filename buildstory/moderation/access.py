"""Who may moderate whom (docs/rules.md "Moderation"): refusals for services, button lists for templates.

The ``require_*`` functions raise ``Forbidden`` with the exact message of the §4 table;
services call them before looking at state (already hidden, not banned, …), so a person
who may not act never learns anything about the target's state. ``profile_actions`` and
``project_actions`` answer the same questions as data, so templates only show buttons
the server would accept.
"""
from __future__ import annotations

from ..enums import UserRole
from ..errors import Forbidden
from ..identity.roles import effective_role, has_role, is_super_admin

NOT_MODERATOR = "Only moderators can do that"


def is_moderator(profile, admin_ids) -> bool:
    """True when the profile's effective role is moderator or admin."""
    return has_role(profile, admin_ids, UserRole.moderator)


def is_admin(profile, admin_ids) -> bool:
    """True when the profile's effective role is admin (super-admins included)."""
    return has_role(profile, admin_ids, UserRole.admin)


def require_moderator(actor, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` is a moderator or admin."""
    if not is_moderator(actor, admin_ids):
        raise Forbidden(NOT_MODERATOR)


def require_can_hide(actor, target, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` may hide ``target`` (not yourself, not a super-admin)."""
    require_moderator(actor, admin_ids)
    if actor.id == target.id:
        raise Forbidden("Cannot hide yourself")
    if is_super_admin(target, admin_ids):
        raise Forbidden("Cannot hide a super-admin")


def require_can_unhide(actor, target, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` may unhide ``target`` (a hidden moderator cannot
    restore themselves: "Cannot unhide yourself")."""
    require_moderator(actor, admin_ids)
    if actor.id == target.id:
        raise Forbidden("Cannot unhide yourself")


def require_can_ban(actor, target, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` may ban ``target`` (moderators cannot ban admins)."""
    require_moderator(actor, admin_ids)
    if actor.id == target.id:
        raise Forbidden("Cannot ban yourself")
    if is_super_admin(target, admin_ids):
        raise Forbidden("Cannot ban a super-admin")
    if not is_admin(actor, admin_ids) and effective_role(target, admin_ids) == UserRole.admin:
        raise Forbidden("Moderators cannot ban admins")


def require_can_unban(actor, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` is an admin."""
    if not is_admin(actor, admin_ids):
        raise Forbidden("Only admins can unban users")


def require_can_set_role(actor, target, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` is an admin changing someone else's, non-super role."""
    if not is_admin(actor, admin_ids):
        raise Forbidden("Only admins can manage roles")
    if actor.id == target.id:
        raise Forbidden("Cannot change your own role")
    if is_super_admin(target, admin_ids):
        raise Forbidden("Cannot change a super-admin's role")


def require_can_delete(actor, target, admin_ids) -> None:
    """Raise Forbidden unless ``actor`` is an admin deleting someone else, not a super-admin."""
    if not is_admin(actor, admin_ids):
        raise Forbidden("Only admins can delete users")
    if actor.id == target.id:
        raise Forbidden("Cannot delete yourself")
    if is_super_admin(target, admin_ids):
        raise Forbidden("Cannot delete a super-admin")


def _allowed(check, *args) -> bool:
    try:
        check(*args)
    except Forbidden:
        return False
    return True


def profile_actions(viewer, target, admin_ids) -> dict[str, bool]:
    """Return which profile buttons ``viewer`` gets for ``target`` (all False for builders)."""
    if viewer is None or not is_moderator(viewer, admin_ids):
        return {"any": False, "hide": False, "unhide": False, "ban": False, "unban": False}
    acts = {
        "hide": not target.is_hidden and not target.is_banned
        and _allowed(require_can_hide, viewer, target, admin_ids),
        "unhide": target.is_hidden and not target.is_banned
        and _allowed(require_can_unhide, viewer, target, admin_ids),
        "ban": not target.is_banned and _allowed(require_can_ban, viewer, target, admin_ids),
        "unban": target.is_banned and _allowed(require_can_unban, viewer, admin_ids),
    }
    acts["any"] = True  # the panel shows (with a note when no button applies)
    return acts


def project_actions(viewer, project, admin_ids) -> dict[str, bool]:
    """Return which project buttons ``viewer`` gets for ``project``."""
    if viewer is None or not is_moderator(viewer, admin_ids):
        return {"any": False, "hide": False, "unhide": False}
    return {"any": True, "hide": not project.is_hidden, "unhide": project.is_hidden}

