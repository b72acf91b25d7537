"""Reports in Chromium: axe on the report form and the moderators' queue (light and
dark); a builder reports a post by keyboard alone (the form opens in place, the thanks
replaces it) and a moderator resolves it by keyboard; the XSS corpus through Details and
reporters' names, rendered in the queue with the CSP bypassed."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from buildstory.buildlogs.models import Post
from buildstory.db import db
from buildstory.identity import services as identity, tokens
from buildstory.reports.models import Report
from tests.browser.a11y import serious_violations, session_cookies
from tests.conftest import Client
from tests.factories import AccountFactory, ProfileFactory, ProjectFactory, utcnow
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK


def _post(author=None, body="Buy followers at example.com"):
    project = ProjectFactory(owner=author) if author else ProjectFactory(name="Kite Shop")
    post = Post(author_id=project.profile_id, context_type="project", project_id=project.id,
                body=body, created_at=utcnow() - timedelta(hours=1))
    db.session.add(post)
    db.session.flush()
    return post


def world(app):
    """A builder, a moderator, a post to report, and a queue with a few groups (one open
    report with details, one closed, one whose content is gone)."""
    with app.app_context():
        builder = AccountFactory(profile__display_name="Rita Reader")
        moderator = AccountFactory(profile__moderator=True, profile__display_name="Mo Derator")
        post = _post()
        other = _post(body="Totally off-topic")
        db.session.add_all([
            Report(reporter_id=ProfileFactory(display_name="Sam Sender").id, target_kind="post",
                   target_id=other.id, reason="off_topic", details="Not about the project"),
            Report(reporter_id=ProfileFactory().id, target_kind="profile",
                   target_id=ProfileFactory().id, reason="spam", status="dismissed"),
            Report(reporter_id=ProfileFactory().id, target_kind="post_comment",
                   target_id="00000000-0000-4000-8000-0000000000aa", reason="abuse")])
        db.session.commit()
        ids = builder.id, moderator.id, str(post.id), str(other.id)
        db.session.remove()
    return ids


def test_the_report_form_and_the_queue_pass_axe(browser, site, app):
    builder, moderator, post_id, _ = world(app)
    for scheme in ("light", "dark"):
        found = serious_violations(browser, f"{site}/reports/new?kind=post&id={post_id}",
                                   cookies=session_cookies(app, builder, site),
                                   color_scheme=scheme)
        assert found == [], found
        found = serious_violations(browser, f"{site}/moderation/reports",
                                   cookies=session_cookies(app, moderator, site),
                                   color_scheme=scheme)
        assert found == [], found


def test_report_a_post_and_resolve_it_by_keyboard(browser, site, app):
    builder, moderator, post_id, other_id = world(app)
    context = browser.new_context()
    context.add_cookies(session_cookies(app, builder, site))
    page = context.new_page()
    page.goto(f"{site}/posts/{post_id}")
    report = page.locator(f"#report-post-{post_id}")
    report.get_by_role("button", name="Report").focus()
    page.keyboard.press("Enter")
    reason = page.locator(f"#report-post-{post_id}-reason")
    expect(reason).to_be_focused()  # the form opened in place, focus on its first field
    page.keyboard.press("Tab")  # to Details, then back: sending without a reason first
    page.keyboard.type("Spam link in every update")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send report")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#report-post-{post_id}")).to_contain_text(
        "Choose a reason from the list")
    expect(page.locator(f"#report-post-{post_id}-details")).to_have_value(
        "Spam link in every update")
    page.locator(f"#report-post-{post_id}-reason").focus()
    page.keyboard.press("ArrowDown")  # Spam
    expect(page.locator(f"#report-post-{post_id}-reason")).to_have_value("spam")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send report")).to_be_focused()
    page.keyboard.press("Enter")
    thanks = page.locator(f"#report-post-{post_id}")
    expect(thanks).to_have_text("Thanks. A moderator will take a look.")
    expect(thanks).to_be_focused()
    assert page.url.endswith(f"/posts/{post_id}")
    context.close()

    context = browser.new_context()
    context.add_cookies(session_cookies(app, moderator, site))
    page = context.new_page()
    page.goto(f"{site}/moderation/reports")
    group = page.locator(f"#report-group-post-{post_id}")
    expect(group).to_contain_text("Spam link in every update")
    expect(group).to_contain_text("Rita Reader")
    group.get_by_role("button", name="Resolve report").focus()
    page.keyboard.press("Enter")
    group = page.locator(f"#report-group-post-{post_id}")
    expect(group).to_contain_text("Report resolved.")
    expect(group).to_be_focused()
    expect(group.get_by_role("button", name="Resolve report")).to_have_count(0)
    expect(group.locator('[data-status="resolved"]')).to_have_text("Resolved")

    # Hide, from the queue, is the update's own hide: confirmed, then its card in place.
    page.on("dialog", lambda d: d.accept())
    other = page.locator(f"#report-group-post-{other_id}")
    other.get_by_role("button", name="Hide", exact=True).focus()
    page.keyboard.press("Enter")
    card = other.locator(f"#post-{other_id}")
    expect(card).to_contain_text("Update hidden.")
    expect(card.locator('[data-status="hidden"]')).to_have_text("Hidden")
    expect(other.get_by_role("button", name="Hide", exact=True)).to_have_count(0)
    expect(card.get_by_role("button", name="Unhide update")).to_be_visible()
    context.close()


FIND = r"""(mark) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on') || name.startsWith('hx-on') || name === 'srcdoc' ||
          (['href', 'src', 'action', 'formaction'].includes(name) &&
           /^(javascript|data|vbscript):|xss\.invalid/.test(value)))
        bad.push(el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, base, style'))
    bad.push(el.outerHTML.slice(0, 120));
  [...document.scripts].filter(s => !/^\/static\//.test(s.getAttribute('src') || ''))
    .forEach(s => bad.push(s.outerHTML.slice(0, 120)));
  if (document.body.innerText.includes(mark)) bad.push('template evaluated: ' + mark);
  return bad;
}"""


def test_the_xss_corpus_through_details_never_runs_in_the_queue(browser, site, app):
    """Each payload is sent through the real form (POST /reports) as Details, by a
    reporter named with a payload, about a post whose body is a payload too."""
    with app.app_context():
        mod = AccountFactory(profile__moderator=True)
        posts = [_post(body=p[:280]) for p in PAYLOADS[:15]]  # at most 5 reports each: all shown
        reporters = [ProfileFactory(display_name=p[:100]) for p in PAYLOADS]
        cookies = [tokens.encode_session(identity.create_session(
            db.session, r.clerk_id, user_agent="xss", now=identity.utcnow(), lifetime_days=1))
            for r in reporters]
        db.session.commit()
        post_ids, mod_id = [str(p.id) for p in posts], mod.id
        db.session.remove()
    sent = 0
    for i, (payload, cookie) in enumerate(zip(PAYLOADS, cookies)):
        c = Client(app)
        c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        r = c.post("/reports", {"kind": "post", "id": post_ids[i % len(post_ids)],
                                "reason": "abuse", "details": payload[:500]})
        assert r.status_code == 303, (payload, r.status_code)
        sent += 1
    with app.app_context():
        assert db.session.query(Report).count() == sent == len(PAYLOADS)
        db.session.remove()
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(session_cookies(app, mod_id, site))
    page = context.new_page()
    alarms = []
    page.on("dialog", lambda d: (alarms.append(d.message), d.dismiss()))
    page.on("request", lambda r: alarms.append(r.url) if "xss.invalid" in r.url else None)
    response = page.goto(f"{site}/moderation/reports", wait_until="load")
    assert response.status == 200
    expect(page.locator(".report-group")).to_have_count(len(post_ids))
    assert page.locator(".report-details").count() == len(PAYLOADS)
    problems = page.evaluate(FIND, TEMPLATE_MARK) + alarms
    assert problems == [], problems[:20]
    context.close()
