"""Demo hackathon loop: a complete past hackathon ("autumn-shipathon": submissions with
tools and demo images, reviews with highlights, judges' scores, published results) and a
live one in judging ("voice-ai-weekend": reviews and some scores in progress).

Runs after the projects and teams seeders. Both events are past their submission window
(and the past one past judging), and the submission, review and score services check the
event's status, so the demo writes those rows directly with the models — at times inside
each window — then recounts the counters through ``counters``; results go through
``results.publish``. Everything is keyed (entry by (event, project), review by (reviewer,
event, project), score by (judge, event, project), judge by (event, profile)), so running
it twice changes nothing.
"""
from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from ..enums import EventStatus, HighlightCategory
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..projects.models import EventProject, Project
from ..teams.models import ProjectMember
from ..tools.models import AiTool
from . import counters, images, results, submissions
from .models import (EventJudge, EventResult, EventSubmission, EventSubmissionTool,
                     HackathonReview, HackathonReviewHighlight, JudgeScore, SubmissionImage)
from .search_text import search_text

# slug → (submissions wanted, judges, share of submissions scored by every judge)
PLAN = {"autumn-shipathon": (9, ("amara", "kenji", "gracem"), 1.0),
        "voice-ai-weekend": (7, ("priya", "liamoc"), 0.5)}
LESSONS = ["Ship the boring parts first; the demo is what people remember.",
           "Latency matters more than model size for anything with a human waiting.",
           "Write the eval before the prompt.", None]
FEEDBACK = ["Clear demo and a real problem. The onboarding could be one step shorter.",
            "Loved how fast it answers. I would like to see how it handles bad input.",
            "The idea is strong; the README made it easy to try.\nMore screenshots, please!",
            "Great polish for a weekend. A pricing page would make the business case clearer."]
HIGHLIGHTS = {HighlightCategory.creativity: "A fresh take on an old chore",
              HighlightCategory.design: "Calm, readable screens",
              HighlightCategory.impact: "Saves real hours every week",
              HighlightCategory.technical_challenge: "Streaming that never stutters",
              HighlightCategory.business_case: "Teams would pay for this"}
COLOURS = [(37, 99, 235), (22, 163, 74), (219, 39, 119), (234, 88, 12), (124, 58, 237),
           (8, 145, 178)]


def demo_image(seed: int) -> bytes:
    """A small generated screenshot-like PNG (bars and blocks in one colour)."""
    rng = random.Random(seed)
    colour = COLOURS[seed % len(COLOURS)]
    img = Image.new("RGB", (800, 500), (248, 250, 252))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 800, 60), fill=colour)
    for i in range(5):
        top = 90 + i * 75
        draw.rounded_rectangle((40, top, 40 + rng.randint(260, 700), top + 50), radius=10,
                               fill=tuple(min(255, c + 90) for c in colour))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _teams(session, project_ids) -> dict:
    teams = {pid: {owner} for pid, owner in session.execute(
        select(Project.id, Project.profile_id).where(Project.id.in_(project_ids)))}
    for pid, member in session.execute(select(ProjectMember.project_id, ProjectMember.profile_id)
                                       .where(ProjectMember.project_id.in_(project_ids))):
        teams[pid].add(member)
    return teams


def _entries(session, event, wanted: int) -> list[Project]:
    """The event's entered projects, adding entries of registered owners' demo projects
    until ``wanted`` (written directly: the event no longer takes entries)."""
    entered = list(session.scalars(select(Project).join(
        EventProject, EventProject.project_id == Project.id)
        .where(EventProject.event_id == event.id, Project.hidden_at.is_(None))
        .order_by(Project.slug)))
    if len(entered) < wanted:
        have = {p.id for p in entered}
        candidates = session.scalars(select(Project).join(
            EventRegistration, EventRegistration.profile_id == Project.profile_id)
            .where(EventRegistration.event_id == event.id, Project.hidden_at.is_(None))
            .order_by(Project.slug)).all()
        for project in candidates:
            if len(entered) >= wanted:
                break
            if project.id in have:
                continue
            session.add(EventProject(event_id=event.id, project_id=project.id,
                                     entered_by=project.profile_id,
                                     submitted_at=event.starts_at + timedelta(hours=3)))
            entered.append(project)
            have.add(project.id)
        session.flush()
    return sorted(entered, key=lambda p: p.slug)


def _submit(session, event, project, tools, i: int, rng) -> EventSubmission:
    when = event.starts_at + timedelta(hours=6 + i * 5)
    if event.submissions_close_at is not None:
        when = min(when, event.submissions_close_at - timedelta(hours=1))
    when = min(when, event.ends_at - timedelta(hours=1))
    what = (project.description.split("\n")[0][:400]
            or f"{project.name}: a working prototype built during {event.name}.")
    sub = EventSubmission(event_id=event.id, project_id=project.id, submitted_by=project.profile_id,
                          what_built=what, demo_url=project.live_url or None,
                          repo_url=project.github_url or None, video_url=None,
                          lesson_learned=LESSONS[i % len(LESSONS)],
                          search_text=search_text(project.name, what),
                          submitted_at=when, updated_at=when)
    session.add(sub)
    session.flush()
    for tool in rng.sample(tools, min(len(tools), 2 + i % 3)):
        session.add(EventSubmissionTool(submission_id=sub.id, tool_id=tool.id))
    processed = images.process(demo_image(i))
    session.add(SubmissionImage(submission_id=sub.id, created_at=when,
                                **submissions.stored_image(session, sub.id, processed)))
    return sub


def seed(session, rng: random.Random) -> dict:
    """Create the missing demo submissions, reviews, judges, scores and results."""
    made = {"submissions": 0, "reviews": 0, "judges": 0, "scores": 0, "results": 0}
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    events = {e.slug: e for e in session.scalars(select(Event).where(Event.slug.in_(PLAN)))}
    tools = list(session.scalars(select(AiTool).where(AiTool.hidden_at.is_(None),
                                                      AiTool.merged_into_id.is_(None))
                                 .order_by(AiTool.name).limit(40)))
    touched_tools: set = set()
    for slug, (wanted, judge_names, scored_share) in PLAN.items():
        event = events.get(slug)
        if event is None or admin is None:
            continue
        projects = _entries(session, event, wanted)
        teams = _teams(session, [p.id for p in projects])
        subs = {s.project_id: s for s in session.scalars(
            select(EventSubmission).where(EventSubmission.event_id == event.id))}
        for i, project in enumerate(projects):
            if project.id not in subs:
                subs[project.id] = _submit(session, event, project, tools, i,
                                           random.Random(f"{slug}-{project.slug}"))
                made["submissions"] += 1
        session.flush()
        touched_tools |= set(counters.tools_of_submissions(session, [s.id for s in subs.values()]))
        # Judges: a few demo builders and the demo admin.
        judges = list(session.scalars(select(Profile).where(Profile.username.in_(judge_names))
                                      .order_by(Profile.username)))
        judges.append(admin)
        have_judges = set(session.scalars(select(EventJudge.profile_id)
                                          .where(EventJudge.event_id == event.id)))
        for judge in judges:
            if judge.id not in have_judges:
                session.add(EventJudge(event_id=event.id, profile_id=judge.id,
                                       added_by=admin.id, created_at=event.starts_at))
                made["judges"] += 1
        session.flush()
        # Peer reviews: two or three registrants (not on the team) per submission.
        registrants = list(session.scalars(select(EventRegistration.profile_id)
                                           .where(EventRegistration.event_id == event.id)
                                           .order_by(EventRegistration.profile_id)))
        reviewed = set(session.execute(select(HackathonReview.reviewer_profile_id,
                                              HackathonReview.project_id)
                                       .where(HackathonReview.event_id == event.id)))
        review_at = event.ends_at + timedelta(hours=6)
        for i, project in enumerate(projects):
            pool = [r for r in registrants if r not in teams[project.id]]
            picker = random.Random(f"{slug}-{project.slug}")
            for j, reviewer in enumerate(picker.sample(pool, min(len(pool), 2 + i % 2))):
                if (reviewer, project.id) in reviewed:
                    continue
                review = HackathonReview(event_id=event.id, project_id=project.id,
                                         reviewer_profile_id=reviewer,
                                         feedback=FEEDBACK[(i + j) % len(FEEDBACK)],
                                         created_at=review_at, updated_at=review_at)
                session.add(review)
                session.flush()
                for category in list(HIGHLIGHTS)[(i + j) % 5:(i + j) % 5 + 2]:
                    session.add(HackathonReviewHighlight(review_id=review.id, category=category,
                                                         text=HIGHLIGHTS[category]))
                made["reviews"] += 1
        # Scores: every judge on every submission in the past event, half in the live one.
        scored = set(session.execute(select(JudgeScore.judge_profile_id, JudgeScore.project_id)
                                     .where(JudgeScore.event_id == event.id)))
        to_score = projects[:max(1, round(len(projects) * scored_share))]
        for i, project in enumerate(to_score):
            for j, judge in enumerate(judges):
                if judge.id in teams[project.id] or (judge.id, project.id) in scored:
                    continue
                base = 5 - (i % 4)
                marker = random.Random(f"{slug}-{project.slug}-{j}")
                marks = [max(1, min(5, base + marker.choice((-1, 0, 0, 1)))) for _ in range(5)]
                session.add(JudgeScore(event_id=event.id, project_id=project.id,
                                       judge_profile_id=judge.id, creativity=marks[0],
                                       business_case=marks[1], technical_challenge=marks[2],
                                       impact=marks[3], design=marks[4],
                                       comment="Solid demo; the next step is real users."
                                       if j == 0 else None,
                                       created_at=review_at, updated_at=review_at))
                made["scores"] += 1
        session.flush()
        counters.recount_submissions(session, [s.id for s in subs.values()])
        session.flush()
        if event.status == EventStatus.complete and session.scalar(
                select(EventResult.event_id).where(EventResult.event_id == event.id).limit(1)) is None:
            computed = results.compute(session, event)
            if computed.scored:
                results.publish(session, admin, event, computed.fingerprint,
                                now=event.ends_at + timedelta(days=3))
                made["results"] += 1
    counters.recount_tools(session, touched_tools)
    session.flush()
    return made
