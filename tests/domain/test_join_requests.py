"""Join requests (docs/rules.md "Skills and matching"): the refusals in order, accept,
decline, withdraw, expiry, and the races under real concurrent connections."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from buildstory.db import db
from buildstory.enums import InviteStatus, JoinRequestStatus, NotificationType, ProjectEventKind
from buildstory.errors import Conflict, Forbidden, NotFound, ValidationFailed
from buildstory.models import (JoinRequest, Notification, Profile, Project, ProjectEvent,
                               ProjectMember, TeamInvite)
from buildstory.teams import join_requests as jr
from buildstory.teams import services as team_services
from tests.factories import (ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory, utcnow)
from tests.helpers import count, now, outcomes, run_concurrently, setup

LIMIT = 6
TTL = 7


def looking(owner=None, roles=("backend", "design"), **kw):
    project = ProjectFactory(owner=owner or ProfileFactory(), **kw)
    project.open_roles = list(roles)
    project.open_role_bits = "".join(
        "1" if key in roles else "0" for key in
        ("frontend", "backend", "mobile", "ml_ai", "data", "design", "product", "growth",
         "devops")) + "0" * 7
    db.session.flush()
    return project


def ask(project, requester, *, role="backend", message="I build APIs", at=None):
    return jr.ask_to_join(db.session, project, requester, role=role, message=message,
                          now=at or utcnow(), team_limit=LIMIT, ttl_days=TTL)


def test_asking_creates_a_pending_request_history_and_a_notice(db_session):
    project = looking()
    me = ProfileFactory(display_name="Ana Asker")
    request = ask(project, me)
    assert request.status == JoinRequestStatus.pending
    assert request.expires_at - request.created_at == timedelta(days=7)
    kinds = db.session.scalars(select(ProjectEvent.kind).where(
        ProjectEvent.project_id == project.id)).all()
    assert ProjectEventKind.join_requested in kinds
    notice = db.session.scalar(select(Notification).where(
        Notification.recipient_id == project.profile_id))
    assert notice.type == NotificationType.join_request_received


@pytest.mark.parametrize("case, error, message", [
    ("hidden", Forbidden, "Hidden profiles cannot ask to join teams"),
    ("no_roles", Conflict, "This project is not looking for teammates"),
    ("owner", Conflict, "You are the owner of this project"),
    ("member", Conflict, "You are already a team member"),
    ("invited", Conflict, "This project has already invited you"),
    ("asked", Conflict, "You have already asked to join this project"),
    ("five", Conflict, "You can have at most 5 pending join requests"),
    ("full", Conflict, "This team is full"),
])
def test_refusals_in_order(db_session, case, error, message):
    me = ProfileFactory(hidden=case == "hidden")
    project = looking(roles=() if case == "no_roles" else ("backend",),
                      owner=me if case == "owner" else None)
    if case == "member":
        ProjectMemberFactory(project=project, profile=me)
    if case == "invited":
        TeamInviteFactory(project=project, recipient=me)
    if case == "asked":
        ask(project, me)
    if case == "five":
        for _ in range(5):
            ask(looking(), me)
    if case == "full":
        for _ in range(LIMIT - 1):
            ProjectMemberFactory(project=project)
    with pytest.raises(error) as exc:
        ask(project, me)
    assert exc.value.message == message


def test_role_must_be_open_and_message_at_most_500(db_session):
    project = looking(roles=("backend",))
    with pytest.raises(ValidationFailed) as exc:
        ask(project, ProfileFactory(), role="design", message="x" * 501)
    assert exc.value.errors == {"role": "Choose one of the project's open roles",
                                "message": "Message must be at most 500 characters"}


def test_an_expired_request_is_closed_as_withdrawn_when_asking_again(db_session):
    project = looking()
    me = ProfileFactory()
    old = ask(project, me, at=utcnow() - timedelta(days=8))
    new = ask(project, me)
    db.session.refresh(old)
    assert old.status == JoinRequestStatus.withdrawn and old.responded_at == old.expires_at
    assert new.status == JoinRequestStatus.pending
    with pytest.raises(Conflict) as exc:
        jr.accept(db.session, old, project.owner, now=utcnow(), team_limit=LIMIT)
    assert exc.value.message == "This request is no longer pending"


def test_accept_joins_without_invite_and_revokes_pending_invites(db_session):
    project = looking()
    me = ProfileFactory()
    request = ask(project, me)
    member = jr.accept(db.session, request, project.owner, now=utcnow(), team_limit=LIMIT)
    assert member.invite_id is None and member.profile_id == me.id
    assert request.status == JoinRequestStatus.accepted
    assert request.responded_by == project.profile_id
    kinds = [k for k in db.session.scalars(select(ProjectEvent.kind).where(
        ProjectEvent.project_id == project.id).order_by(ProjectEvent.created_at))]
    assert kinds[-2:] == [ProjectEventKind.join_request_accepted, ProjectEventKind.joined]
    assert db.session.scalar(select(Notification.type).where(
        Notification.recipient_id == me.id)) == NotificationType.join_request_accepted
    with pytest.raises(Conflict) as exc:
        jr.decline(db.session, request, project.owner, now=utcnow())
    assert exc.value.message == "This request is no longer pending"


def test_only_the_owner_answers_and_only_the_requester_withdraws(db_session):
    project = looking()
    me = ProfileFactory()
    request = ask(project, me)
    with pytest.raises(NotFound):
        jr.accept(db.session, request, me, now=utcnow(), team_limit=LIMIT)
    with pytest.raises(NotFound):
        jr.withdraw(db.session, request, project.owner, now=utcnow())
    jr.decline(db.session, request, project.owner, now=utcnow())
    assert request.status == JoinRequestStatus.declined
    assert db.session.scalar(select(Notification.type).where(
        Notification.recipient_id == me.id)) == NotificationType.join_request_declined


def test_requests_of_hidden_builders_cannot_be_accepted(db_session):
    project = looking()
    me = ProfileFactory()
    request = ask(project, me)
    me.hidden_at = utcnow()
    db.session.flush()
    with pytest.raises(NotFound):
        jr.accept(db.session, request, project.owner, now=utcnow(), team_limit=LIMIT)


def test_accepting_an_invite_withdraws_the_pending_request(db_session):
    project = looking()
    me = ProfileFactory()
    request = ask(project, me)
    invite = TeamInviteFactory(project=project, recipient=me)
    team_services.accept_invite(db.session, invite, me, now=utcnow(), team_limit=LIMIT)
    db.session.refresh(request)
    assert request.status == JoinRequestStatus.withdrawn


# --- Races ------------------------------------------------------------------------------

def test_two_accepts_for_the_last_seat_mixed_with_invites_and_links(app, committed):
    def make():
        project = looking()
        for _ in range(LIMIT - 2):
            ProjectMemberFactory(project=project)
        requesters = [ProfileFactory() for _ in range(4)]
        requests = [ask(project, p).id for p in requesters]
        invitees = [ProfileFactory() for _ in range(4)]
        invites = [TeamInviteFactory(project=project, recipient=p).id for p in invitees]
        links = [TeamInviteFactory(project=project, link=True, raw_token=f"seat-{i}").id
                 for i in range(4)]
        joiners = [ProfileFactory().id for _ in range(4)]
        return (project.id, project.profile_id, requests, [p.id for p in invitees], invites,
                joiners)

    project_id, owner_id, requests, invitees, invites, joiners = setup(app, make)

    def take_seat(session, i):
        kind, n = i % 3, i // 3
        if kind == 0:
            request = session.get(JoinRequest, requests[n])
            return jr.accept(session, request, session.get(Profile, owner_id), now=now(),
                             team_limit=LIMIT).id
        if kind == 1:
            invite = session.get(TeamInvite, invites[n])
            return team_services.accept_invite(session, invite, session.get(Profile, invitees[n]),
                                               now=now(), team_limit=LIMIT).id
        return team_services.accept_link(session, f"seat-{n}", session.get(Profile, joiners[n]),
                                         now=now(), team_limit=LIMIT).id

    oks, errors = outcomes(run_concurrently(app, take_seat))
    assert len(oks) == 1
    assert all(isinstance(e, Conflict) and e.message == "This team is full" for e in errors)
    assert count(app, ProjectMember, ProjectMember.project_id == project_id) == LIMIT - 1


def test_six_requests_at_once_from_one_builder_leave_five_pending(app, committed):
    def make():
        return ProfileFactory().id, [looking().id for _ in range(6)]

    me_id, projects = setup(app, make)

    def request(session, i):
        return jr.ask_to_join(session, session.get(Project, projects[i]),
                              session.get(Profile, me_id), role="backend", message=None,
                              now=now(), team_limit=LIMIT, ttl_days=TTL).id

    oks, errors = outcomes(run_concurrently(app, request, n=6))
    assert len(oks) == 5
    assert [e.message for e in errors] == ["You can have at most 5 pending join requests"]
    assert count(app, JoinRequest, JoinRequest.requester_id == me_id,
                 JoinRequest.status == JoinRequestStatus.pending) == 5


def test_a_double_submitted_ask_makes_one_row(app, committed):
    def make():
        return ProfileFactory().id, looking().id

    me_id, project_id = setup(app, make)

    def request(session, i):
        return jr.ask_to_join(session, session.get(Project, project_id),
                              session.get(Profile, me_id), role="backend", message="hi",
                              now=now(), team_limit=LIMIT, ttl_days=TTL).id

    oks, errors = outcomes(run_concurrently(app, request, n=2))
    assert len(oks) == 1
    assert [e.message for e in errors] == ["You have already asked to join this project"]
    assert count(app, JoinRequest, JoinRequest.project_id == project_id) == 1


def test_accept_against_withdraw_has_one_outcome(app, committed):
    def make():
        project = looking()
        me = ProfileFactory()
        return project.profile_id, me.id, ask(project, me).id, project.id

    owner_id, me_id, request_id, project_id = setup(app, make)

    def act(session, i):
        request = session.get(JoinRequest, request_id)
        if i == 0:
            return jr.accept(session, request, session.get(Profile, owner_id), now=now(),
                             team_limit=LIMIT).id
        return jr.withdraw(session, request, session.get(Profile, me_id), now=now()).id

    oks, errors = outcomes(run_concurrently(app, act, n=2))
    assert len(oks) == 1
    assert [e.message for e in errors] == ["This request is no longer pending"]
    members = count(app, ProjectMember, ProjectMember.project_id == project_id)
    accepted = count(app, JoinRequest, JoinRequest.id == request_id,
                     JoinRequest.status == JoinRequestStatus.accepted)
    withdrawn = count(app, JoinRequest, JoinRequest.id == request_id,
                      JoinRequest.status == JoinRequestStatus.withdrawn)
    assert (members, accepted, withdrawn) in ((1, 1, 0), (0, 0, 1))
    assert count(app, TeamInvite, TeamInvite.project_id == project_id,
                 TeamInvite.status == InviteStatus.pending) == 0
