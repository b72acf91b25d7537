from sqlalchemy import select
from buildstory.db import db
from buildstory.events.models import Event
from tests.browser.a11y import session_cookies
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory, ProjectFactory, EventProjectFactory


def test_shots(page, site, app):
    with app.app_context():
        event = EventFactory(open=True, featured=True, name="Winter Agents Jam", slug="winter-agents-jam")
        fresh = ProfileFactory(username="ada", display_name="Ada Lovelace", country=None, region=None, experience_level=None)
        reg = ProfileFactory(region=None)
        EventRegistrationFactory(event=event, profile=reg, commitment_level=None, team_preference="solo")
        proj = ProfileFactory(region=None)
        EventRegistrationFactory(event=event, profile=proj, commitment_level="daily")
        done = ProfileFactory()
        p = ProjectFactory(owner=done, name="Pocket Analyst")
        EventRegistrationFactory(event=event, profile=done, onboarding_completed_at=event.created_at)
        EventProjectFactory(event=event, project=p, entered_by=done.id)
        db.session.commit()
        who = {"identity": fresh.clerk_id, "commitment": reg.clerk_id, "project": proj.clerk_id, "done": done.clerk_id}
    paths = {"identity": "/onboarding", "commitment": "/onboarding", "project": "/onboarding?step=project", "done": "/onboarding?step=done"}
    for name, ident in who.items():
        page.context.clear_cookies()
        page.context.add_cookies(session_cookies(app, ident, site))
        for w, h, tag in ((1280, 900, "desk"), (390, 844, "mobile")):
            page.set_viewport_size({"width": w, "height": h})
            page.goto(site + paths[name])
            page.screenshot(path=f"/tmp/ob-shots/{name}-{tag}.png", full_page=True)
    # errors state
    page.context.clear_cookies()
    page.context.add_cookies(session_cookies(app, who["commitment"], site))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/onboarding")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_timeout(500)
    page.screenshot(path="/tmp/ob-shots/commitment-error-desk.png", full_page=True)
