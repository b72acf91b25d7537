"""/sitemap.xml: an index of chunks listing visible profiles, visible projects and public
events; each chunk a keyset read, at most SITEMAP_CHUNK_SIZE URLs."""
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from buildstory.home import queries as site_queries
from tests.factories import EventFactory, ProfileFactory, ProjectFactory, utcnow
from tests.hackathon_factories import AiToolFactory
from tests.querycount import count_queries

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse(r):
    assert r.status_code == 200 and r.mimetype == "application/xml"
    return ET.fromstring(r.data)  # raises on invalid XML


def local(url):
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost", url  # absolute URLs
    return parts.path + (f"?{parts.query}" if parts.query else "")


def index(client):
    root = parse(client.get("/sitemap.xml"))
    assert root.tag == "{%s}sitemapindex" % NS["s"]
    return [(local(s.find("s:loc", NS).text), s.find("s:lastmod", NS))
            for s in root.findall("s:sitemap", NS)]


def chunk(client, path):
    root = parse(client.get(path))
    assert root.tag == "{%s}urlset" % NS["s"]
    return [local(u.find("s:loc", NS).text) for u in root.findall("s:url", NS)]


def every_url(client):
    urls = []
    for path, _ in index(client):
        urls += chunk(client, path)
    return urls


@pytest.fixture
def world():
    """Visible and invisible things of every kind."""
    alice = ProfileFactory(username="alice")
    ProfileFactory(username="bob")
    ProfileFactory(username="hidden-hal", hidden=True)
    banned = ProfileFactory(username="banned-bo", banned=True)
    ProfileFactory(no_username=True, display_name="Nameless")
    ProjectFactory(owner=alice, slug="receipt-whisperer")
    ProjectFactory(owner=alice, slug="quiet-thing", hidden=True)
    ProjectFactory(owner=banned, slug="banned-bo-project")
    EventFactory(open=True, slug="spring-sprint")
    EventFactory(complete=True, slug="autumn-shipathon")
    EventFactory(draft=True, slug="secret-summer")
    cursor = AiToolFactory(name="Cursor", slug="cursor")
    AiToolFactory(name="Shady", slug="shady", hidden_at=utcnow())
    AiToolFactory(name="Cursor IDE", slug="cursor-ide", merged_into_id=cursor.id)


def test_index_lists_one_chunk_per_kind_with_lastmod(client, world):
    chunks = index(client)
    assert [p for p, _ in chunks] == ["/sitemap-profiles-1.xml?from=alice",
                                      "/sitemap-projects-1.xml?from=receipt-whisperer",
                                      "/sitemap-events-1.xml?from=autumn-shipathon",
                                      "/sitemap-tools-1.xml?from=cursor"]
    for _, lastmod in chunks:
        assert lastmod is not None and lastmod.text.endswith("+00:00")


def test_chunks_list_visible_and_public_pages_only(client, world):
    urls = every_url(client)
    assert urls == ["/profiles/alice", "/profiles/bob", "/projects/receipt-whisperer",
                    "/events/autumn-shipathon", "/events/spring-sprint", "/tools/cursor"]


def test_each_url_has_its_lastmod(client, world):
    root = parse(client.get("/sitemap-profiles-1.xml"))
    for url in root.findall("s:url", NS):
        assert url.find("s:lastmod", NS).text[:4].isdigit()


def test_large_lists_are_split_into_chunks(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_CHUNK_SIZE", 3)
    names = [f"user-{i:02d}" for i in range(8)]
    for name in reversed(names):
        ProfileFactory(username=name)
    ProfileFactory(username="user-99", hidden=True)
    chunks = [p for p, _ in index(client) if "profiles" in p]
    assert chunks == ["/sitemap-profiles-1.xml?from=user-00", "/sitemap-profiles-2.xml?from=user-03",
                      "/sitemap-profiles-3.xml?from=user-06"]
    seen = []
    for path in chunks:
        urls = chunk(client, path)
        assert 1 <= len(urls) <= 3
        seen += urls
    assert seen == [f"/profiles/{n}" for n in names]
    # a chunk URL without its key still finds its start; past the end is not found
    assert chunk(client, "/sitemap-profiles-2.xml") == [f"/profiles/{n}" for n in names[3:6]]
    assert client.get("/sitemap-profiles-4.xml").status_code == 404


@pytest.mark.parametrize("path", ["/sitemap-people-1.xml", "/sitemap-profiles-0.xml",
                                  "/sitemap-profiles-x.xml", "/sitemap-profiles-1.xml?from=" + "a" * 200])
def test_unknown_chunks_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_empty_site_still_answers_valid_xml(client):
    assert index(client) == []
    assert chunk(client, "/sitemap-events-1.xml") == []


def test_robots_points_at_the_sitemap(client):
    assert "Sitemap: http://localhost/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


def test_sitemap_query_counts_are_constant(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SITEMAP_CHUNK_SIZE", 5)
    counts = []
    for scale in (8, 80):
        for i in range(scale):
            ProjectFactory(owner=ProfileFactory(banned=i % 5 == 0))
        with count_queries(app) as q:
            client.get("/sitemap.xml")
            client.get("/sitemap-profiles-1.xml")
            client.get("/sitemap-projects-2.xml")
        counts.append(q.count)
        db_session.rollback()
        db_session.execute(text("DELETE FROM projects"))
        db_session.execute(text("DELETE FROM profiles"))
        db_session.commit()
    assert counts == [4, 4], counts  # index 1, chunk 1, chunk 2 without its key 2


FILL = """
INSERT INTO profiles (clerk_id, username, display_name, search_text)
  SELECT 'user_sx' || i, 'sx-user-' || i, 'Sx ' || i, 'sx-user-' || i FROM generate_series(1, 5000) i;
INSERT INTO projects (profile_id, name, slug, description)
  SELECT id, 'P', 'sx-' || username, 'd' FROM profiles WHERE clerk_id LIKE 'user_sx%';
INSERT INTO ai_tools (name, name_key, slug)
  SELECT 'T' || i, 'sxtool' || i, 'sx-user-tool-' || i FROM generate_series(1, 5000) i;
ANALYZE profiles; ANALYZE projects; ANALYZE ai_tools;
"""


def explain(session, stmt):
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())


@pytest.mark.parametrize("kind, index_name", [("profiles", "uq_profiles_username"),
                                               ("projects", "uq_projects_slug"),
                                               ("tools", "uq_ai_tools_slug")])
def test_a_chunk_is_a_keyset_read_on_the_unique_index(db_session, kind, index_name):
    db_session.execute(text(FILL))
    k = site_queries.SITEMAP_KINDS[kind]
    # a chunk (LIMIT) much smaller than the rows after its first key, as at 100k builders
    stmt = (k.base().add_columns(k.key, k.updated).where(k.key >= "sx-user-1")
            .order_by(k.key).limit(500))
    plan = explain(db_session, stmt)
    assert f"Index Scan using {index_name}" in plan, plan  # in key order: no sort, no offset
    assert "Seq Scan" not in plan and "Sort" not in plan, plan
