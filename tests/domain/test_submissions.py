"""Submissions on a real database: who and when, the single upsert, the trail, tools and
their usage counts, the demo image, withdrawal and the refusals it brings elsewhere."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from buildstory import storage
from buildstory.enums import AiToolCategory, EventStatus, ProjectEventKind
from buildstory.errors import Conflict, Forbidden, ValidationFailed
from buildstory.events import services as event_services
from buildstory.hackathon import images, submissions
from buildstory.hackathon.models import (EventSubmission, EventSubmissionTool, SubmissionCard,
                                         SubmissionImage)
from buildstory.hackathon.search_text import normalise
from buildstory.identity.services import utcnow
from buildstory.projects import services as project_services
from buildstory.projects.models import EventProject, ProjectEvent
from buildstory.tools.models import AiTool
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)
from tests.hackathon_factories import (AiToolFactory, EventJudgeFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)

FIELDS = {"what_built": "An agent that files my taxes", "demo_url": None, "repo_url": None,
          "video_url": None, "lesson_learned": None}


@pytest.fixture
def team(db_session):
    """An active event; a project owned by ``owner`` with ``member`` on its team, both
    registered; the project is not entered yet."""
    event = EventFactory(active=True, name="Spring Jam")
    project = ProjectFactory(name="Café Bot")
    member = ProfileFactory(display_name="Mia Member")
    ProjectMemberFactory(project=project, profile=member)
    for person in (project.owner, member):
        EventRegistrationFactory(event=event, profile=person)
    db_session.flush()
    db_session.refresh(project)
    return event, project, project.owner, member


def save(db_session, team_, actor=None, tools=(), **changes):
    event, project, owner, _ = team_
    return submissions.save_submission(db_session, project, event, actor or owner,
                                       {**FIELDS, **changes}, list(tools), now=utcnow())


def trail(db_session, project):
    return db_session.execute(
        select(ProjectEvent.kind, ProjectEvent.details, ProjectEvent.actor_name)
        .where(ProjectEvent.project_id == project.id)
        .order_by(ProjectEvent.created_at, ProjectEvent.id)).all()


def recount(db_session) -> dict:
    """usage_count as it should be: visible submissions using each tool."""
    rows = db_session.execute(select(AiTool.id, AiTool.usage_count)).all()
    actual = dict(db_session.execute(
        select(EventSubmissionTool.tool_id, func.count())
        .join(EventSubmission, EventSubmission.id == EventSubmissionTool.submission_id)
        .join(ProjectFactory._meta.model, ProjectFactory._meta.model.id == EventSubmission.project_id)
        .where(ProjectFactory._meta.model.hidden_at.is_(None))
        .group_by(EventSubmissionTool.tool_id)).all())
    return {tool_id: (stored, actual.get(tool_id, 0)) for tool_id, stored in rows}


def assert_counts_exact(db_session):
    for tool_id, (stored, actual) in recount(db_session).items():
        assert stored == actual, (tool_id, stored, actual)


def test_first_save_creates_the_submission_the_entry_and_the_trail(db_session, team):
    event, project, owner, _ = team
    result = save(db_session, team, demo_url="https://demo.example/")
    assert result.created and result.changed == []
    sub = result.submission
    assert sub.submitted_by == owner.id and sub.what_built == FIELDS["what_built"]
    assert sub.search_text == "cafe bot an agent that files my taxes"
    assert db_session.scalar(select(func.count()).select_from(EventProject).where(
        EventProject.event_id == event.id, EventProject.project_id == project.id)) == 1
    lines = trail(db_session, project)
    assert sorted(k.value for k, _, _ in lines) == ["entered_event", "submitted"]
    details = next(d for k, d, _ in lines if k == ProjectEventKind.submitted)
    assert details == {"event_id": str(event.id), "fields": ["What you built", "Demo URL"]}


def test_updates_name_the_changed_fields_and_a_save_changing_nothing_writes_nothing(
        db_session, team):
    event, project, owner, member = team
    tool = AiToolFactory()
    first = save(db_session, team).submission
    updated_at = first.updated_at
    second = save(db_session, team, actor=member, tools=[tool.id], what_built="A better agent",
                  lesson_learned="Ship daily")
    assert not second.created
    assert second.changed == ["What you built", "Lesson learned", "AI tools"]
    assert second.submission.submitted_by == member.id  # the last saver
    assert second.submission.search_text == "cafe bot a better agent"
    before = len(trail(db_session, project))
    third = save(db_session, team, actor=owner, tools=[tool.id], what_built="A better agent",
                 lesson_learned="Ship daily")
    assert third.changed == [] and not third.created
    assert len(trail(db_session, project)) == before  # nothing written
    assert third.submission.submitted_by == member.id
    assert third.submission.updated_at == second.submission.updated_at != updated_at
    kinds = [(k, d) for k, d, _ in trail(db_session, project)]
    assert kinds[-1] == (ProjectEventKind.submission_updated, {
        "event_id": str(event.id), "fields": ["What you built", "Lesson learned", "AI tools"]})
    assert db_session.scalar(select(func.count()).select_from(EventSubmission)) == 1


def test_who_and_when_in_order(db_session, team):
    event, project, owner, member = team
    stranger = ProfileFactory()
    with pytest.raises(Forbidden, match="You are not on this project's team"):
        save(db_session, team, actor=stranger)
    unregistered = ProfileFactory()
    ProjectMemberFactory(project=project, profile=unregistered)
    db_session.refresh(project)
    event.status = EventStatus.judging  # both refusals apply: the registration comes first
    with pytest.raises(Conflict, match="Register for this event first"):
        save(db_session, team, actor=unregistered)
    with pytest.raises(Conflict, match="^Submissions are closed for this event$"):
        save(db_session, team)
    event.status = EventStatus.open
    with pytest.raises(Conflict, match="^Submissions have not opened yet$"):
        save(db_session, team)
    event.status = EventStatus.active
    event.submissions_close_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(Conflict, match="^Submissions are closed for this event$"):
        save(db_session, team)
    event.submissions_close_at = utcnow() + timedelta(hours=1)
    assert save(db_session, team).created


def test_tools_at_most_ten_and_only_from_the_list(db_session, team):
    tools = [AiToolFactory() for _ in range(11)]
    with pytest.raises(ValidationFailed) as exc:
        save(db_session, team, tools=[t.id for t in tools])
    assert exc.value.errors == {"tools": "Choose at most 10 AI tools"}
    hidden = AiToolFactory(hidden_at=utcnow())
    merged = AiToolFactory(merged_into_id=tools[0].id)
    for bad in (hidden.id, merged.id, uuid.uuid4(), None):
        with pytest.raises(ValidationFailed) as exc:
            save(db_session, team, tools=[tools[0].id, bad])
        assert exc.value.errors == {"tools": "Choose tools from the list"}
    # the same tool twice is one choice
    result = save(db_session, team, tools=[tools[1].id, tools[1].id])
    assert [t for t in submissions._tool_ids(db_session, result.submission.id)] == [tools[1].id]


def test_usage_counts_follow_saves_and_withdrawals(db_session, team):
    event, project, owner, _ = team
    a, b, c = AiToolFactory(), AiToolFactory(), AiToolFactory()
    save(db_session, team, tools=[a.id, b.id])
    assert_counts_exact(db_session)
    assert [db_session.get(AiTool, t.id).usage_count for t in (a, b, c)] == [1, 1, 0]
    save(db_session, team, tools=[b.id, c.id])
    assert_counts_exact(db_session)
    assert [db_session.get(AiTool, t.id).usage_count for t in (a, b, c)] == [0, 1, 1]
    assert submissions.withdraw(db_session, project, event, owner, now=utcnow())
    assert_counts_exact(db_session)
    assert [db_session.get(AiTool, t.id).usage_count for t in (a, b, c)] == [0, 0, 0]


def test_an_invisible_submission_moves_no_usage_count(db_session, team):
    event, project, owner, _ = team
    project.hidden_at = utcnow()
    tool = AiToolFactory()
    save(db_session, team, tools=[tool.id])
    assert db_session.get(AiTool, tool.id).usage_count == 0
    assert_counts_exact(db_session)


def test_withdraw_deletes_the_submission_keeps_the_entry_and_records_it(db_session, team):
    event, project, owner, member = team
    tool = AiToolFactory()
    sub = save(db_session, team, tools=[tool.id]).submission
    sub_id = sub.id
    submissions.set_image(db_session, project, event, owner, png(), now=utcnow())
    db_session.add(SubmissionCard(submission_id=sub_id, version="v1", png=b"x"))
    db_session.flush()
    assert submissions.withdraw(db_session, project, event, member, now=utcnow())
    for model in (EventSubmission, EventSubmissionTool, SubmissionImage, SubmissionCard):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db_session.scalar(select(func.count()).select_from(EventProject)) == 1
    kind, details, actor = trail(db_session, project)[-1]
    assert (kind, details, actor) == (ProjectEventKind.submission_withdrawn,
                                      {"event_id": str(event.id), "fields": []}, "Mia Member")
    assert not submissions.withdraw(db_session, project, event, owner, now=utcnow())
    # a new submission afterwards is "submitted" again
    assert save(db_session, team).created


@pytest.mark.parametrize("kind", ["review", "score"])
def test_withdraw_is_refused_once_reviewed_or_scored(db_session, team, kind):
    event, project, owner, _ = team
    sub = save(db_session, team).submission
    if kind == "review":
        HackathonReviewFactory(submission=sub)
    else:
        JudgeScoreFactory(submission=sub, judge=EventJudgeFactory(event=event))
    with pytest.raises(Conflict, match="^A submission with reviews or scores cannot be withdrawn$"):
        submissions.withdraw(db_session, project, event, owner, now=utcnow())
    assert db_session.scalar(select(func.count()).select_from(EventSubmission)) == 1


def test_removing_a_submitted_project_from_the_event_asks_to_withdraw_first(db_session, team):
    event, project, owner, _ = team
    save(db_session, team)
    with pytest.raises(Conflict, match="^Withdraw the submission first$"):
        project_services.leave_event(db_session, project, event, owner, now=utcnow())
    submissions.withdraw(db_session, project, event, owner, now=utcnow())
    project_services.leave_event(db_session, project, event, owner, now=utcnow())


def test_withdrawing_a_registration_with_a_submitted_project_is_refused(db_session, team):
    event, project, owner, member = team
    save(db_session, team)
    with pytest.raises(Conflict, match="^Withdraw your project's submission first$"):
        event_services.withdraw(db_session, event, owner, now=utcnow())
    # a member's registration does not hold the owner's project's entry
    assert event_services.withdraw(db_session, event, member, now=utcnow())


def test_entering_directly_during_judging_keeps_the_entry_message(db_session, team):
    event, project, owner, _ = team
    event.status = EventStatus.judging
    with pytest.raises(Conflict, match="^Submissions are not open for this event$"):
        project_services.enter_event(db_session, project, event, owner, now=utcnow())


def test_renaming_the_project_rewrites_the_search_text(db_session, team):
    event, project, owner, _ = team
    save(db_session, team)
    project_services.update_project(db_session, project, owner, {
        "name": "Ünïcode Ärger", "slug": project.slug, "description": project.description},
        now=utcnow())
    sub = submissions.find(db_session, event.id, project.id)
    assert sub.search_text == "unicode arger an agent that files my taxes"
    assert normalise("  CRÈME  Brûlée ") == "creme brulee"


def test_the_first_form_state_and_the_picker(db_session, team):
    event, project, owner, _ = team
    coding = AiToolFactory(name="Editor X", category=AiToolCategory.coding)
    others = [AiToolFactory(name=f"Other {i:02}", category=AiToolCategory.other,
                            usage_count=i) for i in range(25)]
    AiToolFactory(name="Gone", category=AiToolCategory.coding, hidden_at=utcnow())
    state = submissions.form_state(db_session, project, event, owner)
    assert state.submission is None and state.registered and state.image is None
    offered = submissions.picker_tools(db_session, None, [])
    names = [t.name for t, _ in offered]
    assert "Editor X" in names and "Gone" not in names
    # the 20 most used of "other": usage 24 down to 5
    assert [n for n in names if n.startswith("Other")] == [f"Other {i:02}" for i in range(24, 4, -1)]
    sub = save(db_session, team, tools=[others[0].id, coding.id]).submission
    offered = submissions.picker_tools(db_session, sub.id, [others[1].id])
    used = {t.name for t, is_used in offered if is_used}
    assert used == {"Other 00", "Editor X"}
    assert {"Other 00", "Other 01"} <= {t.name for t, _ in offered}
    state = submissions.form_state(db_session, project, event, owner)
    assert state.submission.id == sub.id


# --- demo image -----------------------------------------------------------------------

def png(size=(2400, 1200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_the_demo_image_is_reencoded_to_fit_with_a_thumbnail(db_session, team):
    event, project, owner, _ = team
    save(db_session, team)
    row = submissions.set_image(db_session, project, event, owner, png(), now=utcnow())
    assert (row.width, row.height) == (1600, 800)
    image = storage.read(db_session, key=row.storage_key, inline=row.image)
    thumb = storage.read(db_session, key=row.thumb_storage_key, inline=row.thumb)
    assert len(image) <= 512 * 1024
    with Image.open(io.BytesIO(image)) as img:
        assert img.format == "WEBP" and img.size == (1600, 800)
        assert not img.info.get("exif") and not img.info.get("icc_profile")
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.size == (480, 240)
    kind, details, _ = trail(db_session, project)[-1]
    assert kind == ProjectEventKind.submission_updated and details["fields"] == ["Demo image"]
    assert submissions.remove_image(db_session, project, event, owner, now=utcnow())
    assert trail(db_session, project)[-1][1]["fields"] == ["Demo image"]
    assert not submissions.remove_image(db_session, project, event, owner, now=utcnow())


def test_an_animated_gif_keeps_its_first_frame_and_no_metadata():
    frames = [Image.new("RGB", (64, 40), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    processed = images.process(out.getvalue())
    with Image.open(io.BytesIO(processed.image)) as img:
        assert getattr(img, "n_frames", 1) == 1
        r, g, b = img.convert("RGB").getpixel((10, 10))
        assert r > 200 and b < 60


def test_noisy_photos_still_fit_in_512_kb():
    noisy = Image.merge("RGB", [Image.effect_noise((2400, 1500), 120) for _ in range(3)])
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=90)
    assert len(out.getvalue()) <= images.MAX_BYTES
    processed = images.process(out.getvalue())
    assert len(processed.image) <= 512 * 1024
    assert processed.width <= 1600 and processed.height <= 1000


def test_bad_uploads_are_refused_with_their_messages():
    with pytest.raises(images.ImageTooLarge, match="Image must be 5 MB or smaller"):
        images.process(b"x" * (5 * 1024 * 1024 + 1))
    for junk in (b"", b"not an image", png()[:200], b"%PDF-1.4"):
        with pytest.raises(ValidationFailed) as exc:
            images.process(junk)
        assert exc.value.errors == {"image": "Upload a JPEG, PNG, WebP or GIF image"}
    # over 40 megapixels by its header: refused before decoding
    big = io.BytesIO()
    Image.new("1", (8000, 6000)).save(big, "PNG")
    assert len(big.getvalue()) < images.MAX_BYTES
    with pytest.raises(ValidationFailed) as exc:
        images.process(big.getvalue())
    assert exc.value.errors == {"image": "Upload a JPEG, PNG, WebP or GIF image"}


def test_image_changes_follow_the_same_who_and_when(db_session, team):
    event, project, owner, _ = team
    with pytest.raises(Conflict, match="Submit the project first"):
        submissions.set_image(db_session, project, event, owner, png(), now=utcnow())
    save(db_session, team)
    event.status = EventStatus.judging
    with pytest.raises(Conflict, match="^Submissions are closed for this event$"):
        submissions.set_image(db_session, project, event, owner, png(), now=utcnow())
    with pytest.raises(Forbidden):
        submissions.remove_image(db_session, project, event, ProfileFactory(), now=utcnow())
