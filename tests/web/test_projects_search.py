"""Finding projects: the search reads descriptions too (index-backed), the list says how
many match, filters by event, and cards carry a one-line description (on /projects and on
the event page)."""
import re

from sqlalchemy import text

from buildstory.enums import EventStatus
from tests.factories import EventFactory, EventProjectFactory, ProjectFactory


def body(response):
    return response.get_data(as_text=True)


def names(html):
    return re.findall(r'<a href="/projects/[a-z0-9-]+">([^<]+)</a>', html)


def test_search_matches_descriptions_and_counts(client):
    ProjectFactory(name="Murmur", description="A **voice** journal you talk to.")
    ProjectFactory(name="Voice Box", description="Text to speech.")
    ProjectFactory(name="Ledger", description="Spreadsheets, but calm.")
    page = body(client.get("/projects?q=voice"))
    assert sorted(names(page)) == ["Murmur", "Voice Box"]
    assert re.search(r'<p id="project-count" class="result-count" role="status">2 projects '
                     r'matching “voice”</p>', page)
    # htmx: the results swap, the count line outside them is updated out of band.
    r = client.hx_get("/projects?q=calm", target="project-results")
    html = body(r)
    assert '<p id="project-count" hx-swap-oob="innerHTML">1 project matching “calm”</p>' in html
    assert names(html) == ["Ledger"]


def test_filter_by_event(client):
    jam = EventFactory(name="Spring Jam", slug="spring-jam", status=EventStatus.active)
    EventFactory(name="Empty Jam", slug="empty-jam", status=EventStatus.active)
    entered = ProjectFactory(name="In The Jam", description="voice and more")
    EventProjectFactory(event=jam, project=entered)
    ProjectFactory(name="Elsewhere", description="voice too")
    page = body(client.get("/projects"))
    assert '<label for="event">Event</label>' in page
    assert '<option value="spring-jam">Spring Jam</option>' in page
    assert "Empty Jam" not in page  # only events with entries are offered
    page = body(client.get("/projects?event=spring-jam&q=voice"))
    assert names(page) == ["In The Jam"]
    assert "1 project matching “voice” in Spring Jam" in page
    assert '<option value="spring-jam" selected>' in page


def test_cards_show_a_one_line_description(client):
    jam = EventFactory(slug="spring-jam", status=EventStatus.active)
    project = ProjectFactory(name="Murmur", description="A **voice** journal\n\nyou talk to.")
    EventProjectFactory(event=jam, project=project)
    assert '<p class="project-card-text">A voice journal you talk to.</p>' in body(client.get("/projects"))
    assert '<p class="project-card-text">A voice journal you talk to.</p>' in body(client.get("/events/spring-jam"))


def test_description_search_uses_an_index(db_session):
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in db_session.execute(text(
        "EXPLAIN SELECT id FROM projects "
        "WHERE name ILIKE '%voice%' OR description ILIKE '%voice%'")))
    assert "ix_projects_description_trgm" in plan and "ix_projects_name_trgm" in plan, plan
