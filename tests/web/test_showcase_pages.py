"""The showcase, the submission page and the award badges (docs/rules.md "Showcase and
share cards")."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from buildstory.enums import EventStatus, HighlightCategory, ResultKind
from buildstory.hackathon.models import EventResult, SubmissionImage
from buildstory.hackathon.showcase import normalise_search
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, utcnow)
from tests.hackathon_factories import (AiToolFactory, EventSubmissionFactory,
                                       HackathonReviewFactory)
from tests.querycount import count_queries


def submit(event, name="Shipbot", what="An agent that ships things", *, at=None, owner=None,
           hidden=False, tools=(), highlight_count=0):
    project = ProjectFactory(name=name, owner=owner or ProfileFactory(), hidden=hidden)
    entry = EventProjectFactory(event=event, project=project)
    sub = EventSubmissionFactory(entry=entry, what_built=what, tools=list(tools),
                                 search_text=normalise_search(f"{name} {what}"),
                                 submitted_at=at or utcnow(), highlight_count=highlight_count)
    sub.project = project  # for tests that add members
    return sub


def publish(event, version, rows):
    """Store a results version: rows of (kind, category, place, submission)."""
    from buildstory.db import db
    for kind, category, place, sub in rows:
        db.session.add(EventResult(
            event_id=event.id, version=version, kind=kind, category=category, place=place,
            project_id=sub.project_id, project_name="snap", project_slug="snap",
            score=Decimal("1.000"), computed_at=utcnow(), published_by=None,
            published_by_name="Admin"))
    db.session.flush()


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/events/[^/]+/showcase/[^"]+">([^<]+)</a></h3>', html)


@pytest.fixture
def live(db_session):
    return EventFactory(status=EventStatus.active, slug="jam", name="Spring Jam")


def test_before_the_event_starts_the_showcase_says_when_it_opens(client, db_session):
    EventFactory(status=EventStatus.open, slug="soon")
    page = client.get("/events/soon/showcase")
    assert page.status_code == 200
    assert "The showcase opens when the event starts" in page.get_data(as_text=True)


def test_draft_showcase_is_404_but_for_admins(client, login, db_session):
    EventFactory(status=EventStatus.draft, slug="drafty")
    assert client.get("/events/drafty/showcase").status_code == 404
    admin = login(ProfileFactory(admin=True))
    assert admin.get("/events/drafty/showcase").status_code == 200


def test_cards_show_team_tools_highlights_reviews_and_thumbnail(client, live):
    tools = [AiToolFactory(name=f"Tool {c}") for c in "ABCDEF"]
    hidden_tool = AiToolFactory(name="Secret tool", hidden_at=utcnow())
    sub = submit(live, tools=tools + [hidden_tool])
    for name in ("Bea", "Cy", "Di"):
        ProjectMemberFactory(project=sub.project, profile=ProfileFactory(display_name=name))
    HackathonReviewFactory(submission=sub, highlights={"creativity": "Wow", "design": "Neat"}, bump=True)
    HackathonReviewFactory(submission=sub, highlights={"creativity": "Fun"}, bump=True)
    HackathonReviewFactory(submission=sub, reviewer=ProfileFactory(hidden=True),
                           highlights={"impact": "hidden reviewer"})
    HackathonReviewFactory(submission=sub, hidden_at=utcnow(), highlights={"impact": "hidden"}, bump=True)
    from buildstory.db import db
    db.session.add(SubmissionImage(submission_id=sub.id, image=b"x", thumb=b"y", hash="abc123",
                                   width=1600, height=1000))
    db.session.flush()
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    assert titles(html) == ["Shipbot"]
    assert "Creativity 2" in html and "Design 1" in html and "Impact" not in html
    assert "2 reviews" in html
    assert f'src="/submission-images/{sub.id}/abc123/thumb" width="480" height="300" loading="lazy"' in html
    chips = re.findall(r"<li>([^<]+)</li>", html.split('aria-label="AI tools"')[1].split("</ul>")[0])
    assert chips == ["Tool A", "Tool B", "Tool C", "Tool D", "Tool E", "+1"]
    assert "Secret tool" not in html
    team_line = re.search(r'submission-team">By ([^<]+)</p>', html).group(1)
    assert team_line.endswith("+1") and team_line.count(",") == 2


def test_invisible_submissions_are_absent_but_the_team_and_moderators_see_them_badged(
        client, login, live):
    owner = ProfileFactory()
    submit(live, "Visible one")
    submit(live, "Hidden one", owner=owner, hidden=True)
    assert titles(client.get("/events/jam/showcase").get_data(as_text=True)) == ["Visible one"]
    for viewer in (owner, ProfileFactory(moderator=True)):
        html = login(viewer).get("/events/jam/showcase").get_data(as_text=True)
        assert set(titles(html)) == {"Visible one", "Hidden one"}
        assert 'data-status="hidden">Hidden</span>' in html
    assert client.get("/events/jam/showcase/" + "x").status_code == 404


def test_search_ignores_case_and_accents_and_short_queries(client, live):
    submit(live, "Café Robot", "Brews coffee", )
    submit(live, "Other", "Something else")
    from buildstory.db import db
    db.session.flush()
    html = client.get("/events/jam/showcase?q=CAFE").get_data(as_text=True)
    assert titles(html) == ["Café Robot"]
    html = client.get("/events/jam/showcase?q=Ca").get_data(as_text=True)
    assert "Type at least 3 characters" in html and len(titles(html)) == 2


def test_search_text_folded_accents_match(client, live):
    sub = submit(live, "Zoë", "naïve résumé builder")
    sub.search_text = "zoe naive resume builder"
    from buildstory.db import db
    db.session.flush()
    assert titles(client.get("/events/jam/showcase?q=RÉSUMÉ").get_data(as_text=True)) == ["Zoë"]


def test_tool_filter_and_unknown_or_hidden_tool_is_404(client, live):
    tool = AiToolFactory(name="Cursor", slug="cursor")
    hidden = AiToolFactory(name="Gone", slug="gone", hidden_at=utcnow())
    submit(live, "With cursor", tools=[tool])
    submit(live, "Without")
    html = client.get("/events/jam/showcase?tool=cursor").get_data(as_text=True)
    assert titles(html) == ["With cursor"]
    assert '<option value="cursor" selected>Cursor</option>' in html
    assert client.get("/events/jam/showcase?tool=nope").status_code == 404
    assert client.get(f"/events/jam/showcase?tool={hidden.slug}").status_code == 404


def test_sorts_and_keyset_pages_of_24(client, live):
    start = utcnow() - timedelta(days=1)
    for i in range(30):
        submit(live, f"P{i:02d}", at=start + timedelta(minutes=i), highlight_count=i % 5)
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    first = titles(html)
    assert first == [f"P{i:02d}" for i in range(29, 5, -1)]
    more = re.search(r'<li id="showcase-more" class="more-row"><a href="([^"]+)"', html).group(1)
    assert "after=" in more and ">More submissions<" in html
    second = client.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert titles(second) == [f"P{i:02d}" for i in range(5, -1, -1)]
    assert "More submissions" not in second
    html = client.get("/events/jam/showcase?sort=highlighted").get_data(as_text=True)
    expected = sorted(range(30), key=lambda i: (-(i % 5), -i))
    assert titles(html) == [f"P{i:02d}" for i in expected[:24]]
    more = re.search(r'class="more-row"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "sort=highlighted" in more
    assert titles(client.get(more).get_data(as_text=True)) == [f"P{i:02d}" for i in expected[24:]]


def test_malformed_cursor_is_404(client, live):
    submit(live)
    for bad in ("zzz", "bm90IGEgY3Vyc29y", "!!"):
        assert client.get(f"/events/jam/showcase?after={bad}").status_code == 404


def test_htmx_answers_the_results_block_and_more_replaces_itself(client, live):
    for i in range(26):
        submit(live, f"P{i:02d}", at=utcnow() - timedelta(minutes=i))
    r = client.hx_get("/events/jam/showcase?q=p0", target="showcase-results")
    body = r.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="showcase-results"') and "<html" not in body
    assert '<p id="showcase-status" hx-swap-oob="innerHTML">Type at least 3 characters</p>' in body
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    more = re.search(r'class="more-row"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    nxt = client.hx_get(more, target="showcase-more").get_data(as_text=True)
    assert nxt.lstrip().startswith('<li id="submission-')
    assert "data-focus" in nxt and titles(nxt) == ["P24", "P25"]
    assert "<section" not in nxt


def test_awards_show_from_the_latest_version_only(client, live):
    a, b = submit(live, "Alpha"), submit(live, "Beta")
    publish(live, 1, [(ResultKind.overall, None, 1, a), (ResultKind.overall, None, 2, b)])
    publish(live, 2, [(ResultKind.overall, None, 1, b), (ResultKind.overall, None, 2, a),
                      (ResultKind.judges_pick, HighlightCategory.design, 1, a),
                      (ResultKind.peoples_choice, HighlightCategory.impact, 1, b),
                      (ResultKind.judges_pick, HighlightCategory.impact, 2, a)])
    html = client.get("/events/jam/showcase/" + "x").get_data(as_text=True)
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    alpha = html.split(">Alpha<")[1].split("</li>")[0]
    beta = html.split(">Beta<")[1].split("</li>")[0]
    assert "2nd place" in alpha and "Judges&#39; pick: Design" in alpha and "1st place" not in alpha
    assert "Impact" not in alpha
    assert "1st place" in beta and "People&#39;s choice: Impact" in beta


def test_showcase_statements_are_few_and_equal_at_two_sizes(app, client, live):
    def grow(n):
        for i in range(n):
            sub = submit(live, f"G{i}", tools=[AiToolFactory()])
            ProjectMemberFactory(project=sub.project)
            HackathonReviewFactory(submission=sub, highlights={"creativity": "x"})

    def measure():
        counts = []
        for url in ("/events/jam/showcase", "/events/jam/showcase?sort=highlighted&q=shi"):
            client.get(url)
            with count_queries(app) as q:
                assert client.get(url).status_code == 200
            counts.append(q.count)
        return counts

    grow(3)
    small = measure()
    grow(27)
    assert measure() == small and max(small) <= 8


# --- Project page and profile ------------------------------------------------------------

def test_project_page_lists_submissions_awards_og_image_in_one_more_statement(app, client, login, live):
    from buildstory.hackathon.cards import PLACEHOLDER_VERSION
    owner = ProfileFactory()
    sub = submit(live, "Shipbot", owner=owner)
    publish(live, 1, [(ResultKind.overall, None, 1, sub),
                      (ResultKind.peoples_choice, HighlightCategory.creativity, 1, sub)])
    html = client.get(f"/projects/{sub.project.slug}").get_data(as_text=True)
    assert f'<a href="/events/jam/showcase/{sub.project.slug}">Spring Jam</a>' in html
    assert "1st place" in html and "People&#39;s choice: Creativity" in html
    assert (f'<meta property="og:image" content="http://localhost/cards/{sub.id}/'
            f'{PLACEHOLDER_VERSION}.png">') in html
    assert "Reviews received" not in html


def test_reviews_received_counts_what_the_viewer_may_see(login, live):
    owner = ProfileFactory()
    sub = submit(live, "Shipbot", owner=owner)
    HackathonReviewFactory(submission=sub)
    HackathonReviewFactory(submission=sub, hidden_at=utcnow())
    HackathonReviewFactory(submission=sub, reviewer=ProfileFactory(banned=True))
    url = f"/projects/{sub.project.slug}"
    team = login(owner).get(url).get_data(as_text=True)
    assert f'<a href="/projects/{sub.project.slug}/reviews">Reviews received (1)</a>' in team
    mod = login(ProfileFactory(moderator=True)).get(url).get_data(as_text=True)
    assert "Reviews received (3)" in mod
    assert "Reviews received" not in login(ProfileFactory()).get(url).get_data(as_text=True)


def test_profile_shows_award_badges_of_current_teams_projects(client, live):
    builder = ProfileFactory(username="winner")
    mine = submit(live, "Mine", owner=builder)
    joined = submit(live, "Joined")
    ProjectMemberFactory(project=joined.project, profile=builder)
    left = submit(live, "Not mine")
    publish(live, 1, [(ResultKind.overall, None, 1, left)])
    publish(live, 2, [(ResultKind.overall, None, 1, mine), (ResultKind.overall, None, 2, left),
                      (ResultKind.judges_pick, HighlightCategory.design, 1, joined),
                      (ResultKind.overall, None, 4, joined)])
    html = client.get("/profiles/winner").get_data(as_text=True)
    badges = re.findall(r'<li class="badge badge--accent award">([^<]+)</li>', html)
    assert badges == ["1st place · Spring Jam", "Judges&#39; pick: Design · Spring Jam"]


def test_hidden_projects_awards_do_not_show_on_profiles(client, live):
    builder = ProfileFactory(username="quiet")
    sub = submit(live, "Hidden win", owner=builder, hidden=True)
    publish(live, 1, [(ResultKind.overall, None, 1, sub)])
    assert "award" not in client.get("/profiles/quiet").get_data(as_text=True)


def test_a_remembered_card_changes_with_what_it_shows(client, live):
    """Cards are rendered once per distinct data (``web.memo``): every value a card shows
    is in its key, so a new review, a renamed project, a new teammate or a hidden owner
    shows on the very next page."""
    from buildstory.db import db
    from buildstory.hackathon.showcase_views import CARD_HTML
    sub = submit(live, name="Memo Bot")
    first = client.get("/events/jam/showcase").get_data(as_text=True)
    assert titles(first) == ["Memo Bot"] and "0 reviews" in first
    remembered = len(CARD_HTML)
    HackathonReviewFactory(submission=sub, highlights={"design": "Neat"}, bump=True)
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    assert "1 review<" in html and "Design 1" in html
    sub.project.name = "Memo Bot Two"
    ProjectMemberFactory(project=sub.project, profile=ProfileFactory(display_name="Zed"))
    db.session.flush()
    html = client.get("/events/jam/showcase").get_data(as_text=True)
    assert titles(html) == ["Memo Bot Two"] and ", Zed" in html
    assert len(CARD_HTML) == remembered + 2
    sub.project.owner.hidden_at = utcnow()
    db.session.flush()
    assert titles(client.get("/events/jam/showcase").get_data(as_text=True)) == []


def test_the_render_memo_keeps_the_newest_entries():
    from buildstory.web.memo import RenderMemo
    memo, renders = RenderMemo(2), []

    def render(text):
        return lambda: renders.append(text) or text
    assert memo.get("a", render("A")) == "A" and memo.get("b", render("B")) == "B"
    assert memo.get("a", render("again")) == "A"  # remembered, and now the newest
    memo.get("c", render("C"))  # over the size: "b", the least recently used, leaves
    assert memo.get("a", render("A2")) == "A" and memo.get("b", render("B2")) == "B2"
    assert renders == ["A", "B", "C", "B2"] and len(memo) == 2
