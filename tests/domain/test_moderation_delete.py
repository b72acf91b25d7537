"""Deleting a user: everything they own goes, history stays, never a foreign-key failure."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.errors import Forbidden, ValidationFailed
from buildstory.identity import services as identity
from buildstory.identity.models import Account, DeletedIdentity, UserSession
from buildstory.models import (Avatar, Event, EventProject, EventRegistration, MentorApplication,
                               PrizeDraw, Profile, Project, ProjectEvent, ProjectMember,
                               SponsorshipInquiry, TeamInvite, TwitchCategory)
from buildstory.moderation import services
from tests.factories import (AccountFactory, AuditLogFactory, AvatarFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory,
                             MentorApplicationFactory, PrizeDrawFactory, ProfileFactory,
                             ProjectEventFactory, ProjectFactory, ProjectMemberFactory,
                             SponsorshipInquiryFactory, TeamInviteFactory, TwitchCategoryFactory,
                             UserSessionFactory)

ADMINS = frozenset({"user_superadmin"})
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(db_session):
    """A doomed builder who owns, joined, invited, registered, reviewed and drew things."""
    class W:
        admin = ProfileFactory(admin=True)
        account = AccountFactory(profile__username="doomed", profile__display_name="Doug Doomed")
        doomed = account.profile
        friend = ProfileFactory(username="friend")
        event = EventFactory(active=True)
    w = W
    s = db_session
    AvatarFactory(profile=w.doomed)
    UserSessionFactory(identity_id=w.doomed.clerk_id)
    UserSessionFactory(identity_id=w.doomed.clerk_id)
    keep_session = UserSessionFactory(identity_id=w.friend.clerk_id)
    # Their project, with a member, invites of both kinds, an entry and history.
    w.own = ProjectFactory(owner=w.doomed)
    member_row = ProjectMemberFactory(project=w.own, profile=w.friend)
    TeamInviteFactory(project=w.own, recipient=ProfileFactory())
    TeamInviteFactory(project=w.own, link=True)
    EventProjectFactory(event=w.event, project=w.own)
    ProjectEventFactory(project=w.own)
    # A project of theirs nobody else is on, with its entry and history: it goes with them.
    w.alone = ProjectFactory(owner=w.doomed, slug="doomed-alone")
    EventProjectFactory(event=w.event, project=w.alone)
    ProjectEventFactory(project=w.alone)
    # Someone else's project they joined, were invited to, entered and were invited from.
    w.theirs = ProjectFactory(owner=w.friend)
    accepted = TeamInviteFactory(project=w.theirs, recipient=w.doomed, status="accepted")
    ProjectMemberFactory(project=w.theirs, profile=w.doomed, invite_id=accepted.id)
    TeamInviteFactory(project=w.theirs, recipient=w.doomed)
    entry = EventProjectFactory(event=w.event, project=w.theirs, entered_by=w.doomed.id)
    EventRegistrationFactory(event=w.event, profile=w.doomed)
    EventRegistrationFactory(event=w.event, profile=w.friend)
    # Things they reviewed or ran as a staff member keep existing.
    mentor = MentorApplicationFactory(reviewed_by=w.doomed.id, status="approved")
    sponsor = SponsorshipInquiryFactory(reviewed_by=w.doomed.id, status="contacted")
    category = TwitchCategoryFactory(added_by=w.doomed.id)
    draw = PrizeDrawFactory(drawn_by=w.doomed.id)
    AuditLogFactory(actor_profile_id=w.doomed.id, actor_name="Doug Doomed (@doomed)")
    AuditLogFactory(target_profile_id=w.doomed.id, target_name="Doug Doomed (@doomed)")
    s.flush()
    w.ids = dict(mentor=mentor.id, sponsor=sponsor.id, category=category.id, draw=draw.id,
                 entry=entry.id, keep_session=keep_session.id, member_row=member_row.id,
                 own=w.own.id, theirs=w.theirs.id, doomed=w.doomed.id, alone=w.alone.id)
    return w


def test_delete_user_removes_everything_they_own_in_one_go(db_session, world):
    w, s = world, db_session
    identity_id = w.doomed.clerk_id
    before_audit = count(s, AuditLog)
    returned = services.delete_user(s, w.admin, w.doomed, confirm="Doomed", admin_ids=ADMINS, now=NOW)
    s.commit()

    assert s.get(Profile, w.ids["doomed"]) is None
    assert count(s, Account, Account.id == identity_id) == 0
    assert count(s, UserSession, UserSession.identity_id == identity_id) == 0
    assert count(s, Avatar, Avatar.profile_id == w.ids["doomed"]) == 0
    assert s.get(DeletedIdentity, identity_id).deleted_at == NOW
    # Their project nobody else is on, and everything hanging off it.
    assert s.get(Project, w.ids["alone"]) is None
    for model in (ProjectMember, TeamInvite, EventProject, ProjectEvent):
        assert count(s, model, model.project_id == w.ids["alone"]) == 0
    # Their project with a member passes to that member (no member row for the new owner),
    # keeping its entry and history; the invites they sent for it went with them.
    kept = s.get(Project, w.ids["own"])
    assert kept.profile_id == w.friend.id
    assert count(s, ProjectMember, ProjectMember.project_id == w.ids["own"]) == 0
    assert count(s, TeamInvite, TeamInvite.project_id == w.ids["own"]) == 0
    assert count(s, EventProject, EventProject.project_id == w.ids["own"]) == 1
    lines = s.execute(select(ProjectEvent.kind, ProjectEvent.actor_name, ProjectEvent.subject_name)
                      .where(ProjectEvent.project_id == w.ids["own"])).all()
    assert ("ownership_succeeded", "Buildstory", w.friend.display_name) in lines
    # Their memberships, invites and registrations elsewhere.
    assert count(s, ProjectMember, ProjectMember.profile_id == w.ids["doomed"]) == 0
    assert count(s, TeamInvite, TeamInvite.recipient_id == w.ids["doomed"]) == 0
    assert count(s, EventRegistration, EventRegistration.profile_id == w.ids["doomed"]) == 0
    # The friend's project, entry, registration and session are untouched.
    assert s.get(Project, w.ids["theirs"]) is not None
    assert s.get(EventProject, w.ids["entry"]).entered_by is None
    assert count(s, EventRegistration, EventRegistration.profile_id == w.friend.id) == 1
    assert s.get(UserSession, w.ids["keep_session"]) is not None
    assert s.get(Event, w.event.id) is not None
    # Reviews, categories and draws stay with the reviewer cleared.
    assert s.get(MentorApplication, w.ids["mentor"]).reviewed_by is None
    assert s.get(SponsorshipInquiry, w.ids["sponsor"]).reviewed_by is None
    assert s.get(TwitchCategory, w.ids["category"]).added_by is None
    assert s.get(PrizeDraw, w.ids["draw"]).drawn_by is None
    # The audit history is intact, plus one row for the deletion.
    assert count(s, AuditLog) == before_audit + 1
    row = s.scalar(select(AuditLog).where(AuditLog.action == "delete_user"))
    assert row.actor_profile_id == w.admin.id and row.target_profile_id == w.ids["doomed"]
    assert row.target_name == "Doug Doomed (@doomed)"
    assert row.id == returned.id
    # The metadata keys are the seed schema's.
    assert row.meta == {"deletedProfileId": str(w.ids["doomed"]),
                        "displayName": "Doug Doomed", "username": "doomed",
                        "clerkId": identity_id,
                        "successions": [{"project_id": str(w.ids["own"]), "slug": w.own.slug,
                                         "new_owner_id": str(w.friend.id),
                                         "new_owner_name": w.friend.display_name}],
                        "deleted_projects": [{"project_id": str(w.ids["alone"]),
                                              "slug": "doomed-alone"}]}
    assert count(s, AuditLog, AuditLog.actor_profile_id == w.ids["doomed"]) == 1


def test_a_deleted_identity_is_never_recreated(db_session, world):
    identity_id = world.doomed.clerk_id
    services.delete_user(db_session, world.admin, world.doomed, confirm="doomed",
                         admin_ids=ADMINS, now=NOW)
    with pytest.raises(identity.IdentityDeleted):
        identity.ensure_profile(db_session, identity_id)


def test_the_confirmation_must_be_the_username(db_session, world):
    for typed in ("", "doome", "Doug Doomed", None):
        with pytest.raises(ValidationFailed) as err:
            services.delete_user(db_session, world.admin, world.doomed, confirm=typed,
                                 admin_ids=ADMINS, now=NOW)
        assert err.value.status == 422
        assert err.value.errors == {"confirm_username": "Type the username to confirm"}
    assert world.doomed.id is not None and count(db_session, Profile, Profile.id == world.doomed.id)


def test_without_a_username_the_identity_id_confirms(db_session):
    admin = ProfileFactory(admin=True)
    nameless = ProfileFactory(no_username=True, clerk_id="user_clerk_abc")
    with pytest.raises(ValidationFailed):
        services.delete_user(db_session, admin, nameless, confirm="", admin_ids=ADMINS, now=NOW)
    meta = services.delete_user(db_session, admin, nameless, confirm="user_clerk_abc",
                                admin_ids=ADMINS, now=NOW).meta
    assert meta["username"] is None and meta["clerkId"] == "user_clerk_abc"


def test_delete_refusals(db_session, world):
    moderator = ProfileFactory(moderator=True)
    super_admin = ProfileFactory(clerk_id="user_superadmin", username="root")
    cases = [(moderator, world.doomed, "doomed", "Only admins can delete users"),
             (world.friend, world.doomed, "doomed", "Only admins can delete users"),
             (world.admin, world.admin, world.admin.username, "Cannot delete yourself"),
             (world.admin, super_admin, "root", "Cannot delete a super-admin")]
    for actor, target, typed, message in cases:
        with pytest.raises(Forbidden, match=f"^{message}$") as err:
            services.delete_user(db_session, actor, target, confirm=typed, admin_ids=ADMINS, now=NOW)
        assert err.value.status == 403
    assert count(db_session, AuditLog, AuditLog.action == "delete_user") == 0
    assert count(db_session, DeletedIdentity) == 0


def test_deleting_a_user_whose_identity_was_deleted_before_does_not_fail(db_session, world):
    db_session.add(DeletedIdentity(identity_id=world.doomed.clerk_id, deleted_at=NOW))
    db_session.flush()
    services.delete_user(db_session, world.admin, world.doomed, confirm="doomed",
                         admin_ids=ADMINS, now=NOW)
    assert db_session.get(Profile, world.ids["doomed"]) is None
