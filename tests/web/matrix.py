"""The permission matrix's route table and world: every route × ten actors.

Every rule of ``app.url_map`` (but ``static``) needs at least one entry in ``ROUTES`` — per
(endpoint, method) — or ``test_every_route_is_in_the_matrix`` fails. An entry says:

* ``access`` — who may use it: a key of ``LEVELS`` (public, signed_in, owner, team, member,
  recipient, sender, moderator, admin, team_or_moderator) or a set of actors (for content hidden from some);
* ``url`` — a function of the world ``W`` (plain ids and slugs built by ``build_world``);
* ``data`` — the form posted (CSRF is added): a valid one, so allowed actors succeed;
* ``status`` / ``to`` — the exact answer for allowed actors (default 200 for GET, 303 for
  POST) and, for a 303, where it leads (a prefix of ``Location``);
* ``refused`` — the status for a signed-in actor outside ``access`` (403, or 404 where the
  thing is hidden from them); ``expect`` — per-actor exceptions (a status, or a
  ``(status, location prefix)`` pair); ``login`` — whether anonymous visitors are sent to
  sign in (routes that need an account) or refused like anyone else (public routes).

Anonymous visitors are sent to sign in (303 → /sign-in?next=…) and banned builders to
/banned (except on ``BANNED_ALLOWED`` endpoints). The database must not change for any
refused request, and for no GET at all: a fingerprint of every table (``updated_at`` /
``last_seen_at``, the documented GET-time write, left out) is compared before and after.
Each actor runs inside a savepoint that is rolled back, so an allowed mutation (a delete,
a sign-out) never leaks into the next actor's turn.

The route table and the world live here, not in a test module, because the permission
matrix, CSRF, fuzz and fragment tests (``test_permission_matrix``, ``test_csrf_all_routes``,
``test_fuzz_forms``, ``test_fragments``) all use them, so every route is exercised the same
way everywhere; ``tests/web/conftest.py`` turns ``open_world`` into the ``world`` fixture.
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa
from PIL import Image

from buildstory.db import db
from buildstory.enums import EventStatus, QueueKind
from buildstory.hackathon import images
from buildstory.hackathon.models import EventSubmission, QueueAssignment, SubmissionImage
from buildstory.identity import services as identity
from buildstory.identity import tokens
from buildstory.enums import NotificationType
from buildstory.models import JoinRequest, Notification, OwnershipRequest
from buildstory.notifications import services as notifications
from buildstory.notifications.queries import encode_cursor
from buildstory.mail import tokens as mail_tokens
from buildstory.mail.models import EmailOutbox
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import TEST_PASSWORD, Client, _reset_limits, rolled_back_session
from tests.hackathon_factories import AiToolFactory
from tests.factories import utcnow as now_utc
from tests.factories import (AccountFactory, AvatarFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, MentorApplicationFactory,
                             ProjectFactory, ProjectMemberFactory, SponsorshipInquiryFactory,
                             TeamInviteFactory, TwitchCategoryFactory)
from tests.hackathon_factories import EventJudgeFactory, EventSubmissionFactory

ACTORS = ("anonymous", "builder", "other", "member", "hidden", "banned", "moderator", "admin",
          "super_admin", "judge", "mentor")
SIGNED_IN = frozenset(ACTORS) - {"anonymous"}
MODERATORS = frozenset({"moderator", "admin", "super_admin"})
ADMINS = frozenset({"admin", "super_admin"})
LEVELS = {
    "public": frozenset(ACTORS),
    "signed_in": SIGNED_IN,
    "owner": frozenset({"builder"}),                  # owns the project P
    "team": frozenset({"builder", "member"}),         # owner or member of P
    "member": frozenset({"member"}),                  # member of P (not its owner)
    "recipient": frozenset({"other"}),                # of the direct invite
    "sender": frozenset({"builder"}),                 # of the direct invite
    "moderator": MODERATORS,
    "admin": ADMINS,
    "judge": frozenset({"judge"}),                    # judges the judging event J
    "mentor": frozenset({"mentor"}),                  # has a mentors row (every type)
    "team_or_moderator": frozenset({"builder", "member"}) | MODERATORS,
}


@dataclass(frozen=True)
class Case:
    access: str | frozenset
    url: Callable
    data: dict | Callable = field(default_factory=dict)  # or a function of the world
    status: int | None = None
    to: str | Callable | None = None
    refused: int = 403
    expect: dict = field(default_factory=dict)
    login: bool | None = None

    def allowed(self) -> frozenset:
        return LEVELS[self.access] if isinstance(self.access, str) else self.access

    def needs_login(self) -> bool:
        return self.access != "public" if self.login is None else self.login


def G(access, url, **kw):
    return ("GET", Case(access, url, **kw))


def P(access, url, data=None, **kw):
    return ("POST", Case(access, url, data or {}, **kw))


def form_data(case: Case, w) -> dict:
    return case.data(w) if callable(case.data) else dict(case.data)


def png_upload() -> tuple:
    """A small, real PNG as a file field."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buffer, "PNG")
    buffer.seek(0)
    return (buffer, "me.png", "image/png")


CONFIRM = {"confirm": "yes"}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
HIDDEN_SELF = frozenset({"hidden"}) | MODERATORS        # a hidden builder sees their own
REVIEWERS = frozenset({"builder", "member"})              # on P's team, P submitted in J
EVENT_FORM = {"name": "Matrix Jam", "slug": "mx-jam", "description": "Build **anything**.",
              "starts_at": "2031-03-01T10:00", "ends_at": "2031-03-03T18:00",
              "timezone": "Europe/Berlin"}
MENTOR_FORM = {"name": "Ada Mentor", "email": "ada.mentor@example.com",
               "discord_handle": "ada#1", "mentor_types": "technical",
               "background": "Shipped things.", "availability": "Evenings"}
SPONSOR_FORM = {"company_name": "Acme", "contact_name": "Wile", "email": "wile@acme.example",
                "offer_description": "Credits for every team."}
SUBMISSION = "/projects/mx-project/submissions/mx-live"
SUBMISSION_FORM = {"what_built": "Matrix demo, updated", "demo_url": "https://mx.example/"}
WEBHOOK_FORM = {"name": "Matrix Hook", "url": "http://127.0.0.1:9/mx", "format": "json",
                "events": "milestone"}
_entries = {
    # --- site pages ---------------------------------------------------------------------
    "pages.home": [G("public", lambda w: "/", expect={a: (303, "/dashboard") for a in SIGNED_IN - {"banned"}})],
    "pages.dashboard": [G("signed_in", lambda w: "/dashboard")],
    "pages.healthz": [G("public", lambda w: "/healthz")],
    "pages.robots": [G("public", lambda w: "/robots.txt")],
    # Only the banned see it; everyone else is sent home.
    "pages.banned": [G(frozenset({"banned"}), lambda w: "/banned", login=False,
                       expect={a: (303, "/") for a in ACTORS if a != "banned"})],
    "pages.dismiss_community_card": [P("signed_in", lambda w: "/dashboard/community-card/dismiss",
                                       to="/dashboard")],
    "pages.sitemap_index": [G("public", lambda w: "/sitemap.xml")],
    "pages.sitemap_chunk": [G("public", lambda w: "/sitemap-profiles-1.xml"),
                            G("public", lambda w: "/sitemap-profiles-999.xml", status=404)],
    # --- identity -----------------------------------------------------------------------
    "identity.sign_up": [G("public", lambda w: "/sign-up"),
                         P("public", lambda w: "/sign-up",
                           {"username": "mx-newcomer", "email": "mx-newcomer@example.com",
                            "password": "long enough pw"}, to="/onboarding")],
    "identity.sign_in": [G("public", lambda w: "/sign-in"),
                         P("public", lambda w: "/sign-in",
                           lambda w: {"email": w.builder_email, "password": TEST_PASSWORD},
                           to="/dashboard"),
                         P("public", lambda w: "/sign-in",
                           lambda w: {"email": w.builder_email, "password": "wrong password"},
                           status=422)],
    "identity.sign_out": [P("public", lambda w: "/sign-out", to="/")],
    "identity.forgot_password": [G("public", lambda w: "/forgot-password"),
                                 P("public", lambda w: "/forgot-password",
                                   lambda w: {"email": w.builder_email}, status=200)],
    "identity.reset_password": [
        G("public", lambda w: f"/reset-password/{w.reset_token}"),
        P("public", lambda w: f"/reset-password/{w.reset_token}",
          {"new_password": "a fresh password"}, to="/dashboard"),
        # An unknown token is a 404 for everyone: the route itself is public.
        G("public", lambda w: "/reset-password/bogus", status=404),
        P("public", lambda w: "/reset-password/bogus", {"new_password": "a fresh password"},
          status=404)],
    "identity.account": [G("signed_in", lambda w: "/settings/account"),
                         P("signed_in", lambda w: "/settings/account",
                           {"current_password": TEST_PASSWORD,
                            "new_password": "another long password"}, status=200),
                         P("signed_in", lambda w: "/settings/account",
                           {"form": "email", "new_email": "mx-new-address@example.com",
                            "email_password": TEST_PASSWORD}, status=200),
                         P("signed_in", lambda w: "/settings/account", {"form": "verify"},
                           status=200)],
    "identity.verify_email": [
        G("public", lambda w: f"/verify-email/{w.email_token}"),
        P("public", lambda w: f"/verify-email/{w.email_token}", status=200),
        G("public", lambda w: "/verify-email/bogus", status=404),
        P("public", lambda w: "/verify-email/bogus", status=404)],
    # --- email ------------------------------------------------------------------------------
    "mail.settings": [G("signed_in", lambda w: "/settings/notifications"),
                      P("signed_in", lambda w: "/settings/notifications",
                        {"email_team_invite": "on", "email_event_status": "on"}, status=200)],
    "mail.unsubscribe": [
        G("public", lambda w: f"/unsubscribe/{w.unsubscribe_token}"),
        P("public", lambda w: f"/unsubscribe/{w.unsubscribe_token}", status=200),
        G("public", lambda w: "/unsubscribe/bogus", status=404),
        P("public", lambda w: "/unsubscribe/bogus", status=404)],
    "mail_admin.outbox": [G("admin", lambda w: "/admin/outbox"),
                          G("admin", lambda w: "/admin/outbox?status=failed&page=2")],
    "mail_admin.outbox_email": [G("admin", lambda w: f"/admin/outbox/{w.sent_email_id}"),
                                G("admin", lambda w: "/admin/outbox/999999999", status=404)],
    "mail_admin.retry_outbox_email": [
        P("admin", lambda w: f"/admin/outbox/{w.failed_email_id}/retry",
          to=lambda w: f"/admin/outbox/{w.failed_email_id}"),
        P("admin", lambda w: f"/admin/outbox/{w.sent_email_id}/retry", status=409),
        P("admin", lambda w: "/admin/outbox/999999999/retry", status=404)],
    # --- profiles -----------------------------------------------------------------------
    "profiles.username_check": [G("public", lambda w: "/username-check?username=fresh-name")],
    "profiles.profile": [
        G("public", lambda w: f"/profiles/{w.builder_username}"),
        # Hidden builders: 404 to the public, visible to themselves and to moderators.
        G(HIDDEN_SELF, lambda w: f"/profiles/{w.hidden_username}", refused=404, login=False),
        G(MODERATORS, lambda w: f"/profiles/{w.banned_username}", refused=404, login=False),
        G("public", lambda w: "/profiles/nobody-here", status=404)],
    "profiles.members": [G("public", lambda w: "/members")],
    # A builder's portfolio pages ("Show all") follow the profile page's visibility.
    "projects.profile_projects": [
        G("public", lambda w: f"/profiles/{w.builder_username}/projects"),
        G(HIDDEN_SELF, lambda w: f"/profiles/{w.hidden_username}/projects", refused=404,
          login=False),
        G("public", lambda w: "/profiles/nobody-here/projects", status=404)],
    "projects.profile_events": [
        G("public", lambda w: f"/profiles/{w.builder_username}/events"),
        G(MODERATORS, lambda w: f"/profiles/{w.banned_username}/events", refused=404,
          login=False),
        G("public", lambda w: "/profiles/nobody-here/events", status=404)],
    "profiles.avatar": [
        G("public", lambda w: f"/avatars/{w.builder_id}/{w.avatar_hash}"),
        G(HIDDEN_SELF, lambda w: f"/avatars/{w.hidden_id}/{w.hidden_avatar_hash}",
          refused=404, login=False),
        G("public", lambda w: f"/avatars/{w.builder_id}/0000000000000000", status=404)],
    "profiles.settings": [G("signed_in", lambda w: "/settings"),
                          P("signed_in", lambda w: "/settings",
                            {"display_name": "Matrix Person", "username": "mx-renamed",
                             "bio": "Hello", "country": "DE", "allow_invites": "1"},
                            to="/settings?saved=1")],
    "profiles.regions": [G("signed_in", lambda w: "/settings/regions?country=DE")],
    "profiles.upload_avatar": [P("signed_in", lambda w: "/settings/avatar",
                                 lambda w: {"avatar": png_upload()}, to="/settings?avatar=saved")],
    "profiles.delete_avatar": [P("signed_in", lambda w: "/settings/avatar/delete", CONFIRM,
                                 to="/settings?avatar=removed")],
    # --- events ---------------------------------------------------------------------------
    "events.index": [G("public", lambda w: "/events")],
    "events.show": [G("public", lambda w: f"/events/{w.event_slug}"),
                    # Drafts are 404 to everyone but admins.
                    G(ADMINS, lambda w: f"/events/{w.draft_slug}", refused=404, login=False)],
    "events.calendar": [G("public", lambda w: f"/events/{w.event_slug}.ics"),
                        G(ADMINS, lambda w: f"/events/{w.draft_slug}.ics", refused=404,
                          login=False)],
    "events.register": [P("signed_in", lambda w: f"/events/{w.event_slug}/register",
                          {"team_preference": "solo", "commitment_level": "daily"},
                          to="/events/mx-event#registration"),
                        P(frozenset(), lambda w: f"/events/{w.draft_slug}/register",
                          {"team_preference": "solo"}, refused=404)],
    # Withdrawing without a registration is a no-op that answers the same.
    "events.withdraw": [P("signed_in", lambda w: f"/events/{w.event_slug}/withdraw", CONFIRM,
                          to="/events/mx-event#registration")],
    "events.onboarding": [G("signed_in", lambda w: "/onboarding"),
                          P("signed_in", lambda w: "/onboarding",
                            {"step": "identity", "display_name": "Matrix Person",
                             "country": "DE", "region": "DE-BE"}, to="/onboarding")],
    # --- showcase, submission pages and share cards ----------------------------------------
    "showcase.index": [G("public", lambda w: f"/events/{w.live_slug}/showcase"),
                       G("public", lambda w: f"/events/{w.event_slug}/showcase"),  # not yet open
                       G(ADMINS, lambda w: f"/events/{w.draft_slug}/showcase", refused=404,
                         login=False),
                       G("public", lambda w: f"/events/{w.live_slug}/showcase?tool=nope",
                         status=404),
                       G("public", lambda w: f"/events/{w.live_slug}/showcase?after=zzz",
                         status=404)],
    # The hidden project's submission: its owner is no actor, so moderators only.
    "showcase.submission": [
        G("public", lambda w: f"/events/{w.live_slug}/showcase/{w.project_slug}"),
        G(MODERATORS, lambda w: f"/events/{w.live_slug}/showcase/{w.hidden_project_slug}",
          refused=404, login=False),
        G("public", lambda w: f"/events/{w.live_slug}/showcase/nothing-here", status=404)],
    "showcase.card": [
        G("public", lambda w: w.card_path),
        G(MODERATORS, lambda w: w.hidden_card_path, refused=404, login=False),
        G("public", lambda w: w.stale_card_path, status=302),
        G("public", lambda w: f"/cards/{UNKNOWN_ID}/{'0' * 16}.png", status=404)],
    # --- projects -------------------------------------------------------------------------
    "projects.index": [G("public", lambda w: "/projects")],
    "projects.show": [
        G("public", lambda w: f"/projects/{w.project_slug}"),
        # A hidden project: 404 to all but moderators; a hidden owner's: they see it too.
        G(MODERATORS, lambda w: f"/projects/{w.hidden_project_slug}", refused=404, login=False),
        G(HIDDEN_SELF, lambda w: f"/projects/{w.hidden_owner_project_slug}", refused=404,
          login=False)],
    "projects.new": [G("signed_in", lambda w: "/projects/new"),
                     P("signed_in", lambda w: "/projects/new",
                       {"name": "Matrix Made", "slug": "mx-made", "description": "New."},
                       to="/projects/mx-made")],
    "projects.slug_check": [G("signed_in", lambda w: "/project-slug-check?slug=fresh-slug")],
    "projects.edit": [G("owner", lambda w: f"/projects/{w.project_slug}/edit"),
                      P("owner", lambda w: f"/projects/{w.project_slug}/edit",
                        {"name": "Matrix Project", "slug": "mx-project",
                         "description": "Edited by its owner."}, to="/projects/mx-project"),
                      # Hidden from builders (404); moderators see it but do not own it.
                      G(frozenset(), lambda w: f"/projects/{w.hidden_project_slug}/edit",
                        refused=404, expect={a: 403 for a in MODERATORS})],
    "projects.delete": [P("owner", lambda w: f"/projects/{w.project_slug}/delete", CONFIRM,
                          to="/projects"),
                        P(frozenset(), lambda w: f"/projects/{w.hidden_project_slug}/delete",
                          CONFIRM, refused=404, expect={a: 403 for a in MODERATORS})],
    "projects.enter_event": [P("team", lambda w: f"/projects/{w.project_slug}/events",
                               lambda w: {"event": w.other_event_id},
                               to="/projects/mx-project#project-events")],
    # The owner alone takes the project out (a member may enter it, not remove it).
    "projects.leave_event": [P("owner", lambda w:
                               f"/projects/{w.project_slug}/events/{w.event_slug}/remove", CONFIRM,
                               to="/projects/mx-project#project-events")],
    # --- teams ----------------------------------------------------------------------------
    "teams.invitee_search": [G("owner", lambda w: f"/projects/{w.project_slug}/invitee-search?q=mx")],
    "teams.send_invite": [P("owner", lambda w: f"/projects/{w.project_slug}/invites",
                            lambda w: {"username": w.victim_username},
                            to="/projects/mx-project#team"),
                          P(frozenset(), lambda w: f"/projects/{w.hidden_project_slug}/invites",
                            lambda w: {"username": w.victim_username}, refused=404,
                            expect={a: 403 for a in MODERATORS})],
    # The new link is shown once, on the page itself (no redirect).
    "teams.create_link": [P("owner", lambda w: f"/projects/{w.project_slug}/invite-links",
                            status=200)],
    "teams.invites": [G("signed_in", lambda w: "/invites")],
    "teams.accept": [P("recipient", lambda w: f"/invites/{w.invite_id}/accept", refused=404,
                       to="/invites")],
    "teams.decline": [P("recipient", lambda w: f"/invites/{w.invite_id}/decline", refused=404,
                        to="/invites")],
    "teams.revoke": [P("sender", lambda w: f"/invites/{w.invite_id}/revoke", CONFIRM, refused=404,
                       to="/invites")],
    "teams.invite_link": [G("public", lambda w: f"/invite/{w.link_token}"),
                          G("public", lambda w: "/invite/not-a-real-token", status=404)],
    # The owner and a member are refused by the link's rules (409, in place).
    "teams.join": [P("signed_in", lambda w: f"/invite/{w.link_token}/accept",
                     to="/projects/mx-project#team", expect={"builder": 409, "member": 409})],
    "teams.remove_member": [P("owner", lambda w:
                              f"/projects/{w.project_slug}/members/{w.member_id}/remove", CONFIRM,
                              to="/projects/mx-project#team")],
    # The owner leaves naming the member as next owner (a transfer, then leaving).
    "teams.leave": [P("team", lambda w: f"/projects/{w.project_slug}/leave",
                      lambda w: {**CONFIRM, "next_owner": str(w.member_id)},
                      to="/projects/mx-project")],
    "teams.transfer": [P("owner", lambda w: f"/projects/{w.project_slug}/transfer",
                         lambda w: {**CONFIRM, "new_owner": str(w.member_id)},
                         to="/projects/mx-project#team")],
    # P is in the live event and its owner has not been seen: the member may ask; the
    # owner is refused in place ("You are the owner of this project", 409).
    "teams.request_ownership": [P("member", lambda w: f"/projects/{w.project_slug}/ownership-requests",
                                  to="/projects/mx-project#team", expect={"builder": 409})],
    # O (mx-owned) has the member's pending request: the owner keeps, the member withdraws.
    "teams.keep_ownership": [P("owner", lambda w: f"/ownership-requests/{w.ownership_request_id}/decline",
                               refused=404, to="/projects/mx-owned#team")],
    "teams.withdraw_ownership_request": [P("member", lambda w:
                                           f"/ownership-requests/{w.ownership_request_id}/withdraw",
                                           CONFIRM, refused=404, to="/projects/mx-owned#team")],
    # --- matching -------------------------------------------------------------------------
    "matching.settings": [G("signed_in", lambda w: "/settings/skills"),
                          P("signed_in", lambda w: "/settings/skills",
                            {"skills": "python", "roles": "backend"}, status=200)],
    # every signed-in builder gets 200: non-registrants see "Register for this event first"
    "matching.teammates": [G("signed_in", lambda w: f"/events/{w.event_slug}/teammates"),
                           G("signed_in", lambda w: f"/events/{w.event_slug}/teammates"
                             "?role=backend&skill=python&commitment=daily&near=1&page=2")],
    "matching.open_roles": [P("owner", lambda w: f"/projects/{w.project_slug}/open-roles",
                              {"open_roles": ["backend", "data"]}, to="/projects/mx-project"),
                            P(frozenset(), lambda w: f"/projects/{w.hidden_project_slug}/open-roles",
                              {"open_roles": "backend"}, refused=404,
                              expect={a: 403 for a in MODERATORS})],
    # ``other`` has a pending request already; the owner and the member are on the team
    "matching.ask": [P("signed_in", lambda w: f"/projects/{w.project_slug}/join-requests",
                       {"role": "backend", "event": "mx-event"}, to="/events/mx-event/teammates",
                       expect={"builder": 409, "member": 409, "other": 409, "hidden": 403})],
    "matching.accept": [P("owner", lambda w: f"/join-requests/{w.join_request_id}/accept",
                          refused=404, to="/invites")],
    "matching.decline": [P("owner", lambda w: f"/join-requests/{w.join_request_id}/decline",
                           refused=404, to="/invites")],
    "matching.withdraw": [P(frozenset({"other"}),
                            lambda w: f"/join-requests/{w.join_request_id}/withdraw", CONFIRM,
                            refused=404, to="/invites")],
    # --- notifications ----------------------------------------------------------------------
    "notifications.index": [G("signed_in", lambda w: "/notifications"),
                            G("signed_in", lambda w: f"/notifications?before={w.notification_cursor}"),
                            G(frozenset(), lambda w: "/notifications?before=junk", refused=404,
                              login=True)],
    # The bell's poll: signed out and banned get 286 (polling stops), never a redirect.
    "notifications.bell": [G("public", lambda w: "/notifications/bell?have=999",
                             expect={"anonymous": 286, "banned": 286})],
    # Someone else's notification is a 404; ``other`` holds the invite's notice.
    "notifications.open_": [P("recipient", lambda w: f"/notifications/{w.notification_id}/open",
                              refused=404, to="/invites")],
    "notifications.read": [P("recipient", lambda w: f"/notifications/{w.notification_id}/read",
                             refused=404, to="/notifications")],
    "notifications.read_all": [P("signed_in", lambda w: "/notifications/read-all",
                                 lambda w: {"upto": w.notification_cursor}, to="/notifications")],
    # --- applications and streams ---------------------------------------------------------
    "applications.mentor_apply": [G("public", lambda w: "/mentor-apply"),
                                  P("public", lambda w: "/mentor-apply", MENTOR_FORM,
                                    to="/mentor-apply/thanks")],
    "applications.mentor_thanks": [G("public", lambda w: "/mentor-apply/thanks")],
    "applications.sponsor_apply": [G("public", lambda w: "/sponsor-apply"),
                                   P("public", lambda w: "/sponsor-apply", SPONSOR_FORM,
                                     to="/sponsor-apply/thanks")],
    "applications.sponsor_thanks": [G("public", lambda w: "/sponsor-apply/thanks")],
    "streams.index": [G("public", lambda w: "/streams")],
    # --- AI tools -------------------------------------------------------------------------
    "tools.index": [G("public", lambda w: "/tools"),
                    G("public", lambda w: "/tools?category=coding"),
                    G(frozenset(), lambda w: "/tools?category=nope", refused=404, login=False)],
    "tools.show": [G("public", lambda w: f"/tools/{w.tool_slug}"),
                   G(MODERATORS, lambda w: f"/tools/{w.hidden_tool_slug}", refused=404,
                     login=False),
                   G("public", lambda w: f"/tools/{w.merged_tool_slug}", status=301,
                     to=lambda w: f"/tools/{w.tool_slug}")],
    "tools.hide_tool": [P("moderator", lambda w: f"/moderation/tools/{w.tool_id}/hide", CONFIRM,
                          to="/tools/mx-tool")],
    "tools.unhide_tool": [P("moderator", lambda w: f"/moderation/tools/{w.hidden_tool_id}/unhide",
                            to="/tools/mx-hidden-tool")],
    "tools.update_tool": [P("moderator", lambda w: f"/moderation/tools/{w.tool_id}",
                            {"name": "Mx Tool Renamed", "category": "models",
                             "description": "Renamed."}, to="/tools/mx-tool")],
    "tools.merge_tool": [P("moderator", lambda w: f"/moderation/tools/{w.other_tool_id}/merge",
                           {**CONFIRM, "into": "mx-tool"}, to="/tools/mx-tool")],
    # --- build logs -----------------------------------------------------------------------
    "buildlogs.feed": [G("public", lambda w: "/feed"),
                       G(frozenset(), lambda w: "/feed?before=junk", refused=404, login=False)],
    "buildlogs.project_updates": [
        G("public", lambda w: f"/projects/{w.project_slug}/updates")],
    "buildlogs.post_update": [
        P("team", lambda w: f"/projects/{w.project_slug}/updates", {"body": "Matrix update"},
          to="/projects/mx-project")],
    "buildlogs.tool_posts": [G("public", lambda w: f"/tools/{w.tool_slug}/posts")],
    "buildlogs.post_about_tool": [P("signed_in", lambda w: f"/tools/{w.tool_slug}/posts",
                               {"body": "Matrix post"}, to="/tools/mx-tool")],
    "buildlogs.activity": [G("public", lambda w: f"/profiles/{w.builder_username}/activity")],
    "buildlogs.show": [G("public", lambda w: f"/posts/{w.post_id}"),
                       G(frozenset({"other"}) | MODERATORS, lambda w: f"/posts/{w.hidden_post_id}",
                         refused=404, login=False)],
    "buildlogs.edit": [G("member", lambda w: f"/posts/{w.member_post_id}/edit"),
                       P("member", lambda w: f"/posts/{w.member_post_id}/edit",
                         {"body": "Matrix edit"}, to=lambda w: f"/posts/{w.member_post_id}")],
    "buildlogs.delete": [P("owner", lambda w: f"/posts/{w.post_id}/delete", CONFIRM,
                           to="/projects/mx-project")],
    "buildlogs.hide": [P("moderator", lambda w: f"/moderation/posts/{w.member_post_id}/hide",
                         CONFIRM, to=lambda w: f"/posts/{w.member_post_id}")],
    "buildlogs.unhide": [P("moderator", lambda w: f"/moderation/posts/{w.hidden_post_id}/unhide",
                           to=lambda w: f"/posts/{w.hidden_post_id}")],
    "buildlogs.image": [G("public", lambda w: f"/post-images/{w.post_id}/{w.post_image_hash}")],
    # --- comments and reactions on build logs ---------------------------------------------
    "talk.add_comment": [P("signed_in", lambda w: f"/posts/{w.post_id}/comments",
                           {"body": "Nice work @mx-builder"}, to="/posts/"),
                         P(frozenset(), lambda w: f"/posts/{UNKNOWN_ID}/comments",
                           {"body": "x"}, refused=404)],
    "talk.edit_comment": [G(frozenset({"other"}), lambda w: f"/comments/{w.comment_id}/edit"),
                          P(frozenset({"other"}), lambda w: f"/comments/{w.comment_id}/edit",
                            {"body": "Edited"}, to="/posts/")],
    "talk.delete_comment": [P(frozenset({"other"}), lambda w: f"/comments/{w.comment_id}/delete",
                              CONFIRM, to="/posts/")],
    "talk.hide_comment": [P("moderator", lambda w: f"/moderation/comments/{w.comment_id}/hide",
                            CONFIRM, to="/posts/")],
    "talk.unhide_comment": [P("moderator",
                              lambda w: f"/moderation/comments/{w.hidden_comment_id}/unhide",
                              to="/posts/")],
    "talk.react_post": [P("signed_in", lambda w: f"/posts/{w.post_id}/reactions",
                          {"emoji": "fire", "state": "on"}, to="/posts/")],
    "talk.react_comment": [P("signed_in", lambda w: f"/comments/{w.comment_id}/reactions",
                             {"emoji": "rocket", "state": "on"}, to="/posts/")],
    # --- the roadmap ----------------------------------------------------------------------
    "roadmap.index": [G("public", lambda w: "/roadmap"),
                      G("public", lambda w: "/roadmap?view=list&sort=new&q=mx"),
                      G("public", lambda w: "/roadmap?view=contributors&period=month")],
    "roadmap.new": [G("signed_in", lambda w: "/roadmap/new"),
                    P("signed_in", lambda w: "/roadmap/new", {"title": "Matrix idea"},
                      to="/roadmap/matrix-idea")],
    "roadmap.idea": [G("public", lambda w: f"/roadmap/{w.idea_slug}"),
                     # the builder's idea waiting in the inbox: its author and triagers only
                     G(frozenset({"builder"}) | MODERATORS,
                       lambda w: f"/roadmap/{w.inbox_idea_slug}", refused=404, login=False),
                     G(MODERATORS, lambda w: f"/roadmap/{w.closed_idea_slug}", refused=404,
                       login=False)],
    "roadmap.edit": [G(frozenset({"builder"}) | MODERATORS,
                       lambda w: f"/roadmap/{w.inbox_idea_slug}/edit", refused=404),
                     P(frozenset({"builder"}) | MODERATORS,
                       lambda w: f"/roadmap/{w.inbox_idea_slug}/edit",
                       {"title": "Matrix idea, edited", "status": "inbox"},
                       to=lambda w: f"/roadmap/{w.inbox_idea_slug}", refused=404),
                     # other's public idea, past its author's 15 minutes
                     G(MODERATORS, lambda w: f"/roadmap/{w.idea_slug}/edit",
                       expect={"other": 409})],
    "roadmap.delete": [P(frozenset({"builder"}) | MODERATORS,
                         lambda w: f"/roadmap/{w.inbox_idea_slug}/delete", CONFIRM,
                         to="/roadmap", refused=404),
                       P(MODERATORS, lambda w: f"/roadmap/{w.idea_slug}/delete", CONFIRM,
                         to="/roadmap", expect={"other": 409})],
    "roadmap.upvote": [P("signed_in", lambda w: f"/roadmap/{w.idea_slug}/upvote",
                         {"state": "on"}, to=lambda w: f"/roadmap/{w.idea_slug}")],
    "roadmap.add_comment": [P("signed_in", lambda w: f"/roadmap/{w.idea_slug}/comments",
                              {"body": "Matrix comment @mx-builder"},
                              to=lambda w: f"/roadmap/{w.idea_slug}")],
    "roadmap.edit_comment": [G(frozenset({"other"}),
                               lambda w: f"/roadmap/comments/{w.idea_comment_id}/edit"),
                             P(frozenset({"other"}),
                               lambda w: f"/roadmap/comments/{w.idea_comment_id}/edit",
                               {"body": "Matrix comment, edited"},
                               to=lambda w: f"/roadmap/{w.idea_slug}")],
    "roadmap.delete_comment": [P(frozenset({"other"}) | MODERATORS,
                                 lambda w: f"/roadmap/comments/{w.idea_comment_id}/delete",
                                 CONFIRM, to=lambda w: f"/roadmap/{w.idea_slug}")],
    "roadmap_admin.categories": [G("admin", lambda w: "/admin/roadmap"),
                                 P("admin", lambda w: "/admin/roadmap",
                                   {"name": "Matrix category", "colour": "red"}, status=200),
                                 P("admin", lambda w: "/admin/roadmap",
                                   lambda w: {"delete": str(w.roadmap_category_id), **CONFIRM},
                                   status=200)],
    # --- moderation -----------------------------------------------------------------------
    "moderation.hide_profile": [P("moderator", lambda w: f"/moderation/profiles/{w.victim_id}/hide",
                                  CONFIRM, to="/admin/users/")],
    # Unhiding and unbanning undo a moderation: they do not ask.
    "moderation.unhide_profile": [P("moderator",
                                    lambda w: f"/moderation/profiles/{w.hidden_victim_id}/unhide",
                                    to="/admin/users/")],
    "moderation.ban_profile": [P("moderator", lambda w: f"/moderation/profiles/{w.victim_id}/ban",
                                 {**CONFIRM, "reason": "matrix"}, to="/admin/users/"),
                               P(frozenset(), lambda w: f"/moderation/profiles/{UNKNOWN_ID}/ban",
                                 CONFIRM, expect={a: 404 for a in MODERATORS})],
    "moderation.unban_profile": [P("admin",
                                   lambda w: f"/moderation/profiles/{w.banned_victim_id}/unban",
                                   to="/admin/users/")],
    "moderation.hide_project": [P("moderator",
                                  lambda w: f"/moderation/projects/{w.victim_project_id}/hide",
                                  CONFIRM, to="/admin/users/")],
    "moderation.unhide_project": [P("moderator",
                                    lambda w: f"/moderation/projects/{w.hidden_project_id}/unhide",
                                    to="/admin/users/")],
    # --- admin area -----------------------------------------------------------------------
    "admin.dashboard": [G("moderator", lambda w: "/admin")],
    "admin.users": [G("moderator", lambda w: "/admin/users")],
    "admin.user_detail": [G("moderator", lambda w: f"/admin/users/{w.victim_id}")],
    "admin.change_role": [P("admin", lambda w: f"/admin/users/{w.victim_id}/role",
                            {"role": "moderator"}, to="/admin/users/")],
    "admin.delete_user": [P("admin", lambda w: f"/admin/users/{w.victim_id}/delete",
                            lambda w: {"confirm_username": w.victim_username},
                            to="/admin/users?deleted=")],
    "admin.audit": [G("admin", lambda w: "/admin/audit")],
    "admin.audit_csv": [G("admin", lambda w: "/admin/audit.csv")],
    "events_admin.index": [G("admin", lambda w: "/admin/events"),
                           P("admin", lambda w: "/admin/events", EVENT_FORM,
                             to="/admin/events/mx-jam?done=created")],
    "events_admin.edit": [G("admin", lambda w: f"/admin/events/{w.event_slug}"),
                          G("admin", lambda w: f"/admin/events/{w.draft_slug}"),
                          P("admin", lambda w: f"/admin/events/{w.draft_slug}",
                            {**EVENT_FORM, "slug": "mx-draft"},
                            to="/admin/events/mx-draft?done=saved")],
    "events_admin.change_status": [P("admin", lambda w: f"/admin/events/{w.event_slug}/status",
                                     {"status": "active"}, to="/admin/events/mx-event?done=status")],
    "events_admin.feature": [P("admin", lambda w: f"/admin/events/{w.other_event_slug}/feature",
                               to="/admin/events/mx-other-event?done=featured")],
    "events_admin.unfeature": [P("admin", lambda w: f"/admin/events/{w.event_slug}/unfeature",
                                 to="/admin/events/mx-event?done=unfeatured")],
    "events_admin.delete": [P("admin", lambda w: f"/admin/events/{w.draft_slug}/delete", CONFIRM,
                              to="/admin/events")],
    "events_admin.registrations_csv": [G("admin", lambda w: f"/admin/events/{w.event_slug}/registrations.csv")],
    "applications_admin.mentors": [G("admin", lambda w: "/admin/mentors")],
    "applications_admin.mentors_csv": [G("admin", lambda w: "/admin/mentors.csv")],
    "applications_admin.approve_mentor": [P("admin", lambda w: f"/admin/mentors/{w.mentor_id}/approve",
                                            to="/admin/mentors")],
    "applications_admin.decline_mentor": [P("admin", lambda w: f"/admin/mentors/{w.mentor_id}/decline",
                                            to="/admin/mentors")],
    "applications_admin.sponsors": [G("admin", lambda w: "/admin/sponsors")],
    "applications_admin.move_sponsor": [P("admin", lambda w: f"/admin/sponsors/{w.sponsor_id}/contacted",
                                          to="/admin/sponsors")],
    "streams_admin.streams": [G("admin", lambda w: "/admin/streams"),
                                   P("admin", lambda w: "/admin/streams",
                                     {"twitch_id": "987654", "name": "Matrix Category"},
                                     to="/admin/streams")],
    "streams_admin.remove_stream_category": [
        P("admin", lambda w: f"/admin/streams/{w.category_id}/remove", CONFIRM, to="/admin/streams")],
    # --- submissions (the team of P in the live event mx-live) -------------------------------
    "submissions.form": [G("team", lambda w: SUBMISSION),
                         P("team", lambda w: SUBMISSION, SUBMISSION_FORM, to=SUBMISSION + "?done=")],
    "submissions.upload_image": [P("team", lambda w: SUBMISSION + "/image",
                                   lambda w: {"image": png_upload()},
                                   to=SUBMISSION + "?done=image")],
    "submissions.delete_image": [P("team", lambda w: SUBMISSION + "/image/delete", CONFIRM,
                                   to=SUBMISSION + "?done=image-removed")],
    "submissions.withdraw": [P("team", lambda w: SUBMISSION + "/withdraw", CONFIRM,
                               to=SUBMISSION + "?done=withdrawn")],
    # Demo images: public while the project is visible; else the team and moderators only.
    "submissions.demo_image": [
        G("public", lambda w: w.demo_image),
        G(MODERATORS, lambda w: w.hidden_demo_image, refused=404, login=False),
        G("public", lambda w: w.demo_image.rsplit("/", 1)[0] + "/0000000000000000", status=404)],
    "submissions.demo_thumb": [
        G("public", lambda w: w.demo_image + "/thumb"),
        G(MODERATORS, lambda w: w.hidden_demo_image + "/thumb", refused=404, login=False)],
    # --- peer review and judging (the judging event J: P and E submitted; builder holds E
    # in the review queue, judge holds E in the judge queue) ------------------------------
    "queues.review_page": [G("signed_in", lambda w: f"/events/{w.judging_slug}/review"),
                           G(ADMINS, lambda w: f"/events/{w.draft_slug}/review", refused=404,
                             login=True)],
    "queues.review_next": [P(REVIEWERS, lambda w: f"/events/{w.judging_slug}/review/next",
                             refused=409, to="/events/mx-judging/review")],
    "queues.review_skip": [P(REVIEWERS, lambda w: f"/events/{w.judging_slug}/review/skip",
                             refused=409, to="/events/mx-judging/review")],
    "queues.review_conflict": [P(REVIEWERS, lambda w: f"/events/{w.judging_slug}/review/conflict",
                                 CONFIRM, refused=409, to="/events/mx-judging/review")],
    "queues.review_clear_skips": [P(REVIEWERS,
                                    lambda w: f"/events/{w.judging_slug}/review/skips/clear",
                                    refused=409, to="/events/mx-judging/review")],
    # Only the builder was given E; the member is a reviewer who was not (409).
    "queues.review_form": [G(frozenset({"builder"}),
                             lambda w: f"/events/{w.judging_slug}/reviews/{w.entry_slug}",
                             refused=409),
                           P(frozenset({"builder"}),
                             lambda w: f"/events/{w.judging_slug}/reviews/{w.entry_slug}",
                             {"feedback": "Clear demo.\nNice.", "impact": "Useful"},
                             refused=409, to="/events/mx-judging/review")],
    "queues.judge_page": [G("judge", lambda w: f"/events/{w.judging_slug}/judge")],
    "queues.judge_next": [P("judge", lambda w: f"/events/{w.judging_slug}/judge/next",
                            to="/events/mx-judging/judge")],
    "queues.judge_skip": [P("judge", lambda w: f"/events/{w.judging_slug}/judge/skip",
                            to="/events/mx-judging/judge")],
    "queues.judge_conflict": [P("judge", lambda w: f"/events/{w.judging_slug}/judge/conflict",
                                CONFIRM, to="/events/mx-judging/judge")],
    "queues.score_form": [G("judge", lambda w: f"/events/{w.judging_slug}/scores/{w.entry_slug}"),
                          P("judge", lambda w: f"/events/{w.judging_slug}/scores/{w.entry_slug}",
                            {"creativity": "5", "business_case": "4", "technical_challenge": "3",
                             "impact": "2", "design": "1", "comment": "Good"},
                            to="/events/mx-judging/judge")],
    # --- hackathon: judging, results, reviews received ---------------------------------
    "hackathon_admin.judging_page": [
        G("admin", lambda w: f"/admin/events/{w.judging_slug}/judging"),
        P("admin", lambda w: f"/admin/events/{w.judging_slug}/judging",
          lambda w: {"username": w.victim_username},
          to="/admin/events/mx-judging/judging?done=added")],
    "hackathon_admin.remove_judge": [
        P("admin", lambda w: f"/admin/events/{w.judging_slug}/judges/{w.judge_id}/remove",
          CONFIRM, to="/admin/events/mx-judging/judging?done=removed")],
    "hackathon_admin.results_page": [
        G("admin", lambda w: f"/admin/events/{w.judging_slug}/results?preview=1"),
        G("admin", lambda w: f"/admin/events/{w.judging_slug}/results")],
    "hackathon_admin.publish": [
        P("admin", lambda w: f"/admin/events/{w.judging_slug}/results/publish",
          lambda w: {"fingerprint": w.results_fingerprint, **CONFIRM},
          to="/admin/events/mx-judging/results?published=2")],
    "hackathon_admin.scores_csv": [G("admin", lambda w: f"/admin/events/{w.judging_slug}/scores.csv")],
    "hackathon_results.event_results": [
        G("public", lambda w: f"/events/{w.judging_slug}/results"),
        G(ADMINS, lambda w: f"/events/{w.draft_slug}/results", refused=404, login=False)],
    "hackathon_results.project_reviews": [
        G("team_or_moderator", lambda w: f"/projects/{w.project_slug}/reviews?event={w.judging_slug}")],
    "hackathon_results.event_reviews": [
        G("moderator", lambda w: f"/moderation/events/{w.judging_slug}/reviews")],
    "hackathon_results.hide_review": [
        P("moderator", lambda w: f"/moderation/reviews/{w.review_id}/hide", CONFIRM,
          to="/moderation/events/mx-judging/reviews")],
    "hackathon_results.unhide_review": [
        P("moderator", lambda w: f"/moderation/reviews/{w.hidden_review_id}/unhide",
          to="/moderation/events/mx-judging/reviews")],
    # --- reports (the builder wrote post P1 and owns project P; ``other`` wrote the review
    # of P and the hidden post; a report by ``other`` of the member's post is open) --------
    "reports.new": [
        G(SIGNED_IN - {"builder"}, lambda w: f"/reports/new?kind=post&id={w.post_id}"),
        # Only what the viewer can see: a hidden post is for its author and moderators
        # (its author cannot report it), an unknown id for nobody.
        G(MODERATORS, lambda w: f"/reports/new?kind=post&id={w.hidden_post_id}", refused=404,
          expect={"other": 403}),
        G(frozenset(), lambda w: f"/reports/new?kind=post&id={UNKNOWN_ID}", refused=404),
        G(frozenset(), lambda w: "/reports/new?kind=nonsense&id=x", refused=404),
        # Reviews are read by the team that received them (and moderators).
        G(frozenset({"builder", "member"}) | MODERATORS,
          lambda w: f"/reports/new?kind=review&id={w.review_id}", refused=404)],
    "reports.send": [
        P(SIGNED_IN - {"builder"}, lambda w: "/reports",
          lambda w: {"kind": "post", "id": str(w.post_id), "reason": "spam",
                     "details": "Matrix report"}, to="/reports/new?kind=post"),
        # Your own project: 403 for its owner, anyone else reports it.
        P(SIGNED_IN - {"builder"}, lambda w: "/reports",
          lambda w: {"kind": "project", "id": str(w.project_id), "reason": "other"},
          to="/reports/new?kind=project"),
        P(frozenset({"builder", "member"}) | MODERATORS, lambda w: "/reports",
          lambda w: {"kind": "review", "id": str(w.review_id), "reason": "abuse"},
          refused=404, to="/reports/new?kind=review"),
        P(frozenset(), lambda w: "/reports",
          {"kind": "post", "id": UNKNOWN_ID, "reason": "spam"}, refused=404)],
    "reports.queue": [G("moderator", lambda w: "/moderation/reports"),
                      G("moderator", lambda w: "/moderation/reports?page=2")],
    "reports.resolve": [
        P("moderator", lambda w: f"/moderation/reports/{w.report_id}/resolve",
          to="/moderation/reports"),
        P(frozenset(), lambda w: "/moderation/reports/987654321/resolve",
          expect={a: 404 for a in MODERATORS})],
    "reports.dismiss": [
        P("moderator", lambda w: f"/moderation/reports/{w.report_id}/dismiss",
          to="/moderation/reports"),
        P(frozenset(), lambda w: "/moderation/reports/987654321/dismiss",
          expect={a: 404 for a in MODERATORS})],
    "webhooks_admin.index": [G("admin", lambda w: "/admin/webhooks"),
                             P("admin", lambda w: "/admin/webhooks", WEBHOOK_FORM, status=200)],
    "webhooks_admin.edit": [G("admin", lambda w: f"/admin/webhooks/{w.webhook_id}"),
                            P("admin", lambda w: f"/admin/webhooks/{w.webhook_id}",
                              {**WEBHOOK_FORM, "name": "Matrix Renamed"},
                              to="/admin/webhooks/"),
                            G("admin", lambda w: f"/admin/webhooks/{UNKNOWN_ID}", status=404)],
    "webhooks_admin.send_test": [P("admin", lambda w: f"/admin/webhooks/{w.webhook_id}/test",
                                   to="/admin/webhooks/")],
    "webhooks_admin.enable": [P("admin", lambda w: f"/admin/webhooks/{w.disabled_webhook_id}/enable",
                                to="/admin/webhooks/")],
    "webhooks_admin.disable": [P("admin", lambda w: f"/admin/webhooks/{w.webhook_id}/disable",
                                 to="/admin/webhooks/")],
    # The new secret is shown once, on the page itself (no redirect).
    "webhooks_admin.rotate_secret": [P("admin",
                                       lambda w: f"/admin/webhooks/{w.webhook_id}/rotate-secret",
                                       status=200)],
    "webhooks_admin.delete": [P("admin", lambda w: f"/admin/webhooks/{w.webhook_id}/delete",
                                CONFIRM, to="/admin/webhooks")],
    "webhooks_admin.retry_delivery": [
        P("admin", lambda w: f"/admin/webhooks/deliveries/{w.failed_delivery_id}/retry",
          to="/admin/webhooks/"),
        P(frozenset(), lambda w: f"/admin/webhooks/deliveries/{UNKNOWN_ID}/retry",
          expect={a: 404 for a in ADMINS})],
    "jobs_admin.index": [G("admin", lambda w: "/admin/jobs")],
    "jobs_admin.retry_job": [P("admin", lambda w: f"/admin/jobs/{w.failed_job_id}/retry",
                               to="/admin/jobs"),
                             P(frozenset(), lambda w: "/admin/jobs/987654321/retry",
                               expect={a: 404 for a in ADMINS})],
    # --- mentoring (the live event mx-live: P and the team's Q entered; Q has an open
    # request, P a resolved one to rate, the victim's project one the mentor holds) -------
    "mentoring.help_page": [G("signed_in", lambda w: f"/events/{w.live_slug}/help"),
                            G(frozenset(), lambda w: f"/events/{w.draft_slug}/help",
                              refused=404, login=True)],
    "mentoring.ask": [P("team", lambda w: f"/events/{w.live_slug}/help",
                        lambda w: {"project": w.project_id, "topic": "Matrix help",
                                   "details": "Please", "kind": "design"},
                        to="/events/mx-live/help")],
    "mentoring.claim": [P("mentor", lambda w: f"/help-requests/{w.team_help_id}/claim",
                          to="/events/mx-live/help")],
    "mentoring.release": [P("mentor", lambda w: f"/help-requests/{w.held_help_id}/release",
                            to="/events/mx-live/help")],
    "mentoring.resolve": [P("mentor", lambda w: f"/help-requests/{w.held_help_id}/resolve",
                            to="/events/mx-live/help")],
    "mentoring.cancel": [P("team", lambda w: f"/help-requests/{w.team_help_id}/cancel",
                           to="/events/mx-live/help")],
    "mentoring.rate": [P("team", lambda w: f"/help-requests/{w.rated_help_id}/rate",
                         {"rating": "5", "note": "Thanks"}, to="/events/mx-live/help")],
    "mentoring.hide": [P("moderator", lambda w: f"/moderation/help-requests/{w.held_help_id}/hide",
                         CONFIRM, to="/events/mx-live/help")],
    "mentoring.unhide": [P("moderator",
                           lambda w: f"/moderation/help-requests/{w.hidden_help_id}/unhide",
                           to="/events/mx-live/help")],
    # The claim link: public to read; becoming a mentor needs an account (the mentor
    # already is one: 409).
    "mentoring.claim_link": [G("public", lambda w: f"/mentor-claim/{w.claim_token}"),
                             P("signed_in", lambda w: f"/mentor-claim/{w.claim_token}",
                               status=200, expect={"mentor": 409}),
                             G("public", lambda w: "/mentor-claim/bogus", status=404)],
    "admin.save_mentor": [P("admin", lambda w: f"/admin/users/{w.victim_id}/mentor",
                            {"mentor_types": "design"}, to="/admin/users/")],
    "admin.remove_mentor": [P("admin", lambda w: f"/admin/users/{w.mentor_profile_id}/mentor/remove",
                              CONFIRM, to="/admin/users/")],
    "mentoring_admin.send_claim_link": [
        P("admin", lambda w: f"/admin/mentors/{w.approved_mentor_id}/claim-link",
          to="/admin/mentors")],
    "draws_admin.draws": [G("admin", lambda w: "/admin/draws"),
                                 P("admin", lambda w: "/admin/draws",
                                   lambda w: {"event_id": w.event_id, "winner_count": "1"},
                                   to="/admin/draws?draw=")],
}
ROUTES: dict[tuple[str, str], list[Case]] = {}
for _endpoint, _cases in _entries.items():
    for _method, _case in _cases:
        ROUTES.setdefault((_endpoint, _method), []).append(_case)
CASES = [(endpoint, method, i) for (endpoint, method), cases in sorted(ROUTES.items())
         for i in range(len(cases))]


def main_case(endpoint: str, method: str) -> Case:
    """The first (happy-path) case of a route: what the CSRF and fuzz tests use."""
    return ROUTES[(endpoint, method)][0]


class W:
    """Plain ids and slugs of the world (safe to use after savepoints roll back)."""


def build_world(app, session):
    """Ten actors (``judge`` judges the judging event) around one project P (owned by ``builder``, ``member`` on its team), a
    featured open event it is entered in, a direct invite builder → other, a link invite,
    victims to moderate (active, hidden, banned), hidden content, a draft event, and one of
    every admin-managed record."""
    people, accounts = {}, {}
    traits = {"hidden": {"profile__hidden": True}, "banned": {"profile__banned": True},
              "moderator": {"profile__moderator": True}, "admin": {"profile__admin": True}}
    for actor in ACTORS[1:]:
        kw = {"profile__username": f"mx-{actor.replace('_', '-')}", **traits.get(actor, {})}
        if actor == "super_admin":
            kw["id"] = "user_superadmin"  # in the test app's ADMIN_USER_IDS; stored role user
        accounts[actor] = AccountFactory(**kw)
        people[actor] = accounts[actor].profile
    victim = AccountFactory(profile__username="mx-victim").profile
    hidden_victim = AccountFactory(profile__username="mx-hidden-victim", profile__hidden=True).profile
    banned_victim = AccountFactory(profile__username="mx-banned-victim", profile__banned=True).profile
    event = EventFactory(open=True, featured=True, slug="mx-event")
    other_event = EventFactory(open=True, slug="mx-other-event")
    draft = EventFactory(draft=True, slug="mx-draft-event")
    project = ProjectFactory(owner=people["builder"], slug="mx-project")
    ProjectMemberFactory(project=project, profile=people["member"])
    for actor in ("builder", "member", "other"):
        # Fixed values unlike the register case's (solo, daily): the factory cycles through
        # the enums, and an update to the same values changed nothing, failing the guard
        # test below whenever earlier tests had left the cycle there.
        EventRegistrationFactory(event=event, profile=people[actor],
                                 team_preference="looking_for_team", commitment_level="all_in")
    for actor in ("builder", "member"):
        EventRegistrationFactory(event=other_event, profile=people[actor])
    EventProjectFactory(event=event, project=project)
    live = EventFactory(active=True, slug="mx-live")
    # O: the builder's second project, in the live event, with the member's pending
    # ownership request.
    owned = ProjectFactory(owner=people["builder"], slug="mx-owned")
    ProjectMemberFactory(project=owned, profile=people["member"])
    EventProjectFactory(event=live, project=owned)
    ownership_request = OwnershipRequest(project_id=owned.id, requester_id=people["member"].id,
                                         owner_id=people["builder"].id, event_id=live.id,
                                         decide_by=now_utc() + timedelta(hours=72))
    session.add(ownership_request)
    session.flush()
    invite = TeamInviteFactory(project=project, recipient=people["other"])
    # The invite's notice for ``other``; an older one for ``builder`` (Mark all as read).
    noticed = identity.utcnow()
    [notification_id] = notifications.notify(
        session, NotificationType.team_invite, recipients=[people["other"]],
        actor=people["builder"], title=project.name, project_id=project.id, subject_id=invite.id,
        now=noticed)
    notifications.notify(session, NotificationType.member_left, recipients=[people["builder"]],
                         actor=victim, title=project.name, project_id=project.id,
                         now=noticed - timedelta(minutes=1))
    TeamInviteFactory(project=project, link=True, raw_token="mx-link-token")
    # The judging event J: P and another team's project E submitted; the builder was handed
    # E to review and the judge (an event_judges row of J) E to score.
    judging = EventFactory(status=EventStatus.judging, slug="mx-judging")
    EventSubmissionFactory(entry=EventProjectFactory(event=judging, project=project))
    entry = EventSubmissionFactory(entry=EventProjectFactory(
        event=judging, project=ProjectFactory(slug="mx-entry")))
    judge = EventJudgeFactory(event=judging, profile=people["judge"])
    for actor, kind in (("builder", QueueKind.review), ("judge", QueueKind.judge)):
        session.add(QueueAssignment(queue=kind, profile_id=people[actor].id, event_id=judging.id,
                                    project_id=entry.project_id))
    avatar = AvatarFactory(profile=people["builder"])
    hidden_avatar = AvatarFactory(profile=people["hidden"])
    w = W()
    w.builder_id, w.builder_username = people["builder"].id, people["builder"].username
    w.builder_email = accounts["builder"].email
    w.avatar_hash, w.hidden_avatar_hash = avatar.hash, hidden_avatar.hash
    w.hidden_id, w.hidden_username = people["hidden"].id, people["hidden"].username
    w.banned_username = people["banned"].username
    w.member_id = people["member"].id
    w.victim_id, w.victim_username = victim.id, victim.username
    w.hidden_victim_id, w.banned_victim_id = hidden_victim.id, banned_victim.id
    w.victim_project_id = ProjectFactory(owner=victim, slug="mx-victim-project").id
    hidden_project = ProjectFactory(owner=victim, slug="mx-hidden-project", hidden=True)
    w.hidden_project_id, w.hidden_project_slug = hidden_project.id, hidden_project.slug
    w.live_slug = live.slug
    # P is entered in and submitted to the live event, with a demo image and its share card
    # stored (so a GET of it writes nothing); and the hidden project's submission there (its
    # image and card are for moderators only).
    for actor in ("builder", "member"):
        EventRegistrationFactory(event=live, profile=people[actor])
    demo_images, card_paths = [], []
    for owner_project in (project, hidden_project):
        sub = _showcased(session, live, owner_project)
        processed = images.process(png_upload()[0].getvalue())
        session.add(SubmissionImage(submission_id=sub.id, image=processed.image,
                                    thumb=processed.thumb, hash=processed.hash,
                                    width=processed.width, height=processed.height))
        session.flush()
        demo_images.append(f"/submission-images/{sub.id}/{processed.hash}")
        card_paths.append(_card_paths(session, sub.id))
    w.demo_image, w.hidden_demo_image = demo_images
    (w.card_path, w.stale_card_path), (w.hidden_card_path, _) = card_paths
    w.hidden_owner_project_slug = ProjectFactory(owner=people["hidden"], slug="mx-hidden-owners").slug
    w.project_slug, w.event_slug, w.other_event_slug = project.slug, event.slug, other_event.slug
    w.project_id = project.id
    w.event_id, w.other_event_id = str(event.id), str(other_event.id)
    w.draft_slug = draft.slug
    w.judging_slug, w.entry_slug = judging.slug, "mx-entry"
    w.invite_id, w.link_token = invite.id, "mx-link-token"
    w.ownership_request_id = ownership_request.id
    project.open_roles, project.open_role_bits = ["backend"], "01" + "0" * 14
    session.flush()
    w.join_request_id = JoinRequest(project_id=project.id, requester_id=people["other"].id,
                                    role="backend", expires_at=noticed + timedelta(days=7))
    session.add(w.join_request_id)
    session.flush()
    w.join_request_id = w.join_request_id.id
    w.notification_id = notification_id
    w.notification_cursor = encode_cursor(
        session.get(Notification, notification_id).created_at, notification_id)
    w.mentor_id = MentorApplicationFactory().id
    w.sponsor_id = SponsorshipInquiryFactory().id
    w.category_id = TwitchCategoryFactory().id
    w.webhook_id, w.disabled_webhook_id, w.failed_delivery_id, w.failed_job_id = \
        _webhook_records(session)
    tool = AiToolFactory(name="Mx Tool", slug="mx-tool")
    w.tool_id, w.tool_slug = tool.id, tool.slug
    w.other_tool_id = AiToolFactory(name="Mx Other Tool", slug="mx-other-tool").id
    hidden_tool = AiToolFactory(name="Mx Hidden Tool", slug="mx-hidden-tool", hidden_at=now_utc())
    w.hidden_tool_id, w.hidden_tool_slug = hidden_tool.id, hidden_tool.slug
    w.merged_tool_slug = AiToolFactory(name="Mx Merged Tool", slug="mx-merged-tool",
                                       merged_into_id=tool.id).slug
    _hackathon_world(w, session, people, project, victim, judging, judge)
    _mentoring_world(w, session, people, project, victim, live)
    _build_log_posts(session, w, people, project, tool)
    w.comment_id, w.hidden_comment_id = _build_log_comments(session, w.post_id, people, victim)
    w.report_id = _open_report(session, people["other"], w.member_post_id)
    _roadmap_world(session, w, people, victim)
    now = identity.utcnow()
    w.reset_token = tokens.encode_reset(accounts["builder"], app.config["SECRET_KEY"], now=now)
    w.email_token = tokens.encode_email_link(accounts["builder"], app.config["SECRET_KEY"],
                                             now=now)
    w.unsubscribe_token = mail_tokens.encode_unsubscribe(app.config["SECRET_KEY"],
                                                         people["builder"].id, "team_invite")
    sent = EmailOutbox(kind="team_invite", recipient_id=people["builder"].id,
                       dedupe_key="mx:sent", subject="mx sent", status="sent",
                       to_address=w.builder_email, body_text="hello", body_html="<p>hello</p>")
    failed = EmailOutbox(kind="password_reset", to_address=w.builder_email,
                         dedupe_key="mx:failed", subject="mx failed", status="failed",
                         attempts=8, last_error="ConnectionRefusedError")
    session.add_all([sent, failed])
    session.flush()
    w.sent_email_id, w.failed_email_id = sent.id, failed.id
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


def _build_log_posts(session, w, people, project, tool):
    """A post by the owner with an image (deleted in its turn), a recent one by the member
    (in its edit window, out of the 10-second gap), a hidden one by ``other``."""
    from buildstory.buildlogs.models import Post, PostImage
    now = identity.utcnow()
    owners = Post(author_id=people["builder"].id, context_type="project", project_id=project.id,
                  body="Matrix owner's update", created_at=now - timedelta(hours=1))
    members = Post(author_id=people["member"].id, context_type="project", project_id=project.id,
                   body="Matrix member's update", created_at=now - timedelta(seconds=20))
    hidden = Post(author_id=people["other"].id, context_type="tool", tool_id=tool.id,
                  body="Matrix hidden post", created_at=now - timedelta(hours=2),
                  hidden_at=now, hidden_by=people["moderator"].id)
    session.add_all([owners, members, hidden])
    session.flush()
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "WEBP")
    session.add(PostImage(post_id=owners.id, data=buffer.getvalue(), hash="mxposthash",
                          width=8, height=8, description="A tiny square"))
    session.flush()
    w.post_id, w.member_post_id, w.hidden_post_id = owners.id, members.id, hidden.id
    w.post_image_hash = "mxposthash"


def _build_log_comments(session, post_id, people, victim):
    """On the owner's post: a fresh comment by ``other`` and a hidden one by the victim."""
    from buildstory.buildlogs.models import Post, PostComment
    post = session.get(Post, post_id)
    comment = PostComment(post_id=post.id, author_id=people["other"].id, body="Matrix comment",
                          created_at=now_utc() - timedelta(minutes=1))
    hidden = PostComment(post_id=post.id, author_id=victim.id, body="Hidden comment",
                         hidden_at=now_utc())
    session.add_all([comment, hidden])
    session.flush()
    post.comment_count = 1
    return comment.id, hidden.id


def _open_report(session, reporter, post_id):
    """``other``'s open report of the member's post (what the queue shows)."""
    from buildstory.reports.models import Report
    report = Report(reporter_id=reporter.id, target_kind="post", target_id=post_id,
                    reason="spam", details="Matrix details")
    session.add(report)
    session.flush()
    return report.id
def _roadmap_world(session, w, people, victim):
    """A public idea by ``other`` (past its 15 minutes) with a fresh comment by ``other``,
    the builder's fresh idea waiting in the inbox, the victim's closed idea, a category."""
    from buildstory.enums import FeatureBoardStatus
    from buildstory.roadmap.models import (FeatureBoardCategory, FeatureBoardComment,
                                           FeatureBoardItem, FeatureBoardUpvote)
    now = identity.utcnow()
    category = FeatureBoardCategory(name="Matrix", colour="blue", sort_order=1)
    session.add(category)
    items = []
    for slug, author, status, age in (
            ("mx-idea", people["other"], FeatureBoardStatus.next, timedelta(hours=2)),
            ("mx-inbox-idea", people["builder"], FeatureBoardStatus.inbox, timedelta(minutes=1)),
            ("mx-closed-idea", victim, FeatureBoardStatus.closed, timedelta(hours=3))):
        item = FeatureBoardItem(title=slug.replace("-", " ").title(), slug=slug,
                                author_id=author.id, status=status, upvote_count=1,
                                created_at=now - age)
        session.add(item)
        items.append(item)
    session.flush()
    for item in items:
        session.add(FeatureBoardUpvote(item_id=item.id, profile_id=item.author_id))
    comment = FeatureBoardComment(item_id=items[0].id, author_id=people["other"].id,
                                  body="Matrix idea comment", created_at=now - timedelta(minutes=1))
    session.add(comment)
    items[0].comment_count = 1
    session.flush()
    w.idea_slug, w.inbox_idea_slug, w.closed_idea_slug = (i.slug for i in items)
    w.idea_comment_id, w.roadmap_category_id = comment.id, category.id


def _showcased(session, event, project):
    """Submit ``project`` to ``event``; return the submission."""
    return EventSubmissionFactory(entry=EventProjectFactory(event=event, project=project),
                                  what_built="Matrix submission")


def _card_paths(session, submission_id) -> tuple[str, str]:
    """Store the submission's share card; return its path and a stale version's."""
    from buildstory.hackathon import cards, submission_reads as reads

    inputs = reads.current_card_inputs(session, submission_id)
    cards.card_png(session, submission_id, inputs)
    return (f"/cards/{submission_id}/{cards.card_version(inputs)}.png",
            f"/cards/{submission_id}/{'f' * 16}.png")


def _hackathon_world(w, session, people, project, victim, judging, judge) -> None:
    """The judging event J, where P and the victim's project are also submitted, ``judge`` judges
    (one score), ``other`` reviewed P (with a highlight), a hidden review of P, and
    results published once and changed since (so Publish results makes version 2)."""
    from buildstory.hackathon import results
    from tests.hackathon_factories import (EventSubmissionFactory, HackathonReviewFactory,
                                           JudgeScoreFactory)

    subs = [session.scalar(sa.select(EventSubmission).where(
        EventSubmission.event_id == judging.id, EventSubmission.project_id == project.id)),
        EventSubmissionFactory(entry=EventProjectFactory(
            event=judging, project=ProjectFactory(owner=victim, slug="mx-judged")))]
    JudgeScoreFactory(submission=subs[1], judge=judge, bump=True, comment="Judge says hi")
    w.review_id = HackathonReviewFactory(submission=subs[0], reviewer=people["other"],
                                         feedback="Good\nwork", bump=True,
                                         highlights={"design": "Tidy"}).id
    w.hidden_review_id = HackathonReviewFactory(submission=subs[0], hidden_at=identity.utcnow(),
                                                bump=True).id
    admin = people["admin"]
    results.publish(session, admin, judging, results.compute(session, judging).fingerprint,
                    now=identity.utcnow())
    JudgeScoreFactory(submission=subs[0], judge=judge, bump=True, creativity=5)
    w.results_fingerprint = results.compute(session, judging).fingerprint
    w.judging_slug, w.judge_id = judging.slug, people["judge"].id


def _mentoring_world(w, session, people, project, victim, live) -> None:
    """``mentor`` mentors every type; in the live event the team's second project Q has an
    open request, P a resolved one to rate, the victim's project one the mentor holds, and
    a hidden one; an approved application has a live claim link."""
    from buildstory.enums import MentorStatus
    from buildstory.mentoring import tokens as mentor_tokens
    from tests.mentoring_factories import HelpRequestFactory, MentorFactory

    MentorFactory(profile_id=people["mentor"].id)
    team_project = ProjectFactory(owner=people["builder"], slug="mx-help-project")
    ProjectMemberFactory(project=team_project, profile=people["member"])
    helped = ProjectFactory(owner=victim, slug="mx-helped")
    now = identity.utcnow()
    w.team_help_id = HelpRequestFactory(event=live, project=team_project, topic="Matrix ask").id
    w.rated_help_id = HelpRequestFactory(
        event=live, project=project, status="resolved", mentor_id=people["mentor"].id,
        first_claimed_at=now, claimed_at=now, resolved_at=now).id
    w.held_help_id = HelpRequestFactory(event=live, project=helped, status="claimed",
                                        mentor_id=people["mentor"].id, claimed_at=now,
                                        first_claimed_at=now).id
    w.hidden_help_id = HelpRequestFactory(
        event=live, project=ProjectFactory(owner=victim, slug="mx-hidden-help"),
        status="cancelled", hidden_at=now, hidden_by=people["moderator"].id).id
    w.project_id = str(project.id)
    w.mentor_profile_id = people["mentor"].id
    approved = MentorApplicationFactory(status=MentorStatus.approved)
    w.approved_mentor_id = approved.id
    w.claim_token = mentor_tokens.mint(session, approved.id, now=now, ttl_days=14)


def _webhook_records(session):
    """An enabled JSON webhook with a failed delivery, a disabled one, a failed job."""
    hook = WebhookEndpoint(name="Matrix Hook", url="http://127.0.0.1:9/", format="json",
                           events=["milestone"], secret="0" * 64)
    off = WebhookEndpoint(name="Matrix Off", url="http://127.0.0.1:9/", format="discord",
                          events=["milestone"], enabled=False)
    session.add_all([hook, off])
    session.flush()
    delivery = WebhookDelivery(endpoint_id=hook.id, event="milestone", payload={},
                               dedupe_key="mx", status="failed", last_error="HTTP 502")
    session.add(delivery)
    session.flush()
    job_id = session.execute(sa.text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) VALUES "
        "('maintenance', 'maintenance.clean_up', '{}', 'failed') RETURNING id")).scalar()
    return hook.id, off.id, delivery.id, job_id


class World:
    """The built world plus a way to run one request in a savepoint that is rolled back."""

    def __init__(self, app, session, conn, w, clients, csrf_tokens):
        self.app, self.session, self.conn = app, session, conn
        self.w, self.clients, self.csrf_tokens = w, clients, csrf_tokens

    def client(self, actor: str) -> Client:
        """Return the actor's client with its session cookie restored (a sign-out in an
        earlier turn deletes it)."""
        client = self.clients[actor]
        name = self.app.config["SESSION_COOKIE_NAME"]
        if client.session_cookie:
            client.raw.set_cookie(name, client.session_cookie)
        else:
            client.raw.delete_cookie(name)
        return client

    @contextmanager
    def turn(self):
        """Run a block inside a savepoint rolled back afterwards, rate limits reset."""
        _reset_limits(self.app)
        savepoint = self.conn.begin_nested()
        try:
            self.session.commit()
            yield
        finally:
            self.session.rollback()
            self.session.close()
            savepoint.rollback()

    def fingerprint(self) -> dict:
        return fingerprint(self.session)


@contextmanager
def open_world(app):
    """Build the world in a transaction that is rolled back at the end."""
    with rolled_back_session(app) as (session, conn):
        yield World(app, session, conn, *build_world(app, session))


def fingerprint(session) -> dict:
    """Return a hash of every table's rows (timestamps that reads may touch left out)."""
    names = sorted(t.name for t in db.metadata.sorted_tables)
    parts = [f"""SELECT '{n}' AS t, md5(coalesce(string_agg(r, ',' ORDER BY r), '')) AS h
                 FROM (SELECT (to_jsonb(x) - 'last_seen_at' - 'updated_at')::text AS r
                       FROM "{n}" x) s""" for n in names]
    return dict(session.execute(sa.text(" UNION ALL ".join(parts))).all())
