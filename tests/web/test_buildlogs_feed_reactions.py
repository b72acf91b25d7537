"""Reaction buttons on every card of every feed (project Updates and its full list,
profile Activity and its full list, /feed, a tool's section and /tools/<slug>/posts):
the five buttons with counts, aria-pressed for the viewer's own, toggled in place by htmx
(the ``reactions-post-<id>`` box) and, without JavaScript, back to the page they were on.
The viewer's reactions come with the cards, in the feed's one statement."""
from __future__ import annotations

import re
from datetime import timedelta

from buildstory.buildlogs import reactions
from buildstory.buildlogs.models import Post
from buildstory.enums import PostContextType
from tests.factories import ProfileFactory, ProjectFactory, utcnow
from tests.hackathon_factories import AiToolFactory
from tests.querycount import count_queries


def _post(db_session, *, project=None, tool=None, author=None, body="Shipped", minutes=60):
    author = author or (project.owner if project is not None else ProfileFactory())
    post = Post(author_id=author.id, body=body, created_at=utcnow() - timedelta(minutes=minutes),
                context_type=PostContextType.project if project else PostContextType.tool,
                project_id=project.id if project else None, tool_id=tool.id if tool else None)
    db_session.add(post)
    db_session.flush()
    return post


def box(html, post_id) -> str:
    start = html.index(f'<div class="reactions" id="reactions-post-{post_id}"')
    return html[start:html.index("</div>", start)]


def pressed(html, post_id) -> dict:
    """emoji → (aria-pressed, the state the button submits, the count shown)."""
    return {e: (p, s, int(n)) for e, s, p, n in re.findall(
        r'name="emoji" value="(\w+)"><input type="hidden" name="state" value="(\w+)">\s*'
        r'<button[^>]*aria-pressed="(\w+)"[^>]*>.*?<span class="reaction-count">(\d+)</span>',
        box(html, post_id), re.S)}


def surfaces(project, tool, author):
    return [f"/projects/{project.slug}", f"/projects/{project.slug}/updates", "/feed",
            f"/profiles/{author.username}", f"/profiles/{author.username}/activity",
            f"/tools/{tool.slug}", f"/tools/{tool.slug}/posts"]


def test_every_feed_card_has_the_five_buttons_with_the_viewers_own_pressed(login, client,
                                                                           db_session):
    project = ProjectFactory(name="Kite")
    author = project.owner
    tool = AiToolFactory(name="Loom")
    on_project = _post(db_session, project=project, body="Kite flies", minutes=5)
    on_tool = _post(db_session, tool=tool, author=author, body="Loom is neat", minutes=6)
    viewer = ProfileFactory()
    other = ProfileFactory()
    now = utcnow()
    for post in (on_project, on_tool):
        reactions.react(db_session, viewer, "post", post.id, "fire", True, now=now)
        reactions.react(db_session, other, "post", post.id, "fire", True, now=now)
        reactions.react(db_session, other, "post", post.id, "clap", True, now=now)
    db_session.commit()
    me = login(viewer)
    for path in surfaces(project, tool, author):
        html = me.get(path).get_data(as_text=True)
        shown = [p for p in (on_project, on_tool) if f'id="post-{p.id}"' in html]
        assert shown, path
        for post in shown:
            state = pressed(html, post.id)
            assert state == {"fire": ("true", "off", 2), "rocket": ("false", "on", 0),
                             "lightbulb": ("false", "on", 0), "clap": ("false", "on", 1),
                             "wrench": ("false", "on", 0)}, (path, state)
            assert f'name="next" value="{path}"' in box(html, post.id), path
        # visitors see the counts, no buttons
        anon = client.get(path).get_data(as_text=True)
        for post in shown:
            b = box(anon, post.id)
            assert "<form" not in b and "<button" not in b and b.count('class="reaction"') == 5
            assert re.findall(r'<span class="reaction-count">(\d+)</span>', b) == \
                ["2", "0", "0", "1", "0"]


def test_toggling_from_a_feed_in_place_with_htmx_and_back_to_the_feed_without(login,
                                                                             db_session):
    project = ProjectFactory()
    post = _post(db_session, project=project)
    db_session.commit()
    me = login(ProfileFactory())
    page = me.get("/feed").get_data(as_text=True)
    assert pressed(page, post.id)["rocket"] == ("false", "on", 0)
    r = me.post(f"/posts/{post.id}/reactions", {"emoji": "rocket", "state": "on", "next": "/feed"},
                htmx=True, headers={"HX-Target": f"reactions-post-{post.id}",
                                    "HX-Current-URL": "http://localhost/feed"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.startswith(
        f'<div class="reactions" id="reactions-post-{post.id}"')
    assert pressed(html, post.id)["rocket"] == ("true", "off", 1)
    # the pressed button keeps the keyboard focus; the next answer still leads to /feed
    assert re.search(r'value="rocket">.*?<button[^>]*data-focus', html, re.S)
    assert 'name="next" value="/feed"' in html
    # without JavaScript: a plain POST lands back on the feed, at the post's buttons
    r = me.post(f"/posts/{post.id}/reactions", {"emoji": "rocket", "state": "off",
                                                "next": f"/projects/{project.slug}/updates"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(
        f"/projects/{project.slug}/updates#reactions-post-{post.id}")
    assert pressed(me.get("/feed").get_data(as_text=True), post.id)["rocket"] == \
        ("false", "on", 0)
    # a next that leaves the site falls back to the post page
    r = me.post(f"/posts/{post.id}/reactions", {"emoji": "fire", "state": "on",
                                                "next": "https://evil.example/feed"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/posts/{post.id}#reactions-post-{post.id}")


def test_an_edited_card_keeps_its_reactions(login, db_session):
    project = ProjectFactory()
    post = _post(db_session, project=project, minutes=2)
    reactions.react(db_session, project.owner, "post", post.id, "wrench", True, now=utcnow())
    db_session.commit()
    me = login(project.owner)
    r = me.post(f"/posts/{post.id}/edit", {"body": "Edited kite"}, htmx=True,
                headers={"HX-Target": f"post-{post.id}"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Edited kite" in html
    assert pressed(html, post.id)["wrench"] == ("true", "off", 1)


def test_the_viewers_reactions_cost_no_statement_per_card(app, login, db_session):
    """A full page of cards each with the viewer's reactions reads as many statements as
    the same page with none: the reactions come with the cards."""
    project = ProjectFactory()
    tool = AiToolFactory()
    posts = [_post(db_session, project=project, minutes=i) for i in range(22)]
    posts += [_post(db_session, tool=tool, author=project.owner, minutes=30 + i)
              for i in range(22)]
    db_session.commit()
    viewer = ProfileFactory()
    me = login(viewer)
    paths = surfaces(project, tool, project.owner)

    def counts():
        out = {}
        for path in paths:
            me.get(path)
            with count_queries(app) as q:
                assert me.get(path).status_code == 200
            out[path] = q.count
        return out

    before = counts()
    now = utcnow()
    for post in posts:
        for emoji in ("fire", "clap", "wrench"):
            reactions.react(db_session, viewer, "post", post.id, emoji, True, now=now,
                            limit_enabled=False)
    db_session.commit()
    after = counts()
    assert before == after and max(after.values()) <= 8, (before, after)
    html = me.get("/feed").get_data(as_text=True)
    assert html.count('aria-pressed="true"') == 3 * 20
