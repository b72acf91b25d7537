"""The judge page: the judging queue and the score form (docs/rules.md "Judging").

Judges are ``event_judges`` rows; anyone else is refused (403) before anything else.
Judging is open in the judging status only. The queue hands out only submissions with
fewer than the event's **Judges per submission** scores, fewest first.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..enums import QueueKind
from ..errors import Conflict
from . import counters, eligibility, queue, rules
from .models import JudgeScore
from .review_forms import parse_scores
from .review_services import submission_for

JUDGE = QueueKind.judge


def require_judging(session, event, profile) -> None:
    """403 for anyone but the event's judges; 409 while judging is not open."""
    eligibility.require_judge(session, event.id, profile.id)
    if message := rules.judging_refusal(event):
        raise Conflict(message)


def _hand_out(session, event, profile, now):
    return queue.hand_out(session, JUDGE, event.id, profile.id, k=event.judges_per_submission,
                          now=now)


def next_submission(session, event, profile, *, now) -> uuid.UUID | None:
    """**Judge next submission**: a fresh pick replaces what the judge held."""
    require_judging(session, event, profile)
    return _hand_out(session, event, profile, now)


def skip(session, event, profile, *, now) -> uuid.UUID | None:
    require_judging(session, event, profile)
    held = queue.held_project_id(session, JUDGE, event.id, profile.id)
    if held is not None:
        queue.add_skip(session, JUDGE, event.id, profile.id, held)
    return _hand_out(session, event, profile, now)


def declare_conflict(session, event, profile, *, now) -> uuid.UUID | None:
    require_judging(session, event, profile)
    held = queue.held_project_id(session, JUDGE, event.id, profile.id)
    if held is not None:
        queue.add_conflict(session, profile.id, held, event.id)
    return _hand_out(session, event, profile, now)


def own_score(session, event_id, project_id, profile_id) -> JudgeScore | None:
    return session.scalar(select(JudgeScore).where(
        JudgeScore.judge_profile_id == profile_id, JudgeScore.event_id == event_id,
        JudgeScore.project_id == project_id))


def _require_may_write(session, event, profile, project, score) -> None:
    if score is None and queue.held_project_id(session, JUDGE, event.id, profile.id) != project.id:
        raise Conflict(eligibility.SCORE_GIVEN)


def open_form(session, event, profile, project_slug: str):
    """``(submission, project, score or None)`` for the score form, refused like a save."""
    require_judging(session, event, profile)
    submission, project = submission_for(session, event.id, project_slug)
    eligibility.require_eligible(session, profile.id, project.id)
    score = own_score(session, event.id, project.id, profile.id)
    _require_may_write(session, event, profile, project, score)
    return submission, project, score


def save_scores(session, event, profile, project_slug: str, values, *, now) -> tuple[JudgeScore, bool]:
    """**Save scores**: one score row per (judge, event, project); a repeated create
    updates. A new score hands out the next submission. Returns ``(score, created)``."""
    require_judging(session, event, profile)
    submission, project = submission_for(session, event.id, project_slug, lock=True)
    eligibility.require_eligible(session, profile.id, project.id)
    score = own_score(session, event.id, project.id, profile.id)
    _require_may_write(session, event, profile, project, score)
    scores, comment = parse_scores(values)
    created = score is None
    if created:
        stmt = insert(JudgeScore).values(event_id=event.id, project_id=project.id,
                                         judge_profile_id=profile.id, comment=comment,
                                         created_at=now, updated_at=now, **scores)
        stmt = stmt.on_conflict_do_update(
            index_elements=["judge_profile_id", "event_id", "project_id"],
            set_={**{name: getattr(stmt.excluded, name) for name in scores},
                  "comment": stmt.excluded.comment, "updated_at": stmt.excluded.updated_at})
        score = session.get(JudgeScore, session.scalar(stmt.returning(JudgeScore.id)))
    else:
        for name, value in scores.items():
            setattr(score, name, value)
        score.comment = comment
        score.updated_at = now
    session.flush()
    counters.recount_submissions(session, [submission.id])
    if created:
        _hand_out(session, event, profile, now)
    return score, created

