"""The settings page in a real browser: the region picker, the username check, the keyboard."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from buildstory.db import db
from buildstory.profiles.models import Profile
from tests.browser.a11y import serious_violations, session_cookies
from tests.conftest import TEST_PASSWORD
from tests.factories import AccountFactory, ProfileFactory


def signed_in(page, site, app, **profile):
    """Create a builder (committed) and sign in through the real page; return its id."""
    with app.app_context():
        account = AccountFactory(email="me@example.com", profile__username="ada",
                                 profile__display_name="Ada Lovelace", profile__country="US",
                                 profile__region="US-CA", **{f"profile__{k}": v for k, v in profile.items()})
        ProfileFactory(username="grace")
        db.session.commit()
        profile_id = account.profile.id
    page.goto(site + "/sign-in?next=/settings")
    page.get_by_label("Email").fill("me@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    page.wait_for_load_state("load")
    return profile_id


def stored(app, profile_id):
    with app.app_context():
        profile = db.session.scalar(select(Profile).where(Profile.id == profile_id))
        db.session.remove()
        return profile


def test_the_region_list_follows_the_country_without_a_reload(page, site, app):
    profile_id = signed_in(page, site, app)
    region = page.get_by_label("Region")
    expect(region).to_have_value("US-CA")
    page.evaluate("window.__samePage = true")
    requests = []
    page.on("request", lambda r: "/settings/regions" in r.url and requests.append(r.url))
    page.get_by_label("Country").select_option("DE")
    expect(region.locator("option", has_text="Berlin")).to_have_count(1)
    expect(region.locator("option", has_text="California")).to_have_count(0)
    assert page.evaluate("window.__samePage") is True
    assert requests and requests[-1].endswith("/settings/regions?country=DE")
    region.select_option(label="Berlin")
    page.get_by_label("Country").select_option("AQ")  # Antarctica has no subdivisions
    expect(region).to_be_disabled()
    page.get_by_label("Country").select_option("DE")
    region.select_option(label="Berlin")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved")).to_be_visible()
    assert page.evaluate("window.__samePage") is True  # the form was swapped, not reloaded
    saved = stored(app, profile_id)
    assert (saved.country, saved.region) == ("DE", "DE-BE")


def test_the_settings_username_check_knows_your_own_name(page, site, app):
    signed_in(page, site, app)
    username = page.get_by_label("Username")
    status = page.locator("#username-status")
    username.fill("")
    username.press_sequentially("Ada", delay=20)
    expect(status).to_have_attribute("data-status", "current")
    expect(status).to_have_text("This is your current username")
    username.fill("")
    username.press_sequentially("grace", delay=20)
    expect(status).to_have_attribute("data-status", "taken")
    expect(status).to_contain_text("Taken ✗")
    username.fill("")
    username.press_sequentially("ada-new", delay=20)
    expect(status).to_have_attribute("data-status", "available")
    expect(status).to_have_text("Available ✓")


def test_errors_are_shown_in_place_and_focus_moves_to_the_summary(page, site, app):
    signed_in(page, site, app)
    page.get_by_label("Website").fill("example.com")
    page.get_by_label("GitHub handle").fill("not/a/handle")
    page.get_by_role("button", name="Save profile").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Invalid URL")
    expect(summary).to_contain_text("Invalid GitHub handle")
    expect(page.get_by_label("Website")).to_have_value("example.com")
    assert page.evaluate("document.activeElement.classList.contains('summary-focus')")
    summary.get_by_role("link", name="Invalid URL").click()
    assert page.evaluate("document.activeElement.id") == "website_url"


def test_the_settings_form_works_by_keyboard_alone(page, site, app):
    profile_id = signed_in(page, site, app)
    page.locator("#main").focus()
    focus = lambda: page.evaluate("document.activeElement.id")  # noqa: E731

    def tab_to(element_id, limit=40):
        for _ in range(limit):
            if focus() == element_id:
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("display_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Ada Keyboard")
    tab_to("country")
    page.keyboard.type("Germany")  # type-ahead picks the country; the regions follow
    expect(page.locator("#country")).to_have_value("DE")
    expect(page.locator("#region option", has_text="Berlin")).to_have_count(1)
    tab_to("region")
    page.keyboard.type("Berlin")
    expect(page.locator("#region")).to_have_value("DE-BE")
    tab_to("allow_invites")
    page.keyboard.press("Space")
    expect(page.locator("#allow_invites")).not_to_be_checked()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Save profile":
            break
    page.keyboard.press("Enter")
    confirmation = page.get_by_text("Profile saved")
    expect(confirmation).to_be_focused()
    saved = stored(app, profile_id)
    assert (saved.display_name, saved.country, saved.region, saved.allow_invites) == (
        "Ada Keyboard", "DE", "DE-BE", False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_settings_page_is_accessible(browser, site, app, scheme):
    with app.app_context():
        account = AccountFactory(profile__country="GB", profile__region="GB-LND")
        identity = account.id
        db.session.commit()
    cookies = session_cookies(app, identity, site)
    assert serious_violations(browser, site + "/settings", cookies=cookies,
                              color_scheme=scheme) == []
