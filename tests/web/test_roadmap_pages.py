"""The roadmap through the Flask test client (docs/rules.md "Roadmap"): submitting,
visibility, triage, upvotes, comments, the views, refusals and budgets."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import FeatureBoardStatus as S
from buildstory.notifications.models import Notification
from buildstory.roadmap.models import FeatureBoardComment, FeatureBoardItem, FeatureBoardUpvote
from tests.factories import ProfileFactory
from tests.querycount import count_queries
from tests.roadmap_helpers import make_category, make_comment, make_idea


def _item(db_session, slug):
    db_session.expire_all()
    return db_session.scalar(select(FeatureBoardItem).where(FeatureBoardItem.slug == slug))


def test_submitting_an_idea_puts_it_in_the_inbox_with_the_authors_upvote(db_session, login):
    author = ProfileFactory()
    c = login(author)
    r = c.post("/roadmap/new", {"title": "Dark mode for the feed!", "description": "Please"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/roadmap/dark-mode-for-the-feed")
    item = _item(db_session, "dark-mode-for-the-feed")
    assert item.status == S.inbox and item.upvote_count == 1
    assert db_session.scalar(select(func.count()).select_from(FeatureBoardUpvote)
                             .where(FeatureBoardUpvote.item_id == item.id)) == 1
    page = c.get("/roadmap/dark-mode-for-the-feed").get_data(as_text=True)
    assert "Waiting for review" in page


def test_a_second_idea_with_one_title_gets_the_next_slug(db_session, login):
    c = login(ProfileFactory())
    make_idea(db_session, ProfileFactory(), title="New")
    db_session.commit()
    r = c.post("/roadmap/new", {"title": "New"})
    assert r.headers["Location"].endswith("/roadmap/new-3")  # "new" itself is never a slug


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("form,field,message", [
    ({"title": "  "}, "title", "Title is required"),
    ({"title": "x" * 201}, "title", "Title must be at most 200 characters"),
    ({"title": "Ok", "category": "nope"}, "category", "Choose a category from the list"),
    ({"title": "Ok", "description": "d" * 5001}, "description",
     "Description must be at most 5000 characters")])
def test_bad_idea_is_422_with_the_message_and_keeps_input(db_session, login, htmx, form, field,
                                                          message):
    c = login(ProfileFactory())
    r = c.post("/roadmap/new", form, htmx=htmx,
               headers={"HX-Target": "idea-form"} if htmx else None)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and message in html
    if htmx:
        assert html.lstrip().startswith('<form id="idea-form"')
    assert db_session.scalar(select(func.count()).select_from(FeatureBoardItem)) == 0


def test_idea_limit_is_a_429_with_the_message(db_session, login, app):
    c = login(ProfileFactory())
    app.config["RATELIMIT_ENABLED"] = True
    assert c.post("/roadmap/new", {"title": "One"}).status_code == 303
    r = c.post("/roadmap/new", {"title": "Two"})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "Please wait a minute before submitting another idea." in r.get_data(as_text=True)


def test_inbox_closed_archived_are_404_for_others_and_visible_to_triagers(db_session, login,
                                                                          client):
    author = ProfileFactory()
    ideas = {s: make_idea(db_session, author, status=s, title=f"Hidden {s.value}")
             for s in (S.inbox, S.closed, S.archived)}
    db_session.commit()
    other, mod = login(ProfileFactory()), login(ProfileFactory(moderator=True))
    for s, item in ideas.items():
        assert client.get(f"/roadmap/{item.slug}").status_code == 404
        assert other.get(f"/roadmap/{item.slug}").status_code == 404
        assert mod.get(f"/roadmap/{item.slug}").status_code == 200
    assert login(author).get(f"/roadmap/{ideas[S.inbox].slug}").status_code == 200
    assert login(author).get(f"/roadmap/{ideas[S.closed].slug}").status_code == 404
    board = other.get("/roadmap").get_data(as_text=True)
    listing = other.get("/roadmap?view=list&q=hidden").get_data(as_text=True)
    for item in ideas.values():
        assert item.title not in board and item.title not in listing
    triage_board = mod.get("/roadmap").get_data(as_text=True)
    assert all(item.title in triage_board for item in ideas.values())


def test_board_columns_with_all_n_link(db_session, client):
    author = ProfileFactory()
    for i in range(52):
        make_idea(db_session, author, status=S.now, title=f"Now idea {i:02d}")
    make_idea(db_session, author, status=S.shipped, title="Shipped thing")
    db_session.commit()
    html = client.get("/roadmap").get_data(as_text=True)
    for name in ("Now", "Next", "Exploring", "Shipped"):
        assert f">{name} <span" in html
    assert "Inbox" not in html
    assert html.count('class="card roadmap-card"') == 51
    assert 'href="/roadmap?view=list&amp;status=now">All 52</a>' in html


def test_upvote_toggle_uses_intended_state(db_session, login):
    item = make_idea(db_session, ProfileFactory(), title="Upvote me")
    db_session.commit()
    c = login(ProfileFactory())
    for _ in range(2):
        r = c.post(f"/roadmap/{item.slug}/upvote", {"state": "on"}, htmx=True,
                   headers={"HX-Target": f"upvote-{item.id}"})
        assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'id="upvote-{item.id}"' in html and 'aria-pressed="true"' in html
    assert '<span class="upvote-count">2</span>' in html
    assert _item(db_session, item.slug).upvote_count == 2
    r = c.post(f"/roadmap/{item.slug}/upvote", {"state": "off"})
    assert r.status_code == 303
    assert _item(db_session, item.slug).upvote_count == 1
    r = c.post(f"/roadmap/{item.slug}/upvote", {"state": "maybe"}, htmx=True,
               headers={"HX-Target": f"upvote-{item.id}"})
    assert r.status_code == 422 and "Choose on or off" in r.get_data(as_text=True)


def test_triager_ships_an_idea_audited_notifies_author_and_sets_shipped_at(db_session, login):
    author = ProfileFactory()
    item = make_idea(db_session, author, status=S.now, title="Ship it")
    db_session.commit()
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/roadmap/{item.slug}/edit", {"title": "Ship it", "status": "shipped",
                                                "internal_notes": "done"})
    assert r.status_code == 303
    item = _item(db_session, item.slug)
    assert item.status == S.shipped and item.shipped_at is not None
    log = db_session.scalar(select(AuditLog).where(AuditLog.action == "triage_roadmap_item"))
    assert log.meta["changes"]["status"] == {"from": "now", "to": "shipped"}
    note = db_session.scalar(select(Notification).where(Notification.recipient_id == author.id))
    assert note.type.value == "roadmap_shipped"
    r = mod.post(f"/roadmap/{item.slug}/edit", {"title": "Ship it", "status": "now"})
    assert _item(db_session, item.slug).shipped_at is None
    r = mod.post(f"/roadmap/{item.slug}/edit", {"title": "Ship it", "status": "bogus"})
    assert r.status_code == 422 and "Choose a status from the list" in r.get_data(as_text=True)


def test_author_edits_within_15_minutes_only(db_session, login):
    author = ProfileFactory()
    fresh = make_idea(db_session, author, status=S.inbox, age=timedelta(minutes=5))
    old = make_idea(db_session, author, status=S.inbox, age=timedelta(minutes=16))
    db_session.commit()
    c = login(author)
    assert c.post(f"/roadmap/{fresh.slug}/edit", {"title": "Better"}).status_code == 303
    r = c.post(f"/roadmap/{old.slug}/edit", {"title": "Better"})
    assert r.status_code == 409 and "The 15-minute edit window has passed." in r.get_data(as_text=True)
    other = login(ProfileFactory())
    visible = make_idea(db_session, author, status=S.next, age=timedelta(minutes=1))
    db_session.commit()
    r = other.post(f"/roadmap/{visible.slug}/edit", {"title": "Mine now"})
    assert r.status_code == 403 and "Only the author can edit this" in r.get_data(as_text=True)


def test_author_deletes_only_while_in_inbox(db_session, login):
    author = ProfileFactory()
    waiting = make_idea(db_session, author, status=S.inbox)
    public = make_idea(db_session, author, status=S.next)
    db_session.commit()
    c = login(author)
    r = c.post(f"/roadmap/{public.slug}/delete", {"confirm": "yes"})
    assert r.status_code == 409
    assert "Ideas can only be deleted while waiting for review" in r.get_data(as_text=True)
    assert c.post(f"/roadmap/{waiting.slug}/delete").status_code == 422  # not confirmed
    assert c.post(f"/roadmap/{waiting.slug}/delete", {"confirm": "yes"}).status_code == 303
    assert _item(db_session, waiting.slug) is None
    mod = login(ProfileFactory(moderator=True))
    assert mod.post(f"/roadmap/{public.slug}/delete", {"confirm": "yes"}).status_code == 303
    assert db_session.scalar(select(AuditLog).where(AuditLog.action == "delete_roadmap_item"))


def test_comment_reply_and_refusals(db_session, login):
    author = ProfileFactory()
    item = make_idea(db_session, author, title="Talk about it")
    other_item = make_idea(db_session, author, title="Elsewhere")
    db_session.commit()
    commenter = ProfileFactory()
    c = login(commenter)
    r = c.post(f"/roadmap/{item.slug}/comments", {"body": "Yes **please**"}, htmx=True,
               headers={"HX-Target": "idea-comments"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<section class="comments" id="idea-comments"')
    assert "<strong>please</strong>" in html
    top = db_session.scalar(select(FeatureBoardComment).where(FeatureBoardComment.item_id == item.id))
    note = db_session.scalar(select(Notification).where(Notification.recipient_id == author.id))
    assert note.type.value == "comment_reply"
    replier = login(ProfileFactory())
    assert replier.post(f"/roadmap/{item.slug}/comments",
                        {"body": "Agreed", "parent": str(top.id)}).status_code == 303
    reply = db_session.scalar(select(FeatureBoardComment).where(
        FeatureBoardComment.parent_comment_id == top.id))
    told = db_session.scalar(select(Notification).where(Notification.recipient_id == commenter.id))
    assert told.dedupe_key.startswith("comment_reply:reply:")
    r = replier.post(f"/roadmap/{item.slug}/comments", {"body": "Deeper", "parent": str(reply.id)})
    assert r.status_code == 409 and "Cannot reply to a reply" in r.get_data(as_text=True)
    r = replier.post(f"/roadmap/{other_item.slug}/comments", {"body": "x", "parent": str(top.id)})
    assert r.status_code == 404
    r = replier.post(f"/roadmap/{item.slug}/comments", {"body": " "}, htmx=True,
                     headers={"HX-Target": "idea-comments"})
    assert r.status_code == 422 and "Comment is required" in r.get_data(as_text=True)
    # The author deletes the top comment: it has a reply, so a placeholder stays.
    c.post(f"/roadmap/comments/{top.id}/delete", {"confirm": "yes"})
    page = replier.get(f"/roadmap/{item.slug}").get_data(as_text=True)
    assert "This comment was deleted" in page and "Agreed" in page
    assert _item(db_session, item.slug).comment_count == 1
    # A moderator deletes the reply: audited.
    mod = login(ProfileFactory(moderator=True))
    assert mod.post(f"/roadmap/comments/{reply.id}/delete", {"confirm": "yes"}).status_code == 303
    assert db_session.scalar(select(AuditLog).where(AuditLog.action == "delete_roadmap_comment"))
    page = replier.get(f"/roadmap/{item.slug}").get_data(as_text=True)
    assert "This comment was deleted" not in page and _item(db_session, item.slug).comment_count == 0


def test_list_view_search_sort_and_pages(db_session, client):
    author = ProfileFactory()
    for i in range(20):
        make_idea(db_session, author, title=f"Export format {i:02d}")
    make_idea(db_session, author, title="Calendar sync", upvoters=[ProfileFactory()])
    db_session.commit()
    html = client.get("/roadmap?view=list&sort=top").get_data(as_text=True)
    assert html.count('class="card roadmap-card"') == 18 and "Next</a>" in html
    assert html.index("Calendar sync") < html.index("Export format")
    short = client.get("/roadmap?view=list&q=ca").get_data(as_text=True)
    assert "Calendar sync" in short and "Export format" not in short
    trigram = client.get("/roadmap?view=list&q=endar").get_data(as_text=True)
    assert "Calendar sync" in trigram
    r = client.hx_get("/roadmap?view=list&q=export", target="roadmap-results")
    assert r.get_data(as_text=True).lstrip().startswith('<div id="roadmap-results">')
    assert client.get("/roadmap?view=list&q=" + "x" * 500).status_code == 200


def test_admin_adds_and_deletes_categories(db_session, login):
    admin = login(ProfileFactory(admin=True))
    r = admin.post("/admin/roadmap", {"name": "Editor", "colour": "teal"})
    assert r.status_code == 200 and "Category Editor added" in r.get_data(as_text=True)
    r = admin.post("/admin/roadmap", {"name": "editor", "colour": "pink"})
    assert r.status_code == 422 and "A category with this name already exists" in r.get_data(as_text=True)
    r = admin.post("/admin/roadmap", {"name": "Other", "colour": "mauve"})
    assert r.status_code == 422 and "Choose a colour from the list" in r.get_data(as_text=True)
    from buildstory.roadmap.models import FeatureBoardCategory
    cat = db_session.scalar(select(FeatureBoardCategory))
    item = make_idea(db_session, ProfileFactory(), category=cat)
    db_session.commit()
    assert admin.post("/admin/roadmap", {"delete": str(cat.id)}).status_code == 422
    r = admin.post("/admin/roadmap", {"delete": str(cat.id), "confirm": "yes"})
    assert r.status_code == 200 and "Category Editor deleted" in r.get_data(as_text=True)
    assert _item(db_session, item.slug).category_id is None
    actions = set(db_session.scalars(select(AuditLog.action)))
    assert {"create_roadmap_category", "delete_roadmap_category"} <= actions
    assert login(ProfileFactory(moderator=True)).get("/admin/roadmap").status_code == 403


def _grow(db_session, n, idea, voters):
    from buildstory.roadmap import leaderboard
    from tests.factories import utcnow
    for i in range(n):
        who = ProfileFactory()
        for status in (S.now, S.next, S.exploring, S.shipped, S.inbox):
            other = make_idea(db_session, who, status=status)
            make_comment(db_session, other, who)
        make_comment(db_session, idea, who, body=f"Grown {i}")
        make_category(db_session, name=f"Grown {who.id.hex[:8]}")
    leaderboard.refresh(db_session, now=utcnow())
    db_session.commit()


def test_roadmap_pages_budgets_equal_at_ten_times_the_data(app, db_session, login, client):
    author = ProfileFactory()
    idea = make_idea(db_session, author, title="Counted", status=S.now)
    top = make_comment(db_session, idea, author)
    make_comment(db_session, idea, ProfileFactory(), parent=top)
    db_session.commit()
    viewer, mod = login(ProfileFactory()), login(ProfileFactory(moderator=True))
    pages = [(viewer, "/roadmap"), (mod, "/roadmap"), (client, "/roadmap"),
             (viewer, "/roadmap?view=list&sort=top"), (viewer, "/roadmap?view=list&sort=new&q=co"),
             (viewer, "/roadmap?view=list&q=counted"), (viewer, "/roadmap?view=contributors"),
             (viewer, "/roadmap?view=contributors&period=month"), (viewer, f"/roadmap/{idea.slug}"),
             (mod, f"/roadmap/{idea.slug}")]

    def measure():
        counts = []
        for c, url in pages:
            c.get(url)
            with count_queries(app) as q:
                assert c.get(url).status_code == 200
            counts.append(q.count)
        return counts
    _grow(db_session, 2, idea, [])
    small = measure()
    _grow(db_session, 18, idea, [])
    large = measure()
    print("\n" + "\n".join(f"  {n} statements  {u}" for (_, u), n in zip(pages, large)))
    assert small == large and max(small) <= 8, list(zip([u for _, u in pages], small, large))


def test_upvote_toggle_and_comment_budgets(app, db_session, login):
    author = ProfileFactory()
    idea = make_idea(db_session, author, title="Toggle budget")
    db_session.commit()
    slug, item_id = idea.slug, idea.id
    c = login(ProfileFactory())
    c.get("/roadmap")
    token = c.csrf()
    for state in ("on", "off"):
        with count_queries(app) as q:
            r = c.raw.post(f"/roadmap/{slug}/upvote", data={"state": state},
                           headers={"HX-Request": "true", "HX-Target": f"upvote-{item_id}",
                                    "X-CSRF-Token": token})
        print(f"\n  {q.count} statements  upvote {state}")
        assert r.status_code == 200 and q.count <= 6, (state, q.count)
    with count_queries(app) as q:
        r = c.raw.post(f"/roadmap/{slug}/comments", data={"body": "Budget"},
                       headers={"HX-Request": "true", "HX-Target": "idea-comments",
                                "X-CSRF-Token": token})
    assert r.status_code == 200
    # the write, the counter, the notification and its email, and the section re-rendered
    print(f"\n  {q.count} statements  comment")
    assert q.count <= 8, q.count
    # a reply by someone else: the parent comes with the idea's checks, so the same budget
    parent_id = str(db_session.scalars(select(FeatureBoardComment.id)
                                       .where(FeatureBoardComment.body == "Budget")).one())
    other = login(ProfileFactory())
    other.get("/roadmap")
    other_token = other.csrf()
    with count_queries(app) as q:
        r = other.raw.post(f"/roadmap/{slug}/comments", data={"body": "Reply", "parent": parent_id},
                           headers={"HX-Request": "true", "HX-Target": "idea-comments",
                                    "X-CSRF-Token": other_token})
    assert r.status_code == 200 and "Reply" in r.get_data(as_text=True)
    print(f"\n  {q.count} statements  reply")
    assert q.count <= 8, q.count


def test_sitemap_lists_public_ideas_only(db_session, client):
    public = make_idea(db_session, ProfileFactory(), status=S.next, title="Public idea")
    waiting = make_idea(db_session, ProfileFactory(), status=S.inbox, title="Waiting idea")
    db_session.commit()
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/sitemap-ideas-1.xml" in index
    chunk = client.get("/sitemap-ideas-1.xml").get_data(as_text=True)
    assert f"/roadmap/{public.slug}</loc>" in chunk and waiting.slug not in chunk


def test_notification_links_and_sentences_for_the_roadmap(db_session, login):
    author = ProfileFactory()
    idea = make_idea(db_session, author, title="Linked idea")
    db_session.commit()
    login(ProfileFactory(display_name="Cy Commenter")).post(
        f"/roadmap/{idea.slug}/comments", {"body": "First"})
    login(ProfileFactory(display_name="Di Commenter")).post(
        f"/roadmap/{idea.slug}/comments", {"body": "Second"})
    c = login(author)
    html = c.get("/notifications").get_data(as_text=True)
    assert "Di Commenter and 1 other commented on Linked idea" in html
    note = db_session.scalar(select(Notification).where(Notification.recipient_id == author.id))
    r = c.post(f"/notifications/{note.id}/open")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/roadmap/{idea.slug}")


def test_htmx_delete_swaps_the_comments_own_region(db_session, login):
    author = ProfileFactory()
    item = make_idea(db_session, author, title="Regions")
    top = make_comment(db_session, item, author, body="Top words")
    reply = make_comment(db_session, item, ProfileFactory(), body="Reply words", parent=top)
    lonely = make_comment(db_session, item, author, body="Lonely words")
    db_session.commit()
    c = login(author)
    r = c.post(f"/roadmap/comments/{top.id}/delete", htmx=True,
               headers={"HX-Target": f"idea-comment-{top.id}"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith(f'<li class="comment" id="idea-comment-{top.id}"')
    assert "This comment was deleted" in html and "Reply words" in html and "Top words" not in html
    r = c.post(f"/roadmap/comments/{lonely.id}/delete", htmx=True,
               headers={"HX-Target": f"idea-comment-{lonely.id}"})
    assert r.get_data(as_text=True).strip() == f'<li id="idea-comment-{lonely.id}" hidden></li>'
    assert _item(db_session, item.slug).comment_count == 1


def test_a_mention_in_a_roadmap_comment_notifies_and_links_to_the_idea(db_session, login):
    named = ProfileFactory(username="rm-named")
    item = make_idea(db_session, ProfileFactory(), title="Mention me")
    db_session.commit()
    login(ProfileFactory(display_name="Ed Mentioner")).post(
        f"/roadmap/{item.slug}/comments", {"body": "What do you think, @RM-named?"})
    c = login(named)
    assert "Ed Mentioner mentioned you in Mention me" in c.get("/notifications").get_data(as_text=True)
    note = db_session.scalar(select(Notification).where(Notification.recipient_id == named.id))
    assert c.post(f"/notifications/{note.id}/open").headers["Location"].endswith(f"/roadmap/{item.slug}")
