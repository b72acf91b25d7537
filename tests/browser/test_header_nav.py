"""The site header on phones and desktops: the nav folds into a Menu popover at 720px and
below (a real button with its expanded state, Escape closes it, no JavaScript needed), the
invite count stays visible beside it with an accessible name, the current page is marked
everywhere, and no page scrolls sideways at 320px."""
import pytest
from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import AXE, RUN, session_cookies
from tests.factories import AccountFactory, EventFactory, TeamInviteFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}


@pytest.fixture
def admin(app, site):
    """An admin (so the nav is at its longest) with two pending invites; returns cookies."""
    with app.app_context():
        me = AccountFactory(profile__display_name="Amara Okafor", profile__role="admin")
        TeamInviteFactory(recipient=me.profile)
        TeamInviteFactory(recipient=me.profile)
        EventFactory(active=True, featured=True, name="Winter Agents Jam", slug="winter")
        identity = me.id
        db.session.commit()
        db.session.remove()
    return session_cookies(app, identity, site)


def open_page(browser, site, path, viewport, cookies=None, **options):
    context = browser.new_context(viewport=viewport, **options)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.goto(site + path)
    return context, page


def nav_links_inside_viewport(page, width, height):
    boxes = [link.bounding_box() for link in page.locator("#main-nav a").all()]
    assert boxes and all(b is not None for b in boxes), "a nav link is not rendered"
    return all(b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width
               and b["y"] + b["height"] <= height for b in boxes), boxes


def test_phone_menu_opens_every_link_inside_the_viewport_and_escape_closes_it(browser, site, admin):
    context, page = open_page(browser, site, "/dashboard", PHONE, admin)
    try:
        menu = page.get_by_role("button", name="Menu")
        nav = page.locator("#main-nav")
        expect(nav).to_be_hidden()
        expect(menu).to_have_attribute("aria-expanded", "false")
        # The invite count shows on the collapsed header, named for screen readers.
        invites = page.get_by_role("link", name="Invites, 2 pending")
        expect(invites).to_be_visible()
        expect(page.locator("#invite-count")).to_have_text("2")
        menu.click()
        expect(nav).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "true")
        for name in ("Dashboard", "Events", "Projects", "Members", "Streams", "Admin"):
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        inside, boxes = nav_links_inside_viewport(page, PHONE["width"], PHONE["height"])
        assert inside, boxes
        expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(menu).to_have_attribute("aria-expanded", "false")
    finally:
        context.close()


def test_phone_menu_is_axe_clean_when_open(browser, site, admin):
    context, page = open_page(browser, site, "/events", PHONE, admin, bypass_csp=True)
    try:
        page.get_by_role("button", name="Menu").click()
        expect(page.locator("#main-nav")).to_be_visible()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN) == []
    finally:
        context.close()


def test_phone_menu_works_without_javascript(browser, site, admin):
    context, page = open_page(browser, site, "/events", PHONE, admin, java_script_enabled=False)
    try:
        page.get_by_role("button", name="Menu").click()
        nav = page.locator("#main-nav")
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="Events")).to_have_attribute("aria-current", "page")
        inside, boxes = nav_links_inside_viewport(page, PHONE["width"], PHONE["height"])
        assert inside, boxes
    finally:
        context.close()


def test_desktop_shows_the_nav_inline_without_a_menu_button(browser, site, admin):
    context, page = open_page(browser, site, "/dashboard", DESKTOP, admin)
    try:
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        nav = page.locator("#main-nav")
        for name in ("Dashboard", "Events", "Projects", "Members", "Streams", "Admin"):
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="Invites, 2 pending")).to_be_visible()
        inside, boxes = nav_links_inside_viewport(page, DESKTOP["width"], 80)
        assert inside, boxes
    finally:
        context.close()


def test_signed_out_phone_header_fits_and_names_the_brand(browser, site):
    context, page = open_page(browser, site, "/", PHONE)
    try:
        expect(page.get_by_role("link", name="Buildstory home")).to_be_visible()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.get_by_role("link", name="Sign up")).to_be_visible()
        page.get_by_role("button", name="Menu").click()
        inside, boxes = nav_links_inside_viewport(page, PHONE["width"], PHONE["height"])
        assert inside, boxes
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/events", "/events/winter", "/dashboard", "/settings",
                                  "/settings/account", "/invites", "/members", "/streams",
                                  "/no-such-page"])
def test_no_page_scrolls_sideways_at_320px(browser, site, admin, path):
    context, page = open_page(browser, site, path, NARROW, admin)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") == \
            page.evaluate("window.innerWidth")
    finally:
        context.close()


def test_settings_pages_share_a_sub_navigation(browser, site, admin):
    context, page = open_page(browser, site, "/settings", PHONE, admin)
    try:
        sub = page.get_by_role("navigation", name="Settings")
        expect(sub.get_by_role("link", name="Profile")).to_have_attribute("aria-current", "page")
        sub.get_by_role("link", name="Account").click()
        expect(page).to_have_url(site + "/settings/account")
        sub = page.get_by_role("navigation", name="Settings")
        expect(sub.get_by_role("link", name="Account")).to_have_attribute("aria-current", "page")
        expect(sub.get_by_role("link", name="Profile")).not_to_have_attribute("aria-current", "page")
    finally:
        context.close()
