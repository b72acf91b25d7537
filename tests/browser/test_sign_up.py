"""Signing up through the real page, watching the live username check."""
import re

from playwright.sync_api import expect

RECORD_CHECKING = """
document.addEventListener('htmx:beforeSend', function () {
  var el = document.getElementById('username-checking');
  window.__checking = (window.__checking || []).concat([
    getComputedStyle(el).display !== 'none' ? el.textContent : '(hidden)']);
});
"""


def test_sign_up_with_the_live_username_check(page, site):
    requests = []
    page.on("request", lambda r: "/username-check" in r.url and requests.append(r.url))
    page.add_init_script(RECORD_CHECKING)
    page.goto(site + "/sign-up")
    page.get_by_label("Username").press_sequentially("quickbuilder", delay=30)
    status = page.locator("#username-status")
    expect(status).to_have_attribute("data-status", "available")
    expect(status).to_have_text("Available ✓")
    assert len(requests) == 1 and requests[0].endswith("username=quickbuilder")
    assert page.evaluate("window.__checking") == ["Checking…"]

    page.get_by_label("Email").fill("quick@example.com")
    page.get_by_label("Password").fill("long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/onboarding\?step=start$"))  # no featured event: the profile steps
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about you")
    expect(page.get_by_label("Display name")).to_have_value("quickbuilder")


def test_username_check_states_and_keyboard_only_use(page, site):
    page.goto(site + "/sign-up")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "username":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "username"
    status = page.locator("#username-status")
    page.keyboard.type("no")
    expect(status).to_have_attribute("data-status", "invalid")
    expect(status).to_contain_text("Invalid ✗")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("admin")
    expect(status).to_have_attribute("data-status", "taken")
    expect(status).to_contain_text("Taken ✗")
    expect(status).to_have_attribute("aria-live", "polite")
