"""Build-log counters under real concurrent connections, checked against count(*)
(docs/rules.md "Comments and reactions")."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from buildstory.buildlogs import comments, counters, reactions
from buildstory.buildlogs.models import Post, PostComment, RateEvent, Reaction
from buildstory.db import db
from buildstory.enums import PostContextType
from buildstory.profiles.models import Profile
from buildstory.ratelimits import RateLimited
from tests.factories import ProfileFactory, ProjectFactory
from tests.helpers import now, outcomes, run_concurrently, setup


def _post():
    project = ProjectFactory()
    post = Post(author_id=project.owner.id, context_type=PostContextType.project,
                project_id=project.id, body="Shipped it")
    db.session.add(post)
    db.session.flush()
    return post


def _read(app, fn):
    with app.app_context():
        value = fn(db.session)
        db.session.remove()
    return value


def _fire(app, post_id):
    return _read(app, lambda s: (s.get(Post, post_id).fire_count, s.scalar(
        select(func.count()).select_from(Reaction).where(Reaction.post_id == post_id,
                                                         Reaction.emoji == "fire"))))


def _react(profile_ids, post_id, emoji="fire", on=True):
    def go(session, i):
        profile = session.get(Profile, profile_ids[i])
        return reactions.react(session, profile, "post", post_id, emoji, on, now=now())
    return go


def test_fifty_builders_react_at_once_then_all_remove(app, committed):
    post_id, ids = setup(app, lambda: (_post().id, [ProfileFactory().id for _ in range(50)]))
    oks, errors = outcomes(run_concurrently(app, _react(ids, post_id), n=50))
    assert errors == [] and _fire(app, post_id) == (50, 50)
    oks, errors = outcomes(run_concurrently(app, _react(ids, post_id, on=False), n=50))
    assert errors == [] and _fire(app, post_id) == (0, 0)


def test_one_builder_sending_on_ten_times_at_once_reacts_once(app, committed):
    post_id, ids = setup(app, lambda: (_post().id, [ProfileFactory().id]))
    oks, errors = outcomes(run_concurrently(app, _react(ids * 10, post_id), n=10))
    assert errors == [] and sum(o.changed for o in oks) == 1
    assert _fire(app, post_id) == (1, 1)


def test_two_hundred_random_toggles_from_twenty_builders_keep_every_counter_exact(app, committed):
    post_id, ids = setup(app, lambda: (_post().id, [ProfileFactory().id for _ in range(20)]))
    rng = random.Random(7)
    plan = [(rng.randrange(20), rng.choice(list(reactions.EMOJI)), rng.random() < 0.6)
            for _ in range(200)]

    def go(session, i):
        for who, emoji, on in plan[i::20]:
            reactions.react(session, session.get(Profile, ids[who]), "post", post_id, emoji,
                            on, now=now())
            session.commit()
    oks, errors = outcomes(run_concurrently(app, go, n=20))
    assert errors == []
    assert _read(app, counters.mismatches) == []
    assert _read(app, lambda s: s.get(Post, post_id).fire_count) == _read(
        app, lambda s: s.scalar(select(func.count()).select_from(Reaction).where(
            Reaction.emoji == "fire")))


def test_with_95_adds_used_twenty_simultaneous_adds_let_exactly_five_through(app, committed):
    def make():
        profile = ProfileFactory()
        posts = [_post().id for _ in range(20)]
        db.session.add_all(RateEvent(profile_id=profile.id, kind="reaction_add",
                                     created_at=now() - timedelta(hours=1)) for _ in range(95))
        return profile.id, posts
    profile_id, posts = setup(app, make)

    def go(session, i):
        return reactions.react(session, session.get(Profile, profile_id), "post", posts[i],
                               "fire", True, now=now())
    oks, errors = outcomes(run_concurrently(app, go, n=20))
    assert len(oks) == 5 and len(errors) == 15
    assert all(isinstance(e, RateLimited) for e in errors)
    assert _read(app, lambda s: s.scalar(select(func.count()).select_from(Reaction))) == 5


def test_comment_counts_stay_exact_under_concurrent_comment_delete_hide_unhide(app, committed):
    def make():
        post = _post()
        writers = [ProfileFactory() for _ in range(12)]
        mod = ProfileFactory(role="moderator")
        existing = [comments.add_comment(db.session, post, w, "first", now=now(),
                                         limit_enabled=False) for w in writers[:8]]
        for c in existing[4:8]:
            comments.hide_comment(db.session, mod, c, now=now())
        return post.id, [w.id for w in writers], mod.id, [c.id for c in existing]
    post_id, writers, mod_id, existing = setup(app, make)

    def go(session, i):
        post = session.get(Post, post_id)
        if i < 4:  # its author deletes comment i
            c = session.get(PostComment, existing[i])
            comments.delete_comment(session, c, session.get(Profile, writers[i]), now=now())
        elif i < 8:  # a moderator unhides comment i
            comments.unhide_comment(session, session.get(Profile, mod_id),
                                    session.get(PostComment, existing[i]))
        else:  # new comments, and a moderator hides one of the deleted ones meanwhile
            comments.add_comment(session, post, session.get(Profile, writers[i]), "new",
                                 now=now(), limit_enabled=False)
    oks, errors = outcomes(run_concurrently(app, go, n=12))
    assert errors == []
    stored = _read(app, lambda s: s.get(Post, post_id).comment_count)
    assert stored == 8 and _read(app, counters.mismatches) == []
