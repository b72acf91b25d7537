"""Posting an update in a real browser, keyboard only: Tab to the Update field, type, Tab
to Post update, Enter; htmx swaps the Updates section in place with the new post, focus
moves to it, and an empty Update is answered next to the field without a reload."""
from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.factories import AccountFactory, ProjectFactory


def world(app):
    with app.app_context():
        owner = AccountFactory(profile__display_name="Keyboard Kim")
        project = ProjectFactory(owner=owner.profile, name="Tab Tracker", slug="tab-tracker")
        db.session.commit()
        ids = owner.id, project.slug
        db.session.remove()
    return ids


def tab_to(page, selector, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got focus")


def test_post_an_update_by_keyboard_only(page, site, app):
    identity, slug = world(app)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(f"{site}/projects/{slug}")
    url = page.url
    tab_to(page, "#updates button[type=submit]")
    page.keyboard.press("Enter")  # empty: refused in place
    expect(page.locator("#updates #body-error")).to_have_text("Update is required")
    assert page.url == url
    tab_to(page, "#updates textarea#body")
    page.keyboard.type("Shipped **keyboard** posting")
    tab_to(page, "#updates button[type=submit]")
    page.keyboard.press("Enter")
    card = page.locator("#updates article.post-card").first
    expect(card).to_contain_text("Shipped keyboard posting")
    expect(card.locator("strong")).to_have_text("keyboard")
    expect(page.locator("#updates [role=status]")).to_have_text("Posted.")
    expect(page.locator("#updates")).to_be_focused()
    expect(page.locator("#updates textarea#body")).to_have_value("")
    assert page.url == url
