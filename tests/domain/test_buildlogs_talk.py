"""Comments, reactions and mentions on build logs (docs/rules.md "Comments and reactions"):
the services on a real database, counters against count(*)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.buildlogs import comments, counters, reactions
from buildstory.buildlogs.models import Post, PostComment, RateEvent, Reaction
from buildstory.enums import NotificationType, PostContextType
from buildstory.errors import Conflict, Forbidden, NotFound, ValidationFailed
from buildstory.models import Notification
from buildstory.moderation import services as moderation
from buildstory.ratelimits import RateLimited
from tests.factories import ProfileFactory, ProjectFactory, utcnow


def make_post(session, author=None, project=None):
    project = project or ProjectFactory(**({"owner": author} if author else {}))
    post = Post(author_id=project.owner.id, context_type=PostContextType.project,
                project_id=project.id, body="Shipped the login page")
    session.add(post)
    session.flush()
    return post


def comment_on(session, post, author, body="Nice work", at=None):
    return comments.add_comment(session, post, author, body, now=at or utcnow(),
                                limit_enabled=False)


def visible_count(session, post_id):
    return session.scalar(select(func.count()).select_from(PostComment).join(
        ProfileFactory._meta.model, ProfileFactory._meta.model.id == PostComment.author_id).where(
        PostComment.post_id == post_id, PostComment.deleted_at.is_(None),
        PostComment.hidden_at.is_(None), ProfileFactory._meta.model.hidden_at.is_(None),
        ProfileFactory._meta.model.banned_at.is_(None)))


def notes(session, type=None):
    stmt = select(Notification).order_by(Notification.created_at)
    if type:
        stmt = stmt.where(Notification.type == type)
    return session.scalars(stmt).all()


@pytest.mark.parametrize("body,message", [("", "Comment is required"),
                                          ("   ", "Comment is required"),
                                          ("x" * 281, "Comment must be at most 280 characters")])
def test_a_comment_needs_1_to_280_characters(db_session, body, message):
    post = make_post(db_session)
    with pytest.raises(ValidationFailed) as exc:
        comment_on(db_session, post, ProfileFactory(), body)
    assert exc.value.errors == {"body": message}
    assert db_session.scalar(select(func.count()).select_from(PostComment)) == 0


def test_commenting_counts_and_notifies_the_author_grouped_per_post(db_session):
    post = make_post(db_session)
    ann, bob, cat = ProfileFactory(display_name="Ann"), ProfileFactory(display_name="Bob"), \
        ProfileFactory(display_name="Cat")
    comment_on(db_session, post, ann)
    comment_on(db_session, post, bob)
    comment_on(db_session, post, cat)
    db_session.refresh(post)
    assert post.comment_count == 3
    [note] = notes(db_session, NotificationType.post_comment)
    assert note.recipient_id == post.author_id and note.count == 3
    assert note.actor_name == "Cat" and note.subject_id == post.id
    from buildstory.notifications import registry
    shown = registry.Shown(type=note.type, title=note.title, actor="Cat", count=note.count)
    assert registry.sentence(shown) == \
        f"Cat and 2 others commented on your update in {note.title}"


def test_the_post_author_commenting_notifies_nobody(db_session):
    post = make_post(db_session)
    author = db_session.get(ProfileFactory._meta.model, post.author_id)
    comment_on(db_session, post, author)
    assert notes(db_session) == []


def test_mentions_notify_visible_named_builders_once_per_person_per_action(db_session):
    post = make_post(db_session)
    owner = db_session.get(ProfileFactory._meta.model, post.author_id)
    ann = ProfileFactory(username="ann-b")
    hidden = ProfileFactory(username="ghost", hidden_at=utcnow())
    writer = ProfileFactory()
    comment_on(db_session, post, writer,
               f"@Ann-B and @{owner.username} and @ghost, mail me@ann-b.com @nobody-here")
    mentions_ = notes(db_session, NotificationType.mention)
    assert [n.recipient_id for n in mentions_] == [ann.id]  # the owner got post_comment
    assert [n.recipient_id for n in notes(db_session, NotificationType.post_comment)] == [owner.id]
    assert hidden.id not in {n.recipient_id for n in notes(db_session)}


def test_an_edit_notifies_only_newly_named_builders(db_session):
    post = make_post(db_session)
    ann, bob, writer = ProfileFactory(username="ann"), ProfileFactory(username="bob"), \
        ProfileFactory()
    now = utcnow()
    comment = comment_on(db_session, post, writer, "hi @ann", at=now)
    comments.edit_comment(db_session, comment, writer, "hi @ann and @bob",
                          now=now + timedelta(minutes=1))
    assert sorted(n.recipient_id for n in notes(db_session, NotificationType.mention)) == \
        sorted([ann.id, bob.id])
    assert comment.edited_at is not None and comment.body == "hi @ann and @bob"


def test_at_most_ten_builders_are_notified_per_text(db_session):
    post = make_post(db_session)
    names = [ProfileFactory(username=f"mate{i:02d}").username for i in range(12)]
    comment_on(db_session, post, ProfileFactory(), " ".join(f"@{n}" for n in names))
    assert len(notes(db_session, NotificationType.mention)) == 10


def test_a_hidden_or_banned_builder_notifies_nobody_and_is_not_counted(db_session):
    post = make_post(db_session)
    quiet = ProfileFactory(hidden_at=utcnow(), username="quiet")
    comment_on(db_session, post, quiet, "@someone hello")
    db_session.refresh(post)
    assert notes(db_session) == [] and post.comment_count == 0


def test_only_the_author_edits_within_15_minutes(db_session):
    post = make_post(db_session)
    writer, other = ProfileFactory(), ProfileFactory()
    now = utcnow()
    comment = comment_on(db_session, post, writer, at=now)
    with pytest.raises(Forbidden, match="^Only the author can edit this$"):
        comments.edit_comment(db_session, comment, other, "mine now", now=now)
    with pytest.raises(Conflict, match="^The 15-minute edit window has passed.$"):
        comments.edit_comment(db_session, comment, writer, "late",
                              now=now + timedelta(minutes=15, seconds=1))
    assert comment.body == "Nice work"


def test_delete_by_the_author_only_and_the_count_drops(db_session):
    post = make_post(db_session)
    writer, other = ProfileFactory(), ProfileFactory()
    comment = comment_on(db_session, post, writer)
    with pytest.raises(Forbidden, match="^Only the author can delete this comment$"):
        comments.delete_comment(db_session, comment, other, now=utcnow())
    comments.delete_comment(db_session, comment, writer, now=utcnow())
    db_session.refresh(post)
    assert post.comment_count == 0 and comment.deleted_at is not None
    assert notes(db_session) == []  # the comment took its notification with it


def test_hide_and_unhide_are_audited_and_move_the_count(db_session):
    post = make_post(db_session)
    writer, mod = ProfileFactory(), ProfileFactory(role="moderator")
    comment = comment_on(db_session, post, writer)
    comments.hide_comment(db_session, mod, comment, now=utcnow())
    db_session.refresh(post)
    assert post.comment_count == 0
    with pytest.raises(Conflict, match="^Comment is already hidden$"):
        comments.hide_comment(db_session, mod, comment, now=utcnow())
    comments.unhide_comment(db_session, mod, comment)
    with pytest.raises(Conflict, match="^Comment is not hidden$"):
        comments.unhide_comment(db_session, mod, comment)
    db_session.refresh(post)
    assert post.comment_count == 1
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()
    assert [r.action for r in rows] == ["hide_comment", "unhide_comment"]
    assert rows[0].meta == {"comment_id": str(comment.id), "post_id": str(post.id)}
    assert rows[0].target_profile_id == writer.id


def test_comment_limits_gap_and_daily(db_session):
    post = make_post(db_session)
    writer = ProfileFactory()
    now = utcnow()
    comments.add_comment(db_session, post, writer, "one", now=now)
    with pytest.raises(RateLimited) as exc:
        comments.add_comment(db_session, post, writer, "two", now=now + timedelta(seconds=5))
    assert exc.value.message == "Please wait a few seconds before commenting again."
    for i in range(1, 30):
        comments.add_comment(db_session, post, writer, f"c{i}", now=now + timedelta(minutes=i))
    with pytest.raises(RateLimited) as exc:
        comments.add_comment(db_session, post, writer, "too many", now=now + timedelta(hours=2))
    assert exc.value.message == "You can post up to 30 comments per day. Please try again later."


def test_reactions_set_the_intended_state_and_move_the_counter(db_session):
    post = make_post(db_session)
    ann = ProfileFactory()
    now = utcnow()
    assert reactions.react(db_session, ann, "post", post.id, "fire", True, now=now).count == 1
    assert not reactions.react(db_session, ann, "post", post.id, "fire", True, now=now).changed
    reactions.react(db_session, ann, "post", post.id, "rocket", True, now=now)
    db_session.refresh(post)
    assert (post.fire_count, post.rocket_count) == (1, 1)
    assert reactions.react(db_session, ann, "post", post.id, "fire", False, now=now).count == 0
    assert not reactions.react(db_session, ann, "post", post.id, "fire", False, now=now).changed
    db_session.refresh(post)
    assert post.fire_count == 0
    assert db_session.scalar(select(func.count()).select_from(RateEvent)) == 2
    assert reactions.viewer_reactions(db_session, ann, post_ids=[post.id]) == \
        {("post", post.id, "rocket")}


def test_reactions_on_comments(db_session):
    post = make_post(db_session)
    comment = comment_on(db_session, post, ProfileFactory())
    ann = ProfileFactory()
    reactions.react(db_session, ann, "comment", comment.id, "clap", True, now=utcnow())
    db_session.refresh(comment)
    assert comment.clap_count == 1
    assert reactions.viewer_reactions(db_session, ann, comment_ids=[comment.id]) == \
        {("comment", comment.id, "clap")}


def test_the_daily_reaction_limit_counts_removed_adds(db_session):
    post = make_post(db_session)
    ann = ProfileFactory()
    now = utcnow()
    for i in range(100):
        reactions.react(db_session, ann, "post", post.id, "fire", True, now=now)
        reactions.react(db_session, ann, "post", post.id, "fire", False, now=now)
    with pytest.raises(RateLimited) as exc:
        reactions.react(db_session, ann, "post", post.id, "fire", True, now=now)
    assert exc.value.message == \
        "You have reached the daily reaction limit. Please try again later."
    assert exc.value.retry_after > 0
    reactions.react(db_session, ann, "post", post.id, "fire", False, now=now)  # always allowed


def test_hiding_banning_restoring_an_author_recounts_what_they_commented_on(db_session):
    post1, post2 = make_post(db_session), make_post(db_session)
    writer, mod = ProfileFactory(), ProfileFactory(role="admin")
    for post in (post1, post2, post1):
        comment_on(db_session, post, writer, at=utcnow())
    moderation.hide_profile(db_session, mod, writer, admin_ids=frozenset(), now=utcnow())
    db_session.refresh(post1), db_session.refresh(post2)
    assert (post1.comment_count, post2.comment_count) == (0, 0)
    moderation.unhide_profile(db_session, mod, writer, admin_ids=frozenset())
    db_session.refresh(post1)
    assert post1.comment_count == 2
    moderation.ban_user(db_session, mod, writer, reason="spam", admin_ids=frozenset(),
                        now=utcnow())
    db_session.refresh(post1)
    assert post1.comment_count == 0
    moderation.unban_user(db_session, mod, writer, admin_ids=frozenset())
    db_session.refresh(post1)
    assert post1.comment_count == 2 == visible_count(db_session, post1.id)
    assert counters.mismatches(db_session) == []


def test_deleting_a_builder_moves_every_counter_they_counted_in(db_session):
    post = make_post(db_session)
    leaver, other, admin = ProfileFactory(), ProfileFactory(), ProfileFactory(role="admin")
    comment = comment_on(db_session, post, other)
    comment_on(db_session, post, leaver)
    for kind, target in (("post", post.id), ("comment", comment.id)):
        reactions.react(db_session, leaver, kind, target, "fire", True, now=utcnow())
        reactions.react(db_session, other, kind, target, "fire", True, now=utcnow())
    moderation.delete_user(db_session, admin, leaver, confirm=leaver.username,
                           admin_ids=frozenset([admin.clerk_id]), now=utcnow())
    post = db_session.get(Post, post.id)
    comment = db_session.get(PostComment, comment.id)
    assert (post.fire_count, post.comment_count, comment.fire_count) == (1, 1, 1)
    assert counters.mismatches(db_session) == []


def test_mismatches_reports_a_drifted_counter(db_session):
    post = make_post(db_session)
    db_session.execute(Post.__table__.update().values(fire_count=3))
    [line] = counters.mismatches(db_session)
    assert f"posts {post.id} fire_count: stored 3, counted 0" == line


def test_flask_counters_verify_exits_1_on_a_drifted_counter(app, db_session):
    post = make_post(db_session)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["counters", "verify"])
    assert ok.exit_code == 0 and "Every counter matches a recount." in ok.output
    db_session.execute(Post.__table__.update().values(comment_count=2))
    db_session.commit()
    bad = runner.invoke(args=["counters", "verify"])
    assert bad.exit_code == 1
    assert f"posts {post.id} comment_count: stored 2, counted 0" in bad.output
