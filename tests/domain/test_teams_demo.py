"""The teams part of `flask seed-demo`: teams via invites, invites in every state, idempotent."""
import random
from datetime import UTC, datetime

from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.demo import seed_admin, seed_builders, seed_events
from buildstory.enums import InviteStatus, InviteType, ProjectEventKind
from buildstory.events import demo as events_demo
from buildstory.models import Profile, Project, ProjectEvent, ProjectMember, TeamInvite
from buildstory.projects import demo as projects_demo
from buildstory.teams import demo, queries, services


def seed_all(session):
    rng = random.Random(7)
    seed_builders(session, rng)
    seed_events(session)
    seed_admin(session, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    events_demo.seed(session, rng)
    projects_demo.seed(session, rng)
    return demo.seed(session, rng)


def test_demo_teams_are_made_once_with_invites_in_every_state(db_session):
    first = seed_all(db_session)
    assert first["team members"] >= 15 and first["team invites"] > first["team members"]
    assert seed_all(db_session) == {"team members": 0, "team invites": 0}
    now = datetime.now(UTC)
    invites = list(db_session.scalars(select(TeamInvite)))
    states = {(i.type, i.status, i.is_expired(now)) for i in invites}
    for expected in [(InviteType.direct, InviteStatus.pending, False),
                     (InviteType.direct, InviteStatus.accepted, False),
                     (InviteType.direct, InviteStatus.declined, False),
                     (InviteType.direct, InviteStatus.revoked, False),
                     (InviteType.link, InviteStatus.accepted, False),
                     (InviteType.link, InviteStatus.pending, True)]:
        assert expected in states
    # Every member joined through an accepted invite, after the project existed.
    for member, project in db_session.execute(select(ProjectMember, Project).join(Project)):
        invite = db_session.get(TeamInvite, member.invite_id)
        assert invite.status == InviteStatus.accepted and invite.recipient_id == member.profile_id
        assert project.created_at < invite.created_at <= invite.responded_at <= now
        assert services.team_size(db_session, project.id) <= demo.TEAM_LIMIT
    # The history tells the story, and the demo admin has invites waiting.
    kinds = set(db_session.scalars(select(ProjectEvent.kind)))
    assert {ProjectEventKind.invite_sent, ProjectEventKind.joined,
            ProjectEventKind.invite_revoked} <= kinds
    admin = db_session.scalar(select(Profile).where(Profile.username == "demo-admin"))
    assert queries.pending_invite_count(db_session, admin, now) == 3
    for owner_id in set(db_session.scalars(select(Project.profile_id))):
        assert services.pending_count(db_session, owner_id, now) <= services.PENDING_LIMIT
    assert db_session.scalar(select(func.count(ProjectMember.id))) == first["team members"]
