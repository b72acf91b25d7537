"""The showcase and the submission page in Chromium: axe, first-visit weight, the htmx
search (one request after typing stops), More submissions appending, the same without
JavaScript, and the XSS corpus through every submission text a card or page shows."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import EventStatus
from buildstory.hackathon.showcase import normalise_search
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.test_page_weight import LIMIT, first_visit
from tests.browser.test_xss_corpus import FIND_INJECTED, watched  # noqa: F401 (fixture)
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, utcnow)
from tests.hackathon_factories import (AiToolFactory, EventSubmissionFactory,
                                       HackathonReviewFactory)
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK


def add(event, name, what, *, owner=None, at=None, tools=(), lesson=None):
    project = ProjectFactory(name=name, owner=owner or ProfileFactory())
    sub = EventSubmissionFactory(
        entry=EventProjectFactory(event=event, project=project), what_built=what,
        search_text=normalise_search(f"{name} {what}"), tools=list(tools),
        submitted_at=at or utcnow(), lesson_learned=lesson,
        video_url="https://video.example/watch")
    return project, sub


def make(app, n=30):
    """An active event with ``n`` full cards (team, tools, reviews); returns the event
    slug, the first project's slug and its owner's identity."""
    with app.app_context():
        event = EventFactory(status=EventStatus.active, slug="show-jam", name="Show Jam")
        tools = [AiToolFactory(name=f"Tool {i}") for i in range(7)]
        owner = ProfileFactory(display_name="Ada Owner")
        start = utcnow() - timedelta(days=1)
        first = None
        for i in range(n):
            kind = "robot" if i % 3 == 0 else "garden"
            project, sub = add(event, f"Project {i:02d}", f"A {kind} that ships things, take {i}",
                               owner=owner if i == n - 1 else None,
                               at=start + timedelta(minutes=i), tools=tools, lesson="Ship small")
            for _ in range(3):
                ProjectMemberFactory(project=project)
            HackathonReviewFactory(submission=sub, highlights={"creativity": "a", "design": "b"})
            first = first or project
        db.session.commit()
        keys = (event.slug, project.slug, owner.clerk_id)
        db.session.remove()
    return keys


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_showcase_and_submission_page_are_accessible(browser, site, app, scheme):
    slug, project, owner = make(app, n=5)
    cookies = session_cookies(app, owner, site)
    for path in (f"/events/{slug}/showcase", f"/events/{slug}/showcase/{project}"):
        assert serious_violations(browser, site + path, color_scheme=scheme) == [], path
        assert serious_violations(browser, site + path, cookies=cookies,
                                  color_scheme=scheme) == [], path


def test_showcase_and_submission_page_weigh_at_most_40_kb(browser, site, app):
    slug, project, owner = make(app, n=30)
    cookies = session_cookies(app, owner, site)
    report = {}
    for path in (f"/events/{slug}/showcase", f"/events/{slug}/showcase/{project}"):
        for who, c in (("anonymous", None), ("team", cookies)):
            total = first_visit(browser, site + path, c)["total"]
            report[f"{who} {path}"] = total
            assert total <= LIMIT, (path, who, total)
    print("\nfirst-visit weight (gzip -6):", {k: f"{v / 1024:.1f} KB" for k, v in report.items()})


def test_search_fires_once_after_typing_and_more_submissions_appends(page, site, app):
    slug, _, _ = make(app, n=30)
    searches = []
    page.on("request", lambda r: searches.append(r.url) if "/showcase?" in r.url and "q=" in r.url
            else None)
    page.goto(f"{site}/events/{slug}/showcase")
    grid = page.locator("#showcase-results .submission-card")
    expect(grid).to_have_count(24)
    page.evaluate("window.__samePage = true")

    page.get_by_role("link", name="More submissions").click()
    expect(grid).to_have_count(30)
    expect(page.locator("#showcase-results .submission-card").nth(24)).to_be_focused()
    expect(page.get_by_role("link", name="More submissions")).to_have_count(0)

    field = page.get_by_label("Search submissions")
    field.click()
    with page.expect_response(lambda r: "q=robot" in r.url):
        page.keyboard.type("robot", delay=60)  # keys far quicker than the 400 ms quiet
    expect(grid).to_have_count(10)
    assert len(searches) == 1 and "q=robot" in searches[0], searches
    expect(page).to_have_url(re.compile(r"/events/show-jam/showcase\?q=robot"))
    expect(field).to_be_focused()
    assert page.evaluate("window.__samePage") is True

    with page.expect_response(lambda r: "sort=highlighted" in r.url):
        page.get_by_label("Sort").select_option("highlighted")
    expect(page).to_have_url(re.compile(r"sort=highlighted"))
    page.keyboard.press("Tab")


def test_showcase_works_without_javascript(browser, site, app):
    slug, _, _ = make(app, n=30)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/events/{slug}/showcase")
        cards = page.locator(".submission-card")
        expect(cards).to_have_count(24)
        page.get_by_role("link", name="More submissions").click()
        expect(page).to_have_url(re.compile(r"after="))
        expect(cards).to_have_count(6)
        page.goto(f"{site}/events/{slug}/showcase")
        page.get_by_label("Search submissions").fill("GARDEN")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"q=GARDEN"))
        expect(cards).to_have_count(20)
    finally:
        context.close()


def test_the_xss_corpus_never_runs_on_the_showcase_or_submission_pages(watched, site, app):  # noqa: F811
    with app.app_context():
        event = EventFactory(status=EventStatus.active, slug="xss-jam", name=PAYLOADS[0][:100])
        slugs = []
        for i, payload in enumerate(PAYLOADS):
            tool = AiToolFactory(name=payload[:60], name_key=f"xss{i}", slug=f"xss-{i}")
            owner = ProfileFactory(display_name=payload[:100])
            project, _ = add(event, payload[:100], payload[:280], owner=owner, tools=[tool],
                             lesson=payload[:280])
            ProjectMemberFactory(project=project, profile=ProfileFactory(display_name=payload[:100]))
            slugs.append(project.slug)
        db.session.commit()
        db.session.remove()
    page = watched()
    paths = ["/events/xss-jam/showcase", "/events/xss-jam"] + \
        [f"/events/xss-jam/showcase/{s}" for s in slugs]
    problems = []
    for path in paths:
        response = page.goto(site + path, wait_until="load")
        assert response.status == 200, (path, response.status)
        problems += [f"{path}: {p}" for p in page.evaluate(FIND_INJECTED, TEMPLATE_MARK)]
        problems += [f"{path}: {a}" for a in page.alarms]
        page.alarms.clear()
    more = page.goto(site + "/events/xss-jam/showcase")
    assert more.status == 200
    assert not problems, "\n".join(problems[:30])
