"""Moderation and role changes (docs/rules.md "Moderation"). Every change writes one audit row.

Each service locks the target's row (``lock_row``; for builders
``hackathon.counters.lock_builder``, which in the same statement says whether stored
counters depend on them): moderators acting on one builder at the same instant queue, and
the later one sees "User is already banned" instead of banning twice. It checks who may
act (``access``), then the target's state, then changes it (recounting what the change
moves, ``hackathon.counters``) and writes its audit row with ``audit.record`` in the
caller's transaction; the view commits once, so a change and its audit row land together
or not at all.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from .. import storage
from ..audit import AuditLog, record
from ..enums import UserRole
from ..errors import Conflict, Forbidden, ValidationFailed
from ..buildlogs import counters as buildlog_counters
from ..roadmap import counters as roadmap_counters
from ..hackathon import counters
from ..identity.models import Account, DeletedIdentity, UserSession
from ..identity.roles import is_super_admin
from ..locking import lock_row
from ..mentoring import services as mentoring
from ..notifications import services as notifications
from ..notifications import triggers as notices
from ..teams import ownership
from . import access

BAN_REASON_MAX = 1000
BAN_REASON_REQUIRED = "Give a reason for the ban"
CONFIRM_MISMATCH = "Type the username to confirm"


def _commented():
    """Whether the builder wrote a build-log or a roadmap comment (their counts move)."""
    return buildlog_counters.has_commented() | roadmap_counters.has_commented()


def hide_profile(session, actor, target, *, admin_ids, now: datetime) -> None:
    """Soft-hide ``target``; raises Forbidden (yourself, a super-admin) or Conflict (hidden)."""
    touched, commented = counters.lock_builder(session, target,
                                               also=_commented())
    access.require_can_hide(actor, target, admin_ids)
    if target.hidden_at is not None:
        raise Conflict("User is already hidden")
    target.hidden_at, target.hidden_by = now, actor.id
    counters.builder_changed(session, target.id, touched=touched)
    buildlog_counters.builder_changed(session, target.id, commented=commented)
    roadmap_counters.builder_changed(session, target.id, commented=commented)
    record(session, actor, "hide_user", target)


def unhide_profile(session, actor, target, *, admin_ids) -> None:
    """Show ``target`` again; raises Forbidden (yourself) or Conflict ("User is not hidden")."""
    touched, commented = counters.lock_builder(session, target,
                                               also=_commented())
    access.require_can_unhide(actor, target, admin_ids)
    if target.hidden_at is None:
        raise Conflict("User is not hidden")
    target.hidden_at = target.hidden_by = None
    counters.builder_changed(session, target.id, touched=touched)
    buildlog_counters.builder_changed(session, target.id, commented=commented)
    roadmap_counters.builder_changed(session, target.id, commented=commented)
    record(session, actor, "unhide_user", target)


def hide_project(session, actor, project, *, admin_ids, now: datetime) -> None:
    """Hide ``project``; raises Conflict ("Project is already hidden")."""
    access.require_moderator(actor, admin_ids)
    lock_row(session, project)
    if project.hidden_at is not None:
        raise Conflict("Project is already hidden")
    tool_ids = counters.lock_project_submissions(session, [project.id])
    project.hidden_at, project.hidden_by = now, actor.id
    counters.recount_tools(session, tool_ids)
    record(session, actor, "hide_project", project.owner,
           project_id=project.id, slug=project.slug)
    notices.project_visibility(session, project, actor, hidden=True, now=now)


def unhide_project(session, actor, project, *, admin_ids) -> None:
    """Show ``project`` again; raises Conflict ("Project is not hidden")."""
    access.require_moderator(actor, admin_ids)
    lock_row(session, project)
    if project.hidden_at is None:
        raise Conflict("Project is not hidden")
    tool_ids = counters.lock_project_submissions(session, [project.id])
    project.hidden_at = project.hidden_by = None
    counters.recount_tools(session, tool_ids)
    record(session, actor, "unhide_project", project.owner,
           project_id=project.id, slug=project.slug)
    notices.project_visibility(session, project, actor, hidden=False)


def clean_reason(raw: str | None) -> str:
    """Return the trimmed ban reason; raise ValidationFailed when empty or too long.

    A ban always says why: the builder reads the reason on the suspended-account page.
    """
    reason = (raw or "").strip()
    if not reason:
        raise ValidationFailed({"reason": BAN_REASON_REQUIRED})
    if len(reason) > BAN_REASON_MAX:
        raise ValidationFailed({"reason": f"Reason must be at most {BAN_REASON_MAX} characters"})
    return reason


def ban_user(session, actor, target, *, reason: str | None, admin_ids, now: datetime) -> None:
    """Ban ``target`` (effective at their next request) for ``reason`` (1–1000 characters);
    raises Forbidden, Conflict or ValidationFailed (422)."""
    touched, commented = counters.lock_builder(session, target,
                                               also=_commented())
    access.require_can_ban(actor, target, admin_ids)
    if target.banned_at is not None:
        raise Conflict("User is already banned")
    reason = clean_reason(reason)
    target.banned_at, target.banned_by, target.ban_reason = now, actor.id, reason
    mentoring.release_all(session, target.id, actor=None, now=now)  # their help requests
    # Owned projects with an eligible member pass to a successor; a banned account keeps
    # no pending invite, link or ownership request.
    successions = ownership.on_ban(session, target, now=now)
    counters.builder_changed(session, target.id, touched=touched)
    buildlog_counters.builder_changed(session, target.id, commented=commented)
    roadmap_counters.builder_changed(session, target.id, commented=commented)
    record(session, actor, "ban_user", target, reason=reason, successions=successions)


def unban_user(session, actor, target, *, admin_ids) -> None:
    """Lift a ban and any hide (admins only); raises Forbidden or Conflict ("User is not banned")."""
    access.require_can_unban(actor, admin_ids)
    touched, commented = counters.lock_builder(session, target,
                                               also=_commented())
    if target.banned_at is None:
        raise Conflict("User is not banned")
    target.banned_at = target.banned_by = target.ban_reason = None
    target.hidden_at = target.hidden_by = None
    counters.builder_changed(session, target.id, touched=touched)
    buildlog_counters.builder_changed(session, target.id, commented=commented)
    roadmap_counters.builder_changed(session, target.id, commented=commented)
    record(session, actor, "unban_user", target)


def set_role(session, actor, target, role: str, *, admin_ids, via_cli: bool = False) -> bool:
    """Change ``target``'s role; return False for a no-op. Raises Forbidden per the rules.

    ``actor`` is None only for the CLI (audited with ``{"via": "cli"}``); the CLI may not
    touch a super-admin either. An unknown role is a 422 on the Role field.
    """
    lock_row(session, target)
    if via_cli:
        if is_super_admin(target, admin_ids):
            raise Forbidden("Cannot change a super-admin's role")
    else:
        access.require_can_set_role(actor, target, admin_ids)
    try:
        new_role = UserRole(role)
    except ValueError:
        raise ValidationFailed({"role": "Choose a role from the list"}) from None
    old_role = UserRole(target.role)
    if old_role == new_role:
        return False
    target.role = new_role
    extra = {"via": "cli"} if via_cli else {}
    record(session, None if via_cli else actor, "set_role", target,
           oldRole=old_role.value, newRole=new_role.value, **extra)
    return True


def confirmation_matches(target, typed: str | None) -> bool:
    """True when ``typed`` is the target's username (any case), or its identity id if none."""
    typed = (typed or "").strip()
    if target.username:
        return typed.lower() == target.username
    return typed == target.clerk_id


def delete_user(session, actor, target, *, confirm: str | None, admin_ids,
                now: datetime) -> AuditLog:
    """Delete ``target`` and all it owns; return the audit row (its ``meta`` says who).

    The profile's rows (projects with their members, invites, entries and history;
    memberships; registrations; invites sent or received; avatar) go by ON DELETE
    CASCADE; reviews and draws keep their rows with the reviewer set null. Sessions and
    the local account have no foreign key and are deleted by identity id. The identity is
    recorded in ``deleted_identities`` so ``ensure_profile`` never recreates it.
    """
    lock_row(session, target)
    access.require_can_delete(actor, target, admin_ids)
    if not confirmation_matches(target, confirm):
        raise ValidationFailed({"confirm_username": CONFIRM_MISMATCH})
    identity = target.clerk_id
    # Owned projects with an eligible member pass to a successor first; the rest go with
    # the profile (ON DELETE CASCADE), as listed on the admin page before confirming.
    successions = ownership.pass_on_projects(session, target, now=now)
    deleted_projects = [{"project_id": str(p.id), "slug": p.slug}
                        for p in ownership.succession_plan(session, target.id).deleted]
    pending = counters.before_builder_deleted(session, target.id)
    buildlog_pending = buildlog_counters.before_builder_deleted(session, target.id)
    roadmap_pending = roadmap_counters.before_builder_deleted(session, target.id)
    meta = {"deletedProfileId": str(target.id), "displayName": target.display_name,
            "username": target.username, "clerkId": identity,
            "successions": successions, "deleted_projects": deleted_projects}
    row = record(session, actor, "delete_user", target, **meta)
    session.execute(delete(UserSession).where(UserSession.identity_id == identity))
    session.execute(delete(Account).where(Account.id == identity))
    session.execute(insert(DeletedIdentity).values(identity_id=identity, deleted_at=now)
                    .on_conflict_do_nothing(index_elements=[DeletedIdentity.identity_id]))
    notifications.delete_about_projects_of(session, target.id)  # its projects go too
    mentoring.release_all(session, target.id, actor=None, now=now)  # back to the queue
    session.delete(target)
    session.flush()
    storage.released(session)  # their images' objects (cascade) go after the commit
    # Rows the database removed by cascade may still sit in the identity map.
    session.expire_all()
    pending.apply(session)  # their submissions' tools, their reviews' and scores' counts
    buildlog_pending.apply(session)  # what their reactions and comments counted into
    roadmap_pending.apply(session)  # what their upvotes and roadmap comments counted into
    return row
