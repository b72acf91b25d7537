"""Inline moderation on the pages builders use: profile pages, member cards, project pages.

Controls only for moderators and admins; every htmx answer swaps the panel and the status
badge whose ids appear exactly once on the page; without JavaScript each form posts and
303s back to the page it came from.
"""
import re
from html import unescape

import pytest

from buildstory.models import Profile, Project
from tests.factories import ProfileFactory, ProjectFactory
from tests.querycount import count_queries

CONFIRM = {"confirm": "yes"}
VIEWERS = {
    "anonymous": None,
    "builder": {},
    "moderator": {"moderator": True},
    "admin": {"admin": True},
}


def html(r):
    return r.get_data(as_text=True)


def ids(page, element_id):
    """How many elements of ``page`` carry ``element_id``."""
    return page.count(f'id="{element_id}"')


def form_next(page, action):
    """The ``next`` hidden field of the form that posts to ``action`` on ``page``."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form for {action}"
    found = re.search(r'name="next" value="([^"]*)"', form.group(0))
    return unescape(found.group(1)) if found else None


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


@pytest.fixture
def viewer(request, client, login):
    kind = request.param
    return client if VIEWERS[kind] is None else login(ProfileFactory(**VIEWERS[kind]))


@pytest.fixture
def mod(login):
    return login(ProfileFactory(moderator=True, username="the-mod"))


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, username="the-admin"))


@pytest.fixture
def victim(db_session):
    return ProfileFactory(username="victim", display_name="Vic Tim")


# --- Who sees the controls ------------------------------------------------------------

@pytest.mark.parametrize("viewer", list(VIEWERS), indirect=True)
def test_only_moderators_and_admins_see_the_controls_on_all_three_pages(viewer, request):
    kind = request.node.callspec.params["viewer"]
    owner = ProfileFactory(username="victim", display_name="Vic Tim")
    project = ProjectFactory(owner=owner, slug="vics-bot", name="Vic's Bot")
    pages = {
        "profile": html(viewer.get("/profiles/victim")),
        "card": html(viewer.get("/members?q=victim")),
        "project": html(viewer.get("/projects/vics-bot")),
    }
    staff = kind in ("moderator", "admin")
    for where, page in pages.items():
        assert ("/moderation/" in page) is staff, where
        assert ('class="mod-panel"' in page) is staff, where
        assert (">Hide</button>" in page) is staff, where
        assert (">Ban</button>" in page) is staff, where
        assert (f'id="mod-panel-profile-{owner.id}"' in page) is staff, where
    assert (">Hide project</button>" in pages["project"]) is staff
    assert (f'id="mod-panel-project-{project.id}"' in pages["project"]) is staff
    for page in pages.values():
        assert "Moderation</h2>" not in page or staff


def test_moderators_get_no_panel_for_themselves(mod):
    me = mod.profile
    ProjectFactory(owner=me, slug="mods-own")
    assert "mod-panel" not in html(mod.get("/profiles/the-mod"))
    assert f'id="mod-panel-profile-{me.id}"' not in html(mod.get("/members?q=the-mod"))
    page = html(mod.get("/projects/mods-own"))
    assert ">Hide project</button>" in page  # their own project: yes
    assert f'id="mod-panel-profile-{me.id}"' not in page  # themselves: no


def test_the_buttons_follow_the_rules_for_the_viewer(mod, admin):
    banned = ProfileFactory(username="gone", banned=True, display_name="Gone Girl")
    hidden = ProfileFactory(username="quiet", hidden=True)
    an_admin = ProfileFactory(username="boss", admin=True)
    root = ProfileFactory(clerk_id="user_superadmin", username="root")
    ProjectFactory(owner=an_admin, slug="boss-bot")

    page = html(admin.get("/profiles/gone"))
    assert ">Unban</button>" in page and ">Ban</button>" not in page
    page = html(mod.get("/profiles/gone"))
    assert ">Unban</button>" not in page and "No moderation action applies." in page
    page = html(mod.get("/profiles/quiet"))
    assert ">Unhide</button>" in page and ">Hide</button>" not in page
    page = html(mod.get("/projects/boss-bot"))  # "Moderators cannot ban admins"
    assert ">Hide project</button>" in page and ">Hide</button>" in page
    assert ">Ban</button>" not in page
    assert ">Ban</button>" in html(admin.get("/projects/boss-bot"))
    page = html(admin.get("/profiles/root"))  # super-admins are untouchable
    assert ">Hide</button>" not in page and ">Ban</button>" not in page
    assert "No moderation action applies." in page
    assert root and hidden and banned


# --- htmx answers: panel plus the badge out of band, ids unique on the page -------------

def _hx(client, action, page_url, panel_id, data=None):
    page = html(client.get(page_url))
    nxt = form_next(page, action)
    assert nxt == page_url  # the page tells the endpoint where it lives
    r = client.post(action, {**(data or {}), "next": nxt}, htmx=True,
                    headers={"HX-Target": panel_id, "HX-Current-URL": "http://localhost" + page_url})
    return page, r


def _assert_swappable(page, answer, panel_id, badge_id, status):
    """The answer replaces exactly one panel and exactly one badge on ``page``."""
    assert ids(page, panel_id) == 1 and ids(page, badge_id) == 1
    body = html(answer)
    assert answer.status_code == 200
    assert body.startswith(f'<div id="{panel_id}"')
    assert ids(body, panel_id) == 1 and ids(body, badge_id) == 1
    assert re.search(rf'<span id="{badge_id}" class="status-badge" data-status="{status}" '
                     r'hx-swap-oob="true">', body)
    assert 'tabindex="-1" data-focus' in body  # focus goes to the panel after the swap
    return body


def test_profile_page_hide_unhide_ban_unban_swap_panel_and_badge(mod, admin, victim, db_session):
    url = "/profiles/victim"
    panel, badge = f"mod-panel-profile-{victim.id}", f"status-badge-profile-{victim.id}"
    base = f"/moderation/profiles/{victim.id}"

    page, r = _hx(mod, f"{base}/hide", url, panel)
    body = _assert_swappable(page, r, panel, badge, "hidden")
    assert "Vic Tim is hidden." in body and ">Unhide</button>" in body
    assert 'name="next" value="/profiles/victim"' in body  # the swapped forms still know the way
    page = html(mod.get(url))
    assert '<span class="badge badge--hidden">Hidden</span>' in page and ids(page, badge) == 1

    page, r = _hx(mod, f"{base}/unhide", url, panel)
    body = _assert_swappable(page, r, panel, badge, "active")
    assert "Vic Tim is visible again." in body

    page, r = _hx(mod, f"{base}/ban", url, panel, {"reason": "Spam links"})
    body = _assert_swappable(page, r, panel, badge, "banned")
    assert "Vic Tim is banned." in body and ">Unban</button>" not in body  # moderators can't
    assert fresh(db_session, Profile, victim.id).ban_reason == "Spam links"

    page, r = _hx(admin, f"{base}/unban", url, panel)
    body = _assert_swappable(page, r, panel, badge, "active")
    assert "Vic Tim is no longer banned." in body
    assert fresh(db_session, Profile, victim.id).banned_at is None


def test_member_card_hide_swaps_the_card_panel_and_badge(mod, victim, db_session):
    url = "/members?q=victim"
    panel, badge = f"mod-panel-profile-{victim.id}", f"status-badge-profile-{victim.id}"
    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/hide", url, panel)
    assert re.search(rf'<li id="member-{victim.id}"[^>]*>.*id="{badge}".*id="{panel}"', page, re.S)
    body = _assert_swappable(page, r, panel, badge, "hidden")
    assert '<span class="badge badge--hidden">Hidden</span>' in body
    assert 'name="next" value="/members?q=victim"' in body
    assert f'id="member-{victim.id}"' not in html(mod.get(url))  # gone from the list on reload


def test_member_card_ban_swaps_the_panel_and_badge(mod, victim):
    url = "/members?q=victim"
    panel, badge = f"mod-panel-profile-{victim.id}", f"status-badge-profile-{victim.id}"
    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/ban", url, panel, {"reason": "Spam"})
    _assert_swappable(page, r, panel, badge, "banned")


def test_project_page_hide_project_and_owner_swap_their_panels_and_badges(mod, admin, victim,
                                                                        db_session):
    project = ProjectFactory(owner=victim, slug="vics-bot", name="Vic's Bot")
    url = "/projects/vics-bot"
    ppanel, pbadge = f"mod-panel-project-{project.id}", f"status-badge-project-{project.id}"
    opanel, obadge = f"mod-panel-profile-{victim.id}", f"status-badge-profile-{victim.id}"

    page, r = _hx(mod, f"/moderation/projects/{project.id}/hide", url, ppanel)
    body = _assert_swappable(page, r, ppanel, pbadge, "hidden")
    assert "is hidden." in body and ">Unhide project</button>" in body
    assert fresh(db_session, Project, project.id).hidden_at is not None
    page = html(mod.get(url))
    assert ids(page, pbadge) == 1 and '<span class="badge badge--hidden">Hidden</span>' in page

    page, r = _hx(mod, f"/moderation/projects/{project.id}/unhide", url, ppanel)
    _assert_swappable(page, r, ppanel, pbadge, "active")

    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/hide", url, opanel)
    _assert_swappable(page, r, opanel, obadge, "hidden")
    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/unhide", url, opanel)
    _assert_swappable(page, r, opanel, obadge, "active")
    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/ban", url, opanel, {"reason": "Spam"})
    _assert_swappable(page, r, opanel, obadge, "banned")
    page = html(mod.get(url))  # the owner's badge shows in the byline
    assert re.search(rf'<p class="byline">.*id="{obadge}"[^>]*><span class="badge badge--banned">'
                     r"Banned</span>", page, re.S)
    page, r = _hx(admin, f"/moderation/profiles/{victim.id}/unban", url, opanel)
    _assert_swappable(page, r, opanel, obadge, "active")


def test_a_refusal_answers_in_the_panel_with_the_message(mod, db_session):
    boss = ProfileFactory(username="boss", admin=True)
    page = html(mod.get("/profiles/boss"))
    assert ">Hide</button>" in page
    r = mod.post(f"/moderation/profiles/{boss.id}/ban", {"next": "/profiles/boss", "reason": "x"},
                 htmx=True)
    assert r.status_code == 403 and "Moderators cannot ban admins" in html(r)
    assert html(r).startswith(f'<div id="mod-panel-profile-{boss.id}"')
    assert fresh(db_session, Profile, boss.id).banned_at is None


# --- Without JavaScript: post, then 303 back to the page --------------------------------

@pytest.mark.parametrize("url,action", [
    ("/profiles/victim", "hide"),
    ("/members?q=victim&page=1", "hide"),
    ("/members?q=victim", "ban"),
    ("/profiles/victim", "ban"),
    ("/projects/vics-bot", "hide"),
    ("/projects/vics-bot", "hide-project"),
])
def test_without_javascript_each_form_posts_and_303s_back(mod, victim, url, action, db_session):
    project = ProjectFactory(owner=victim, slug="vics-bot")
    target = (f"/moderation/projects/{project.id}/hide" if action == "hide-project"
              else f"/moderation/profiles/{victim.id}/{action}")
    page = html(mod.get(url))
    nxt = form_next(page, target)
    assert '<input type="checkbox" name="confirm" value="yes" required> Confirm' in page
    r = mod.post(target, {**CONFIRM, "next": nxt, "reason": "Spam"})  # no Referer: the form carries the way back
    assert r.status_code == 303
    expected = "/members?q=victim" if url.startswith("/members") else url
    assert r.headers["Location"] == expected
    after = mod.get(expected)
    assert after.status_code == 200


def test_without_javascript_unban_and_unhide_go_back_to_the_page(mod, admin, db_session):
    gone = ProfileFactory(username="gone", banned=True)
    quiet = ProfileFactory(username="quiet", hidden=True)
    project = ProjectFactory(slug="quiet-bot", hidden=True)
    r = admin.post(f"/moderation/profiles/{gone.id}/unban",
                   {**CONFIRM, "next": form_next(html(admin.get("/profiles/gone")),
                                                 f"/moderation/profiles/{gone.id}/unban")})
    assert r.status_code == 303 and r.headers["Location"] == "/profiles/gone"
    r = mod.post(f"/moderation/profiles/{quiet.id}/unhide",
                 {**CONFIRM, "next": form_next(html(mod.get("/profiles/quiet")),
                                               f"/moderation/profiles/{quiet.id}/unhide")})
    assert r.status_code == 303 and r.headers["Location"] == "/profiles/quiet"
    action = f"/moderation/projects/{project.id}/unhide"
    r = mod.post(action, {**CONFIRM, "next": form_next(html(mod.get("/projects/quiet-bot")), action)})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/quiet-bot"
    assert fresh(db_session, Profile, gone.id).banned_at is None
    assert fresh(db_session, Project, project.id).hidden_at is None


def test_builders_posting_by_hand_are_refused_and_nothing_changes(login, victim, db_session):
    builder = login(ProfileFactory())
    r = builder.post(f"/moderation/profiles/{victim.id}/hide", {**CONFIRM, "next": "/members"})
    assert r.status_code == 403
    assert fresh(db_session, Profile, victim.id).hidden_at is None


# --- Query budget with the controls on ---------------------------------------------------

def test_member_cards_with_controls_stay_within_the_query_budget(app, mod):
    counts = []
    mod.get("/members")  # the first request of a session also touches the session row
    for batch, total in ((3, 3), (27, 30)):
        for i in range(batch):
            ProfileFactory(username=f"budget-{total}-{i:03d}")
        with count_queries(app) as q:
            page = html(mod.get("/members?q=budget"))
        counts.append(q.count)
        assert page.count('class="mod-panel"') == min(total, 24)
    assert counts[0] == counts[1] and counts[1] <= 8, counts


def test_profile_and_project_pages_with_controls_stay_within_the_budget(app, mod, victim):
    ProjectFactory(owner=victim, slug="vics-bot")
    for url in ("/profiles/victim", "/projects/vics-bot"):
        with count_queries(app) as q:
            assert mod.get(url).status_code == 200
        assert q.count <= 8, (url, q.statements)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_ban_without_a_reason_is_refused_in_the_panel(mod, victim, db_session, reason):
    """A ban always says why: an empty reason is 422 with the message by the field, the
    builder stays unbanned, and the form is open again to fill in."""
    url = "/members?q=victim"
    panel = f"mod-panel-profile-{victim.id}"
    page, r = _hx(mod, f"/moderation/profiles/{victim.id}/ban", url, panel, {"reason": reason})
    body = html(r)
    assert r.status_code == 422 and body.startswith(f'<div id="{panel}"')
    assert f'<p class="field-error" id="ban-reason-{victim.id}-error">Give a reason for the ban</p>' in body
    assert '<details class="mod-ban" open>' in body and 'aria-invalid="true"' in body
    assert fresh(db_session, Profile, victim.id).banned_at is None
    assert f'id="ban-reason-{victim.id}" name="reason" rows="2" required' in page
