"""Team rules (docs/rules.md "Teams"): direct invites, links, accept / decline / revoke, members."""
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from buildstory.enums import InviteStatus, InviteType, ProjectEventKind
from buildstory.errors import Conflict, Forbidden, Gone, NotFound, ValidationFailed
from buildstory.models import ProjectEvent, ProjectMember, TeamInvite
from buildstory.teams import services
from tests.factories import (ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory, token_hash)

NOW = datetime.now(UTC)
LIMIT = 6


def send(project, sender, username, **kw):
    from buildstory.db import db
    return services.send_direct_invite(db.session, project, sender, username, now=kw.pop("now", NOW),
                                       team_limit=kw.pop("team_limit", LIMIT), **kw)


def field_error(exc_info):
    assert exc_info.value.status == 422
    return exc_info.value.errors["username"]


def history(session, project):
    return [(r.kind, r.actor_name, r.subject_name) for r in session.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project.id)
        .order_by(ProjectEvent.created_at, ProjectEvent.id))]


# --- Direct invites ---------------------------------------------------------------------

def test_send_direct_invite_creates_a_pending_invite_and_history(db_session):
    project = ProjectFactory()
    recipient = ProfileFactory(username="kenji", display_name="Kenji W")
    invite = send(project, project.owner, "  @Kenji ")
    assert (invite.type, invite.status, invite.recipient_id) == (
        InviteType.direct, InviteStatus.pending, recipient.id)
    assert invite.sender_id == project.owner.id and invite.created_at == NOW
    assert invite.token is None and invite.expires_at is None and invite.responded_at is None
    assert history(db_session, project) == [
        (ProjectEventKind.invite_sent, project.owner.display_name, "Kenji W")]


def test_only_the_owner_invites(db_session):
    project = ProjectFactory()
    ProfileFactory(username="kenji")
    member = ProjectMemberFactory(project=project).profile
    for actor in (member, ProfileFactory()):
        with pytest.raises(Forbidden) as exc:
            send(project, actor, "kenji")
        assert exc.value.message == "You do not own this project" and exc.value.status == 403
    assert db_session.scalar(select(func.count(TeamInvite.id))) == 0


@pytest.mark.parametrize("trait", ["missing", "hidden", "banned"])
def test_unknown_or_invisible_recipient_is_not_found(db_session, trait):
    project = ProjectFactory()
    if trait != "missing":
        ProfileFactory(username="ghost", **{trait: True})
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "ghost")
    assert field_error(exc) == "User not found"


def test_recipient_who_does_not_accept_invites(db_session):
    project = ProjectFactory()
    ProfileFactory(username="quiet", allow_invites=False)
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "quiet")
    assert field_error(exc) == "This user is not accepting invites"


def test_cannot_invite_yourself(db_session):
    project = ProjectFactory(owner__username="selfie")
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "selfie")
    assert field_error(exc) == "You cannot invite yourself"


def test_cannot_invite_a_member(db_session):
    project = ProjectFactory()
    ProjectMemberFactory(project=project, profile=ProfileFactory(username="already"))
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "already")
    assert field_error(exc) == "User is already a team member"


def test_cannot_invite_twice_while_pending_but_can_after_an_answer(db_session):
    project = ProjectFactory()
    ProfileFactory(username="twice")
    first = send(project, project.owner, "twice")
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "twice")
    assert field_error(exc) == "Invite already sent to this user"
    services.decline_invite(db_session, first, first.recipient, now=NOW)
    assert send(project, project.owner, "twice").status == InviteStatus.pending


def test_checks_run_in_the_documented_order(db_session):
    """A recipient failing several checks gets the first one's message."""
    project = ProjectFactory(owner__username="owner1", owner__allow_invites=False)
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "owner1")  # yourself, but not accepting comes first
    assert field_error(exc) == "This user is not accepting invites"
    # Field errors come before the limits: a full team still says "already invited".
    ProfileFactory(username="dup")
    send(project, project.owner, "dup")
    for _ in range(LIMIT - 1):
        ProjectMemberFactory(project=project)
    with pytest.raises(ValidationFailed) as exc:
        send(project, project.owner, "dup")
    assert field_error(exc) == "Invite already sent to this user"


def test_pending_limit_counts_direct_and_link_invites_across_projects(db_session):
    owner = ProfileFactory()
    a, b = ProjectFactory(owner=owner), ProjectFactory(owner=owner)
    for i in range(3):
        send(a, owner, ProfileFactory(username=f"pal{i}").username)
    services.create_invite_link(db_session, b, owner, now=NOW, ttl_days=7)
    services.create_invite_link(db_session, a, owner, now=NOW, ttl_days=7)
    assert services.pending_count(db_session, owner.id, NOW) == 5
    ProfileFactory(username="sixth")
    with pytest.raises(Conflict) as exc:
        send(b, owner, "sixth")
    assert exc.value.message == "You can have at most 5 pending invites" and exc.value.status == 409
    with pytest.raises(Conflict) as exc:
        services.create_invite_link(db_session, b, owner, now=NOW, ttl_days=7)
    assert exc.value.message == "You can have at most 5 pending invites"


def test_expired_and_answered_invites_do_not_count_toward_the_limit(db_session):
    owner = ProfileFactory()
    project = ProjectFactory(owner=owner)
    for _ in range(3):
        TeamInviteFactory(project=project, link=True, expires_at=NOW - timedelta(seconds=1))
    for status in (InviteStatus.accepted, InviteStatus.declined, InviteStatus.revoked):
        TeamInviteFactory(project=project, status=status)
    for i in range(4):
        TeamInviteFactory(project=project)
    assert services.pending_count(db_session, owner.id, NOW) == 4
    ProfileFactory(username="fifth")
    assert send(project, owner, "fifth")
    with pytest.raises(Conflict):
        services.create_invite_link(db_session, project, owner, now=NOW, ttl_days=7)


def test_team_full_refuses_new_invites(db_session):
    project = ProjectFactory()
    for _ in range(LIMIT - 1):
        ProjectMemberFactory(project=project, profile=ProfileFactory(hidden=True))
    ProfileFactory(username="late")
    with pytest.raises(Conflict) as exc:
        send(project, project.owner, "late")
    assert exc.value.message == "This team is full" and exc.value.status == 409
    with pytest.raises(Conflict) as exc:
        services.create_invite_link(db_session, project, project.owner, now=NOW, ttl_days=7,
                                    team_limit=LIMIT)
    assert exc.value.message == "This team is full"


def test_direct_invite_with_a_lifetime_expires(db_session):
    project = ProjectFactory()
    ProfileFactory(username="timed")
    invite = send(project, project.owner, "timed", ttl_days=2)
    assert invite.expires_at == NOW + timedelta(days=2)
    later = NOW + timedelta(days=3)
    assert invite.is_expired(later) and invite.status == InviteStatus.pending
    with pytest.raises(Conflict) as exc:
        services.accept_invite(db_session, invite, invite.recipient, now=later, team_limit=LIMIT)
    assert exc.value.message == "This invite is no longer pending"
    # An expired invite no longer blocks a fresh one.
    assert send(project, project.owner, "timed", now=later).id != invite.id


# --- Links ------------------------------------------------------------------------------

def test_invite_link_stores_only_the_hash_and_expires(db_session):
    project = ProjectFactory()
    invite, raw = services.create_invite_link(db_session, project, project.owner, now=NOW,
                                              ttl_days=7)
    assert len(raw) >= 43  # 32 random bytes, URL-safe base64
    assert invite.token == hashlib.sha256(raw.encode()).hexdigest() == token_hash(raw)
    assert raw not in invite.token
    assert invite.expires_at == NOW + timedelta(days=7) and invite.recipient_id is None
    assert history(db_session, project) == [
        (ProjectEventKind.invite_sent, project.owner.display_name, "Invite link")]
    other, raw2 = services.create_invite_link(db_session, project, project.owner, now=NOW,
                                              ttl_days=7)
    assert raw2 != raw and other.token != invite.token


def test_only_the_owner_creates_links(db_session):
    project = ProjectFactory()
    with pytest.raises(Forbidden):
        services.create_invite_link(db_session, project, ProfileFactory(), now=NOW, ttl_days=7)


def test_accept_link_joins_and_marks_it_used(db_session):
    invite = TeamInviteFactory(link=True, raw_token="tok-1")
    joiner = ProfileFactory(display_name="Joiner")
    member = services.accept_link(db_session, "tok-1", joiner, now=NOW, team_limit=LIMIT)
    assert (member.project_id, member.profile_id, member.invite_id) == (
        invite.project_id, joiner.id, invite.id)
    assert member.joined_at == NOW
    assert (invite.status, invite.recipient_id, invite.responded_at) == (
        InviteStatus.accepted, joiner.id, NOW)
    assert history(db_session, invite.project)[-1] == (ProjectEventKind.joined, "Joiner", None)
    with pytest.raises(Gone) as exc:
        services.accept_link(db_session, "tok-1", ProfileFactory(), now=NOW, team_limit=LIMIT)
    assert exc.value.message == "This invite has already been used" and exc.value.status == 410


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "hidden_project", "banned_owner"])
def test_invalid_links(db_session, case):
    kw = {"raw_token": "tok-x"}
    if case == "expired":
        kw["expires_at"] = NOW - timedelta(minutes=1)
    if case == "revoked":
        kw["status"] = InviteStatus.revoked
    if case == "hidden_project":
        kw["project"] = ProjectFactory(hidden=True)
    if case == "banned_owner":
        kw["project"] = ProjectFactory(owner=ProfileFactory(banned=True))
    TeamInviteFactory(link=True, **kw)
    token = "nope" if case == "unknown" else "tok-x"
    with pytest.raises(NotFound) as exc:
        services.accept_link(db_session, token, ProfileFactory(), now=NOW, team_limit=LIMIT)
    assert exc.value.message == "This invite link is invalid or has expired"
    assert exc.value.status == 404
    assert db_session.scalar(select(func.count(ProjectMember.id))) == 0


def test_owner_and_members_cannot_use_a_link(db_session):
    invite = TeamInviteFactory(link=True, raw_token="tok-own")
    member = ProjectMemberFactory(project=invite.project).profile
    with pytest.raises(Conflict) as exc:
        services.accept_link(db_session, "tok-own", invite.project.owner, now=NOW, team_limit=LIMIT)
    assert exc.value.message == "You are the owner of this project"
    with pytest.raises(Conflict) as exc:
        services.accept_link(db_session, "tok-own", member, now=NOW, team_limit=LIMIT)
    assert exc.value.message == "You are already a team member"
    assert invite.status == InviteStatus.pending


def test_link_into_a_full_team(db_session):
    invite = TeamInviteFactory(link=True, raw_token="tok-full")
    for _ in range(2):
        ProjectMemberFactory(project=invite.project)
    with pytest.raises(Conflict) as exc:
        services.accept_link(db_session, "tok-full", ProfileFactory(), now=NOW, team_limit=3)
    assert exc.value.message == "This team is full"
    assert invite.status == InviteStatus.pending


# --- Accept, decline, revoke ------------------------------------------------------------

def test_accept_direct_invite_joins_and_revokes_other_invites_to_the_project(db_session):
    invite = TeamInviteFactory()
    recipient = invite.recipient
    dup = TeamInviteFactory(project=invite.project, recipient=recipient)  # e.g. from earlier
    elsewhere = TeamInviteFactory(recipient=recipient)
    member = services.accept_invite(db_session, invite, recipient, now=NOW, team_limit=LIMIT)
    assert member.invite_id == invite.id and member.profile_id == recipient.id
    assert (invite.status, invite.responded_at) == (InviteStatus.accepted, NOW)
    db_session.refresh(dup)
    db_session.refresh(elsewhere)
    assert (dup.status, dup.responded_at) == (InviteStatus.revoked, NOW)
    assert elsewhere.status == InviteStatus.pending


def test_someone_elses_invite_is_not_found(db_session):
    invite = TeamInviteFactory()
    stranger = ProfileFactory()
    for act in (lambda: services.accept_invite(db_session, invite, stranger, now=NOW, team_limit=LIMIT),
                lambda: services.decline_invite(db_session, invite, stranger, now=NOW),
                lambda: services.revoke_invite(db_session, invite, stranger, now=NOW),
                lambda: services.revoke_invite(db_session, invite, invite.recipient, now=NOW)):
        with pytest.raises(NotFound):
            act()
    assert invite.status == InviteStatus.pending


def test_a_link_invite_cannot_be_accepted_as_a_direct_one(db_session):
    invite = TeamInviteFactory(link=True)
    with pytest.raises(NotFound):
        services.accept_invite(db_session, invite, ProfileFactory(), now=NOW, team_limit=LIMIT)


@pytest.mark.parametrize("status", [InviteStatus.accepted, InviteStatus.declined,
                                    InviteStatus.revoked])
def test_answered_invites_are_no_longer_pending(db_session, status):
    invite = TeamInviteFactory(status=status)
    for act in (services.accept_invite, services.decline_invite):
        kw = {"team_limit": LIMIT} if act is services.accept_invite else {}
        with pytest.raises(Conflict) as exc:
            act(db_session, invite, invite.recipient, now=NOW, **kw)
        assert exc.value.message == "This invite is no longer pending"
    with pytest.raises(Conflict) as exc:
        services.revoke_invite(db_session, invite, invite.sender, now=NOW)
    assert exc.value.message == "Only pending invites can be revoked"


def test_accept_into_a_full_team(db_session):
    invite = TeamInviteFactory()
    ProjectMemberFactory(project=invite.project)
    with pytest.raises(Conflict) as exc:
        services.accept_invite(db_session, invite, invite.recipient, now=NOW, team_limit=2)
    assert exc.value.message == "This team is full"


def test_accept_invite_to_a_hidden_project_is_not_found(db_session):
    invite = TeamInviteFactory(project=ProjectFactory(hidden=True))
    with pytest.raises(NotFound):
        services.accept_invite(db_session, invite, invite.recipient, now=NOW, team_limit=LIMIT)


def test_decline(db_session):
    invite = TeamInviteFactory()
    services.decline_invite(db_session, invite, invite.recipient, now=NOW)
    assert (invite.status, invite.responded_at) == (InviteStatus.declined, NOW)
    assert db_session.scalar(select(func.count(ProjectMember.id))) == 0


def test_revoke_direct_and_link_invites_with_history(db_session):
    project = ProjectFactory()
    direct = TeamInviteFactory(project=project, recipient=ProfileFactory(display_name="Rae"))
    link = TeamInviteFactory(project=project, link=True, raw_token="tok-rev")
    services.revoke_invite(db_session, direct, project.owner, now=NOW)
    services.revoke_invite(db_session, link, project.owner, now=NOW)
    assert direct.status == link.status == InviteStatus.revoked
    assert direct.responded_at == NOW
    # Both revokes happen at the same instant, so compare without relying on row order.
    assert sorted(history(db_session, project), key=str) == sorted([
        (ProjectEventKind.invite_revoked, project.owner.display_name, "Rae"),
        (ProjectEventKind.invite_revoked, project.owner.display_name, "Invite link")], key=str)
    with pytest.raises(NotFound):
        services.accept_link(db_session, "tok-rev", ProfileFactory(), now=NOW, team_limit=LIMIT)
    with pytest.raises(Conflict) as exc:
        services.accept_invite(db_session, direct, direct.recipient, now=NOW, team_limit=LIMIT)
    assert exc.value.message == "This invite is no longer pending"


def test_expired_link_cannot_be_revoked(db_session):
    link = TeamInviteFactory(link=True, expires_at=NOW - timedelta(hours=1))
    with pytest.raises(Conflict) as exc:
        services.revoke_invite(db_session, link, link.sender, now=NOW)
    assert exc.value.message == "Only pending invites can be revoked"


# --- Members ----------------------------------------------------------------------------

def test_owner_removes_a_member(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mo")).profile
    services.remove_member(db_session, project, project.owner, member.id, now=NOW)
    assert not services.is_member(db_session, project.id, member.id)
    assert history(db_session, project)[-1] == (
        ProjectEventKind.removed, project.owner.display_name, "Mo")
    with pytest.raises(NotFound):
        services.remove_member(db_session, project, project.owner, member.id, now=NOW)


def test_only_the_owner_removes(db_session):
    project = ProjectFactory()
    a = ProjectMemberFactory(project=project).profile
    b = ProjectMemberFactory(project=project).profile
    with pytest.raises(Forbidden) as exc:
        services.remove_member(db_session, project, a, b.id, now=NOW)
    assert exc.value.message == "You do not own this project"
    assert services.is_member(db_session, project.id, b.id)


def test_member_leaves_and_a_lone_owner_cannot(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Lu")).profile
    services.leave_project(db_session, project, member, now=NOW)
    assert not services.is_member(db_session, project.id, member.id)
    assert history(db_session, project)[-1] == (ProjectEventKind.left, "Lu", None)
    with pytest.raises(Forbidden) as exc:
        services.leave_project(db_session, project, member, now=NOW)
    assert exc.value.message == "You are not a member of this project"
    with pytest.raises(Conflict) as exc:
        services.leave_project(db_session, project, project.owner, now=NOW)
    assert exc.value.message == "Owners cannot leave a project with no other members"
    assert exc.value.status == 409


def test_team_size_counts_the_owner_and_hidden_members(db_session):
    project = ProjectFactory()
    ProjectMemberFactory(project=project, profile=ProfileFactory(hidden=True))
    ProjectMemberFactory(project=project)
    assert services.team_size(db_session, project.id) == 3


def test_rejoin_after_leaving_through_a_new_invite(db_session):
    invite = TeamInviteFactory()
    project, who = invite.project, invite.recipient
    services.accept_invite(db_session, invite, who, now=NOW, team_limit=LIMIT)
    services.leave_project(db_session, project, who, now=NOW)
    again = send(project, project.owner, who.username)
    services.accept_invite(db_session, again, who, now=NOW, team_limit=LIMIT)
    assert services.is_member(db_session, project.id, who.id)
