import random
from buildstory.db import db
from buildstory import demo
from buildstory.events import demo as events_demo
from sqlalchemy import select
from buildstory.events.models import Event
from buildstory.profiles.models import Profile
from tests.browser.a11y import session_cookies
from tests.factories import EventProjectFactory, ProjectFactory


def test_screens(browser, site, app):
    with app.app_context():
        demo.seed_builders(db.session, random.Random(1))
        demo.seed_events(db.session)
        events_demo.seed(db.session, random.Random(42))
        jam = db.session.scalar(select(Event).where(Event.slug == "winter-agents-jam"))
        owners = db.session.scalars(select(Profile).limit(7)).all()
        names = ["Inbox Zero Agent", "Recipe Remix", "Voice Notes to Tasks", "PDF Whisperer", "Farm Weather Bot", "Chem Tutor", "Tiny Level Gen"]
        for o, n in zip(owners, names):
            EventProjectFactory(event=jam, project=ProjectFactory(owner=o, name=n))
        admin = db.session.scalar(select(Profile).where(Profile.username == "amara"))
        admin.role = "admin"
        db.session.commit()
        ident = admin.clerk_id
    cookies = session_cookies(app, ident, site)
    for name, width, height in (("desktop", 1280, 900), ("mobile", 390, 844)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme="light")
        page = ctx.new_page()
        page.goto(site + "/events"); page.screenshot(path=f"/tmp/evscratch/events-{name}.png", full_page=True)
        page.goto(site + "/events/winter-agents-jam"); page.wait_for_timeout(1200); page.screenshot(path=f"/tmp/evscratch/event-{name}.png", full_page=True)
        ctx.add_cookies(cookies)
        page.goto(site + "/events/spring-build-sprint"); page.screenshot(path=f"/tmp/evscratch/event-signedin-{name}.png", full_page=True)
        page.goto(site + "/admin/events"); page.screenshot(path=f"/tmp/evscratch/admin-list-{name}.png", full_page=True)
        page.goto(site + "/admin/events/winter-agents-jam"); page.screenshot(path=f"/tmp/evscratch/admin-edit-{name}.png", full_page=True)
        ctx.close()
