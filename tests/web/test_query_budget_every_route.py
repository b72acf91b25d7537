"""Every GET route's statement count, counted at one size of data and at ten times it
(docs/architecture.md "Quality bars": every page has one).

The feature test files count their own pages in detail (members' filters, an event's
project grid, the admin lists…); this file is the registry that no route escapes: ``CASES``
holds one realistic request per GET endpoint of ``app.url_map`` (the role that sees it,
the htmx target for fragment routes), ``EXEMPT`` the one route that runs no SQL. A new GET
route in neither fails ``test_every_get_route_is_counted``.

Each case is requested after a small world is built and again after ten times as much of
everything has been added: the statement counts must be equal, at most 8, and at most 2
for the live checks (counted as ``tests/querycount.py`` does: no transaction control, no
``SET``).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from buildstory.db import db
from buildstory.enums import AiToolCategory, EventStatus, NotificationType, QueueKind
from buildstory.hackathon import images
from buildstory.hackathon.models import QueueAssignment, SubmissionImage
from buildstory.notifications.services import notify
from buildstory.tools.models import AiTool
from buildstory.identity import services, tokens
from buildstory.mail import tokens as mail_tokens
from buildstory.mail.models import EmailOutbox, NotificationPreference
from buildstory.profiles.avatars import avatar_url
from buildstory.db import db
from buildstory.events.models import Event
from buildstory.hackathon import cards, submission_reads as reads
from tests.hackathon_factories import (AiToolFactory, EventSubmissionFactory,
                                       HackathonReviewFactory)
from tests.factories import (AccountFactory, AuditLogFactory, AvatarFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory,
                             MentorApplicationFactory, PrizeDrawFactory, ProfileFactory,
                             ProjectFactory, ProjectMemberFactory, SponsorshipInquiryFactory,
                             TeamInviteFactory)
from tests.hackathon_factories import AiToolFactory, EventJudgeFactory, EventSubmissionFactory
from tests.querycount import count_queries

BUDGET = 8
LIVE_CHECK_BUDGET = 2
LIVE_CHECKS = {"profiles.username_check", "projects.slug_check"}
LINK_TOKEN = "counted-link-token"

# endpoint -> (who, path, HX-Target or None). Paths are formatted with the world's fields.
CASES = {
    "pages.home": ("anon", "/", None),
    "pages.dashboard": ("builder", "/dashboard", None),
    "pages.banned": ("banned", "/banned", None),
    "pages.robots": ("anon", "/robots.txt", None),
    "pages.sitemap_index": ("anon", "/sitemap.xml", None),
    "pages.sitemap_chunk": ("anon", "/sitemap-profiles-1.xml", None),
    "identity.sign_in": ("anon", "/sign-in", None),
    "identity.sign_up": ("anon", "/sign-up", None),
    "identity.forgot_password": ("anon", "/forgot-password", None),
    "identity.reset_password": ("anon", "/reset-password/{reset}", None),
    "identity.account": ("builder", "/settings/account", None),
    "profiles.settings": ("builder", "/settings", None),
    "profiles.regions": ("builder", "/settings/regions?country=DE", "region-field"),
    "profiles.username_check": ("anon", "/username-check?username=counted-owner", None),
    "profiles.profile": ("anon", "/profiles/counted-owner", None),
    "profiles.members": ("anon", "/members?q=builder", None),
    "projects.profile_projects": ("anon", "/profiles/counted-owner/projects", None),
    "projects.profile_events": ("anon", "/profiles/counted-owner/events", None),
    "profiles.avatar": ("anon", "{avatar}", None),
    "events.index": ("anon", "/events", None),
    "events.show": ("builder", "/events/counted", None),
    "events.calendar": ("anon", "/events/counted.ics", None),
    "events.onboarding": ("builder", "/onboarding", None),
    "events_admin.index": ("admin", "/admin/events", None),
    "events_admin.edit": ("admin", "/admin/events/counted", None),
    "events_admin.registrations_csv": ("admin", "/admin/events/counted/registrations.csv",
                                       None),
    "projects.index": ("anon", "/projects", None),
    "projects.new": ("builder", "/projects/new", None),
    "projects.show": ("builder", "/projects/counted-bot", None),
    "projects.edit": ("builder", "/projects/counted-bot/edit", None),
    "projects.slug_check": ("builder", "/project-slug-check?slug=counted-bot", None),
    "teams.invites": ("builder", "/invites", None),
    "matching.settings": ("builder", "/settings/skills", None),
    "matching.teammates": ("builder", "/events/counted-live/teammates", None),
    "teams.invite_link": ("other", "/invite/{link}", None),
    "teams.invitee_search": ("builder", "/projects/counted-bot/invitee-search?q=builder",
                             "invitee-options"),
    "admin.dashboard": ("admin", "/admin", None),
    "admin.users": ("admin", "/admin/users?q=builder", None),
    "admin.user_detail": ("admin", "/admin/users/{owner_id}", None),
    "admin.audit": ("admin", "/admin/audit", None),
    "admin.audit_csv": ("admin", "/admin/audit.csv", None),
    "applications.mentor_apply": ("anon", "/mentor-apply", None),
    "applications.mentor_thanks": ("anon", "/mentor-apply/thanks", None),
    "applications.sponsor_apply": ("anon", "/sponsor-apply", None),
    "applications.sponsor_thanks": ("anon", "/sponsor-apply/thanks", None),
    "streams.index": ("anon", "/streams", None),
    "applications_admin.mentors": ("admin", "/admin/mentors", None),
    "applications_admin.mentors_csv": ("admin", "/admin/mentors.csv", None),
    "applications_admin.sponsors": ("admin", "/admin/sponsors", None),
    "streams_admin.streams": ("admin", "/admin/streams", None),
    "draws_admin.draws": ("admin", "/admin/draws", None),
    "webhooks_admin.index": ("admin", "/admin/webhooks", None),
    "webhooks_admin.edit": ("admin", "/admin/webhooks/{webhook_id}", None),
    "jobs_admin.index": ("admin", "/admin/jobs", None),
    "pages.healthz": ("anon", "/healthz", None),
    "submissions.form": ("builder", "/projects/counted-bot/submissions/counted-live", None),
    "submissions.demo_image": ("anon", "{demo}", None),
    "submissions.demo_thumb": ("anon", "{demo}/thumb", None),
    "notifications.index": ("builder", "/notifications", None),
    "notifications.bell": ("builder", "/notifications/bell?have=999", "notification-bell"),
    "hackathon_admin.judging_page": ("admin", "/admin/events/counted-judging/judging", None),
    "hackathon_admin.results_page": ("admin", "/admin/events/counted-judging/results?preview=1",
                                     None),
    "hackathon_admin.scores_csv": ("admin", "/admin/events/counted-judging/scores.csv", None),
    "hackathon_results.event_results": ("anon", "/events/counted-judging/results", None),
    "hackathon_results.project_reviews": ("builder", "/projects/counted-bot/reviews", None),
    "hackathon_results.event_reviews": ("admin", "/moderation/events/counted-judging/reviews",
                                        None),
    "identity.verify_email": ("anon", "/verify-email/{email_link}", None),
    "mail.settings": ("builder", "/settings/notifications", None),
    "mail.unsubscribe": ("anon", "/unsubscribe/{unsubscribe}", None),
    "mail_admin.outbox": ("admin", "/admin/outbox?status=sent", None),
    "mail_admin.outbox_email": ("admin", "/admin/outbox/{outbox_id}", None),
    "tools.index": ("anon", "/tools", None),
    "roadmap.index": ("builder", "/roadmap", None),
    "roadmap.new": ("builder", "/roadmap/new", None),
    "roadmap.idea": ("builder", "/roadmap/counted-idea", None),
    "roadmap.edit": ("builder", "/roadmap/counted-idea/edit", None),
    "roadmap.edit_comment": ("builder", "/roadmap/comments/{idea_comment_id}/edit", None),
    "roadmap_admin.categories": ("admin", "/admin/roadmap", None),
    "talk.edit_comment": ("builder", "/comments/{comment_id}/edit", None),
    "tools.show": ("admin", "/tools/counted-tool", None),
    "buildlogs.feed": ("builder", "/feed", None),
    "buildlogs.project_updates": ("anon", "/projects/counted-bot/updates", None),
    "buildlogs.tool_posts": ("anon", "/tools/counted-tool/posts", None),
    "buildlogs.activity": ("anon", "/profiles/counted-owner/activity", None),
    "buildlogs.show": ("admin", "/posts/{post_id}", None),
    "buildlogs.edit": ("builder", "/posts/{post_id}/edit", "post-{post_id}"),
    "buildlogs.image": ("anon", "/post-images/{post_id}/{post_image}", None),
    "queues.review_page": ("builder", "/events/counted-judging/review", None),
    "queues.review_form": ("builder", "/events/counted-judging/reviews/counted-entry", None),
    "queues.judge_page": ("other", "/events/counted-judging/judge", None),
    "queues.score_form": ("other", "/events/counted-judging/scores/counted-entry", None),
    "showcase.index": ("builder", "/events/counted-live/showcase", None),
    "showcase.submission": ("builder", "/events/counted-live/showcase/counted-bot", None),
    "showcase.card": ("anon", "{card}", None),
    "reports.new": ("other", "/reports/new?kind=post&id={post_id}", None),
    "reports.queue": ("admin", "/moderation/reports", None),
}
EXEMPT = {"static": "files served from disk (versioned, cached), no SQL"}


def png_bytes() -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def get_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}


def test_every_get_route_is_counted(app):
    routes = get_endpoints(app)
    missing = sorted(routes - set(CASES) - set(EXEMPT))
    assert not missing, (f"GET routes with no statement count: {missing}; add each to CASES "
                         f"in {__name__} (who opens it, a realistic path)")
    assert not (set(CASES) | set(EXEMPT)) - routes, "stale entries"


def test_every_case_path_is_the_route_it_claims(app, world):
    adapter = app.url_map.bind("localhost")
    for endpoint, (_, path, _) in CASES.items():
        url = path.format(**world["fields"]).split("?")[0]
        assert adapter.match(url, method="GET")[0] == endpoint, (endpoint, url)


def grow_hackathon(n: int, project) -> None:
    """Add ``n`` submissions to the judging event, each with a judge's score and a
    review of the counted project's, then publish the results again."""
    from buildstory.db import db
    from buildstory.events.models import Event
    from buildstory.hackathon import results
    from buildstory.hackathon.models import EventSubmission
    from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                           HackathonReviewFactory, JudgeScoreFactory)
    event = db.session.scalars(sa.select(Event).where(Event.slug == "counted-judging")).one()
    mine = db.session.scalars(sa.select(EventSubmission).where(
        EventSubmission.project_id == project.id, EventSubmission.event_id == event.id)).one()
    for i in range(n):
        judge = EventJudgeFactory(event=event)
        sub = EventSubmissionFactory(entry=EventProjectFactory(event=event))
        JudgeScoreFactory(submission=sub, judge=judge, bump=True, comment=f"Comment {i}")
        JudgeScoreFactory(submission=mine, judge=judge, bump=True, comment=f"For you {i}")
        HackathonReviewFactory(submission=mine, highlights={"impact": f"Impact {i}"}, bump=True)
        HackathonReviewFactory(submission=sub, highlights={"design": f"Design {i}"}, bump=True)
    results.publish(db.session, ProfileFactory(admin=True), event,
                    results.compute(db.session, event).fingerprint, now=services.utcnow())


def grow(n: int, event, project) -> None:
    """Add ``n`` of everything the pages read: builders registered with projects, teams,
    entries, invites in both kinds, audit rows, applications, avatars, draws, and
    hackathon submissions with scores and reviews."""
    grow_hackathon(n, project)
    for i in range(n):
        builder = ProfileFactory(display_name=f"Builder {i}", country="DE")
        EventRegistrationFactory(event=event, profile=builder)
        theirs = ProjectFactory(owner=builder)
        entry = EventProjectFactory(event=event, project=theirs)
        EventSubmissionFactory(entry=entry, tools=[counted_tool(), AiToolFactory()])
        ProjectMemberFactory(project=theirs)
        TeamInviteFactory(project=theirs)
        TeamInviteFactory(project=theirs, link=True)
        TeamInviteFactory(project=project, recipient=builder)
        AvatarFactory(profile=builder)
        _reports(builder, _posts(builder, theirs, project), theirs)
        _ideas(builder)
        live = db.session.scalar(db.select(Event).filter_by(slug="counted-live"))
        # the teammates page: builders looking for a team, projects with an open role
        project.owner.roles, project.owner.role_bits = ["backend"], "01" + "0" * 14
        theirs.open_roles, theirs.open_role_bits = ["backend"], "01" + "0" * 14
        EventRegistrationFactory(event=live, profile=ProfileFactory(),
                                 team_preference="looking_for_team")
        sub = EventSubmissionFactory(entry=EventProjectFactory(event=live, project=theirs),
                                     tools=[AiToolFactory()])
        HackathonReviewFactory(submission=sub, highlights={"design": "Tidy"})
        AuditLogFactory()
        MentorApplicationFactory()
        SponsorshipInquiryFactory()
        PrizeDrawFactory()
        # the submission form offers every listed tool outside "other" and 20 of "other"
        AiToolFactory(category=AiToolCategory.coding)
        AiToolFactory(category=AiToolCategory.other)
        _webhook_rows(i)
        notify(db.session, NotificationType.member_left, recipients=[project.profile_id],
               actor=builder, title=theirs.name, project_id=theirs.id)
        db.session.add(EmailOutbox(kind="event_status", recipient_id=builder.id,
                                     dedupe_key=f"counted:{builder.id}", subject="Jam is live",
                                     status="sent", to_address="b@example.com"))
        db.session.add(NotificationPreference(profile_id=builder.id, type="team_invite",
                                                email=False))


def _webhook_rows(i: int):
    """A webhook with deliveries, and a failed job: what /admin/webhooks and /admin/jobs read."""
    from buildstory.db import db
    from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
    hook = WebhookEndpoint(name=f"Hook {i}", url="http://127.0.0.1:9/", format="discord",
                           events=["milestone"], last_error="HTTP 502")
    db.session.add(hook)
    db.session.flush()
    db.session.add_all(WebhookDelivery(endpoint_id=hook.id, event="milestone", payload={},
                                       dedupe_key=f"{i}-{j}", status=status)
                       for j, status in enumerate(("queued", "failed", "succeeded")))
    db.session.execute(sa.text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) VALUES "
        "('maintenance', 'maintenance.clean_up', '{}', 'failed'), ('mail', 'x', '{}', 'todo')"))
    db.session.flush()
    return hook


def _posts(author, own_project, counted_project):
    """Posts everywhere the feeds read: on the author's project (with an image), about
    the counted tool, and on the counted project by its owner."""
    from buildstory.buildlogs.models import Post, PostImage
    from tests.factories import utcnow
    now = utcnow() - timedelta(hours=1)
    posts = [Post(author_id=author.id, context_type="project", project_id=own_project.id,
                  body="Grown update", created_at=now),
             Post(author_id=author.id, context_type="tool", tool_id=counted_tool().id,
                  body="Grown tool post", created_at=now),
             Post(author_id=counted_project.profile_id, context_type="project",
                  project_id=counted_project.id, body="Grown owner update", created_at=now)]
    db.session.add_all(posts)
    db.session.flush()
    db.session.add(PostImage(post_id=posts[0].id, data=b"RIFF0000WEBP", hash="h", width=1,
                             height=1, description="Grown image"))
    # the counted owner (the "builder" viewer) reacts to each: the feeds show their own
    from buildstory.buildlogs.models import Reaction
    db.session.add_all(Reaction(profile_id=counted_project.profile_id, post_id=p.id,
                                emoji=emoji) for p in posts for emoji in ("fire", "clap"))
    # a comment on the counted post, with a reaction: the post page's comments grow too
    from buildstory.buildlogs.models import PostComment
    counted = db.session.scalar(select(Post).where(Post.body == "Counted update"))
    comment = PostComment(post_id=counted.id, author_id=author.id, body="Grown comment")
    db.session.add(comment)
    db.session.flush()
    db.session.add(Reaction(profile_id=counted_project.profile_id, comment_id=comment.id,
                            emoji="rocket"))
    db.session.flush()
    return posts


def _reports(builder, posts, theirs):
    """Reports the queue reads: of a post (open), a project (closed) and a comment."""
    from buildstory.buildlogs.models import PostComment
    from buildstory.reports.models import Report
    comment = PostComment(post_id=posts[2].id, author_id=builder.id, body="Grown comment")
    db.session.add(comment)
    db.session.flush()
    db.session.add_all([
        Report(reporter_id=builder.id, target_kind="post", target_id=posts[2].id,
               reason="spam", details="Grown details"),
        Report(reporter_id=builder.id, target_kind="project", target_id=theirs.id,
               reason="other", status="resolved"),
        Report(reporter_id=builder.id, target_kind="post_comment", target_id=comment.id,
               reason="abuse")])
    db.session.flush()


def _ideas(builder):
    """An idea in every public status by ``builder``, upvoted and commented on the counted
    idea, and a category: what the roadmap's pages read."""
    from buildstory.enums import FeatureBoardStatus
    from buildstory.roadmap.models import FeatureBoardItem
    from tests.roadmap_helpers import make_category, make_comment, make_idea
    counted = db.session.scalar(select(FeatureBoardItem).where(FeatureBoardItem.slug == "counted-idea"))
    for status in (FeatureBoardStatus.now, FeatureBoardStatus.next, FeatureBoardStatus.exploring,
                   FeatureBoardStatus.shipped):
        idea = make_idea(db.session, builder, status=status)
        make_comment(db.session, idea, builder)
    make_comment(db.session, counted, builder)
    make_category(db.session, name=f"Category {builder.id.hex[:8]}", order=2)


def counted_tool():
    """The tool whose page is counted (every grown project's submission uses it)."""
    return db.session.scalar(select(AiTool).where(AiTool.slug == "counted-tool"))


@pytest.fixture
def world(app, db_session, login, client):
    event = EventFactory(status=EventStatus.open, slug="counted", featured=True)
    AiToolFactory(name="Counted Tool", slug="counted-tool")
    account = AccountFactory(profile__username="counted-owner")
    owner = account.profile
    EventRegistrationFactory(event=event, profile=owner)
    project = ProjectFactory(owner=owner, slug="counted-bot")
    EventProjectFactory(event=event, project=project)
    ProjectMemberFactory(project=project)
    TeamInviteFactory(project=project, link=True, raw_token=LINK_TOKEN)
    AvatarFactory(profile=owner)
    # a judging event: the owner's project and counted-entry submitted; the owner holds
    # counted-entry to review and "other", a judge, holds it to score
    other = ProfileFactory()
    judging = EventFactory(status=EventStatus.judging, slug="counted-judging")
    EventSubmissionFactory(entry=EventProjectFactory(event=judging, project=project))
    entry = EventSubmissionFactory(entry=EventProjectFactory(
        event=judging, project=ProjectFactory(slug="counted-entry")))
    EventJudgeFactory(event=judging, profile=other)
    for who, kind in ((owner, QueueKind.review), (other, QueueKind.judge)):
        db_session.add(QueueAssignment(queue=kind, profile_id=who.id, event_id=judging.id,
                                       project_id=entry.project_id))
    live = EventFactory(status=EventStatus.active, slug="counted-live")
    EventRegistrationFactory(event=live, profile=owner)
    tools = [AiToolFactory(category=c) for c in AiToolCategory]
    sub = EventSubmissionFactory(entry=EventProjectFactory(event=live, project=project),
                                 tools=tools)
    processed = images.process(png_bytes())
    db_session.add(SubmissionImage(submission_id=sub.id, image=processed.image,
                                   thumb=processed.thumb, hash=processed.hash,
                                   width=processed.width, height=processed.height))
    db_session.flush()
    demo_path = f"/submission-images/{sub.id}/{processed.hash}"
    shown = sub
    card_inputs = reads.current_card_inputs(db_session, shown.id)
    webhook = _webhook_rows(-1)
    from buildstory.buildlogs.models import Post, PostImage
    post = Post(author_id=owner.id, context_type="project", project_id=project.id,
                body="Counted update", created_at=services.utcnow() - timedelta(minutes=1))
    db_session.add(post)
    db_session.flush()
    db_session.add(PostImage(post_id=post.id, data=b"RIFF0000WEBP", hash="counted", width=1,
                             height=1, description="Counted image"))
    db_session.flush()
    with app.test_request_context():
        reset = tokens.encode_reset(account, app.config["SECRET_KEY"], now=services.utcnow(),
                                    ttl=timedelta(hours=1))
        avatar_path = avatar_url(owner)
        email_link = tokens.encode_email_link(account, app.config["SECRET_KEY"],
                                              now=services.utcnow())
    unsubscribe = mail_tokens.encode_unsubscribe(app.config["SECRET_KEY"], owner.id,
                                                 "team_invite")
    sent = EmailOutbox(kind="team_invite", recipient_id=owner.id, dedupe_key="counted:own",
                       subject="Ada invited you", status="sent", to_address="o@example.com",
                       body_text="hi", body_html="<p>hi</p>")
    db_session.add(sent)
    db_session.flush()
    assert avatar_path
    from buildstory.buildlogs.models import PostComment
    comment = PostComment(post_id=post.id, author_id=owner.id, body="Mine")
    db_session.add(comment)
    db_session.flush()
    from tests.roadmap_helpers import make_comment, make_idea
    counted_idea = make_idea(db_session, owner, title="Counted idea", age=timedelta(minutes=1),
                             status="inbox")
    idea_comment = make_comment(db_session, counted_idea, owner)
    return {
        "event": event, "project": project,
        "fields": {"reset": reset, "link": LINK_TOKEN, "owner_id": owner.id,
                   "avatar": avatar_path, "demo": demo_path,
                   "webhook_id": webhook.id, "email_link": email_link,
                   "unsubscribe": unsubscribe, "outbox_id": sent.id,
                   "comment_id": comment.id, "idea_comment_id": idea_comment.id,
                   "post_id": post.id, "post_image": "counted",
                   "card": f"/cards/{shown.id}/{cards.card_version(card_inputs)}.png"},
        "clients": {"anon": client, "builder": login(owner),
                    "other": login(other),
                    "banned": login(ProfileFactory(banned=True)),
                    "admin": login(ProfileFactory(admin=True))},
    }


def measure(app, world) -> dict[str, int]:
    counts = {}
    for endpoint, (who, path, target) in CASES.items():
        c = world["clients"][who]
        url = path.format(**world["fields"])

        def fetch():  # the body is read too: CSV exports stream their rows
            r = c.hx_get(url, target=target.format(**world["fields"])) if target \
                else c.get(url)
            r.get_data()
            return r

        fetch()  # warm: a session's first request of the day writes last_seen_at
        with count_queries(app) as q:
            r = fetch()
        assert r.status_code == 200, (endpoint, url, r.status_code)
        counts[endpoint] = q.count
    return counts


def test_no_get_route_runs_more_statements_with_ten_times_the_data(app, world):
    grow(2, world["event"], world["project"])
    small = measure(app, world)
    grow(18, world["event"], world["project"])  # 2 of everything, then 20: ten times
    large = measure(app, world)
    grew = {e: (small[e], large[e]) for e in CASES if small[e] != large[e]}
    assert not grew, f"statement counts that grew with the data: {grew}"
    over = {e: n for e, n in small.items()
            if n > (LIVE_CHECK_BUDGET if e in LIVE_CHECKS else BUDGET)}
    assert not over, f"over budget: {over}"
