"""The event page's "Start reviewing" carries the reviewer's progress ("Reviewed X of Y",
the review page's own count) within the page's statement budget."""
from __future__ import annotations

import re

from buildstory.enums import EventStatus
from tests.factories import EventFactory, ProfileFactory
from tests.hackathon_factories import HackathonReviewFactory
from tests.querycount import count_queries
from tests.review_helpers import submit

BUDGET = 8  # tests/web/test_query_budget_every_route.py


def progress(html: str) -> str | None:
    found = re.search(r'>Start reviewing</a>\s*<span class="muted">(Reviewed \d+ of \d+)</span>',
                      html)
    return found.group(1) if found else None


def test_start_reviewing_shows_how_far_the_reviewer_is(app, login, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam")
    me = ProfileFactory()
    submit(event, owner=me)
    others = [submit(event) for _ in range(3)]
    client = login(me)
    assert progress(client.get("/events/jam").get_data(as_text=True)) == "Reviewed 0 of 3"
    HackathonReviewFactory(submission=others[0], reviewer=me, bump=True)
    html = client.get("/events/jam").get_data(as_text=True)
    assert progress(html) == "Reviewed 1 of 3"
    # Someone with nothing submitted sees neither the link nor a count.
    stranger_html = login(ProfileFactory()).get("/events/jam").get_data(as_text=True)
    assert "Start reviewing" not in stranger_html and progress(stranger_html) is None


def test_the_progress_keeps_the_event_page_in_its_statement_budget(app, login, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam")
    me = ProfileFactory()
    submit(event, owner=me)
    for _ in range(12):
        HackathonReviewFactory(submission=submit(event), bump=True)
    client = login(me)
    client.get("/events/jam")  # warm the cached counts as a visit before would
    with count_queries(app) as small:
        html = client.get("/events/jam").get_data(as_text=True)
    assert progress(html) == "Reviewed 0 of 12"
    for _ in range(60):
        submit(event)
    with count_queries(app) as large:
        client.get("/events/jam")
    assert small.count == large.count <= BUDGET, large.statements
