import random
from buildstory.db import db
from buildstory.demo import seed_builders, seed_events
from buildstory.events import demo as events_demo
from buildstory.projects import demo
from buildstory.identity import services, tokens
from buildstory.enums import ProjectEventKind
from tests.factories import ProjectMemberFactory, ProjectEventFactory
from buildstory.models import Project, Profile
from sqlalchemy import select


def test_shots(page, site, app):
    with app.app_context():
        rng = random.Random(7)
        seed_builders(db.session, rng); seed_events(db.session); events_demo.seed(db.session, rng); demo.seed(db.session, rng)
        p = db.session.scalar(select(Project).where(Project.slug == "receipt-whisperer"))
        for u in ("zoe-builds", "kenji"):
            m = db.session.scalar(select(Profile).where(Profile.username == u))
            ProjectMemberFactory(project=p, profile=m)
            ProjectEventFactory(project=p, kind=ProjectEventKind.joined, actor_name=m.display_name, actor_profile_id=m.id, subject_name=None)
        sess = services.create_session(db.session, "demo_amara", user_agent="shots", now=services.utcnow(), lifetime_days=30)
        db.session.commit()
        cookie = tokens.encode_session(sess)
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": site}])
    for w, h, tag in ((1280, 900, "desk"), (390, 844, "mobile")):
        page.set_viewport_size({"width": w, "height": h})
        for path, name in (("/projects/receipt-whisperer", "project"), ("/projects/new", "new"), ("/projects", "list"), ("/projects/receipt-whisperer/edit", "edit")):
            page.goto(site + path)
            page.screenshot(path=f"/tmp/shots/{name}-{tag}.png", full_page=True)
    page.goto(site + "/projects/new")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Name").type("Receipt Whisperer", delay=20)
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Create project").click()
    page.wait_for_timeout(500)
    page.screenshot(path="/tmp/shots/new-errors.png", full_page=True)
