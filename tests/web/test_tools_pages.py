"""The catalogue's pages and the tool page's moderation, through the test client (plain
forms and htmx with their real HX-Target)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from buildstory.audit import AuditLog
from buildstory.enums import AiToolCategory, EventStatus
from buildstory.hackathon import counters
from buildstory.tools.models import AiTool
from tests.factories import EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory, utcnow
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory


def titles(html):
    return re.findall(r'<h3><a href="/tools/[^"]+">([^<]+)</a></h3>', html)


def test_catalogue_lists_categories_in_order_most_used_first(client, db_session):
    for i in range(14):
        AiToolFactory(name=f"Coder {i:02}", category=AiToolCategory.coding, usage_count=i % 3)
    AiToolFactory(name="Planner", category=AiToolCategory.planning)
    AiToolFactory(name="Modelo", category=AiToolCategory.models)
    AiToolFactory(name="Gone", category=AiToolCategory.models, hidden_at=utcnow())
    target = AiToolFactory(name="Target", category=AiToolCategory.other)
    AiToolFactory(name="Merged away", category=AiToolCategory.other, merged_into_id=target.id)
    html = client.get("/tools").get_data(as_text=True)
    headings = re.findall(r'<h2 id="category-[a-z_]+">([^<]+)</h2>', html)
    assert headings == ["Planning", "Coding", "Models", "Other"]
    names = titles(html)
    coding = [n for n in names if n.startswith("Coder")]
    assert len(coding) == 12
    assert coding[:5] == ["Coder 02", "Coder 05", "Coder 08", "Coder 11", "Coder 01"]
    assert "Gone" not in names and "Merged away" not in names
    assert '<a href="/tools?category=coding">All Coding tools</a>' in html
    assert "All Planning tools" not in html


def test_category_pages_of_fifty(client, db_session):
    for i in range(53):
        AiToolFactory(name=f"Other {i:02}", category=AiToolCategory.other)
    first = client.get("/tools?category=other").get_data(as_text=True)
    assert len(titles(first)) == 50 and 'href="/tools?category=other&amp;page=2"' in first
    second = client.get("/tools?category=other&page=2").get_data(as_text=True)
    assert titles(second) == ["Other 50", "Other 51", "Other 52"]
    assert client.get("/tools?category=nope").status_code == 404
    assert client.get("/tools?category=other&page=9").status_code == 404


def _submission(tool, *, when, event=None, **project_kw):
    event = event or EventFactory(status=EventStatus.active)
    entry = EventProjectFactory(event=event, project=ProjectFactory(**project_kw))
    return EventSubmissionFactory(entry=entry, tools=[tool], submitted_at=when)


def test_tool_page_shows_visible_submissions_newest_first_24_a_page(client, db_session):
    tool = AiToolFactory(name="Pager", description="Pages <b>things</b>.",
                         category=AiToolCategory.planning)
    event = EventFactory(status=EventStatus.active, name="Jam One")
    base = utcnow()
    subs = [_submission(tool, when=base - timedelta(minutes=i), event=event, name=f"Proj {i:02}")
            for i in range(26)]
    _submission(tool, when=base, hidden=True, name="Hidden proj")
    _submission(tool, when=base, owner=ProfileFactory(banned=True), name="Banned proj")
    _submission(tool, when=base, event=EventFactory(draft=True), name="Draft proj")
    counters.recount_tools(db_session, [tool.id])
    r = client.get(f"/tools/{tool.slug}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<h1>Pager</h1>" in html and "Pages &lt;b&gt;things&lt;/b&gt;." in html
    assert "Planning · used in 27 submissions" in html  # the draft event's one counts: visible
    shown = re.findall(r'<h3><a href="/projects/[^"]+">([^<]+)</a></h3>', html)
    assert shown == [f"Proj {i:02}" for i in range(24)]
    more = re.search(r'<a href="(/tools/pager\?after=[^"]+)" hx-get="[^"]+" hx-target="closest li"'
                     r' hx-swap="outerHTML">More submissions</a>', html)
    assert more
    nxt = client.hx_get(more.group(1).replace("&amp;", "&"), target="tool-submissions-more")
    part = nxt.get_data(as_text=True)
    assert re.findall(r'<h3><a href="/projects/[^"]+">([^<]+)</a></h3>', part) == ["Proj 24", "Proj 25"]
    assert "<h1>" not in part and "More submissions" not in part and "data-focus" in part
    assert client.get(f"/tools/{tool.slug}?after=garbage").status_code == 404
    assert client.get(f"/tools/{tool.slug}?after=1.zz").status_code == 404
    assert subs


def test_hidden_tool_404_except_to_moderators_badged(client, login, db_session):
    tool = AiToolFactory(name="Secret", hidden_at=utcnow())
    assert client.get(f"/tools/{tool.slug}").status_code == 404
    assert login(ProfileFactory()).get(f"/tools/{tool.slug}").status_code == 404
    r = login(ProfileFactory(moderator=True)).get(f"/tools/{tool.slug}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-status="hidden">Hidden</span>' in html
    assert "Unhide tool" in html and "Hide tool<" not in html


def test_merged_tool_and_its_slug_lead_to_the_target(client, db_session):
    target = AiToolFactory(name="Real one")
    old = AiToolFactory(name="Old name", merged_into_id=target.id)
    r = client.get(f"/tools/{old.slug}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/tools/{target.slug}")
    assert client.get("/tools/never-was").status_code == 404


# --- moderation ---------------------------------------------------------------------------

@pytest.fixture
def mod(login, db_session):
    return login(ProfileFactory(moderator=True))


def test_hide_asks_without_javascript_then_hides(mod, client, db_session):
    tool = AiToolFactory(name="Hideable")
    r = mod.post(f"/moderation/tools/{tool.id}/hide")
    assert r.status_code == 422 and "Tick the box to confirm" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{tool.id}/hide", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/tools/{tool.slug}")
    assert client.get(f"/tools/{tool.slug}").status_code == 404
    r = mod.post(f"/moderation/tools/{tool.id}/hide", htmx=True,
                 headers={"HX-Target": "tool-moderation"})
    assert r.status_code == 409 and "Tool is already hidden" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{tool.id}/unhide", htmx=True,
                 headers={"HX-Target": "tool-moderation"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Hideable is visible again." in body
    assert 'id="tool-head" class="page-head" hx-swap-oob="true"' in body
    actions = db_session.scalars(select(AuditLog.action)).all()
    assert sorted(actions) == ["hide_tool", "unhide_tool"]


def test_edit_as_htmx_and_plain_with_errors(mod, db_session):
    tool = AiToolFactory(name="Editme", slug="editme")
    AiToolFactory(name="Taken Name")
    r = mod.post(f"/moderation/tools/{tool.id}", {"name": "taken-name", "category": "models"},
                 htmx=True, headers={"HX-Target": "tool-moderation"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "A tool with this name already exists" in body
    assert 'value="taken-name"' in body and 'aria-invalid="true"' in body
    r = mod.post(f"/moderation/tools/{tool.id}", {"name": "", "category": "x"})
    assert r.status_code == 422 and "Name is required" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{tool.id}", {"name": "Edited", "category": "models",
                                                  "description": "Now described."})
    assert r.status_code == 303 and r.headers["Location"].endswith("/tools/editme")
    page = mod.get("/tools/editme").get_data(as_text=True)
    assert "<h1>Edited</h1>" in page and "Models · used in 0 submissions" in page


def test_merge_confirmed_moves_and_redirects(mod, client, db_session):
    source, target = AiToolFactory(name="Dupe"), AiToolFactory(name="Keeper")
    sub = _submission(source, when=utcnow())
    r = mod.post(f"/moderation/tools/{source.id}/merge", {"into": "keeper"})
    assert r.status_code == 422 and "Tick the box to confirm" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{source.id}/merge", {"into": "nothing here"}, htmx=True,
                 headers={"HX-Target": "tool-moderation"})
    assert r.status_code == 422 and "Choose a visible tool to merge into" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{source.id}/merge", {"into": source.slug}, htmx=True,
                 headers={"HX-Target": "tool-moderation"})
    assert r.status_code == 409 and "Cannot merge a tool into itself" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/tools/{source.id}/merge", {"into": "KEEPER", "confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/tools/{target.slug}")
    page = client.get(f"/tools/{target.slug}").get_data(as_text=True)
    assert "used in 1 submission<" in page
    assert db_session.get(AiTool, source.id).merged_into_id == target.id
    assert sub


def test_moderation_routes_refuse_builders(login, db_session):
    tool = AiToolFactory()
    me = login(ProfileFactory())
    for path in ("/hide", "/unhide", "", "/merge"):
        assert me.post(f"/moderation/tools/{tool.id}{path}", {"confirm": "yes"}).status_code == 403


def test_too_many_new_tools_answers_429_with_retry_after(app, db_session, monkeypatch):
    """What the submission form's Add tool gets when ``add_tool`` refuses: web/errors.py
    answers the refusal with its status and the seconds until a slot frees up."""
    from buildstory.tools.services import TooManyNewTools
    from buildstory.tools.views import new_tool_limit
    from buildstory.web.errors import _domain
    with app.test_request_context("/tools"):
        from flask import g
        g.profile = g.role = g.user_session = None
        g.invite_count = 0
        response = _domain(TooManyNewTools(1800.4))
        assert response.status_code == 429 and response.headers["Retry-After"] == "1800"
        assert "You are adding tools too quickly. Try again later." in response.get_data(as_text=True)
        assert new_tool_limit() == 20
        monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
        assert new_tool_limit() is None
