"""Who may do what with a team (docs/rules.md "Teams"); views and templates ask here.

The services enforce the same rules again under row locks; these answers decide what a
page shows and which refusal a view gives before calling a service.
"""
from __future__ import annotations

from datetime import datetime

from ..enums import InviteStatus
from ..errors import Forbidden, NotFound
from ..projects import access as project_access
from . import services

# What the invite landing page shows a visitor (and the status it answers with).
LINK_OK, LINK_SIGN_IN = "ok", "sign_in"
LINK_STATES = {
    "invalid": (404, services.LINK_INVALID),
    "used": (410, services.LINK_USED),
    "owner": (200, services.YOU_OWN_IT),
    "member": (200, services.YOU_ARE_MEMBER),
    "full": (200, services.TEAM_FULL),
}


def require_visible(project, viewer, role) -> None:
    """Raise NotFound (404) when the viewer may not see the project at all."""
    if project is None or not project_access.can_view(project, viewer, role):
        raise NotFound()


def require_owner(project, viewer, role) -> None:
    """Raise NotFound (404) for a project the viewer cannot see, Forbidden (403) for a
    non-owner who can."""
    require_visible(project, viewer, role)
    if not project_access.is_owner(project, viewer):
        raise Forbidden(services.NOT_OWNER)


def link_state(invite, viewer, *, now: datetime, team_limit: int) -> str:
    """Return what an invite link means for this visitor.

    "invalid" (unknown, revoked, expired, or its project is no longer public), "used",
    then for a signed-in visitor "owner", "member", "full" or "ok"; "sign_in" for a
    signed-out visitor of a valid link. ``invite.project`` must be loaded with members.
    """
    if invite is None or not project_access.is_public(invite.project):
        return "invalid"
    if invite.status == InviteStatus.accepted:
        return "used"
    if invite.status != InviteStatus.pending or invite.is_expired(now):
        return "invalid"
    project = invite.project
    if viewer is None:
        return LINK_SIGN_IN
    if project_access.is_owner(project, viewer):
        return "owner"
    if project_access.is_member(project, viewer):
        return "member"
    if 1 + len(project.members) >= team_limit:
        return "full"
    return LINK_OK
