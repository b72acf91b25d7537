"""The tool page in a real browser: a moderator hides, renames and merges a tool by keyboard
(Hide and Merge ask first, naming the tool; dismissing sends nothing), and **More
submissions** loads the next page in place with focus on its first new card."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import EventStatus
from tests.browser.a11y import session_cookies
from tests.browser.test_destructive_buttons import walk
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory, ProjectFactory,
                             utcnow)
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory


def world(app):
    with app.app_context():
        mod = AccountFactory(profile__moderator=True)
        tool = AiToolFactory(name="Windsurfer", slug="windsurfer")
        AiToolFactory(name="Windsurf", slug="windsurf")
        event = EventFactory(status=EventStatus.active)
        now = utcnow()
        for i in range(26):
            entry = EventProjectFactory(event=event, project=ProjectFactory(name=f"Sail {i:02}"))
            EventSubmissionFactory(entry=entry, tools=[tool], submitted_at=now - timedelta(minutes=i))
        db.session.commit()
        identity = mod.id
        db.session.remove()
    return identity


def test_more_submissions_loads_in_place_with_focus(browser, site, app):
    world(app)
    page = browser.new_page()
    page.goto(site + "/tools/windsurfer")
    cards = page.locator("#tool-submissions > li.card")
    expect(cards).to_have_count(24)
    page.get_by_role("link", name="More submissions").focus()
    page.keyboard.press("Enter")
    expect(cards).to_have_count(26)
    expect(page.get_by_role("link", name="More submissions")).to_have_count(0)
    expect(cards.nth(24)).to_be_focused()
    expect(page).to_have_url(re.compile(r"/tools/windsurfer$"))


def test_moderator_hides_renames_and_merges_by_keyboard(browser, site, app):
    identity = world(app)
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    page.goto(site + "/tools/windsurfer")

    def press(name):
        def go(p):
            p.get_by_role("button", name=name, exact=True).focus()
            p.keyboard.press("Enter")
        return go

    walk(page, None, press("Hide tool"), ["Windsurfer"],
         lambda p: expect(p.locator("#tool-moderation")).to_contain_text("Windsurfer is hidden."))
    expect(page.locator("#tool-head .badges")).to_have_text("Hidden")
    press("Unhide tool")(page)
    expect(page.locator("#tool-moderation")).to_contain_text("Windsurfer is visible again.")
    expect(page.locator("#tool-head .badges")).to_have_text("")

    page.get_by_label("Name").fill("Windsurf IDE")
    page.get_by_label("Category").select_option("coding")
    press("Save tool")(page)
    expect(page.locator("#tool-moderation")).to_contain_text("Tool saved.")
    expect(page.locator("h1")).to_have_text("Windsurf IDE")

    page.get_by_label("Merge into").fill("windsurf")
    walk(page, None, press("Merge tool"), ["Windsurf IDE"],
         lambda p: expect(p).to_have_url(re.compile(r"/tools/windsurf$")))
    expect(page.locator("h1")).to_have_text("Windsurf")
    expect(page.locator(".lede")).to_contain_text("used in 26 submissions")
    context.close()


def test_tool_pages_never_scroll_sideways_at_320px(browser, site, app):
    identity = world(app)
    for cookies in (None, session_cookies(app, identity, site)):
        context = browser.new_context(viewport={"width": 320, "height": 700})
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        for path in ("/tools", "/tools?category=coding", "/tools/windsurfer"):
            page.goto(site + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        context.close()
