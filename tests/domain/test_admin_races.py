"""Moderators and admins acting on the same target at once (docs/architecture.md "Quality bars").

Two moderators press Ban on the same builder in the same instant: one ban lands, the other
sees "User is already banned", and the audit log holds exactly one row — never two rows, a
500 or a silently doubled change. The same holds for every moderation and review action;
a target deleted meanwhile is a 404 for the late one.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from buildstory.applications import services as applications
from buildstory.applications.models import MentorApplication, SponsorshipInquiry
from buildstory.audit import AuditLog
from buildstory.db import db
from buildstory.enums import SponsorshipStatus
from buildstory.errors import Conflict, NotFound
from buildstory.models import Profile, Project
from buildstory.moderation import services
from buildstory.streams import services as streams
from buildstory.streams.models import TwitchCategory
from tests.helpers import N, now, outcomes, run_concurrently, setup
from tests.factories import (MentorApplicationFactory, ProfileFactory, ProjectFactory,
                             SponsorshipInquiryFactory, TwitchCategoryFactory)

ADMIN_IDS = frozenset({"user_superadmin"})


def audit_rows(app, action: str) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == action))
        db.session.remove()
    return value


def get_or_404(session, model, key):
    """What the view does first: load the target, 404 when it is already gone."""
    found = session.get(model, key)
    if found is None:
        raise NotFound()
    return found


def staff(n: int, **trait) -> list:
    return [ProfileFactory(**trait).id for _ in range(n)]


PROFILE_ACTIONS = [
    # (action, how the target starts, the service call, the losers' message)
    ("ban_user", {}, lambda s, a, t: services.ban_user(s, a, t, reason="spam", admin_ids=ADMIN_IDS,
                                                        now=now()), "User is already banned"),
    ("hide_user", {}, lambda s, a, t: services.hide_profile(s, a, t, admin_ids=ADMIN_IDS, now=now()),
     "User is already hidden"),
    ("unhide_user", {"hidden": True},
     lambda s, a, t: services.unhide_profile(s, a, t, admin_ids=ADMIN_IDS), "User is not hidden"),
    ("unban_user", {"banned": True},
     lambda s, a, t: services.unban_user(s, a, t, admin_ids=ADMIN_IDS), "User is not banned"),
]


@pytest.mark.parametrize("action, start, act, message", PROFILE_ACTIONS,
                         ids=[a[0] for a in PROFILE_ACTIONS])
def test_one_moderation_action_lands_the_rest_see_why(app, committed, action, start, act,
                                                      message):
    actors, target_id = setup(app, lambda: (staff(N, admin=True), ProfileFactory(**start).id))

    def run(session, i):
        actor, target = session.get(Profile, actors[i]), get_or_404(session, Profile, target_id)
        return act(session, actor, target)

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1, errors
    assert all(isinstance(e, Conflict) and e.message == message for e in errors), errors
    assert audit_rows(app, action) == 1


@pytest.mark.parametrize("action, start, message", [
    ("hide_project", {}, "Project is already hidden"),
    ("unhide_project", {"hidden": True}, "Project is not hidden"),
])
def test_one_project_moderation_lands(app, committed, action, start, message):
    actors, project_id = setup(app, lambda: (staff(N, moderator=True),
                                             ProjectFactory(**start).id))
    call = services.hide_project if action == "hide_project" else services.unhide_project

    def run(session, i):
        actor, project = session.get(Profile, actors[i]), session.get(Project, project_id)
        kw = {"now": now()} if action == "hide_project" else {}
        return call(session, actor, project, admin_ids=ADMIN_IDS, **kw)

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1
    assert all(isinstance(e, Conflict) and e.message == message for e in errors), errors
    assert audit_rows(app, action) == 1


def test_the_same_role_set_at_once_is_one_change_and_one_audit_row(app, committed):
    actors, target_id = setup(app, lambda: (staff(N, admin=True), ProfileFactory().id))

    def run(session, i):
        actor, target = session.get(Profile, actors[i]), get_or_404(session, Profile, target_id)
        return services.set_role(session, actor, target, "moderator", admin_ids=ADMIN_IDS)

    oks, errors = outcomes(run_concurrently(app, run))
    assert errors == [] and sorted(oks) == [False] * (N - 1) + [True]
    assert audit_rows(app, "set_role") == 1


def test_deleting_one_user_twice_at_once_deletes_once(app, committed):
    actors, target_id = setup(app, lambda: (staff(N, admin=True),
                                            ProfileFactory(username="doomed").id))

    def run(session, i):
        actor, target = session.get(Profile, actors[i]), get_or_404(session, Profile, target_id)
        return services.delete_user(session, actor, target, confirm="doomed",
                                    admin_ids=ADMIN_IDS, now=now()).id

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1
    assert all(isinstance(e, NotFound) for e in errors), errors
    assert audit_rows(app, "delete_user") == 1


def test_a_ban_racing_a_delete_never_fails(app, committed):
    actors, target_id = setup(app, lambda: (staff(N, admin=True),
                                            ProfileFactory(username="racer").id))

    def run(session, i):
        actor, target = session.get(Profile, actors[i]), get_or_404(session, Profile, target_id)
        if i % 2:
            return services.ban_user(session, actor, target, reason="Racing a delete", admin_ids=ADMIN_IDS,
                                     now=now())
        return services.delete_user(session, actor, target, confirm="racer",
                                    admin_ids=ADMIN_IDS, now=now())

    oks, errors = outcomes(run_concurrently(app, run))
    assert audit_rows(app, "delete_user") == 1 and audit_rows(app, "ban_user") <= 1
    assert all(isinstance(e, (Conflict, NotFound)) for e in errors), errors


def test_one_review_of_a_mentor_application_lands(app, committed):
    actors, application_id = setup(app, lambda: (staff(N, admin=True),
                                                 MentorApplicationFactory().id))

    def run(session, i):
        actor = session.get(Profile, actors[i])
        application = session.get(MentorApplication, application_id)
        return applications.review_mentor_application(session, application, actor,
                                                      approve=i % 2 == 0, now=now()).id

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1
    assert all(isinstance(e, Conflict) and e.message == "Application is not pending"
               for e in errors), errors
    assert audit_rows(app, "approve_mentor") + audit_rows(app, "decline_mentor") == 1


def test_one_move_of_a_sponsorship_inquiry_lands(app, committed):
    actors, inquiry_id = setup(app, lambda: (staff(N, admin=True),
                                             SponsorshipInquiryFactory().id))

    def run(session, i):
        actor = session.get(Profile, actors[i])
        inquiry = session.get(SponsorshipInquiry, inquiry_id)
        return applications.move_sponsorship_inquiry(session, inquiry, actor,
                                                     SponsorshipStatus.contacted, now=now()).id

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1
    assert all(isinstance(e, Conflict) and e.message == 'Cannot move inquiry from "contacted" '
               'to "contacted"' for e in errors), errors
    assert audit_rows(app, "contact_sponsor") == 1


def test_removing_one_twitch_category_twice_at_once_removes_it_once(app, committed):
    actors, category_id = setup(app, lambda: (staff(N, admin=True), TwitchCategoryFactory().id))

    def run(session, i):
        actor = session.get(Profile, actors[i])
        category = get_or_404(session, TwitchCategory, category_id)
        return streams.remove_category(session, actor, category)

    oks, errors = outcomes(run_concurrently(app, run))
    assert len(oks) == 1
    assert all(isinstance(e, NotFound) for e in errors), errors
    assert audit_rows(app, "remove_twitch_category") == 1
