"""Team limits under real concurrent connections (docs/architecture.md "Quality bars")."""
from buildstory.enums import InviteStatus
from buildstory.errors import Conflict, Gone
from buildstory.models import Profile, Project, ProjectMember, TeamInvite
from buildstory.teams import services
from tests.factories import ProfileFactory, ProjectFactory, TeamInviteFactory
from tests.helpers import N, count, now, outcomes, run_concurrently, setup

LIMIT = 6


def test_one_link_accepted_by_many_at_once_lets_exactly_one_in(app, committed):
    def make():
        invite = TeamInviteFactory(link=True, raw_token="race-link")
        return invite.project_id, [ProfileFactory().id for _ in range(N)]

    project_id, people = setup(app, make)

    def accept(session, i):
        profile = session.get(Profile, people[i])
        return services.accept_link(session, "race-link", profile, now=now(), team_limit=LIMIT).id

    oks, errors = outcomes(run_concurrently(app, accept))
    assert len(oks) == 1
    assert len(errors) == N - 1
    assert all(isinstance(e, Gone) and e.message == "This invite has already been used"
               for e in errors)
    assert count(app, ProjectMember, ProjectMember.project_id == project_id) == 1


def test_parallel_sends_never_pass_the_pending_limit(app, committed):
    def make():
        owner = ProfileFactory()
        projects = [ProjectFactory(owner=owner).id for _ in range(3)]
        names = [ProfileFactory(username=f"racer{i}").username for i in range(N)]
        return owner.id, projects, names

    owner_id, projects, names = setup(app, make)

    def invite(session, i):
        owner = session.get(Profile, owner_id)
        project = session.get(Project, projects[i % 3])
        if i % 4 == 0:
            return services.create_invite_link(session, project, owner, now=now(), ttl_days=7,
                                               team_limit=LIMIT)[0].id
        return services.send_direct_invite(session, project, owner, names[i], now=now(),
                                           team_limit=LIMIT).id

    oks, errors = outcomes(run_concurrently(app, invite))
    assert len(oks) == 5
    assert all(isinstance(e, Conflict) and e.message == "You can have at most 5 pending invites"
               for e in errors)
    assert count(app, TeamInvite, TeamInvite.sender_id == owner_id,
                 TeamInvite.status == InviteStatus.pending) == 5


def test_parallel_accepts_never_pass_the_team_size(app, committed):
    def make():
        project = ProjectFactory()
        invites = [TeamInviteFactory(project=project) for _ in range(N)]
        return project.id, [(inv.id, inv.recipient_id) for inv in invites]

    project_id, pairs = setup(app, make)

    def accept(session, i):
        invite_id, recipient_id = pairs[i]
        invite = session.get(TeamInvite, invite_id)
        profile = session.get(Profile, recipient_id)
        return services.accept_invite(session, invite, profile, now=now(), team_limit=LIMIT).id

    oks, errors = outcomes(run_concurrently(app, accept))
    assert len(oks) == LIMIT - 1
    assert all(isinstance(e, Conflict) and e.message == "This team is full" for e in errors)
    assert count(app, ProjectMember, ProjectMember.project_id == project_id) == LIMIT - 1


def test_accept_racing_revoke_never_does_both(app, committed):
    def make():
        invites = [TeamInviteFactory() for _ in range(N // 2)]
        return [(inv.id, inv.recipient_id, inv.sender_id) for inv in invites]

    rows = setup(app, make)

    def act(session, i):
        invite_id, recipient_id, sender_id = rows[i // 2]
        invite = session.get(TeamInvite, invite_id)
        if i % 2:
            return services.revoke_invite(session, invite, session.get(Profile, sender_id),
                                          now=now()).status
        return services.accept_invite(session, invite, session.get(Profile, recipient_id),
                                      now=now(), team_limit=LIMIT).invite_id

    results = run_concurrently(app, act)
    for pair in range(N // 2):
        accepted, revoked = results[2 * pair], results[2 * pair + 1]
        assert {accepted[0], revoked[0]} == {"ok", "error"}
        if accepted[0] == "error":
            assert accepted[1].message == "This invite is no longer pending"
        else:
            assert revoked[1].message == "Only pending invites can be revoked"
    members = count(app, ProjectMember)
    accepted = count(app, TeamInvite, TeamInvite.status == InviteStatus.accepted)
    assert members == accepted == sum(1 for r in results[::2] if r[0] == "ok")
