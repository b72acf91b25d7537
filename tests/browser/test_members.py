"""The member directory's live search in a real browser: debounce, swap in place, URL."""
from datetime import timedelta

from playwright.sync_api import expect

from buildstory.db import db
from tests.factories import ProfileFactory, utcnow


def _seed(app):
    with app.app_context():
        now = utcnow()
        ProfileFactory(username="zoe-builds", display_name="Zoë Müller", created_at=now)
        ProfileFactory(username="grace", display_name="Grace Hopper",
                       created_at=now - timedelta(hours=1))
        for i in range(30):
            ProfileFactory(username=f"member{i:02d}", display_name=f"Member {i}",
                           created_at=now - timedelta(days=1, minutes=i))
        db.session.commit()


def test_typing_quickly_sends_one_request_and_swaps_results_in_place(page, site, app):
    _seed(app)
    searches = []
    page.on("request", lambda r: "/members?" in r.url and searches.append(r.url))
    page.goto(site + "/members")
    page.evaluate("window.__samePage = true")
    cards = page.locator("#member-results .member-card")
    expect(cards).to_have_count(24)

    page.get_by_label("Search members").press_sequentially("MULLER", delay=40)
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Zoë Müller")
    assert len(searches) == 1 and "q=MULLER" in searches[0]
    assert page.evaluate("window.__samePage") is True  # swapped, not reloaded
    assert "q=MULLER" in page.url
    expect(page.get_by_label("Search members")).to_be_focused()

    # Clearing the field shows everyone again, still in place.
    page.get_by_label("Search members").fill("")
    expect(cards).to_have_count(24)
    assert page.evaluate("window.__samePage") is True


def test_filters_and_pages_swap_in_place_and_update_the_address(page, site, app):
    _seed(app)
    page.goto(site + "/members")
    page.evaluate("window.__samePage = true")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(site + "/members?page=2")
    expect(page.locator(".results-summary")).to_have_text("Showing builders 25–32")
    page.get_by_role("link", name="Previous").click()
    expect(page.locator(".results-summary")).to_have_text("Showing builders 1–24")

    page.get_by_label("Search members").fill("gra")
    expect(page.locator("#member-results .member-card")).to_have_count(1)
    assert page.evaluate("window.__samePage") is True
    assert "q=gra" in page.url


def test_search_works_without_javascript(browser, site, app):
    _seed(app)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/members")
    page.get_by_label("Search members").fill("hopper")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(site + "/members?q=hopper&experience=&country=&event=")
    expect(page.locator("#member-results .member-card")).to_have_count(1)
    context.close()
