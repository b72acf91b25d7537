"""Onboarding in a real browser: by keyboard alone with htmx swaps (focus on each new
step's heading), again with JavaScript off through plain form posts, and axe checks."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from buildstory.db import db
from buildstory.events.models import Event, EventRegistration
from buildstory.projects.models import EventProject, Project
from tests.browser.a11y import serious_violations, session_cookies
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory)


def featured_event(app):
    with app.app_context():
        EventFactory(open=True, featured=True, name="Agents Jam", slug="agents-jam")
        db.session.commit()


def builder_cookies(app, site, **kw):
    """A committed builder fresh from sign-up (or as ``kw`` says) and cookies signing them in."""
    with app.app_context():
        profile = ProfileFactory(country=None, region=None, experience_level=None, **kw)
        db.session.commit()
        identity, profile_id = profile.clerk_id, profile.id
    return session_cookies(app, identity, site), profile_id


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element with ``element_id`` has focus."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (at {focused(page)})")


def tab_to_button(page, name: str, limit: int = 20) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement.tagName === 'BUTTON' && "
                         "document.activeElement.textContent.trim()") == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the {name} button")


def expect_step(page, heading: str, step_text: str | None = None) -> None:
    """The new step is in place, its heading has focus, and the page was not reloaded."""
    expect(page.locator("#onboarding-heading")).to_have_text(heading)
    # Not wait_for_function: its string predicate, once it has to poll, is evaluated with
    # eval, which the page's CSP refuses. Playwright's assertion retries without eval.
    expect(page.locator("#onboarding-heading")).to_be_focused(timeout=5000)
    if step_text:
        expect(page.locator("#onboarding-count")).to_have_text(step_text)
    assert page.evaluate("window.__samePage") is True


def continue_(page) -> None:
    tab_to_button(page, "Continue")
    page.keyboard.press("Enter")


def test_onboarding_by_keyboard_with_htmx_swaps(page, site, app):
    featured_event(app)
    page.goto(site + "/sign-up")
    tab_to(page, "username")
    page.keyboard.type("kbd-builder")
    tab_to(page, "email")
    page.keyboard.type("kbd@example.com")
    tab_to(page, "password")
    page.keyboard.type("long enough password")
    page.keyboard.press("Enter")
    # Asked first: join the event, or only set up the profile.
    expect(page).to_have_url(re.compile(r"/onboarding\?step=start$"))
    page.wait_for_load_state("load")
    tab_to_button(page, "Join Agents Jam")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/onboarding$"))
    page.evaluate("window.__samePage = true")
    swaps = []
    page.on("request", lambda r: r.url.endswith("/onboarding") and r.method == "POST"
            and swaps.append(r.headers.get("hx-request")))

    # 1. Identity: the region list follows the country, typed into the closed select.
    expect(page.locator("#onboarding-count")).to_have_text("Step 1 of 8")
    expect(page.locator("progress")).to_have_attribute("aria-label", "Onboarding progress")
    tab_to(page, "display_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Ada Lovelace")
    tab_to(page, "country")
    page.keyboard.type("Germany")
    expect(page.locator("#region option", has_text="Berlin")).to_have_count(1)
    tab_to(page, "region")
    page.keyboard.type("Berlin")
    expect(page.locator("#region")).to_have_value("DE-BE")
    continue_(page)

    # 2. Experience (radios: arrow keys move the choice).
    expect_step(page, "Your experience", "Step 2 of 8")
    tab_to(page, "experience_level")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#experience_level-built_a_few")).to_be_checked()
    continue_(page)

    # 3. Team preference: this registers.
    expect_step(page, "Teaming up", "Step 3 of 8")
    tab_to(page, "team_preference")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#team_preference-looking_for_team")).to_be_checked()
    continue_(page)

    # 4. Commitment, then Back to the team step (its answer kept) and forward again.
    expect_step(page, "Your commitment", "Step 4 of 8")
    tab_to_button(page, "Back")
    page.keyboard.press("Enter")
    expect_step(page, "Teaming up", "Step 3 of 8")
    expect(page.locator("#team_preference-looking_for_team")).to_be_checked()
    continue_(page)
    expect_step(page, "Your commitment")
    tab_to(page, "commitment_level")
    page.keyboard.press("Space")
    expect(page.locator("#commitment_level")).to_be_checked()
    continue_(page)

    # 5. "Do you know what you're going to build?" → Yes.
    expect_step(page, "Your project", "Step 5 of 8")
    tab_to(page, "plan")
    page.keyboard.press("Space")
    continue_(page)

    # 6. Project basics: the URL is suggested and checked live; typing keeps its focus.
    expect_step(page, "Project basics", "Step 6 of 8")
    tab_to(page, "name")
    page.keyboard.type("Pocket Analyst", delay=20)
    expect(page.locator("#slug")).to_have_value("pocket-analyst")
    expect(page.locator("#slug-status")).to_have_attribute("data-status", "available")
    assert focused(page) == "name"
    tab_to(page, "description")
    page.keyboard.type("An AI that reads spreadsheets for you.")
    continue_(page)

    # 7. Starting point, 8. goal, then done.
    expect_step(page, "Where you're starting from", "Step 7 of 8")
    tab_to(page, "starting_point")
    page.keyboard.press("Space")
    continue_(page)
    expect_step(page, "Your goal", "Step 8 of 8")
    tab_to(page, "goal_text")
    page.keyboard.type("Answer three questions about any sheet.")
    continue_(page)
    expect_step(page, "You're in!", "All 8 steps done")
    expect(page).to_have_url(re.compile(r"/onboarding\?step=done$"))
    expect(page.locator("#share-text")).to_contain_text(site + "/events/agents-jam")
    expect(page.get_by_role("link", name=re.compile(r"calendar \(\.ics\)"))).to_have_attribute(
        "href", "/events/agents-jam.ics")
    assert swaps and all(h == "true" for h in swaps)  # every step was an htmx swap

    with app.app_context():
        reg = db.session.scalar(select(EventRegistration))
        project = db.session.scalar(select(Project).where(Project.slug == "pocket-analyst"))
        assert reg.team_preference == "looking_for_team" and reg.commitment_level == "all_in"
        assert reg.onboarding_completed_at is not None
        assert project.starting_point == "new" and project.goal_text
        assert db.session.scalar(select(EventProject).where(EventProject.project_id == project.id))
        db.session.remove()
    page.goto(site + "/onboarding")
    expect(page).to_have_url(re.compile(r"/dashboard$"))


@pytest.fixture
def no_js(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context
    context.close()


def test_onboarding_without_javascript_by_plain_form_posts(no_js, site, app):
    featured_event(app)
    cookies, profile_id = builder_cookies(app, site)
    no_js.add_cookies(cookies)
    page = no_js.new_page()
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.headers.get("hx-request")))
    page.goto(site + "/onboarding")
    expect(page.locator("#onboarding-count")).to_have_text("Step 1 of 8")

    def next_step(heading, url=r"/onboarding$"):
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(url))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    # A 422 first: the country is required; the name typed is kept.
    page.get_by_label("Display name").fill("Grace Hopper")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#country-error")).to_have_text("Country is required")
    expect(page.get_by_label("Display name")).to_have_value("Grace Hopper")
    # Without JavaScript the region list arrives after choosing the country.
    page.get_by_label("Country").select_option("DE")
    next_step("Tell us about you", r"/onboarding\?step=identity&region=1$")
    page.get_by_label("Region").select_option(label="Berlin")
    next_step("Your experience")
    page.get_by_label("Ships constantly").check()
    next_step("Teaming up")
    page.get_by_label("Solo").check()
    next_step("Your commitment")
    page.get_by_role("button", name="Back").click()
    expect(page).to_have_url(re.compile(r"/onboarding\?step=team$"))
    expect(page.get_by_label("Solo")).to_be_checked()
    next_step("Your commitment")
    page.get_by_label("Daily").check()
    next_step("Your project")
    page.get_by_label("Yes").check()
    next_step("Project basics", r"/onboarding\?step=project$")
    page.get_by_label("Name").fill("No Script Needed")  # the URL is suggested on the server
    page.get_by_label("Description").fill("Works in every browser.")
    next_step("Where you're starting from")
    page.get_by_label("Continuing an existing project").check()
    next_step("Your goal")
    page.get_by_role("textbox", name="Goal").fill("Ship it.")
    next_step("You're in!", r"/onboarding\?step=done$")
    assert posts and all(h is None for h in posts)  # plain posts, never htmx
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.profile_id == profile_id))
        assert project.slug == "no-script-needed"
        db.session.remove()
    page.goto(site + "/onboarding")
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_onboarding_steps_pass_axe(browser, site, app):
    featured_event(app)
    fresh, _ = builder_cookies(app, site)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "agents-jam"))
        registered = ProfileFactory(region=None)
        EventRegistrationFactory(event=event, profile=registered, commitment_level=None)
        done = ProfileFactory()
        project = ProjectFactory(owner=done)
        EventRegistrationFactory(event=event, profile=done,
                                 onboarding_completed_at=event.created_at)
        EventProjectFactory(event=event, project=project, entered_by=done.id)
        db.session.commit()
        ids = registered.clerk_id, done.clerk_id
    pages = [(fresh, "/onboarding"),
             (session_cookies(app, ids[0], site), "/onboarding"),  # a radio step
             (session_cookies(app, ids[1], site), "/onboarding?step=done")]
    for cookies, path in pages:
        assert serious_violations(browser, site + path, cookies=cookies) == [], path
