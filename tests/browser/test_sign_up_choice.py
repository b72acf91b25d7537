"""Signing up in a real browser: asked first, the builder skips the event, sets up the
profile through the named steps, and lands on the dashboard unregistered."""
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.events.models import EventRegistration
from tests.browser.a11y import serious_violations
from tests.factories import EventFactory


def test_sign_up_then_skip_the_event_and_set_up_the_profile(page, browser, site, app):
    with app.app_context():
        EventFactory(open=True, featured=True, name="Agents Jam", slug="agents-jam")
        db.session.commit()
        db.session.remove()
    page.goto(site + "/sign-up")
    page.get_by_label("Username").fill("skipper")
    page.get_by_label("Email").fill("skipper@example.com")
    page.get_by_label("Password").fill("long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/onboarding\?step=start$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Buildstory")
    expect(page.get_by_role("button", name="Join Agents Jam")).to_be_visible()
    for scheme in ("light", "dark"):
        assert serious_violations(browser, page.url, cookies=page.context.cookies(),
                                  color_scheme=scheme) == []
    page.get_by_role("button", name="Skip — set up my profile").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about you")
    expect(page).to_have_url(re.compile(r"/onboarding\?path=profile$"))
    steps = page.get_by_role("list", name="Steps")
    expect(steps.get_by_role("listitem")).to_have_text(["About you", "Experience"])
    expect(steps.locator("[aria-current=step]")).to_have_text("About you")
    page.get_by_label("Display name").fill("Skip Per")
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your experience")
    expect(steps.locator("[aria-current=step]")).to_have_text("Experience")
    page.locator("#experience_level").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventRegistration)) == 0
        db.session.remove()
