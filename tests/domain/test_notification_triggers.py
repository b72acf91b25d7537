"""Each trigger through the service that fires it: who hears what, and the clean-up rules.
The hackathon's four helpers are called here as the hackathon services will call them."""
from datetime import UTC, datetime

from sqlalchemy import select

from buildstory.db import db
from buildstory.enums import NotificationType as T
from buildstory.models import Event, Notification, NotificationFanout, Project
from buildstory.moderation import services as moderation
from buildstory.notifications import queries, triggers
from buildstory.projects import services as projects
from buildstory.teams import services as teams
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             ProjectFactory, ProjectMemberFactory, TeamInviteFactory)
from tests.hackathon_factories import EventSubmissionFactory, HackathonReviewFactory

NOW = datetime.now(UTC)
ADMINS = frozenset()


def heard(profile):
    return [i.sentence for i in queries.page(db.session, profile, moderator=False).items]


def test_a_link_join_tells_the_owner(db_session):
    owner, joiner = ProfileFactory(), ProfileFactory(display_name="Zoe")
    invite = TeamInviteFactory(project=ProjectFactory(owner=owner, name="Rocket"), link=True,
                               raw_token="t-join")
    teams.accept_link(db_session, "t-join", joiner, now=NOW, team_limit=6)
    assert heard(owner) == ["Zoe joined Rocket with an invite link"]
    assert heard(joiner) == [] and invite.id


def test_leaving_tells_the_owner_and_removal_tells_the_member(db_session):
    owner, leaver, removed = ProfileFactory(display_name="Olu"), ProfileFactory(
        display_name="Lea"), ProfileFactory()
    project = ProjectFactory(owner=owner, name="Rocket")
    ProjectMemberFactory(project=project, profile=leaver)
    ProjectMemberFactory(project=project, profile=removed)
    teams.leave_project(db_session, project, leaver, now=NOW)
    teams.remove_member(db_session, project, owner, removed.id, now=NOW)
    assert heard(owner) == ["Lea left Rocket"]
    assert heard(removed) == ["You were removed from Rocket"]


def test_hiding_and_unhiding_tell_the_owner_without_naming_the_moderator(db_session):
    owner, mod = ProfileFactory(), ProfileFactory(moderator=True, display_name="Mo")
    project = ProjectFactory(owner=owner, name="Rocket")
    moderation.hide_project(db_session, mod, project, admin_ids=ADMINS, now=NOW)
    moderation.unhide_project(db_session, mod, project, admin_ids=ADMINS)
    assert heard(owner) == ["Your project Rocket is visible again",
                            "A moderator hid your project Rocket"]
    assert db_session.scalars(select(Notification.actor_id)).all() == [None, None]


def test_a_moderator_hiding_their_own_project_hears_nothing(db_session):
    mod = ProfileFactory(moderator=True)
    moderation.hide_project(db_session, mod, ProjectFactory(owner=mod), admin_ids=ADMINS, now=NOW)
    assert heard(mod) == []


def test_accepting_marks_the_invite_notice_read(db_session):
    me = ProfileFactory()
    invite = TeamInviteFactory(recipient=me)
    triggers.invite_sent(db_session, invite, invite.project, invite.project.owner, now=NOW)
    assert queries.unread_count(db_session, me) == 1
    teams.accept_invite(db_session, invite, me, now=NOW, team_limit=6)
    assert queries.unread_count(db_session, me) == 0
    assert len(heard(me)) == 1  # still listed, read


def test_deleting_a_user_takes_the_notifications_about_their_projects(db_session):
    admin, owner, member = ProfileFactory(admin=True), ProfileFactory(), ProfileFactory()
    project = ProjectFactory(owner=owner)
    ProjectMemberFactory(project=project, profile=member)
    teams.remove_member(db_session, project, owner, member.id, now=NOW)
    assert len(heard(member)) == 1
    moderation.delete_user(db_session, admin, owner, confirm=owner.username, admin_ids=ADMINS,
                           now=NOW)
    assert heard(member) == []


def test_submission_made_tells_the_team_but_the_submitter(db_session):
    submission = EventSubmissionFactory()
    project = db_session.get(Project, submission.project_id)
    event = db_session.get(Event, submission.event_id)
    mate = ProfileFactory()
    ProjectMemberFactory(project=project, profile=mate)
    triggers.submission_made(db_session, submission, project, event, project.owner, now=NOW)
    assert heard(mate) == [f"{project.owner.display_name} submitted {project.name} to {event.name}"]
    assert heard(project.owner) == []


def test_review_received_tells_the_whole_team(db_session):
    review = HackathonReviewFactory()
    project = db_session.get(Project, review.project_id)
    event = db_session.get(Event, review.event_id)
    triggers.review_received(db_session, review, project, event, now=NOW)
    assert heard(project.owner) == [f"{project.name} received a review in {event.name}"]


def test_judge_assigned_once_per_event_and_judge(db_session):
    judge, event = ProfileFactory(), EventFactory(name="Jam")
    for _ in range(2):
        triggers.judge_assigned(db_session, event, judge.id, now=NOW)
    assert heard(judge) == ["You are a judge for Jam"]


def test_results_published_fans_out_once_per_event(db_session):
    event = EventFactory(complete=True)
    EventRegistrationFactory(event=event)
    triggers.results_published(db_session, event)
    triggers.results_published(db_session, event)  # a corrected version: nobody again
    assert db_session.execute(select(Notification)).all() == []  # the job writes them
    [fan] = db_session.scalars(select(NotificationFanout)).all()
    assert (fan.type, fan.dedupe_key) == (T.results_published, f"results_published:{event.id}")
