"""Creating a project in a real browser, by keyboard: the URL suggested from the name, checked live."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from buildstory.db import db
from buildstory.models import Project
from tests.browser.waits import htmx_answer
from tests.conftest import TEST_PASSWORD
from tests.factories import AccountFactory, ProjectFactory


def sign_in(page, site, app, next_path):
    with app.app_context():
        AccountFactory(email="maker@example.com", profile__username="maker",
                       profile__display_name="Mae Maker")
        ProjectFactory(slug="voice-diary", name="Someone else's Voice Diary")
        db.session.commit()
    page.goto(site + "/sign-in?next=" + next_path)
    page.get_by_label("Email").fill("maker@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")


def tab_to(page, element_id, limit=30):
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_create_a_project_by_keyboard_with_the_suggested_url(page, site, app):
    sign_in(page, site, app, "/projects/new")
    # Wait until the form page (and htmx) has fully loaded before tabbing into it.
    expect(page.get_by_role("button", name="Create project")).to_be_visible()
    page.wait_for_load_state("load")
    checks = []
    page.on("request", lambda r: "/project-slug-check" in r.url and checks.append(r.url))
    slug, status = page.locator("#slug"), page.locator("#slug-status")

    tab_to(page, "name")
    page.keyboard.type("Voice Diary", delay=30)
    # Suggested from the name; voice-diary is taken, so the first free variant.
    expect(slug).to_have_value("voice-diary-2")
    expect(status).to_have_attribute("data-status", "available")  # ...and checked at once
    expect(status).to_contain_text("Available ✓")
    assert len(checks) == 1 and "name=Voice%20Diary&slug=&" in checks[0]
    assert page.evaluate("document.activeElement.id") == "name"  # the swap kept focus

    page.keyboard.type(" Two", delay=30)
    expect(slug).to_have_value("voice-diary-two")
    expect(status).to_have_attribute("data-status", "available")
    expect(status).to_have_text("Available ✓")

    # A URL the builder types is theirs: the live check answers, suggestions stop.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "slug"
    page.keyboard.press("Control+A")
    page.keyboard.type("Bad URL", delay=20)
    expect(status).to_have_attribute("data-status", "invalid")
    expect(status).to_contain_text("Invalid ✗")
    page.keyboard.press("Control+A")
    page.keyboard.type("my-voice-diary", delay=20)
    expect(status).to_have_attribute("data-status", "available")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("End")  # tabbing into a field selects its text
    with htmx_answer(page) as answer:
        page.keyboard.type("!", delay=20)
    assert answer.status == 204  # the suggestion was asked for and left the field alone
    expect(slug).to_have_value("my-voice-diary")

    tab_to(page, "description")
    page.keyboard.type("Talk to your phone, get a **tidy** journal entry.")
    page.keyboard.press("Tab")  # Starting point
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Ten daily users")
    page.keyboard.press("Tab")
    page.keyboard.type("https://github.com/maker/voice-diary")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Live URL left empty
    assert page.evaluate("document.activeElement.textContent") == "Create project"
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/projects/my-voice-diary$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Voice Diary Two!")
    expect(page.locator(".prose strong")).to_have_text("tidy")
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.slug == "my-voice-diary"))
        assert project.starting_point == "new" and project.goal_text == "Ten daily users"
        assert project.github_url == "https://github.com/maker/voice-diary"
        db.session.remove()
