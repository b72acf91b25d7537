"""Event pages in a real browser: the ticking countdown, keyboard registration, axe."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.events.models import EventRegistration
from tests.browser.a11y import serious_violations, session_cookies
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory)


def make(app, **event):
    """Commit an event (plus a registrant and an entry) and a builder; return their keys."""
    with app.app_context():
        ev = EventFactory(**event)
        EventProjectFactory(event=ev, project__name="Inbox Zero Agent")
        EventRegistrationFactory(event=ev)
        builder = ProfileFactory(username="keyboarder", display_name="Kay Board")
        db.session.commit()
        return ev.slug, builder.clerk_id


def registrations(app):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(EventRegistration))
        db.session.remove()
        return count


def test_countdown_ticks_and_turns_live_without_a_reload(page, site, app):
    now = datetime.now(UTC)
    slug, _ = make(app, status="open", starts_at=now + timedelta(seconds=4),
                   ends_at=now + timedelta(hours=2))
    page.goto(f"{site}/events/{slug}")
    page.evaluate("window.__samePage = true")
    countdown = page.locator("#event-countdown")
    expect(countdown).to_have_text(re.compile(r"^Starts in \d+s$"))
    first = countdown.text_content()
    expect(countdown).not_to_have_text(first, timeout=3000)
    expect(countdown).to_have_text(re.compile(r"^Ends in 1h 59m \d+s$"), timeout=8000)
    expect(countdown).to_have_class(re.compile("countdown--live"))
    assert page.evaluate("window.__samePage") is True
    # Dates were rendered in UTC by the server and turned into the viewer's local time.
    start = page.locator(".event-dates time").first
    expect(start).not_to_have_text(re.compile("UTC$"))


def test_register_and_withdraw_by_keyboard_from_the_event_page(page, site, app):
    slug, identity = make(app, status="active")
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(f"{site}/events/{slug}")
    page.evaluate("window.__samePage = true")
    expect(page.locator("#event-counts")).to_contain_text("Participants1")
    for _ in range(40):
        if page.evaluate("document.activeElement.id") == "team_preference":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "team_preference"
    page.keyboard.press("ArrowDown")  # Solo
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "commitment_level"
    page.keyboard.press("ArrowDown")  # All-in
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Register")
    page.keyboard.press("Enter")

    panel = page.locator("#registration")
    expect(panel).to_contain_text("See you there!")
    expect(panel.get_by_role("button", name="Update registration")).to_be_visible()
    expect(page.locator("#event-counts")).to_contain_text("Participants2")
    expect(page.locator(":focus")).to_contain_text("See you there!")  # focus stays in the panel
    assert registrations(app) == 2

    page.on("dialog", lambda dialog: dialog.accept())
    for _ in range(10):
        if page.evaluate("document.activeElement.name") == "confirm":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Withdraw")
    page.keyboard.press("Enter")
    expect(panel).to_contain_text("You have withdrawn from this event")
    expect(panel.get_by_role("button", name="Register")).to_be_visible()
    expect(page.locator("#event-counts")).to_contain_text("Participants1")
    assert page.evaluate("window.__samePage") is True
    assert registrations(app) == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_event_pages_are_accessible(browser, site, app, scheme):
    slug, _ = make(app, status="active", featured=True)
    with app.app_context():
        admin = ProfileFactory(admin=True)
        db.session.commit()
        admin_id = admin.clerk_id
    for path in ("/events", f"/events/{slug}"):
        assert serious_violations(browser, site + path, color_scheme=scheme) == [], path
    cookies = session_cookies(app, admin_id, site)
    for path in (f"/events/{slug}", "/admin/events", f"/admin/events/{slug}"):
        assert serious_violations(browser, site + path, cookies=cookies,
                                  color_scheme=scheme) == [], path
