"""Prize draws: eligibility, refusals, the stored record, audit, verification, the CLI."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.draws.models import PrizeDraw
from buildstory.audit import AuditLog
from buildstory.draws import algorithm, queries, services
from buildstory.errors import Conflict, ValidationFailed
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory

NOW = datetime(2025, 5, 1, 18, 0, tzinfo=UTC)
SEED = "5e" * 32


def register(event, **profile):
    person = ProfileFactory(**profile)
    EventRegistrationFactory(event=event, profile=person)
    return person


def usernames(people):
    return [p["username"] for p in people]


def test_eligible_is_visible_registrants_with_username_in_code_point_order(db_session):
    event = EventFactory(status="complete")
    for name in ["zoe", "adam", "aab", "bob", "a_b", "a-b", "a0b", "zz9"]:
        register(event, username=name)
    register(event, username="hidden1", hidden=True)
    register(event, username="banned1", banned=True)
    register(event, no_username=True)
    ProfileFactory(username="notregistered")
    register(EventFactory(), username="otherevent")
    people = queries.eligible(db_session, event.id)
    # Code points: "-" (45) < "0" (48) < "_" (95) < "a" (97); a locale sort that skips
    # punctuation would give another order.
    assert usernames(people) == ["a-b", "a0b", "a_b", "aab", "adam", "bob", "zoe", "zz9"]
    assert all(set(p) == {"profile_id", "username"} for p in people)


def test_run_draw_stores_a_verifiable_record_and_audits(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status="complete")
    for i in range(6):
        register(event, username=f"pp{i}")
    draw = services.run_draw(db_session, admin, event, 2, exclude_earlier_winners=False,
                             now=NOW, seed=SEED)
    eligible = queries.eligible(db_session, event.id)
    assert draw.seed == SEED and draw.algorithm == "sha256-ctr-fisher-yates/1"
    assert draw.eligible == eligible and draw.total_eligible == 6
    assert draw.winners == algorithm.draw(eligible, SEED, 2) and draw.winner_count == 2
    assert draw.excluded_previous_winners is False
    assert draw.drawn_by == admin.id and draw.drawn_at == NOW
    audit = db_session.scalar(select(AuditLog))
    assert audit.action == "run_prize_draw" and audit.actor_profile_id == admin.id
    assert audit.meta == {"draw_id": str(draw.id), "event_id": str(event.id), "winner_count": 2}
    assert services.verify(draw).match


def test_seed_is_256_random_bits_when_not_given(db_session):
    event = EventFactory(status="active")
    register(event)
    draws = [services.run_draw(db_session, ProfileFactory(admin=True), event, 1,
                               exclude_earlier_winners=False, now=NOW) for _ in range(2)]
    assert all(len(d.seed) == 64 and int(d.seed, 16) >= 0 for d in draws)
    assert draws[0].seed != draws[1].seed


def test_excluding_earlier_winners(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status="complete")
    for i in range(4):
        register(event, username=f"pp{i}")
    first = services.run_draw(db_session, admin, event, 2, exclude_earlier_winners=False,
                              now=NOW, seed=SEED)
    winners = set(usernames(first.winners))
    second = services.run_draw(db_session, admin, event, 2, exclude_earlier_winners=True,
                               now=NOW, seed=SEED)
    assert set(usernames(second.eligible)) == {f"pp{i}" for i in range(4)} - winners
    assert not winners & set(usernames(second.winners))
    assert second.excluded_previous_winners is True and second.total_eligible == 2
    # Without the flag, earlier winners are back in.
    third = services.run_draw(db_session, admin, event, 1, exclude_earlier_winners=False,
                              now=NOW, seed=SEED)
    assert third.total_eligible == 4
    assert third.total_eligible == 4


def test_winners_of_another_event_stay_eligible(db_session):
    admin = ProfileFactory(admin=True)
    first, second = EventFactory(status="complete"), EventFactory(status="active")
    person = register(first, username="double")
    EventRegistrationFactory(event=second, profile=person)
    services.run_draw(db_session, admin, first, 1, exclude_earlier_winners=False, now=NOW)
    assert queries.eligible(db_session, first.id, exclude_earlier_winners=True) == []
    assert usernames(queries.eligible(db_session, second.id,
                                      exclude_earlier_winners=True)) == ["double"]


@pytest.mark.parametrize("count", [0, -3])
def test_winners_must_be_at_least_one(db_session, count):
    event = EventFactory(status="complete")
    register(event)
    with pytest.raises(ValidationFailed) as exc:
        services.run_draw(db_session, ProfileFactory(admin=True), event, count,
                          exclude_earlier_winners=False, now=NOW)
    assert exc.value.errors == {"winner_count": "Winners must be at least 1"}
    assert exc.value.status == 422


@pytest.mark.parametrize("raw,message", [("0", "Winners must be at least 1"),
                                         ("-1", "Winners must be at least 1"),
                                         ("", "Winners must be a whole number"),
                                         ("two", "Winners must be a whole number"),
                                         ("1.5", "Winners must be a whole number"),
                                         ("²", "Winners must be a whole number")])
def test_parse_winner_count(raw, message):
    with pytest.raises(ValidationFailed) as exc:
        services.parse_winner_count(raw)
    assert exc.value.errors == {"winner_count": message}
    assert services.parse_winner_count(" 3 ") == 3


def test_more_winners_than_eligible_is_a_conflict(db_session):
    event = EventFactory(status="complete")
    register(event)
    register(event)
    register(event, hidden=True)
    with pytest.raises(Conflict) as exc:
        services.run_draw(db_session, ProfileFactory(admin=True), event, 3,
                          exclude_earlier_winners=False, now=NOW)
    assert exc.value.status == 409
    assert exc.value.message == "Requested 3 winners but only 2 eligible participants"
    assert db_session.scalar(select(func.count()).select_from(PrizeDraw)) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_no_event_is_a_field_error(db_session):
    with pytest.raises(ValidationFailed) as exc:
        services.run_draw(db_session, ProfileFactory(admin=True), None, 1,
                          exclude_earlier_winners=False, now=NOW)
    assert exc.value.errors == {"event_id": "Choose an event from the list"}


def test_draw_events_are_the_non_draft_ones(db_session):
    draft = EventFactory(status="draft")
    others = [EventFactory(status=s) for s in ("open", "active", "judging", "complete")]
    events = queries.draw_events(db_session)
    assert draft not in events and set(others) <= set(events)
    assert queries.draw_event_or_none(db_session, draft.id) is None


def make_draw(db_session):
    event = EventFactory(status="complete")
    for i in range(5):
        register(event, username=f"vv{i}")
    return services.run_draw(db_session, ProfileFactory(admin=True), event, 2,
                             exclude_earlier_winners=False, now=NOW, seed=SEED)


@pytest.mark.parametrize("tamper", [
    lambda d: setattr(d, "winners", list(reversed(d.winners))),
    lambda d: setattr(d, "winners", [d.eligible[-1], d.eligible[0]]),
    lambda d: setattr(d, "seed", "5f" * 32),
    lambda d: setattr(d, "eligible", d.eligible[1:]),
    lambda d: setattr(d, "eligible", list(reversed(d.eligible))),
    lambda d: setattr(d, "algorithm", "sha256-ctr-fisher-yates/2"),
    lambda d: setattr(d, "seed", "not hex"),
    lambda d: setattr(d, "winner_count", 3),
])
def test_verify_detects_tampering(db_session, tamper):
    draw = make_draw(db_session)
    assert services.verify(draw).match
    tamper(draw)
    result = services.verify(draw)
    assert not result.match and result.problems
