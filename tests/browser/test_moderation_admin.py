"""Moderation in a real browser, by keyboard: ban from the admin user list with the
confirmation dialog, the badge swaps in place, the banned builder's next click lands on
/banned. Also axe checks and screenshots of the admin pages (empty and with data)."""
import os
import re

from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.waits import count_htmx_requests, htmx_requests
from tests.factories import (AccountFactory, AuditLogFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory, ProfileFactory,
                             ProjectFactory, ProjectMemberFactory)

SHOTS = "/tmp/moderation"


def committed_data(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_moderator_bans_from_the_user_list_by_keyboard(page, browser, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True, profile__display_name="Mona Moderator")
        victim = AccountFactory(profile__username="spammy", profile__display_name="Sam Spammer")
        return mod.id, victim.id, victim.profile.id

    mod_identity, victim_identity, victim_id = committed_data(app, make)
    victim_context = browser.new_context()
    victim_context.add_cookies(session_cookies(app, victim_identity, site))
    victim_page = victim_context.new_page()
    victim_page.goto(site + "/dashboard")
    expect(victim_page).to_have_url(re.compile(r"/dashboard$"))

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.context.add_cookies(session_cookies(app, mod_identity, site))
    page.goto(site + "/admin/users?q=spammy")
    page.evaluate("window.__notReloaded = true")
    badge = page.locator(f"#status-badge-profile-{victim_id}")
    expect(badge).to_have_attribute("data-status", "active")

    row = page.locator(f"#user-row-{victim_id}")
    row.locator("summary").focus()  # "Ban…" — the rest is keyboard only
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("Posting the same link everywhere")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ban"
    page.keyboard.press("Enter")

    expect(badge).to_have_attribute("data-status", "banned")
    expect(badge).to_have_text("Banned")
    panel = page.locator(f"#mod-panel-profile-{victim_id}")
    expect(panel).to_contain_text("Sam Spammer is banned.")
    assert dialogs == ["Ban Sam Spammer (@spammy)? They are signed out of everything at "
                       "their next click."]
    assert page.evaluate("window.__notReloaded") is True  # swapped in place
    assert page.evaluate("document.activeElement.id") == f"mod-panel-profile-{victim_id}"

    victim_page.get_by_role("link", name="Members").click()
    expect(victim_page).to_have_url(re.compile(r"/banned$"))
    expect(victim_page.locator(".ban-reason")).to_contain_text("Posting the same link everywhere")
    victim_context.close()


def test_a_cancelled_confirmation_changes_nothing(page, site, app):
    def make():
        mod = AccountFactory(profile__moderator=True)
        victim = ProfileFactory(username="keepme")
        return mod.id, victim.id

    mod_identity, victim_id = committed_data(app, make)
    page.on("dialog", lambda d: d.dismiss())
    page.context.add_cookies(session_cookies(app, mod_identity, site))
    page.goto(site + "/admin/users?q=keepme")
    count_htmx_requests(page)
    with page.expect_event("dialog"):
        page.locator(f"#mod-panel-profile-{victim_id}").get_by_role("button", name="Hide").press("Enter")
    assert htmx_requests(page) == 0
    expect(page.locator(f"#status-badge-profile-{victim_id}")).to_have_attribute("data-status", "active")


def _rich_data():
    admin = AccountFactory(profile__admin=True, profile__display_name="Ada Admin",
                           profile__username="ada-admin")
    event = EventFactory(active=True, featured=True, name="Winter Agents Jam")
    countries = ["US"] * 9 + ["DE"] * 6 + ["IN"] * 5 + ["BR"] * 4 + ["NG"] * 3 + ["JP"] * 3 + \
        ["GB"] * 2 + ["KE", "MX", "SE", "FR"]
    people = []
    for i, code in enumerate(countries):
        person = ProfileFactory(country=code, region=None, hidden=i == 7, banned=i == 11)
        people.append(person)
        if i % 2 == 0:
            EventRegistrationFactory(event=event, profile=person,
                                     team_preference=["solo", "looking_for_team", "has_team_open"][i % 3])
    for owner in people[:6:2]:
        project = ProjectFactory(owner=owner)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project, profile=people[-1])
    for i, person in enumerate(people[:8]):
        AuditLogFactory(action=["hide_user", "ban_user", "set_role", "unhide_user"][i % 4],
                        actor_profile_id=admin.profile.id, actor_name="Ada Admin (@ada-admin)",
                        target_profile_id=person.id,
                        target_name=f"{person.display_name} (@{person.username})",
                        meta={"reason": "Spam"} if i % 4 == 1 else
                        {"old_role": "user", "new_role": "moderator"} if i % 4 == 2 else {})
    return admin.id


def test_admin_pages_look_right_and_pass_axe(page, browser, site, app):
    identity = committed_data(app, lambda: AccountFactory(
        profile__admin=True, profile__display_name="Ada Admin", profile__country=None).id)
    cookies = session_cookies(app, identity, site)
    page.context.add_cookies(cookies)
    page.goto(site + "/admin")
    expect(page.locator("#chart-signups svg")).to_be_visible()
    expect(page.get_by_text("No event is featured right now.")).to_be_visible()
    shot(page, "admin-empty")
    for path in ("/admin", "/admin/users", "/admin/audit"):
        assert serious_violations(browser, site + path, cookies=cookies) == [], path

    committed_data(app, _rich_data)
    page.goto(site + "/admin")
    expect(page.locator("#chart-countries .chart-bar")).to_have_count(10)
    shot(page, "admin-dashboard")
    page.goto(site + "/admin/users")
    shot(page, "admin-users")
    page.goto(site + "/admin/audit")
    shot(page, "admin-audit")
    page.get_by_role("link", name=re.compile(r"\(@builder")).first.click()
    expect(page.get_by_role("heading", name="Audit history")).to_be_visible()
    shot(page, "admin-user-detail")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/admin")
    shot(page, "admin-dashboard-mobile")
    page.goto(site + "/admin/users")
    shot(page, "admin-users-mobile")
    for path in ("/admin", "/admin/users", "/admin/audit"):
        assert serious_violations(browser, site + path, cookies=cookies) == [], path
        assert serious_violations(browser, site + path, cookies=cookies,
                                  color_scheme="dark") == [], path
