"""Applications, streams and draws in a real browser: htmx swaps, confirm dialogs, axe."""
import pytest

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.waits import count_htmx_requests, htmx_requests

pytestmark = pytest.mark.browser


def seed(app):
    """Commit an admin, a featured event with registrants, an application, a category."""
    from tests.factories import (EventFactory, EventRegistrationFactory,
                                 MentorApplicationFactory, ProfileFactory,
                                 SponsorshipInquiryFactory, TwitchCategoryFactory)
    with app.app_context():
        admin = ProfileFactory(admin=True, display_name="Root Admin", username="rootadmin")
        event = EventFactory(status="active", featured=True, name="Winter Agents Jam")
        for i in range(4):
            EventRegistrationFactory(event=event, profile=ProfileFactory(
                username=f"streamer{i}", twitch_url=f"https://www.twitch.tv/streamer{i}"))
        application = MentorApplicationFactory(name="Grace Hopper")
        SponsorshipInquiryFactory(company_name="Initech")
        category = TwitchCategoryFactory(name="Science & Technology", twitch_id="509670")
        db.session.commit()
        return admin.clerk_id, application.id, category.id


def sign_in(page, app, site, identity):
    page.context.add_cookies(session_cookies(app, identity, site))


def test_mentor_form_errors_swap_in_place_and_success_thanks(page, site, app):
    page.goto(site + "/mentor-apply")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Valid email is required").first.wait_for()
    page.get_by_text("Select at least one mentor type").first.wait_for()
    assert page.get_by_label("Name").input_value() == "Ada Lovelace"
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Discord handle").fill("ada")
    page.get_by_label("Technical").check()
    page.get_by_label("Background").fill("Wrote the first program.")
    page.get_by_label("Availability").fill("Weekends")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/mentor-apply/thanks")
    assert page.get_by_role("heading", name="Thank you!").is_visible()


def test_approve_swaps_the_card_without_reload(page, site, app):
    identity, application_id, _ = seed(app)
    sign_in(page, app, site, identity)
    page.goto(site + "/admin/mentors")
    page.evaluate("window.__marker = 1")
    card = page.locator(f"#mentor-{application_id}")
    card.get_by_role("button", name="Approve").click()
    card.get_by_text("Reviewed by Root Admin").wait_for()
    assert card.get_by_role("button", name="Approve").count() == 0
    assert page.evaluate("window.__marker") == 1  # the page was not reloaded


def test_remove_category_asks_for_confirmation(page, site, app):
    identity, _, category_id = seed(app)
    sign_in(page, app, site, identity)
    page.goto(site + "/admin/streams")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    count_htmx_requests(page)
    page.get_by_role("button", name="Remove Science & Technology").click()
    assert htmx_requests(page) == 0
    assert messages == ["Stop following Science & Technology?"]
    assert page.get_by_text("Twitch id 509670").is_visible()
    page.remove_listener("dialog", dismiss)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Science & Technology").click()
    page.get_by_text("No categories yet").wait_for()


def test_pages_are_accessible(browser, site, app):
    identity, _, _ = seed(app)
    for path in ("/mentor-apply", "/sponsor-apply", "/streams", "/mentor-apply/thanks"):
        assert serious_violations(browser, site + path) == [], path
    cookies = session_cookies(app, identity, site)
    for path in ("/admin/mentors", "/admin/sponsors", "/admin/streams", "/admin/draws"):
        assert serious_violations(browser, site + path, cookies=cookies) == [], path
