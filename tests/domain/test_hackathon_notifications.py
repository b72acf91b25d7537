"""The hackathon's four notifications and two webhooks, fired by the services that make
the change: a new submission (never an edit, never twice for one project in one event),
a judge added (or, in a draft event, when it opens), results version 1 (every registrant
through the real worker's fan-out, plus the ranked teams; later versions notify nobody).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from buildstory.db import db
from buildstory.enums import EventStatus, NotificationType as T
from buildstory.events import services as event_services
from buildstory.hackathon import judging, results, submissions
from buildstory.identity.services import utcnow
from buildstory.models import Event, Notification, Profile
from buildstory.notifications import queries
from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)
from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                       JudgeScoreFactory)
from tests.helpers import run_jobs, setup

FIELDS = {"what_built": "An agent that files my taxes", "demo_url": None, "repo_url": None,
          "video_url": None, "lesson_learned": None}


def told(session, kind):
    return sorted(session.scalars(sa.select(Notification.recipient_id)
                                  .where(Notification.type == kind)).all())


def hook(session, *events):
    session.add(WebhookEndpoint(name="Hook", url="http://127.0.0.1:9/", format="json",
                                events=list(events), secret="0" * 64))
    session.flush()


def deliveries(session, event):
    return session.execute(sa.select(WebhookDelivery.payload)
                           .where(WebhookDelivery.event == event)
                           .order_by(WebhookDelivery.created_at)).scalars().all()


def sentences(session, profile):
    """(sentence, the URL opening it goes to) of ``profile``'s notifications, newest first
    (inside a request context, as the list and the open action build them)."""
    from buildstory.notifications.views import _url
    rows = {n.id: n for n in session.scalars(
        sa.select(Notification).where(Notification.recipient_id == profile.id))}
    return [(i.sentence, _url(queries.link_parts(session, rows[i.id])))
            for i in queries.page(session, profile).items]


# --- submission_made -------------------------------------------------------------------------

def test_a_new_submission_tells_the_team_but_the_submitter_once_per_project(db_session, app):
    event = EventFactory(active=True, name="Spring Jam")
    project = ProjectFactory(name="Café Bot")
    member = ProfileFactory()
    ProjectMemberFactory(project=project, profile=member)
    for person in (project.owner, member):
        EventRegistrationFactory(event=event, profile=person)
    hook(db_session, "submission_made")
    db_session.refresh(project)
    owner = project.owner

    def save(**changes):
        return submissions.save_submission(db_session, project, event, owner,
                                           {**FIELDS, **changes}, [], now=utcnow())

    assert save().created
    assert told(db_session, T.submission_made) == [member.id]  # never the submitter
    save(what_built="An agent that files my taxes, faster")  # an edit: nobody
    submissions.withdraw(db_session, project, event, owner, now=utcnow())
    assert save().created  # withdraw and submit again: announced once only
    assert told(db_session, T.submission_made) == [member.id]
    payloads = deliveries(db_session, "submission_made")
    assert payloads == [{"event_slug": event.slug, "project_slug": project.slug,
                         "name": "Café Bot"}]
    with app.test_request_context():
        [(sentence, href)] = sentences(db_session, member)
    assert sentence == f"{owner.display_name} submitted Café Bot to Spring Jam"
    assert href == f"/events/{event.slug}/showcase/{project.slug}"


# --- judge_assigned --------------------------------------------------------------------------

def test_adding_a_judge_tells_the_judge_and_a_draft_event_tells_its_judges_when_it_opens(
        db_session, app):
    admin = ProfileFactory(admin=True)
    live = EventFactory(status=EventStatus.judging, name="Judged Jam")
    draft = EventFactory(draft=True, name="Later Jam")
    ada, bo = ProfileFactory(username="jury-ada"), ProfileFactory(username="jury-bo")
    judging.add_judge(db_session, admin, live, "jury-ada")
    assert told(db_session, T.judge_assigned) == [ada.id]
    with app.test_request_context():
        assert sentences(db_session, ada) == [("You are a judge for Judged Jam",
                                               f"/events/{live.slug}/judge")]
    judging.add_judge(db_session, admin, draft, "jury-bo")
    judging.add_judge(db_session, admin, draft, "jury-ada")
    assert len(told(db_session, T.judge_assigned)) == 1  # a draft event: not yet
    event_services.transition_status(db_session, admin, draft, EventStatus.open)
    assert told(db_session, T.judge_assigned) == sorted([ada.id, ada.id, bo.id])
    event_services.transition_status(db_session, admin, draft, EventStatus.draft)
    event_services.transition_status(db_session, admin, draft, EventStatus.open)
    assert len(told(db_session, T.judge_assigned)) == 3  # once per (event, judge)


def test_an_admin_adding_themselves_as_judge_hears_nothing(db_session):
    admin = ProfileFactory(admin=True, username="jury-self")
    judging.add_judge(db_session, admin, EventFactory(status=EventStatus.judging), "jury-self")
    assert told(db_session, T.judge_assigned) == []


# --- results_published -----------------------------------------------------------------------

@pytest.mark.committed
def test_results_version_one_tells_registrants_and_ranked_teams_once_each(committed):
    app = committed

    def make():
        admin = ProfileFactory(admin=True)
        event = EventFactory(status=EventStatus.judging, name="Result Jam")
        registrants = [ProfileFactory() for _ in range(3)]
        for person in registrants + [admin]:
            EventRegistrationFactory(event=event, profile=person)
        # A ranked team: its owner registered, its member did not.
        project = ProjectFactory(owner=registrants[0], name="Ranked Bot")
        member = ProfileFactory()
        ProjectMemberFactory(project=project, profile=member)
        judge = EventJudgeFactory(event=event)
        sub = EventSubmissionFactory(entry=EventProjectFactory(event=event, project=project))
        JudgeScoreFactory(submission=sub, judge=judge, bump=True)
        db.session.add(WebhookEndpoint(name="Hook", url="http://127.0.0.1:9/", format="json",
                                       events=["results_published"], secret="0" * 64))
        ProfileFactory()  # neither registered nor ranked
        return (event.id, event.slug, admin.id, judge.profile_id,
                sorted([p.id for p in registrants] + [member.id]))
    event_id, slug, admin_id, judge_id, expected = setup(app, make)

    def publish():
        with app.app_context():
            event, admin = db.session.get(Event, event_id), db.session.get(Profile, admin_id)
            results.publish(db.session, admin, event,
                            results.compute(db.session, event).fingerprint, now=utcnow())
            db.session.commit()
            db.session.remove()

    publish()
    run_jobs(app)
    # Another scored entry and a second version: the webhook again, no notification.
    setup(app, lambda: _second_entry(event_id, judge_id))
    publish()
    run_jobs(app)
    with app.app_context():
        got = told(db.session, T.results_published)
        payloads = deliveries(db.session, "results_published")
        with app.test_request_context():
            shown = sentences(db.session, db.session.get(Profile, expected[0]))
        db.session.remove()
    assert got == expected  # not the admin who published, not the stranger, once each
    assert [p["version"] for p in payloads] == [1, 2]
    assert payloads[0]["winners"][0]["name"] == "Ranked Bot"
    assert payloads[0]["winners"][0]["place"] == 1
    assert shown == [("Results are out for Result Jam", f"/events/{slug}/results")]


def _second_entry(event_id, judge_id):
    """Another scored submission, so the next publish is a new version."""
    from buildstory.hackathon.models import EventJudge
    event = db.session.get(Event, event_id)
    sub = EventSubmissionFactory(entry=EventProjectFactory(event=event))
    JudgeScoreFactory(submission=sub, judge=db.session.get(EventJudge, (event_id, judge_id)),
                      bump=True)
    return sub.id
