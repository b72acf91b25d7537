"""Page weight on a first visit (docs/architecture.md "Quality bars"): every main page, opened in a
fresh browser context (empty cache), transfers at most 40 KB of HTML + JavaScript + CSS
measured as gzip level 6 of each response body (images excluded); the only scripts are
the vendored htmx and our own app.js (a few KB); static files come with versioned URLs,
immutable caching and gzip, and so do the pages.

Lists are filled to a full page (24 members, 24 projects, 50 users…) so the numbers are
the heaviest a visitor gets; public pages are measured both signed out and as an admin,
who also sees the moderation controls.
"""
from __future__ import annotations

import gzip

import pytest

from buildstory.db import db
from buildstory.enums import AiToolCategory, EventStatus
from tests.browser.a11y import session_cookies
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory

LIMIT = 40 * 1024
APP_JS_LIMIT = 8 * 1024  # our own script, uncompressed: "a few KB"
IMMUTABLE = "public, max-age=31536000, immutable"
COUNTED = {"document", "script", "stylesheet", "fetch", "xhr"}
SCRIPTS = {"htmx-2.0.11.min.js", "app.js"}


def world():
    """A featured event with 30 entered projects, 60 builders, an admin with a project,
    a team, invites both ways; returns the admin's identity and the URLs to visit."""
    event = EventFactory(status=EventStatus.active, featured=True, name="Winter Agents Jam",
                         description="Build an **agent** in a week. " * 8)
    admin = AccountFactory(profile__role="admin", profile__display_name="Amara Okafor",
                           profile__bio="Shipping *agents* since 2023. " * 5)
    me = admin.profile
    mine = ProjectFactory(owner=me, name="Ledger Lens", description="Receipts, read. " * 20)
    event_projects = []
    EventRegistrationFactory(event=event, profile=me)
    EventProjectFactory(event=event, project=mine)
    for i in range(60):
        builder = ProfileFactory(display_name=f"Zoë Müller {i}")
        EventRegistrationFactory(event=event, profile=builder)
        if i < 30:
            project = ProjectFactory(owner=builder)
            event_projects.append(EventProjectFactory(event=event, project=project))
        if i < 4:
            ProjectMemberFactory(project=mine, profile=builder)
            TeamInviteFactory(recipient=me, project=project)
    TeamInviteFactory(project=mine)
    # the catalogue full (12 in each category, more behind "All … tools") and a tool page
    # with a full page of 24 submissions
    for category in AiToolCategory:
        for i in range(14):
            AiToolFactory(name=f"{category.label} tool {i}", category=category, usage_count=i)
    tool = AiToolFactory(name="Claude Code", slug="claude-code-weight",
                         description="Agentic coding in the terminal. " * 12)
    for entry in event_projects[:24]:
        EventSubmissionFactory(entry=entry, tools=[tool],
                               what_built="An agent that reads receipts and files them. " * 5)
    judged = _judged(mine, me)
    # a full feed page of 20 updates and the project's five latest (owner's composer shown)
    from buildstory.buildlogs.models import Post
    posts = [Post(author_id=me.id, context_type="project", project_id=mine.id,
                  body=f"Day {i}: taught the **agent** to read faded receipts. " * 3,
                  link_url="https://ledger.example.com/changelog") for i in range(25)]
    posts += [Post(author_id=me.id, context_type="tool", tool_id=tool.id,
                   body=f"Note {i}: **Claude Code** renamed 40 files without a slip. " * 3)
              for i in range(20)]
    db.session.add_all(posts)
    db.session.flush()
    # the admin's own reactions pressed on every card
    from buildstory.buildlogs.models import Reaction
    db.session.add_all(Reaction(profile_id=me.id, post_id=p.id, emoji=e)
                       for p in posts for e in ("fire", "rocket"))
    db.session.flush()
    reported = _reports(posts)
    return me.clerk_id, {"report": f"/reports/new?kind=profile&id={reported}",
                         "reports": "/moderation/reports",
                         "event": f"/events/{event.slug}", "profile": f"/profiles/{me.username}",
                         "teammates": f"/events/{event.slug}/teammates",
                         "project": f"/projects/{mine.slug}", "tool": f"/tools/{tool.slug}",
                         "submission": f"/projects/{mine.slug}/submissions/{event.slug}",
                         "results": f"/events/{judged}/results",
                         "reviews": f"/projects/{mine.slug}/reviews",
                         "judging": f"/admin/events/{judged}/judging",
                         "feed": "/feed", "post": f"/posts/{posts[0].id}",
                         "updates": f"/projects/{mine.slug}/updates",
                         "activity": f"/profiles/{me.username}/activity",
                         "tool posts": f"/tools/{tool.slug}/posts"}


def _reports(posts):
    """A full queue: 50 reported targets, each with three reports carrying long details;
    returns a builder the admin may report."""
    from buildstory.reports.models import Report
    reporters = [ProfileFactory(display_name=f"Reporter Ångström {i}") for i in range(3)]
    targets = [("post", p.id) for p in posts] + [("profile", ProfileFactory().id)
                                                   for _ in range(30)]
    for kind, target_id in targets[:51]:
        db.session.add_all(Report(reporter_id=r.id, target_kind=kind, target_id=target_id,
                                  reason="spam", details="Posted the same link again. " * 17)
                           for r in reporters)
    db.session.flush()
    return targets[-1][1]


def _judged(mine, admin) -> str:
    """A judging event filled to full pages: 60 scored submissions (10 places shown, 50 in
    the progress list), 20 reviews of the admin's project, published results."""
    from buildstory.hackathon import results
    from tests.hackathon_factories import (EventJudgeFactory, HackathonReviewFactory,
                                           JudgeScoreFactory)
    event = EventFactory(status=EventStatus.judging, name="Judged Week", slug="judged-week")
    judges = [EventJudgeFactory(event=event) for _ in range(5)]
    own = EventSubmissionFactory(entry=EventProjectFactory(event=event, project=mine))
    subs = [own] + [EventSubmissionFactory(entry=EventProjectFactory(event=event))
                    for _ in range(59)]
    for i, sub in enumerate(subs):
        for judge in judges[:3]:
            JudgeScoreFactory(submission=sub, judge=judge, bump=True, creativity=1 + i % 5,
                              comment="A clear demo; the onboarding could be shorter. " * 4)
    for i in range(20):
        HackathonReviewFactory(submission=own, feedback="Loved the flow. " * 20, bump=True,
                               highlights={"design": "Calm screens " * 8,
                                           "impact": "Saves time " * 8})
    results.publish(db.session, admin, event, results.compute(db.session, event).fingerprint,
                    now=event.starts_at)
    return event.slug


@pytest.fixture
def setup(app, site):
    with app.app_context():
        identity, urls = world()
        db.session.commit()
        db.session.remove()
    return identity, urls


def first_visit(browser, url, cookies=None) -> dict:
    """Open ``url`` in a fresh context; return what was transferred, by resource type."""
    context = browser.new_context()
    if cookies:
        context.add_cookies(cookies)
    seen = []
    page = context.new_page()
    page.on("response", lambda r: seen.append(r))
    try:
        main = page.goto(url, wait_until="networkidle")
        assert main.status == 200, (url, main.status)
        found = []
        for r in seen:
            kind = r.request.resource_type
            if kind not in COUNTED or r.status != 200:
                continue
            body = r.body()
            found.append({"url": r.url, "kind": kind, "raw": len(body),
                          "gzip": len(gzip.compress(body, compresslevel=6)),
                          "headers": r.headers})
        return {"responses": found, "total": sum(f["gzip"] for f in found)}
    finally:
        context.close()


PUBLIC = ["/", "/sign-in", "/sign-up"]
BOTH = ["/events", "event", "/members", "profile", "/projects", "project", "/tools", "tool",
        "results", "feed", "post", "updates", "activity", "tool posts"]
SIGNED_IN = ["/dashboard", "/settings", "/invites", "/admin", "/admin/users",
             "/settings/notifications", "/admin/outbox", "/notifications", "submission",
             "reviews", "judging", "/settings/skills", "teammates", "report", "reports"]


def test_every_main_page_is_at_most_40_kb_on_a_first_visit(browser, site, app, setup):
    identity, urls = setup
    admin = session_cookies(app, identity, site)
    visits = [(p, None) for p in PUBLIC + BOTH] + [(p, admin) for p in BOTH + SIGNED_IN]
    report = {}
    for path, cookies in visits:
        url = site + urls.get(path, path)
        result = first_visit(browser, url, cookies)
        who = "admin" if cookies else "anonymous"
        report[f"{who} {urls.get(path, path)}"] = result["total"]
        kinds = {r["kind"] for r in result["responses"]}
        assert {"document", "script", "stylesheet"} <= kinds, (url, kinds)
        scripts = {r["url"].split("?")[0].rsplit("/", 1)[-1]
                   for r in result["responses"] if r["kind"] == "script"}
        assert scripts == SCRIPTS, (url, scripts)
        for r in result["responses"]:
            if r["kind"] in ("script", "stylesheet"):
                assert "?v=" in r["url"], r["url"]  # versioned by content hash
                assert r["headers"].get("cache-control") == IMMUTABLE, r
                assert r["headers"].get("content-encoding") == "gzip", r
                if r["url"].split("?")[0].endswith("/app.js"):
                    assert r["raw"] <= APP_JS_LIMIT, r
            if r["kind"] == "document":
                assert r["headers"].get("content-encoding") == "gzip", r
        assert result["total"] <= LIMIT, (url, result["total"], [
            (r["url"], r["gzip"]) for r in result["responses"]])
    print("\nfirst-visit weight (gzip -6, HTML + JS + CSS):")
    for name, total in report.items():
        print(f"  {total / 1024:5.1f} KB  {name}")
