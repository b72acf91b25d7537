"""Inline moderation in a real browser, keyboard only, confirming each dialog: hide from a
member card (badge swaps in place, the profile 404s for another builder), ban from a profile
page (the banned builder's next click lands on /banned), hide a project from its page.
Focus lands on the swapped panel. Also axe and screenshots as a moderator."""
import os
import re

from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies
from tests.factories import AccountFactory, ProfileFactory, ProjectFactory, ProjectMemberFactory

SHOTS = "/tmp/moderation_inline"


def committed_data(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def signed_in(browser, app, site, identity_id):
    """A separate browser (context) signed in as ``identity_id``."""
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity_id, site))
    return context


def tab_to(page, selector, limit=120):
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def confirm_all(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    return dialogs


def focused_id(page):
    return page.evaluate("document.activeElement.id")


def test_moderator_hides_a_builder_from_the_member_card(page, browser, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True, profile__display_name="Mona Moderator")
        other = AccountFactory(profile__username="bystander")
        victim = ProfileFactory(username="spammy", display_name="Sam Spammer")
        ProfileFactory(username="spammy-twin", display_name="Sam Twin")  # a second card
        return mod.id, other.id, victim.id

    mod_identity, other_identity, victim_id = committed_data(app, make)
    other = signed_in(browser, app, site, other_identity)
    other_page = other.new_page()
    assert other_page.goto(site + "/profiles/spammy").status == 200

    dialogs = confirm_all(page)
    page.context.add_cookies(session_cookies(app, mod_identity, site))
    page.goto(site + "/members?q=spammy")
    page.evaluate("window.__notReloaded = true")
    card = page.locator(f"#member-{victim_id}")
    badge = card.locator(f"#status-badge-profile-{victim_id}")
    expect(badge).to_have_attribute("data-status", "active")
    expect(badge).to_have_text("")

    tab_to(page, f"#mod-panel-profile-{victim_id} button:not([type=button])")
    assert page.evaluate("document.activeElement.textContent") == "Hide"
    page.keyboard.press("Enter")

    expect(badge).to_have_attribute("data-status", "hidden")
    expect(badge).to_have_text("Hidden")
    expect(card.locator(".mod-panel")).to_contain_text("Sam Spammer is hidden.")
    expect(card.get_by_role("button", name="Unhide")).to_be_visible()
    assert dialogs == ["Hide Sam Spammer (@spammy) from every public page?"]
    assert page.evaluate("window.__notReloaded") is True  # swapped in place
    assert focused_id(page) == f"mod-panel-profile-{victim_id}"
    expect(page.locator(f"#status-badge-profile-{victim_id}")).to_have_count(1)
    os.makedirs(SHOTS, exist_ok=True)
    card.screenshot(path=f"{SHOTS}/member-card-hidden.png")

    assert other_page.goto(site + "/profiles/spammy").status == 404
    other.close()


def test_moderator_bans_from_the_profile_page_and_the_next_click_lands_on_banned(
        page, browser, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True)
        victim = AccountFactory(profile__username="trolly", profile__display_name="Tom Troll")
        return mod.id, victim.id, victim.profile.id

    mod_identity, victim_identity, victim_id = committed_data(app, make)
    victim = signed_in(browser, app, site, victim_identity)
    victim_page = victim.new_page()
    victim_page.goto(site + "/dashboard")
    expect(victim_page).to_have_url(re.compile(r"/dashboard$"))

    dialogs = confirm_all(page)
    page.context.add_cookies(session_cookies(app, mod_identity, site))
    page.goto(site + "/profiles/trolly")
    page.evaluate("window.__notReloaded = true")
    badge = page.locator(f"#status-badge-profile-{victim_id}")
    expect(badge).to_have_attribute("data-status", "active")

    tab_to(page, f"#mod-panel-profile-{victim_id} summary")  # "Ban…"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("Abusive comments")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ban"
    page.keyboard.press("Enter")

    expect(badge).to_have_attribute("data-status", "banned")
    expect(badge).to_have_text("Banned")
    expect(page.locator(".profile-head")).to_contain_text("Banned")  # next to the name
    panel = page.locator(f"#mod-panel-profile-{victim_id}")
    expect(panel).to_contain_text("Tom Troll is banned.")
    assert dialogs == ["Ban Tom Troll (@trolly)? They are signed out of everything at "
                       "their next click."]
    assert page.evaluate("window.__notReloaded") is True
    assert focused_id(page) == f"mod-panel-profile-{victim_id}"

    victim_page.get_by_role("link", name="Members").click()
    expect(victim_page).to_have_url(re.compile(r"/banned$"))
    expect(victim_page.locator(".ban-reason")).to_contain_text("Abusive comments")
    victim.close()


def test_moderator_hides_a_project_on_its_page(page, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True)
        owner = ProfileFactory(username="maker", display_name="Maya Maker")
        project = ProjectFactory(owner=owner, slug="spam-bot", name="Spam Bot")
        return mod.id, project.id

    mod_identity, project_id = committed_data(app, make)
    dialogs = confirm_all(page)
    page.context.add_cookies(session_cookies(app, mod_identity, site))
    page.goto(site + "/projects/spam-bot")
    page.evaluate("window.__notReloaded = true")
    badge = page.locator(f"#status-badge-project-{project_id}")
    expect(badge).to_have_attribute("data-status", "active")

    tab_to(page, f"#mod-panel-project-{project_id} button")
    assert page.evaluate("document.activeElement.textContent") == "Hide project"
    page.keyboard.press("Enter")

    expect(badge).to_have_attribute("data-status", "hidden")
    expect(page.locator(".project-title-row")).to_contain_text("Hidden")
    panel = page.locator(f"#mod-panel-project-{project_id}")
    expect(panel).to_contain_text("Spam Bot is hidden.")
    expect(panel.get_by_role("button", name="Unhide project")).to_be_visible()
    assert dialogs == ["Hide the project Spam Bot from every public page?"]
    assert page.evaluate("window.__notReloaded") is True
    assert focused_id(page) == f"mod-panel-project-{project_id}"

    # And back, still by keyboard: focus is on the panel, the next Tab is its button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Unhide project"
    page.keyboard.press("Enter")
    expect(badge).to_have_attribute("data-status", "active")
    expect(badge).to_have_text("")
    assert focused_id(page) == f"mod-panel-project-{project_id}"


def test_profile_page_as_a_moderator_passes_axe_and_looks_right(page, browser, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True, profile__display_name="Mona Moderator")
        victim = ProfileFactory(username="ada", display_name="Ada Lovelace", hidden=True,
                                bio="I build **analytical engines** with agents.",
                                website_url="https://ada.dev/", github_handle="ada-l")
        owner = ProfileFactory(username="grace", display_name="Grace Hopper")
        project = ProjectFactory(owner=owner, slug="compiler-bot", name="Compiler Bot")
        ProjectMemberFactory(project=project, profile=ProfileFactory())
        for i in range(3):
            ProfileFactory(username=f"ada-fan-{i}", display_name=f"Ada Fan {i}")
        return mod.id, victim.id

    mod_identity, _victim_id = committed_data(app, make)
    cookies = session_cookies(app, mod_identity, site)
    assert serious_violations(browser, site + "/profiles/ada", cookies=cookies) == []
    assert serious_violations(browser, site + "/projects/compiler-bot", cookies=cookies) == []
    assert serious_violations(browser, site + "/members?q=ada", cookies=cookies) == []

    os.makedirs(SHOTS, exist_ok=True)
    page.context.add_cookies(cookies)
    for width, name in ((1280, "desktop"), (390, "mobile")):
        page.set_viewport_size({"width": width, "height": 900})
        for path, shot in (("/profiles/ada", "profile"), ("/projects/compiler-bot", "project"),
                           ("/members?q=ada", "members")):
            page.goto(site + path)
            page.screenshot(path=f"{SHOTS}/{shot}-{name}.png", full_page=True)
        page.goto(site + "/profiles/ada")
        page.locator(".mod-ban summary").click()
        page.screenshot(path=f"{SHOTS}/profile-ban-open-{name}.png", full_page=True)
        page.goto(site + "/members?q=ada")
        page.locator(".member-card .mod-ban summary").first.click()
        page.screenshot(path=f"{SHOTS}/members-ban-open-{name}.png", full_page=True)
