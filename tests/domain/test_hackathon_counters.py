"""The stored counters stay exact through every change of visibility: after each change a
recount from scratch (plain SQL here, independent of ``hackathon.counters``) must equal what
is stored. Also on real concurrent connections."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from buildstory.counters_cli import hackathon_mismatches
from buildstory.db import db
from buildstory.enums import EventStatus
from buildstory.hackathon import counters
from buildstory.models import Profile, Project
from buildstory.moderation import services as moderation
from buildstory.projects import services as projects
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory)
from tests.hackathon_factories import (AiToolFactory, EventJudgeFactory, EventSubmissionFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)
from tests.helpers import run_concurrently

ADMINS = frozenset()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

USAGE_SQL = """
SELECT t.id, t.usage_count,
  (SELECT count(*) FROM event_submission_tools est
     JOIN event_submissions s ON s.id = est.submission_id
     JOIN projects p ON p.id = s.project_id JOIN profiles o ON o.id = p.profile_id
    WHERE est.tool_id = t.id AND p.hidden_at IS NULL AND o.hidden_at IS NULL
      AND o.banned_at IS NULL)
FROM ai_tools t"""
SUBMISSION_SQL = """
SELECT s.id, s.highlight_count, s.review_count, s.judge_score_count,
  (SELECT count(*) FROM hackathon_review_highlights h
     JOIN hackathon_reviews r ON r.id = h.review_id JOIN profiles p ON p.id = r.reviewer_profile_id
    WHERE r.event_id = s.event_id AND r.project_id = s.project_id AND r.hidden_at IS NULL
      AND p.hidden_at IS NULL AND p.banned_at IS NULL),
  (SELECT count(*) FROM hackathon_reviews r WHERE r.event_id = s.event_id
      AND r.project_id = s.project_id),
  (SELECT count(*) FROM judge_scores j WHERE j.event_id = s.event_id
      AND j.project_id = s.project_id)
FROM event_submissions s"""


def assert_exact(session):
    session.flush()
    usage = {r[0]: (r[1], r[2]) for r in session.execute(text(USAGE_SQL))}
    assert all(stored == fresh for stored, fresh in usage.values()), usage
    subs = {r[0]: (r[1:4], r[4:7]) for r in session.execute(text(SUBMISSION_SQL))}
    assert all(stored == fresh for stored, fresh in subs.values()), subs
    # and every other stored copy (visible reviews, highlights per category, visibility)
    assert hackathon_mismatches(session) == []
    return usage, subs


class World:
    """Two tools, three submitted projects (owners a, b, c) in one event, reviews with
    highlights by reviewers r1 and r2 (and by a), a judge's score."""

    def __init__(self, session):
        event = EventFactory(status=EventStatus.judging)
        self.x, self.y = AiToolFactory(name="Xtool"), AiToolFactory(name="Ytool")
        self.a, self.b, self.c = (ProfileFactory() for _ in range(3))
        self.r1, self.r2 = ProfileFactory(), ProfileFactory()
        self.subs = []
        for owner, tools in ((self.a, [self.x, self.y]), (self.b, [self.x]), (self.c, [self.y])):
            project = ProjectFactory(owner=owner)
            entry = EventProjectFactory(event=event, project=project)
            self.subs.append(EventSubmissionFactory(entry=entry, tools=tools))
        self.pa, self.pb, self.pc = (session.get(Project, s.project_id) for s in self.subs)
        for reviewer in (self.r1, self.r2):
            for sub in self.subs[:2]:
                HackathonReviewFactory(submission=sub, reviewer=reviewer,
                                       highlights={"creativity": "Nice", "design": "Clean"})
        HackathonReviewFactory(submission=self.subs[2], reviewer=self.a,
                               highlights={"impact": "Big"})
        judge = EventJudgeFactory(event=event, profile=self.r2)
        JudgeScoreFactory(submission=self.subs[0], judge=judge)
        counters.recount_all(session)
        self.mod = ProfileFactory(admin=True)


def usage(session, tool):
    session.refresh(tool)
    return tool.usage_count


def test_project_hidden_unhidden_deleted(db_session):
    w = World(db_session)
    assert (usage(db_session, w.x), usage(db_session, w.y)) == (2, 2)
    moderation.hide_project(db_session, w.mod, w.pa, admin_ids=ADMINS, now=NOW)
    assert_exact(db_session)
    assert (usage(db_session, w.x), usage(db_session, w.y)) == (1, 1)
    moderation.unhide_project(db_session, w.mod, w.pa, admin_ids=ADMINS)
    assert_exact(db_session)
    assert usage(db_session, w.x) == 2
    projects.delete_project(db_session, w.pb, w.b)
    assert_exact(db_session)
    assert usage(db_session, w.x) == 1


@pytest.mark.parametrize("change", ["hide", "ban"])
def test_owner_hidden_or_banned_then_restored(db_session, change):
    w = World(db_session)
    if change == "hide":
        moderation.hide_profile(db_session, w.mod, w.a, admin_ids=ADMINS, now=NOW)
    else:
        moderation.ban_user(db_session, w.mod, w.a, reason="spam", admin_ids=ADMINS, now=NOW)
    assert_exact(db_session)
    assert (usage(db_session, w.x), usage(db_session, w.y)) == (1, 1)
    db_session.refresh(w.subs[2])
    assert w.subs[2].highlight_count == 0  # a's review of c's project no longer counts
    if change == "hide":
        moderation.unhide_profile(db_session, w.mod, w.a, admin_ids=ADMINS)
    else:
        moderation.unban_user(db_session, w.mod, w.a, admin_ids=ADMINS)
    assert_exact(db_session)
    assert (usage(db_session, w.x), usage(db_session, w.y)) == (2, 2)


def test_reviewer_hidden_banned_restored_deleted(db_session):
    w = World(db_session)
    sub = w.subs[0]
    db_session.refresh(sub)
    assert sub.highlight_count == 4
    moderation.hide_profile(db_session, w.mod, w.r1, admin_ids=ADMINS, now=NOW)
    assert_exact(db_session)
    db_session.refresh(sub)
    assert sub.highlight_count == 2
    # what the showcase card shows moves with it
    assert (sub.visible_review_count, sub.highlight_counts) == (1, {"creativity": 1, "design": 1})
    moderation.ban_user(db_session, w.mod, w.r2, reason="spam", admin_ids=ADMINS, now=NOW)
    assert_exact(db_session)
    moderation.unban_user(db_session, w.mod, w.r2, admin_ids=ADMINS)
    moderation.unhide_profile(db_session, w.mod, w.r1, admin_ids=ADMINS)
    assert_exact(db_session)
    db_session.refresh(sub)
    assert (sub.highlight_count, sub.review_count, sub.judge_score_count) == (4, 2, 1)
    # r2 is a reviewer and a judge: deleting them removes their reviews and score
    moderation.delete_user(db_session, w.mod, w.r2, confirm=w.r2.username, admin_ids=ADMINS,
                           now=NOW)
    assert_exact(db_session)
    db_session.refresh(sub)
    assert (sub.highlight_count, sub.review_count, sub.judge_score_count) == (2, 1, 0)


def test_owner_deleted(db_session):
    w = World(db_session)
    moderation.delete_user(db_session, w.mod, w.a, confirm=w.a.username, admin_ids=ADMINS,
                           now=NOW)
    assert_exact(db_session)
    assert (usage(db_session, w.x), usage(db_session, w.y)) == (1, 1)


def test_concurrent_visibility_changes_keep_counts_exact(app, committed):
    """Two projects using one tool hidden at once, and both reviewers of one submission
    hidden at once: the last recount sees the other's change."""
    with app.app_context():
        w = World(db.session)
        ids = {"mod": w.mod.id, "pa": w.pa.id, "pb": w.pb.id, "r1": w.r1.id, "r2": w.r2.id,
               "x": w.x.id}
        db.session.commit()

    def change(session, i):
        mod = session.get(Profile, ids["mod"])
        if i < 2:
            project = session.get(Project, ids[("pa", "pb")[i]])
            moderation.hide_project(session, mod, project, admin_ids=ADMINS, now=NOW)
        else:
            reviewer = session.get(Profile, ids[("r1", "r2")[i - 2]])
            moderation.hide_profile(session, mod, reviewer, admin_ids=ADMINS, now=NOW)

    for _round in range(3):
        results = run_concurrently(app, change, n=4)
        assert [r[0] for r in results] == ["ok"] * 4, results
        with app.app_context():
            used, subs = assert_exact(db.session)
            assert used[ids["x"]] == (0, 0)
            assert sorted(s[0][0] for s in subs.values()) == [0, 0, 1]  # a's review stays
            db.session.execute(text("UPDATE projects SET hidden_at = NULL; "
                                    "UPDATE profiles SET hidden_at = NULL"))
            counters.recount_all(db.session)
            db.session.commit()
