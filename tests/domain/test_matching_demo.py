"""The matching part of `flask seed-demo`: skills and time zones on builders, open roles on
some projects, one pending join request; idempotent."""
from sqlalchemy import func, select

from buildstory.enums import JoinRequestStatus
from buildstory.matching import demo
from buildstory.models import JoinRequest, Profile, Project
from tests.domain.test_teams_demo import seed_all


def test_demo_builders_get_skills_projects_open_roles_and_a_request_waits(db_session):
    seed_all(db_session)
    first = demo.seed(db_session, None)
    assert first["builders with skills"] >= 20 and first["projects with open roles"] == 4
    assert first["join requests"] == 1
    assert db_session.scalar(select(func.count(Profile.id)).where(
        Profile.username.is_not(None), Profile.timezone.is_(None))) == 0
    assert db_session.scalar(select(Project.open_roles).where(
        Project.slug == "haiku-garden")) == ["frontend", "ml_ai"]
    assert db_session.scalar(select(JoinRequest.status)) == JoinRequestStatus.pending
    assert demo.seed(db_session, None) == {"builders with skills": 0,
                                           "projects with open roles": 0, "join requests": 0}
