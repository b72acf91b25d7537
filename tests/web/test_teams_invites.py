"""The invite inbox, accept / decline / revoke in place, the header count, invite links."""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from buildstory.enums import InviteStatus
from buildstory.models import ProjectMember
from tests.factories import (ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory, utcnow)


def text(r):
    return r.get_data(as_text=True)


def badge(html):
    match = re.search(r'<span id="invite-count" class="badge-count" data-count="(\d+)"[^>]*>(\d+)</span>',
                      html)
    assert match, "no #invite-count badge"
    assert match.group(1) == match.group(2)
    return int(match.group(1))


def members(db_session, project):
    return db_session.scalar(select(func.count(ProjectMember.id))
                             .where(ProjectMember.project_id == project.id))


# --- Anonymous --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/invites/{id}/accept", "/invites/{id}/decline",
                                  "/invites/{id}/revoke"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db_session, path):
    invite = TeamInviteFactory()
    r = client.post(path.format(id=invite.id), {})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    r = client.post(path.format(id=invite.id), {}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")
    assert invite.status == InviteStatus.pending
    r = client.get("/invites")
    assert r.status_code == 303 and r.headers["Location"] == "/sign-in?next=%2Finvites"
    assert 'id="invite-count"' not in text(client.get("/sign-in"))


# --- Inbox ------------------------------------------------------------------------------

def test_inbox_lists_received_and_sent_pending_invites(login):
    me = ProfileFactory()
    received = TeamInviteFactory(recipient=me, project__name="Receipt Whisperer",
                                 project__owner__display_name="Amara Okafor")
    TeamInviteFactory(recipient=me, status=InviteStatus.declined, project__name="Old News")
    TeamInviteFactory(recipient=me, project=ProjectFactory(hidden=True, name="Hidden Thing"))
    mine = ProjectFactory(owner=me, name="My Thing")
    sent = TeamInviteFactory(project=mine, recipient__display_name="Kenji W")
    link = TeamInviteFactory(project=mine, link=True)
    TeamInviteFactory(project=mine, link=True, expires_at=utcnow() - timedelta(hours=1))
    html = text(login(me).get("/invites"))
    assert "Receipt Whisperer" in html and "Amara Okafor" in html
    assert "Old News" not in html and "Hidden Thing" not in html
    for invite in (received, sent, link):
        assert f'id="invite-{invite.id}"' in html
    assert html.count(">Accept</button>") == 1 and html.count(">Decline</button>") == 1
    assert html.count(">Revoke</button>") == 2
    assert "Kenji W" in html and "Invite link" in html
    assert badge(html) == 1


def test_header_count_on_every_page(login):
    me = ProfileFactory()
    c = login(me)
    assert badge(text(c.get("/dashboard"))) == 0
    TeamInviteFactory(recipient=me)
    TeamInviteFactory(recipient=me)
    TeamInviteFactory(recipient=me, link=False, expires_at=utcnow() - timedelta(days=1))
    html = text(c.get("/dashboard"))
    assert badge(html) == 2
    assert 'href="/invites"' in html


# --- Accept / decline -------------------------------------------------------------------

def test_accept_with_htmx_swaps_the_card_and_the_count(login, db_session):
    me = ProfileFactory()
    invite = TeamInviteFactory(recipient=me, project__name="Receipt Whisperer")
    TeamInviteFactory(recipient=me)
    r = login(me).post(f"/invites/{invite.id}/accept", {}, htmx=True,
                       headers={"HX-Target": f"invite-{invite.id}"})
    html = text(r)
    assert r.status_code == 200
    assert html.strip().startswith(f'<article id="invite-{invite.id}"')
    assert "You joined the team." in html and ">Accept</button>" not in html
    assert 'hx-swap-oob="true"' in html and badge(html) == 1
    assert "HX-Request" in r.headers["Vary"]
    db_session.refresh(invite)
    assert invite.status == InviteStatus.accepted and invite.responded_at is not None
    assert members(db_session, invite.project) == 1


def test_accept_without_javascript_redirects_to_the_inbox(login, db_session):
    invite = TeamInviteFactory()
    r = login(invite.recipient).post(f"/invites/{invite.id}/accept", {})
    assert r.status_code == 303 and r.headers["Location"] == "/invites"
    assert members(db_session, invite.project) == 1


def test_decline_in_place_and_without_javascript(login, db_session):
    me = ProfileFactory()
    a, b = TeamInviteFactory(recipient=me), TeamInviteFactory(recipient=me)
    c = login(me)
    r = c.post(f"/invites/{a.id}/decline", {}, htmx=True)
    assert r.status_code == 200 and "You declined this invite." in text(r)
    assert badge(text(r)) == 1
    r = c.post(f"/invites/{b.id}/decline", {})
    assert r.status_code == 303 and r.headers["Location"] == "/invites"
    for invite in (a, b):
        db_session.refresh(invite)
        assert invite.status == InviteStatus.declined
    assert members(db_session, a.project) == 0


def test_accept_into_a_full_team_answers_409_in_place(login, db_session, app):
    invite = TeamInviteFactory()
    for _ in range(app.config["TEAM_SIZE_LIMIT"] - 1):
        ProjectMemberFactory(project=invite.project)
    c = login(invite.recipient)
    r = c.post(f"/invites/{invite.id}/accept", {}, htmx=True)
    assert r.status_code == 409 and "This team is full" in text(r)
    assert f'id="invite-{invite.id}"' in text(r) and ">Accept</button>" in text(r)
    assert "HX-Retarget" not in r.headers
    r = c.post(f"/invites/{invite.id}/accept", {})
    assert r.status_code == 409 and "This team is full" in text(r) and "<h1>Invites</h1>" in text(r)
    db_session.refresh(invite)
    assert invite.status == InviteStatus.pending


def test_answering_twice_says_no_longer_pending(login):
    invite = TeamInviteFactory(status=InviteStatus.revoked)
    r = login(invite.recipient).post(f"/invites/{invite.id}/accept", {}, htmx=True)
    assert r.status_code == 409 and "This invite is no longer pending" in text(r)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_other_peoples_invites_are_404_and_unchanged(login, db_session, action):
    invite = TeamInviteFactory()
    member = ProjectMemberFactory(project=invite.project).profile
    for actor in (ProfileFactory(), invite.project.owner, member):
        r = login(actor).post(f"/invites/{invite.id}/{action}", {})
        assert r.status_code == 404
    c = login(invite.recipient)
    assert c.post(f"/invites/{uuid.uuid4()}/{action}", {}).status_code == 404
    assert c.post(f"/invites/not-a-uuid/{action}", {}).status_code == 404
    db_session.refresh(invite)
    assert invite.status == InviteStatus.pending and members(db_session, invite.project) == 1


# --- Revoke -----------------------------------------------------------------------------

def test_sender_revokes_from_the_inbox(login, db_session):
    invite = TeamInviteFactory()
    c = login(invite.sender)
    r = c.post(f"/invites/{invite.id}/revoke", {}, htmx=True,
               headers={"HX-Target": f"invite-{invite.id}"})
    assert r.status_code == 200 and "Invite revoked." in text(r)
    assert 'id="invite-count"' in text(r)
    db_session.refresh(invite)
    assert invite.status == InviteStatus.revoked
    r = c.post(f"/invites/{invite.id}/revoke", {}, htmx=True)
    assert r.status_code == 409 and "Only pending invites can be revoked" in text(r)
    r = c.post(f"/invites/{invite.id}/revoke", {"confirm": "yes"})
    assert r.status_code == 409 and "Only pending invites can be revoked" in text(r)


def test_revoke_without_javascript_redirects(login, db_session):
    invite = TeamInviteFactory(link=True)
    r = login(invite.sender).post(f"/invites/{invite.id}/revoke", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/invites"


def test_revoke_asks_first_and_without_javascript_needs_the_box(login, db_session):
    """Revoke is red and asks, naming who: hx-confirm, or the Confirm box without it."""
    invite = TeamInviteFactory()
    c = login(invite.sender)
    page = text(c.get("/invites"))
    card = page[page.index(f'id="invite-{invite.id}"'):]
    assert (f'hx-confirm="Revoke the invite to {invite.recipient.display_name} for '
            f'{invite.project.name}?"') in card
    assert 'class="button button--small button--danger">Revoke</button>' in card
    r = c.post(f"/invites/{invite.id}/revoke", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    db_session.refresh(invite)
    assert invite.status == InviteStatus.pending


def test_only_the_sender_revokes(login, db_session):
    invite = TeamInviteFactory()
    member = ProjectMemberFactory(project=invite.project).profile
    for actor in (invite.recipient, ProfileFactory(), member):
        assert login(actor).post(f"/invites/{invite.id}/revoke", {}).status_code == 404
    db_session.refresh(invite)
    assert invite.status == InviteStatus.pending


def test_csrf_is_required(login, db_session):
    invite = TeamInviteFactory()
    r = login(invite.recipient).post(f"/invites/{invite.id}/accept", {}, csrf=False)
    assert r.status_code == 400
    assert members(db_session, invite.project) == 0


# --- Invite links -----------------------------------------------------------------------

def link(**kw):
    return TeamInviteFactory(link=True, raw_token="landing-token-1", **kw)


def test_signed_out_visitor_sees_the_project_and_a_way_back(client):
    invite = link(project__name="Receipt Whisperer", project__owner__display_name="Amara Okafor")
    ProjectMemberFactory(project=invite.project, profile=ProfileFactory(display_name="Kenji W"))
    r = client.get("/invite/landing-token-1")
    html = text(r)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Join Receipt Whisperer" in html and "Amara Okafor" in html and "Kenji W" in html
    assert 'href="/sign-in?next=/invite/landing-token-1"' in html
    assert 'href="/sign-up?next=/invite/landing-token-1"' in html
    assert ">Join team</button>" not in html
    assert '<meta name="robots" content="noindex">' in html


def test_sign_in_brings_the_visitor_back_to_the_invite(client, db_session):
    from tests.conftest import TEST_PASSWORD
    from tests.factories import AccountFactory
    link()
    AccountFactory(email="joiner@example.com")
    r = client.post("/sign-in", {"email": "joiner@example.com", "password": TEST_PASSWORD,
                                 "next": "/invite/landing-token-1"})
    assert r.status_code == 303 and r.headers["Location"] == "/invite/landing-token-1"
    assert ">Join team</button>" in text(client.get("/invite/landing-token-1"))


def test_join_through_a_link(login, db_session):
    invite = link()
    joiner = ProfileFactory()
    c = login(joiner)
    page = text(c.get("/invite/landing-token-1"))
    assert ">Join team</button>" in page and 'action="/invite/landing-token-1/accept"' in page
    r = c.post("/invite/landing-token-1/accept", {})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/projects/{invite.project.slug}#team"
    db_session.refresh(invite)
    assert invite.status == InviteStatus.accepted and invite.recipient_id == joiner.id
    # The project page shows the new member at once.
    assert joiner.display_name in text(c.get(f"/projects/{invite.project.slug}"))
    other = login(ProfileFactory())
    r = other.get("/invite/landing-token-1")
    assert r.status_code == 410 and "This invite has already been used" in text(r)
    r = other.post("/invite/landing-token-1/accept", {})
    assert r.status_code == 410 and "This invite has already been used" in text(r)


def test_join_with_htmx_redirects(login, db_session):
    invite = link()
    r = login(ProfileFactory()).post("/invite/landing-token-1/accept", {}, htmx=True)
    assert r.status_code == 200
    assert r.headers["HX-Redirect"] == f"/projects/{invite.project.slug}#team"


def test_anonymous_join_goes_to_sign_in_and_back(client, db_session):
    invite = link()
    r = client.post("/invite/landing-token-1/accept", {},
                    headers={"Referer": "http://localhost/invite/landing-token-1"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/sign-in?next=%2Finvite%2Flanding-token-1"
    assert members(db_session, invite.project) == 0


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "hidden"])
def test_invalid_links_are_404(login, client, case):
    kw = {}
    if case == "expired":
        kw["expires_at"] = utcnow() - timedelta(minutes=5)
    if case == "revoked":
        kw["status"] = InviteStatus.revoked
    if case == "hidden":
        kw["project"] = ProjectFactory(hidden=True)
    if case != "unknown":
        link(**kw)
    for c in (client, login(ProfileFactory())):
        r = c.get("/invite/landing-token-1")
        assert r.status_code == 404
        assert "This invite link is invalid or has expired" in text(r)
    r = c.post("/invite/landing-token-1/accept", {})
    assert r.status_code == 404 and "This invite link is invalid or has expired" in text(r)


def test_owner_member_and_full_team_see_why_they_cannot_join(login, db_session, app):
    invite = link()
    member = ProjectMemberFactory(project=invite.project).profile
    r = login(invite.project.owner).get("/invite/landing-token-1")
    assert r.status_code == 200 and "You are the owner of this project" in text(r)
    assert ">Join team</button>" not in text(r)
    c = login(member)
    assert "You are already a team member" in text(c.get("/invite/landing-token-1"))
    r = c.post("/invite/landing-token-1/accept", {})
    assert r.status_code == 409 and "You are already a team member" in text(r)
    r = c.post("/invite/landing-token-1/accept", {}, htmx=True,
               headers={"HX-Target": "join-team"})
    assert r.status_code == 409 and text(r).strip().startswith('<div id="join-team"')
    for _ in range(app.config["TEAM_SIZE_LIMIT"] - 2):
        ProjectMemberFactory(project=invite.project)
    r = login(ProfileFactory()).get("/invite/landing-token-1")
    assert "This team is full" in text(r) and ">Join team</button>" not in text(r)
    db_session.refresh(invite)
    assert invite.status == InviteStatus.pending
