"""The foundation's pages pass axe-core's WCAG 2.1 AA rules (no serious or critical issue)."""
import pytest

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/sign-in", "/sign-up", "/forgot-password", "/no-such-page"])
def test_public_pages_are_accessible(browser, site, path, scheme):
    assert serious_violations(browser, site + path, color_scheme=scheme) == []


def test_signed_in_pages_are_accessible(browser, site, app):
    from tests.factories import AccountFactory
    with app.app_context():
        account = AccountFactory()
        identity = account.id
        db.session.commit()
    cookies = session_cookies(app, identity, site)
    for path in ("/dashboard", "/settings/account"):
        assert serious_violations(browser, site + path, cookies=cookies) == [], path
