"""Prize draws: run one (audited) and verify a stored one (docs/rules.md "Applications, streams and draws").

A draw snapshots the eligible list it used, so it can be re-checked later even after
people registered, withdrew or were hidden: ``verify`` recomputes the winners from the
stored seed and list alone.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from .models import PrizeDraw
from ..audit import record
from ..errors import Conflict, ValidationFailed
from ..events.models import Event
from . import algorithm, queries

WINNERS_MIN = "Winners must be at least 1"
WINNERS_NUMBER = "Winners must be a whole number"
EVENT_CHOICE = "Choose an event from the list"


class NotEnoughEligible(Conflict):
    """More winners were asked for than there are eligible participants."""

    def __init__(self, requested: int, eligible: int):
        super().__init__(f"Requested {requested} winners but only {eligible} "
                         "eligible participants")


def parse_winner_count(raw) -> int:
    """Return the number of winners asked for; ValidationFailed unless a whole number ≥ 1."""
    text = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"-?[0-9]{1,9}", text):
        raise ValidationFailed({"winner_count": WINNERS_NUMBER})
    count = int(text)
    if count < 1:
        raise ValidationFailed({"winner_count": WINNERS_MIN})
    return count


def run_draw(session, actor, event: Event | None, winner_count: int, *,
             exclude_earlier_winners: bool, now: datetime, seed: str | None = None) -> PrizeDraw:
    """Draw ``winner_count`` winners for ``event`` and store the verifiable record (audited).

    Raises ValidationFailed (no event, winners below 1) or NotEnoughEligible (409). The
    event row is locked so two draws of one event, both excluding earlier winners,
    cannot pick the same person.
    """
    if event is None:
        raise ValidationFailed({"event_id": EVENT_CHOICE})
    if winner_count < 1:
        raise ValidationFailed({"winner_count": WINNERS_MIN})
    session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    people = queries.eligible(session, event.id, exclude_earlier_winners=exclude_earlier_winners)
    if winner_count > len(people):
        raise NotEnoughEligible(winner_count, len(people))
    seed = seed or secrets.token_hex(algorithm.SEED_BYTES)
    prize_draw = PrizeDraw(
        event_id=event.id, seed=seed, algorithm=algorithm.ALGORITHM, eligible=people,
        excluded_previous_winners=exclude_earlier_winners,
        winners=algorithm.draw(people, seed, winner_count), winner_count=winner_count,
        total_eligible=len(people), drawn_by=actor.id if actor else None, drawn_at=now)
    session.add(prize_draw)
    session.flush()
    record(session, actor, "run_prize_draw", draw_id=prize_draw.id, event_id=event.id,
           winner_count=winner_count)
    return prize_draw


@dataclass
class Verification:
    """The outcome of re-computing a stored draw."""

    match: bool
    expected: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def verify(prize_draw: PrizeDraw) -> Verification:
    """Recompute a stored draw from its seed and eligible list; say whether all of it matches."""
    problems: list[str] = []
    if prize_draw.algorithm != algorithm.ALGORITHM:
        return Verification(False, [], [f"unknown algorithm {prize_draw.algorithm!r}"])
    try:
        algorithm.seed_bytes(prize_draw.seed)
    except (TypeError, ValueError):
        return Verification(False, [], ["the seed is not 64 hex digits"])
    people = list(prize_draw.eligible or [])
    names = [p.get("username") if isinstance(p, dict) else None for p in people]
    if any(not isinstance(n, str) for n in names):
        return Verification(False, [], ["the eligible list has an entry without a username"])
    if names != sorted(names) or len(set(names)) != len(names):
        problems.append("the eligible list is not sorted by username without repeats")
    if prize_draw.total_eligible != len(people):
        problems.append(f"total_eligible is {prize_draw.total_eligible}, the list has {len(people)}")
    winners = list(prize_draw.winners or [])
    if prize_draw.winner_count != len(winners):
        problems.append(f"winner_count is {prize_draw.winner_count}, {len(winners)} winners stored")
    expected = algorithm.draw(people, prize_draw.seed, max(prize_draw.winner_count, 0))
    if expected != winners:
        problems.append("the stored winners differ from the recomputed ones")
    return Verification(not problems, expected, problems)
