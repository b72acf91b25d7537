"""Hidden projects and hidden or banned builders never show in a list anyone else reads.

Every list that could show a builder's activity or a project is read here, as a visitor,
as a signed-in builder and (the dashboard's activity) as a moderator. The filters behind
them are ``profiles.queries.visible`` and ``projects.queries.visible_project``
(docs/rules.md, "Moderation").
"""
import re

import pytest

from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory)

SECRETS = ("Hidden Harriet", "hidden-harriet", "Banned Bartholomew", "banned-bart",
           "Harriet Gadget", "harriet-gadget", "Quiet Gadget", "quiet-gadget")


@pytest.fixture
def world(db_session):
    event = EventFactory(active=True, featured=True, name="Open Jam", slug="open-jam")
    shown = ProfileFactory(display_name="Shown Sam", username="shown-sam")
    hidden = ProfileFactory(display_name="Hidden Harriet", username="hidden-harriet",
                            hidden=True)
    banned = ProfileFactory(display_name="Banned Bartholomew", username="banned-bart",
                            banned=True)
    for builder in (shown, hidden, banned):
        EventRegistrationFactory(event=event, profile=builder)
    public = ProjectFactory(owner=shown, name="Public Gadget", slug="public-gadget")
    quiet = ProjectFactory(owner=shown, name="Quiet Gadget", slug="quiet-gadget", hidden=True)
    harriet = ProjectFactory(owner=hidden, name="Harriet Gadget", slug="harriet-gadget")
    for project in (public, quiet, harriet):
        EventProjectFactory(event=event, project=project)
    for builder in (hidden, banned):
        ProjectMemberFactory(project=public, profile=builder)
    ProjectMemberFactory(project=quiet, profile=ProfileFactory(display_name="Member Mo"))
    TeamInviteFactory(project=quiet, recipient=ProfileFactory(username="invitee-ivy"))
    return {"shown": shown}


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


# Each list, and what a visitor sees in it (so the page is known to list something).
PUBLIC_LISTS = {"/": "Shown Sam", "/projects": "Public Gadget", "/events/open-jam": "Public Gadget",
                "/members": "Shown Sam", "/members?event=open-jam": "Shown Sam",
                "/members?q=harriet": None, "/members?q=bart": None,
                "/profiles/shown-sam": "Shown Sam", "/projects/public-gadget": "Shown Sam",
                "/sitemap-profiles-1.xml": "shown-sam", "/sitemap-projects-1.xml": "public-gadget"}


@pytest.mark.parametrize("path", PUBLIC_LISTS)
def test_no_public_list_shows_hidden_things(world, client, login, path):
    for who in (client, login(ProfileFactory(username="reader-rey"))):
        r = who.get(path, follow_redirects=True)  # "/" sends builders to their dashboard
        assert r.status_code == 200, path
        html = r.get_data(as_text=True)
        if who is client and PUBLIC_LISTS[path]:
            assert PUBLIC_LISTS[path] in html, path
        leaked = [s for s in SECRETS if s in html]
        assert leaked == [], (path, leaked)


def test_the_dashboards_leave_hidden_things_out(world, login):
    html = login(ProfileFactory(username="invitee-2")).get("/dashboard").get_data(as_text=True)
    assert [s for s in SECRETS if s in html] == []
    html = login(ProfileFactory(moderator=True)).get("/admin").get_data(as_text=True)
    activity = section(html, "activity-heading")
    assert "Shown Sam" in activity and "Public Gadget" in activity
    assert [s for s in SECRETS if s in activity] == []
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html))
    assert stats["Sign-ups"] == "1" and stats["Projects entered"] == "1"


def test_an_invite_to_a_hidden_project_is_not_in_the_inbox(world, login, db_session):
    from buildstory.profiles.models import Profile
    ivy = db_session.query(Profile).filter_by(username="invitee-ivy").one()
    html = login(ivy).get("/invites").get_data(as_text=True)
    assert [s for s in SECRETS if s in html] == []
