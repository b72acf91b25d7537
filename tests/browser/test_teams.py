"""Team flows in a real browser, by keyboard: invite by searching, accept / decline in place,
an invite link opened signed out. Also axe checks and screenshots of the team pages."""
import re

import pytest
from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies
from tests.conftest import TEST_PASSWORD
from tests.factories import (AccountFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)

SHOTS = "/tmp/teams"


def committed_data(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def sign_in_cookies(page, app, site, identity):
    page.context.add_cookies(session_cookies(app, identity, site))


def shot(page, name):
    """Save a full-page screenshot under /tmp for a human to look at."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def tab_to(page, predicate_js, limit=40):
    """Press Tab until ``predicate_js(document.activeElement)`` is true."""
    for _ in range(limit):
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never focused: {predicate_js}")


def test_owner_invites_by_searching_with_the_keyboard(page, site, app):
    def make():
        owner = AccountFactory(profile__display_name="Amara Okafor")
        project = ProjectFactory(owner=owner.profile, slug="receipts", name="Receipt Whisperer")
        ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mo Member"))
        ProfileFactory(username="kenji", display_name="Kenji Watanabe")
        ProfileFactory(username="kenneth", display_name="Kenneth Quiet", allow_invites=False)
        ProfileFactory(username="kenya-dev", display_name="Kenya Dev")
        return owner.id

    identity = committed_data(app, make)
    searches = []
    page.on("request", lambda r: "/invitee-search" in r.url and searches.append(r.url))
    sign_in_cookies(page, app, site, identity)
    page.goto(site + "/projects/receipts")
    tab_to(page, "el.id === 'invitee'")
    page.keyboard.type("kenj", delay=40)
    results = page.locator("#invitee-options")
    expect(results.get_by_text("Kenji Watanabe")).to_be_visible()
    expect(results).not_to_contain_text("Kenneth")
    assert len(searches) == 1 and searches[0].endswith("username=kenj")
    shot(page, "team-search")
    page.keyboard.press("ArrowDown")  # the first suggestion
    page.keyboard.press("Enter")  # fills the field
    expect(page.locator("#invitee")).to_have_value("kenji")
    page.keyboard.press("Tab")  # the form's one Send invite button
    page.keyboard.press("Enter")
    notice = page.locator("#team .flash--ok")
    expect(notice).to_have_text("Invite sent to @kenji")
    expect(notice).to_be_focused()
    expect(page.locator(".pending-invites")).to_contain_text("Kenji Watanabe")
    shot(page, "team-owner")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "team-owner-mobile")

    # An invite link: shown once, with a copy button that works.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab_to(page, "el.textContent.trim() === 'Create invite link'")
    page.keyboard.press("Enter")
    url_box = page.locator("#invite-link-url")
    expect(url_box).to_be_focused()
    link = url_box.input_value()
    assert re.match(rf"{re.escape(site)}/invite/[\w-]{{43}}$", link)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied ✓")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    shot(page, "team-link")


def test_recipient_accepts_and_declines_in_place_by_keyboard(page, site, app):
    def make():
        me = AccountFactory(profile__display_name="Kenji Watanabe")
        TeamInviteFactory(recipient=me.profile, project__name="Receipt Whisperer",
                          project__owner__display_name="Amara Okafor")
        TeamInviteFactory(recipient=me.profile, project__name="Haiku Garden",
                          project__owner__display_name="Léa Dubois")
        mine = ProjectFactory(owner=me.profile, name="Trail Talk")
        TeamInviteFactory(project=mine, recipient__display_name="Grace Mwangi")
        return me.id

    identity = committed_data(app, make)
    sign_in_cookies(page, app, site, identity)
    page.goto(site + "/invites")
    page.evaluate("window.__sameDocument = true")
    count = page.locator("#invite-count")
    expect(count).to_have_text("2")
    shot(page, "invites")

    cards = page.locator(".invite-card")
    accept_card = cards.filter(has_text="Receipt Whisperer")
    tab_to(page, "el.textContent.trim() === 'Accept' && "
                 "el.closest('article').textContent.includes('Receipt Whisperer')")
    page.keyboard.press("Enter")
    outcome = accept_card.locator(".invite-outcome")
    expect(outcome).to_contain_text("You joined the team.")
    expect(outcome).to_be_focused()
    expect(count).to_have_text("1")

    decline_card = cards.filter(has_text="Haiku Garden")
    tab_to(page, "el.textContent.trim() === 'Decline' && "
                 "el.closest('article').textContent.includes('Haiku Garden')")
    page.keyboard.press("Enter")
    expect(decline_card.locator(".invite-outcome")).to_have_text("You declined this invite.")
    expect(count).to_have_attribute("data-count", "0")
    expect(count).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True  # never reloaded
    shot(page, "invites-answered")
    # The accepted team shows the new member at once.
    accept_card.get_by_role("link", name="Go to Receipt Whisperer").click()
    expect(page.locator("#team")).to_contain_text("Kenji Watanabe")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/invites")
    shot(page, "invites-mobile")


def test_invite_link_signed_out_then_sign_in_and_join_by_keyboard(page, site, app):
    def make():
        invite = TeamInviteFactory(link=True, raw_token="browser-link-token",
                                   project__name="Receipt Whisperer", project__slug="receipts",
                                   project__owner__display_name="Amara Okafor")
        AccountFactory(email="joiner@example.com", profile__display_name="Joy Joiner")
        return invite.id

    committed_data(app, make)
    page.goto(site + "/invite/browser-link-token")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Receipt Whisperer")
    expect(page.locator("main")).to_contain_text("Amara Okafor")
    shot(page, "invite-landing")
    tab_to(page, "el.textContent.trim() === 'Sign in to join'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/invite/browser-link-token$"))
    tab_to(page, "el.id === 'email'")
    page.keyboard.type("joiner@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/invite/browser-link-token$"))
    expect(page.get_by_role("button", name="Join team")).to_be_visible()
    tab_to(page, "el.textContent.trim() === 'Join team'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/projects/receipts#team$"))
    expect(page.locator("#team")).to_contain_text("Joy Joiner")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_team_pages_are_accessible(browser, site, app, scheme):
    def make():
        owner = AccountFactory()
        project = ProjectFactory(owner=owner.profile, slug="receipts")
        ProjectMemberFactory(project=project)
        TeamInviteFactory(project=project)
        TeamInviteFactory(project=project, link=True, raw_token="axe-link")
        TeamInviteFactory(recipient=owner.profile)
        return owner.id

    identity = committed_data(app, make)
    cookies = session_cookies(app, identity, site)
    for path in ("/invites", "/projects/receipts"):
        assert serious_violations(browser, site + path, cookies=cookies,
                                  color_scheme=scheme) == [], path
    assert serious_violations(browser, site + "/invite/axe-link", color_scheme=scheme) == []


def test_owner_removes_a_member_after_confirming_by_keyboard(page, site, app):
    def make():
        owner = AccountFactory()
        project = ProjectFactory(owner=owner.profile, slug="receipts")
        ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mo Member"))
        return owner.id

    identity = committed_data(app, make)
    dialogs = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    sign_in_cookies(page, app, site, identity)
    page.goto(site + "/projects/receipts")
    team = page.locator("#team")
    expect(team).to_contain_text("Mo Member")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim().startsWith('Remove')")
    page.keyboard.press("Enter")
    expect(team).not_to_contain_text("Mo Member")
    expect(team).to_contain_text("1 of 6")
    assert len(dialogs) == 1 and dialogs[0].startswith("Remove Mo Member from the team of ")
