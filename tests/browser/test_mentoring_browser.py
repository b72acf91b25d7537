"""The help page and the claim page in Chromium: axe (light and dark), first-visit weight,
and claiming a help request by keyboard alone while the queue polls (the page's clock is
run forward instead of waiting 15 seconds)."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import MentorStatus
from buildstory.events.models import Event
from buildstory.mentoring import tokens
from tests.browser.a11y import serious_violations, session_cookies
from tests.browser.test_page_weight import LIMIT, first_visit
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             MentorApplicationFactory, ProjectFactory, utcnow)
from tests.mentoring_factories import HelpRequestFactory, MentorFactory


def _world(app, queue=3):
    """A live event with ``queue`` open requests (the oldest first), a mentor of every
    type, a team owner with an open request of their own, and a claim link."""
    with app.app_context():
        event = EventFactory(active=True, slug="help-jam", name="Help Jam")
        start = utcnow() - timedelta(hours=2)
        ids = [HelpRequestFactory(event=event, topic=f"Request {i}",
                                  details="Line one\nLine two " * 20,
                                  meeting_url="https://meet.example/x",
                                  created_at=start + timedelta(minutes=i)).id
               for i in range(queue)]
        mentor = AccountFactory(profile__display_name="Mo Mentor").profile
        MentorFactory(profile_id=mentor.id)
        owner = AccountFactory(profile__display_name="Tia Team").profile
        project = ProjectFactory(owner=owner, name="Team Rocket")
        EventProjectFactory(event=event, project=project)
        application = MentorApplicationFactory(status=MentorStatus.approved, name="Ada Claim")
        token = tokens.mint(db.session, application.id, now=utcnow(), ttl_days=14)
        result = {"mentor": mentor.clerk_id, "owner": owner.clerk_id, "ids": [str(i) for i in ids],
                  "token": token}
        db.session.commit()
        db.session.remove()
    return result


def test_help_and_claim_pages_have_no_serious_axe_violations(browser, site, app):
    w = _world(app)
    mentor = session_cookies(app, w["mentor"], site)
    owner = session_cookies(app, w["owner"], site)
    token = w["token"]
    for scheme in ("light", "dark"):
        for path, cookies in (("/events/help-jam/help", mentor),
                              ("/events/help-jam/help", owner),
                              (f"/mentor-claim/{token}", None),
                              (f"/mentor-claim/{token}", owner)):
            assert serious_violations(browser, site + path, cookies=cookies,
                                      color_scheme=scheme) == [], (path, scheme)


def test_help_and_claim_pages_are_at_most_40_kb_on_a_first_visit(browser, site, app):
    w = _world(app, queue=50)  # a full page of the queue
    mentor = session_cookies(app, w["mentor"], site)
    sizes = {}
    for name, url, cookies in (("help as mentor", "/events/help-jam/help", mentor),
                               ("claim page", f"/mentor-claim/{w['token']}", None)):
        total = first_visit(browser, site + url, cookies)["total"]
        sizes[name] = total
        assert total <= LIMIT, (name, total)
    print("\nfirst-visit weight:", {k: f"{v / 1024:.1f} KB" for k, v in sizes.items()})


def test_a_mentor_claims_by_keyboard_and_focus_survives_a_poll(page, site, app):
    w = _world(app)
    page.context.add_cookies(session_cookies(app, w["mentor"], site))
    page.clock.install()
    page.goto(site + "/events/help-jam/help")
    second = page.locator(f"#claim-{w['ids'][1]}")
    expect(second).to_be_visible()
    for _ in range(60):  # Tab through the page until the second request's Claim button
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == f"claim-{w['ids'][1]}":
            break
    expect(second).to_be_focused()

    def poll():
        with page.expect_response(lambda r: "/events/help-jam/help?" in r.url) as answer:
            page.clock.run_for(16_000)
        return answer.value.status

    assert poll() == 204  # nothing new: nothing swapped, focus stays
    expect(second).to_be_focused()
    with app.app_context():  # a new request arrives: the poll swaps the queue in
        event = db.session.scalars(db.select(Event).filter_by(slug="help-jam")).one()
        HelpRequestFactory(event=event, topic="Newest request")
        db.session.commit()
        db.session.remove()
    assert poll() == 200
    expect(page.get_by_role("heading", name="Newest request")).to_be_visible()
    expect(page.locator(f"#claim-{w['ids'][1]}")).to_be_focused()  # the same id, refocused
    page.keyboard.press("Enter")
    my_help = page.locator("#my-help")
    expect(my_help.get_by_role("heading", name="Request 1")).to_be_visible()
    expect(my_help.get_by_role("link", name="Meeting link")).to_be_visible()
    expect(page.locator(f"#claim-{w['ids'][1]}")).to_have_count(0)
    # The claim's answer polls on with its own digest: nothing new, no swap.
    assert poll() == 204
    expect(my_help.get_by_role("button", name="Mark resolved Request 1")).to_be_visible()
