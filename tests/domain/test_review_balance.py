"""The peer-review queue's balance, as a property (hypothesis).

Honest reviewers, in any order, review what they are handed. A small model of the world
(teams, co-membership, declared conflicts, a hidden project) says what each reviewer may
review; the database must agree with it:

* every pick has the lowest ``review_count`` among what that reviewer may review, and
* after every review, ``max - min <= 1`` across the visible submissions whenever each
  pick so far had every lowest-count submission in its eligible set.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from buildstory.enums import QueueKind
from buildstory.hackathon import queue, review_services as rs
from buildstory.hackathon.models import ConflictOfInterest, EventSubmission
from tests.conftest import rolled_back_session
from tests.factories import ProfileFactory, utcnow
from tests.review_helpers import judging_event, submit

EXAMPLES = 120


@st.composite
def worlds(draw):
    n_projects = draw(st.integers(2, 7))
    n_people = draw(st.integers(n_projects, n_projects + 4))
    person = st.integers(0, n_people - 1)
    project = st.integers(0, n_projects - 1)
    return {
        "n_projects": n_projects, "n_people": n_people,
        "members": draw(st.lists(st.tuples(person, project), max_size=6)),
        "conflicts": draw(st.lists(st.tuples(person, project), max_size=3)),
        "hidden": draw(st.one_of(st.none(), project)),
        "steps": draw(st.lists(person, min_size=1, max_size=30)),
    }


class Model:
    """What the rules say each person may review, computed without the database."""

    def __init__(self, w):
        self.teams = {p: {p} for p in range(w["n_projects"])}  # person p owns project p
        for person, p in w["members"]:
            if person != p:
                self.teams[p].add(person)
        self.visible = {p for p in range(w["n_projects"]) if p != w["hidden"]}
        self.conflicts = set(w["conflicts"])
        self.reviewed = set()
        self.counts = {p: 0 for p in self.visible}

    def reviewer(self, x) -> bool:
        return any(x in self.teams[p] for p in self.visible)

    def eligible(self, x) -> set[int]:
        circle = {x}.union(*(t for t in self.teams.values() if x in t))
        return {p for p in self.visible if not (self.teams[p] & circle)
                and (x, p) not in self.conflicts and (x, p) not in self.reviewed}


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(w=worlds())
def test_every_pick_is_a_lowest_count_and_reviews_stay_balanced(app, w):
    model = Model(w)
    with rolled_back_session(app) as (session, _):
        event = judging_event()
        people = [ProfileFactory() for _ in range(w["n_people"])]
        subs = [submit(event, owner=people[p], hidden=(p == w["hidden"]),
                       members=[people[x] for x in sorted(model.teams[p] - {p})])
                for p in range(w["n_projects"])]
        index = {s.project_id: i for i, s in enumerate(subs)}
        for x, p in model.conflicts:
            session.merge(ConflictOfInterest(profile_id=people[x].id, project_id=subs[p].project_id))
        session.flush()
        balanced_picks = True
        for x in w["steps"]:
            if not model.reviewer(x):
                continue
            eligible = model.eligible(x)
            got = rs.next_submission(session, event, people[x], now=utcnow())
            if not eligible:
                assert got is None
                continue
            picked = index[got]
            assert picked in eligible
            assert model.counts[picked] == min(model.counts[p] for p in eligible)
            lowest = min(model.counts.values())
            if not {p for p, n in model.counts.items() if n == lowest} <= eligible:
                balanced_picks = False
            rs.save_review(session, event, people[x], subs[picked].project.slug,
                           {"feedback": "Honest feedback"}, now=utcnow())
            model.reviewed.add((x, picked))
            model.counts[picked] += 1
            # the database counts what the model counts
            stored = dict(session.query(EventSubmission.project_id, EventSubmission.review_count)
                          .filter(EventSubmission.event_id == event.id))
            assert {index[k]: v for k, v in stored.items() if index[k] in model.visible} \
                == model.counts
            # the pick made by the save is a lowest count too
            auto = queue.held_project_id(session, QueueKind.review, event.id, people[x].id)
            after = model.eligible(x)
            if auto is None:
                assert not after
            else:
                assert model.counts[index[auto]] == min(model.counts[p] for p in after)
            if balanced_picks:
                assert max(model.counts.values()) - min(model.counts.values()) <= 1
