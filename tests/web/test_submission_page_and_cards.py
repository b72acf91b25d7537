"""The submission page and the share cards (docs/rules.md "Showcase and share cards")."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image

from buildstory.db import db
from buildstory.enums import EventStatus
from buildstory.hackathon import cards
from buildstory.hackathon.models import SubmissionCard
from tests.factories import EventFactory, ProfileFactory, ProjectMemberFactory
from tests.hackathon_factories import AiToolFactory, HackathonReviewFactory
from tests.web.test_showcase_pages import submit


def card_link(html: str) -> str:
    return re.search(r'<meta property="og:image" content="http://localhost(/cards/[^"]+)"',
                     html).group(1)


def test_submission_page_shows_what_was_submitted_with_a_video_link_not_a_player(client, db_session):
    event = EventFactory(status=EventStatus.judging, slug="jam", name="Spring Jam")
    sub = submit(event, "Shipbot", "An agent that ships things", tools=[AiToolFactory(name="Cursor")])
    sub.video_url, sub.demo_url = "https://video.example/demo", "https://demo.example"
    sub.lesson_learned = "Ship small"
    HackathonReviewFactory(submission=sub, highlights={"impact": "Big"}, bump=True)
    db.session.flush()
    page = client.get("/events/jam/showcase/" + sub.project.slug)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<a class="button" href="https://video.example/demo" rel="noopener noreferrer nofollow">Watch the demo</a>' in html
    assert "<iframe" not in html and "<video" not in html
    assert "Ship small" in html and "Cursor" in html and "Impact 1" in html and "1 review" in html
    assert '<meta name="description" content="An agent that ships things">' in html
    assert card_link(html).startswith(f"/cards/{sub.id}/")
    assert "Edit submission" not in html and "Share on X" not in html


def test_the_team_sees_edit_last_saver_and_the_share_panel(login, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    owner = ProfileFactory(display_name="Ada Owner")
    sub = submit(event, "Shipbot", owner=owner)
    member = ProfileFactory()
    ProjectMemberFactory(project=sub.project, profile=member)
    html = login(member).get(f"/events/jam/showcase/{sub.project.slug}").get_data(as_text=True)
    assert f'href="/projects/{sub.project.slug}/submissions/jam">Edit submission</a>' in html
    assert "Last updated by Ada Owner" in html
    assert ">Share on X</a>" in html and "https://x.com/intent/post?text=" in html
    assert re.search(r'href="/cards/[^"]+\.png" download="[^"]+">Download card</a>', html)
    assert f'value="http://localhost/events/jam/showcase/{sub.project.slug}"' in html


def test_hidden_submission_page_is_404_but_to_its_team_and_moderators(client, login, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    owner = ProfileFactory()
    sub = submit(event, "Secret", owner=owner, hidden=True)
    url = f"/events/jam/showcase/{sub.project.slug}"
    assert client.get(url).status_code == 404
    assert login(ProfileFactory()).get(url).status_code == 404
    for viewer in (owner, ProfileFactory(moderator=True)):
        page = login(viewer).get(url)
        assert page.status_code == 200 and 'data-status="hidden">Hidden</span>' in page.get_data(as_text=True)
    card = f"/cards/{sub.id}/{'0' * 16}.png"
    assert client.get(card).status_code == 404
    assert login(owner).get(card).status_code == 302


def test_card_is_a_1200x630_png_stored_once_with_immutable_caching(client, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    sub = submit(event, "Shipbot")
    html = client.get(f"/events/jam/showcase/{sub.project.slug}").get_data(as_text=True)
    url = card_link(html)
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(first.data)).size == (1200, 630)
    again = client.get(url)
    assert again.data == first.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionCard)) == 1
    stored = db.session.get(SubmissionCard, sub.id)
    assert url.endswith(f"/{stored.version}.png") and len(stored.version) == 16


def test_a_stale_version_redirects_to_the_current_card(client, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    sub = submit(event, "Shipbot")
    old = card_link(client.get(f"/events/jam/showcase/{sub.project.slug}").get_data(as_text=True))
    client.get(old)
    sub.what_built = "Something new"
    db.session.flush()
    moved = client.get(old)
    assert moved.status_code == 302
    new = moved.headers["Location"]
    assert new != old and new.startswith(f"/cards/{sub.id}/")
    assert "immutable" not in moved.headers.get("Cache-Control", "")
    assert client.get(new).status_code == 200
    assert db.session.get(SubmissionCard, sub.id).version in new


def test_malformed_version_or_unknown_card_is_404(client, db_session):
    event = EventFactory(status=EventStatus.active, slug="jam")
    sub = submit(event)
    assert client.get(f"/cards/{sub.id}/nothex.png").status_code == 404
    assert client.get(f"/cards/00000000-0000-4000-8000-000000000000/{'0' * 16}.png").status_code == 404


def test_cards_never_fail_on_emoji_cjk_rtl_and_control_characters():
    nasty = ["🚀🔥 Rocket", "中文项目 日本語", "مشروع עברית", "ctrl\x00\x01\x1b\u202e\u200b",
             "e\u0301\u0301\u0301" * 50, "W" * 500, "", " \n\t "]
    for text in nasty:
        inputs = cards.CardInputs(text, text * 3, (text,) * 7, (text, text), text)
        png = cards.render(inputs)
        assert Image.open(io.BytesIO(png)).size == (1200, 630)
        assert re.fullmatch(r"[0-9a-f]{16}", cards.card_version(inputs))
    assert cards.drawable("a🚀b中c\x00d", 30) == "abcd"


def test_what_was_built_wraps_into_three_lines_cut_with_an_ellipsis():
    from PIL import ImageDraw
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines = cards.wrap(draw, "word " * 200, 36, 1056, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert cards.wrap(draw, "short text", 36, 1056, 3) == ["short text"]


def test_version_changes_with_every_drawn_input():
    base = cards.CardInputs("A", "B", ("C",), ("D",), "E")
    others = [cards.CardInputs("A2", "B", ("C",), ("D",), "E"),
              cards.CardInputs("A", "B2", ("C",), ("D",), "E"),
              cards.CardInputs("A", "B", ("C2",), ("D",), "E"),
              cards.CardInputs("A", "B", ("C",), ("D2",), "E"),
              cards.CardInputs("A", "B", ("C",), ("D",), "E2")]
    versions = {cards.card_version(i) for i in [base, *others]}
    assert len(versions) == 6
