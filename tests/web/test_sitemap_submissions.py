"""The sitemap lists the visible submission pages of public events whose showcase is open."""
from __future__ import annotations

from buildstory.enums import EventStatus
from tests.factories import EventFactory, ProfileFactory
from tests.web.test_showcase_pages import submit
from tests.web.test_sitemap import chunk, index


def test_visible_submission_pages_of_open_showcases_are_listed(client, db_session):
    live = EventFactory(status=EventStatus.active, slug="live-jam")
    past = EventFactory(status=EventStatus.complete, slug="past-jam")
    draft = EventFactory(status=EventStatus.draft, slug="draft-jam")
    shown = [submit(live, "Alpha"), submit(past, "Beta")]
    submit(live, "Hidden", hidden=True)
    submit(live, "Banned owner", owner=ProfileFactory(banned=True))
    submit(draft, "Draft")
    chunks = [p for p, _ in index(client) if "submissions" in p]
    assert len(chunks) == 1 and chunks[0].startswith("/sitemap-submissions-1.xml?from=")
    urls = chunk(client, chunks[0])
    expected = sorted(shown, key=lambda s: str(s.id))
    assert urls == [f"/events/{'live-jam' if s in shown[:1] else 'past-jam'}/showcase/{s.project.slug}"
                    for s in expected]
    for url in urls:
        assert client.get(url).status_code == 200


def test_submission_chunks_split_and_a_bad_key_is_404(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_CHUNK_SIZE", 2)
    live = EventFactory(status=EventStatus.active, slug="live-jam")
    subs = sorted((submit(live, f"P{i}") for i in range(5)), key=lambda s: str(s.id))
    chunks = [p for p, _ in index(client) if "submissions" in p]
    assert len(chunks) == 3
    seen = []
    for path in chunks:
        seen += chunk(client, path)
    assert seen == [f"/events/live-jam/showcase/{s.project.slug}" for s in subs]
    assert client.get("/sitemap-submissions-1.xml?from=not-a-uuid").status_code == 404
