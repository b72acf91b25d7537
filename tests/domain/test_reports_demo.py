"""The demo's reports: a few open ones in the queue, sent through the service, once."""
from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.demo import seed_demo
from buildstory.enums import ReportStatus
from buildstory.reports import queries
from buildstory.reports.models import Report

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_the_demo_has_a_few_open_reports_once(db_session):
    seed_demo(db_session, hasher=HASHER)
    reports = db_session.scalars(select(Report)).all()
    assert len(reports) == 4 and {r.status for r in reports} == {ReportStatus.open}
    groups, _ = queries.queue_page(db_session)
    assert len(groups) == 3 and all(g.exists for g in groups)
    assert max(g.open_count for g in groups) == 2
    seed_demo(db_session, hasher=HASHER)
    assert db_session.scalar(select(func.count()).select_from(Report)) == 4
