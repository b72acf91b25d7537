"""Who may do what on the roadmap (docs/rules.md "Roadmap"). No flask here."""
from __future__ import annotations

from ..enums import FeatureBoardStatus as S, UserRole
from . import rules

TRIAGER_ROLES = (UserRole.moderator, UserRole.admin)


def is_triager(role) -> bool:
    """True for moderators and admins (they see every status and triage)."""
    return role in TRIAGER_ROLES


def can_see(item, viewer, triager: bool) -> bool:
    """True when the viewer may open the idea: public statuses for everyone, every status
    for triagers, and their own idea while it waits in the inbox for its author."""
    if triager or rules.is_public(item.status):
        return True
    return item.status == S.inbox and viewer is not None and viewer.id == item.author_id


def can_edit(item, viewer, triager: bool, now) -> bool:
    """True when the edit link is shown: triagers always, the author within 15 minutes."""
    if viewer is None:
        return False
    return triager or (viewer.id == item.author_id
                       and rules.within_edit_window(item.created_at, now))


def can_delete(item, viewer, triager: bool) -> bool:
    """True when Delete idea is shown: triagers always, the author while in the inbox."""
    if viewer is None:
        return False
    return triager or (viewer.id == item.author_id and item.status == S.inbox)
