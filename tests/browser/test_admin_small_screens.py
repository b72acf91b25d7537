"""The admin area on small screens (and a desktop), on the demo's data: no page scrolls
sideways, tables scroll inside a named box or stack, charts scale to their card without
clipping a bar or a date, the audit log's When and Who never break mid-word, and axe stays
clean at phone width."""
import pytest
from argon2 import PasswordHasher
from playwright.sync_api import expect
from sqlalchemy import select

from buildstory.db import db
from tests.browser.a11y import AXE, RUN, session_cookies

WIDTHS = {"narrow": 320, "phone": 390, "desktop": 1280}
PAGES = ["/admin", "/admin/users", "/admin/users/{user}", "/admin/audit", "/admin/events",
         "/admin/events/voice-ai-weekend", "/admin/mentors", "/admin/sponsors",
         "/admin/streams", "/admin/draws"]


@pytest.fixture
def demo(app, site):
    """The living demo (events in every status, builders, audit rows, draws); the demo
    admin's cookies and a builder's id for the user detail page."""
    from buildstory.demo import seed_demo
    from buildstory.profiles.models import Profile

    with app.app_context():
        seed_demo(db.session, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                    parallelism=1))
        db.session.commit()
        user = db.session.scalar(select(Profile.id).where(Profile.username == "priya"))
        db.session.remove()
    return {"cookies": session_cookies(app, "demo_admin", site), "user": user}


def open_page(browser, site, demo, path, width, **options):
    context = browser.new_context(viewport={"width": width, "height": 844}, **options)
    context.add_cookies(demo["cookies"])
    page = context.new_page()
    response = page.goto(site + path.format(user=demo["user"]))
    assert response.status == 200, path
    return context, page


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_admin_pages_never_scroll_sideways_and_tables_scroll_in_a_named_box(browser, site,
                                                                            demo, width):
    for path in PAGES:
        context, page = open_page(browser, site, demo, path, width)
        try:
            assert page.evaluate("document.documentElement.scrollWidth") == \
                page.evaluate("window.innerWidth"), path
            for table in page.locator("main table:not(.visually-hidden)").all():
                box = table.locator("xpath=..")
                assert box.get_attribute("class") == "table-scroll", path
                assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
                assert box.get_attribute("aria-label"), path
                expect(table.locator("caption")).to_have_count(1)
        finally:
            context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_charts_scale_to_their_card_without_clipping(browser, site, demo, width):
    context, page = open_page(browser, site, demo, "/admin", width)
    try:
        charts = page.locator("figure.chart")
        expect(charts).to_have_count(2)
        for chart in charts.all():
            region = chart.get_by_role("region")
            # Nothing hidden: the picture fits its box, so no bar or date is cut off.
            assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), width
            svg = chart.locator("svg")
            drawn = float(svg.evaluate("el => el.viewBox.baseVal.width"))
            shown = svg.bounding_box()["width"]
            assert shown <= drawn + 0.5  # never blown up past its drawn size
            assert shown / drawn * 12 >= 10  # its 12px labels stay readable
        labels = page.locator("#chart-signups .chart-label").all_inner_texts()
        assert len(labels) >= 4  # every weekly date is drawn (and inside the box, above)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_audit_when_and_who_do_not_wrap_mid_word(browser, site, demo, width):
    context, page = open_page(browser, site, demo, "/admin/audit", width)
    try:
        whens = page.locator(".audit-table td > time").all()
        handles = page.locator(".audit-table td .nowrap").all()
        assert whens and handles
        for element in whens + handles:
            assert element.evaluate("el => el.getClientRects().length") == 1
            assert element.evaluate(
                "el => { const r = el.getClientRects()[0];"
                " return r.height < parseFloat(getComputedStyle(el).lineHeight) * 1.5; }")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/admin", "/admin/audit", "/admin/events", "/admin/draws",
                                  "/admin/users/{user}"])
def test_admin_pages_are_axe_clean_at_phone_width(browser, site, demo, path):
    context, page = open_page(browser, site, demo, path, 390, bypass_csp=True)
    try:
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN) == []
    finally:
        context.close()
