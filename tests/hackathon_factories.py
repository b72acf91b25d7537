"""factory-boy factories for the hackathon loop's tables (tools, submissions, reviews,
judges, scores), in the style of ``tests/factories.py``.

``EventSubmissionFactory()`` makes an active event, a project entered in it and its
submission; pass ``entry=`` (an EventProject) or ``entry__event=`` / ``entry__project=`` to
place it. Counters are NOT maintained by factories: tests of counters go through the
services; factories that add reviews or scores take ``bump=True`` to move them.
"""
from __future__ import annotations

import factory

from buildstory.db import db
from buildstory.enums import AiToolCategory, EventStatus, HighlightCategory
from buildstory.hackathon import counters
from buildstory.hackathon.models import (EventJudge, EventSubmission, EventSubmissionTool,
                                         HackathonReview, HackathonReviewHighlight, JudgeScore)
from buildstory.tools.models import AiTool
from tests.factories import (BaseFactory, EventFactory, EventProjectFactory, ProfileFactory,
                             utcnow)


class AiToolFactory(BaseFactory):
    """A visible tool in the catalogue."""

    class Meta:
        model = AiTool

    name = factory.Sequence(lambda n: f"Tool {n}")
    name_key = factory.LazyAttribute(lambda o: "".join(c for c in o.name.casefold() if c.isalnum()))
    slug = factory.LazyAttribute(lambda o: "-".join(o.name.lower().split()))
    category = AiToolCategory.coding


class EventSubmissionFactory(BaseFactory):
    """A submission of an entered project, saved by the project's owner."""

    class Meta:
        model = EventSubmission
        exclude = ("entry",)

    entry = factory.SubFactory(EventProjectFactory,
                               event=factory.SubFactory(EventFactory, status=EventStatus.active))
    event_id = factory.SelfAttribute("entry.event.id")
    project_id = factory.SelfAttribute("entry.project.id")
    submitted_by = factory.SelfAttribute("entry.project.owner.id")
    what_built = factory.Sequence(lambda n: f"An agent that ships things, take {n}")
    search_text = factory.LazyAttribute(
        lambda o: f"{o.entry.project.name} {o.what_built}".lower())
    submitted_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def tools(obj, create, extracted, **kwargs):
        for tool in extracted or ():
            db.session.add(EventSubmissionTool(submission_id=obj.id, tool_id=tool.id))
        if extracted:
            db.session.flush()


class HackathonReviewFactory(BaseFactory):
    """A peer review of a submission; ``highlights={"creativity": "text"}`` adds highlights;
    ``bump=True`` moves the submission's review and highlight counters."""

    class Meta:
        model = HackathonReview
        exclude = ("submission", "reviewer")

    submission = factory.SubFactory(EventSubmissionFactory)
    reviewer = factory.SubFactory(ProfileFactory)
    event_id = factory.SelfAttribute("submission.event_id")
    project_id = factory.SelfAttribute("submission.project_id")
    reviewer_profile_id = factory.SelfAttribute("reviewer.id")
    feedback = factory.Faker("sentence")

    @factory.post_generation
    def highlights(obj, create, extracted, **kwargs):
        for category, text in (extracted or {}).items():
            db.session.add(HackathonReviewHighlight(review_id=obj.id,
                                                    category=HighlightCategory(category),
                                                    text=text))
        db.session.flush()

    @factory.post_generation
    def bump(obj, create, extracted, **kwargs):
        if extracted:
            # the service's own recount: every stored counter of the submission, exact
            sub_id = db.session.scalars(db.select(EventSubmission.id).filter_by(
                event_id=obj.event_id, project_id=obj.project_id)).one()
            counters.recount_submissions(db.session, [sub_id])


class EventJudgeFactory(BaseFactory):
    """A judge of an event (an active one unless told)."""

    class Meta:
        model = EventJudge
        exclude = ("event", "profile")

    event = factory.SubFactory(EventFactory, status=EventStatus.judging)
    profile = factory.SubFactory(ProfileFactory)
    event_id = factory.SelfAttribute("event.id")
    profile_id = factory.SelfAttribute("profile.id")


class JudgeScoreFactory(BaseFactory):
    """A judge's scores for a submission (the judge must judge the submission's event):
    ``JudgeScoreFactory(submission=s, judge=EventJudgeFactory(event=...))``."""

    class Meta:
        model = JudgeScore
        exclude = ("submission", "judge")

    submission = factory.SubFactory(EventSubmissionFactory)
    judge = factory.SubFactory(EventJudgeFactory)
    event_id = factory.SelfAttribute("submission.event_id")
    project_id = factory.SelfAttribute("submission.project_id")
    judge_profile_id = factory.SelfAttribute("judge.profile_id")
    creativity = 3
    business_case = 3
    technical_challenge = 3
    impact = 3
    design = 3

    @factory.post_generation
    def bump(obj, create, extracted, **kwargs):
        if extracted:
            sub = db.session.scalars(db.select(EventSubmission).filter_by(
                event_id=obj.event_id, project_id=obj.project_id)).one()
            sub.judge_score_count += 1
            db.session.flush()
