"""The demo's mentoring part: mentors and a live help queue in the featured live event."""
from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.demo import seed_demo
from buildstory.enums import HelpRequestStatus as S
from buildstory.events.models import Event
from buildstory.mentoring import queries
from buildstory.mentoring.models import HelpRequest, Mentor
from buildstory.profiles.models import Profile

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_demo_has_mentors_and_a_live_queue_once(db_session):
    seed_demo(db_session, hasher=HASHER)
    live = db_session.scalars(select(Event).where(Event.slug == "winter-agents-jam")).one()
    statuses = sorted(db_session.scalars(select(HelpRequest.status).where(
        HelpRequest.event_id == live.id)))
    assert statuses.count(S.open) == 3 and S.claimed in statuses and S.resolved in statuses
    kenji = db_session.scalars(select(Profile).where(Profile.username == "kenji")).one()
    assert db_session.get(Mentor, kenji.id).mentor_types == ["technical"]
    queue = queries.queue(db_session, live, kenji, ["technical"])
    assert [r.topic for r in queue.rows] == ["Streaming responses break our markdown"]
    stats = queries.stats(db_session, live)
    assert stats["mentors"][0]["name"] == kenji.display_name and stats["mentors"][0]["rating"] == 5
    counts = (db_session.scalar(select(func.count()).select_from(Mentor)),
              db_session.scalar(select(func.count()).select_from(HelpRequest)))
    seed_demo(db_session, hasher=HASHER)
    assert (db_session.scalar(select(func.count()).select_from(Mentor)),
            db_session.scalar(select(func.count()).select_from(HelpRequest))) == counts
