"""The roadmap in Chromium: upvoting and commenting by keyboard alone, and the XSS corpus
through the idea's Title, Description, a Comment, a Reply and a category Name, opened on
every roadmap page with the CSP bypassed (docs/rules.md "Roadmap")."""
from __future__ import annotations

from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import FeatureBoardStatus as S
from buildstory.roadmap import comments, leaderboard, services
from buildstory.roadmap.models import FeatureBoardCategory
from tests.browser.a11y import session_cookies
from tests.browser.test_xss_corpus import visit_all, watched  # noqa: F401  (fixture)
from tests.factories import AccountFactory, ProfileFactory, utcnow
from tests.roadmap_helpers import make_idea
from tests.xss_payloads import PAYLOADS


def test_upvote_and_comment_by_keyboard(browser, site, app):
    with app.app_context():
        builder = AccountFactory()
        idea = make_idea(db.session, ProfileFactory(), title="Keyboard kite", status=S.next)
        db.session.commit()
        identity, slug, item_id = builder.id, idea.slug, idea.id
        db.session.remove()
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    page.goto(f"{site}/roadmap/{slug}")
    box = page.locator(f"#upvote-{item_id}")
    button = box.get_by_role("button", name="Upvote")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_contain_text("1")
    button.focus()
    page.keyboard.press("Enter")
    expect(box.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    expect(box.get_by_role("button", name="Upvote")).to_contain_text("2")
    box.get_by_role("button", name="Upvote").focus()
    page.keyboard.press("Space")
    expect(box.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "false")
    expect(box.get_by_role("button", name="Upvote")).to_contain_text("1")

    section = page.locator("#idea-comments")
    section.get_by_label("Comment").focus()
    page.keyboard.type("Lovely **kite**")
    page.keyboard.press("Tab")
    expect(section.get_by_role("button", name="Comment", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#idea-comments .comment-body strong")).to_have_text("kite")
    expect(page.locator("#idea-comments").get_by_label("Comment", exact=True)).to_have_value("")
    assert page.url.endswith(f"/roadmap/{slug}")
    context.close()


def _push_corpus(app):
    """Every payload as an idea's title and description, a comment and a reply on it, and a
    category name; the ideas made public and the leaderboard computed."""
    with app.app_context():
        s = db.session
        account = AccountFactory(profile__admin=True)
        author = account.profile
        slugs = []
        for i, payload in enumerate(PAYLOADS):
            category = FeatureBoardCategory(name=f"{i} {payload}"[:50], colour="red", sort_order=i)
            s.add(category)
            s.flush()
            item = services.submit_idea(s, author, {"title": payload, "description": payload,
                                                    "category": str(category.id)},
                                        now=utcnow(), limit_enabled=False)
            top = comments.add_comment(s, item, ProfileFactory(), payload, now=utcnow(),
                                       limit_enabled=False)
            comments.add_comment(s, item, author, payload, str(top.id), now=utcnow(),
                                 limit_enabled=False)
            item.status = S.now if i % 2 else S.shipped
            slugs.append(item.slug)
        leaderboard.refresh(s, now=utcnow())
        s.commit()
        identity = account.id
        s.remove()
    return identity, slugs


def test_the_corpus_never_runs_on_roadmap_pages(watched, site, app):  # noqa: F811
    identity, slugs = _push_corpus(app)
    cookies = session_cookies(app, identity, site)
    page = watched(cookies[0]["value"], site, app)
    paths = ["/roadmap", "/roadmap?view=list", "/roadmap?view=list&status=shipped",
             "/roadmap?view=contributors", "/admin/roadmap", "/roadmap?view=list&page=2",
             "/notifications"] + [f"/roadmap/{slug}" for slug in slugs[:8]] + [
             f"/roadmap/{slug}/edit" for slug in slugs[:2]]
    problems = visit_all(page, site, paths)
    assert not problems, "\n".join(problems[:30])


def _full_roadmap(app):
    """Full columns and pages: 50+ ideas in each public status and the triagers' ones,
    long titles, categories, comments with replies, the leaderboard; an admin."""
    from tests.roadmap_helpers import make_category, make_comment
    with app.app_context():
        s = db.session
        admin = AccountFactory(profile__admin=True, profile__display_name="Amara Okafor")
        builders = [ProfileFactory(display_name=f"Zoë Müller {i}") for i in range(20)]
        cats = [make_category(s, name=f"Category {c}", colour=c, order=i)
                for i, c in enumerate(("blue", "green", "purple", "orange", "red", "teal",
                                       "pink", "slate"))]
        first = None
        for status in S:
            for i in range(52 if status in (S.now, S.shipped) else 8):
                idea = make_idea(s, builders[i % 20], status=status, category=cats[i % 8],
                                 title=f"Let builders export their {status.value} timeline "
                                       f"as a calendar feed, idea {i}",
                                 description="Because **calendars** are where we plan. " * 10,
                                 upvoters=builders[: i % 7])
                first = first or (idea if status == S.now else None)
        top = make_comment(s, first, builders[1], body="Yes, and *weekly* too. " * 5)
        make_comment(s, first, builders[2], body="Agreed.", parent=top)
        mine = make_comment(s, first, admin.profile, body="Looking into it.")
        leaderboard.refresh(s, now=utcnow())
        s.commit()
        ids = admin.id, first.slug, mine.id
        s.remove()
    return ids


ROADMAP_PATHS = ["/roadmap", "/roadmap?view=list", "/roadmap?view=contributors", "/roadmap/new",
                 "/admin/roadmap"]


def test_roadmap_pages_pass_axe_light_and_dark(browser, site, app):
    from tests.browser.a11y import serious_violations
    identity, slug, comment_id = _full_roadmap(app)
    cookies = session_cookies(app, identity, site)
    paths = ROADMAP_PATHS + [f"/roadmap/{slug}", f"/roadmap/{slug}/edit",
                             f"/roadmap/comments/{comment_id}/edit"]
    for scheme in ("light", "dark"):
        for path in paths:
            assert serious_violations(browser, site + path, cookies=cookies,
                                      color_scheme=scheme) == [], (scheme, path)
    assert serious_violations(browser, site + "/roadmap") == []          # signed out
    assert serious_violations(browser, site + f"/roadmap/{slug}") == []


def test_roadmap_form_errors_pass_axe(browser, site, app):
    from tests.browser.a11y import AXE, RUN
    identity, slug, _ = _full_roadmap(app)
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    page.goto(site + "/roadmap/new")
    page.get_by_role("button", name="Submit idea").click()
    expect(page.get_by_text("Title is required").first).to_be_visible()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(RUN) == []
    context.close()


def test_roadmap_pages_weigh_at_most_40_kb_on_a_first_visit(browser, site, app):
    from tests.browser.test_page_weight import LIMIT, first_visit
    identity, slug, _ = _full_roadmap(app)
    cookies = session_cookies(app, identity, site)
    for path in ROADMAP_PATHS[:3] + [f"/roadmap/{slug}", "/roadmap?view=list&status=now"]:
        for who in (None, cookies):
            total = first_visit(browser, site + path, who)["total"]
            print(f"\n  {total / 1024:5.1f} KB  {path} {'admin' if who else 'anonymous'}")
            assert total <= LIMIT, (path, total)
