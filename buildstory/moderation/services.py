"""Moderation and role changes (domain.md §4). Every change writes one audit row."""
from __future__ import annotations

from ..audit import record
from ..enums import UserRole
from ..errors import Forbidden, ValidationFailed
from ..identity.roles import effective_role, is_super_admin


def set_role(session, actor, target, role: str, *, admin_ids, via_cli: bool = False) -> bool:
    """Change ``target``'s role; return False for a no-op. Raises Forbidden per the rules.

    ``actor`` is None only for the CLI (audited with ``{"via": "cli"}``).
    """
    try:
        new_role = UserRole(role)
    except ValueError:
        raise ValidationFailed({"role": "Choose a role from the list"}) from None
    if not via_cli:
        if effective_role(actor, admin_ids) != UserRole.admin:
            raise Forbidden("Only admins can manage roles")
        if actor.id == target.id:
            raise Forbidden("Cannot change your own role")
    if is_super_admin(target, admin_ids):
        raise Forbidden("Cannot change a super-admin's role")
    old_role = UserRole(target.role)
    if old_role == new_role:
        return False
    target.role = new_role
    extra = {"via": "cli"} if via_cli else {}
    record(session, None if via_cli else actor, "set_role", target,
           old_role=old_role.value, new_role=new_role.value, **extra)
    session.flush()
    return True
