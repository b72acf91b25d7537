"""/admin/webhooks and /admin/jobs in a real browser: axe (light and dark, with errors, a
secret shown, deliveries and failures listed), the Add form's htmx swap, the Delete
confirmation, and each page's first-visit weight."""
import pytest

from buildstory.db import db
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.test_page_weight import LIMIT, first_visit
from tests.browser.waits import count_htmx_requests, htmx_requests

pytestmark = pytest.mark.browser


def seed(app):
    """An admin, a JSON webhook with deliveries (one failed), a failed job."""
    import sqlalchemy as sa
    from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
    from tests.factories import ProfileFactory
    with app.app_context():
        admin = ProfileFactory(admin=True, display_name="Root Admin", username="rootadmin")
        hook = WebhookEndpoint(name="Ops feed", url="http://127.0.0.1:9/hook", format="json",
                               events=["milestone", "project_created"], secret="0" * 64,
                               last_error="HTTP 502", consecutive_failures=3)
        db.session.add(hook)
        db.session.flush()
        for i, status in enumerate(("succeeded", "failed", "queued", "skipped") * 5):
            db.session.add(WebhookDelivery(endpoint_id=hook.id, event="project_created",
                                           payload={}, dedupe_key=f"k{i}", status=status,
                                           attempts=1, last_error="HTTP 502"
                                           if status == "failed" else None))
        db.session.execute(sa.text(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
            "SELECT 'maintenance', 'maintenance.clean_up', '{}', 'failed' "
            "FROM generate_series(1, 25)"))
        db.session.commit()
        return admin.clerk_id, hook.id


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_webhook_and_jobs_pages_pass_axe(browser, site, app, scheme):
    identity, hook_id = seed(app)
    cookies = session_cookies(app, identity, site)
    for path in ("/admin/webhooks", f"/admin/webhooks/{hook_id}", "/admin/jobs"):
        assert serious_violations(browser, site + path, cookies=cookies,
                                  color_scheme=scheme) == [], path


def test_the_add_form_with_errors_and_with_a_secret_passes_axe(browser, site, app):
    identity, _ = seed(app)
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(session_cookies(app, identity, site))
    page = context.new_page()
    try:
        page.goto(site + "/admin/webhooks")
        page.get_by_role("button", name="Add webhook").click()
        page.get_by_text("Choose at least one event").first.wait_for()
        from tests.browser.a11y import AXE, RUN
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN) == []
        page.get_by_label("Name").fill("Partner feed")
        page.get_by_label("URL").fill("http://127.0.0.1:9/partner")
        page.get_by_label("JSON").check()
        page.get_by_label("Sponsor inquiry").check()
        page.get_by_role("button", name="Add webhook").click()
        page.get_by_text("shown only once").wait_for()
        assert len(page.locator("#webhook-secret").inner_text()) == 64
        assert page.get_by_role("link", name="Partner feed", exact=True).is_visible()
        assert page.evaluate(RUN) == []
    finally:
        context.close()


def test_delete_asks_first_naming_the_webhook(page, site, app):
    identity, hook_id = seed(app)
    page.context.add_cookies(session_cookies(app, identity, site))
    page.goto(site + f"/admin/webhooks/{hook_id}")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    count_htmx_requests(page)
    page.get_by_role("button", name="Delete webhook").click()
    assert htmx_requests(page) == 0
    assert messages == ["Delete the webhook Ops feed and its deliveries?"]
    page.remove_listener("dialog", dismiss)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete webhook").click()
    page.wait_for_url("**/admin/webhooks")
    page.get_by_text("No webhooks yet").wait_for()


def test_the_new_pages_weigh_at_most_40_kb_on_a_first_visit(browser, site, app):
    identity, hook_id = seed(app)
    cookies = session_cookies(app, identity, site)
    for path in ("/admin/webhooks", f"/admin/webhooks/{hook_id}", "/admin/jobs"):
        total = first_visit(browser, site + path, cookies)["total"]
        print(f"\n  {total / 1024:5.1f} KB  {path}")
        assert total <= LIMIT, (path, total)
