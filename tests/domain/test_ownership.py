"""Ownership (docs/rules.md "Ownership"): transfer, leaving with a next owner, succession,
ownership requests and the every-minute job."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from buildstory.enums import InviteStatus, OwnershipRequestStatus as S, ProjectEventKind
from buildstory.errors import Conflict, Forbidden, NotFound, ValidationFailed
from buildstory.models import (AuditLog, Notification, OwnershipRequest, Project, ProjectEvent,
                               ProjectMember, TeamInvite)
from buildstory.moderation import services as moderation
from buildstory.teams import ownership
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ADMINS = frozenset()


def members(session, project_id):
    return set(session.scalars(select(ProjectMember.profile_id)
                               .where(ProjectMember.project_id == project_id)))


def lines(session, project_id):
    return [(r.kind, r.actor_name, r.subject_name) for r in session.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project_id)
        .order_by(ProjectEvent.created_at, ProjectEvent.id))]


def notices(session, profile_id, kind):
    return list(session.scalars(select(Notification).where(
        Notification.recipient_id == profile_id, Notification.type == kind)))


@pytest.fixture
def team(db_session):
    project = ProjectFactory(name="Kiln", created_at=NOW - timedelta(days=30))
    ana = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Ana"),
                               joined_at=NOW - timedelta(days=3)).profile
    bo = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Bo"),
                              joined_at=NOW - timedelta(days=2)).profile
    db_session.flush()
    return project, project.owner, ana, bo


# --- transfer ---------------------------------------------------------------------------

def test_transfer_swaps_owner_and_member_and_revokes_the_old_owners_invites(db_session, team):
    project, owner, ana, bo = team
    invite = TeamInviteFactory(project=project, sender=owner)
    link = TeamInviteFactory(project=project, sender=owner, link=True)
    ownership.transfer(db_session, project, owner, str(ana.id), now=NOW)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Project, project.id).profile_id == ana.id
    assert members(db_session, project.id) == {owner.id, bo.id}
    row = db_session.scalar(select(ProjectMember).where(ProjectMember.profile_id == owner.id))
    assert row.joined_at == project.created_at
    assert {db_session.get(TeamInvite, i.id).status for i in (invite, link)} == {InviteStatus.revoked}
    assert lines(db_session, project.id)[-1] == (ProjectEventKind.ownership_transferred,
                                                 owner.display_name, "Ana")
    [note] = notices(db_session, ana.id, "ownership_transferred")
    assert note.title == "Kiln"


def test_transfer_checks_the_new_owner(db_session, team):
    project, owner, ana, _ = team
    stranger = ProfileFactory()
    banned = ProjectMemberFactory(project=project, profile=ProfileFactory(banned=True)).profile
    for raw, message in (("", "Choose a new owner"), (str(stranger.id), "New owner must be a current member"),
                         (str(banned.id), "New owner must be a current member"),
                         ("not-an-id", "New owner must be a current member"),
                         (str(owner.id), "New owner must be a current member")):
        with pytest.raises(ValidationFailed) as exc:
            ownership.transfer(db_session, project, owner, raw, now=NOW)
        assert exc.value.errors == {"new_owner": message}
    with pytest.raises(Forbidden) as exc:
        ownership.transfer(db_session, project, ana, str(owner.id), now=NOW)
    assert exc.value.message == "You do not own this project"


def test_a_stale_transfer_form_is_refused(db_session, team):
    project, owner, ana, bo = team
    stale = SimpleNamespace(id=project.id, profile_id=owner.id)  # what the old tab believed
    ownership.transfer(db_session, project, owner, str(ana.id), now=NOW)
    with pytest.raises(Forbidden) as exc:
        ownership.transfer(db_session, stale, owner, str(bo.id), now=NOW)
    assert exc.value.message == "You do not own this project"
    assert db_session.get(Project, project.id).profile_id == ana.id


def test_transfer_voids_a_pending_request(db_session, team):
    project, owner, ana, bo = team
    request = _request(db_session, project, bo)
    ownership.transfer(db_session, project, owner, str(ana.id), now=NOW)
    assert db_session.get(OwnershipRequest, request.id).status == S.void


# --- leaving ----------------------------------------------------------------------------

def test_the_owner_leaves_naming_the_next_owner(db_session, team):
    project, owner, ana, bo = team
    with pytest.raises(ValidationFailed) as exc:
        ownership.leave(db_session, project, owner, None, now=NOW)
    assert exc.value.errors == {"next_owner": "Choose the next owner"}
    with pytest.raises(ValidationFailed) as exc:
        ownership.leave(db_session, project, owner, str(ProfileFactory().id), now=NOW)
    assert exc.value.errors == {"next_owner": "Next owner must be a current member"}
    ownership.leave(db_session, project, owner, str(bo.id), now=NOW)
    db_session.expire_all()
    assert db_session.get(Project, project.id).profile_id == bo.id
    assert members(db_session, project.id) == {ana.id}
    assert {(ProjectEventKind.ownership_transferred, owner.display_name, "Bo"),
            (ProjectEventKind.left, owner.display_name, None)} <= set(lines(db_session, project.id))


def test_an_owner_alone_cannot_leave(db_session):
    project = ProjectFactory()
    with pytest.raises(Conflict) as exc:
        ownership.leave(db_session, project, project.owner, None, now=NOW)
    assert exc.value.message == "Owners cannot leave a project with no other members"
    assert db_session.get(Project, project.id).profile_id == project.owner.id


# --- succession -------------------------------------------------------------------------

def test_successor_order(db_session):
    project = ProjectFactory()
    early = NOW - timedelta(days=5)
    hidden_first = ProjectMemberFactory(project=project, joined_at=early - timedelta(days=1),
                                        profile=ProfileFactory(hidden=True)).profile
    ProjectMemberFactory(project=project, joined_at=early - timedelta(days=2),
                         profile=ProfileFactory(banned=True))
    older = ProfileFactory(username="zed", created_at=NOW - timedelta(days=900))
    newer = ProfileFactory(username="amy", created_at=NOW - timedelta(days=100))
    twin_a = ProfileFactory(username="bea", created_at=NOW - timedelta(days=50))
    twin_b = ProfileFactory(username="cal", created_at=NOW - timedelta(days=50))
    for p in (newer, older, twin_b, twin_a):
        ProjectMemberFactory(project=project, profile=p, joined_at=early)
    db_session.flush()
    order = []
    while (heir := ownership.successor(db_session, project.id)) is not None:
        order.append(heir.id)
        db_session.query(ProjectMember).filter_by(project_id=project.id,
                                                  profile_id=heir.id).delete()
    assert order == [older.id, newer.id, twin_a.id, twin_b.id, hidden_first.id]


def test_a_ban_passes_projects_on_and_revokes_what_they_sent(db_session, team):
    project, owner, ana, bo = team
    solo = ProjectFactory(owner=owner, slug="solo-kiln")
    elsewhere = ProjectFactory()
    ProjectMemberFactory(project=elsewhere, profile=owner)
    sent = TeamInviteFactory(project=project, sender=owner)
    link = TeamInviteFactory(project=solo, sender=owner, link=True)
    theirs = _request(db_session, elsewhere, owner)
    moderator = ProfileFactory(moderator=True)
    moderation.ban_user(db_session, moderator, owner, reason="Spam", admin_ids=ADMINS, now=NOW)
    db_session.expire_all()
    assert db_session.get(Project, project.id).profile_id == ana.id
    assert members(db_session, project.id) == {bo.id}  # the banned owner keeps no row
    assert db_session.get(Project, solo.id).profile_id == owner.id  # nobody to pass it to
    assert {db_session.get(TeamInvite, i.id).status for i in (sent, link)} == {InviteStatus.revoked}
    assert db_session.get(OwnershipRequest, theirs.id).status == S.void
    row = db_session.scalar(select(AuditLog).where(AuditLog.action == "ban_user"))
    assert row.meta["successions"] == [{"project_id": str(project.id), "slug": project.slug,
                                        "new_owner_id": str(ana.id), "new_owner_name": "Ana"}]
    assert lines(db_session, project.id)[-1] == (ProjectEventKind.ownership_succeeded,
                                                 "Buildstory", "Ana")
    assert notices(db_session, ana.id, "ownership_transferred")


def test_succession_plan_lists_what_passes_and_what_goes(db_session, team):
    project, owner, ana, _ = team
    solo = ProjectFactory(owner=owner, slug="solo-plan")
    plan = ownership.succession_plan(db_session, owner.id)
    assert [(p.id, heir.id) for p, heir in plan.passes] == [(project.id, ana.id)]
    assert [p.id for p in plan.deleted] == [solo.id]


# --- ownership requests -----------------------------------------------------------------

def _live(project):
    EventProjectFactory(event=EventFactory(active=True), project=project)


def _request(session, project, requester, now=NOW):
    _live(project)
    return ownership.request_ownership(session, project, requester, now=now, request_hours=72,
                                       idle_hours=48)


def test_request_ownership_rules_in_order(db_session, team):
    project, owner, ana, bo = team
    args = {"now": NOW, "request_hours": 72, "idle_hours": 48}
    with pytest.raises(Forbidden) as exc:
        ownership.request_ownership(db_session, project, ProfileFactory(), **args)
    assert exc.value.message == "Only team members can request ownership"
    with pytest.raises(Conflict) as exc:
        ownership.request_ownership(db_session, project, owner, **args)
    assert exc.value.message == "You are the owner of this project"
    EventProjectFactory(event=EventFactory(open=True), project=project)
    with pytest.raises(Conflict) as exc:
        ownership.request_ownership(db_session, project, ana, **args)
    assert exc.value.message == "Ownership can only be requested while the project is in a live event"
    _live(project)
    owner.last_seen_at = NOW - timedelta(hours=47)
    with pytest.raises(Conflict) as exc:
        ownership.request_ownership(db_session, project, ana, **args)
    assert exc.value.message == "The owner has been active in the last 48 hours"
    owner.last_seen_at = NOW - timedelta(hours=49)
    request = ownership.request_ownership(db_session, project, ana, **args)
    assert request.decide_by == NOW + timedelta(hours=72) and request.owner_id == owner.id
    with pytest.raises(Conflict) as exc:
        ownership.request_ownership(db_session, project, bo, **args)
    assert exc.value.message == "An ownership request is already pending for this project"
    ownership.keep_ownership(db_session, request.id, owner, now=NOW + timedelta(hours=1))
    with pytest.raises(Conflict) as exc:
        ownership.request_ownership(db_session, project, ana, **{**args, "now": NOW + timedelta(days=6)})
    assert exc.value.message == "The owner declined your request in the last 7 days"
    again = ownership.request_ownership(db_session, project, ana,
                                        **{**args, "now": NOW + timedelta(days=8)})
    assert again.status == S.pending
    [note] = notices(db_session, owner.id, "ownership_requested")[:1]
    assert note.actor_name == "Ana"


def test_keep_and_withdraw(db_session, team):
    project, owner, ana, bo = team
    request = _request(db_session, project, ana)
    with pytest.raises(NotFound):
        ownership.keep_ownership(db_session, request.id, bo, now=NOW)
    with pytest.raises(NotFound):
        ownership.withdraw_request(db_session, request.id, bo, now=NOW)
    with pytest.raises(Conflict) as exc:
        ownership.keep_ownership(db_session, request.id, owner, now=NOW + timedelta(hours=72))
    assert exc.value.message == "The time to answer this request has passed"
    ownership.withdraw_request(db_session, request.id, ana, now=NOW + timedelta(hours=1))
    assert request.status == S.withdrawn
    for act in (lambda: ownership.withdraw_request(db_session, request.id, ana, now=NOW),
                lambda: ownership.keep_ownership(db_session, request.id, owner, now=NOW)):
        with pytest.raises(Conflict) as exc:
            act()
        assert exc.value.message == "This request is no longer pending"
    kinds = [k for k, *_ in lines(db_session, project.id)]
    assert kinds[-2:] == [ProjectEventKind.ownership_requested,
                          ProjectEventKind.ownership_request_withdrawn]


def test_declining_notifies_the_requester(db_session, team):
    project, owner, ana, _ = team
    request = _request(db_session, project, ana)
    later = NOW + timedelta(hours=1)
    ownership.keep_ownership(db_session, request.id, owner, now=later)
    assert request.status == S.declined and request.resolved_at == later
    [note] = notices(db_session, ana.id, "ownership_request_declined")
    assert note.actor_name == owner.display_name
    assert lines(db_session, project.id)[-1] == (ProjectEventKind.ownership_request_declined,
                                                 owner.display_name, "Ana")


def test_a_member_leaving_or_removed_voids_their_request(db_session, team):
    from buildstory.teams import services
    project, owner, ana, bo = team
    request = _request(db_session, project, ana)
    ownership.leave(db_session, project, ana, None, now=NOW)
    assert db_session.get(OwnershipRequest, request.id).status == S.void
    request = ownership.request_ownership(db_session, project, bo, now=NOW, request_hours=72,
                                          idle_hours=48)
    services.remove_member(db_session, project, owner, bo.id, now=NOW)
    assert db_session.get(OwnershipRequest, request.id).status == S.void


# --- the job ----------------------------------------------------------------------------

def test_the_job_reminds_once_then_transfers(db_session, team):
    project, owner, ana, _ = team
    request = _request(db_session, project, ana)
    assert ownership.remind_due(db_session, now=NOW + timedelta(hours=47)) == 0
    assert ownership.remind_due(db_session, now=NOW + timedelta(hours=49)) == 1
    assert ownership.remind_due(db_session, now=NOW + timedelta(hours=50)) == 0
    [note] = notices(db_session, owner.id, "ownership_request_reminder")
    assert note.actor_name == "Ana"
    assert ownership.due_request_ids(db_session, now=NOW + timedelta(hours=71)) == []
    later = NOW + timedelta(hours=72)
    assert ownership.due_request_ids(db_session, now=later) == [request.id]
    assert ownership.pass_due_request(db_session, request.id, now=later) == S.transferred
    db_session.expire_all()
    assert db_session.get(Project, project.id).profile_id == ana.id
    assert owner.id in members(db_session, project.id)  # the old owner stays a member
    assert lines(db_session, project.id)[-1] == (ProjectEventKind.ownership_passed,
                                                 "Buildstory", "Ana")
    assert ownership.pass_due_request(db_session, request.id, now=later) is None


def test_the_job_voids_a_request_that_no_longer_applies(db_session, team):
    project, owner, ana, bo = team
    request = _request(db_session, project, ana)
    ana.banned_at = NOW  # banned outside the moderation path: the job still checks
    db_session.flush()
    later = NOW + timedelta(hours=73)
    assert ownership.pass_due_request(db_session, request.id, now=later) == S.void
    assert db_session.get(Project, project.id).profile_id == owner.id


def test_demo_has_a_pending_ownership_request_in_the_live_event(db_session):
    from argon2 import PasswordHasher

    from buildstory.demo import seed_demo
    seed_demo(db_session, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    [request] = db_session.scalars(select(OwnershipRequest)).all()
    assert request.status == S.pending and request.decide_by > datetime.now(UTC)
    from buildstory.models import Event
    assert db_session.get(Event, request.event_id).status == "active"
    assert request.requester_id in members(db_session, request.project_id)
    again = seed_demo(db_session, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                         parallelism=1))
    assert again.get("ownership requests") == 0


def test_ownership_sentences_and_links():
    from buildstory.notifications import registry
    from buildstory.enums import NotificationType as T

    def shown(kind):
        return registry.Shown(type=kind, title="Kiln", actor="Ana", project_slug="kiln")

    assert {k: registry.sentence(shown(k)) for k in (
        T.ownership_transferred, T.ownership_requested, T.ownership_request_reminder,
        T.ownership_request_declined)} == {
        T.ownership_transferred: "You are now the owner of Kiln",
        T.ownership_requested: "Ana asked to become the owner of Kiln",
        T.ownership_request_reminder: "Ownership of Kiln passes to Ana in 24 hours",
        T.ownership_request_declined: "Ana kept ownership of Kiln"}
    assert registry.link(shown(T.ownership_requested)) == ("projects.show", {"slug": "kiln"})
