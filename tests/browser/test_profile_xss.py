"""XSS payloads in names and bios never run on the profile page or in the directory.

The CSP is bypassed (``bypass_csp=True``) so the escaping and the markdown cleaner are what
is tested, not the Content-Security-Policy that would otherwise block inline handlers.
"""
import pytest

from buildstory.db import db
from tests.browser.waits import pending_events_ran
from tests.factories import ProfileFactory

# Each payload would set window.__xss (or open a dialog) if it ever executed.
BIO_PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg/onload=window.__xss=1>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<details open ontoggle=window.__xss=1>",
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[x](https://ok.example\" onmouseover=\"window.__xss=1)",
    "[<img src=x onerror=window.__xss=1>](https://ok.example)",
    "**<img src=x onerror=alert(1)>** _<svg onload=alert(1)>_",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
]
NAME_PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "\"><svg onload=alert(1)>",
    "'onmouseover='alert(1)",
    "</title><script>alert(1)</script>",
]

INJECTED = """() => {
  const main = document.querySelector('main');
  const handlers = [...document.querySelectorAll('*')].filter(
      el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  const badLinks = [...document.querySelectorAll('a[href]')].filter(
      el => !/^(https?:|\\/|#)/i.test(el.getAttribute('href')));
  return {
    xss: window.__xss || null,
    scripts: document.querySelectorAll('script').length,
    // Country flags are the site's own images (class "flag", served from /static/flags/);
    // any other image in <main> would have come from a payload.
    mainScripts: main.querySelectorAll(
      'script, iframe, img:not(.flag[src^="/static/flags/"]), object, embed, svg:not(.avatar)').length,
    handlers: handlers.map(el => el.outerHTML.slice(0, 80)),
    badLinks: badLinks.map(el => el.outerHTML.slice(0, 80)),
  };
}"""


@pytest.fixture
def csp_bypassed_page(browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _seed(app):
    with app.app_context():
        builders = []
        for i, bio in enumerate(BIO_PAYLOADS):
            name = NAME_PAYLOADS[i % len(NAME_PAYLOADS)]
            builders.append(ProfileFactory(username=f"xss{i:02d}", display_name=name, bio=bio,
                                           website_url="javascript:alert(1)",
                                           twitter_handle="x\" onclick=\"alert(1)").username)
        db.session.commit()
        return builders


def _assert_clean(page):
    pending_events_ran(page)  # any onload/onerror/ontoggle has fired by then
    found = page.evaluate(INJECTED)
    assert found["xss"] is None and page.dialogs == []
    assert found["scripts"] == 2  # htmx and app.js, both from /static
    assert found["mainScripts"] == 0, found
    assert found["handlers"] == [] and found["badLinks"] == [], found


def test_payloads_in_bio_and_names_never_execute_on_profile_pages(csp_bypassed_page, site, app):
    page = csp_bypassed_page
    for username in _seed(app):
        page.goto(f"{site}/profiles/{username}")
        assert page.locator("h1").count() == 1
        _assert_clean(page)
    # The payload is shown as text, exactly as typed.
    page.goto(f"{site}/profiles/xss00")
    assert page.locator("h1").inner_text() == NAME_PAYLOADS[0]
    assert page.locator(".profile-bio .prose").inner_text() == BIO_PAYLOADS[0]


def test_payload_names_never_execute_in_the_member_directory(csp_bypassed_page, site, app):
    _seed(app)
    page = csp_bypassed_page
    page.goto(f"{site}/members")
    assert page.locator(".member-card").count() == len(BIO_PAYLOADS)
    _assert_clean(page)
    page.get_by_label("Search members").press_sequentially("xss0", delay=20)
    page.wait_for_url("**/members?q=xss0**")
    page.locator(".member-card").first.wait_for()
    _assert_clean(page)
