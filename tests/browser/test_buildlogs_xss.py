"""The XSS corpus through the build logs' text fields, opened in Chromium: every payload
is submitted through the real forms as **Update** (on a project and about a tool),
**Image description** (with a real image), **Comment** and, for the URL payloads,
**Link**; then every page that shows them — /feed page by page, the project's and the
tool's lists and sections, the profile's Activity, each post page with its comments, the
author's edit forms — is opened with the CSP bypassed: no dialog, no request to a
payload's URL, no event handler or ``javascript:`` link, no foreign script, no evaluated
template."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from buildstory.buildlogs.models import Post, PostComment
from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.browser.test_hackathon_results_xss import FIND
from tests.conftest import Client
from tests.factories import AccountFactory, ProjectFactory
from tests.hackathon_factories import AiToolFactory
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK, URL_PAYLOADS


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _store(app, monkeypatch):
    """Every payload through the forms; returns the author's identity and the pages."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    with app.app_context():
        account = AccountFactory(profile__username="xss-logger")
        ProjectFactory(owner=account.profile, slug="xss-log", name="Xss log")
        AiToolFactory(name="Xss log tool", slug="xss-log-tool")
        identity = account.id
        db.session.commit()
        db.session.remove()
    me = Client(app)
    me.raw.set_cookie(app.config["SESSION_COOKIE_NAME"],
                      session_cookies(app, identity, "http://localhost")[0]["value"])
    image = png()
    for p in PAYLOADS:
        r = me.post("/projects/xss-log/updates",
                    {"body": p, "image_description": p, "image": (io.BytesIO(image), "a.png")},
                    content_type="multipart/form-data")
        assert r.status_code == 303, (p, r.status_code, r.get_data(as_text=True)[:300])
        r = me.post("/tools/xss-log-tool/posts", {"body": p})
        assert r.status_code == 303, (p, r.status_code)
    for j, u in enumerate(URL_PAYLOADS):
        r = me.post("/projects/xss-log/updates", {"body": f"Link {j}", "link_url": u})
        assert r.status_code in (303, 422), (u, r.status_code)
    with app.app_context():
        post_ids = db.session.scalars(select(Post.id).order_by(Post.created_at)).all()
    for i, p in enumerate(PAYLOADS):
        r = me.post(f"/posts/{post_ids[i]}/comments", {"body": p})
        assert r.status_code == 303, (p, r.status_code)
    with app.app_context():
        comment_ids = db.session.scalars(select(PostComment.id)).all()
        db.session.remove()
    pages = ["/projects/xss-log", "/projects/xss-log/updates", "/tools/xss-log-tool",
             "/tools/xss-log-tool/posts", "/profiles/xss-logger",
             "/profiles/xss-logger/activity"]
    pages += [f"/posts/{i}" for i in post_ids]
    pages += [f"/posts/{i}/edit" for i in post_ids[:5]]
    pages += [f"/comments/{i}/edit" for i in comment_ids[:5]]
    return identity, pages, len(post_ids)


def test_payloads_in_updates_comments_links_and_descriptions_never_run(browser, site, app,
                                                                      monkeypatch):
    identity, pages, n_posts = _store(app, monkeypatch)
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    alarms, problems = [], []
    page.on("dialog", lambda d: (alarms.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: alarms.append(f"request: {r.url}")
            if "xss.invalid" in r.url or "/xss-hx" in r.url else None)

    def check(path):
        response = page.goto(site + path, wait_until="load")
        assert response.status == 200, (path, response.status)
        problems.extend(f"{path}: {p}" for p in page.evaluate(FIND, TEMPLATE_MARK))
        problems.extend(f"{path}: {a}" for a in alarms)
        alarms.clear()

    try:
        for path in pages:
            check(path)
        # /feed, every page, by its own Older posts links
        path, feed_pages, cards = "/feed", 0, 0
        while path:
            check(path)
            feed_pages += 1
            cards += page.locator("article.post-card").count()
            older = page.get_by_role("link", name="Older posts")
            path = "/feed" + older.get_attribute("href") if older.count() else None
        # the images were stored and shown with their descriptions as alt text
        check("/projects/xss-log/updates")
        assert page.locator("img.post-image").count() >= 5
    finally:
        context.close()
    assert cards == n_posts and feed_pages > 1
    assert not problems, "\n".join(problems[:50])
