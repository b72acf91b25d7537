"""The build-log tables refuse bad rows and follow what they belong to (docs/rules.md
"Build logs")."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from buildstory.buildlogs.models import Post, PostComment, PostImage, RateEvent, Reaction
from buildstory.enums import PostContextType, ReactionEmoji
from tests.factories import ProfileFactory, ProjectFactory
from tests.hackathon_factories import AiToolFactory


@contextmanager
def refused(session, constraint):
    with pytest.raises(IntegrityError) as caught:
        with session.begin_nested():
            yield
            session.flush()
    assert caught.value.orig.diag.constraint_name == constraint


def project_post(session, project, author=None, **kw):
    post = Post(author_id=(author or project.owner).id, context_type=PostContextType.project,
                project_id=project.id, body="Shipped the login page", **kw)
    session.add(post)
    session.flush()
    return post


def test_a_post_names_exactly_the_context_its_type_says(db_session):
    project, tool, author = ProjectFactory(), AiToolFactory(), ProfileFactory()
    with refused(db_session, "ck_posts_one_context"):
        db_session.add(Post(author_id=author.id, context_type=PostContextType.tool,
                            project_id=project.id, body="x"))
    with refused(db_session, "ck_posts_one_context"):
        db_session.add(Post(author_id=author.id, context_type=PostContextType.project,
                            project_id=project.id, tool_id=tool.id, body="x"))
    db_session.add(Post(author_id=author.id, context_type=PostContextType.tool,
                        tool_id=tool.id, body="Trying it"))
    db_session.flush()


def test_counters_never_go_below_zero_and_bodies_keep_their_length(db_session):
    post = project_post(db_session, ProjectFactory())
    with refused(db_session, "ck_posts_counts_not_negative"):
        post.comment_count = -1
    db_session.refresh(post)
    with refused(db_session, "ck_posts_body_length"):
        post.body = "x" * 281
    db_session.refresh(post)
    with refused(db_session, "ck_post_images_description_length"):
        db_session.add(PostImage(post_id=post.id, data=b"w", hash="h", width=1, height=1,
                                 description=""))


def test_a_reaction_targets_one_thing_once_per_emoji(db_session):
    post = project_post(db_session, ProjectFactory())
    fan = ProfileFactory()
    with refused(db_session, "ck_reactions_one_target"):
        db_session.add(Reaction(profile_id=fan.id, emoji=ReactionEmoji.fire))
    db_session.add(Reaction(profile_id=fan.id, post_id=post.id, emoji=ReactionEmoji.fire))
    db_session.flush()
    with refused(db_session, "uq_reactions_profile_id_post_id_emoji"):
        db_session.add(Reaction(profile_id=fan.id, post_id=post.id, emoji=ReactionEmoji.fire))
    with refused(db_session, "ck_rate_events_kind_known"):
        db_session.add(RateEvent(profile_id=fan.id, kind="post_add"))


def test_deleting_a_project_takes_its_posts_and_everything_on_them(db_session):
    project = ProjectFactory()
    post = project_post(db_session, project)
    fan = ProfileFactory()
    comment = PostComment(post_id=post.id, author_id=fan.id, body="Nice")
    db_session.add_all([comment, PostImage(post_id=post.id, data=b"w", hash="h", width=1,
                                           height=1, description="A screenshot")])
    db_session.flush()
    db_session.add_all([Reaction(profile_id=fan.id, post_id=post.id, emoji=ReactionEmoji.clap),
                        Reaction(profile_id=fan.id, comment_id=comment.id,
                                 emoji=ReactionEmoji.fire)])
    db_session.flush()
    db_session.execute(sa.delete(type(project)).where(type(project).id == project.id))
    db_session.expunge_all()
    for model in (Post, PostComment, PostImage, Reaction):
        assert db_session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_a_tool_with_posts_cannot_be_deleted(db_session):
    tool, author = AiToolFactory(), ProfileFactory()
    db_session.add(Post(author_id=author.id, context_type=PostContextType.tool, tool_id=tool.id,
                        body="Trying it"))
    db_session.flush()
    with refused(db_session, "fk_posts_tool_id_ai_tools"):
        db_session.execute(sa.delete(type(tool)).where(type(tool).id == tool.id))
