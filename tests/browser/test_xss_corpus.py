"""The XSS corpus through every user text field, every page that shows it, in Chromium.

Each of the payloads of ``tests/xss_payloads.py`` is submitted through the real forms —
display name, bio, handles, website / Twitch / stream URLs, project name, description,
goal and URLs, event name and description, mentor and sponsor applications, ban reasons,
Twitch category names, other skills, join-request messages (read by the project's
owner on /invites) — and then every page that shows them is opened with the CSP
bypassed (``bypass_csp=True``), so the escaping and the markdown cleaner are what is
tested: no dialog opens, no request goes to a payload's URL, no element carries an event
handler or a ``javascript:`` / ``data:`` / ``vbscript:`` link, no script but our two
files exists, and no template expression was evaluated.
"""
from __future__ import annotations

import pytest

from buildstory.db import db
from tests.browser.waits import pending_events_ran
from tests.xss_payloads import TEMPLATE_MARK, push_everywhere, stored_urls

FIND_INJECTED = r"""(mark) => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background',
                    'poster', 'srcset'];
  const hxRequests = ['hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete', 'hx-trigger',
                      'hx-vals', 'hx-headers'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on') || name.startsWith('hx-on') || name === 'srcdoc' ||
          (hxRequests.includes(name) && value.includes('/xss-hx')) ||
          (urlAttrs.includes(name) && /^(javascript|data|vbscript):|xss\.invalid/.test(value)))
        bad.push(el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll(
      'iframe, object, embed, base, meta[http-equiv], style, link[rel=import], math[href]'))
    bad.push(el.outerHTML.slice(0, 120));
  const scripts = [...document.scripts].filter(s => !/^\/static\//.test(s.getAttribute('src') || ''));
  scripts.forEach(s => bad.push(s.outerHTML.slice(0, 120)));
  if (document.body.innerText.includes(mark)) bad.push('template evaluated: ' + mark);
  return bad;
}"""


@pytest.fixture
def watched(browser):
    """A context with the CSP bypassed that records dialogs and payload requests."""
    contexts = []

    def make(cookie=None, site=None, app=None):
        context = browser.new_context(bypass_csp=True)
        contexts.append(context)
        if cookie:
            context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie,
                                  "url": site}])
        page = context.new_page()
        page.alarms = []
        page.on("dialog", lambda d: (page.alarms.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: page.alarms.append(f"request: {r.url}")
                if "xss.invalid" in r.url or "/xss-hx" in r.url else None)
        return page

    yield make
    for context in contexts:
        context.close()


def visit_all(page, site, paths) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(site + path, wait_until="load")
        assert response.status == 200, (path, response.status)
        problems += [f"{path}: {p}" for p in page.evaluate(FIND_INJECTED, TEMPLATE_MARK)]
        problems += [f"{path}: {a}" for a in page.alarms]
        page.alarms.clear()
    return problems


def test_the_corpus_never_runs_anywhere(watched, site, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "100000 per hour")
    corpus = push_everywhere(app)
    with app.app_context():
        urls = stored_urls(db.session)
    # URL fields refuse every other scheme (quotes in a path stay data, escaped below).
    assert urls and all(u.startswith(("http://", "https://")) for u in urls), urls

    problems = []
    for who, paths in corpus.pages.items():
        page = watched(corpus.cookies.get(who), site, app)
        problems += visit_all(page, site, paths)
    banned = watched(corpus.banned_cookies[0], site, app)
    for cookie in corpus.banned_cookies:  # each ban reason on its suspension page
        banned.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"],
                                     "value": cookie, "url": site}])
        problems += visit_all(banned, site, ["/banned"])
    assert not problems, "\n".join(problems[:50])
    pages = sum(len(p) for p in corpus.pages.values()) + len(corpus.banned_cookies)
    print(f"\nXSS corpus: {corpus.tried} payload submissions, {pages} pages opened")


def test_the_detector_sees_an_injection(watched, site, app):
    """Guards the test above: the same checks on a page that does run a payload."""
    page = watched()
    page.goto(site + "/healthz")
    page.set_content('<p>x</p><img src=x onerror="alert(7)"><a href="JavaScript:void(0)">a</a>'
                     '<script>document.title = "tpl49tpl"; alert(8)</script>'
                     '<div hx-get="/xss-hx">h</div><p>tpl49tpl</p>', wait_until="load")
    pending_events_ran(page)
    found = page.evaluate(FIND_INJECTED, TEMPLATE_MARK)
    assert len(found) >= 5, found
    assert any("dialog" in a for a in page.alarms)
