"""Reacting and commenting on a post by keyboard in Chromium: the reaction button's
aria-pressed and count change in place, a second press takes it back, and a comment typed
and sent with the keyboard appears in the section with an empty form."""
from playwright.sync_api import expect

from buildstory.buildlogs.models import Post
from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.factories import AccountFactory, ProjectFactory


def world(app):
    with app.app_context():
        builder = AccountFactory()
        project = ProjectFactory(name="Keyboard Kite")
        post = Post(author_id=project.owner.id, context_type="project", project_id=project.id,
                    body="Shipped the kite")
        db.session.add(post)
        db.session.commit()
        ids = builder.id, post.id
        db.session.remove()
    return ids


def test_react_and_comment_by_keyboard(browser, site, app):
    identity, post_id = world(app)
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    page.goto(f"{site}/posts/{post_id}")
    box = page.locator(f"#reactions-post-{post_id}")
    fire = box.get_by_role("button", name="Fire")
    expect(fire).to_have_attribute("aria-pressed", "false")
    fire.focus()
    page.keyboard.press("Enter")
    expect(box.get_by_role("button", name="Fire")).to_have_attribute("aria-pressed", "true")
    expect(box.get_by_role("button", name="Fire")).to_contain_text("1")
    box.get_by_role("button", name="Fire").focus()
    page.keyboard.press("Enter")
    expect(box.get_by_role("button", name="Fire")).to_have_attribute("aria-pressed", "false")
    expect(box.get_by_role("button", name="Fire")).to_contain_text("0")

    section = page.locator(f"#comments-{post_id}")
    section.get_by_label("Comment").focus()
    page.keyboard.type("Lovely **kite**")
    page.keyboard.press("Tab")
    expect(section.get_by_role("button", name="Comment", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(section.locator(".comment-body strong")).to_have_text("kite")
    expect(section.get_by_label("Comment")).to_have_value("")
    assert page.url.endswith(f"/posts/{post_id}")
