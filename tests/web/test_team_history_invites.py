"""The owner's team history: what became of every invite, and how each member joined."""
import re
from datetime import UTC, datetime, timedelta

from buildstory.clock import utcnow
from tests.factories import ProfileFactory, ProjectFactory, TeamInviteFactory

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def text(response):
    return response.get_data(as_text=True)


def row(page, invite):
    match = re.search(rf'<tr id="invite-log-{invite.id}" data-state="(\w+)">(.*?)</tr>', page, re.S)
    assert match, f"invite {invite.id} is not listed"
    return match.group(1), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def test_every_invite_state_and_where_joiners_came_from(login, db_session):
    owner = ProfileFactory(display_name="Olga Owner", username="olga")
    project = ProjectFactory(owner=owner, slug="history-bot")
    dana = ProfileFactory(display_name="Dana Decliner", username="dana")
    rita = ProfileFactory(display_name="Rita Revoked", username="rita")
    paul = ProfileFactory(display_name="Paul Pending", username="paul")
    lena = ProfileFactory(display_name="Lena Linked", username="lena")
    declined = TeamInviteFactory(project=project, recipient=dana, created_at=T0)
    revoked = TeamInviteFactory(project=project, recipient=rita, created_at=T0 + timedelta(hours=1))
    pending = TeamInviteFactory(project=project, recipient=paul, created_at=T0 + timedelta(hours=2))
    used = TeamInviteFactory(project=project, link=True, raw_token="used-link-token",
                             created_at=T0 + timedelta(hours=3))
    expired = TeamInviteFactory(project=project, link=True, raw_token="old-link-token",
                                created_at=T0 - timedelta(days=30),
                                expires_at=utcnow() - timedelta(days=1))
    db_session.commit()

    # What happens, by the people it happens to.
    assert login(dana).post(f"/invites/{declined.id}/decline").status_code in (200, 303)
    owner_client = login(owner)
    assert owner_client.post(f"/invites/{revoked.id}/revoke", {"confirm": "yes"}).status_code in (200, 303)
    r = login(lena).post("/invite/used-link-token/accept")
    assert r.status_code == 303 and r.headers["Location"] == "/projects/history-bot#team"

    page = text(owner_client.get("/projects/history-bot"))
    assert row(page, declined)[0] == "declined"
    assert "Olga Owner Dana Decliner Declined" in row(page, declined)[1]
    assert row(page, revoked)[0] == "revoked" and "Rita Revoked Revoked" in row(page, revoked)[1]
    assert row(page, pending)[0] == "pending" and "Paul Pending Pending" in row(page, pending)[1]
    state, cells = row(page, used)
    assert state == "accepted" and "Invite link (used by Lena Linked) Accepted" in cells
    state, cells = row(page, expired)  # an expired link stays listed
    assert state == "expired" and cells.startswith("Olga Owner Invite link Expired")
    # The member who came through the link shows which link: created when, by whom.
    origin = re.search(rf'<li id="origin-{lena.id}">(.*?)</li>', page, re.S).group(1)
    origin = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", origin))
    assert "Lena Linked joined through the invite link created" in origin
    assert "created 1 Mar 2025, 12:00 UTC by Olga Owner" in origin  # the link's creation
    assert "by Olga Owner" in origin
    # Only the owner sees it.
    assert "invite-log-" not in text(login(paul).get("/projects/history-bot"))
