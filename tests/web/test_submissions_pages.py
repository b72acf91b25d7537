"""The submission form, its demo image and its withdrawal through the test client: labels
and buttons, plain and htmx answers, refusals with their statuses, the images' URLs."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from buildstory.enums import EventStatus, ProjectEventKind
from buildstory.hackathon.models import EventSubmission, EventSubmissionTool, SubmissionImage
from buildstory.projects.models import EventProject, ProjectEvent
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             ProjectFactory, ProjectMemberFactory)
from tests.hackathon_factories import AiToolFactory, HackathonReviewFactory

URL = "/projects/bot/submissions/live-jam"
FORM = {"what_built": "A bot that reads receipts", "demo_url": "https://bot.example",
        "repo_url": "", "video_url": "https://video.example/demo", "lesson_learned": ""}


def text(r):
    return r.get_data(as_text=True)


@pytest.fixture
def team(db_session):
    event = EventFactory(active=True, slug="live-jam", name="Live Jam")
    project = ProjectFactory(slug="bot", name="Receipt Bot", live_url="https://live.example/",
                             github_url="https://github.com/a/bot")
    member = ProfileFactory(display_name="Mia")
    ProjectMemberFactory(project=project, profile=member)
    for person in (project.owner, member):
        EventRegistrationFactory(event=event, profile=person)
    db_session.flush()
    return event, project, project.owner, member


def count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def png(size=(800, 500)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 150, 90)).save(out, "PNG")
    return out.getvalue()


def test_the_first_form_is_prefilled_and_has_the_contract_labels(login, team):
    event, project, owner, _ = team
    AiToolFactory(name="Cursor")
    page = text(login(owner).get(URL))
    for name, label in (("what_built", "What you built"), ("demo_url", "Demo URL"),
                        ("repo_url", "Repository URL"), ("video_url", "Video URL"),
                        ("lesson_learned", "Lesson learned"), ("new_tool_name", "New tool name")):
        assert f'<label for="{name}">{label}</label>' in page, label
    assert "<legend>AI tools</legend>" in page and "<legend>Coding</legend>" in page
    assert 'value="https://live.example/"' in page and 'value="https://github.com/a/bot"' in page
    assert ">Submit project</button>" in page and ">Add tool</button>" in page
    assert "Update submission" not in page and "Withdraw submission</button>" not in page
    assert page.count("<h1>") == 1


def test_submit_then_update_plain_and_htmx(login, db_session, team):
    event, project, owner, member = team
    tool = AiToolFactory(name="Cursor")
    r = login(owner).post(URL, {**FORM, "tools": str(tool.id)})
    assert r.status_code == 303 and r.headers["Location"] == URL + "?done=submitted"
    sub = db_session.scalar(select(EventSubmission))
    assert sub.demo_url == "https://bot.example/" and sub.repo_url is None
    assert count(db_session, EventProject) == 1 and count(db_session, EventSubmissionTool) == 1
    page = text(login(owner).get(URL + "?done=submitted"))
    assert "Project submitted" in page and ">Update submission</button>" in page
    assert re.search(r'name="tools" value="%s" checked' % tool.id, page)
    assert 'value="https://bot.example/"' in page  # stored values, not the project's
    r = login(member).post(URL, {**FORM, "what_built": "Reads receipts, fast"}, htmx=True,
                           headers={"HX-Target": "submission-form"})
    assert r.status_code == 200 and text(r).lstrip().startswith('<form id="submission-form"')
    assert "Submission updated" in text(r) and "<html" not in text(r)
    db_session.expire_all()
    sub = db_session.scalar(select(EventSubmission))
    assert sub.what_built == "Reads receipts, fast" and sub.submitted_by == member.id
    assert count(db_session, EventSubmissionTool) == 0  # unticked
    line = db_session.scalars(select(ProjectEvent).where(
        ProjectEvent.kind == ProjectEventKind.submission_updated)).one()
    assert line.details["fields"] == ["What you built", "AI tools"]
    r = login(member).post(URL, {**FORM, "what_built": "Reads receipts, fast"})
    assert r.headers["Location"] == URL + "?done=unchanged"
    # The owner's team history reads the lines.
    history = text(login(owner).get("/projects/bot"))
    assert "submitted the project to <strong>Live Jam</strong>" in history
    assert "updated the submission to <strong>Live Jam</strong> (What you built, AI tools)" in history
    assert f'href="{URL}"' in history  # the Submission link of the entry


def test_bad_input_is_422_with_messages_plain_and_htmx(login, db_session, team):
    event, project, owner, _ = team
    tools = [AiToolFactory() for _ in range(11)]
    bad = {"what_built": " ", "demo_url": "ftp://x.org", "repo_url": "example.com",
           "video_url": "", "lesson_learned": "x" * 281, "tools": [str(t.id) for t in tools]}
    r = login(owner).post(URL, bad)
    page = text(r)
    assert r.status_code == 422 and "<title>Error: " in page
    for field, message in (("what_built", "What you built is required"),
                           ("demo_url", "URL must use http or https"),
                           ("repo_url", "Invalid URL"),
                           ("lesson_learned", "Lesson learned must be at most 280 characters")):
        assert f'<p class="field-error" id="{field}-error">{message}</p>' in page, field
        assert f'<a href="#{field}">{message}</a>' in page
    assert 'value="ftp://x.org"' in page  # input kept
    assert '<p class="field-error" id="tools-error">Choose at most 10 AI tools</p>' in page
    r = login(owner).post(URL, {**FORM, "tools": [str(t.id) for t in tools]}, htmx=True,
                          headers={"HX-Target": "submission-form"})
    assert r.status_code == 422 and text(r).lstrip().startswith('<form id="submission-form"')
    assert '<p class="field-error" id="tools-error">Choose at most 10 AI tools</p>' in text(r)
    hidden = AiToolFactory(hidden_at=project.created_at)
    r = login(owner).post(URL, {**FORM, "tools": [str(hidden.id)]})
    assert r.status_code == 422 and "Choose tools from the list" in text(r)
    r = login(owner).post(URL, {**FORM, "tools": ["not-a-uuid"]})
    assert r.status_code == 422 and "Choose tools from the list" in text(r)
    assert count(db_session, EventSubmission) == 0


def test_who_and_when_refusals_and_their_statuses(login, db_session, team):
    event, project, owner, _ = team
    stranger = ProfileFactory()
    assert login(stranger).get(URL).status_code == 403
    r = login(stranger).post(URL, FORM)
    assert r.status_code == 403 and "You are not on this project&#39;s team" in text(r)
    newcomer = ProfileFactory()
    ProjectMemberFactory(project=project, profile=newcomer)
    page = text(login(newcomer).get(URL))
    assert "Register for this event first" in page and "Submit project</button>" not in page
    r = login(newcomer).post(URL, FORM, htmx=True, headers={"HX-Target": "submission-form"})
    assert r.status_code == 409 and "Register for this event first" in text(r)
    # who and when come before the fields: bad input from the unregistered is still 409
    r = login(newcomer).post(URL, {**FORM, "what_built": ""})
    assert r.status_code == 409 and "Register for this event first" in text(r)
    event.status = EventStatus.judging
    db_session.flush()
    r = login(owner).post(URL, FORM)
    assert r.status_code == 409 and "Submissions are closed for this event" in text(r)
    event.status = EventStatus.draft
    db_session.flush()
    assert login(owner).get(URL).status_code == 404
    assert login(owner).get("/projects/bot/submissions/nope").status_code == 404
    assert login(owner).get("/projects/nope/submissions/live-jam").status_code == 404
    assert count(db_session, EventSubmission) == 0


def test_the_demo_image_upload_serve_and_remove(login, client, db_session, team):
    event, project, owner, member = team
    c = login(owner)
    c.post(URL, FORM)
    r = c.post(URL + "/image", {"image": (io.BytesIO(png()), "demo.png")})
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=image#submission-image")
    image = db_session.scalar(select(SubmissionImage))
    sub = db_session.scalar(select(EventSubmission))
    page = text(c.get(URL))
    src = f"/submission-images/{sub.id}/{image.hash}"
    assert f'src="{src}/thumb" width="480" height="300"' in page
    assert ">Remove image</button>" in page and "hx-confirm=" in page
    for path, size in ((src, (800, 500)), (src + "/thumb", (480, 300))):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "image/webp"
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert Image.open(io.BytesIO(r.get_data())).size == size
    assert client.get(f"/submission-images/{sub.id}/0000000000000000").status_code == 404
    # invisible submissions' images: 404 but to the team and moderators
    project.hidden_at = image.created_at
    db_session.flush()
    assert client.get(src).status_code == 404
    assert login(ProfileFactory()).get(src).status_code == 404
    assert login(member).get(src).status_code == 200
    assert login(ProfileFactory(moderator=True)).get(src + "/thumb").status_code == 200
    project.hidden_at = None
    db_session.flush()
    # htmx: the image panel only
    r = c.post(URL + "/image", {"image": (io.BytesIO(png((300, 300))), "b.png")}, htmx=True,
               headers={"HX-Target": "submission-image"})
    assert r.status_code == 200 and text(r).lstrip().startswith('<section id="submission-image"')
    assert "Demo image updated" in text(r)
    # remove: asks first
    r = c.post(URL + "/image/delete", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert count(db_session, SubmissionImage) == 1
    r = c.post(URL + "/image/delete", {"confirm": "yes"})
    assert r.status_code == 303 and count(db_session, SubmissionImage) == 0
    assert client.get(src).status_code == 404
    fields = [e.details["fields"] for e in db_session.scalars(select(ProjectEvent).where(
        ProjectEvent.kind == ProjectEventKind.submission_updated))]
    assert fields == [["Demo image"]] * 3


def test_bad_uploads_413_and_422(login, db_session, team):
    event, project, owner, _ = team
    c = login(owner)
    c.post(URL, FORM)
    r = c.post(URL + "/image", {"image": (io.BytesIO(b"x" * (5 * 1024 * 1024 + 10)), "big.png")})
    assert r.status_code == 413 and "Image must be 5 MB or smaller" in text(r)
    r = c.post(URL + "/image", {"image": (io.BytesIO(b"x" * (5 * 1024 * 1024 + 10)), "big.png")},
               htmx=True, headers={"HX-Target": "submission-image"})
    assert r.status_code == 413 and "Image must be 5 MB or smaller" in text(r)
    r = c.post(URL + "/image", {"image": (io.BytesIO(b"GIF89a junk"), "x.gif")})
    assert r.status_code == 422
    assert '<p class="field-error" id="image-error">Upload a JPEG, PNG, WebP or GIF image</p>' in text(r)
    r = c.post(URL + "/image", {"image": (io.BytesIO(b"junk"), "x.gif")}, htmx=True,
               headers={"HX-Target": "submission-image"})
    assert r.status_code == 422 and text(r).lstrip().startswith('<section id="submission-image"')
    assert count(db_session, SubmissionImage) == 0


def test_withdraw_asks_keeps_the_entry_and_is_refused_once_reviewed(login, db_session, team):
    event, project, owner, _ = team
    c = login(owner)
    c.post(URL, FORM)
    page = text(c.get(URL))
    assert ">Withdraw submission</button>" in page and "button--danger" in page
    r = c.post(URL + "/withdraw", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert count(db_session, EventSubmission) == 1
    r = c.post(URL + "/withdraw", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == URL + "?done=withdrawn"
    assert count(db_session, EventSubmission) == 0 and count(db_session, EventProject) == 1
    assert "Submission withdrawn" in text(c.get(URL + "?done=withdrawn"))
    c.post(URL, FORM)
    HackathonReviewFactory(submission=db_session.scalar(select(EventSubmission)))
    r = c.post(URL + "/withdraw", {}, htmx=True, headers={"HX-Target": "withdraw-submission"})
    assert r.status_code == 409
    assert "A submission with reviews or scores cannot be withdrawn" in text(r)
    assert text(r).lstrip().startswith('<section id="withdraw-submission"')


def test_remove_from_event_and_withdrawing_a_registration_are_refused_after_submitting(
        login, db_session, team):
    event, project, owner, _ = team
    c = login(owner)
    c.post(URL, FORM)
    r = c.post("/projects/bot/events/live-jam/remove", {"confirm": "yes"})
    assert r.status_code == 409 and "Withdraw the submission first" in text(r)
    r = c.post("/events/live-jam/withdraw", {"confirm": "yes"})
    assert r.status_code == 409 and "Withdraw your project&#39;s submission first" in text(r)
    assert count(db_session, EventProject) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, team):
    for path in (URL, URL + "/image", URL + "/image/delete", URL + "/withdraw"):
        r = client.post(path, {})
        assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    assert client.get(URL).headers["Location"].startswith("/sign-in?next=")


# --- Add tool -------------------------------------------------------------------------------

def test_add_tool_keeps_the_input_ticks_the_tool_and_saves_nothing_else(login, db_session, team):
    from buildstory.tools.models import AiTool
    event, project, owner, _ = team
    cursor = AiToolFactory(name="Cursor")
    c = login(owner)
    typed = {**FORM, "lesson_learned": "Typed, not saved", "tools": str(cursor.id),
             "new_tool_name": "Tiny Agent", "add_tool": "1"}
    r = c.post(URL, typed)
    page = text(r)
    assert r.status_code == 200 and "<html" in page
    tiny = db_session.scalar(select(AiTool).where(AiTool.name == "Tiny Agent"))
    assert tiny is not None and tiny.created_by == owner.id
    assert re.search(r'name="tools" value="%s" checked' % tiny.id, page)
    assert re.search(r'name="tools" value="%s" checked' % cursor.id, page)
    assert ">Typed, not saved</textarea>" in page and 'id="new_tool_name" name="new_tool_name" type="text" value=""' in page
    assert count(db_session, EventSubmission) == 0  # nothing else saved
    # With htmx only the tool picker; the same name again creates nothing and ticks it.
    r = c.post(URL, {**typed, "new_tool_name": "  tiny-agent "}, htmx=True,
               headers={"HX-Target": "tool-picker"})
    assert r.status_code == 200 and text(r).lstrip().startswith('<div id="tool-picker"')
    assert re.search(r'name="tools" value="%s" checked' % tiny.id, text(r))
    assert count(db_session, AiTool) == 2 and count(db_session, EventSubmission) == 0


def test_add_tool_errors_sit_by_the_field(login, db_session, team, app, monkeypatch):
    event, project, owner, _ = team
    AiToolFactory(name="Secret", hidden_at=project.created_at)
    c = login(owner)
    for name, message in (("!!!", "Tool name must contain a letter or number"),
                          ("secret", "This tool is not available")):
        r = c.post(URL, {**FORM, "new_tool_name": name, "add_tool": "1"}, htmx=True,
                   headers={"HX-Target": "tool-picker"})
        assert r.status_code == 422, text(r)[:300]
        assert f'<p class="field-error" id="new_tool_name-error" role="alert">{message}</p>' in text(r)
        r = c.post(URL, {**FORM, "new_tool_name": name, "add_tool": "1"})
        assert r.status_code == 422 and message in text(r) and 'value="https://bot.example"' in text(r)
    from buildstory.tools import services as tool_services
    monkeypatch.setattr(tool_services, "NEW_TOOLS_PER_HOUR", 1)
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    assert c.post(URL, {**FORM, "new_tool_name": "First new", "add_tool": "1"}).status_code == 200
    r = c.post(URL, {**FORM, "new_tool_name": "Second new", "add_tool": "1"}, htmx=True,
               headers={"HX-Target": "tool-picker"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "You are adding tools too quickly. Try again later." in text(r)
    assert text(r).lstrip().startswith('<div id="tool-picker"')
    # outside the window Add tool is refused like a save
    event.status = EventStatus.judging
    db_session.flush()
    r = c.post(URL, {**FORM, "new_tool_name": "Third new", "add_tool": "1"})
    assert r.status_code == 409 and "Submissions are closed for this event" in text(r)


def test_pressing_enter_elsewhere_submits_even_though_add_tool_comes_first(login, db_session, team):
    """Implicit submission sends the first submit button (Add tool); with an empty New tool
    name that is a save."""
    event, project, owner, _ = team
    r = login(owner).post(URL, {**FORM, "add_tool": "1", "new_tool_name": ""})
    assert r.status_code == 303 and count(db_session, EventSubmission) == 1


# --- Statements -------------------------------------------------------------------------

def test_the_form_and_its_fragments_run_at_most_8_statements_whatever_the_data(
        app, login, db_session, team):
    from buildstory.enums import AiToolCategory
    from tests.querycount import count_queries
    event, project, owner, member = team
    c = login(member)
    c.post(URL, {**FORM, "tools": [str(AiToolFactory().id)]})
    c.post(URL + "/image", {"image": (io.BytesIO(png()), "demo.png")})
    counts = []
    for n in (3, 30):  # ten times the tools, submissions and teammates
        for i in range(n):
            AiToolFactory(category=list(AiToolCategory)[i % 5])
            other = ProjectFactory()
            EventRegistrationFactory(event=event, profile=other.owner)
            login(other.owner).post(f"/projects/{other.slug}/submissions/live-jam", FORM)
        ProjectMemberFactory(project=project)
        c.get(URL)  # warm: the session's last_seen_at
        measured = []
        for path, target in ((URL, None), (URL, "tool-picker"), (URL, "submission-image")):
            with count_queries(app) as q:
                r = c.hx_get(path, target=target) if target else c.get(path)
            assert r.status_code == 200
            measured.append(q.count)
        counts.append(measured)
    print(f"\nsubmission form statements (page, tool-picker, image panel) at two sizes: {counts}")
    assert counts[0] == counts[1] and max(counts[0]) <= 8, counts
