"""Reports (docs/rules.md "Reports"): sending, one open report per target, the daily
limit, resolving and dismissing with their audit rows, the queue's order and grouping in
one statement, and its EXPLAIN."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

import buildstory.models  # noqa: F401  (every mapper, before aliases are built)
from buildstory.audit import AuditLog
from buildstory.buildlogs.models import Post, PostComment
from buildstory.db import db
from buildstory.enums import PostContextType, ReportStatus, ReportTargetKind, UserRole
from buildstory.errors import Conflict, Forbidden, NotFound, ValidationFailed
from buildstory.profiles.models import Profile
from buildstory.ratelimits import RateLimited
from buildstory.reports import queries, registry, services
from buildstory.reports.models import Report
from tests.factories import ProfileFactory, ProjectFactory, ProjectMemberFactory
from tests.hackathon_factories import EventSubmissionFactory, HackathonReviewFactory
from tests.helpers import now, outcomes, run_concurrently, setup
from tests.querycount import count_queries

SPAM = {"reason": "spam", "details": "Same link in every comment"}


def make_post(session, author=None, **kw):
    project = ProjectFactory(owner=author) if author else ProjectFactory()
    post = Post(author_id=project.profile_id, context_type=PostContextType.project,
                project_id=project.id, body="Shipped it", **kw)
    session.add(post)
    session.flush()
    return post


def target(session, kind, target_id, viewer, role=UserRole.user):
    return registry.KINDS[ReportTargetKind(kind)].load(session, target_id, viewer, role)


def send(session, reporter, kind, target_id, form=SPAM, **kw):
    return services.send(session, reporter, target(session, kind, target_id, reporter), form,
                         now=kw.pop("at", now()), **kw)


# --- sending -----------------------------------------------------------------------------------

def test_a_builder_reports_a_post_once_while_it_is_open(db_session):
    post, reporter = make_post(db_session), ProfileFactory()
    report = send(db_session, reporter, "post", post.id)
    assert (report.status, report.reason, report.details) == (
        ReportStatus.open, "spam", "Same link in every comment")
    with pytest.raises(Conflict, match="You have already reported this"):
        send(db_session, reporter, "post", post.id, {"reason": "abuse"})
    # once closed, a new report of the same target is an open report again
    services.dismiss(db_session, ProfileFactory(moderator=True), report.id, now=now())
    assert send(db_session, reporter, "post", post.id).status == ReportStatus.open


def test_the_partial_unique_index_is_final(db_session):
    post, reporter = make_post(db_session), ProfileFactory()
    send(db_session, reporter, "post", post.id)
    with pytest.raises(Exception, match="uq_reports_one_open"):
        with db_session.begin_nested():
            db_session.add(Report(reporter_id=reporter.id, target_kind="post",
                                  target_id=post.id, reason="other"))
            db_session.flush()


@pytest.mark.parametrize("form, field, message", [
    ({"reason": ""}, "reason", "Choose a reason from the list"),
    ({"reason": "rude"}, "reason", "Choose a reason from the list"),
    ({"reason": "abuse", "details": "x" * 501}, "details", "Details must be at most 500 characters"),
])
def test_bad_fields_are_refused_with_their_messages(db_session, form, field, message):
    post = make_post(db_session)
    with pytest.raises(ValidationFailed) as refused:
        send(db_session, ProfileFactory(), "post", post.id, form)
    assert refused.value.errors[field] == message
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_details_are_optional_and_trimmed(db_session):
    post = make_post(db_session)
    report = send(db_session, ProfileFactory(), "post", post.id,
                  {"reason": "off_topic", "details": "   "})
    assert report.details is None and report.reason == "off_topic"


def test_your_own_content_cannot_be_reported(db_session):
    post = make_post(db_session)
    author = db_session.get(Profile, post.author_id)
    with pytest.raises(Forbidden, match="You cannot report your own content"):
        send(db_session, author, "post", post.id)


def test_twenty_reports_a_day_then_429(db_session):
    reporter, start = ProfileFactory(), now()
    posts = [make_post(db_session) for _ in range(21)]
    for i, post in enumerate(posts[:20]):
        send(db_session, reporter, "post", post.id, at=start - timedelta(hours=23) + timedelta(minutes=i))
    with pytest.raises(RateLimited) as limited:
        send(db_session, reporter, "post", posts[20].id, at=start)
    assert limited.value.message == "You can send up to 20 reports per day. Please try again later."
    assert 0 < limited.value.retry_after <= 3600
    # switched off, the same report goes through
    send(db_session, reporter, "post", posts[20].id, at=start, limit_enabled=False)


def test_reports_notify_nobody(db_session):
    from buildstory.models import Notification
    post = make_post(db_session)
    send(db_session, ProfileFactory(), "post", post.id)
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0


# --- what a reporter may see -------------------------------------------------------------------

def test_only_what_the_reporter_can_see_loads(db_session):
    viewer, moderator = ProfileFactory(), ProfileFactory(moderator=True)
    hidden_post = make_post(db_session, hidden_at=now())
    deleted_post = make_post(db_session, deleted_at=now())
    assert target(db_session, "post", hidden_post.id, viewer) is None
    assert target(db_session, "post", deleted_post.id, viewer) is None
    assert target(db_session, "post", hidden_post.id, moderator, UserRole.moderator) is not None
    hidden_builder = ProfileFactory(hidden=True)
    assert target(db_session, "profile", hidden_builder.id, viewer) is None
    assert target(db_session, "profile", ProfileFactory().id, viewer).author_id is not None
    hidden_project = ProjectFactory(hidden=True)
    assert target(db_session, "project", hidden_project.id, viewer) is None
    post = make_post(db_session)
    hidden_comment = PostComment(post_id=post.id, author_id=ProfileFactory().id, body="x",
                                 hidden_at=now())
    comment = PostComment(post_id=post.id, author_id=ProfileFactory().id, body="y")
    db_session.add_all([hidden_comment, comment])
    db_session.flush()
    assert target(db_session, "post_comment", hidden_comment.id, viewer) is None
    assert target(db_session, "post_comment", comment.id, viewer).author_id == comment.author_id


def test_a_review_is_reportable_by_the_team_that_received_it(db_session):
    review = HackathonReviewFactory()
    project = db_session.get(registry.Project, review.project_id)
    member = ProjectMemberFactory(project=project).profile
    owner = db_session.get(Profile, project.profile_id)
    assert target(db_session, "review", review.id, owner).author_id == review.reviewer_profile_id
    assert target(db_session, "review", review.id, member) is not None
    assert target(db_session, "review", review.id, ProfileFactory()) is None
    review.hidden_at = now()
    db_session.flush()
    assert target(db_session, "review", review.id, owner) is None


# --- resolving and dismissing ------------------------------------------------------------------

def test_resolve_and_dismiss_are_audited_against_the_reported_builder(db_session):
    post, moderator = make_post(db_session), ProfileFactory(moderator=True)
    first = send(db_session, ProfileFactory(), "post", post.id)
    second = send(db_session, ProfileFactory(), "post", post.id)
    services.resolve(db_session, moderator, first.id, now=now())
    services.dismiss(db_session, moderator, second.id, now=now())
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.created_at, AuditLog.action)).all()
    assert sorted(r.action for r in rows) == ["dismiss_report", "resolve_report"]
    for row in rows:
        assert row.target_profile_id == post.author_id
        assert row.actor_profile_id == moderator.id
        assert row.meta["target_kind"] == "post" and row.meta["target_id"] == str(post.id)
    assert {r.meta["report_id"] for r in rows} == {first.id, second.id}
    assert (first.status, second.status) == (ReportStatus.resolved, ReportStatus.dismissed)
    assert first.resolved_by == moderator.id and first.resolved_at is not None
    with pytest.raises(Conflict, match="This report is no longer open"):
        services.dismiss(db_session, moderator, first.id, now=now())


def test_closing_a_report_of_vanished_content_audits_no_target(db_session):
    post, moderator = make_post(db_session), ProfileFactory(moderator=True)
    report = send(db_session, ProfileFactory(), "post", post.id)
    db_session.delete(post)
    db_session.flush()
    services.resolve(db_session, moderator, report.id, now=now())
    row = db_session.scalar(select(AuditLog).where(AuditLog.action == "resolve_report"))
    assert row.target_profile_id is None and row.meta["target_id"] == str(post.id)


def test_an_unknown_report_is_not_found(db_session):
    with pytest.raises(NotFound):
        services.resolve(db_session, ProfileFactory(moderator=True), 987654321, now=now())


# --- the queue ---------------------------------------------------------------------------------

def test_the_queue_groups_by_target_open_oldest_first_then_the_rest(db_session):
    start, moderator = now() - timedelta(hours=5), ProfileFactory(moderator=True)
    young, old, closed = make_post(db_session), make_post(db_session), make_post(db_session)
    profile = ProfileFactory(display_name="Reported Rae")
    for i, who in enumerate([ProfileFactory(display_name=f"Reporter {i}") for i in range(3)]):
        send(db_session, who, "post", young.id, at=start + timedelta(hours=2, minutes=i))
    send(db_session, ProfileFactory(), "post", old.id, at=start)
    done = send(db_session, ProfileFactory(), "post", closed.id, at=start + timedelta(hours=3))
    services.resolve(db_session, moderator, done.id, now=now())
    send(db_session, ProfileFactory(), "profile", profile.id, at=start + timedelta(hours=1))
    groups, has_next = queries.queue_page(db_session)
    assert not has_next
    assert [(g.kind, g.target_id) for g in groups] == [
        ("post", old.id), ("profile", profile.id), ("post", young.id), ("post", closed.id)]
    young_group = groups[2]
    assert young_group.open_count == 3 and len(young_group.reports) == 3
    assert [e.reporter_name for e in young_group.reports] == ["Reporter 0", "Reporter 1",
                                                              "Reporter 2"]
    assert young_group.reports[0].details == "Same link in every comment"
    assert young_group.exists and young_group.label == "Shipped it"
    assert groups[1].label == "Reported Rae" and groups[1].author_name == "Reported Rae"
    assert groups[3].open_count == 0 and groups[3].reports[0].status == ReportStatus.resolved


def test_vanished_content_stays_in_the_queue(db_session):
    post = make_post(db_session)
    send(db_session, ProfileFactory(), "post", post.id)
    db_session.delete(post)
    db_session.flush()
    [group], _ = queries.queue_page(db_session)
    assert not group.exists and group.label is None and group.open_count == 1


def test_the_queue_pages_by_fifty_targets(db_session):
    reporter = ProfileFactory()
    for _ in range(51):
        send(db_session, reporter, "profile", ProfileFactory().id, limit_enabled=False)
    first, more = queries.queue_page(db_session, 1)
    second, again = queries.queue_page(db_session, 2)
    assert (len(first), more, len(second), again) == (50, True, 1, False)
    assert not {g.target_id for g in first} & {g.target_id for g in second}


def _grow(session, n):
    moderator = ProfileFactory(moderator=True)
    for _ in range(n):
        post = make_post(session)
        comment = PostComment(post_id=post.id, author_id=ProfileFactory().id, body="z")
        session.add(comment)
        session.flush()
        review = HackathonReviewFactory()
        for kind, target_id in (("post", post.id), ("post_comment", comment.id),
                                ("profile", ProfileFactory().id),
                                ("project", ProjectFactory().id)):
            report = send(session, ProfileFactory(), kind, target_id)
            send(session, ProfileFactory(), kind, target_id)
            services.resolve(session, moderator, report.id, now=now())
        session.add(Report(reporter_id=ProfileFactory().id, target_kind="review",
                           target_id=review.id, reason="abuse"))
        session.flush()


def test_the_queue_is_one_statement_at_any_size(app, db_session):
    _grow(db_session, 3)
    with count_queries(app) as small:
        groups, _ = queries.queue_page(db_session)
    assert {g.kind for g in groups} == {"post", "post_comment", "profile", "project", "review"}
    assert all(g.exists for g in groups)
    _grow(db_session, 27)
    with count_queries(app) as large:
        queries.queue_page(db_session)
    assert small.count == large.count == 1


def test_the_queue_explain_uses_indexes_only(db_session):
    from tests.domain.test_explain_hot_queries import captured, plans
    _grow(db_session, 2)
    for page in (1, 2):
        with captured(db_session) as sent:
            queries.queue_page(db_session, page)
        with captured(db_session) as one:
            queries.group(db_session, "post", db_session.scalar(select(Report.target_id)))
        for plan in plans(db_session, sent + one):
            assert "Seq Scan" not in plan, plan


# --- races -------------------------------------------------------------------------------------

def test_two_simultaneous_reports_of_one_target_by_one_builder_leave_one_open(app, committed):
    def make():
        return make_post(db.session).id, ProfileFactory().id
    post_id, reporter_id = setup(app, make)

    def report(session, i):
        reporter = session.get(Profile, reporter_id)
        found = registry.KINDS[ReportTargetKind.post].load(session, post_id, reporter,
                                                           UserRole.user)
        return services.send(session, reporter, found, SPAM, now=now()).id

    oks, errors = outcomes(run_concurrently(app, report, n=2))
    assert len(oks) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].message == "You have already reported this"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report).where(
            Report.target_id == post_id, Report.status == ReportStatus.open)) == 1
        db.session.remove()
