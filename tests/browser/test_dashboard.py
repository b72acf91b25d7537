"""The dashboard in a real browser, by keyboard: accept an invite in place, dismiss the
community card. Also axe checks of / and /dashboard with data on them."""
import pytest
from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import TeamPreference
from tests.browser.a11y import serious_violations, session_cookies
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             TeamInviteFactory)

DISCORD = "https://discord.gg/buildstory-test"


def committed_data(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def tab_to(page, predicate_js, limit=60):
    """Press Tab until ``predicate_js(document.activeElement)`` is true."""
    for _ in range(limit):
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never focused: {predicate_js}")


def featured_world():
    """A featured live event with a few builders, a project, and a builder with an invite."""
    event = EventFactory(active=True, featured=True, name="Winter Agents Jam")
    me = AccountFactory(profile__display_name="Amara Okafor")
    for pref in (TeamPreference.solo, TeamPreference.has_team, TeamPreference.looking_for_team):
        EventRegistrationFactory(event=event, team_preference=pref)
    EventRegistrationFactory(event=event, profile=me.profile, team_preference=TeamPreference.solo)
    EventProjectFactory(event=event, project=ProjectFactory(owner=me.profile, name="Ledger Lens"))
    invite = TeamInviteFactory(recipient=me.profile, project__name="Receipt Whisperer",
                               sender__display_name="Kenji Watanabe")
    return me.id, str(invite.id)


@pytest.fixture
def discord(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISCORD_INVITE_URL", DISCORD)


def test_accept_an_invite_from_the_dashboard_by_keyboard(page, site, app):
    identity, invite_id = committed_data(app, featured_world)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + "/dashboard")
    card = page.locator(f"#invite-{invite_id}")
    expect(card).to_contain_text("Receipt Whisperer")
    expect(page.locator("#invite-count")).to_have_text("1")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Accept'")
    page.keyboard.press("Enter")
    outcome = card.locator(".invite-outcome")
    expect(outcome).to_contain_text("You joined the team")
    expect(outcome).to_be_focused()
    expect(page.locator("#invite-count")).to_have_attribute("data-count", "0")
    assert page.url == site + "/dashboard"  # answered in place
    page.reload()
    expect(page.locator("#projects-title").locator("xpath=../..")).to_contain_text("Receipt Whisperer")


def test_dismiss_the_community_card_by_keyboard(page, site, app, discord):
    identity = committed_data(app, lambda: AccountFactory().id)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + "/dashboard")
    card = page.locator("#community-card")
    expect(card.get_by_role("link", name="Join the Discord")).to_have_attribute("href", DISCORD)
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Dismiss'")
    page.keyboard.press("Enter")
    expect(card).to_have_text("Community card dismissed. It won't show again.")
    expect(card).to_be_focused()
    expect(page.get_by_role("button", name="Dismiss")).to_have_count(0)
    page.reload()
    expect(page.locator("#community-card")).to_have_count(0)
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()


def test_countdown_ticks_on_the_landing_page(page, site, app):
    committed_data(app, lambda: EventFactory(active=True, featured=True))
    page.goto(site + "/")
    countdown = page.locator("#featured-countdown")
    first = countdown.text_content()
    assert first.startswith("Ends in")
    expect(countdown).not_to_have_text(first, timeout=3000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_landing_and_dashboard_are_accessible(browser, site, app, discord, scheme):
    identity, _ = committed_data(app, featured_world)
    committed_data(app, lambda: [ProfileFactory() for _ in range(3)])
    assert serious_violations(browser, site + "/", color_scheme=scheme) == []
    cookies = session_cookies(app, identity, site)
    assert serious_violations(browser, site + "/dashboard", cookies=cookies,
                              color_scheme=scheme) == []
