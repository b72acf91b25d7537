"""The bell and /notifications in Chromium: axe in both colour schemes, Older notifications
swapped in, Mark as read by keyboard updating the item and the bell, and the bell's poll
(the page's clock is run forward a minute instead of waiting for it)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import NotificationType as T
from buildstory.notifications import services
from tests.browser.a11y import serious_violations, session_cookies
from tests.factories import AccountFactory, ProfileFactory

NOW = datetime.now(UTC)


def make(app, n: int):
    """A builder with ``n`` notifications from Ada; returns (identity, profile id)."""
    with app.app_context():
        me = AccountFactory(profile__display_name="Kenji").profile
        ada = ProfileFactory(display_name="Ada Lovelace")
        for i in range(n):
            services.notify(db.session, T.member_left, recipients=[me], actor=ada,
                            title=f"Rocket {i}", now=NOW - timedelta(minutes=n - i))
        db.session.commit()
        result = me.clerk_id, me.id
        db.session.remove()
    return result


def tell_more(app, profile_id, title):
    with app.app_context():
        services.notify(db.session, T.member_left, recipients=[profile_id], title=title)
        db.session.commit()
        db.session.remove()


def test_notifications_page_passes_axe_in_both_schemes(browser, site, app):
    identity, _ = make(app, 25)
    cookies = session_cookies(app, identity, site)
    for scheme in ("light", "dark"):
        assert serious_violations(browser, site + "/notifications", cookies=cookies,
                                  color_scheme=scheme) == [], scheme


def test_older_notifications_load_in_place(page, site, app):
    identity, _ = make(app, 25)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + "/notifications")
    items = page.locator(".notification")
    expect(items).to_have_count(20)
    page.get_by_role("link", name="Older notifications").click()
    expect(items).to_have_count(25)
    expect(page.get_by_role("link", name="Older notifications")).to_have_count(0)
    expect(page.locator(".notification-list > li[data-focus]")).to_be_focused()
    assert page.url.endswith("/notifications")  # swapped in, no navigation


def test_mark_as_read_by_keyboard_updates_the_item_and_the_bell(page, site, app):
    identity, _ = make(app, 2)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + "/notifications")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Notifications, 2 unread")
    expect(page.locator("#notification-count")).to_have_text("2")
    first = page.locator(".notification").first
    expect(first.get_by_text("Unread", exact=True)).to_be_visible()
    button = first.get_by_role("button", name="Mark as read")
    button.focus()
    page.keyboard.press("Enter")
    expect(first.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(first.get_by_text("Unread", exact=True)).to_have_count(0)
    expect(first.get_by_text("Marked as read")).to_be_focused()
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    expect(page.locator("#notification-count")).to_have_text("1")
    page.get_by_role("button", name="Mark all as read").click()
    expect(bell).to_have_accessible_name("Notifications")
    expect(page.get_by_text("Unread", exact=True)).to_have_count(0)


def test_the_bell_polls_every_minute_and_updates_when_something_arrives(page, site, app):
    identity, profile_id = make(app, 1)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.clock.install()
    page.goto(site + "/projects")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Notifications, 1 unread")

    def poll():
        with page.expect_response(lambda r: "/notifications/bell" in r.url) as answer:
            page.clock.run_for(61_000)
        return answer.value.status

    assert poll() == 204  # nothing new: no swap
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    tell_more(app, profile_id, "Arrived")
    assert poll() == 200
    expect(bell).to_have_accessible_name("Notifications, 2 unread")
    expect(page.locator("#notification-count")).to_have_text("2")
    assert poll() == 204  # the swapped-in bell polls on, with the new count
    page.get_by_role("link", name="Notifications, 2 unread").click()
    expect(page.get_by_role("button", name="Someone left Arrived", exact=True)).to_be_visible()
