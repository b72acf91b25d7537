"""The schema itself (docs/rules.md "Data"): constraints refuse bad rows, ON DELETE rules hold,
and every enum type has exactly the reference values.

Each refusal names the constraint that must fire, so a test cannot pass because some
other constraint happened to reject the row.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from buildstory import audit, enums
from buildstory.db import db
from buildstory.models import (Avatar, Event, EventProject, EventRegistration,
                               MentorApplication, PrizeDraw, Profile, Project, ProjectEvent,
                               ProjectMember, SponsorshipInquiry, TeamInvite, TwitchCategory)
from tests.factories import (AccountFactory, AvatarFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory,
                             MentorApplicationFactory, PrizeDrawFactory, ProfileFactory,
                             ProjectEventFactory, ProjectFactory, ProjectMemberFactory,
                             SponsorshipInquiryFactory, TeamInviteFactory,
                             TwitchCategoryFactory, utcnow)

# Copied from the schema reference and the hackathon data model, not from buildstory.enums,
# on purpose.
REFERENCE_ENUMS = {
    "experience_level": ["getting_started", "built_a_few", "ships_constantly"],
    "event_status": ["draft", "open", "active", "judging", "complete"],
    "team_preference": ["solo", "has_team", "has_team_open", "looking_for_team"],
    "starting_point": ["new", "existing"],
    "commitment_level": ["all_in", "daily", "nights_weekends", "not_sure"],
    "user_role": ["user", "moderator", "admin"],
    "invite_status": ["pending", "accepted", "declined", "revoked"],
    "invite_type": ["direct", "link"],
    "mentor_application_status": ["pending", "approved", "declined"],
    "sponsorship_inquiry_status": ["pending", "contacted", "accepted", "declined"],
    "project_event_kind": ["invite_sent", "invite_revoked", "joined", "left", "removed",
                           "entered_event", "left_event", "submitted", "submission_updated",
                           "submission_withdrawn", "join_requested", "join_request_withdrawn",
                           "join_request_accepted", "join_request_declined",
                           "ownership_transferred", "ownership_passed",
                           "ownership_succeeded", "ownership_requested",
                           "ownership_request_withdrawn", "ownership_request_declined"],
    "ai_tool_category": ["planning", "coding", "code_review", "models", "other"],
    "highlight_category": ["creativity", "business_case", "technical_challenge", "impact",
                           "design"],
    "result_kind": ["overall", "judges_pick", "peoples_choice"],
    "queue_kind": ["review", "judge"],
    "notification_type": ["team_invite", "invite_accepted", "invite_declined", "member_joined",
                          "member_left", "member_removed", "project_hidden", "project_unhidden",
                          "submission_made", "review_received", "judge_assigned",
                          "results_published", "event_status", "mention", "post_comment",
                          "comment_reply", "roadmap_shipped", "join_request_received",
                          "join_request_accepted", "join_request_declined",
                          "mentor_granted", "help_request_opened", "help_request_claimed",
                          "help_request_released", "help_request_resolved",
                          "help_request_cancelled",
                          "ownership_transferred", "ownership_requested",
                          "ownership_request_reminder", "ownership_request_declined"],
    "post_context_type": ["project", "tool"],
    "post_source": ["manual", "cli", "webhook"],
    "reaction_emoji": ["fire", "rocket", "lightbulb", "clap", "wrench"],
    "report_target_kind": ["profile", "project", "post", "post_comment", "review",
                           "roadmap_item", "roadmap_comment", "help_request"],
    "report_reason": ["spam", "abuse", "off_topic", "other"],
    "report_status": ["open", "resolved", "dismissed"],
    "feature_board_status": ["inbox", "exploring", "next", "now", "shipped", "closed",
                             "archived"],
    "join_request_status": ["pending", "accepted", "declined", "withdrawn"],
    "help_kind": ["design", "technical", "growth"],
    "help_request_status": ["open", "claimed", "resolved", "cancelled"],
    "ownership_request_status": ["pending", "declined", "withdrawn", "transferred", "void"],
}


@contextmanager
def refused(session, constraint):
    """Expect the block (and a flush) to violate exactly ``constraint``."""
    with pytest.raises(IntegrityError) as caught:
        with session.begin_nested():
            yield
            session.flush()
    assert caught.value.orig.diag.constraint_name == constraint


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- enums ------------------------------------------------------------------------

def test_every_enum_type_has_exactly_the_reference_values(db_session):
    rows = db_session.execute(sa.text(
        "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)"
        " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
        " JOIN pg_namespace n ON n.oid = t.typnamespace"
        " WHERE n.nspname = 'public' AND t.typname NOT LIKE 'procrastinate%'"
        " GROUP BY t.typname")).all()
    # The job queue's own types are procrastinate's; the outbox's status is the mail
    # feature's (its values: docs/rules.md "Background jobs and email").
    assert dict(rows) == {**REFERENCE_ENUMS,
                          "email_status": ["queued", "sent", "failed", "suppressed"]}


def test_python_enums_match_the_database_and_all_have_labels():
    for name, cls in enums.PG_ENUMS.items():
        assert [m.value for m in cls] == REFERENCE_ENUMS[name]
        assert all(member.label for member in cls)
    assert enums.EventStatus.open.label == "Upcoming"
    assert enums.LABELS["experience"]["built_a_few"] == "Built a few things"


# --- profiles ---------------------------------------------------------------------

def test_profile_defaults_come_from_the_database(db_session):
    profile = Profile(clerk_id="user_defaults", display_name="Ada")
    db_session.add(profile)
    db_session.flush()
    db_session.refresh(profile)
    assert profile.role is enums.UserRole.user
    assert (profile.allow_invites, profile.discord_card_dismissed) == (True, False)
    assert profile.created_at is not None and profile.updated_at is not None
    assert profile.search_text == "ada"


def test_duplicate_username_is_refused(db_session):
    ProfileFactory(username="grace")
    with refused(db_session, "uq_profiles_username"):
        ProfileFactory(username="grace")


def test_duplicate_identity_is_refused(db_session):
    ProfileFactory(clerk_id="user_twice")
    with refused(db_session, "uq_profiles_clerk_id"):
        ProfileFactory(clerk_id="user_twice")


@pytest.mark.parametrize("username", ["Grace", "ab", "-grace", "grace_", "gr ace",
                                      "a" * 31, "grâce"])
def test_badly_formed_username_is_refused(db_session, username):
    with refused(db_session, "ck_profiles_username_format"):
        ProfileFactory(username=username)


@pytest.mark.parametrize("field, value, constraint", [
    ("country", "gb", "ck_profiles_country_format"),
    ("bio", "x" * 501, "ck_profiles_bio_length"),
    ("ban_reason", "x" * 1001, "ck_profiles_ban_reason_length"),
    ("display_name", "", "ck_profiles_display_name_length"),
    ("display_name", "x" * 101, "ck_profiles_display_name_length"),
])
def test_profile_field_limits(db_session, field, value, constraint):
    with refused(db_session, constraint):
        ProfileFactory(**{field: value})


def test_search_text_is_lower_case_without_accents(db_session):
    assert Profile.compute_search_text("zoe-a", "Zoë Ångström") == "zoe-a zoe angstrom"
    profile = ProfileFactory(username="renee", display_name="Renée")
    profile.display_name = "RENÉE Ç"
    assert profile.search_text == "renee renee c"


def test_account_email_is_unique_case_insensitively(db_session):
    AccountFactory(email="Ada@Example.com")
    with refused(db_session, "uq_accounts_email"):
        AccountFactory(email="ada@example.COM")


# --- events -----------------------------------------------------------------------

def test_at_most_one_event_is_featured(db_session):
    EventFactory(featured=True)
    EventFactory(featured=False)
    with refused(db_session, "uq_events_featured"):
        EventFactory(featured=True)


def test_a_draft_cannot_be_featured(db_session):
    with refused(db_session, "ck_events_featured_not_draft"):
        EventFactory(draft=True, featured=True)


@pytest.mark.parametrize("hours", [0, -1])
def test_event_must_end_after_it_starts(db_session, hours):
    start = utcnow()
    with refused(db_session, "ck_events_ends_after_starts"):
        EventFactory(starts_at=start, ends_at=start + timedelta(hours=hours))


def test_registration_must_close_after_it_opens(db_session):
    opens = utcnow()
    with refused(db_session, "ck_events_registration_window"):
        EventFactory(registration_opens_at=opens, registration_closes_at=opens)


@pytest.mark.parametrize("slug, constraint", [
    ("Build-Week", "ck_events_slug_format"), ("build--week", "ck_events_slug_format"),
    ("build_week", "ck_events_slug_format"), ("-x", "ck_events_slug_format"),
    ("new", "ck_events_slug_not_new"),
])
def test_bad_event_slug_is_refused(db_session, slug, constraint):
    with refused(db_session, constraint):
        EventFactory(slug=slug)


def test_one_registration_per_event_and_profile(db_session):
    registration = EventRegistrationFactory()
    with refused(db_session, "uq_event_registrations_event_id_profile_id"):
        EventRegistrationFactory(event=registration.event, profile=registration.profile)


# --- projects and teams -----------------------------------------------------------

def test_duplicate_project_slug_is_refused(db_session):
    ProjectFactory(slug="my-agent")
    with refused(db_session, "uq_projects_slug"):
        ProjectFactory(slug="my-agent")


@pytest.mark.parametrize("slug, constraint", [
    ("My-Agent", "ck_projects_slug_format"), ("my--agent", "ck_projects_slug_format"),
    ("my-_agent", "ck_projects_slug_format"), ("agent-", "ck_projects_slug_format"),
    ("a", "ck_projects_slug_length"), ("a" * 101, "ck_projects_slug_length"),
    ("new", "ck_projects_slug_not_new"),
])
def test_bad_project_slug_is_refused(db_session, slug, constraint):
    with refused(db_session, constraint):
        ProjectFactory(slug=slug)


def test_project_is_entered_in_an_event_once(db_session):
    entry = EventProjectFactory()
    with refused(db_session, "uq_event_projects_event_id_project_id"):
        EventProjectFactory(event=entry.event, project=entry.project)


def test_a_builder_joins_a_project_once(db_session):
    member = ProjectMemberFactory()
    with refused(db_session, "uq_project_members_project_id_profile_id"):
        ProjectMemberFactory(project=member.project, profile=member.profile)


def test_link_invite_tokens_are_unique(db_session):
    TeamInviteFactory(link=True, raw_token="same-secret")
    with refused(db_session, "uq_team_invites_token"):
        TeamInviteFactory(link=True, raw_token="same-secret")


@pytest.mark.parametrize("fields", [
    {"recipient": None},                                         # direct without recipient
    {"token": "abc"},                                            # direct with a token
    {"type": enums.InviteType.link, "recipient": None},          # link without token
    {"type": enums.InviteType.link, "token": "abc"},             # link without expiry
])
def test_invite_fields_match_its_type(db_session, fields):
    with refused(db_session, "ck_team_invites_type_fields"):
        TeamInviteFactory(**fields)


# --- applications and admin -------------------------------------------------------

def test_one_mentor_application_per_email(db_session):
    MentorApplicationFactory(email="mentor@example.com")
    with refused(db_session, "uq_mentor_applications_email"):
        MentorApplicationFactory(email="mentor@example.com")


def test_emails_of_applications_are_stored_lower_case(db_session):
    with refused(db_session, "ck_mentor_applications_email_lower"):
        MentorApplicationFactory(email="Mentor@example.com")
    with refused(db_session, "ck_sponsorship_inquiries_email_lower"):
        SponsorshipInquiryFactory(email="Sponsor@example.com")
    SponsorshipInquiryFactory(email="sponsor@example.com")
    with refused(db_session, "uq_sponsorship_inquiries_email"):
        SponsorshipInquiryFactory(email="sponsor@example.com")


@pytest.mark.parametrize("types", [[], ["design", "marketing"]])
def test_mentor_types_are_a_non_empty_subset(db_session, types):
    with refused(db_session, "ck_mentor_applications_mentor_types_valid"):
        MentorApplicationFactory(mentor_types=types)


def test_a_twitch_category_is_followed_once(db_session):
    TwitchCategoryFactory(twitch_id="509670")
    with refused(db_session, "uq_twitch_categories_twitch_id"):
        TwitchCategoryFactory(twitch_id="509670")


def test_prize_draw_counts_are_consistent(db_session):
    with refused(db_session, "ck_prize_draws_winner_count_positive"):
        PrizeDrawFactory(winner_count=0)
    with refused(db_session, "ck_prize_draws_winner_count_within_eligible"):
        PrizeDrawFactory(winner_count=4)


# --- ON DELETE rules --------------------------------------------------------------

def test_deleting_a_profile_removes_what_it_owns_and_keeps_what_others_own(db_session):
    doomed, other, admin = ProfileFactory(), ProfileFactory(), ProfileFactory(admin=True)
    own_project = ProjectFactory(owner=doomed)
    others_project = ProjectFactory(owner=other)
    ProjectMemberFactory(project=own_project, profile=other)
    ProjectMemberFactory(project=others_project, profile=doomed)
    TeamInviteFactory(project=own_project, recipient=other)
    TeamInviteFactory(project=others_project, recipient=doomed)
    ProjectEventFactory(project=own_project)
    EventRegistrationFactory(profile=doomed)
    entry = EventProjectFactory(project=others_project, entered_by=doomed.id)
    AvatarFactory(profile=doomed)
    mentor = MentorApplicationFactory(reviewed_by=doomed.id)
    inquiry = SponsorshipInquiryFactory(reviewed_by=doomed.id)
    category = TwitchCategoryFactory(added_by=doomed.id)
    draw = PrizeDrawFactory(drawn_by=doomed.id)
    audit.record(db_session, admin, "hide_user", doomed)
    doomed_id, own_id = doomed.id, own_project.id

    db_session.delete(doomed)
    db_session.flush()
    db_session.expire_all()

    assert count(db_session, Project, Project.profile_id == doomed_id) == 0
    assert count(db_session, ProjectMember, ProjectMember.project_id == own_id) == 0
    assert count(db_session, ProjectMember, ProjectMember.profile_id == doomed_id) == 0
    assert count(db_session, TeamInvite, sa.or_(TeamInvite.sender_id == doomed_id,
                                                TeamInvite.recipient_id == doomed_id)) == 0
    assert count(db_session, ProjectEvent, ProjectEvent.project_id == own_id) == 0
    assert count(db_session, EventRegistration, EventRegistration.profile_id == doomed_id) == 0
    assert count(db_session, Avatar, Avatar.profile_id == doomed_id) == 0
    # Rows that belong to someone else survive, with the reference cleared.
    assert db_session.get(EventProject, entry.id).entered_by is None
    assert db_session.get(MentorApplication, mentor.id).reviewed_by is None
    assert db_session.get(SponsorshipInquiry, inquiry.id).reviewed_by is None
    assert db_session.get(TwitchCategory, category.id).added_by is None
    assert db_session.get(PrizeDraw, draw.id).drawn_by is None
    assert db_session.get(Project, others_project.id) is not None
    # The audit log keeps its id and name snapshot (no foreign key).
    assert count(db_session, audit.AuditLog,
                 audit.AuditLog.target_profile_id == doomed_id) == 1


def test_deleting_a_project_removes_members_invites_entries_and_history(db_session):
    project = ProjectFactory()
    ProjectMemberFactory(project=project)
    TeamInviteFactory(project=project)
    TeamInviteFactory(project=project, link=True)
    EventProjectFactory(project=project)
    ProjectEventFactory(project=project)
    project_id = project.id

    db_session.delete(project)
    db_session.flush()

    for model in (ProjectMember, TeamInvite, EventProject, ProjectEvent):
        assert count(db_session, model, model.project_id == project_id) == 0


@pytest.mark.parametrize("child, constraint", [
    (EventRegistrationFactory, "fk_event_registrations_event_id_events"),
    (EventProjectFactory, "fk_event_projects_event_id_events"),
    (PrizeDrawFactory, "fk_prize_draws_event_id_events"),
])
def test_an_event_with_registrations_entries_or_draws_cannot_be_deleted(
        db_session, child, constraint):
    event = EventFactory(complete=True)
    child(event=event)
    with refused(db_session, constraint):
        db_session.delete(event)


def test_an_event_without_children_can_be_deleted(db_session):
    event = EventFactory()
    db_session.delete(event)
    db_session.flush()
    assert count(db_session, Event, Event.id == event.id) == 0


# --- audit log --------------------------------------------------------------------

def test_record_snapshots_names_and_flushes_without_committing(app, db_session):
    admin = ProfileFactory(admin=True, display_name="Ada Admin", username="ada")
    target = ProfileFactory(no_username=True, display_name="Nameless")
    row = audit.record(db_session, admin, "ban_user", target, reason="spam",
                       project_id=target.id)
    assert row.id is not None and row.created_at is not None
    assert (row.actor_profile_id, row.target_profile_id) == (admin.id, target.id)
    assert (row.actor_name, row.target_name) == ("Ada Admin (@ada)", "Nameless")
    assert row.meta == {"reason": "spam", "project_id": str(target.id)}
    with app.app_context(), db.engine.connect() as elsewhere:  # not committed
        assert elsewhere.scalar(sa.text("SELECT count(*) FROM admin_audit_log")) == 0


def test_cli_actions_have_no_actor(db_session):
    row = audit.record(db_session, None, "set_role", ProfileFactory(), via="cli")
    assert (row.actor_profile_id, row.actor_name, row.meta) == (None, None, {"via": "cli"})


def test_audit_rows_are_never_updated_or_deleted(db_session):
    row = audit.record(db_session, None, "unban_user")
    with pytest.raises(audit.AuditLogIsAppendOnly):
        with db_session.begin_nested():
            row.action = "something_else"
            db_session.flush()
    # The database refuses too, for statements that bypass the ORM.
    for statement in (sa.update(audit.AuditLog).values(action="x"), sa.delete(audit.AuditLog)):
        with pytest.raises(DBAPIError, match="append-only"):
            with db_session.begin_nested():
                db_session.execute(statement.where(audit.AuditLog.id == row.id))
