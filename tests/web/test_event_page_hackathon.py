"""The event page's hackathon links: who sees which (docs/rules.md "Showcase and share cards")."""
from __future__ import annotations

import re

from buildstory.enums import EventStatus
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             ProjectFactory, ProjectMemberFactory)
from tests.hackathon_factories import EventJudgeFactory
from tests.web.test_showcase_pages import submit

LINKS = {"Submit your project": "/submissions/jam", "Start reviewing": "/events/jam/review",
         "Judge submissions": "/events/jam/judge", "Review list": "/moderation/events/jam/reviews",
         "Judging": "/admin/events/jam/judging", "Results admin": "/admin/events/jam/results"}


def links(html: str) -> set[str]:
    found = set()
    for name, path in LINKS.items():
        if re.search(rf'href="[^"]*{re.escape(path)}"[^>]*>{re.escape(name)}', html):
            found.add(name)
    return found


def test_everyone_sees_counts_showcase_results_and_visible_judges(client, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam")
    submit(event, "One")
    submit(event, "Two")
    submit(event, "Hidden", hidden=True)
    EventJudgeFactory(event=event, profile=ProfileFactory(display_name="Judge Judy", username="judy"))
    EventJudgeFactory(event=event, profile=ProfileFactory(display_name="Gone Judge", hidden=True))
    html = client.get("/events/jam").get_data(as_text=True)
    assert "<dt>Submissions</dt><dd>2</dd>" in html
    assert 'href="/events/jam/showcase">See the showcase</a>' in html
    assert 'href="/events/jam/results">Results</a>' in html
    assert '<a href="/profiles/judy">Judge Judy</a>' in html and "Gone Judge" not in html
    assert links(html) == set()


def test_registered_builder_sees_submit_for_each_project_while_submissions_open(login, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder)
    ProjectFactory(owner=builder, name="Alpha", slug="alpha")
    ProjectMemberFactory(project=ProjectFactory(name="Beta", slug="beta"), profile=builder)
    html = login(builder).get("/events/jam").get_data(as_text=True)
    assert 'href="/projects/alpha/submissions/jam">Submit your project' in html
    assert 'href="/projects/beta/submissions/jam">Submit your project' in html
    stranger = ProfileFactory()
    ProjectFactory(owner=stranger)
    assert "Submit your project" not in login(stranger).get("/events/jam").get_data(as_text=True)
    event.status = EventStatus.judging
    assert "Submit your project" not in login(builder).get("/events/jam").get_data(as_text=True)


def test_team_of_a_submitted_project_sees_start_reviewing_while_reviews_are_open(login, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam")
    owner, member = ProfileFactory(), ProfileFactory()
    sub = submit(event, "Shipbot", owner=owner)
    ProjectMemberFactory(project=sub.project, profile=member)
    for who in (owner, member):
        assert "Start reviewing" in links(login(who).get("/events/jam").get_data(as_text=True))
    assert "Start reviewing" not in links(login(ProfileFactory()).get("/events/jam").get_data(as_text=True))
    event.status = EventStatus.complete
    assert "Start reviewing" not in links(login(owner).get("/events/jam").get_data(as_text=True))


def test_judges_moderators_and_admins_get_their_links(login, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam")
    judge = ProfileFactory()
    EventJudgeFactory(event=event, profile=judge)
    assert links(login(judge).get("/events/jam").get_data(as_text=True)) == {"Judge submissions"}
    assert links(login(ProfileFactory(moderator=True)).get("/events/jam").get_data(as_text=True)) \
        == {"Review list"}
    assert links(login(ProfileFactory(admin=True)).get("/events/jam").get_data(as_text=True)) \
        == {"Review list", "Judging", "Results admin"}
