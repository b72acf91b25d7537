"""Reacting on a feed card in Chromium by keyboard only (Tab to the button, Enter): the
box swaps in place, aria-pressed and the count change, and focus stays on the pressed
button so a second Enter takes it back. Without JavaScript the same buttons post and
come back to the same feed with the new state."""
from playwright.sync_api import expect

from buildstory.buildlogs.models import Post
from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.browser.test_buildlogs_browser import tab_to
from tests.factories import AccountFactory, ProjectFactory


def world(app):
    with app.app_context():
        builder = AccountFactory()
        project = ProjectFactory(name="Keyboard Kayak", slug="keyboard-kayak")
        post = Post(author_id=project.owner.id, context_type="project", project_id=project.id,
                    body="Launched the kayak")
        db.session.add(post)
        db.session.commit()
        ids = builder.id, post.id
        db.session.remove()
    return ids


def test_react_on_feed_cards_by_keyboard_only(browser, site, app):
    identity, post_id = world(app)
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    try:
        for path in ("/feed", "/projects/keyboard-kayak"):
            page.goto(site + path)
            box = page.locator(f"#reactions-post-{post_id}")
            tab_to(page, f"#reactions-post-{post_id} input[value=rocket] ~ button")
            page.keyboard.press("Enter")
            shipped = box.get_by_role("button", name="Shipped")
            expect(shipped).to_have_attribute("aria-pressed", "true")
            expect(shipped).to_contain_text("1")
            expect(shipped).to_be_focused()
            # a person presses again only after the first answer has settled on the page
            page.wait_for_function("!document.querySelector("
                                   "'.htmx-request, .htmx-swapping, .htmx-settling')")
            page.keyboard.press("Enter")  # the same button again: taken back
            expect(shipped).to_have_attribute("aria-pressed", "false")
            expect(shipped).to_contain_text("0")
            expect(shipped).to_be_focused()
            assert page.url == site + path
    finally:
        context.close()


def test_react_on_a_feed_without_javascript(browser, site, app):
    identity, post_id = world(app)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    try:
        page.goto(f"{site}/projects/keyboard-kayak/updates")
        box = page.locator(f"#reactions-post-{post_id}")
        box.get_by_role("button", name="Props").click()
        page.wait_for_url(f"{site}/projects/keyboard-kayak/updates#reactions-post-{post_id}")
        props = page.locator(f"#reactions-post-{post_id}").get_by_role("button", name="Props")
        expect(props).to_have_attribute("aria-pressed", "true")
        expect(props).to_contain_text("1")
    finally:
        context.close()


def test_post_about_a_tool_and_react_to_it_by_keyboard_only(browser, site, app):
    from tests.hackathon_factories import AiToolFactory
    identity, _ = world(app)
    with app.app_context():
        AiToolFactory(name="Keyboard Claude", slug="keyboard-claude")
        db.session.commit()
        db.session.remove()
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    try:
        page.goto(f"{site}/tools/keyboard-claude")
        tab_to(page, "#updates textarea#body")
        page.keyboard.type("Renamed 40 files with **one** prompt")
        tab_to(page, "#updates button[type=submit]")
        page.keyboard.press("Enter")
        card = page.locator("#updates article.post-card").first
        expect(card).to_contain_text("Renamed 40 files with one prompt")
        expect(page.locator("#updates [role=status]")).to_have_text("Posted.")
        tab_to(page, "#updates article.post-card input[value=lightbulb] ~ button")
        page.keyboard.press("Enter")
        insightful = card.get_by_role("button", name="Insightful")
        expect(insightful).to_have_attribute("aria-pressed", "true")
        expect(insightful).to_contain_text("1")
        expect(insightful).to_be_focused()
        assert page.url == f"{site}/tools/keyboard-claude"
    finally:
        context.close()
