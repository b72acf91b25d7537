"""Build logs through the test client: posting (plain and htmx with the real HX-Target),
feeds, one post, edit, delete, moderation and images."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from buildstory import storage
from buildstory.audit import AuditLog
from buildstory.buildlogs.models import Post, PostImage
from buildstory.enums import PostContextType
from tests.factories import ProfileFactory, ProjectFactory, ProjectMemberFactory, utcnow
from tests.hackathon_factories import AiToolFactory
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK, URL_PAYLOADS


def png(width=2000, height=1000, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def make_post(db_session, *, project=None, tool=None, author=None, body="Shipped it",
              ago=timedelta(hours=1), **kw):
    author = author or (project.owner if project is not None else ProfileFactory())
    post = Post(author_id=author.id, body=body, created_at=utcnow() - ago,
                context_type=PostContextType.project if project else PostContextType.tool,
                project_id=project.id if project else None, tool_id=tool.id if tool else None,
                **kw)
    db_session.add(post)
    db_session.flush()
    return post


def card_ids(html):
    return re.findall(r'<article id="post-([0-9a-f-]{36})"', html)


def test_the_team_posts_an_update_others_get_403(login, db_session):
    project = ProjectFactory(name="Rocket")
    member = ProjectMemberFactory(project=project).profile
    me = login(member)
    r = me.post(f"/projects/{project.slug}/updates", {"body": "  Login works @Nobody  "})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/projects/{project.slug}#updates")
    post = db_session.scalars(select(Post)).one()
    assert (post.body, post.author_id, post.project_id) == ("Login works @Nobody", member.id,
                                                            project.id)
    page = me.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert 'id="updates"' in page and "Post update" in page and "All updates" in page
    assert '<a href="/profiles/nobody">@Nobody</a>' in page
    outsider = login(ProfileFactory())
    r = outsider.post(f"/projects/{project.slug}/updates", {"body": "Hi"})
    assert r.status_code == 403
    assert "You must be a project owner or member to post updates" in r.get_data(as_text=True)
    assert "Post update" not in outsider.get(f"/projects/{project.slug}").get_data(as_text=True)


def test_bad_input_is_shown_next_to_the_field_htmx_and_plain(login, db_session):
    project = ProjectFactory()
    me = login(project.owner)
    r = me.post(f"/projects/{project.slug}/updates", {"body": "   ", "link_url": "example.com"},
                htmx=True, headers={"HX-Target": "updates"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and body.lstrip().startswith('<section id="updates"')
    assert "Update is required" in body and "Invalid URL" in body
    r = me.post(f"/projects/{project.slug}/updates", {"body": "x" * 281})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "Update must be at most 280 characters" in body
    assert "x" * 281 in body  # nothing typed is lost
    r = me.post(f"/projects/{project.slug}/updates",
                {"body": "Look", "image": (io.BytesIO(png(40, 40)), "a.png")},
                content_type="multipart/form-data")
    assert r.status_code == 422 and "Image description is required" in r.get_data(as_text=True)
    r = me.post(f"/projects/{project.slug}/updates",
                {"body": "Look", "image_description": "A red box",
                 "image": (io.BytesIO(b"not an image"), "a.png")},
                content_type="multipart/form-data")
    assert r.status_code == 422 and "Upload a JPEG, PNG, WebP or GIF image" in r.get_data(as_text=True)
    assert db_session.scalar(select(Post.id)) is None


def test_an_image_is_reencoded_and_served_while_visible(login, client, db_session):
    project = ProjectFactory()
    me = login(project.owner)
    r = me.post(f"/projects/{project.slug}/updates",
                {"body": "New header", "image_description": "The new red header",
                 "image": (io.BytesIO(png()), "a.png")},
                content_type="multipart/form-data", htmx=True,
                headers={"HX-Target": "updates"})
    assert r.status_code == 200 and "New header" in r.get_data(as_text=True)
    image = db_session.scalars(select(PostImage)).one()
    data = storage.read(db_session, key=image.storage_key, inline=image.data)
    assert (image.width, image.height) == (1600, 800) and data[8:12] == b"WEBP"
    assert len(data) == image.size <= 512 * 1024
    url = f"/post-images/{image.post_id}/{image.hash}"
    assert f'src="{url}" alt="The new red header"' in r.get_data(as_text=True)
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.data == data
    assert "immutable" in served.headers["Cache-Control"]
    assert client.get(f"/post-images/{image.post_id}/0000").status_code == 404
    db_session.get(Post, image.post_id).hidden_at = utcnow()
    db_session.flush()
    assert client.get(url).status_code == 404


def test_posting_about_a_tool_needs_an_account(login, client, db_session):
    tool = AiToolFactory(name="Claude Code")
    r = client.post(f"/tools/{tool.slug}/posts", {"body": "Great"})
    assert r.status_code in (302, 303) and "/sign-in" in r.headers["Location"]
    me = login(ProfileFactory())
    assert "Post</button>" in me.get(f"/tools/{tool.slug}").get_data(as_text=True)
    r = me.post(f"/tools/{tool.slug}/posts", {"body": "Great for refactors"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/tools/{tool.slug}#updates")
    page = client.get(f"/tools/{tool.slug}").get_data(as_text=True)
    assert "Great for refactors" in page and "All posts" in page and "about <a" in page


def test_post_limits_gap_then_daily_with_retry_after(login, db_session):
    project = ProjectFactory()
    me = login(project.owner)
    assert me.post(f"/projects/{project.slug}/updates", {"body": "one"}).status_code == 303
    r = me.post(f"/projects/{project.slug}/updates", {"body": "two"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 10
    assert "Please wait a few seconds before posting again." in r.get_data(as_text=True)
    for i in range(19):
        make_post(db_session, project=project, ago=timedelta(hours=2, minutes=i))
    db_session.execute(Post.__table__.update().values(created_at=utcnow() - timedelta(hours=1)))
    r = me.post(f"/projects/{project.slug}/updates", {"body": "twenty-one"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3600 * 22
    assert "You can create up to 20 posts per day. Please try again later." in r.get_data(as_text=True)


def test_feed_pages_by_keyset_with_htmx_append(client, db_session):
    project = ProjectFactory()
    posts = [make_post(db_session, project=project, body=f"Post {i}", ago=timedelta(minutes=i))
             for i in range(25)]
    hidden = make_post(db_session, project=project, body="Hidden one", hidden_at=utcnow())
    deleted = make_post(db_session, project=project, body="Deleted one", deleted_at=utcnow())
    banned = make_post(db_session, tool=AiToolFactory(), body="By banned",
                       author=ProfileFactory(banned_at=utcnow()))
    first = client.get("/feed").get_data(as_text=True)
    assert card_ids(first) == [str(p.id) for p in posts[:20]]
    more = re.search(r'hx-get="\?before=([^"]+)"', first).group(1)
    r = client.hx_get(f"/feed?before={more}", target="older-posts")
    body = r.get_data(as_text=True)
    assert card_ids(body) == [str(p.id) for p in posts[20:]] and "<html" not in body
    assert "Older posts" not in body
    for gone in (hidden, deleted, banned):
        assert str(gone.id) not in first + body
    assert client.get("/feed?before=junk").status_code == 404
    assert client.get("/feed?before=12.zz").status_code == 404
    page = client.get(f"/projects/{project.slug}/updates").get_data(as_text=True)
    assert len(card_ids(page)) == 20
    project_page = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert card_ids(project_page)[:5] == [str(p.id) for p in posts[:5]]
    activity = client.get(f"/profiles/{project.owner.username}").get_data(as_text=True)
    assert "All activity" in activity and len(card_ids(activity)) == 5
    assert len(card_ids(client.get(
        f"/profiles/{project.owner.username}/activity").get_data(as_text=True))) == 20


def test_hidden_project_takes_its_posts_out_of_the_feed(client, db_session):
    project = ProjectFactory(hidden_at=utcnow())
    post = make_post(db_session, project=project)
    assert str(post.id) not in client.get("/feed").get_data(as_text=True)
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_edit_within_15_minutes_by_the_author_only(login, db_session):
    project = ProjectFactory()
    post = make_post(db_session, project=project, ago=timedelta(minutes=5))
    me = login(project.owner)
    r = me.hx_get(f"/posts/{post.id}/edit", target=f"post-{post.id}")
    assert r.status_code == 200 and "Save update" in r.get_data(as_text=True)
    r = me.post(f"/posts/{post.id}/edit", {"body": ""}, htmx=True,
                headers={"HX-Target": f"post-{post.id}"})
    assert r.status_code == 422 and "Update is required" in r.get_data(as_text=True)
    r = me.post(f"/posts/{post.id}/edit", {"body": "Fixed typo", "link_url": "https://Example.com/x"},
                htmx=True, headers={"HX-Target": f"post-{post.id}"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Fixed typo" in body and ">edited<" in body
    assert ">example.com</a>" in body
    other = login(ProfileFactory())
    r = other.post(f"/posts/{post.id}/edit", {"body": "Mine now"})
    assert r.status_code == 403 and "Only the author can edit this" in r.get_data(as_text=True)
    post.created_at = utcnow() - timedelta(minutes=16)
    db_session.flush()
    r = me.post(f"/posts/{post.id}/edit", {"body": "Too late"})
    assert r.status_code == 409 and "The 15-minute edit window has passed." in r.get_data(as_text=True)


def test_delete_by_author_or_project_owner_confirmed(login, client, db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    post = make_post(db_session, project=project, author=member)
    stranger = login(ProfileFactory())
    r = stranger.post(f"/posts/{post.id}/delete", {"confirm": "yes"})
    assert r.status_code == 403
    assert "Only the author or the project owner can delete this update" in r.get_data(as_text=True)
    owner = login(project.owner)
    r = owner.post(f"/posts/{post.id}/delete")
    assert r.status_code == 422 and "Tick the box to confirm" in r.get_data(as_text=True)
    r = owner.post(f"/posts/{post.id}/delete", htmx=True, headers={"HX-Target": f"post-{post.id}"})
    assert r.status_code == 200 and "Update deleted." in r.get_data(as_text=True)
    assert db_session.get(Post, post.id).deleted_at is not None
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_moderators_hide_and_unhide_inline_audited(login, client, db_session):
    tool = AiToolFactory()
    post = make_post(db_session, tool=tool, body="Spammy")
    author = login(db_session.get(type(ProfileFactory()), post.author_id))
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/moderation/posts/{post.id}/hide", htmx=True,
                 headers={"HX-Target": f"post-{post.id}"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and ">Hidden<" in body and "Unhide update" in body
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert ">Hidden<" in author.get(f"/posts/{post.id}").get_data(as_text=True)
    r = mod.post(f"/moderation/posts/{post.id}/hide", {"confirm": "yes"})
    assert r.status_code == 409 and "Update is already hidden" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/posts/{post.id}/unhide")
    assert r.status_code == 303
    r = mod.post(f"/moderation/posts/{post.id}/unhide")
    assert r.status_code == 409 and "Update is not hidden" in r.get_data(as_text=True)
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()
    assert [a.action for a in rows] == ["hide_post", "unhide_post"]
    assert rows[0].meta == {"post_id": str(post.id), "tool_id": str(tool.id)}
    assert rows[0].target_profile_id == post.author_id
    assert login(ProfileFactory()).post(f"/moderation/posts/{post.id}/hide").status_code == 403


class _Markup(HTMLParser):
    """Collects what would run: script elements, on* handlers, non-http(s) links."""

    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src") and value and
                                         value.strip().lower().startswith(
                                             ("javascript:", "data:", "vbscript:"))):
                self.bad.append(f"{tag} {name}={value}")


def inside(html, start, end):
    return html[html.index(start):html.index(end, html.index(start))]


@pytest.mark.parametrize("payload", PAYLOADS + URL_PAYLOADS)
def test_xss_corpus_through_update_link_and_description(login, client, db_session, payload):
    """Every payload in Update, Link and Image description is refused or shown inert."""
    project = ProjectFactory()
    me = login(project.owner)
    r = me.post(f"/projects/{project.slug}/updates",
                {"body": payload, "link_url": "", "image_description": payload,
                 "image": (io.BytesIO(png(20, 20)), "a.png")},
                content_type="multipart/form-data")
    assert r.status_code in (303, 422)
    me.post(f"/projects/{project.slug}/updates", {"body": "Link", "link_url": payload})
    for post in db_session.scalars(select(Post)).all():
        for html in (client.get(f"/posts/{post.id}").get_data(as_text=True),
                     client.get("/feed").get_data(as_text=True)):
            parser = _Markup()
            parser.feed(inside(html, '<article id="post-', "</article>"))
            assert parser.bad == [] and TEMPLATE_MARK not in html


def test_merging_a_tool_moves_its_posts(login, client, db_session):
    source, target = AiToolFactory(name="Dupe"), AiToolFactory(name="Keeper")
    post = make_post(db_session, tool=source)
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/moderation/tools/{source.id}/merge", {"into": "keeper", "confirm": "yes"})
    assert r.status_code == 303
    db_session.refresh(post)
    assert post.tool_id == target.id
    assert str(post.id) in client.get(f"/tools/{target.slug}/posts").get_data(as_text=True)


def test_sitemap_lists_visible_posts_only(client, db_session):
    project = ProjectFactory()
    shown = make_post(db_session, project=project)
    hidden = make_post(db_session, project=project, hidden_at=utcnow())
    index = client.get("/sitemap.xml").get_data(as_text=True)
    chunk = re.search(r"<loc>http://[^/]+(/sitemap-posts-1\.xml[^<]*)</loc>", index).group(1)
    xml = client.get(chunk.replace("&amp;", "&")).get_data(as_text=True)
    assert f"/posts/{shown.id}</loc>" in xml and str(hidden.id) not in xml
