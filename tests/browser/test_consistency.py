"""Small things that must look the same everywhere, at 390px and 1280px: the header avatar
is the avatar the rest of the site uses, the avatar upload is one styled control showing
the chosen file, and a missing page is a friendly page with ways back, not an error box."""
import pytest
from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import AXE, RUN, session_cookies
from tests.factories import AccountFactory, AvatarFactory, webp_bytes

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def signed_in(app, site, *, uploaded: bool):
    with app.app_context():
        me = AccountFactory(profile__display_name="Amara Okafor",
                            profile__username="amara")
        if uploaded:
            AvatarFactory(profile=me.profile)
        identity = me.id
        db.session.commit()
        db.session.remove()
    return session_cookies(app, identity, site)


def open_page(browser, site, path, viewport, cookies=None):
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.goto(site + path)
    return context, page


@pytest.mark.parametrize("uploaded", [True, False], ids=["uploaded", "initials"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_header_avatar_is_the_avatar_used_elsewhere(browser, app, site, viewport, uploaded):
    cookies = signed_in(app, site, uploaded=uploaded)
    context, page = open_page(browser, site, "/profiles/amara", viewport, cookies)
    try:
        header = page.locator(".user-menu summary .avatar")
        profile = page.locator("main .avatar").first
        expect(header).to_be_visible()
        same = ["tagName", "getAttribute('src')", "querySelector('rect')?.getAttribute('fill')",
                "querySelector('text')?.textContent"]
        for prop in same:
            assert header.evaluate(f"el => el.{prop}") == profile.evaluate(f"el => el.{prop}"), prop
        if uploaded:
            assert header.evaluate("el => el.tagName") == "IMG"
        else:
            assert header.evaluate("el => el.querySelector('text').textContent") == "AO"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_avatar_upload_is_one_styled_control_showing_the_chosen_file(browser, app, site,
                                                                         viewport, tmp_path):
    cookies = signed_in(app, site, uploaded=False)
    context, page = open_page(browser, site, "/settings", viewport, cookies)
    try:
        panel = page.locator("#avatar-panel")
        expect(panel.locator("input[type=file]")).to_have_count(1)
        control = panel.get_by_label("Avatar")
        # The chooser button inside the control is drawn like the site's buttons.
        button_style = control.evaluate(
            "el => { const s = getComputedStyle(el, '::file-selector-button');"
            " return [s.borderRadius, s.fontWeight, s.backgroundColor]; }")
        upload = panel.get_by_role("button", name="Upload avatar")
        site_button = upload.evaluate(
            "el => { const s = getComputedStyle(el);"
            " return [s.borderRadius, s.fontWeight, s.backgroundColor]; }")
        assert button_style == site_button
        picture = tmp_path / "me.webp"
        picture.write_bytes(webp_bytes())
        control.set_input_files(str(picture))
        assert control.evaluate("el => el.files[0].name") == "me.webp"
        box, panel_box = control.bounding_box(), panel.bounding_box()
        assert box["x"] >= panel_box["x"] and box["x"] + box["width"] <= panel_box["x"] + panel_box["width"]
        upload.click()
        expect(panel.get_by_role("status")).to_be_visible()
        expect(page.locator(".user-menu summary img.avatar")).to_have_count(0)  # swapped panel only
        page.reload()
        expect(page.locator(".user-menu summary img.avatar")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_missing_page_is_friendly_with_ways_back(browser, site, viewport):
    context, page = open_page(browser, site, "/no-such-page", viewport)
    try:
        expect(page).to_have_title("Page not found · Buildstory")
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("alert")).to_have_count(0)
        expect(page.locator(".flash--error")).to_have_count(0)
        for name in ("Go to the home page", "Browse events", "See projects"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN) == []
        page.get_by_role("link", name="Go to the home page").click()
        expect(page).to_have_url(site + "/")
    finally:
        context.close()
