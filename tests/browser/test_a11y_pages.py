"""Axe on every page type (docs/architecture.md "Quality bars").

Every GET route of ``app.url_map`` is accounted for here, in exactly one of four tables:

* ``ELSEWHERE`` — page types another browser test already runs axe on (file and path named,
  and checked to still be there);
* ``PAGES`` — the page types checked below, with realistic data and signed in with the role
  that sees them, in the light and the dark colour scheme; plus the states a route shows
  after a refused form (422 error summaries, the no-JavaScript moderation confirmation) and
  the error pages (403, 404 signed in, an invalid reset link);
* ``FRAGMENTS`` — htmx fragment routes, checked swapped into the page that asks for them;
* ``EXCLUDED`` — routes that are not HTML at all (feeds, files, probes), with the reason.

``test_every_get_route_is_axe_checked_or_excluded`` fails when a new GET route appears in
none of them, so a new page cannot skip axe.

The three live flows by keyboard alone exist elsewhere: the username check
(test_sign_up.py::test_username_check_states_and_keyboard_only_use, and
test_settings.py::test_the_settings_form_works_by_keyboard_alone), invite accept / decline
(test_teams.py::test_recipient_accepts_and_declines_in_place_by_keyboard, and
test_invite_link_signed_out_then_sign_in_and_join_by_keyboard), hide / ban
(test_moderation_inline.py::test_moderator_hides_a_builder_from_the_member_card,
test_moderator_bans_from_the_profile_page_and_the_next_click_lands_on_banned,
test_moderator_hides_a_project_on_its_page, and
test_moderation_admin.py::test_moderator_bans_from_the_user_list_by_keyboard).
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import AiToolCategory
from buildstory.hackathon import images
from buildstory.hackathon.models import SubmissionImage
from tests.browser.a11y import AXE, RUN, session_cookies
from tests.factories import (AccountFactory, AuditLogFactory, AvatarFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory,
                             MentorApplicationFactory, PrizeDrawFactory, ProfileFactory,
                             ProjectEventFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory, utcnow)
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory

HERE = Path(__file__).resolve().parent

# endpoint -> (browser test file that runs axe on it, the path literal it checks)
ELSEWHERE = {
    "pages.home": ("test_a11y_foundation.py", '"/"'),
    "identity.sign_in": ("test_a11y_foundation.py", '"/sign-in"'),
    "identity.sign_up": ("test_a11y_foundation.py", '"/sign-up"'),
    "identity.forgot_password": ("test_a11y_foundation.py", '"/forgot-password"'),
    "pages.dashboard": ("test_dashboard.py", '"/dashboard"'),
    "identity.account": ("test_a11y_foundation.py", '"/settings/account"'),
    "profiles.settings": ("test_settings.py", '"/settings"'),
    "matching.settings": ("test_matching.py", '"/settings/skills"'),
    "matching.teammates": ("test_matching.py", '"/events/pair-week/teammates"'),
    "profiles.profile": ("test_moderation_inline.py", '"/profiles/ada"'),
    "profiles.members": ("test_moderation_inline.py", '"/members?q=ada"'),
    "events.index": ("test_events_browser.py", '"/events"'),
    "events.show": ("test_events_browser.py", 'f"/events/{slug}"'),
    "events.onboarding": ("test_onboarding.py", '"/onboarding"'),
    "events_admin.index": ("test_events_browser.py", '"/admin/events"'),
    "events_admin.edit": ("test_events_browser.py", 'f"/admin/events/{slug}"'),
    "projects.show": ("test_teams.py", '"/projects/receipts"'),
    "teams.invites": ("test_teams.py", '"/invites"'),
    "teams.invite_link": ("test_teams.py", '"/invite/axe-link"'),
    "admin.dashboard": ("test_moderation_admin.py", '"/admin"'),
    "admin.users": ("test_moderation_admin.py", '"/admin/users"'),
    "admin.audit": ("test_moderation_admin.py", '"/admin/audit"'),
    "applications.mentor_apply": ("test_applications_browser.py", '"/mentor-apply"'),
    "applications.mentor_thanks": ("test_applications_browser.py", '"/mentor-apply/thanks"'),
    "applications.sponsor_apply": ("test_applications_browser.py", '"/sponsor-apply"'),
    "streams.index": ("test_applications_browser.py", '"/streams"'),
    "applications_admin.mentors": ("test_applications_browser.py", '"/admin/mentors"'),
    "applications_admin.sponsors": ("test_applications_browser.py", '"/admin/sponsors"'),
    "streams_admin.streams": ("test_applications_browser.py", '"/admin/streams"'),
    "draws_admin.draws": ("test_applications_browser.py", '"/admin/draws"'),
    "queues.review_page": ("test_review_and_judging.py", '"/events/kb-jam/review"'),
    "queues.review_form": ("test_review_and_judging.py", 'f"/events/kb-jam/reviews/{reviewed}"'),
    "queues.judge_page": ("test_review_and_judging.py", '"/events/kb-jam/judge"'),
    "queues.score_form": ("test_review_and_judging.py", 'f"/events/kb-jam/scores/{scored}"'),
    "webhooks_admin.index": ("test_webhooks_browser.py", '"/admin/webhooks"'),
    "webhooks_admin.edit": ("test_webhooks_browser.py", 'f"/admin/webhooks/{hook_id}"'),
    "jobs_admin.index": ("test_webhooks_browser.py", '"/admin/jobs"'),
    "notifications.index": ("test_notifications_browser.py", '"/notifications"'),
    # the bell is part of every signed-in header: axe sees it on each page above
    "notifications.bell": ("test_notifications_browser.py", '"/notifications/bell"'),
    "showcase.index": ("test_showcase_browser.py", 'f"/events/{slug}/showcase"'),
    "showcase.submission": ("test_showcase_browser.py", 'f"/events/{slug}/showcase/{project}"'),
    "reports.new": ("test_reports_browser.py", '"{site}/reports/new?kind=post&id={post_id}"'),
    "reports.queue": ("test_reports_browser.py", '"{site}/moderation/reports"'),
    "roadmap.index": ("test_roadmap_browser.py", '"/roadmap?view=contributors"'),
    "roadmap.new": ("test_roadmap_browser.py", '"/roadmap/new"'),
    "roadmap.idea": ("test_roadmap_browser.py", 'f"/roadmap/{slug}"'),
    "roadmap.edit": ("test_roadmap_browser.py", 'f"/roadmap/{slug}/edit"'),
    "roadmap.edit_comment": ("test_roadmap_browser.py", 'f"/roadmap/comments/{comment_id}/edit"'),
    "roadmap_admin.categories": ("test_roadmap_browser.py", '"/admin/roadmap"'),
    "mentoring.help_page": ("test_mentoring_browser.py", '"/events/help-jam/help"'),
    "mentoring.claim_link": ("test_mentoring_browser.py", 'f"/mentor-claim/{token}"'),
}

EXCLUDED = {
    "static": "CSS, JavaScript, fonts and images, not pages",
    "profiles.avatar": "an image (WebP)",
    "pages.healthz": "plain-text health probe ('ok' or the 503)",
    "pages.robots": "robots.txt, plain text",
    "pages.sitemap_index": "XML sitemap index",
    "pages.sitemap_chunk": "XML sitemap",
    "events.calendar": "iCalendar (.ics) download",
    "events_admin.registrations_csv": "CSV download",
    "applications_admin.mentors_csv": "CSV download",
    "admin.audit_csv": "CSV download",
    "showcase.card": "a share card (PNG)",
    "buildlogs.image": "an image (WebP)",
    "submissions.demo_image": "an image (WebP)",
    "submissions.demo_thumb": "an image (WebP)",
    "hackathon_admin.scores_csv": "CSV download",
}


@dataclass(frozen=True)
class PageCase:
    """One page type: who opens which path, the status it answers, what it is."""
    id: str
    endpoint: str | None  # the GET route it proves; None for an error page of no route
    who: str              # anon | builder | other | admin | moderator | banned
    path: str             # formatted with the World's fields
    status: int = 200
    shows: str = ""       # text the page must show (proves it is the page meant)
    post: dict | None = field(default=None)  # a refused form: POSTed natively from ``path``
    action: str | None = None                 # where ``post`` goes (formatted like ``path``)


PAGES = [
    PageCase("projects-index", "projects.index", "anon", "/projects", shows="Receipt Whisperer"),
    PageCase("projects-index-yours", "projects.index", "builder", "/projects",
             shows="Receipt Whisperer"),
    PageCase("projects-search-empty", "projects.index", "anon", "/projects?q=zzzz-nothing",
             shows="What people are building"),
    PageCase("projects-new", "projects.new", "builder", "/projects/new", shows="New project"),
    PageCase("projects-edit", "projects.edit", "builder", "/projects/{project_slug}/edit",
             shows="Edit project"),
    PageCase("project-anon", "projects.show", "anon", "/projects/{project_slug}",
             shows="Mo Member"),
    PageCase("profile-own", "profiles.profile", "builder", "/profiles/{builder_username}",
             shows="Edit profile"),
    PageCase("profile-anon", "profiles.profile", "anon", "/profiles/{builder_username}",
             shows="Amara Okafor"),
    PageCase("members-anon", "profiles.members", "anon", "/members", shows="Amara Okafor"),
    PageCase("profile-projects-anon", "projects.profile_projects", "anon",
             "/profiles/{builder_username}/projects", shows="Projects of"),
    PageCase("profile-events-anon", "projects.profile_events", "anon",
             "/profiles/{builder_username}/events", shows="Events of"),
    PageCase("invite-link-signed-in", "teams.invite_link", "other", "/invite/{link_token}",
             shows="Join team"),
    PageCase("admin-user-detail", "admin.user_detail", "admin", "/admin/users/{builder_id}",
             shows="Winter Agents Jam"),
    # the delete form lists what passes to a new owner and what is deleted with the user
    PageCase("admin-user-succession", "admin.user_detail", "admin", "/admin/users/{builder_id}",
             shows="Passes to a new owner"),
    # the owner's team section: transfer and leave forms, the pending ownership request
    PageCase("project-ownership-panel", "projects.show", "builder", "/projects/{project_slug}",
             shows="unless the owner keeps it"),
    PageCase("project-transfer-errors", "teams.transfer", "builder", "/projects/{project_slug}",
             status=422, shows="Tick the box to confirm the transfer",
             post={"new_owner": "{member_id}"}, action="/projects/{project_slug}/transfer"),
    PageCase("banned", "pages.banned", "banned", "/banned", shows="Your account is suspended"),
    PageCase("reset-password", "identity.reset_password", "anon", "/reset-password/{reset_token}",
             shows="Choose a new password"),
    PageCase("reset-password-invalid", "identity.reset_password", "anon",
             "/reset-password/not-a-real-token", status=404,
             shows="This reset link is invalid or has expired"),
    PageCase("sponsor-thanks", "applications.sponsor_thanks", "anon", "/sponsor-apply/thanks",
             shows="Thank you!"),
    PageCase("error-403", None, "builder", "/admin", status=403, shows="Not allowed"),
    PageCase("error-404-signed-in", None, "builder", "/no-such-page", status=404,
             shows="Page not found"),
    PageCase("event-open-builder", "events.show", "builder", "/events/spring-build-sprint",
             shows="Spring Build Sprint"),
    PageCase("event-complete-with-draw", "events.show", "anon", "/events/autumn-shipathon",
             shows="Autumn Shipathon"),
    PageCase("project-hidden-moderator", "projects.show", "moderator", "/projects/hidden-bot",
             shows="Hidden Bot"),
    PageCase("profile-hidden-moderator", "profiles.profile", "moderator", "/profiles/hiddenhank",
             shows="Hank Hidden"),
    PageCase("settings-saved", "profiles.settings", "builder", "/settings?saved=1",
             shows="Profile saved"),
    # States after a form, rendered as full pages (the no-JavaScript path).
    PageCase("sign-in-errors", "identity.sign_in", "anon", "/sign-in", status=422,
             shows="Sign in", post={"email": "amara@example.com", "password": "wrong password"},
             action="/sign-in"),
    PageCase("forgot-password-sent", "identity.forgot_password", "anon", "/forgot-password",
             shows="If an account exists, we sent a link", post={"email": "amara@example.com"},
             action="/forgot-password"),
    PageCase("settings-errors", "profiles.settings", "builder", "/settings", status=422,
             shows="Display name", post={"display_name": "", "username": "x!"},
             action="/settings"),
    PageCase("account-errors", "identity.account", "builder", "/settings/account", status=422,
             shows="Current password is incorrect",
             post={"current_password": "wrong", "new_password": "short"},
             action="/settings/account"),
    PageCase("sign-up-errors", "identity.sign_up", "anon", "/sign-up", status=422,
             shows="Create your account",
             post={"username": "x", "email": "not-an-email", "password": "short"},
             action="/sign-up"),
    PageCase("project-form-errors", "projects.new", "builder", "/projects/new", status=422,
             shows="Project name is required",
             post={"name": "", "slug": "{project_slug}", "github_url": "example.com",
                   "starting_point": "existing"}, action="/projects/new"),
    PageCase("reset-password-errors", "identity.reset_password", "anon",
             "/reset-password/{reset_token}", status=422, shows="Choose a new password",
             post={"new_password": "short"}, action="/reset-password/{reset_token}"),
    PageCase("submission-first", "submissions.form", "builder",
             "/projects/fresh-idea/submissions/winter-agents-jam", shows="Submit project"),
    PageCase("submission-submitted", "submissions.form", "builder",
             "/projects/demo-day/submissions/winter-agents-jam?done=submitted",
             shows="Withdraw submission"),
    PageCase("submission-errors", "submissions.form", "builder",
             "/projects/fresh-idea/submissions/winter-agents-jam", status=422,
             shows="What you built is required",
             post={"what_built": "", "demo_url": "example.com", "new_tool_name": ""},
             action="/projects/fresh-idea/submissions/winter-agents-jam"),
    # The hackathon's judging and results pages (a judging event with published results).
    PageCase("results-anon", "hackathon_results.event_results", "anon",
             "/events/judged-sprint/results", shows="Judges' picks"),
    PageCase("project-reviews-team", "hackathon_results.project_reviews", "builder",
             "/projects/{project_slug}/reviews", shows="Judges' comments"),
    PageCase("project-reviews-moderator", "hackathon_results.project_reviews", "moderator",
             "/projects/{project_slug}/reviews", shows="Unhide review"),
    PageCase("event-reviews-moderator", "hackathon_results.event_reviews", "moderator",
             "/moderation/events/judged-sprint/reviews", shows="Peer reviews"),
    PageCase("admin-judging", "hackathon_admin.judging_page", "admin",
             "/admin/events/judged-sprint/judging", shows="Done / assigned"),
    PageCase("admin-judging-errors", "hackathon_admin.judging_page", "admin",
             "/admin/events/judged-sprint/judging", status=422, shows="User not found",
             post={"username": "nobody-here"}, action="/admin/events/judged-sprint/judging"),
    PageCase("admin-results-preview", "hackathon_admin.results_page", "admin",
             "/admin/events/judged-sprint/results?preview=1", shows="Published versions"),
    PageCase("notification-settings", "mail.settings", "builder", "/settings/notifications",
             shows="Save notification settings"),
    PageCase("unsubscribe", "mail.unsubscribe", "anon", "/unsubscribe/{unsubscribe_token}",
             shows="Stop emails about Team invites?"),
    PageCase("unsubscribe-invalid", "mail.unsubscribe", "anon", "/unsubscribe/bogus",
             status=404, shows="This unsubscribe link is invalid"),
    PageCase("verify-email", "identity.verify_email", "anon", "/verify-email/{email_token}",
             shows="Confirm email"),
    PageCase("verify-email-invalid", "identity.verify_email", "anon", "/verify-email/bogus",
             status=404, shows="This email link is invalid or has expired"),
    PageCase("admin-outbox", "mail_admin.outbox", "admin", "/admin/outbox", shows="Outbox"),
    PageCase("admin-outbox-email", "mail_admin.outbox_email", "admin",
             "/admin/outbox/{outbox_id}", shows="Delivery"),
    PageCase("account-email-errors", "identity.account", "builder", "/settings/account",
             status=422, shows="Enter a valid email address",
             post={"form": "email", "new_email": "nope", "email_password": "wrong"},
             action="/settings/account"),
    PageCase("tools-index", "tools.index", "anon", "/tools", shows="All Coding tools"),
    PageCase("tools-category", "tools.index", "anon", "/tools?category=coding",
             shows="Coding tools"),
    PageCase("post-with-comments", "buildlogs.show", "builder", "/posts/{commented_post_id}",
             shows="Thanks @amara"),
    PageCase("post-with-comments-anon", "buildlogs.show", "anon", "/posts/{commented_post_id}",
             shows="Sign in"),
    PageCase("comment-edit", "talk.edit_comment", "builder", "/comments/{comment_id}/edit",
             shows="Save comment"),
    PageCase("comment-errors", None, "builder", "/posts/{commented_post_id}", status=422,
             post={"body": ""}, action="/posts/{commented_post_id}/comments"),
    PageCase("tool-anon", "tools.show", "anon", "/tools/axe-tool", shows="Receipt Whisperer"),
    PageCase("tool-moderator", "tools.show", "moderator", "/tools/axe-tool", shows="Merge into"),
    PageCase("tool-hidden-moderator", "tools.show", "moderator", "/tools/axe-hidden-tool",
             shows="Hidden"),
    PageCase("tool-edit-errors", None, "moderator", "/tools/axe-tool", status=422,
             shows="Name is required", post={"name": "", "category": "coding"},
             action="/moderation/tools/{tool_id}"),
    PageCase("tool-merge-confirm", None, "moderator", "/tools/axe-tool", status=422,
             shows="Tick the box to confirm", post={"into": "Claude"},
             action="/moderation/tools/{tool_id}/merge"),
    PageCase("feed", "buildlogs.feed", "anon", "/feed", shows="Parsed my first receipt"),
    PageCase("feed-moderator", "buildlogs.feed", "moderator", "/feed", shows="Hide update"),
    PageCase("project-updates", "buildlogs.project_updates", "anon",
             "/projects/receipt-whisperer/updates", shows="Parsed my first receipt"),
    PageCase("tool-posts", "buildlogs.tool_posts", "anon", "/tools/axe-tool/posts",
             shows="Axe Tool reads receipts well"),
    PageCase("activity", "buildlogs.activity", "anon", "/profiles/amara/activity",
             shows="Parsed my first receipt"),
    # signed in: every card's reaction buttons, the builder's own pressed
    PageCase("feed-builder", "buildlogs.feed", "builder", "/feed", shows="Parsed my first receipt"),
    PageCase("tool-posts-builder", "buildlogs.tool_posts", "builder", "/tools/axe-tool/posts",
             shows="Axe Tool reads receipts well"),
    PageCase("activity-builder", "buildlogs.activity", "builder", "/profiles/amara/activity",
             shows="Parsed my first receipt"),
    PageCase("post", "buildlogs.show", "anon", "/posts/{post_id}", shows="Parsed my first receipt"),
    PageCase("post-author", "buildlogs.show", "builder", "/posts/{post_id}", shows="Delete update"),
    PageCase("post-edit", "buildlogs.edit", "builder", "/posts/{post_id}/edit", shows="Save update"),
    PageCase("post-update-errors", None, "builder", "/projects/receipt-whisperer", status=422,
             shows="Update is required", post={"body": ""},
             action="/projects/receipt-whisperer/updates"),
    PageCase("moderation-confirm", None, "moderator", "/profiles/{builder_username}",
             status=422, shows="Tick the box to confirm", post={"reason": "Spam"},
             action="/moderation/profiles/{builder_id}/ban"),
]


@dataclass
class World:
    identities: dict
    builder_id: str
    builder_username: str
    project_slug: str
    link_token: str
    reset_token: str
    email_token: str = "t"
    unsubscribe_token: str = "t"
    outbox_id: int = 1
    tool_id: str = ""
    post_id: str = ""
    commented_post_id: str = ""
    comment_id: str = ""
    member_id: str = ""


def _post_with_comment(profile) -> tuple[str, str]:
    """An update on the builder's project with a fresh comment of theirs, reacted to."""
    from buildstory.buildlogs.models import Post, PostComment
    from buildstory.models import Project
    project = db.session.scalar(db.select(Project).filter_by(slug="receipt-whisperer"))
    post = Post(author_id=profile.id, context_type="project", project_id=project.id,
                body="Receipts now **parse** in 2 seconds", fire_count=1)
    db.session.add(post)
    db.session.flush()
    comment = PostComment(post_id=post.id, author_id=profile.id, body="Thanks @amara")
    db.session.add(comment)
    db.session.flush()
    post.comment_count = 1
    return str(post.id), str(comment.id)


def make_world(app) -> World:
    """A builder with a project (team, invites, history, an event entry, an avatar), other
    builders, a moderator, an admin, a banned builder; committed for the live server."""
    from buildstory.identity import services, tokens
    from buildstory.mail import tokens as mail_tokens
    from buildstory.mail.models import EmailOutbox

    with app.app_context():
        event = EventFactory(active=True, featured=True, name="Winter Agents Jam",
                             slug="winter-agents-jam")
        builder = AccountFactory(email="amara@example.com", profile__username="amara",
                                 profile__display_name="Amara Okafor",
                                 profile__website_url="https://amara.example.com/")
        AvatarFactory(profile=builder.profile)
        project = ProjectFactory(owner=builder.profile, slug="receipt-whisperer",
                                 name="Receipt Whisperer", live_url="https://receipts.example.com/")
        mo = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mo Member")).profile
        from buildstory.models import OwnershipRequest
        db.session.add(OwnershipRequest(project_id=project.id, requester_id=mo.id,
                                        owner_id=builder.profile.id, event_id=event.id,
                                        decide_by=utcnow() + timedelta(hours=30)))
        TeamInviteFactory(project=project)
        TeamInviteFactory(project=project, link=True, raw_token="axe-pages-link")
        TeamInviteFactory(recipient=builder.profile)
        ProjectEventFactory(project=project)
        EventRegistrationFactory(event=event, profile=builder.profile)
        entry = EventProjectFactory(event=event, project=project)
        tool = AiToolFactory(name="Axe Tool", slug="axe-tool", category=AiToolCategory.coding,
                             description="Reads receipts.")
        EventSubmissionFactory(entry=entry, tools=[tool])
        post_id = _build_log_posts(builder.profile, project, tool)
        for i in range(13):
            AiToolFactory(name=f"Coder {i}", category=AiToolCategory.coding)
        AiToolFactory(name="Claude", category=AiToolCategory.models)
        AiToolFactory(name="Axe Hidden Tool", slug="axe-hidden-tool", hidden_at=services.utcnow())
        # a submitted project with tools and a demo image (the form's image and withdraw panels)
        tools = [AiToolFactory(name=f"Axe tool {c.value}", category=c) for c in AiToolCategory]
        demo = ProjectFactory(owner=builder.profile, slug="demo-day", name="Demo Day")
        submission = EventSubmissionFactory(entry=EventProjectFactory(event=event, project=demo),
                                            tools=tools)
        processed = images.process(demo_png())
        db.session.add(SubmissionImage(submission_id=submission.id, image=processed.image,
                                       thumb=processed.thumb, hash=processed.hash,
                                       width=processed.width, height=processed.height))
        ProjectFactory(owner=builder.profile, slug="fresh-idea", name="Fresh Idea")
        EventFactory(open=True, name="Spring Build Sprint", slug="spring-build-sprint")
        done = EventFactory(complete=True, name="Autumn Shipathon", slug="autumn-shipathon")
        EventRegistrationFactory(event=done, profile=builder.profile)
        PrizeDrawFactory(event=done, eligible=[{"username": "amara"}, {"username": "kenji"}],
                         winners=[{"username": "amara"}])
        ProjectFactory(owner=ProfileFactory(), slug="hidden-bot", name="Hidden Bot", hidden=True)
        ProfileFactory(username="hiddenhank", display_name="Hank Hidden", hidden=True)
        ProfileFactory(username="kenji", display_name="Kenji Watanabe")
        for n in range(3):
            ProjectFactory(owner=ProfileFactory(display_name=f"Other Builder {n}"))
        other = AccountFactory()
        moderator = AccountFactory(profile__moderator=True, profile__display_name="Mona Mod")
        admin = AccountFactory(profile__admin=True, profile__display_name="Ada Admin")
        banned = AccountFactory(profile__banned=True)
        AuditLogFactory(action="hide_user", target_profile_id=builder.profile.id,
                        actor_profile_id=moderator.profile.id, target_name="Amara Okafor (@amara)",
                        actor_name="Mona Mod", meta={"reason": "Checking"})
        _judged_event(project, admin.profile)
        db.session.flush()
        reset = tokens.encode_reset(builder, app.config["SECRET_KEY"], now=services.utcnow())
        email_token = tokens.encode_email_link(builder, app.config["SECRET_KEY"],
                                               now=services.utcnow())
        unsubscribe = mail_tokens.encode_unsubscribe(app.config["SECRET_KEY"],
                                                     builder.profile.id, "team_invite")
        email = EmailOutbox(kind="team_invite", recipient_id=builder.profile.id,
                            dedupe_key="axe:1", subject="Kenji invited you to join Receipt Whisperer",
                            status="failed", attempts=8, last_error="ConnectionRefusedError",
                            to_address="amara@example.com", body_text="Kenji invited you",
                            body_html="<p>Kenji invited you</p>")
        db.session.add(email)
        db.session.flush()
        world = World(identities={"builder": builder.id, "other": other.id,
                                  "moderator": moderator.id, "admin": admin.id,
                                  "banned": banned.id},
                      builder_id=str(builder.profile.id), builder_username="amara",
                      project_slug="receipt-whisperer", link_token="axe-pages-link",
                      reset_token=reset, email_token=email_token,
                      unsubscribe_token=unsubscribe, outbox_id=email.id, tool_id=str(tool.id),
                      post_id=post_id, member_id=str(mo.id))
        world.commented_post_id, world.comment_id = _post_with_comment(builder.profile)
        db.session.commit()
        db.session.remove()
    return world


def _build_log_posts(author, project, tool) -> str:
    """An update with an image on the project and a post about the tool (edit window open)."""
    import io

    from PIL import Image

    from buildstory.buildlogs.models import Post, PostImage
    post = Post(author_id=author.id, context_type="project", project_id=project.id,
                body="Parsed my first receipt with **zero** errors, thanks @kenji",
                link_url="https://receipts.example.com/changelog")
    about = Post(author_id=author.id, context_type="tool", tool_id=tool.id,
                 body="Axe Tool reads receipts well")
    db.session.add_all([post, about])
    db.session.flush()
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 90, 160)).save(out, "WEBP")
    db.session.add(PostImage(post_id=post.id, data=out.getvalue(), hash="axeimage", width=320,
                             height=180, description="The parsed receipt next to the photo"))
    from buildstory.buildlogs.models import Reaction
    db.session.add(Reaction(profile_id=author.id, post_id=post.id, emoji="fire"))
    post.fire_count = 1
    db.session.flush()
    return str(post.id)


def demo_png() -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (960, 600), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()
def _judged_event(project, admin) -> None:
    """A judging event where the builder's project and two others are submitted, scored
    by two judges (with comments), reviewed (one review hidden), results published."""
    from buildstory.hackathon import results
    from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                           HackathonReviewFactory, JudgeScoreFactory)
    event = EventFactory(judging=True, name="Judged Sprint", slug="judged-sprint")
    subs = [EventSubmissionFactory(entry=EventProjectFactory(event=event, project=p))
            for p in (project, ProjectFactory(name="Inbox Zero Bot"),
                      ProjectFactory(name="Pantry Planner"))]
    judges = [EventJudgeFactory(event=event, profile=ProfileFactory(display_name=name))
              for name in ("Judy Judge", "Jonas Juror")]
    for i, sub in enumerate(subs):
        for judge in judges:
            JudgeScoreFactory(submission=sub, judge=judge, bump=True, creativity=5 - i,
                              comment="Clear demo.\nShip the API next.")
        HackathonReviewFactory(submission=sub, feedback="Loved the flow.\nTry dark mode.",
                               highlights={"design": "Calm screens", "impact": "Saves time"},
                               bump=True)
    HackathonReviewFactory(submission=subs[0], feedback="Off-topic rant", hidden_at=utcnow())
    db.session.flush()
    results.publish(db.session, admin, event, results.compute(db.session, event).fingerprint,
                    now=utcnow())


def fill(template: str, world: World) -> str:
    return template.format(**vars(world))


def axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


SUBMIT = """([action, data]) => {
  const form = document.createElement('form');
  form.method = 'post'; form.action = action;
  for (const [name, value] of Object.entries(data)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value; form.append(input);
  }
  document.body.append(form);
  form.submit();  // a native submit: the no-JavaScript path, a full page comes back
}"""


@pytest.mark.parametrize("case", PAGES, ids=[c.id for c in PAGES])
def test_page_type_has_no_serious_axe_violation(browser, site, app, case):
    world = make_world(app)
    cookies = None
    if case.who != "anon":
        cookies = session_cookies(app, world.identities[case.who], site)
    for scheme in ("light", "dark"):
        context = browser.new_context(bypass_csp=True, color_scheme=scheme)
        try:
            if cookies:
                context.add_cookies(cookies)
            page = context.new_page()
            response = page.goto(site + fill(case.path, world))
            if case.post is None:
                assert response.status == case.status, (case.id, response.status)
            else:
                assert response.status == 200, (case.id, response.status)
                token = page.evaluate(
                    "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
                data = {k: fill(v, world) for k, v in case.post.items()}
                with page.expect_navigation() as nav:
                    page.evaluate(SUBMIT, [fill(case.action, world),
                                           {**data, "csrf_token": token}])
                assert nav.value.status == case.status, (case.id, nav.value.status)
            page.wait_for_load_state()
            assert case.shows in page.inner_text("main"), (case.id, case.shows)
            assert axe(page) == [], (case.id, scheme)
        finally:
            context.close()


# --- The htmx fragments, checked where they are swapped in --------------------------------

def _username_taken(page, site):
    page.goto(site + "/sign-up")
    page.get_by_label("Username").press_sequentially("amara", delay=20)
    expect(page.locator("#username-status")).to_have_attribute("data-status", "taken")


def _regions(page, site):
    page.goto(site + "/settings")
    page.get_by_label("Country").select_option("DE")
    expect(page.get_by_label("Region").locator("option", has_text="Berlin")).to_have_count(1)


def _slug_check(page, site):
    page.goto(site + "/projects/new")
    page.wait_for_load_state("load")
    # A typed Project URL that is taken (one made from the name gets a free variant).
    page.locator("#slug").press_sequentially("receipt-whisperer", delay=20)
    expect(page.locator("#slug-status")).to_have_attribute("data-status", "taken")


def _invitee_search(page, site):
    page.goto(site + "/projects/receipt-whisperer")
    page.wait_for_load_state("load")
    page.locator("#invitee").press_sequentially("kenj", delay=20)
    expect(page.locator("#invitee-options").get_by_text("Kenji Watanabe")).to_be_visible()


FRAGMENTS = {  # endpoint -> (who, how to make the page swap it in)
    "profiles.username_check": ("anon", _username_taken),
    "profiles.regions": ("builder", _regions),
    "projects.slug_check": ("builder", _slug_check),
    "teams.invitee_search": ("builder", _invitee_search),
}


@pytest.mark.parametrize("endpoint", sorted(FRAGMENTS))
def test_swapped_in_fragment_has_no_serious_axe_violation(browser, site, app, endpoint):
    world = make_world(app)
    who, swap = FRAGMENTS[endpoint]
    context = browser.new_context(bypass_csp=True)
    try:
        if who != "anon":
            context.add_cookies(session_cookies(app, world.identities[who], site))
        page = context.new_page()
        swap(page, site)
        assert axe(page) == [], endpoint
    finally:
        context.close()


# --- The registry: no GET route may skip axe --------------------------------------------

def get_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}


def test_every_get_route_is_axe_checked_or_excluded(app):
    checked_here = {c.endpoint for c in PAGES if c.endpoint and c.post is None}
    routes = get_endpoints(app)
    checked = set(ELSEWHERE) | checked_here | set(FRAGMENTS)
    missing = sorted(routes - checked - set(EXCLUDED))
    assert not missing, (
        f"GET routes with no axe check: {missing}. Add each to PAGES in "
        f"tests/browser/test_a11y_pages.py (with data and the role that sees it), to "
        f"FRAGMENTS (an htmx fragment, checked swapped into its page), or to EXCLUDED with "
        f"the reason it is not an HTML page.")
    assert not (checked | set(EXCLUDED)) - routes, "stale entries"
    assert not set(EXCLUDED) & checked, "excluded and checked at once"


@pytest.mark.parametrize("endpoint", sorted(ELSEWHERE))
def test_axe_checks_named_elsewhere_still_exist(endpoint):
    filename, literal = ELSEWHERE[endpoint]
    source = (HERE / filename).read_text()
    assert "serious_violations(" in source, filename
    assert literal in source, f"{filename} no longer axe-checks {literal} ({endpoint})"


def test_every_case_path_is_the_route_it_claims(app):
    """Each case's path (or refused form's action) really routes to its endpoint, and the
    error-page cases match no route, so the registry is honest."""
    from werkzeug.exceptions import NotFound

    world = World(identities={}, builder_id=str(uuid.uuid4()), builder_username="amara",
                  project_slug="receipt-whisperer", link_token="t", reset_token="t",
                  tool_id=str(uuid.uuid4()), post_id=str(uuid.uuid4()),
                  commented_post_id=str(uuid.uuid4()), comment_id=str(uuid.uuid4()))
    adapter = app.url_map.bind("localhost")
    for case in PAGES:
        if case.post is not None:
            endpoint, _ = adapter.match(fill(case.action, world), method="POST")
            assert case.endpoint in (None, endpoint), case.id
        elif case.endpoint is not None:
            path = fill(case.path, world).split("?")[0]
            assert adapter.match(path, method="GET")[0] == case.endpoint, case.id
        elif case.status == 404:
            with pytest.raises(NotFound):
                adapter.match(case.path, method="GET")


def _card_path(event, project) -> tuple[str, str]:
    """Submit ``project`` to ``event`` with a demo image; return its share card's current
    URL and the image's."""
    from buildstory.hackathon import cards, submission_reads as reads
    from tests.hackathon_factories import EventSubmissionFactory

    from buildstory.hackathon import images
    from buildstory.hackathon.models import SubmissionImage

    sub = EventSubmissionFactory(entry=EventProjectFactory(event=event, project=project))
    processed = images.process(demo_png())
    db.session.add(SubmissionImage(submission_id=sub.id, image=processed.image,
                                   thumb=processed.thumb, hash=processed.hash,
                                   width=processed.width, height=processed.height))
    db.session.flush()
    inputs = reads.current_card_inputs(db.session, sub.id)
    return (f"/cards/{sub.id}/{cards.card_version(inputs)}.png",
            f"/submission-images/{sub.id}/{processed.hash}")


def test_excluded_routes_are_not_html_pages(app, db_session, login):
    """Every excluded route and fragment answers something other than a full page: text,
    XML, a calendar, a CSV, an image, a fragment (fetched as an admin who owns a project)."""
    admin = ProfileFactory(admin=True)
    project = ProjectFactory(owner=admin, slug="receipt-whisperer")
    event = EventFactory(active=True, slug="jam")
    EventRegistrationFactory(event=event, profile=admin)
    MentorApplicationFactory()
    avatar = AvatarFactory(profile=admin)
    ProfileFactory(username="kenji")
    card, image = _card_path(event, project)
    me = login(admin)
    from buildstory.buildlogs.models import Post, PostImage
    post = Post(author_id=admin.id, context_type="project", project_id=project.id, body="Hi")
    db_session.add(post)
    db_session.flush()
    db_session.add(PostImage(post_id=post.id, data=b"RIFF0000WEBP", hash="h", width=1, height=1,
                             description="An image"))
    db_session.flush()
    urls = {
        "buildlogs.image": f"/post-images/{post.id}/h",
        "pages.healthz": "/healthz", "pages.robots": "/robots.txt",
        "pages.sitemap_index": "/sitemap.xml", "pages.sitemap_chunk": "/sitemap-profiles-1.xml",
        "events.calendar": "/events/jam.ics",
        "events_admin.registrations_csv": "/admin/events/jam/registrations.csv",
        "applications_admin.mentors_csv": "/admin/mentors.csv",
        "admin.audit_csv": "/admin/audit.csv",
        "hackathon_admin.scores_csv": "/admin/events/jam/scores.csv",
        "profiles.avatar": f"/avatars/{admin.id}/{avatar.hash}",
        "profiles.username_check": "/username-check?username=abc",
        "projects.slug_check": "/project-slug-check?slug=abc",
        "profiles.regions": "/settings/regions?country=DE",
        "teams.invitee_search": f"/projects/{project.slug}/invitee-search?q=kenji",
        "static": "/static/app.css",
        "showcase.card": card,
        "submissions.demo_image": image,
        "submissions.demo_thumb": image + "/thumb",
    }
    assert set(urls) == set(EXCLUDED) | set(FRAGMENTS)
    for endpoint, url in urls.items():
        r = me.get(url, headers={"HX-Request": "true"} if "check" in url or "search" in url
                   or "regions" in url else {})
        body = r.get_data(as_text=False)
        assert r.status_code == 200, (endpoint, url, r.status_code)
        assert not re.search(rb"<!doctype html|<html|<body", body[:4000], re.I), (endpoint, url)


def test_the_axe_check_can_fail(browser, site):
    """The harness itself: a nameless button and an unlabelled field are reported."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(site + "/sign-in")
        page.evaluate("""() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend',
            '<button id="nameless"></button><input id="unlabelled" type="text">');
        }""")
        found = {v["id"] for v in axe(page)}
        assert {"button-name", "label"} <= found, found
    finally:
        context.close()
