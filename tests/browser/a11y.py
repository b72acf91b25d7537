"""Accessibility checks with axe-core (WCAG 2.1 A/AA rules), injected by the test.

The page is opened in a context with the CSP bypassed only so the axe script can be
injected; the pages themselves are unchanged.
"""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def serious_violations(browser, url: str, *, cookies=None, color_scheme="light"):
    """Return axe's serious and critical violations for ``url``."""
    assert AXE.exists(), "axe-core missing: run `npm ci` (make test does)"
    context = browser.new_context(bypass_csp=True, color_scheme=color_scheme)
    try:
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        return page.evaluate(RUN)
    finally:
        context.close()


def session_cookies(app, identity_id: str, base_url):
    """Cookies that sign the identity in on the live server (a real session row)."""
    from buildstory.db import db
    from buildstory.identity import services, tokens

    with app.app_context():
        sess = services.create_session(db.session, identity_id, user_agent="axe",
                                       now=services.utcnow(), lifetime_days=1)
        db.session.commit()
        value = tokens.encode_session(sess)
    return [{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": base_url}]
