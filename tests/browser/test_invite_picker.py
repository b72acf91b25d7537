"""The invite widget in a real browser: suggestions are a listbox under the field, picked
by keyboard or click; typing clears a stale error; one Send invite button."""
from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.factories import AccountFactory, ProfileFactory, ProjectFactory


def test_pick_an_invitee_from_the_list_under_the_field(page, site, app):
    with app.app_context():
        owner = AccountFactory(profile__display_name="Amara Okafor")
        ProjectFactory(owner=owner.profile, slug="receipts", name="Receipt Whisperer")
        ProfileFactory(username="kenji", display_name="Kenji Watanabe")
        ProfileFactory(username="kenya-dev", display_name="Kenya Dev")
        db.session.commit()
        identity = owner.id
        db.session.remove()
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + "/projects/receipts")
    field = page.get_by_role("combobox", name="Username")
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Send invite")).to_have_count(1)

    # A name nobody has: the server's error shows by the field…
    field.fill("nobody-here")
    page.get_by_role("button", name="Send invite").click()
    expect(page.locator("#invitee-error")).to_have_text("User not found")
    # …and typing makes it stale: it goes, and the suggestions come as a listbox.
    field = page.get_by_role("combobox", name="Username")
    field.fill("")
    field.press_sequentially("ken", delay=30)
    expect(page.locator("#invitee-error")).to_have_count(0)
    expect(page.locator(".flash--error")).to_have_count(0)
    listbox = page.get_by_role("listbox", name="Matching builders")
    expect(listbox.get_by_role("option")).to_have_count(2)
    expect(page.locator("#invitee-status")).to_have_text("2 builders found")
    expect(field).to_have_attribute("aria-expanded", "true")
    box, list_box = field.bounding_box(), listbox.bounding_box()
    assert 0 <= list_box["y"] - (box["y"] + box["height"]) < 12  # directly under the field
    assert list_box["y"] < page.get_by_role("button", name="Send invite").bounding_box()["y"]

    field.press("ArrowDown")
    field.press("ArrowDown")
    active = field.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    field.press("Escape")
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()

    field.press_sequentially("j", delay=30)
    expect(page.get_by_role("option", name="Kenji Watanabe @kenji")).to_be_visible()
    page.get_by_role("option", name="Kenji Watanabe @kenji").click()
    expect(field).to_have_value("kenji")
    expect(field).to_be_focused()
    field.press("Enter")  # the list is closed: Enter submits the one form
    expect(page.locator("#team .flash--ok")).to_have_text("Invite sent to @kenji")
