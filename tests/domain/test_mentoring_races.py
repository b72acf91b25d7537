"""Help requests and claim links under real concurrent connections (docs/rules.md "Mentor
help"): one winner, one consistent state, whatever the timing."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from buildstory.applications.models import MentorApplication
from buildstory.db import db
from buildstory.enums import HelpRequestStatus as S, MentorStatus
from buildstory.errors import Conflict, NotFound
from buildstory.mentoring import rules, services, tokens
from buildstory.mentoring.models import HelpRequest, Mentor
from buildstory.profiles.models import Profile
from tests.factories import (EventFactory, EventProjectFactory, MentorApplicationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)
from tests.helpers import now, outcomes, run_concurrently, setup
from tests.mentoring_factories import HelpRequestFactory, MentorFactory


def _mentors(n):
    ids = []
    for _ in range(n):
        profile = ProfileFactory()
        MentorFactory(profile_id=profile.id)
        ids.append(profile.id)
    return ids


def _read(app, fn):
    with app.app_context():
        value = fn(db.session)
        db.session.remove()
    return value


def _messages(errors):
    return sorted(str(e) for e in errors)


def test_ten_mentors_claim_one_request_one_wins(app, committed):
    request_id, mentors = setup(app, lambda: (HelpRequestFactory().id, _mentors(10)))

    def go(session, i):
        return services.claim(session, request_id, session.get(Profile, mentors[i]),
                              now=now(), max_claimed=3).id

    oks, errors = outcomes(run_concurrently(app, go, n=10))
    assert len(oks) == 1
    assert _messages(errors) == [rules.TAKEN] * 9
    row = _read(app, lambda s: s.get(HelpRequest, request_id))
    assert row.status == S.claimed and row.mentor_id in mentors


def test_one_mentor_claims_five_at_once_three_held(app, committed):
    ids, [mentor] = setup(app, lambda: ([HelpRequestFactory().id for _ in range(5)],
                                        _mentors(1)))

    def go(session, i):
        return services.claim(session, ids[i], session.get(Profile, mentor), now=now(),
                              max_claimed=3).id

    oks, errors = outcomes(run_concurrently(app, go, n=5))
    assert len(oks) == 3
    assert _messages(errors) == ["You already have 3 requests in progress"] * 2
    held = _read(app, lambda s: s.scalar(select(func.count()).select_from(HelpRequest).where(
        HelpRequest.mentor_id == mentor, HelpRequest.status == S.claimed)))
    assert held == 3


def _pair(app, first, second, n=2):
    """Run ``first`` and ``second`` against each other (half the threads each)."""
    def go(session, i):
        return (first if i % 2 == 0 else second)(session)
    return outcomes(run_concurrently(app, go, n=n))


def test_cancel_against_claim_one_consistent_state(app, committed):
    for _ in range(3):
        request_id, owner, [mentor] = setup(app, lambda: (
            (r := HelpRequestFactory()).id, r.opened_by, _mentors(1)))
        _pair(app, lambda s: services.cancel(s, request_id, s.get(Profile, owner), now=now()),
              lambda s: services.claim(s, request_id, s.get(Profile, mentor), now=now(),
                                       max_claimed=3))
        row = _read(app, lambda s: s.get(HelpRequest, request_id))
        # Cancelled either way: before the claim (the claim lost), or after it (the
        # mentor was told); never claimed and cancelled at once.
        assert row.status == S.cancelled and row.cancelled_by == owner


def test_hide_against_claim_one_consistent_state(app, committed):
    for _ in range(3):
        request_id, moderator, [mentor] = setup(app, lambda: (
            HelpRequestFactory().id, ProfileFactory(moderator=True).id, _mentors(1)))
        oks, errors = _pair(app, lambda s: services.hide(s, s.get(Profile, moderator),
                                                         request_id, now=now()),
                            lambda s: services.claim(s, request_id, s.get(Profile, mentor),
                                                     now=now(), max_claimed=3))
        row = _read(app, lambda s: s.get(HelpRequest, request_id))
        assert row.hidden_at is not None and row.status == S.cancelled
        assert all(isinstance(e, (Conflict, NotFound)) for e in errors)


def test_release_against_resolve_one_outcome(app, committed):
    for _ in range(3):
        def make():
            mentor = _mentors(1)[0]
            r = HelpRequestFactory()
            db.session.flush()
            services.claim(db.session, r.id, db.session.get(Profile, mentor), now=now(),
                           max_claimed=3)
            return r.id, mentor
        request_id, mentor = setup(app, make)
        oks, errors = _pair(app, lambda s: services.release(s, request_id, s.get(Profile, mentor),
                                                            now=now()),
                            lambda s: services.resolve(s, request_id, s.get(Profile, mentor),
                                                       now=now()))
        assert len(oks) == 1 and _messages(errors) == [rules.NOT_IN_PROGRESS]
        row = _read(app, lambda s: s.get(HelpRequest, request_id))
        assert (row.status, row.mentor_id is None) in {(S.open, True), (S.resolved, False)}


def test_two_team_members_open_at_once_one_request(app, committed):
    def make():
        event = EventFactory(active=True)
        project = ProjectFactory()
        EventProjectFactory(event=event, project=project)
        member = ProfileFactory()
        ProjectMemberFactory(project=project, profile=member)
        return event.id, [project.profile_id, member.id], project.id
    event_id, people, project_id = setup(app, make)

    def go(session, i):
        from buildstory.events.models import Event
        form = MultiDict({"topic": f"Help {i}", "details": "Please", "kind": "design"})
        return services.ask(session, session.get(Event, event_id),
                            session.get(Profile, people[i % 2]), form, now=now()).id

    oks, errors = outcomes(run_concurrently(app, go, n=6))
    assert len(oks) == 1 and _messages(errors) == [rules.ALREADY_OPEN] * 5
    assert _read(app, lambda s: s.scalar(select(func.count()).select_from(HelpRequest).where(
        HelpRequest.project_id == project_id))) == 1


def test_one_claim_link_used_twice_at_once_one_grant(app, committed):
    def make():
        application = MentorApplicationFactory(status=MentorStatus.approved)
        raw = tokens.mint(db.session, application.id, now=now(), ttl_days=14)
        return raw, [ProfileFactory().id, ProfileFactory().id]
    raw, people = setup(app, make)

    def go(session, i):
        return services.claim_link(session, raw, session.get(Profile, people[i % 2]),
                                   now=now()).profile_id

    oks, errors = outcomes(run_concurrently(app, go, n=4))
    assert len(oks) == 1
    assert _messages(errors) == [rules.LINK_INVALID] * 3
    assert _read(app, lambda s: s.scalar(select(func.count()).select_from(Mentor))) == 1
    claimed = _read(app, lambda s: s.scalar(select(MentorApplication.claimed_profile_id)))
    assert claimed == oks[0]
