"""The build-logs part of `flask seed-demo`: updates (some with pictures, some naming a
builder) on several projects, posts about a few tools, comments and reactions — every
counter equal to its rows (`flask counters verify` exits 0), and nothing added twice."""
from sqlalchemy import func, select

import buildstory.models  # noqa: F401  (every mapper, for the relationships)

from buildstory import storage
from buildstory.buildlogs import queries
from buildstory.buildlogs.models import Post, PostComment, PostImage, Reaction
from buildstory.enums import NotificationType
from buildstory.notifications.models import Notification


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_adds_build_logs_with_exact_counters_once(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    projects = set(db_session.scalars(select(Post.project_id).where(Post.project_id.is_not(None))))
    tools = set(db_session.scalars(select(Post.tool_id).where(Post.tool_id.is_not(None))))
    assert len(projects) >= 5 and len(tools) >= 2
    images = db_session.scalars(select(PostImage)).all()
    assert len(images) >= 3 and all(i.description for i in images)
    assert all(storage.read(db_session, key=i.storage_key, inline=i.data)[8:12] == b"WEBP"
               for i in images)
    assert count(db_session, PostComment) >= 10
    assert count(db_session, Reaction, Reaction.post_id.is_not(None)) >= 30
    assert count(db_session, Reaction, Reaction.comment_id.is_not(None)) >= 1
    assert count(db_session, Post, Post.body.like("%@%")) >= 2
    assert count(db_session, Notification, Notification.type == NotificationType.mention) >= 2
    assert count(db_session, Notification, Notification.type == NotificationType.post_comment) >= 1
    # everything is visible: /feed shows a full first page and Older posts
    first = queries.feed(db_session)
    assert len(first.cards) == 20 and first.older is not None
    assert len(projects) >= 8
    verify = runner.invoke(args=["counters", "verify"])
    assert verify.exit_code == 0, verify.output
    totals = (count(db_session, Post), count(db_session, PostComment),
              count(db_session, Reaction))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert (count(db_session, Post), count(db_session, PostComment),
            count(db_session, Reaction)) == totals
