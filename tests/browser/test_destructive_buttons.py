"""Every destructive button in a real browser: it asks first, naming the thing; dismissing
the dialog changes nothing; accepting it acts. Owner, member and admin walk their pages:
Remove from event, Revoke (project page and inbox), Remove (member), Delete project,
Withdraw, Remove avatar, Leave project, Hide, Ban, Hide project, Delete event and Remove
(a stream category)."""
import os
import re

from playwright.sync_api import expect

from buildstory.db import db
from tests.browser.a11y import session_cookies
from tests.factories import (AccountFactory, AvatarFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory, TwitchCategoryFactory)

SHOTS = "/tmp/destructive"


def world(app):
    with app.app_context():
        owner = AccountFactory(profile__username="olive", profile__display_name="Olive Owner")
        member = AccountFactory(profile__username="max", profile__display_name="Max Member")
        admin = AccountFactory(profile__admin=True, profile__username="ada-admin")
        project = ProjectFactory(owner=owner.profile, name="Lighthouse", slug="lighthouse")
        ProjectFactory(owner=owner.profile, name="Doomed Draft", slug="doomed")
        ProjectMemberFactory(project=project, profile=member.profile)
        ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mia Member"))
        TeamInviteFactory(project=project, recipient=ProfileFactory(display_name="Ivy Invitee"))
        TeamInviteFactory(project=project, link=True)
        event = EventFactory(name="Spring Jam", slug="spring-jam", status="active")
        EventRegistrationFactory(event=event, profile=owner.profile)
        EventProjectFactory(event=event, project=project)
        AvatarFactory(profile=owner.profile)
        victim = ProfileFactory(username="vic", display_name="Vic Victim")
        ProfileFactory(username="bart", display_name="Bart Banned-Soon")
        ProjectFactory(owner=victim, name="Spam Tower", slug="spam-tower")
        EventFactory(draft=True, name="Old Draft Jam", slug="old-draft")
        TwitchCategoryFactory(name="Software and Game Development")
        db.session.commit()
        ids = owner.id, member.id, admin.id
        db.session.remove()
    return ids


def as_(browser, app, site, identity):
    context = browser.new_context()
    context.add_cookies(session_cookies(app, identity, site))
    return context.new_page()


def walk(page, url, click, names, acted):
    """Open ``url``; click and dismiss (the dialog names ``names``; no request is sent);
    click and accept (``acted`` holds)."""
    if url:
        page.goto(url)
    seen, posts = [], []

    def record(request):
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", record)
    page.once("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    click(page)
    assert seen and all(n in seen[0] for n in names), (seen, names)
    assert posts == []  # dismissing sends nothing
    page.once("dialog", lambda d: (seen.append(d.message), d.accept()))
    click(page)
    acted(page)
    page.remove_listener("request", record)
    assert len(seen) == 2 and len(posts) == 1, (seen, posts)


def button(name, scope=None):
    return lambda page: (page.locator(scope) if scope else page).get_by_role(
        "button", name=name, exact=True).click()


def test_each_destructive_button_asks_naming_the_thing(browser, site, app):
    owner_id, member_id, admin_id = world(app)
    owner = as_(browser, app, site, owner_id)
    project = site + "/projects/lighthouse"
    owner.goto(project)  # a picture of the red, asking buttons for a human to look at
    os.makedirs(SHOTS, exist_ok=True)
    owner.screenshot(path=f"{SHOTS}/project-owner.png", full_page=True)

    walk(owner, project, button("Remove from event Spring Jam"), ["Lighthouse", "Spring Jam"],
         lambda p: expect(p.locator("#project-events")).to_contain_text(
             "Lighthouse is no longer entered in Spring Jam."))
    walk(owner, None, button("Revoke Ivy Invitee"), ["Ivy Invitee"], 
         lambda p: expect(p.locator("#team")).not_to_contain_text("Ivy Invitee"))
    walk(owner, None, button("Remove Mia Member"), ["Mia Member", "Lighthouse"], 
         lambda p: expect(p.locator("#team")).not_to_contain_text("Mia Member"))
    walk(owner, site + "/invites", button("Revoke"), ["invite link", "Lighthouse"],
         lambda p: expect(p.locator("main")).to_contain_text("Invite revoked."))
    walk(owner, site + "/projects/doomed/edit", button("Delete project"), ["Doomed Draft"],
         lambda p: expect(p).to_have_url(re.compile(r"/projects$")))
    walk(owner, site + "/events/spring-jam", button("Withdraw"), ["Spring Jam"],
         lambda p: expect(p.get_by_role("button", name="Withdraw")).to_have_count(0))
    walk(owner, site + "/settings", button("Remove avatar"), ["avatar"],
         lambda p: expect(p.locator("#avatar-panel")).to_contain_text("Avatar removed"))

    member = as_(browser, app, site, member_id)
    walk(member, project, button("Leave project"), ["Lighthouse"], 
         lambda p: expect(p.locator("#team")).not_to_contain_text("Max Member"))

    admin = as_(browser, app, site, admin_id)
    walk(admin, site + "/profiles/vic", button("Hide"), ["Vic Victim"],
         lambda p: expect(p.locator(".mod-panel")).to_contain_text("Vic Victim is hidden."))
    admin.goto(site + "/profiles/bart")
    admin.get_by_text("Ban…").click()
    admin.get_by_label("Reason").fill("Spam in every project")  # a ban needs a reason
    walk(admin, None, button("Ban"), ["Bart Banned-Soon"],
         lambda p: expect(p.locator(".mod-panel")).to_contain_text("Bart Banned-Soon is banned."))
    walk(admin, site + "/projects/spam-tower", button("Hide project"), ["Spam Tower"],
         lambda p: expect(p.locator(".mod-section")).to_contain_text("Spam Tower is hidden."))
    walk(admin, site + "/admin/events/old-draft", button("Delete event"), ["Old Draft Jam"],
         lambda p: expect(p).to_have_url(re.compile(r"/admin/events$")))
    walk(admin, site + "/admin/streams", button("Remove Software and Game Development"),
         ["Software and Game Development"],
         lambda p: expect(p.locator("#streams-main")).to_contain_text("No categories yet"))


def test_transfer_and_the_owners_leave_ask_naming_the_project(browser, site, app):
    """Transfer ownership and the owner's Leave project: each asks (naming the project)
    after a member is chosen; dismissing sends nothing; accepting hands the project over."""
    with app.app_context():
        owner = AccountFactory(profile__username="tess", profile__display_name="Tess Owner")
        nina = AccountFactory(profile__username="nina", profile__display_name="Nina Next")
        project = ProjectFactory(owner=owner.profile, name="Beacon", slug="beacon")
        ProjectMemberFactory(project=project, profile=nina.profile)
        ProjectMemberFactory(project=project,
                             profile=ProfileFactory(display_name="Paz Pal", username="paz"))
        db.session.commit()
        owner_id, nina_id = owner.id, nina.id
        db.session.remove()
    page = as_(browser, app, site, owner_id)
    page.goto(site + "/projects/beacon")
    page.get_by_label("New owner").select_option(label="Nina Next (@nina)")
    walk(page, None, button("Transfer ownership"), ["Beacon"],
         lambda p: expect(p.locator("#team")).to_contain_text("Nina Next now owns this project"))
    # Nina now owns it: she leaves naming Paz as the next owner
    nina_page = as_(browser, app, site, nina_id)
    nina_page.goto(site + "/projects/beacon")
    nina_page.get_by_label("Next owner").select_option(label="Paz Pal (@paz)")
    walk(nina_page, None, button("Leave project", "#owner-leave-form"), ["Beacon"],
         lambda p: expect(p).to_have_url(re.compile(r"/projects/beacon$")))
    expect(nina_page.locator("#team .person").first).to_contain_text("Paz Pal")
