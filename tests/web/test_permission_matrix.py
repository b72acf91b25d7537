"""The permission matrix (quality.md): every route × nine actors, as routes.md says.

Every rule of ``app.url_map`` (but ``static``) needs an entry in ``ROUTES`` — one per
(endpoint, method) — or ``test_every_route_is_in_the_matrix`` fails. An entry says:

* ``access`` — who may use it, a key of ``LEVELS`` (public, signed_in, owner, team,
  member, recipient, sender, moderator, admin);
* ``url`` — a function of the world ``W`` (plain ids and slugs built by ``world``);
* ``data`` — the form posted (CSRF is added by the client);
* ``refused`` — the status for a signed-in actor outside ``access`` (403, or 404 where
  the thing is hidden from them); ``ok`` — extra statuses that still count as allowed
  (e.g. 404 for a deliberately unknown token); ``expect`` — per-actor exceptions.

Anonymous visitors are sent to sign in (303 → /sign-in) and banned builders to /banned
(except on ``BANNED_ALLOWED`` endpoints). For every refused request the database must be
unchanged: a fingerprint of every table (``updated_at`` / ``last_seen_at`` left out) is
compared before and after. Each actor runs inside a savepoint that is rolled back, so an
allowed mutation (a delete, a sign-out) never leaks into the next actor's turn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest
import sqlalchemy as sa

from sqlalchemy import orm

from buildstory.db import db
from buildstory.identity import services as identity
from buildstory.identity import tokens
from buildstory.web.auth import BANNED_ALLOWED
from tests.conftest import Client, _PinnedScopedSession, _reset_limits
from tests.factories import (AccountFactory, AvatarFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, MentorApplicationFactory,
                             ProjectFactory, ProjectMemberFactory, SponsorshipInquiryFactory,
                             TeamInviteFactory, TwitchCategoryFactory)

ACTORS = ("anonymous", "builder", "other", "member", "hidden", "banned", "moderator", "admin",
          "super_admin")
SIGNED_IN = frozenset(ACTORS) - {"anonymous"}
LEVELS = {
    "public": frozenset(ACTORS),
    "signed_in": SIGNED_IN,
    "owner": frozenset({"builder"}),                  # owns the project P
    "team": frozenset({"builder", "member"}),         # owner or member of P
    "member": frozenset({"member"}),                  # member of P (not its owner)
    "recipient": frozenset({"other"}),                # of the direct invite
    "sender": frozenset({"builder"}),                 # of the direct invite
    "moderator": frozenset({"moderator", "admin", "super_admin"}),
    "admin": frozenset({"admin", "super_admin"}),
}
ALLOWED_STATUSES = {200, 204, 302, 303, 409, 422}


@dataclass(frozen=True)
class Case:
    access: str
    url: Callable
    data: dict | Callable = field(default_factory=dict)  # or a function of the world
    refused: int = 403
    ok: frozenset = frozenset()
    expect: dict = field(default_factory=dict)


def G(access, url, **kw):
    return ("GET", Case(access, url, **kw))


def P(access, url, data=None, **kw):
    return ("POST", Case(access, url, data or {}, **kw))


def form_data(case: Case, w) -> dict:
    return case.data(w) if callable(case.data) else dict(case.data)


CONFIRM = {"confirm": "yes"}
_entries = {
    # --- site pages ---------------------------------------------------------------------
    "pages.home": [G("public", lambda w: "/")],
    "pages.dashboard": [G("signed_in", lambda w: "/dashboard")],
    "pages.healthz": [G("public", lambda w: "/healthz")],
    "pages.robots": [G("public", lambda w: "/robots.txt")],
    "pages.banned": [G("public", lambda w: "/banned")],
    "pages.dismiss_community_card": [P("signed_in", lambda w: "/dashboard/community-card/dismiss")],
    "pages.sitemap_index": [G("public", lambda w: "/sitemap.xml")],
    "pages.sitemap_chunk": [G("public", lambda w: "/sitemap-profiles-1.xml")],
    "pages.sitemap_index": [G("public", lambda w: "/sitemap.xml")],
    "pages.sitemap_chunk": [G("public", lambda w: "/sitemap-profiles-1.xml")],
    "pages.dismiss_community_card": [P("signed_in", lambda w: "/dashboard/community-card/dismiss")],
    # --- identity -----------------------------------------------------------------------
    "identity.sign_up": [G("public", lambda w: "/sign-up"), P("public", lambda w: "/sign-up")],
    "identity.sign_in": [G("public", lambda w: "/sign-in"), P("public", lambda w: "/sign-in")],
    "identity.sign_out": [P("public", lambda w: "/sign-out")],
    "identity.forgot_password": [G("public", lambda w: "/forgot-password"),
                                 P("public", lambda w: "/forgot-password",
                                   {"email": "nobody@example.com"})],
    # An unknown token is a 404 for everyone: the route itself is public.
    "identity.reset_password": [G("public", lambda w: "/reset-password/bogus", ok={404}),
                                P("public", lambda w: "/reset-password/bogus", ok={404})],
    "identity.account": [G("signed_in", lambda w: "/settings/account"),
                         P("signed_in", lambda w: "/settings/account")],
    # --- profiles -----------------------------------------------------------------------
    "profiles.username_check": [G("public", lambda w: "/username-check?username=fresh-name")],
    "profiles.profile": [G("public", lambda w: f"/profiles/{w.builder_username}")],
    "profiles.members": [G("public", lambda w: "/members")],
    "profiles.avatar": [G("public", lambda w: f"/avatars/{w.builder_id}/{w.avatar_hash}")],
    "profiles.settings": [G("signed_in", lambda w: "/settings"),
                          P("signed_in", lambda w: "/settings")],
    "profiles.regions": [G("signed_in", lambda w: "/settings/regions?country=DE")],
    "profiles.upload_avatar": [P("signed_in", lambda w: "/settings/avatar")],
    "profiles.delete_avatar": [P("signed_in", lambda w: "/settings/avatar/delete")],
    # --- events ---------------------------------------------------------------------------
    "events.index": [G("public", lambda w: "/events")],
    "events.show": [G("public", lambda w: f"/events/{w.event_slug}")],
    "events.calendar": [G("public", lambda w: f"/events/{w.event_slug}.ics")],
    "events.register": [P("signed_in", lambda w: f"/events/{w.event_slug}/register",
                          {"team_preference": "solo", "commitment_level": "daily"})],
    "events.withdraw": [P("signed_in", lambda w: f"/events/{w.event_slug}/withdraw")],
    "events.onboarding": [G("signed_in", lambda w: "/onboarding"),
                          P("signed_in", lambda w: "/onboarding", {"step": "identity"})],
    # --- projects -------------------------------------------------------------------------
    "projects.index": [G("public", lambda w: "/projects")],
    "projects.show": [G("public", lambda w: f"/projects/{w.project_slug}")],
    "projects.new": [G("signed_in", lambda w: "/projects/new"),
                     P("signed_in", lambda w: "/projects/new")],
    "projects.slug_check": [G("signed_in", lambda w: "/project-slug-check?slug=fresh-slug")],
    "projects.edit": [G("owner", lambda w: f"/projects/{w.project_slug}/edit"),
                      P("owner", lambda w: f"/projects/{w.project_slug}/edit")],
    "projects.delete": [P("owner", lambda w: f"/projects/{w.project_slug}/delete", CONFIRM)],
    "projects.enter_event": [P("team", lambda w: f"/projects/{w.project_slug}/events",
                               lambda w: {"event": w.event_slug})],
    "projects.leave_event": [P("team", lambda w:
                               f"/projects/{w.project_slug}/events/{w.event_slug}/remove", CONFIRM)],
    # --- teams ----------------------------------------------------------------------------
    "teams.invitee_search": [G("owner", lambda w: f"/projects/{w.project_slug}/invitee-search?q=bu")],
    "teams.send_invite": [P("owner", lambda w: f"/projects/{w.project_slug}/invites",
                            lambda w: {"username": w.victim_username})],
    "teams.create_link": [P("owner", lambda w: f"/projects/{w.project_slug}/invite-links")],
    "teams.invites": [G("signed_in", lambda w: "/invites")],
    "teams.accept": [P("recipient", lambda w: f"/invites/{w.invite_id}/accept", refused=404)],
    "teams.decline": [P("recipient", lambda w: f"/invites/{w.invite_id}/decline", refused=404)],
    "teams.revoke": [P("sender", lambda w: f"/invites/{w.invite_id}/revoke", refused=404)],
    "teams.invite_link": [G("public", lambda w: f"/invite/{w.link_token}")],
    "teams.join": [P("signed_in", lambda w: f"/invite/{w.link_token}/accept")],
    "teams.remove_member": [P("owner", lambda w:
                              f"/projects/{w.project_slug}/members/{w.member_id}/remove", CONFIRM)],
    "teams.leave": [P("member", lambda w: f"/projects/{w.project_slug}/leave", CONFIRM,
                      expect={"builder": 403})],  # "Owners cannot leave their own project"
    # --- applications and streams ---------------------------------------------------------
    "applications.mentor_apply": [G("public", lambda w: "/mentor-apply"),
                                  P("public", lambda w: "/mentor-apply")],
    "applications.mentor_thanks": [G("public", lambda w: "/mentor-apply/thanks")],
    "applications.sponsor_apply": [G("public", lambda w: "/sponsor-apply"),
                                   P("public", lambda w: "/sponsor-apply")],
    "applications.sponsor_thanks": [G("public", lambda w: "/sponsor-apply/thanks")],
    "applications.streams": [G("public", lambda w: "/streams")],
    # --- moderation -----------------------------------------------------------------------
    "moderation.hide_profile": [P("moderator", lambda w: f"/moderation/profiles/{w.victim_id}/hide", CONFIRM)],
    "moderation.unhide_profile": [P("moderator", lambda w: f"/moderation/profiles/{w.victim_id}/unhide", CONFIRM)],
    "moderation.ban_profile": [P("moderator", lambda w: f"/moderation/profiles/{w.victim_id}/ban",
                                 {**CONFIRM, "reason": "matrix"})],
    "moderation.unban_profile": [P("admin", lambda w: f"/moderation/profiles/{w.victim_id}/unban", CONFIRM)],
    "moderation.hide_project": [P("moderator", lambda w: f"/moderation/projects/{w.victim_project_id}/hide", CONFIRM)],
    "moderation.unhide_project": [P("moderator", lambda w: f"/moderation/projects/{w.victim_project_id}/unhide", CONFIRM)],
    # --- admin area -----------------------------------------------------------------------
    "admin.dashboard": [G("moderator", lambda w: "/admin")],
    "admin.users": [G("moderator", lambda w: "/admin/users")],
    "admin.user_detail": [G("moderator", lambda w: f"/admin/users/{w.victim_id}")],
    "admin.change_role": [P("admin", lambda w: f"/admin/users/{w.victim_id}/role", {"role": "moderator"})],
    "admin.delete_user": [P("admin", lambda w: f"/admin/users/{w.victim_id}/delete",
                            lambda w: {"confirm_username": w.victim_username})],
    "admin.audit": [G("admin", lambda w: "/admin/audit")],
    "events_admin.index": [G("admin", lambda w: "/admin/events"),
                           P("admin", lambda w: "/admin/events")],
    "events_admin.edit": [G("admin", lambda w: f"/admin/events/{w.event_slug}"),
                          P("admin", lambda w: f"/admin/events/{w.event_slug}")],
    "events_admin.change_status": [P("admin", lambda w: f"/admin/events/{w.event_slug}/status",
                                     {"status": "active"})],
    "events_admin.feature": [P("admin", lambda w: f"/admin/events/{w.other_event_slug}/feature")],
    "events_admin.unfeature": [P("admin", lambda w: f"/admin/events/{w.event_slug}/unfeature")],
    "events_admin.delete": [P("admin", lambda w: f"/admin/events/{w.other_event_slug}/delete", CONFIRM)],
    "events_admin.registrations_csv": [G("admin", lambda w: f"/admin/events/{w.event_slug}/registrations.csv")],
    "applications_admin.mentors": [G("admin", lambda w: "/admin/mentors")],
    "applications_admin.mentors_csv": [G("admin", lambda w: "/admin/mentors.csv")],
    "applications_admin.approve_mentor": [P("admin", lambda w: f"/admin/mentors/{w.mentor_id}/approve")],
    "applications_admin.decline_mentor": [P("admin", lambda w: f"/admin/mentors/{w.mentor_id}/decline")],
    "applications_admin.sponsors": [G("admin", lambda w: "/admin/sponsors")],
    "applications_admin.move_sponsor": [P("admin", lambda w: f"/admin/sponsors/{w.sponsor_id}/contacted")],
    "applications_admin.streams": [G("admin", lambda w: "/admin/streams"),
                                   P("admin", lambda w: "/admin/streams")],
    "applications_admin.remove_stream_category": [P("admin", lambda w: f"/admin/streams/{w.category_id}/remove")],
    "applications_admin.draws": [G("admin", lambda w: "/admin/draws"),
                                 P("admin", lambda w: "/admin/draws")],
}
ROUTES: dict[tuple[str, str], Case] = {
    (endpoint, method): case for endpoint, cases in _entries.items() for method, case in cases}


class W:
    """Plain ids and slugs of the world (safe to use after savepoints roll back)."""


def build_world(app, session):
    """Nine actors around one project P (owned by ``builder``, ``member`` on its team), a
    featured open event it is entered in, a direct invite builder → other, a link invite,
    a victim to moderate, and one of every admin-managed record."""
    people = {}
    traits = {"hidden": {"profile__hidden": True}, "banned": {"profile__banned": True},
              "moderator": {"profile__moderator": True}, "admin": {"profile__admin": True}}
    for actor in ACTORS[1:]:
        kw = {"profile__username": f"mx-{actor.replace('_', '-')}", **traits.get(actor, {})}
        if actor == "super_admin":
            kw["id"] = "user_superadmin"  # in the test app's ADMIN_USER_IDS; stored role user
        people[actor] = AccountFactory(**kw).profile
    victim = AccountFactory(profile__username="mx-victim").profile
    event = EventFactory(open=True, featured=True, slug="mx-event")
    other_event = EventFactory(open=True, slug="mx-other-event")
    project = ProjectFactory(owner=people["builder"], slug="mx-project")
    ProjectMemberFactory(project=project, profile=people["member"])
    for actor in ("builder", "member", "other"):
        EventRegistrationFactory(event=event, profile=people[actor])
    EventProjectFactory(event=event, project=project)
    invite = TeamInviteFactory(project=project, recipient=people["other"])
    TeamInviteFactory(project=project, link=True, raw_token="mx-link-token")
    avatar = AvatarFactory(profile=people["builder"])
    w = W()
    w.builder_id, w.builder_username = people["builder"].id, people["builder"].username
    w.avatar_hash = avatar.hash
    w.member_id = people["member"].id
    w.victim_id, w.victim_username = victim.id, victim.username
    w.victim_project_id = ProjectFactory(owner=victim).id
    w.project_slug, w.event_slug, w.other_event_slug = project.slug, event.slug, other_event.slug
    w.invite_id, w.link_token = invite.id, "mx-link-token"
    w.mentor_id = MentorApplicationFactory().id
    w.sponsor_id = SponsorshipInquiryFactory().id
    w.category_id = TwitchCategoryFactory().id
    now = identity.utcnow()
    clients = {"anonymous": Client(app, session)}
    for actor, profile in people.items():
        client = Client(app, session)
        row = identity.create_session(session, profile.clerk_id, user_agent="matrix", now=now,
                                      lifetime_days=30)
        session.commit()
        with app.app_context():
            client.session_cookie = tokens.encode_session(row)
        clients[actor] = client
    clients["anonymous"].session_cookie = None
    tokens_by_actor = {actor: c.csrf() for actor, c in clients.items()}
    session.commit()
    return w, clients, tokens_by_actor


@pytest.fixture(scope="module")
def matrix(app):
    """The world, built once for the module in a transaction rolled back at the end."""
    with app.app_context():
        engine = db.engine
    conn = engine.connect()
    outer = conn.begin()
    session = _PinnedScopedSession(
        orm.sessionmaker(bind=conn, join_transaction_mode="create_savepoint"), scopefunc=lambda: 0)
    original, db.session = db.session, session
    try:
        yield (*build_world(app, session), session, conn)
    finally:
        db.session = original
        session.registry().close()
        outer.rollback()
        conn.close()
        _reset_limits(app)


def fingerprint(session) -> dict:
    """Return a hash of every table's rows (timestamps that reads may touch left out)."""
    names = sorted(t.name for t in db.metadata.sorted_tables)
    parts = [f"""SELECT '{n}' AS t, md5(coalesce(string_agg(r, ',' ORDER BY r), '')) AS h
                 FROM (SELECT (to_jsonb(x) - 'last_seen_at' - 'updated_at')::text AS r
                       FROM "{n}" x) s""" for n in names]
    return dict(session.execute(sa.text(" UNION ALL ".join(parts))).all())


def expectation(case: Case, endpoint: str, actor: str):
    """Return "allowed", "sign-in", "banned" or a status code."""
    if actor in case.expect:
        return case.expect[actor]
    if actor == "banned" and endpoint not in BANNED_ALLOWED:
        return "banned"
    if actor in LEVELS[case.access]:
        return "allowed"
    if actor == "anonymous":
        return "sign-in"
    return case.refused


def check(response, expected, case: Case) -> str | None:
    """Return a description of the mismatch, or None."""
    status, location = response.status_code, response.headers.get("Location", "")
    if expected == "allowed":
        good = ((status in ALLOWED_STATUSES or status in case.ok)
                and not location.startswith(("/sign-in", "/banned")))
    elif expected == "sign-in":
        good = status == 303 and location.startswith("/sign-in")
    elif expected == "banned":
        good = status == 303 and location == "/banned"
    else:
        good = status == expected
    return None if good else f"expected {expected}, got {status} {location}".strip()


@pytest.mark.parametrize("key", sorted(ROUTES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_route_permissions(app, matrix, key):
    endpoint, method = key
    case = ROUTES[key]
    w, clients, csrf_tokens, db_session, conn = matrix
    url = case.url(w)
    failures = []
    for actor in ACTORS:
        expected = expectation(case, endpoint, actor)
        client, token = clients[actor], csrf_tokens[actor]
        # Restore the actor's session cookie (a sign-out in an earlier turn deletes it).
        name = app.config["SESSION_COOKIE_NAME"]
        if client.session_cookie:
            client.raw.set_cookie(name, client.session_cookie)
        else:
            client.raw.delete_cookie(name)
        _reset_limits(app)
        savepoint = conn.begin_nested()
        try:
            # Refused mutations must leave every table as it was.
            before = (fingerprint(db_session)
                      if method == "POST" and expected != "allowed" else None)
            db_session.commit()
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, {"csrf_token": token, **form_data(case, w)})
            response.get_data()  # consume streamed bodies (CSV exports) inside the turn
            problem = check(response, expected, case)
            if problem:
                failures.append(f"{actor}: {problem}")
            if before is not None:
                db_session.rollback()
                after = fingerprint(db_session)
                changed = sorted(t for t in after if after[t] != before[t])
                if changed:
                    failures.append(f"{actor}: refused but changed {changed}")
        finally:
            db_session.rollback()
            db_session.close()
            savepoint.rollback()
    assert not failures, f"{method} {url}:\n  " + "\n  ".join(failures)


def test_every_route_is_in_the_matrix(app):
    missing = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in ROUTES)
    assert not missing, "add these routes to ROUTES in tests/web/test_permission_matrix.py:\n" + \
        "\n".join(missing)


def test_the_matrix_lists_no_route_that_does_not_exist(app):
    known = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    assert not sorted(set(ROUTES) - known)


def test_the_fingerprint_notices_any_change(matrix):
    w, _, _, session, conn = matrix
    savepoint = conn.begin_nested()
    try:
        before = fingerprint(session)
        session.execute(sa.text("UPDATE projects SET name = name || '!' WHERE slug = :s"),
                        {"s": w.project_slug})
        after = fingerprint(session)
        assert [t for t in after if after[t] != before[t]] == ["projects"]
    finally:
        session.rollback()
        session.close()
        savepoint.rollback()
