"""Reports through the test client (docs/rules.md "Reports"): the Report button where the
content is, the form in place (htmx with the real HX-Target) and as a page, its refusals,
the moderators' queue, Resolve / Dismiss / Hide from the queue, and the reporter's
identity kept from the reported builder."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.buildlogs.models import Post, PostComment
from buildstory.enums import PostContextType, ReportStatus
from buildstory.reports.models import Report
from tests.factories import ProfileFactory, ProjectFactory, utcnow
from tests.hackathon_factories import HackathonReviewFactory

THANKS = "Thanks. A moderator will take a look."


def make_post(db_session, author=None, body="Shipped it"):
    project = ProjectFactory(owner=author) if author else ProjectFactory()
    post = Post(author_id=project.profile_id, context_type=PostContextType.project,
                project_id=project.id, body=body, created_at=utcnow() - timedelta(hours=1))
    db_session.add(post)
    db_session.flush()
    return post


def report_forms(html: str) -> list[str]:
    return re.findall(r'<form id="(report-[a-z_]+-[0-9a-f-]{36})" class="report-open"', html)


def test_the_report_button_shows_to_signed_in_builders_other_than_the_author(login, client,
                                                                             db_session):
    post = make_post(db_session)
    author = post.author_id
    comment = PostComment(post_id=post.id, author_id=ProfileFactory().id, body="Nice")
    db_session.add(comment)
    db_session.flush()
    reader = login(ProfileFactory())
    page = reader.get(f"/posts/{post.id}").get_data(as_text=True)
    assert report_forms(page) == [f"report-post-{post.id}", f"report-post_comment-{comment.id}"]
    assert f'hx-get="/reports/new" hx-target="#report-post-{post.id}"' in page
    assert report_forms(client.get(f"/posts/{post.id}").get_data(as_text=True)) == []
    from buildstory.profiles.models import Profile
    me = login(db_session.get(Profile, author))
    own = me.get(f"/posts/{post.id}").get_data(as_text=True)
    assert report_forms(own) == [f"report-post_comment-{comment.id}"]
    # the feed card, the profile page, the project page
    assert f"report-post-{post.id}" in report_forms(reader.get("/feed").get_data(as_text=True))
    project = db_session.get(ProjectFactory._meta.model, post.project_id)
    owner = db_session.get(Profile, author)
    assert f"report-profile-{owner.id}" in report_forms(
        reader.get(f"/profiles/{owner.username}").get_data(as_text=True))
    assert f"report-project-{project.id}" in report_forms(
        reader.get(f"/projects/{project.slug}").get_data(as_text=True))
    assert f"report-project-{project.id}" not in report_forms(
        me.get(f"/projects/{project.slug}").get_data(as_text=True))


def test_reporting_in_place_with_htmx_then_the_thanks(login, db_session):
    post = make_post(db_session)
    reader = login(ProfileFactory())
    box = f"report-post-{post.id}"
    form = reader.hx_get(f"/reports/new?kind=post&id={post.id}", target=box)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<div id="{box}"')
    assert "Spam" in html and "Off-topic" in html and "Send report" in html
    bad = reader.post("/reports", {"kind": "post", "id": str(post.id), "reason": "",
                                   "details": "x" * 501}, htmx=True, headers={"HX-Target": box})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and body.lstrip().startswith(f'<div id="{box}"')
    assert "Choose a reason from the list" in body
    assert "Details must be at most 500 characters" in body and "x" * 501 in body
    ok = reader.post("/reports", {"kind": "post", "id": str(post.id), "reason": "abuse",
                                  "details": "Rude"}, htmx=True, headers={"HX-Target": box})
    assert ok.status_code == 200
    assert ok.get_data(as_text=True).lstrip().startswith(f'<p id="{box}"')
    assert THANKS in ok.get_data(as_text=True)
    again = reader.post("/reports", {"kind": "post", "id": str(post.id), "reason": "spam"},
                        htmx=True, headers={"HX-Target": box})
    assert again.status_code == 409 and "You have already reported this" in again.get_data(
        as_text=True)
    report = db_session.scalars(select(Report)).one()
    assert (report.reason, report.details, report.target_kind) == ("abuse", "Rude", "post")


def test_reporting_without_javascript(login, db_session):
    post = make_post(db_session)
    reader = login(ProfileFactory())
    page = reader.get(f"/reports/new?kind=post&id={post.id}")
    assert page.status_code == 200 and "<h1>Report: Update by" in page.get_data(as_text=True)
    bad = reader.post("/reports", {"kind": "post", "id": str(post.id), "reason": "nope"})
    assert bad.status_code == 422
    assert "<title>Error: Report" in bad.get_data(as_text=True)
    assert "Choose a reason from the list" in bad.get_data(as_text=True)
    sent = reader.post("/reports", {"kind": "post", "id": str(post.id), "reason": "spam"})
    assert sent.status_code == 303
    assert THANKS in reader.get(sent.headers["Location"]).get_data(as_text=True)


def test_only_what_you_can_see_and_never_your_own(login, db_session):
    post = make_post(db_session)
    hidden = make_post(db_session)
    hidden.hidden_at = utcnow()
    db_session.flush()
    reader = login(ProfileFactory())
    assert reader.get(f"/reports/new?kind=post&id={hidden.id}").status_code == 404
    assert reader.post("/reports", {"kind": "post", "id": str(hidden.id),
                                    "reason": "spam"}).status_code == 404
    assert reader.get("/reports/new?kind=post&id=not-a-uuid").status_code == 404
    assert reader.get(f"/reports/new?kind=help_request&id={post.id}").status_code == 404
    from buildstory.profiles.models import Profile
    author = login(db_session.get(Profile, post.author_id))
    refused = author.post("/reports", {"kind": "post", "id": str(post.id), "reason": "spam"})
    assert refused.status_code == 403
    assert "You cannot report your own content" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_the_twenty_first_report_of_the_day_is_429(app, login, db_session):
    reader = login(ProfileFactory())
    posts = [make_post(db_session) for _ in range(21)]
    for post in posts[:20]:
        assert reader.post("/reports", {"kind": "post", "id": str(post.id),
                                        "reason": "spam"}).status_code == 303
    limited = reader.post("/reports", {"kind": "post", "id": str(posts[20].id), "reason": "spam"},
                          htmx=True, headers={"HX-Target": f"report-post-{posts[20].id}"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert ("You can send up to 20 reports per day. Please try again later."
            in limited.get_data(as_text=True))


def _queue_world(db_session):
    post = make_post(db_session, body="Buy cheap followers")
    reporters = [ProfileFactory(display_name=f"Reporter {n}") for n in ("Ann", "Ben", "Cy")]
    for i, who in enumerate(reporters):
        db_session.add(Report(reporter_id=who.id, target_kind="post", target_id=post.id,
                              reason="spam", details=f"Seen it {i}",
                              created_at=utcnow() - timedelta(minutes=10 - i)))
    gone = Report(reporter_id=reporters[0].id, target_kind="post_comment",
                  target_id="00000000-0000-4000-8000-000000000001", reason="other",
                  created_at=utcnow() - timedelta(hours=1))
    db_session.add(gone)
    db_session.flush()
    return post, reporters


def test_the_queue_groups_reports_by_target(login, db_session):
    post, reporters = _queue_world(db_session)
    moderator = login(ProfileFactory(moderator=True))
    page = moderator.get("/moderation/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    gone_at = html.index("This content no longer exists")
    post_at = html.index(f'id="report-group-post-{post.id}"')
    assert gone_at < post_at  # the longest-waiting open report first
    assert "3 reports" in html and "Buy cheap followers" in html
    for n in ("Ann", "Ben", "Cy"):
        assert f"Reporter {n}" in html
    assert html.count("Resolve report") == 4 and html.count("Dismiss report") == 4
    assert f'action="/moderation/posts/{post.id}/hide"' in html
    # the moderators' navigation links the queue
    assert '<a href="/moderation/reports" aria-current="page">Reports</a>' in html
    assert 'href="/moderation/reports"' in moderator.get("/admin").get_data(as_text=True)
    assert login(ProfileFactory()).get("/moderation/reports").status_code == 403


def test_resolve_and_dismiss_answer_the_group_and_audit(login, db_session):
    post, _ = _queue_world(db_session)
    moderator = login(ProfileFactory(moderator=True))
    first, second, third = db_session.scalars(
        select(Report).where(Report.target_id == post.id).order_by(Report.created_at)).all()
    gid = f"report-group-post-{post.id}"
    r = moderator.post(f"/moderation/reports/{first.id}/resolve", htmx=True,
                       headers={"HX-Target": gid})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.lstrip().startswith(f'<li id="{gid}"')
    assert "Report resolved." in body and body.count("Resolve report") == 2
    r = moderator.post(f"/moderation/reports/{first.id}/dismiss", htmx=True,
                       headers={"HX-Target": gid})
    assert r.status_code == 409 and "This report is no longer open" in r.get_data(as_text=True)
    plain = moderator.post(f"/moderation/reports/{second.id}/dismiss",
                           {"next": "/moderation/reports?page=1"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/moderation/reports?page=1"
    plain = moderator.post(f"/moderation/reports/{second.id}/dismiss")
    assert plain.status_code == 409
    db_session.expire_all()
    assert [r.status for r in (first, second, third)] == [
        ReportStatus.resolved, ReportStatus.dismissed, ReportStatus.open]
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()
    assert [(a.action, a.target_profile_id) for a in rows] == [
        ("resolve_report", post.author_id), ("dismiss_report", post.author_id)]


def test_hide_from_the_queue_is_the_kinds_own_hide(login, db_session):
    post, _ = _queue_world(db_session)
    moderator = login(ProfileFactory(moderator=True))
    page = moderator.get("/moderation/reports").get_data(as_text=True)
    assert 'hx-target="closest .report-hide"' in page
    r = moderator.post(f"/moderation/posts/{post.id}/hide", {"next": "/moderation/reports"},
                       htmx=True)
    assert r.status_code == 200 and "Update hidden." in r.get_data(as_text=True)
    assert db_session.scalar(select(AuditLog.action)) == "hide_post"
    html = moderator.get("/moderation/reports").get_data(as_text=True)
    assert f'action="/moderation/posts/{post.id}/hide"' not in html
    assert 'data-status="hidden"' in html


def test_a_review_is_reported_from_the_reviews_received_page(login, db_session):
    review = HackathonReviewFactory(feedback="Lazy work")
    from buildstory.profiles.models import Profile
    from buildstory.projects.models import Project
    project = db_session.get(Project, review.project_id)
    owner = login(db_session.get(Profile, project.profile_id))
    page = owner.get(f"/projects/{project.slug}/reviews").get_data(as_text=True)
    assert f"report-review-{review.id}" in report_forms(page)
    assert owner.post("/reports", {"kind": "review", "id": str(review.id),
                                   "reason": "abuse"}).status_code == 303
    moderator = login(ProfileFactory(moderator=True))
    html = moderator.get("/moderation/reports").get_data(as_text=True)
    assert "Lazy work" in html
    assert f'action="/moderation/reviews/{review.id}/hide"' in html


def test_the_reporter_never_appears_to_the_reported_builder(login, db_session):
    """Everything the reported builder can open — their post, profile, project, feed,
    dashboard and notifications — never names the reporter (who wrote nothing else)."""
    from buildstory.profiles.models import Profile
    post = make_post(db_session)
    reported = db_session.get(Profile, post.author_id)
    project = db_session.get(ProjectFactory._meta.model, post.project_id)
    reporter = ProfileFactory(display_name="Quiet Quentin", username="quietquentin")
    snitch = login(reporter)
    for kind, target_id in (("post", post.id), ("profile", reported.id),
                            ("project", project.id)):
        assert snitch.post("/reports", {"kind": kind, "id": str(target_id), "reason": "spam",
                                        "details": "Quiet Quentin says so"}).status_code == 303
    me = login(reported)
    for path in (f"/posts/{post.id}", f"/profiles/{reported.username}", f"/projects/{project.slug}",
                 "/feed", "/dashboard", "/notifications", f"/profiles/{reported.username}/activity",
                 f"/projects/{project.slug}/updates"):
        r = me.get(path)
        assert r.status_code == 200, path
        html = r.get_data(as_text=True).lower()
        assert "quentin" not in html and str(reporter.id) not in html, path
    assert me.get("/moderation/reports").status_code == 403
    assert me.get(f"/reports/new?kind=post&id={post.id}").status_code == 403


def test_without_javascript_hiding_from_the_queue_comes_back_to_it(login, db_session):
    post = make_post(db_session)
    comment = PostComment(post_id=post.id, author_id=ProfileFactory().id, body="Spammy")
    db_session.add(comment)
    post.comment_count = 1
    db_session.flush()
    for kind, target_id in (("post", post.id), ("post_comment", comment.id)):
        db_session.add(Report(reporter_id=ProfileFactory().id, target_kind=kind,
                              target_id=target_id, reason="spam"))
    db_session.flush()
    moderator = login(ProfileFactory(moderator=True))
    html = moderator.get("/moderation/reports").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/moderation/reports">' in html
    for url in (f"/moderation/comments/{comment.id}/hide", f"/moderation/posts/{post.id}/hide"):
        assert f'action="{url}"' in html
        r = moderator.post(url, {"next": "/moderation/reports", "confirm": "yes"})
        assert r.status_code == 303 and r.headers["Location"] == "/moderation/reports", url
    assert sorted(db_session.scalars(select(AuditLog.action))) == ["hide_comment", "hide_post"]
    # an outside address is never followed
    r = moderator.post(f"/moderation/posts/{post.id}/unhide", {"next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/posts/{post.id}")
