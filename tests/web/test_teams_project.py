"""The team section of the project page: search, send, links, revoke, remove, leave."""
import re
import uuid

import pytest
from sqlalchemy import func, select

from buildstory.enums import InviteStatus, InviteType, ProjectEventKind
from buildstory.models import ProjectEvent, ProjectMember, TeamInvite
from tests.factories import (ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory, token_hash)


def text(r):
    return r.get_data(as_text=True)


def count(db_session, model, *where):
    return db_session.scalar(select(func.count(model.id)).where(*where))


@pytest.fixture
def team(db_session):
    """A project with one member; the owner, member and a stranger."""
    project = ProjectFactory(slug="receipts", owner__display_name="Amara Okafor")
    member = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Mo Member")).profile
    # Fixed names: a random Faker name ("Kenneth …") would match the invitee searches below.
    return project, project.owner, member, ProfileFactory(display_name="Sam Stranger")


def state(db_session):
    """Everything the team actions may change, to prove refused requests changed nothing."""
    return (count(db_session, TeamInvite), count(db_session, ProjectMember),
            count(db_session, ProjectEvent),
            sorted(s for s in db_session.scalars(select(TeamInvite.status))))


OWNER_POSTS = [
    ("/projects/receipts/invites", {"username": "kenji"}),
    ("/projects/receipts/invite-links", {}),
    ("/projects/receipts/members/{member}/remove", {"confirm": "yes"}),
]


# --- The page ---------------------------------------------------------------------------

def test_owner_sees_the_management_controls(login, team):
    project, owner, member, _ = team
    pending = TeamInviteFactory(project=project, recipient=ProfileFactory(display_name="Pat Pending"))
    html = text(login(owner).get("/projects/receipts"))
    section = html[html.index('<section id="team"'):]
    assert "Amara Okafor" in section and "Mo Member" in section and "2 of 6" in section
    assert '<label for="invitee">Username</label>' in section
    assert 'hx-get="/projects/receipts/invitee-search"' in section
    assert 'hx-trigger="input changed delay:400ms"' in section
    for button in ("Send invite", "Create invite link"):
        assert f">{button}</button>" in section
    assert ">Remove<span" in section and "Pat Pending" in section and ">Revoke<span" in section
    assert f'action="/invites/{pending.id}/revoke"' in section
    # the owner leaves only by naming the next owner (a member), or hands the project over
    assert '<label for="next_owner">Next owner</label>' in section
    assert '<label for="new_owner">New owner</label>' in section and ">Transfer ownership</button>" in section


def test_member_sees_leave_and_no_management(login, team):
    _, _, member, _ = team
    section = text(login(member).get("/projects/receipts"))
    section = section[section.index('<section id="team"'):]
    assert ">Leave project</button>" in section and 'hx-confirm="Leave the team' in section
    assert "Send invite" not in section and "Remove" not in section and "Revoke" not in section


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_others_see_the_team_read_only(login, client, team, who):
    c = login(team[3]) if who == "stranger" else client
    section = text(c.get("/projects/receipts"))
    section = section[section.index('<section id="team"'):]
    assert "Mo Member" in section
    for word in ("Send invite", "Remove", "Revoke", "Leave project", "Create invite link"):
        assert word not in section


def test_hidden_members_count_but_only_the_team_sees_them(login, client, team):
    project, owner, _, _ = team
    ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Hidey", hidden=True))
    public = text(client.get("/projects/receipts"))
    assert "Hidey" not in public and "3 of 6" in public
    assert "Hidey" in text(login(owner).get("/projects/receipts"))


# --- Invitee search ---------------------------------------------------------------------

def test_invitee_search_lists_up_to_five_invitable_builders(login, team):
    project, owner, member, _ = team
    member.username = "kenmember"
    for i in range(7):
        ProfileFactory(username=f"ken{i}")
    ProfileFactory(username="kenhidden", hidden=True)
    ProfileFactory(username="kenquiet", allow_invites=False)
    owner.username = "kenowner"
    c = login(owner)
    r = c.hx_get("/projects/receipts/invitee-search?q=ken", target="invitee-options")
    html = text(r)
    assert r.status_code == 200 and html.strip().startswith('<ul id="invitee-options"')
    names = re.findall(r'<li role="option" id="invitee-opt-[^"]+" data-value="([^"]+)"', html)
    assert names == ["ken0", "ken1", "ken2", "ken3", "ken4"]
    assert "<button" not in html  # options are not buttons
    assert '<p id="invitee-status" class="suggest-status" role="status" hx-swap-oob="true">5 builders found</p>' in html
    # The Username field itself asks with its own name; one character finds nothing.
    assert re.findall(r'data-value="(ken\d)"', text(c.hx_get("/projects/receipts/invitee-search?username=KEN6"))) == ["ken6"]
    one = text(c.hx_get("/projects/receipts/invitee-search?q=k"))
    assert "role=\"option\"" not in one and 'role="listbox" aria-label="Matching builders" hidden>' in one


def test_invitee_search_is_for_the_owner(login, client, team):
    _, _, member, stranger = team
    for c in (login(member), login(stranger)):
        assert c.hx_get("/projects/receipts/invitee-search?q=ke").status_code == 403
    r = client.hx_get("/projects/receipts/invitee-search?q=ke")
    assert r.headers["HX-Redirect"].startswith("/sign-in")
    assert login(stranger).get("/projects/nope/invitee-search?q=ke").status_code == 404


# --- Send invite ------------------------------------------------------------------------

def test_send_invite_with_htmx_swaps_the_team_section(login, db_session, team):
    project, owner, _, _ = team
    kenji = ProfileFactory(username="kenji", display_name="Kenji W")
    r = login(owner).post("/projects/receipts/invites", {"username": " Kenji "}, htmx=True,
                          headers={"HX-Target": "team"})
    html = text(r)
    assert r.status_code == 200 and html.strip().startswith('<section id="team"')
    assert "Invite sent to @kenji" in html and "Kenji W" in html
    invite = db_session.scalar(select(TeamInvite).where(TeamInvite.recipient_id == kenji.id))
    assert invite.status == InviteStatus.pending and invite.type == InviteType.direct
    kinds = list(db_session.scalars(select(ProjectEvent.kind).where(ProjectEvent.project_id == project.id)))
    assert kinds == [ProjectEventKind.invite_sent]


def test_the_invite_widget_has_one_send_invite_button_and_a_listbox(login, team):
    """The suggestions are a listbox right under the Username field (app.js makes it a
    combobox); exactly one Send invite button follows, whatever the search found."""
    _, owner, _, _ = team
    ProfileFactory(username="kenji")
    c = login(owner)
    page = text(c.get("/projects/receipts"))
    form = page[page.index('<form id="invite-form"'):]
    form = form[:form.index("</form>")]
    assert form.count(">Send invite</button>") == 1 and form.count("<button") == 1
    assert re.search(r'<input id="invitee" name="username" [^>]*data-suggest="invitee-options"'
                     r'[^>]*hx-target="#invitee-options"[^>]*>\s*<ul id="invitee-options" '
                     r'class="suggest-options" role="listbox" aria-label="Matching builders" hidden>',
                     form)
    assert form.index('id="invitee-options"') < form.index(">Send invite</button>")
    # Picking fills the field: the form sends the username alone.
    r = c.post("/projects/receipts/invites", {"username": "kenji"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/receipts#team"


@pytest.mark.parametrize("username,message", [
    ("", "Username is required"), ("nobody", "User not found"),
])
def test_send_invite_errors_show_by_the_field(login, db_session, team, username, message):
    _, owner, _, _ = team
    c = login(owner)
    r = c.post("/projects/receipts/invites", {"username": username}, htmx=True,
               headers={"HX-Target": "team"})
    html = text(r)
    assert r.status_code == 422 and r.headers["HX-Retarget"] == "#invite-form"
    assert r.headers["HX-Reswap"] == "outerHTML"
    assert html.strip().startswith('<form id="invite-form"') and message in html
    assert f'value="{username}"' in html and 'aria-invalid="true"' in html
    r = c.post("/projects/receipts/invites", {"username": username})
    assert r.status_code == 422 and message in text(r) and "<h1>" in text(r)
    assert count(db_session, TeamInvite) == 0


def test_send_invite_limit_is_409_in_place(login, db_session, team):
    project, owner, _, _ = team
    for _ in range(5):
        TeamInviteFactory(project=project)
    ProfileFactory(username="sixth")
    r = login(owner).post("/projects/receipts/invites", {"username": "sixth"}, htmx=True)
    assert r.status_code == 409 and "You can have at most 5 pending invites" in text(r)
    assert r.headers["HX-Retarget"] == "#invite-form"
    assert count(db_session, TeamInvite) == 5


def test_only_the_owner_may_act_on_the_team(login, client, db_session, team):
    project, owner, member, stranger = team
    ProfileFactory(username="kenji")
    TeamInviteFactory(project=project)
    before = state(db_session)
    for path, data in OWNER_POSTS:
        path = path.format(member=member.id)
        for actor in (member, stranger):
            r = login(actor).post(path, data)
            assert r.status_code == 403 and "You do not own this project" in text(r), path
        r = client.post(path, data)
        assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in"), path
    assert state(db_session) == before


def test_hidden_project_is_404_to_strangers(login, db_session):
    project = ProjectFactory(hidden=True, slug="secret")
    stranger = ProfileFactory()
    for path in ("/projects/secret/invites", "/projects/secret/invite-links", "/projects/secret/leave"):
        assert login(stranger).post(path, {"username": "x"}).status_code == 404
    assert count(db_session, TeamInvite) == 0 and project


# --- Invite links -----------------------------------------------------------------------

def test_create_invite_link_shows_it_once(login, db_session, team):
    project, owner, _, _ = team
    c = login(owner)
    r = c.post("/projects/receipts/invite-links", {}, htmx=True, headers={"HX-Target": "team"})
    html = text(r)
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    url = re.search(r'id="invite-link-url" type="text" readonly value="([^"]+)"', html).group(1)
    token = url.rsplit("/invite/", 1)[1]
    assert len(token) >= 43 and 'data-copy="#invite-link-url"' in html and "expires" in html
    invite = db_session.scalar(select(TeamInvite).where(TeamInvite.type == InviteType.link))
    assert invite.token == token_hash(token)
    assert token not in text(c.get("/projects/receipts"))  # shown once
    assert c.get(f"/invite/{token}").status_code == 200
    # Without JavaScript the project page itself shows the new link.
    r = c.post("/projects/receipts/invite-links", {})
    assert r.status_code == 200 and 'id="invite-link-url"' in text(r) and "<h1>" in text(r)


# --- Revoke from the project page -------------------------------------------------------

def test_owner_revokes_from_the_team_section(login, db_session, team):
    project, owner, _, _ = team
    invite = TeamInviteFactory(project=project)
    c = login(owner)
    r = c.post(f"/invites/{invite.id}/revoke", {"from": "project"}, htmx=True,
               headers={"HX-Target": "team"})
    assert r.status_code == 200 and text(r).strip().startswith('<section id="team"')
    assert f"/invites/{invite.id}/revoke" not in text(r)
    db_session.refresh(invite)
    assert invite.status == InviteStatus.revoked
    r = c.post(f"/invites/{invite.id}/revoke", {"from": "project", "confirm": "yes"})
    assert r.status_code == 409 and "Only pending invites can be revoked" in text(r)


def test_revoke_without_javascript_from_the_project_goes_back_there(login, team):
    project, owner, _, _ = team
    invite = TeamInviteFactory(project=project, link=True)
    r = login(owner).post(f"/invites/{invite.id}/revoke", {"from": "project", "confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/receipts#team"


# --- Remove and leave -------------------------------------------------------------------

def test_owner_removes_a_member(login, db_session, team):
    project, owner, member, _ = team
    c = login(owner)
    r = c.post(f"/projects/receipts/members/{member.id}/remove", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert count(db_session, ProjectMember) == 1
    r = c.post(f"/projects/receipts/members/{member.id}/remove", {}, htmx=True,
               headers={"HX-Target": "team"})
    assert r.status_code == 200 and "Mo Member" not in text(r)
    assert count(db_session, ProjectMember) == 0
    assert c.post(f"/projects/receipts/members/{member.id}/remove", {"confirm": "yes"}).status_code == 404
    assert c.post(f"/projects/receipts/members/{uuid.uuid4()}/remove", {"confirm": "yes"}).status_code == 404
    assert c.post("/projects/receipts/members/nope/remove", {"confirm": "yes"}).status_code == 404


def test_remove_without_javascript_redirects(login, db_session, team):
    _, owner, member, _ = team
    r = login(owner).post(f"/projects/receipts/members/{member.id}/remove", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/receipts#team"


def test_member_leaves(login, db_session, team):
    project, owner, member, stranger = team
    c = login(member)
    r = c.post("/projects/receipts/leave", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    r = c.post("/projects/receipts/leave", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/receipts"
    assert count(db_session, ProjectMember) == 0
    kinds = list(db_session.scalars(select(ProjectEvent.kind)))
    assert kinds == [ProjectEventKind.left]
    r = login(owner).post("/projects/receipts/leave", {"confirm": "yes"})
    assert r.status_code == 409 and "Owners cannot leave a project with no other members" in text(r)
    r = login(stranger).post("/projects/receipts/leave", {"confirm": "yes"}, htmx=True)
    assert r.status_code == 403 and r.headers["HX-Retarget"] == "#messages"


def test_access_ends_at_once(login, db_session):
    """A member of a project only the team may see loses it on their next request."""
    project = ProjectFactory(slug="quiet", owner=ProfileFactory(hidden=True))
    stay = ProjectMemberFactory(project=project).profile
    go = ProjectMemberFactory(project=project).profile
    removed, leaver = login(stay), login(go)
    assert removed.get("/projects/quiet").status_code == 200
    assert leaver.get("/projects/quiet").status_code == 200
    r = leaver.post("/projects/quiet/leave", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert leaver.get("/projects/quiet").status_code == 404
    login(project.owner).post(f"/projects/quiet/members/{stay.id}/remove", {"confirm": "yes"})
    assert removed.get("/projects/quiet").status_code == 404
    assert removed.post("/projects/quiet/leave", {"confirm": "yes"}).status_code == 404


# --- Rate limit -------------------------------------------------------------------------

def test_invite_creation_is_rate_limited_per_account(login, app, db_session, team):
    project, owner, _, _ = team
    app.config["RATE_INVITES_ACCOUNT"] = "3 per hour"
    try:
        c = login(owner)
        for _ in range(2):
            assert c.post("/projects/receipts/invite-links", {}, htmx=True).status_code == 200
        assert c.post("/projects/receipts/invites", {"username": "nobody"}, htmx=True).status_code == 422
        r = c.post("/projects/receipts/invite-links", {}, htmx=True)
        assert r.status_code == 429 and "Too many attempts" in text(r)
        # Another account is not affected.
        other = ProjectFactory(slug="other")
        assert login(other.owner).post("/projects/other/invite-links", {}).status_code == 200
    finally:
        app.config["RATE_INVITES_ACCOUNT"] = "30 per hour"


def test_anonymous_leave_goes_to_sign_in_and_changes_nothing(client, db_session, team):
    before = state(db_session)
    r = client.post("/projects/receipts/leave", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    r = client.post("/projects/receipts/leave", {"confirm": "yes"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")
    assert client.hx_get("/projects/receipts/invitee-search?q=ke").status_code == 200
    assert state(db_session) == before
