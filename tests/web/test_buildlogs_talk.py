"""Comment and reaction routes through the Flask test client (docs/rules.md "Comments and
reactions"): htmx fragments and plain posts, bad input, limits, the XSS corpus, budgets."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from buildstory.buildlogs.models import Post, PostComment, Reaction
from tests.factories import ProfileFactory, ProjectFactory
from tests.querycount import count_queries
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK


@pytest.fixture
def post(db_session):
    project = ProjectFactory()
    p = Post(author_id=project.owner.id, context_type="project", project_id=project.id,
             body="Shipped the login page")
    db_session.add(p)
    db_session.commit()
    return p


def _comments(db_session, post):
    return db_session.scalars(select(PostComment).where(PostComment.post_id == post.id)).all()


def test_htmx_comment_returns_the_section_with_the_comment_and_an_empty_form(
        app, db_session, login, post):
    c = login(ProfileFactory(display_name="Ann Writer"))
    r = c.post(f"/posts/{post.id}/comments", {"body": "Looks **great**"}, htmx=True,
               headers={"HX-Target": f"comments-{post.id}"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.startswith(f'<section class="comments" id="comments-{post.id}"')
    assert "<strong>great</strong>" in html and "Ann Writer" in html
    assert re.search(r'<textarea[^>]*name="body"[^>]*></textarea>', html)
    db_session.expire_all()
    assert db_session.get(Post, post.id).comment_count == 1


def test_plain_comment_redirects_to_the_post(app, db_session, login, post):
    r = login(ProfileFactory()).post(f"/posts/{post.id}/comments", {"body": "Nice"})
    assert r.status_code == 303 and r.headers["Location"].endswith(
        f"/posts/{post.id}#comments-{post.id}")


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("body,message", [("  ", "Comment is required"),
                                          ("x" * 281, "Comment must be at most 280 characters")])
def test_bad_comment_is_422_next_to_the_field_and_keeps_the_text(app, db_session, login, post,
                                                                 htmx, body, message):
    c = login(ProfileFactory())
    r = c.post(f"/posts/{post.id}/comments", {"body": body}, htmx=htmx,
               headers={"HX-Target": f"comments-{post.id}"} if htmx else None)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and message in html and 'aria-invalid="true"' in html
    if body.strip():
        assert body in html
    assert _comments(db_session, post) == []


def test_commenting_on_a_hidden_or_deleted_post_is_404(app, db_session, login, post):
    from tests.factories import utcnow
    post.hidden_at = utcnow()
    db_session.commit()
    assert login(ProfileFactory()).post(f"/posts/{post.id}/comments",
                                        {"body": "x"}).status_code == 404


def test_the_second_comment_within_ten_seconds_is_429_with_retry_after(app, db_session, login,
                                                                       post):
    c = login(ProfileFactory())
    assert c.post(f"/posts/{post.id}/comments", {"body": "one"}).status_code == 303
    r = c.post(f"/posts/{post.id}/comments", {"body": "two"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "Please wait a few seconds before commenting again." in r.get_data(as_text=True)


def test_reaction_buttons_are_svg_with_hidden_names_and_aria_pressed(app, db_session, login,
                                                                     post):
    c = login(ProfileFactory())
    r = c.post(f"/posts/{post.id}/reactions", {"emoji": "fire", "state": "on"}, htmx=True,
               headers={"HX-Target": f"reactions-post-{post.id}"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.startswith(f'<div class="reactions" id="reactions-post-{post.id}"')
    assert html.count("<svg") == 5 and not re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", html)
    for name in ("Fire", "Shipped", "Insightful", "Props", "Building"):
        assert f'<span class="visually-hidden">{name}</span>' in html
    fire = re.search(r'value="fire"><input type="hidden" name="state" value="(\w+)">\s*'
                     r'<button[^>]*aria-pressed="(\w+)"', html)
    assert fire.groups() == ("off", "true")  # pressed now; the next click removes it
    assert html.count('aria-pressed="false"') == 4
    # a second "on" (a double click, another tab) changes nothing
    c.post(f"/posts/{post.id}/reactions", {"emoji": "fire", "state": "on"}, htmx=True,
           headers={"HX-Target": f"reactions-post-{post.id}"})
    db_session.expire_all()
    assert db_session.get(Post, post.id).fire_count == 1
    assert db_session.scalar(select(func.count()).select_from(Reaction)) == 1


@pytest.mark.parametrize("data", [{"emoji": "heart", "state": "on"},
                                  {"emoji": "fire", "state": "maybe"}, {}])
def test_a_bad_reaction_is_422_and_changes_nothing(app, db_session, login, post, data):
    r = login(ProfileFactory()).post(f"/posts/{post.id}/reactions", data, htmx=True,
                                     headers={"HX-Target": f"reactions-post-{post.id}"})
    assert r.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(Reaction)) == 0


def test_a_reaction_toggle_runs_at_most_6_statements(app, db_session, login, post):
    c = login(ProfileFactory())
    url, target = f"/posts/{post.id}/reactions", f"reactions-post-{post.id}"
    c.post(url, {"emoji": "rocket", "state": "on"})  # warm
    with count_queries(app) as q:
        r = c.post(url, {"emoji": "fire", "state": "on"}, htmx=True,
                   headers={"HX-Target": target})
    assert r.status_code == 200 and q.count <= 6, "\n".join(s[:90] for s in q.statements)


def test_posting_a_comment_runs_at_most_8_statements_with_its_notification(app, db_session,
                                                                           login, post):
    c = login(ProfileFactory())
    c.get("/")  # warm: the first request of the day writes last_seen_at
    c.csrf()
    url = f"/posts/{post.id}/comments"
    with count_queries(app) as q:
        r = c.post(url, {"body": "Nice"})
    assert r.status_code == 303 and q.count <= 8, "\n".join(s[:90] for s in q.statements)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "svg", "iframe", "video", "body", "details",
                   "math", "xss") and tag != "svg":
            self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or (
                    name == "hx-get" and "xss" in (value or "")) or \
                    "javascript:" in (value or "").lower():
                self.bad.append(f"{tag} {name}={value}")


def test_the_xss_corpus_through_the_comment_field_stays_text(app, db_session, login, post):
    c = login(ProfileFactory())
    for payload in PAYLOADS:
        db_session.execute(PostComment.__table__.delete())
        db_session.commit()
        r = c.post(f"/posts/{post.id}/comments", {"body": payload}, htmx=True,
                   headers={"HX-Target": f"comments-{post.id}"})
        assert r.status_code in (200, 422), (payload, r.status_code)
        html = r.get_data(as_text=True)
        tags = _Tags()
        tags.feed(html.replace('class="reaction-icon"', ""))
        svgless = [t for t in tags.bad if not t.startswith("svg")]
        assert svgless == [], (payload, svgless)
        assert TEMPLATE_MARK not in html
        from buildstory.ratelimits import DAY
        db_session.execute(PostComment.__table__.update().values(
            created_at=PostComment.created_at - DAY))
        db_session.commit()


def test_the_post_page_shows_comments_oldest_first_and_the_viewers_reactions(
        app, db_session, login, post):
    from datetime import timedelta
    from buildstory.buildlogs import reactions
    from tests.factories import utcnow
    ann, bob = ProfileFactory(display_name="Ann"), ProfileFactory(display_name="Bob")
    now = utcnow()
    for i, who in enumerate((ann, bob)):
        db_session.add(PostComment(post_id=post.id, author_id=who.id, body=f"comment {i}",
                                   created_at=now - timedelta(minutes=5 - i)))
    db_session.commit()
    reactions.react(db_session, bob, "post", post.id, "clap", True, now=now)
    db_session.commit()
    c = login(bob)
    url = f"/posts/{post.id}"
    c.get(url)
    with count_queries(app) as q:
        r = c.get(url)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.index("comment 0") < html.index("comment 1")
    assert f'id="comments-{post.id}"' in html and f'id="reactions-post-{post.id}"' in html
    box = html[html.index(f'id="reactions-post-{post.id}"'):]
    assert re.search(r'value="clap"><input type="hidden" name="state" value="off">\s*<button[^>]*'
                     r'aria-pressed="true"', box)
    assert q.count <= 8, "\n".join(s[:80] for s in q.statements)
