"""The roadmap's services on a real database (docs/rules.md "Roadmap"): slugs, counters
under real concurrent connections, limits, shipping once, the leaderboard and its job."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from buildstory.db import db
from buildstory.enums import FeatureBoardStatus as S
from buildstory.moderation import services as moderation
from buildstory.notifications.models import Notification
from buildstory.profiles.models import Profile
from buildstory.ratelimits import RateLimited
from buildstory.roadmap import comments, counters, leaderboard, rules, services, upvotes
from buildstory.roadmap.models import FeatureBoardItem, FeatureBoardUpvote, RoadmapLeaderboard
from tests.factories import ProfileFactory
from tests.helpers import now, outcomes, run_concurrently, run_jobs, setup
from tests.roadmap_helpers import make_comment, make_idea


@pytest.mark.parametrize("title,slug", [
    ("Dark mode, please!", "dark-mode-please"), ("  ???  ", "idea"), ("Édition rapide", "dition-rapide"),
    ("edit", "edit-2"), ("a" * 90, "a" * 80)])
def test_slug_rules(db_session, title, slug):
    item = services.submit_idea(db_session, ProfileFactory(), {"title": title}, now=now(),
                                limit_enabled=False)
    assert item.slug == slug


def test_a_taken_slug_gets_a_number_and_stays_within_80(db_session):
    title = "b" * 85
    slugs = [services.submit_idea(db_session, ProfileFactory(), {"title": title}, now=now(),
                                  limit_enabled=False).slug for _ in range(3)]
    assert slugs == ["b" * 80, "b" * 78 + "-2", "b" * 78 + "-3"]


def _read(app, fn):
    with app.app_context():
        value = fn(db.session)
        db.session.remove()
    return value


def test_two_simultaneous_ideas_with_one_title_get_two_slugs(app, committed):
    ids = setup(app, lambda: [ProfileFactory().id for _ in range(2)])

    def go(session, i):
        return services.submit_idea(session, session.get(Profile, ids[i]),
                                    {"title": "Same title"}, now=now(), limit_enabled=False).slug
    oks, errors = outcomes(run_concurrently(app, go, n=2))
    assert errors == [] and sorted(oks) == ["same-title", "same-title-2"]


def _counts(app, item_id):
    return _read(app, lambda s: (s.get(FeatureBoardItem, item_id).upvote_count, s.scalar(
        select(func.count()).select_from(FeatureBoardUpvote)
        .where(FeatureBoardUpvote.item_id == item_id))))


def test_fifty_upvotes_at_once_then_all_removed_keep_the_counter_exact(app, committed):
    item_id, ids = setup(app, lambda: (make_idea(db.session, ProfileFactory()).id,
                                       [ProfileFactory().id for _ in range(50)]))

    def vote(on):
        def go(session, i):
            return upvotes.set_upvote(session, session.get(Profile, ids[i]), item_id, on,
                                      now=now())
        return go
    oks, errors = outcomes(run_concurrently(app, vote(True), n=50))
    assert errors == [] and _counts(app, item_id) == (51, 51)  # with the author's own
    oks, errors = outcomes(run_concurrently(app, vote(False), n=50))
    assert errors == [] and _counts(app, item_id) == (1, 1)


def test_one_builder_sending_on_ten_times_at_once_upvotes_once(app, committed):
    item_id, pid = setup(app, lambda: (make_idea(db.session, ProfileFactory()).id,
                                       ProfileFactory().id))

    def go(session, i):
        return upvotes.set_upvote(session, session.get(Profile, pid), item_id, True, now=now())
    oks, errors = outcomes(run_concurrently(app, go, n=10))
    assert errors == [] and sum(changed for changed, _ in oks) == 1
    assert _counts(app, item_id) == (2, 2)


def test_random_toggles_including_the_authors_keep_counters_exact(app, committed):
    item_id, ids = setup(app, lambda: _idea_and_voters())
    rng = random.Random(11)
    plan = [(rng.randrange(len(ids)), rng.random() < 0.6) for _ in range(200)]

    def go(session, i):
        for who, on in plan[i::20]:
            upvotes.set_upvote(session, session.get(Profile, ids[who]), item_id, on, now=now(),
                               limit_enabled=False)
            session.commit()
    oks, errors = outcomes(run_concurrently(app, go, n=20))
    assert errors == [] and _read(app, counters.mismatches) == []
    count, rows = _counts(app, item_id)
    assert count == rows


def _idea_and_voters():
    author = ProfileFactory()
    item = make_idea(db.session, author)
    return item.id, [author.id] + [ProfileFactory().id for _ in range(19)]


def test_upvote_limit_holds_under_concurrency_and_counts_removed_adds(app, committed):
    def make():
        voter = ProfileFactory()
        items = [make_idea(db.session, ProfileFactory(), title=f"Idea {i}").id for i in range(70)]
        for i in range(45):  # 45 adds today, each removed again: they still count
            db.session.execute(text("INSERT INTO rate_events (profile_id, kind, created_at) "
                                    "VALUES (:p, 'upvote_add', now())"), {"p": voter.id})
        return voter.id, items
    pid, items = setup(app, make)

    def go(session, i):
        return upvotes.set_upvote(session, session.get(Profile, pid), items[i], True, now=now())
    oks, errors = outcomes(run_concurrently(app, go, n=20))
    assert len(oks) == 5 and len(errors) == 15
    assert all(isinstance(e, RateLimited) and e.message == rules.UPVOTE_LIMIT.count_message
               for e in errors)


def test_idea_limit_five_a_day_and_a_minute_apart(db_session):
    author = ProfileFactory()
    t = datetime(2030, 1, 1, 9, tzinfo=UTC)
    for i in range(5):
        services.submit_idea(db_session, author, {"title": f"Idea {i}"}, now=t + timedelta(minutes=2 * i))
    with pytest.raises(RateLimited) as gap:
        services.submit_idea(db_session, author, {"title": "Too soon"}, now=t + timedelta(minutes=8, seconds=30))
    assert gap.value.message == "Please wait a minute before submitting another idea."
    with pytest.raises(RateLimited) as day:
        services.submit_idea(db_session, author, {"title": "Sixth"}, now=t + timedelta(hours=2))
    assert day.value.message == "You can submit up to 5 ideas per day. Please try again later."


def test_comment_limit_messages(db_session):
    item = make_idea(db_session, ProfileFactory())
    who = ProfileFactory()
    t = now()
    comments.add_comment(db_session, item, who, "first", now=t)
    with pytest.raises(RateLimited) as gap:
        comments.add_comment(db_session, item, who, "second", now=t + timedelta(seconds=3))
    assert gap.value.message == "Please wait a few seconds before posting another comment."


def test_comment_counts_follow_hiding_banning_and_deleting_the_author(db_session):
    item = make_idea(db_session, ProfileFactory())
    talker = ProfileFactory()
    comments.add_comment(db_session, item, talker, "hello", now=now(), limit_enabled=False)
    voter = ProfileFactory()
    upvotes.set_upvote(db_session, voter, item.id, True, now=now(), limit_enabled=False)
    mod = ProfileFactory(admin=True)
    moderation.hide_profile(db_session, mod, talker, admin_ids=set(), now=now())
    db_session.refresh(item)
    assert item.comment_count == 0
    moderation.unhide_profile(db_session, mod, talker, admin_ids=set())
    db_session.refresh(item)
    assert item.comment_count == 1 and item.upvote_count == 2
    moderation.delete_user(db_session, mod, voter, confirm=voter.username, admin_ids=set(),
                           now=now())
    db_session.refresh(item)
    assert item.upvote_count == 1 and counters.mismatches(db_session) == []


def test_shipping_twice_notifies_author_and_upvoters_once_and_emits_once(app, committed):
    def make():
        author, voters = ProfileFactory(), [ProfileFactory() for _ in range(3)]
        item = make_idea(db.session, author, status=S.now, upvoters=voters)
        from buildstory.webhooks.models import WebhookEndpoint
        db.session.add(WebhookEndpoint(name="Ship hook", url="http://127.0.0.1:9/", format="json",
                                       events=["roadmap_shipped"], secret="0" * 64))
        return item.id, author.id, [v.id for v in voters], ProfileFactory(moderator=True).id
    item_id, author_id, voter_ids, mod_id = setup(app, make)
    for status in ("shipped", "now", "shipped"):
        with app.app_context():
            item = db.session.get(FeatureBoardItem, item_id)
            services.edit_idea(db.session, item, db.session.get(Profile, mod_id),
                               {"title": item.title, "status": status}, triager=True, now=now())
            db.session.commit()
            db.session.remove()
    run_jobs(app, tasks={"notifications.fanout"})
    rows = _read(app, lambda s: s.execute(select(Notification.recipient_id, Notification.title)
                                          .where(Notification.type == "roadmap_shipped")).all())
    assert sorted(r[0] for r in rows) == sorted([author_id, *voter_ids])
    deliveries = _read(app, lambda s: s.scalar(text(
        "SELECT count(*) FROM webhook_deliveries WHERE event = 'roadmap_shipped'")))
    assert deliveries == 1


def test_leaderboard_formula_exclusions_and_ties(db_session):
    a, b, hidden = (ProfileFactory(username="lb-alice"), ProfileFactory(username="lb-bob"),
                    ProfileFactory(username="lb-hidden", hidden=True))
    shipped = make_idea(db_session, a, status=S.shipped)          # 10 + 30 + 1 (own upvote)
    make_idea(db_session, a, status=S.archived)                     # archived: nothing
    make_idea(db_session, a, status=S.inbox)                        # not public: nothing
    idea_b = make_idea(db_session, b, status=S.next)                # 10 + 1
    make_comment(db_session, idea_b, a)                             # + 3 for a
    make_comment(db_session, idea_b, b, deleted=True)               # deleted: nothing
    for voter in (a, b):
        pass
    db_session.add(FeatureBoardUpvote(item_id=shipped.id, profile_id=b.id))  # + 1 for b
    make_idea(db_session, hidden, status=S.next)
    db_session.flush()
    leaderboard.refresh(db_session, now=now())
    rows, computed = leaderboard.read(db_session, "all")
    assert [(r["username"], r["score"]) for r in rows] == [("lb-alice", 44), ("lb-bob", 12)]
    assert computed is not None


def test_month_period_counts_only_since_the_first(db_session):
    a = ProfileFactory(username="lb-month")
    make_idea(db_session, a, status=S.next, age=timedelta(days=70))
    db_session.flush()
    leaderboard.refresh(db_session, now=now())
    assert leaderboard.read(db_session, "month")[0] == []
    assert [r["score"] for r in leaderboard.read(db_session, "all")[0]] == [11]


def test_the_periodic_job_fills_the_leaderboard(app, committed):
    setup(app, lambda: make_idea(db.session, ProfileFactory(username="lb-job"), status=S.now).id)
    from buildstory import jobs
    with app.app_context():
        jobs.defer(db.session, "roadmap.leaderboard")
        db.session.commit()
        db.session.remove()
    left = run_jobs(app, tasks={"roadmap.leaderboard"})
    assert not left.get("failed")
    assert _read(app, lambda s: s.scalar(select(func.count()).select_from(RoadmapLeaderboard))) >= 1


def test_demo_seeds_ideas_in_every_status(db_session):
    from buildstory.demo import seed_demo
    from tests.domain.test_moderation_demo import HASHER
    seed_demo(db_session, hasher=HASHER)
    statuses = set(db_session.scalars(select(FeatureBoardItem.status)))
    assert statuses == set(S)
    assert db_session.scalar(select(func.sum(FeatureBoardItem.comment_count))) > 0
    assert counters.mismatches(db_session) == []
    seed_demo(db_session, hasher=HASHER)  # idempotent
    assert db_session.scalar(select(func.count()).select_from(FeatureBoardItem)) == 9


def test_five_simultaneous_ideas_by_one_builder_make_one(app, committed):
    pid = setup(app, lambda: ProfileFactory().id)

    def go(session, i):
        return services.submit_idea(session, session.get(Profile, pid), {"title": f"Rush {i}"},
                                    now=now()).slug
    oks, errors = outcomes(run_concurrently(app, go, n=5))
    assert len(oks) == 1 and len(errors) == 4
    assert all(isinstance(e, RateLimited) for e in errors)


def test_concurrent_comments_and_deletes_keep_comment_count_exact(app, committed):
    def make():
        item = make_idea(db.session, ProfileFactory())
        return item.id, [ProfileFactory().id for _ in range(20)]
    item_id, ids = setup(app, make)

    def add(session, i):
        item = session.get(FeatureBoardItem, item_id)
        return comments.add_comment(session, item, session.get(Profile, ids[i]), f"c{i}",
                                    now=now(), limit_enabled=False).id
    oks, errors = outcomes(run_concurrently(app, add, n=20))
    assert errors == [] and _read(app, counters.mismatches) == []
    assert _read(app, lambda s: s.get(FeatureBoardItem, item_id).comment_count) == 20

    def remove(session, i):
        from buildstory.roadmap.models import FeatureBoardComment
        item = session.get(FeatureBoardItem, item_id)
        comment = session.get(FeatureBoardComment, oks[i // 2])
        comments.delete_comment(session, item, comment, session.get(Profile, comment.author_id),
                                moderator=False, now=now())
    _, errors = outcomes(run_concurrently(app, remove, n=20))  # each comment deleted twice at once
    assert len(errors) == 10 and _read(app, counters.mismatches) == []
    assert _read(app, lambda s: s.get(FeatureBoardItem, item_id).comment_count) == 10


def test_counters_verify_reports_a_drifted_idea(db_session):
    item = make_idea(db_session, ProfileFactory())
    assert counters.mismatches(db_session) == []
    db_session.execute(text("UPDATE feature_board_items SET upvote_count = 7 WHERE id = :i"),
                       {"i": item.id})
    assert counters.mismatches(db_session) == [
        f"feature_board_items {item.id} upvote_count: stored 7, counted 1"]


def test_the_shipped_webhook_is_skipped_once_the_idea_is_no_longer_public(db_session):
    from buildstory.webhooks import delivery
    from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
    db_session.add(WebhookEndpoint(name="Ship hook", url="http://127.0.0.1:9/", format="discord",
                                   events=["roadmap_shipped"]))
    item = make_idea(db_session, ProfileFactory(), status=S.now, title="Going out")
    services.edit_idea(db_session, item, ProfileFactory(moderator=True),
                       {"title": item.title, "status": "shipped"}, triager=True, now=now())
    [sent] = db_session.scalars(select(WebhookDelivery)).all()
    assert sent.payload == {"slug": item.slug, "title": "Going out"}
    item.status = S.archived
    db_session.flush()
    assert delivery.prepare(db_session, sent.id, now=now()) is None
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(WebhookDelivery, sent.id).status == "skipped"


def test_comment_counts_stay_exact_while_authors_are_hidden_and_restored_at_once(app, committed):
    def make():
        item = make_idea(db.session, ProfileFactory())
        writers = [ProfileFactory() for _ in range(8)]
        for w in writers:  # each has commented already: hiding them moves the count
            comments.add_comment(db.session, item, w, "before", now=now() - timedelta(hours=1),
                                 limit_enabled=False)
        for w in writers[4:]:
            w.hidden_at = now()
        db.session.flush()
        counters.recount_items(db.session, [item.id])
        return item.id, [w.id for w in writers], ProfileFactory(admin=True).id
    item_id, writers, admin_id = setup(app, make)

    def go(session, i):
        admin = session.get(Profile, admin_id)
        if i < 8:  # every writer comments again
            item = session.get(FeatureBoardItem, item_id)
            comments.add_comment(session, item, session.get(Profile, writers[i]), "again",
                                 now=now(), limit_enabled=False)
        elif i < 12:  # the first four are hidden meanwhile
            moderation.hide_profile(session, admin, session.get(Profile, writers[i - 8]),
                                    admin_ids=set(), now=now())
        else:  # the last four are restored
            moderation.unhide_profile(session, admin, session.get(Profile, writers[i - 8]),
                                      admin_ids=set())
    for _ in range(3):
        oks, errors = outcomes(run_concurrently(app, go, n=16))
        assert errors == [] or all(type(e).__name__ == "Conflict" for e in errors)
        assert _read(app, counters.mismatches) == []
        # swap back for the next round: hidden ↔ visible
        with app.app_context():
            for pid in writers:
                p = db.session.get(Profile, pid)
                p.hidden_at = now() if p.hidden_at is None else None
            counters.recount_items(db.session, [item_id])
            db.session.commit()
            db.session.remove()
