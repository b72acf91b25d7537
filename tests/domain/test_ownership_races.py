"""Ownership changes under real concurrent connections (docs/rules.md "Ownership").

After every race: each project has one owner, who has no member row; no team is over the
size limit; at most one ownership request per project is pending."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from buildstory.db import db
from buildstory.enums import OwnershipRequestStatus as S
from buildstory.errors import Conflict, Forbidden, ValidationFailed
from buildstory.models import OwnershipRequest, Profile, Project, ProjectMember
from buildstory.moderation import services as moderation
from buildstory.teams import ownership
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory)
from tests.helpers import outcomes, run_concurrently, setup

LIMIT = 6
ALONE_MESSAGE = "Owners cannot leave a project with no other members"
NOW = datetime.now(UTC)


def assert_invariants(app):
    with app.app_context():
        s = db.session
        owner_rows = s.scalar(select(func.count()).select_from(ProjectMember).join(
            Project, Project.id == ProjectMember.project_id)
            .where(ProjectMember.profile_id == Project.profile_id))
        assert owner_rows == 0, "an owner also has a member row"
        biggest = s.scalar(text("SELECT coalesce(max(n), 0) FROM (SELECT count(*) + 1 AS n "
                                "FROM project_members GROUP BY project_id) t"))
        assert biggest <= LIMIT
        pending = s.scalar(text("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM "
                                "ownership_requests WHERE status = 'pending' "
                                "GROUP BY project_id) t"))
        assert pending <= 1
        assert s.scalar(text("SELECT count(*) FROM projects WHERE profile_id IS NULL")) == 0
        db.session.remove()


def team_of(n_members, *, live=False):
    project = ProjectFactory()
    people = [ProjectMemberFactory(project=project, joined_at=NOW - timedelta(days=5 - i)).profile
              for i in range(n_members)]
    if live:
        EventProjectFactory(event=EventFactory(active=True), project=project)
    return project, people


def owner_of(app, project_id):
    with app.app_context():
        value = db.session.scalar(select(Project.profile_id).where(Project.id == project_id))
        db.session.remove()
    return value


def test_two_members_request_at_once(app, committed):
    def make():
        project, people = team_of(2, live=True)
        return project.id, [p.id for p in people]

    project_id, people = setup(app, make)

    def ask(session, i):
        return ownership.request_ownership(
            session, session.get(Project, project_id), session.get(Profile, people[i]),
            now=NOW, request_hours=72, idle_hours=48).id

    oks, errors = outcomes(run_concurrently(app, ask, n=2))
    assert len(oks) == 1
    assert [(type(e), e.message) for e in errors] == [
        (Conflict, "An ownership request is already pending for this project")]
    assert_invariants(app)


def test_owner_leaves_while_the_job_passes_the_request(app, committed):
    def make():
        project, (ana, bo) = team_of(2, live=True)
        request = ownership.request_ownership(db.session, project, ana, now=NOW - timedelta(hours=80),
                                              request_hours=72, idle_hours=48)
        return project.id, project.profile_id, ana.id, bo.id, request.id

    project_id, owner_id, ana_id, bo_id, request_id = setup(app, make)

    def act(session, i):
        if i == 0:
            return ownership.pass_due_request(session, request_id, now=NOW)
        return ownership.leave(session, session.get(Project, project_id),
                               session.get(Profile, owner_id), str(bo_id), now=NOW)

    results = run_concurrently(app, act, n=2)
    with app.app_context():
        request = db.session.get(OwnershipRequest, request_id)
        status = request.status
        db.session.remove()
    new_owner = owner_of(app, project_id)
    if status == S.transferred:  # the job went first: the old owner's leave found ana owning
        assert new_owner == ana_id
        assert isinstance(results[1][1], Forbidden)
    else:  # the owner left first, handing over to bo; the job found the request void
        assert status == S.void and new_owner == bo_id
        assert results[0] == ("ok", None)
    assert_invariants(app)


def test_transfer_to_a_member_while_they_leave(app, committed):
    def make():
        project, (ana, bo) = team_of(2)
        return project.id, project.profile_id, ana.id

    project_id, owner_id, ana_id = setup(app, make)

    def act(session, i):
        project = session.get(Project, project_id)
        if i == 0:
            return ownership.transfer(session, project, session.get(Profile, owner_id),
                                      str(ana_id), now=NOW).id
        return ownership.leave(session, project, session.get(Profile, ana_id), None, now=NOW)

    transfer, leave = run_concurrently(app, act, n=2)
    if transfer[0] == "ok":  # ana owns, and her member's leave is asked for a next owner
        assert owner_of(app, project_id) == ana_id
        assert isinstance(leave[1], ValidationFailed)
        assert leave[1].errors == {"next_owner": "Choose the next owner"}
    else:
        assert leave[0] == "ok" and owner_of(app, project_id) == owner_id
        assert transfer[1].errors == {"new_owner": "New owner must be a current member"}
    assert_invariants(app)


def test_two_transfers_from_two_tabs(app, committed):
    def make():
        project, (ana, bo) = team_of(2)
        return project.id, project.profile_id, [ana.id, bo.id]

    project_id, owner_id, people = setup(app, make)

    def act(session, i):
        return ownership.transfer(session, session.get(Project, project_id),
                                  session.get(Profile, owner_id), str(people[i]), now=NOW).id

    oks, errors = outcomes(run_concurrently(app, act, n=2))
    assert len(oks) == 1 and owner_of(app, project_id) == oks[0]
    assert [(e.status, e.message) for e in errors] == [(403, "You do not own this project")]
    assert_invariants(app)


def test_a_ban_while_the_only_member_leaves(app, committed):
    def make():
        project, (ana,) = team_of(1)
        moderator = ProfileFactory(moderator=True)
        return project.id, project.profile_id, ana.id, moderator.id

    project_id, owner_id, ana_id, moderator_id = setup(app, make)

    def act(session, i):
        if i == 0:
            return moderation.ban_user(session, session.get(Profile, moderator_id),
                                       session.get(Profile, owner_id), reason="Spam",
                                       admin_ids=frozenset(), now=NOW)
        return ownership.leave(session, session.get(Project, project_id),
                               session.get(Profile, ana_id), None, now=NOW)

    ban, leave = run_concurrently(app, act, n=2)
    assert ban[0] == "ok"
    if leave[0] == "ok":  # she left first: nobody to pass it to, it stays the banned owner's
        assert owner_of(app, project_id) == owner_id
    else:  # the ban passed it to her; alone, she cannot leave it
        assert owner_of(app, project_id) == ana_id
        assert getattr(leave[1], "message", repr(leave[1])) == ALONE_MESSAGE
    assert_invariants(app)


def test_two_job_runs_transfer_once(app, committed):
    def make():
        project, (ana, _) = team_of(2, live=True)
        request = ownership.request_ownership(db.session, project, ana, now=NOW - timedelta(hours=80),
                                              request_hours=72, idle_hours=48)
        return project.id, ana.id, request.id

    project_id, ana_id, request_id = setup(app, make)

    def run(session, i):
        return ownership.pass_due_request(session, request_id, now=NOW)

    oks, errors = outcomes(run_concurrently(app, run, n=2))
    assert not errors and sorted(oks, key=str) == sorted([S.transferred, None], key=str)
    assert owner_of(app, project_id) == ana_id
    with app.app_context():
        lines = db.session.scalar(text("SELECT count(*) FROM project_events WHERE "
                                       "kind = 'ownership_passed'"))
        db.session.remove()
    assert lines == 1
    assert_invariants(app)


def test_the_periodic_job_runs_in_the_worker(app, committed):
    """Through the real worker: the reminder once, then the due request passes."""
    from buildstory import jobs
    from buildstory.models import Notification
    from tests.helpers import run_jobs

    def make():
        project, (ana, _) = team_of(2, live=True)
        due = ownership.request_ownership(db.session, project, ana,
                                          now=datetime.now(UTC) - timedelta(hours=73),
                                          request_hours=72, idle_hours=48)
        other, (bo,) = team_of(1, live=True)
        soon = ownership.request_ownership(db.session, other, bo,
                                           now=datetime.now(UTC) - timedelta(hours=50),
                                           request_hours=72, idle_hours=48)
        return project.id, ana.id, due.id, soon.id, other.profile_id

    project_id, ana_id, due_id, soon_id, other_owner = setup(app, make)
    for _ in range(2):
        with app.app_context():
            jobs.defer(db.session, "teams.transfer_due_ownership_requests", timestamp=0)
            db.session.commit()
            db.session.remove()
        run_jobs(app, queues=["maintenance"])
    assert owner_of(app, project_id) == ana_id
    with app.app_context():
        s = db.session
        assert s.get(OwnershipRequest, due_id).status == S.transferred
        assert s.get(OwnershipRequest, soon_id).status == S.pending
        reminders = s.scalars(select(Notification).where(
            Notification.type == "ownership_request_reminder")).all()
        assert [n.recipient_id for n in reminders] == [other_owner]
        db.session.remove()
    assert jobs.registered()["teams.transfer_due_ownership_requests"].cron == "* * * * *"
    assert_invariants(app)


def test_the_job_reads_the_partial_index(db_session):
    """The due scan reads a partial index of pending requests, never the table. On an
    empty table the planner may pick either pending-only index (both are tiny), so the
    test accepts either; with data the decide_by one is the one that orders."""
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in db_session.execute(text(
        "EXPLAIN SELECT id FROM ownership_requests WHERE status = 'pending' "
        "AND decide_by <= now() ORDER BY decide_by, id")))
    assert "Seq Scan" not in plan, plan
    assert ("ix_ownership_requests_pending_decide_by" in plan
            or "uq_ownership_requests_pending_project" in plan), plan
