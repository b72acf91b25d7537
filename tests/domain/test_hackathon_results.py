"""Results: the formula with hand-computed examples for every tie-break, what counts
(visible submissions, visible highlights), publishing versions and its refusals, the
immutable rows, and concurrent publishes of one preview."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.db import db
from buildstory.enums import EventStatus, HighlightCategory as H, ResultKind
from buildstory.errors import Conflict
from buildstory.hackathon import results
from buildstory.hackathon.models import CRITERIA, EventResult
from buildstory.hackathon.results import Entry, rank
from tests.factories import EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory, utcnow
from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)
from tests.helpers import outcomes, run_concurrently, setup

T0 = utcnow()


def entry(slug, *, scores=(), highlights=None, at=0):
    """An Entry from judges' score tuples (creativity, business, technical, impact, design)."""
    sums = {c: sum(s[i] for s in scores) for i, c in enumerate(CRITERIA)}
    hl = {c: 0 for c in CRITERIA}
    hl.update(highlights or {})
    return Entry(uuid.uuid4(), slug.title(), slug, T0 + timedelta(minutes=at), len(scores),
                 sums, hl)


def places(res, kind=ResultKind.overall, category=None):
    return [(r.place, r.project_slug, r.score) for r in res.rows
            if r.kind == kind and r.category == category]


# --- the formula, by hand ----------------------------------------------------------------------

def test_overall_is_the_sum_of_the_judges_means_exact_and_rounded_to_three_places():
    a = entry("a", scores=[(5, 4, 3, 2, 1), (4, 4, 4, 4, 4)])  # means 4.5+4+3.5+3+2.5 = 17.5
    b = entry("b", scores=[(3, 3, 3, 3, 3), (4, 4, 4, 4, 4), (4, 4, 4, 4, 5)])  # 56/3
    c = entry("c", scores=[(5, 5, 5, 5, 5)])  # 25
    unscored = entry("d", highlights={H.design: 3})
    res = rank([a, b, c, unscored])
    assert places(res) == [(1, "c", Decimal("25.000")), (2, "b", Decimal("18.667")),
                           (3, "a", Decimal("17.500"))]
    assert res.scored == 3  # the unscored submission gets no overall place


def test_overall_ties_go_to_more_highlights_then_earlier_submission_then_slug():
    # Equal exact overall (56/3 from three judges, 112/6 from six) -> more highlights first.
    three = entry("three", scores=[(3, 3, 3, 3, 3), (4, 4, 4, 4, 4), (4, 4, 4, 4, 5)],
                  highlights={H.impact: 1}, at=0)
    six = entry("six", scores=[(3, 3, 3, 3, 3), (4, 4, 4, 4, 4), (4, 4, 4, 4, 5)] * 2,
                highlights={H.creativity: 1, H.design: 1}, at=5)
    assert six.overall() == three.overall() == Fraction(56, 3)
    # Equal score and highlights -> the earlier submission; then the slug.
    late = entry("aaa-late", scores=[(2, 2, 2, 2, 2)], at=9)
    early = entry("zzz-early", scores=[(2, 2, 2, 2, 2)], at=1)
    same_b = entry("same-b", scores=[(1, 1, 1, 1, 1)], at=3)
    same_a = entry("same-a", scores=[(1, 1, 1, 1, 1)], at=3)
    res = rank([three, late, same_b, six, early, same_a])
    assert [p[1] for p in places(res)] == ["six", "three", "zzz-early", "aaa-late",
                                           "same-a", "same-b"]
    assert [p[0] for p in places(res)] == [1, 2, 3, 4, 5, 6]  # every ranked one has a place


def test_judges_pick_per_category_and_its_tie_breaks():
    # creativity: x has the best mean (5 vs 4.5).
    x = entry("x", scores=[(5, 2, 3, 3, 1)], highlights={H.impact: 1}, at=4)
    # business case: y and z tie on 4 -> z has more business highlights.
    y = entry("y", scores=[(4, 4, 3, 3, 1), (5, 4, 3, 3, 1)], highlights={H.business_case: 1},
              at=0)
    z = entry("z", scores=[(1, 4, 3, 2, 1)], highlights={H.business_case: 2}, at=6)
    # technical challenge: all 3 with 0 technical highlights -> earliest (y at 0).
    # impact: x (3), y (3), z (2); x and y tie, no impact highlights for y, 1 for x -> x.
    # design: all 1, no design highlights -> earliest, y.
    res = rank([x, y, z])
    picks = {r.category: (r.project_slug, r.score) for r in res.of_kind(ResultKind.judges_pick)}
    assert picks == {H.creativity: ("x", Decimal("5.000")),
                     H.business_case: ("z", Decimal("4.000")),
                     H.technical_challenge: ("y", Decimal("3.000")),
                     H.impact: ("x", Decimal("3.000")),
                     H.design: ("y", Decimal("1.000"))}


def test_judges_pick_tie_on_everything_but_the_slug():
    b = entry("bravo", scores=[(3, 3, 3, 3, 3)], at=2)
    a = entry("alpha", scores=[(3, 3, 3, 3, 3)], at=2)
    res = rank([b, a])
    assert {r.project_slug for r in res.of_kind(ResultKind.judges_pick)} == {"alpha"}


def test_peoples_choice_needs_a_highlight_not_a_score_and_breaks_ties_by_time_then_slug():
    unscored = entry("unscored", highlights={H.creativity: 3, H.design: 1}, at=9)
    scored = entry("scored", scores=[(5, 5, 5, 5, 5)], highlights={H.creativity: 2,
                                                                   H.design: 1}, at=5)
    early = entry("early", highlights={H.impact: 1}, at=0)
    later = entry("later", highlights={H.impact: 1}, at=1)
    twin_b = entry("twin-b", highlights={H.business_case: 1}, at=3)
    twin_a = entry("twin-a", highlights={H.business_case: 1}, at=3)
    res = rank([unscored, scored, early, later, twin_b, twin_a])
    people = {r.category: (r.project_slug, r.score) for r in res.of_kind(ResultKind.peoples_choice)}
    assert people == {H.creativity: ("unscored", Decimal("3.000")),
                      H.design: ("scored", Decimal("1.000")),  # tie 1-1: scored was earlier
                      H.impact: ("early", Decimal("1.000")),
                      H.business_case: ("twin-a", Decimal("1.000"))}
    # technical challenge: no highlight anywhere -> no people's choice row.
    assert H.technical_challenge not in people


# --- what the database computation counts -------------------------------------------------------

def _submission(event, slug, minutes=0, **project_kw):
    project = ProjectFactory(slug=slug, name=slug.title(), **project_kw)
    entry_ = EventProjectFactory(event=event, project=project)
    return EventSubmissionFactory(entry=entry_, submitted_at=T0 + timedelta(minutes=minutes))


def _score(sub, judge, *values, **kw):
    names = [c.value for c in CRITERIA]
    return JudgeScoreFactory(submission=sub, judge=judge, bump=True, **dict(zip(names, values)),
                             **kw)


def test_compute_ranks_visible_submissions_and_counts_only_visible_highlights(db_session):
    event = EventFactory(status=EventStatus.judging)
    judge = EventJudgeFactory(event=event)
    a = _submission(event, "res-a", 0)
    b = _submission(event, "res-b", 1)
    hidden = _submission(event, "res-hidden", 2, hidden_at=utcnow())
    _score(a, judge, 3, 3, 3, 3, 3)
    _score(b, judge, 3, 3, 3, 3, 3)
    _score(hidden, judge, 5, 5, 5, 5, 5)
    # b gets one visible highlight; a gets two that do not count (hidden review, banned reviewer)
    HackathonReviewFactory(submission=b, highlights={"impact": "Solid"})
    HackathonReviewFactory(submission=a, highlights={"impact": "x"}, hidden_at=utcnow())
    HackathonReviewFactory(submission=a, highlights={"design": "y"},
                           reviewer=ProfileFactory(banned=True))
    res = results.compute(db_session, event)
    assert [p[1] for p in places(res)] == ["res-b", "res-a"]  # tie on 15: b's highlight wins
    people = res.of_kind(ResultKind.peoples_choice)
    assert [(r.category, r.project_slug) for r in people] == [(H.impact, "res-b")]


# --- publishing -----------------------------------------------------------------------------------

@pytest.fixture
def scored_event(db_session):
    event = EventFactory(status=EventStatus.judging)
    judge = EventJudgeFactory(event=event)
    for i, v in enumerate((5, 4, 3)):
        _score(_submission(event, f"pub-{i}", i), judge, v, v, v, v, v)
    return event, judge


def test_publish_writes_version_one_with_one_audit_row_and_returns_the_winners(db_session,
                                                                               scored_event):
    event, _ = scored_event
    admin = ProfileFactory(admin=True)
    preview = results.compute(db_session, event)
    published = results.publish(db_session, admin, event, preview.fingerprint, now=utcnow())
    assert published.version == 1 and published.rows == len(preview.rows) == 3 + 5
    assert [(w.place, w.project_slug) for w in published.winners] == \
        [(1, "pub-0"), (2, "pub-1"), (3, "pub-2")]
    stored = results.latest_version(db_session, event.id)
    assert [(r.kind, r.place, r.project_slug, r.score) for r in stored][:3] == \
        [(ResultKind.overall, 1, "pub-0", Decimal("25.000")),
         (ResultKind.overall, 2, "pub-1", Decimal("20.000")),
         (ResultKind.overall, 3, "pub-2", Decimal("15.000"))]
    audit = db_session.scalars(select(AuditLog).where(AuditLog.action == "publish_results")).all()
    assert [a.meta for a in audit] == [{"event_id": str(event.id), "version": 1, "rows": 8}]


def test_publishing_the_same_results_again_is_refused_and_a_change_makes_version_two(
        db_session, scored_event):
    event, judge = scored_event
    admin = ProfileFactory(admin=True)
    first = results.compute(db_session, event)
    results.publish(db_session, admin, event, first.fingerprint, now=utcnow())
    with pytest.raises(Conflict, match="^These results are already published$"):
        results.publish(db_session, admin, event, first.fingerprint, now=utcnow())
    late = _submission(event, "pub-late", 30)
    _score(late, judge, 5, 5, 5, 5, 4)
    with pytest.raises(Conflict, match="^Results changed since the preview; compute them again$"):
        results.publish(db_session, admin, event, first.fingerprint, now=utcnow())
    second = results.compute(db_session, event)
    assert results.publish(db_session, admin, event, second.fingerprint, now=utcnow()).version == 2
    assert sorted(results.all_versions(db_session, event.id)) == [1, 2]
    assert [r.project_slug for r in results.latest_version(db_session, event.id)][:2] == \
        ["pub-0", "pub-late"]


@pytest.mark.parametrize("status", [EventStatus.draft, EventStatus.open, EventStatus.active])
def test_publishing_outside_judging_or_complete_is_refused(db_session, scored_event, status):
    event, _ = scored_event
    preview = results.compute(db_session, event)
    event.status = status
    with pytest.raises(Conflict, match="^Results can be published only for events in judging "
                                       "or complete$"):
        results.publish(db_session, ProfileFactory(admin=True), event, preview.fingerprint,
                        now=utcnow())


def test_no_scores_no_results(db_session):
    event = EventFactory(status=EventStatus.complete)
    sub = _submission(event, "unscored-only")
    HackathonReviewFactory(submission=sub, highlights={"impact": "Nice"})
    preview = results.compute(db_session, event)
    with pytest.raises(Conflict, match="^There are no judge scores to publish$"):
        results.publish(db_session, ProfileFactory(admin=True), event, preview.fingerprint,
                        now=utcnow())


def test_stored_results_can_be_neither_updated_nor_deleted(db_session, scored_event):
    event, _ = scored_event
    preview = results.compute(db_session, event)
    results.publish(db_session, ProfileFactory(admin=True), event, preview.fingerprint,
                    now=utcnow())
    for statement in ("UPDATE event_results SET place = place + 100",
                      "DELETE FROM event_results"):
        with pytest.raises(sa.exc.DBAPIError):
            with db_session.begin_nested():
                db_session.execute(sa.text(statement))
    assert db_session.scalar(select(func.count()).select_from(EventResult)) == 8


def test_concurrent_publishes_of_one_preview_make_one_version(app, committed):
    def make():
        event = EventFactory(status=EventStatus.judging)
        judge = EventJudgeFactory(event=event)
        for i, v in enumerate((5, 4)):
            _score(_submission(event, f"race-{uuid.uuid4().hex[:8]}", i), judge, v, v, v, v, v)
        admin = ProfileFactory(admin=True)
        return event.id, admin.id, results.compute(db.session, event).fingerprint

    event_id, admin_id, fp = setup(app, make)

    def publish(session, i):
        from buildstory.events.models import Event
        from buildstory.profiles.models import Profile
        return results.publish(session, session.get(Profile, admin_id),
                               session.get(Event, event_id), fp, now=utcnow()).version

    oks, errors = outcomes(run_concurrently(app, publish))
    assert oks == [1]
    assert {str(e) for e in errors} == {"These results are already published"}
    assert all(isinstance(e, Conflict) for e in errors)
    with app.app_context():
        versions = db.session.scalars(select(EventResult.version).distinct()
                                      .where(EventResult.event_id == event_id)).all()
        db.session.remove()
    assert versions == [1]


def test_each_published_version_queues_the_results_published_webhook(db_session, scored_event):
    from buildstory.webhooks.models import WebhookDelivery, WebhookEndpoint
    event, judge = scored_event
    db_session.add(WebhookEndpoint(name="Results hook", url="http://127.0.0.1:9/",
                                   format="json", events=["results_published"],
                                   secret="0" * 64))
    db_session.flush()
    admin = ProfileFactory(admin=True)
    results.publish(db_session, admin, event, results.compute(db_session, event).fingerprint,
                    now=utcnow())
    _score(_submission(event, "pub-new", 40), judge, 5, 5, 5, 5, 5)
    results.publish(db_session, admin, event, results.compute(db_session, event).fingerprint,
                    now=utcnow())
    payloads = [d.payload for d in db_session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event == "results_published")
        .order_by(WebhookDelivery.dedupe_key))]
    assert [p["version"] for p in payloads] == [1, 2]
    assert [(w["place"], w["project_slug"]) for w in payloads[0]["winners"]] == \
        [(1, "pub-0"), (2, "pub-1"), (3, "pub-2")]
    assert [w["project_slug"] for w in payloads[1]["winners"]][:2] == ["pub-0", "pub-new"]
