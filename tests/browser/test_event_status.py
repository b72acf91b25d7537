"""Event status said once and honestly, at 390px and 1280px: /events grouped as Happening
now / In judging / Upcoming / Past; an event page shows one status badge after its heading,
dates and calls to action that fit the status, and on a phone the main action is visible
without scrolling."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from buildstory.db import db
from buildstory.events.views import utcnow
from tests.browser.a11y import AXE, RUN, session_cookies
from tests.factories import AccountFactory, EventFactory

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def events(app, site):
    with app.app_context():
        now = utcnow()
        EventFactory(active=True, name="Winter Agents Jam", slug="winter",
                     registration_opens_at=now - timedelta(days=30))
        EventFactory(judging=True, name="Voice AI Weekend", slug="voice",
                     registration_opens_at=now - timedelta(days=40))
        EventFactory(open=True, name="Spring Build Sprint", slug="spring",
                     registration_opens_at=now - timedelta(days=1))
        EventFactory(complete=True, name="Autumn Shipathon", slug="autumn")
        builder = AccountFactory(profile__display_name="Amara Okafor").id
        db.session.commit()
        db.session.remove()
    return session_cookies(app, builder, site)


def open_page(browser, site, path, viewport, cookies=None):
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.goto(site + path)
    return context, page


def axe_clean(page):
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN) == []


def in_first_screen(page, locator, viewport):
    box = locator.bounding_box()
    assert box is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORTS[viewport]["height"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_events_are_grouped_happening_now_in_judging_upcoming_past(browser, site, events,
                                                                      viewport):
    context, page = open_page(browser, site, "/events", viewport)
    try:
        headings = page.locator("main h2").all_inner_texts()
        assert headings == ["Happening now", "In judging", "Upcoming", "Past"]
        for group, name, label in (("Happening now", "Winter Agents Jam", "Live"),
                                   ("In judging", "Voice AI Weekend", "Judging"),
                                   ("Upcoming", "Spring Build Sprint", "Upcoming"),
                                   ("Past", "Autumn Shipathon", "Past")):
            section = page.locator("section.event-group", has=page.get_by_role(
                "heading", name=group, exact=True))
            card = section.locator(".event-card", has_text=name)
            expect(card).to_have_count(1)
            expect(card.locator(".badge[data-status]")).to_have_text(label)
        axe_clean(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_an_event_in_judging_says_so_once_and_offers_nothing_past_its_time(browser, site, events,
                                                                           viewport):
    context, page = open_page(browser, site, "/events/voice", viewport)
    try:
        main = page.locator("main")
        expect(main.locator(".badge[data-status]")).to_have_count(1)
        expect(main.locator(".title-row .badge[data-status]")).to_have_text("Judging")
        expect(main.get_by_text("Status", exact=True)).to_have_count(0)
        expect(main.get_by_text("Ended")).to_have_count(0)
        expect(main.get_by_role("timer")).to_have_count(0)
        expect(main.get_by_text("Add to calendar")).to_have_count(0)
        expect(main.get_by_text("Registration opens")).to_have_count(0)
        see = page.get_by_role("link", name="See the projects")
        expect(see).to_be_visible()
        assert in_first_screen(page, see, viewport)
        axe_clean(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_live_event_counts_down_to_its_end_without_stale_registration_dates(browser, site,
                                                                              events, viewport):
    context, page = open_page(browser, site, "/events/winter", viewport)
    try:
        main = page.locator("main")
        expect(main.locator(".title-row .badge[data-status]")).to_have_text("Live")
        expect(main.get_by_role("timer")).to_have_text(
            re.compile(r"^Ends in (\d+d )?\d+h \d+m \d+s$"))
        expect(main.get_by_text("Registration opens")).to_have_count(0)
        expect(main.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("signed_in,action", [(False, "Sign in to register"), (True, "Register")])
def test_the_main_action_is_visible_without_scrolling(browser, site, events, viewport,
                                                      signed_in, action):
    context, page = open_page(browser, site, "/events/spring", viewport,
                              events if signed_in else None)
    try:
        role = "button" if signed_in else "link"
        target = page.get_by_role(role, name=action, exact=True)
        expect(target).to_be_visible()
        assert in_first_screen(page, target, viewport), target.bounding_box()
        expect(page.locator("main .badge[data-status]")).to_have_count(1)
        axe_clean(page)
    finally:
        context.close()
