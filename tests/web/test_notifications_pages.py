"""The bell, /notifications and its actions through the test client, and the triggers as
people meet them (an invite sent, answered, revoked)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from buildstory.enums import NotificationType as T
from buildstory.models import Notification, Profile
from buildstory.notifications import services
from tests.factories import ProfileFactory, ProjectFactory, TeamInviteFactory
from tests.querycount import count_queries

NOW = datetime.now(UTC)


def text(response) -> str:
    return response.get_data(as_text=True)


def bell(html: str) -> str:
    match = re.search(r'<a class="header-count" href="/notifications"[^>]*>.*?</a>', html, re.S)
    assert match, "no bell"
    return match.group(0)


def bell_name(html: str) -> str:
    return re.search(r'id="notification-count-text"[^>]*>([^<]*)<', bell(html)).group(1)


def badge(html: str) -> str:
    return re.search(r'id="notification-count"[^>]*>([^<]*)<', bell(html)).group(1)


def tell(profile, n=1, **kw):
    ids = []
    for i in range(n):
        ids += services.notify(services_session(), kw.get("type", T.member_left),
                               recipients=[profile], actor=kw.get("actor"),
                               title=kw.get("title", f"Project {i}"),
                               now=kw.get("now", NOW) + timedelta(seconds=i))
    return ids


def services_session():
    from buildstory.db import db
    return db.session


def test_the_bell_is_on_every_signed_in_header_outside_the_menu(login, client):
    me = ProfileFactory()
    c = login(me)
    html = text(c.get("/projects"))
    link = bell(html)
    assert 'id="notification-bell"' in link and 'hx-get="/notifications/bell?have=0"' in link
    assert 'hx-trigger="every 60s"' in link and bell_name(html) == "Notifications"
    nav = re.search(r'<nav id="main-nav".*?</nav>', html, re.S).group(0)
    assert "notification-bell" not in nav
    tell(me, 3)
    html = text(c.get("/projects"))
    assert (bell_name(html), badge(html)) == ("Notifications, 3 unread", "3")
    assert 'have=3"' in bell(html)
    assert "notification-bell" not in text(client.get("/projects"))  # signed out: no bell


def test_the_badge_says_99_plus_from_100(login, db_session):
    me = ProfileFactory()
    db_session.execute(Notification.__table__.insert(), [
        {"recipient_id": me.id, "type": T.member_left, "title": "x"} for _ in range(120)])
    html = text(login(me).get("/dashboard"))
    assert (badge(html), bell_name(html)) == ("99+", "Notifications, 99+ unread")


def test_poll_answers_204_when_unchanged_and_the_bell_when_changed(app, login, db_session):
    me = ProfileFactory()
    c = login(me)
    c.get("/dashboard")  # the session's first request may write last_seen_at
    tell(me, 2)
    with count_queries(app) as q:
        r = c.hx_get("/notifications/bell?have=2", target="notification-bell")
    assert (r.status_code, text(r)) == (204, "")
    assert q.count == 1  # authentication and the count are one statement
    assert "no-store" in r.headers["Cache-Control"]
    r = c.hx_get("/notifications/bell?have=1", target="notification-bell")
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    assert text(r).lstrip().startswith('<a class="header-count" href="/notifications" id="notification-bell"')
    assert bell_name(text(r)) == "Notifications, 2 unread" and 'have=2"' in text(r)


def test_poll_leaves_last_seen_at_alone(login, db_session):
    me = ProfileFactory()
    c = login(me)
    long_ago = NOW - timedelta(days=3)
    me.last_seen_at = long_ago
    db_session.commit()
    assert c.hx_get("/notifications/bell?have=5").status_code == 200
    db_session.expire_all()
    assert db_session.get(Profile, me.id).last_seen_at == long_ago


def test_poll_signed_out_or_banned_stops_with_286_and_no_redirect(login, client):
    for c in (client, login(ProfileFactory(banned=True))):
        r = c.hx_get("/notifications/bell?have=0", target="notification-bell")
        assert r.status_code == 286 and "Location" not in r.headers and "HX-Redirect" not in r.headers
        assert 'id="notification-bell"' in text(r) and "hx-get" not in text(r)
        assert "no-store" in r.headers["Cache-Control"]


def test_the_list_shows_sentences_unread_and_pages_by_keyset(login):
    me, ada = ProfileFactory(), ProfileFactory(display_name="Ada")
    tell(me, 25, actor=ada)
    c = login(me)
    html = text(c.get("/notifications"))
    assert html.count('class="notification notification--unread"') == 20
    assert "Ada left Project 24" in html and "Ada left Project 5" in html
    assert "Project 4<" not in html and html.count(">Unread</strong>") == 20
    older = re.search(r'<li id="notifications-more" class="more-row"><a href="([^"]+)"', html)
    assert older and ">Older notifications</a>" in html
    r = c.hx_get(older.group(1).replace("&amp;", "&"), target="notifications-more")
    page2 = text(r)
    assert page2.lstrip().startswith("<li data-focus")
    assert "Ada left Project 4<" in page2 and "Ada left Project 0<" in page2
    assert "Project 5<" not in page2 and "notifications-more" not in page2
    assert c.get("/notifications?before=nonsense").status_code == 404


def test_open_marks_read_and_goes_to_the_link_built_now(login, db_session):
    owner, me = ProfileFactory(), ProfileFactory()
    project = ProjectFactory(owner=owner, slug="old-slug")
    [nid] = services.notify(db_session, T.member_removed, recipients=[me], actor=owner,
                            title=project.name, project_id=project.id, now=NOW)
    project.slug = "new-slug"
    db_session.flush()
    r = login(me).post(f"/notifications/{nid}/open")
    assert (r.status_code, r.headers["Location"]) == (303, "/projects/new-slug")
    assert db_session.get(Notification, nid).read_at is not None


def test_someone_elses_notification_is_404(login, db_session):
    me, other = ProfileFactory(), ProfileFactory()
    [nid] = tell(other)
    c = login(me)
    for action in ("open", "read"):
        assert c.post(f"/notifications/{nid}/{action}").status_code == 404
        assert c.post(f"/notifications/{nid}/{action}", htmx=True).status_code == 404
    assert db_session.get(Notification, nid).read_at is None


def test_mark_as_read_swaps_the_item_and_the_bell(login, db_session):
    me = ProfileFactory()
    first, second = tell(me, 2)
    c = login(me)
    r = c.post(f"/notifications/{first}/read", htmx=True,
               headers={"HX-Target": f"notification-{first}"})
    html = text(r)
    assert r.status_code == 200
    assert html.lstrip().startswith(f'<article id="notification-{first}" class="notification">')
    assert "Marked as read" in html and ">Mark as read" not in html.split("</article>")[0]
    assert 'id="notification-bell"' in html and 'hx-swap-oob="true"' in html
    assert "Notifications, 1 unread" in html
    r = c.post(f"/notifications/{second}/read")  # without JavaScript: back to the list
    assert (r.status_code, r.headers["Location"]) == (303, "/notifications")
    assert "Notifications<" in text(c.get("/notifications"))


def test_mark_all_as_read_stops_at_the_newest_item_shown(login, db_session):
    me = ProfileFactory()
    tell(me, 3)
    c = login(me)
    html = text(c.get("/notifications"))
    upto = re.search(r'name="upto" value="([^"]+)"', html).group(1)
    assert ">Mark all as read</button>" in html
    tell(me, 1, title="Arrived since", now=NOW + timedelta(minutes=5))
    r = c.post("/notifications/read-all", {"upto": upto}, htmx=True,
               headers={"HX-Target": "notification-list"})
    html = text(r)
    assert html.lstrip().startswith('<div id="notification-list">')
    assert html.count(">Unread</strong>") == 1 and "Someone left Arrived since" in html
    assert "Notifications, 1 unread" in html
    unread = db_session.scalars(select(Notification.title).where(
        Notification.recipient_id == me.id, Notification.read_at.is_(None))).all()
    assert unread == ["Arrived since"]
    bad = c.post("/notifications/read-all", {"upto": "junk"})
    assert bad.status_code == 404


def test_an_invite_reaches_the_recipient_and_is_read_once_answered(login, db_session):
    owner = ProfileFactory(display_name="Ada")
    project = ProjectFactory(owner=owner, name="Receipt Whisperer", slug="receipts")
    me = ProfileFactory(username="kenji")
    r = login(owner).post("/projects/receipts/invites", {"username": "kenji"})
    assert r.status_code == 303
    c = login(me)
    html = text(c.get("/dashboard"))
    assert bell_name(html) == "Notifications, 1 unread"
    assert "Ada invited you to join Receipt Whisperer" in text(c.get("/notifications"))
    invite_id = db_session.scalar(select(Notification.subject_id))
    r = c.post(f"/invites/{invite_id}/decline")
    assert r.status_code == 303, text(r)[:3000]
    assert bell_name(text(c.get("/dashboard"))) == "Notifications"
    owner_page = text(login(owner).get("/notifications"))
    assert f"{me.display_name} declined your invite to Receipt Whisperer" in owner_page
    assert bell_name(owner_page) == "Notifications, 1 unread"  # their own, not others'
    assert project.id


def test_a_revoked_invite_takes_its_notification(login, db_session):
    owner, me = ProfileFactory(), ProfileFactory(username="revokee")
    ProjectFactory(owner=owner, slug="revoking")
    login(owner).post("/projects/revoking/invites", {"username": "revokee"})
    [invite_id] = db_session.scalars(select(Notification.subject_id)).all()
    r = login(owner).post(f"/invites/{invite_id}/revoke", {"confirm": "yes"})
    assert r.status_code == 303
    assert db_session.scalars(select(Notification)).all() == []


def test_accepting_notifies_the_sender(login, db_session):
    me = ProfileFactory(display_name="Kenji")
    invite = TeamInviteFactory(recipient=me, project__name="Rocket")
    r = login(me).post(f"/invites/{invite.id}/accept")
    assert r.status_code == 303
    sender_page = text(login(invite.sender).get("/notifications"))
    assert "Kenji accepted your invite to Rocket" in sender_page


def test_ids_beyond_bigint_are_404(login):
    c = login(ProfileFactory())
    for action in ("open", "read"):
        assert c.post(f"/notifications/{2**63}/{action}").status_code == 404
        assert c.post(f"/notifications/0/{action}").status_code == 404
