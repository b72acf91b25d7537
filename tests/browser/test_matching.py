"""The teammates page and /settings/skills in Chromium: axe (light and dark) and inviting a
suggested teammate by keyboard alone, the card answering in place."""
from datetime import timedelta

from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import CommitmentLevel, TeamPreference
from buildstory.matching import services
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.test_teams import committed_data, sign_in_cookies, tab_to
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory, utcnow)


def world():
    event = EventFactory(open=True, slug="pair-week", name="Pair Week")
    owner = AccountFactory(profile__display_name="Amara Okafor", profile__country="DE")
    services.save_skills(db.session, owner.profile, {"skills": ["python", "sql"],
                                                     "roles": ["backend"],
                                                     "timezone": "Europe/Berlin"})
    EventRegistrationFactory(event=event, profile=owner.profile,
                             team_preference=TeamPreference.has_team_open,
                             commitment_level=CommitmentLevel.daily)
    project = ProjectFactory(owner=owner.profile, slug="ledger-lens", name="Ledger Lens")
    services.save_open_roles(db.session, project, ["frontend", "design"])
    EventProjectFactory(event=event, project=project)
    for i, (name, skills, roles) in enumerate([
            ("Kenji Watanabe", ["react", "typescript", "figma"], ["frontend", "design"]),
            ("Grace Mwangi", ["marketing"], ["growth"]),
            ("Léa Dubois", ["ui_design"], ["design"])]):
        p = ProfileFactory(display_name=name, username=f"pair-{i}")
        services.save_skills(db.session, p, {"skills": skills, "roles": roles,
                                             "timezone": "Europe/Paris"})
        EventRegistrationFactory(event=event, profile=p,
                                 team_preference=TeamPreference.looking_for_team,
                                 commitment_level=CommitmentLevel.daily,
                                 registered_at=utcnow() - timedelta(hours=i))
    other = ProjectFactory(owner=ProfileFactory(display_name="Ruth Otieno"), name="Trail Talk")
    services.save_open_roles(db.session, other, ["backend"])
    EventProjectFactory(event=event, project=other)
    return owner.id


def test_the_matching_pages_pass_axe(browser, site, app):
    identity = committed_data(app, world)
    cookies = session_cookies(app, identity, site)
    for path in ("/settings/skills", "/events/pair-week/teammates"):
        for scheme in ("light", "dark"):
            found = serious_violations(browser, site + path, cookies=cookies,
                                       color_scheme=scheme)
            assert found == [], (path, scheme, found)


def test_owner_invites_a_suggested_teammate_by_keyboard_alone(page, site, app):
    identity = committed_data(app, world)
    sign_in_cookies(page, app, site, identity)
    page.goto(site + "/events/pair-week/teammates")
    page.evaluate("window.__sameDocument = true")
    first = page.locator(".teammate-card").first
    expect(first).to_contain_text("Kenji Watanabe")
    expect(first.locator(".chip").first).to_have_text("Brings React, TypeScript +1")
    expect(page.locator("#project-match-" + page.locator(".project-match-card").first
                        .get_attribute("id").removeprefix("project-match-"))).to_contain_text(
        "Trail Talk")
    tab_to(page, "el.textContent.trim() === 'Invite Kenji Watanabe'", limit=80)
    page.keyboard.press("Enter")
    sent = page.locator(".teammate-card").first.get_by_text("Invite sent")
    expect(sent).to_be_visible()
    expect(sent).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no reload
