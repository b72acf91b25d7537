"""Moderation endpoints: htmx answers (panel + badge out of band), plain posts, refusals."""
import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.models import Profile, Project
from tests.factories import ProfileFactory, ProjectFactory

CONFIRM = {"confirm": "yes"}


@pytest.fixture
def mod(login):
    return login(ProfileFactory(moderator=True, username="the-mod"))


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True, username="the-admin"))


@pytest.fixture
def victim(db_session):
    return ProfileFactory(username="victim", display_name="Vic Tim")


def html(r):
    return r.get_data(as_text=True)


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def audit_count(session):
    return session.scalar(select(func.count()).select_from(AuditLog))


def test_htmx_hide_answers_the_panel_and_the_badge_out_of_band(mod, victim, db_session):
    r = mod.post(f"/moderation/profiles/{victim.id}/hide", htmx=True)
    body = html(r)
    assert r.status_code == 200
    assert body.startswith(f'<div id="mod-panel-profile-{victim.id}"')
    assert ">Unhide</button>" in body and ">Hide</button>" not in body
    assert "Vic Tim is hidden." in body and 'role="status"' in body
    assert (f'<span id="status-badge-profile-{victim.id}" class="status-badge" '
            f'data-status="hidden" hx-swap-oob="true">') in body
    assert '<span class="badge badge--hidden">Hidden</span>' in body
    assert "<noscript>" not in body  # htmx parses without scripting: no fallback markup
    assert "hx-confirm" not in body[:body.index(">Unhide</button>")].rsplit("<form", 1)[1]  # Unhide does not ask
    assert fresh(db_session, Profile, victim.id).hidden_at is not None
    assert audit_count(db_session) == 1


def test_plain_post_needs_the_confirmation_box(mod, victim, db_session):
    r = mod.post(f"/moderation/profiles/{victim.id}/hide",
                 headers={"Referer": "http://localhost/admin/users?q=vic"})
    body = html(r)
    assert r.status_code == 422 and "Tick the box to confirm" in body
    # The box is shown outside <noscript> now, focused, with the message beside it.
    assert '<label class="checkbox confirm-check"><input type="checkbox" name="confirm" value="yes" required autofocus data-focus' in body
    assert 'name="next" value="/admin/users?q=vic"' in body  # the way back survives
    assert fresh(db_session, Profile, victim.id).hidden_at is None
    assert audit_count(db_session) == 0


def test_plain_post_redirects_back_to_the_local_referring_page(mod, victim, db_session):
    r = mod.post(f"/moderation/profiles/{victim.id}/hide", CONFIRM,
                 headers={"Referer": "http://localhost/members?q=vic&page=2"})
    assert r.status_code == 303 and r.headers["Location"] == "/members?q=vic&page=2"
    r = mod.post(f"/moderation/profiles/{victim.id}/unhide", CONFIRM,
                 headers={"Referer": "https://evil.example/phish"})
    assert r.status_code == 303 and r.headers["Location"] == f"/admin/users/{victim.id}"
    r = mod.post(f"/moderation/profiles/{victim.id}/hide", {**CONFIRM, "next": "//evil.example"})
    assert r.headers["Location"] == f"/admin/users/{victim.id}"
    r = mod.post(f"/moderation/profiles/{victim.id}/unhide", {**CONFIRM, "next": "/members"})
    assert r.headers["Location"] == "/members"


def test_pages_render_the_no_javascript_confirmation(mod, victim):
    body = html(mod.get("/admin/users?q=victim"))
    panel = body[body.index(f'id="mod-panel-profile-{victim.id}"'):]
    assert "<noscript><label class=\"checkbox confirm-check\"><input type=\"checkbox\" name=\"confirm\"" in panel
    assert f'hx-post="/moderation/profiles/{victim.id}/hide"' in panel
    assert f'action="/moderation/profiles/{victim.id}/hide"' in panel


def test_state_refusals_answer_in_place_for_htmx_and_as_a_page_otherwise(mod, db_session):
    hidden = ProfileFactory(hidden=True, username="already")
    r = mod.post(f"/moderation/profiles/{hidden.id}/hide", htmx=True)
    body = html(r)
    assert r.status_code == 409 and "HX-Retarget" not in r.headers
    assert body.startswith(f'<div id="mod-panel-profile-{hidden.id}"')
    assert 'role="alert">User is already hidden</p>' in body
    assert ">Unhide</button>" in body and 'hx-swap-oob="true"' in body
    r = mod.post(f"/moderation/profiles/{hidden.id}/hide", CONFIRM)
    assert r.status_code == 409 and "User is already hidden" in html(r) and "<html" in html(r)
    assert audit_count(db_session) == 0


def test_role_refusals_are_403_with_the_message(mod, admin, db_session):
    r = mod.post(f"/moderation/profiles/{admin.profile.id}/ban", {"reason": "x"}, htmx=True)
    assert r.status_code == 403 and "Moderators cannot ban admins" in html(r)
    r = mod.post(f"/moderation/profiles/{mod.profile.id}/hide", CONFIRM)
    assert r.status_code == 403 and "Cannot hide yourself" in html(r)
    banned = ProfileFactory(banned=True)
    r = mod.post(f"/moderation/profiles/{banned.id}/unban", htmx=True)
    assert r.status_code == 403 and "Only admins can unban users" in html(r)
    root = ProfileFactory(clerk_id="user_superadmin", username="root")
    r = admin.post(f"/moderation/profiles/{root.id}/ban", CONFIRM)
    assert r.status_code == 403 and "Cannot ban a super-admin" in html(r)
    assert fresh(db_session, Profile, admin.profile.id).banned_at is None
    assert audit_count(db_session) == 0


def test_ban_with_a_reason_takes_effect_on_the_next_request(mod, victim, login, db_session):
    victim_browser = login(victim)
    assert victim_browser.get("/dashboard").status_code == 200
    r = mod.post(f"/moderation/profiles/{victim.id}/ban", {"reason": "Posting spam links"}, htmx=True)
    body = html(r)
    assert r.status_code == 200 and "Vic Tim is banned." in body
    assert '<span class="badge badge--banned">Banned</span>' in body
    assert ">Ban</button>" not in body and ">Unban</button>" not in body  # moderators cannot unban
    r = victim_browser.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"] == "/banned"
    assert "Posting spam links" in html(victim_browser.get("/banned"))
    assert victim_browser.hx_get("/members").headers.get("HX-Redirect") == "/banned"


def test_a_too_long_reason_is_422_with_the_input_kept(mod, victim, db_session):
    reason = "y" * 1001
    r = mod.post(f"/moderation/profiles/{victim.id}/ban", {"reason": reason}, htmx=True)
    body = html(r)
    assert r.status_code == 422 and "Reason must be at most 1000 characters" in body
    assert f">{reason}</textarea>" in body and 'aria-invalid="true"' in body
    assert "<details class=\"mod-ban\" open>" in body
    r = mod.post(f"/moderation/profiles/{victim.id}/ban", {"reason": reason, **CONFIRM})
    assert r.status_code == 422 and "Reason must be at most 1000 characters" in html(r)
    assert fresh(db_session, Profile, victim.id).banned_at is None


def test_a_plain_ban_without_a_reason_is_422_and_the_reason_reaches_banned(mod, victim, login,
                                                                          db_session):
    r = mod.post(f"/moderation/profiles/{victim.id}/ban", {"reason": "  ", **CONFIRM})
    body = html(r)
    assert r.status_code == 422 and "<html" in body and "Give a reason for the ban" in body
    assert fresh(db_session, Profile, victim.id).banned_at is None and audit_count(db_session) == 0
    reason = "z" * 1000  # the longest reason allowed
    r = mod.post(f"/moderation/profiles/{victim.id}/ban", {"reason": f" {reason} ", **CONFIRM},
                 headers={"Referer": "http://localhost/members"})
    assert r.status_code == 303 and r.headers["Location"] == "/members"
    assert fresh(db_session, Profile, victim.id).ban_reason == reason
    assert f"<p>{reason}</p>" in html(login(victim).get("/banned"))


def test_admins_unban_which_also_unhides(admin, db_session):
    target = ProfileFactory(banned=True, hidden=True, display_name="Re Turn", username="returner")
    r = admin.post(f"/moderation/profiles/{target.id}/unban", htmx=True)
    body = html(r)
    assert r.status_code == 200 and "Re Turn is no longer banned." in body
    assert ">Hide</button>" in body and "Ban…" in body
    assert 'data-status="active" hx-swap-oob="true"></span>' in body
    target = fresh(db_session, Profile, target.id)
    assert target.banned_at is None and target.hidden_at is None


def test_hide_and_unhide_a_project(mod, db_session):
    project = ProjectFactory(name="Robot Chef", slug="robot-chef")
    r = mod.post(f"/moderation/projects/{project.id}/hide", htmx=True)
    body = html(r)
    assert r.status_code == 200 and body.startswith(f'<div id="mod-panel-project-{project.id}"')
    assert ">Unhide project</button>" in body and "Robot Chef is hidden." in body
    assert f'<span id="status-badge-project-{project.id}" class="status-badge" data-status="hidden" hx-swap-oob="true">' in body
    r = mod.post(f"/moderation/projects/{project.id}/hide", htmx=True)
    assert r.status_code == 409 and "Project is already hidden" in html(r)
    r = mod.post(f"/moderation/projects/{project.id}/unhide", CONFIRM,
                 headers={"Referer": "http://localhost/projects/robot-chef"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/robot-chef"
    assert fresh(db_session, Project, project.id).hidden_at is None
    rows = db_session.scalars(select(AuditLog.action).order_by(AuditLog.created_at)).all()
    assert sorted(rows) == ["hide_project", "unhide_project"]


def test_not_for_builders_nor_anonymous_visitors(login, client, victim, db_session):
    builder = login(ProfileFactory())
    for path in (f"/moderation/profiles/{victim.id}/hide", f"/moderation/profiles/{victim.id}/ban"):
        assert builder.post(path, CONFIRM).status_code == 403
        r = client.post(path, CONFIRM)
        assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    r = client.post(f"/moderation/profiles/{victim.id}/hide", htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in")
    assert fresh(db_session, Profile, victim.id).hidden_at is None


def test_unknown_malformed_ids_and_missing_csrf(mod, victim, db_session):
    assert mod.post("/moderation/profiles/nope/hide", CONFIRM).status_code == 404
    assert mod.post("/moderation/projects/00000000-0000-0000-0000-000000000000/hide",
                    CONFIRM).status_code == 404
    r = mod.post(f"/moderation/profiles/{victim.id}/hide", CONFIRM, csrf=False)
    assert r.status_code == 400 and fresh(db_session, Profile, victim.id).hidden_at is None


def test_panels_only_for_moderators(login, victim):
    builder = login(ProfileFactory())
    from flask import render_template_string
    # Builders never get the panel markup, whatever page renders the macro.
    with builder.app.test_request_context():
        from flask import g
        g.profile = builder.profile
        out = render_template_string('{% from "_ui.html" import moderation_panel %}'
                                     '{{ moderation_panel(p) }}', p=victim)
    assert out.strip() == ""
