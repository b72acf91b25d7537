"""/onboarding through real requests: every step as a page and as an htmx fragment, 422s,
303s without htmx, redirects for anonymous and finished builders, and the query budget."""
import re

import pytest
from sqlalchemy import select

from buildstory.events.models import EventRegistration
from buildstory.projects.models import EventProject, Project
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)
from tests.querycount import count_queries

HX = {"HX-Target": "onboarding"}
ANSWERS = {
    "identity": {"display_name": "Grace Hopper", "country": "US", "region": "US-VA"},
    "experience": {"experience_level": "ships_constantly"},
    "team": {"team_preference": "has_team_open"},
    "commitment": {"commitment_level": "all_in"},
    "plan": {"plan": "yes"},
    "project": {"name": "Compiler Buddy", "slug": "", "description": "Explains compile errors."},
    "starting_point": {"starting_point": "existing"},
    "goal": {"goal_text": "Ship the VS Code extension."},
}
HEADINGS = {"identity": "Tell us about you", "experience": "Your experience",
            "team": "Teaming up", "commitment": "Your commitment", "plan": "Your project",
            "project": "Project basics", "starting_point": "Where you&#39;re starting from",
            "goal": "Your goal"}
# (step, the field left bad, the message shown by it)
INVALID = [
    ("identity", {"display_name": "Grace", "country": ""}, "country", "Country is required"),
    ("experience", {"experience_level": ""}, "experience_level", "Experience level is required"),
    ("team", {"team_preference": "nope"}, "team_preference", "Choose a team preference"),
    ("commitment", {"commitment_level": ""}, "commitment_level", "Commitment level is required"),
    ("plan", {}, "plan", "Choose one of the answers"),
    ("project", {"name": "Kept name", "slug": "no", "description": ""}, "description",
     "Description is required"),
    ("starting_point", {}, "starting_point", "Starting point is required"),
    ("goal", {"goal_text": "g" * 1001}, "goal_text", "Goal must be at most 1000 characters"),
]


def html(response):
    return response.get_data(as_text=True)


@pytest.fixture
def event(db_session):
    return EventFactory(open=True, featured=True, name="Agents Jam", slug="agents-jam")


def newcomer(**kw):
    return ProfileFactory(country=None, region=None, experience_level=None, **kw)


def at_step(event, step):
    """A builder whose saved data puts them on ``step`` (the one before answered)."""
    order = list(ANSWERS)
    done = order[:order.index(step)]
    builder = ProfileFactory(country="US" if "identity" in done else None, region=None,
                             experience_level="built_a_few" if "experience" in done else None)
    if "team" in done:
        EventRegistrationFactory(event=event, profile=builder,
                                 commitment_level="daily" if "commitment" in done else None)
    if "project" in done:
        project = ProjectFactory(owner=builder, starting_point=None, goal_text=None)
        EventProjectFactory(event=event, project=project, entered_by=builder.id)
        if "starting_point" in done:
            project.starting_point = "new"
    return builder


def step_url(step):
    # "project" is only reached by answering "Yes", which travels as ?step=project.
    return "/onboarding?step=project" if step == "project" else "/onboarding"


def registration(db_session, event, profile):
    db_session.expire_all()
    return db_session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == profile.id))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get("/onboarding")
    assert r.status_code == 303 and r.headers["Location"] == "/sign-in?next=%2Fonboarding"
    r = client.hx_get("/onboarding", target="onboarding")
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")
    r = client.post("/onboarding", {"step": "identity"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("step", list(ANSWERS))
def test_each_step_as_a_page_and_as_a_fragment(login, event, step):
    c = login(at_step(event, step))
    page = html(c.get(step_url(step)))
    number = list(ANSWERS).index(step) + 1
    assert page.startswith("<!doctype html>") and f'data-step="{step}"' in page
    assert f"Step {number} of 8" in page
    assert f'<progress class="onboarding-progress" max="8" value="{number}" aria-label="Onboarding progress"' in page
    assert re.search(rf'<h1 id="onboarding-heading" tabindex="-1" data-focus>{HEADINGS[step]}</h1>', page)
    assert '<button type="submit" class="button button--primary">Continue</button>' in page
    assert ('>Back</button>' in page) == (step != "identity")
    assert 'hx-post="/onboarding" hx-target="#onboarding" hx-swap="outerHTML"' in page
    r = c.hx_get(step_url(step), target="onboarding")
    fragment = html(r)
    assert r.status_code == 200 and "HX-Target" in r.headers["Vary"]
    assert fragment.startswith('<section id="onboarding"') and "<html" not in fragment
    assert f'data-step="{step}"' in fragment and f"Step {number} of 8" in fragment


@pytest.mark.parametrize("step", list(ANSWERS))
def test_each_step_saves_and_answers_303_without_htmx(login, db_session, event, step):
    builder = at_step(event, step)
    c = login(builder)
    r = c.post("/onboarding", {"step": step, **ANSWERS[step]})
    assert r.status_code == 303
    expected = {"plan": "/onboarding?step=project", "goal": "/onboarding?step=done"}
    assert r.headers["Location"] == expected.get(step, "/onboarding")
    # The GET it points to shows the next step.
    nxt = html(c.get(r.headers["Location"]))
    following = list(ANSWERS) + ["done"]
    assert f'data-step="{following[following.index(step) + 1]}"' in nxt


@pytest.mark.parametrize("step", list(ANSWERS))
def test_each_step_with_htmx_swaps_in_the_next_one(login, event, step):
    c = login(at_step(event, step))
    r = c.post("/onboarding", {"step": step, **ANSWERS[step]}, htmx=True, headers=HX)
    fragment = html(r)
    following = list(ANSWERS) + ["done"]
    nxt = following[following.index(step) + 1]
    assert r.status_code == 200 and fragment.startswith('<section id="onboarding"')
    assert f'data-step="{nxt}"' in fragment and 'data-focus>' in fragment
    assert r.headers["HX-Replace-Url"] == {"plan": "/onboarding?step=project",
                                           "goal": "/onboarding?step=done"}.get(step, "/onboarding")


@pytest.mark.parametrize("step,data,field,message", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_answers_are_422_with_the_message_by_the_field(login, event, step, data, field,
                                                               message):
    c = login(at_step(event, step))
    r = c.post("/onboarding", {"step": step, **data})
    page = html(r)
    assert r.status_code == 422 and f'data-step="{step}"' in page
    assert f'<p class="field-error" id="{field}-error">{message}</p>'.replace("'", "&#39;") in page
    assert 'class="error-summary"' in page and f'href="#{field}"' in page
    for name, value in data.items():  # typed input is kept (choices are radios)
        if name in ("display_name", "name", "slug"):
            assert f'value="{value}"' in page
    r = c.post("/onboarding", {"step": step, **data}, htmx=True, headers=HX)
    fragment = html(r)
    assert r.status_code == 422 and fragment.startswith('<section id="onboarding"')
    assert message.replace("'", "&#39;") in fragment
    # Focus goes to the error summary, not the heading.
    assert 'tabindex="-1" data-focus>Your' not in fragment and 'summary-focus" tabindex="-1" data-focus' in fragment


def test_the_identity_step_asks_for_a_username_only_when_there_is_none(login, db_session, event):
    page = html(login(newcomer()).get("/onboarding"))
    assert 'id="username"' not in page and 'id="display_name"' in page
    assert 'hx-get="/settings/regions"' in page and 'id="region-field"' in page
    unnamed = newcomer(no_username=True)
    c = login(unnamed)
    page = html(c.get("/onboarding"))
    assert 'id="username"' in page and 'hx-get="/username-check"' in page
    r = c.post("/onboarding", {"step": "identity", "display_name": "Kim", "username": "kim-b",
                               "country": "JP", "region": "JP-13"})
    assert r.status_code == 303
    db_session.expire_all()
    assert (unnamed.username, unnamed.country, unnamed.region) == ("kim-b", "JP", "JP-13")


def test_without_htmx_a_new_country_brings_back_the_identity_step_with_its_regions(login, event):
    c = login(newcomer())
    r = c.post("/onboarding", {"step": "identity", "display_name": "Ann", "country": "DE"})
    assert r.headers["Location"] == "/onboarding?step=identity&region=1"
    page = html(c.get(r.headers["Location"]))
    assert '<option value="DE-BE">Berlin</option>' in page and "Now pick your region" in page
    r = c.post("/onboarding", {"step": "identity", "display_name": "Ann", "country": "DE",
                               "region": "DE-BE"})
    assert r.headers["Location"] == "/onboarding"
    assert 'data-step="experience"' in html(c.get("/onboarding"))


def test_back_shows_saved_answers_and_never_skips_ahead(login, event):
    builder = at_step(event, "plan")
    c = login(builder)
    page = html(c.get("/onboarding?step=team"))
    assert 'data-step="team"' in page and 'name="step" value="experience"' in page
    assert re.search(r'name="team_preference" value="\w+"\s+checked', page)  # saved answer
    fragment = html(c.hx_get("/onboarding?step=commitment", target="onboarding"))
    assert 'data-step="commitment"' in fragment and 'value="daily" checked' in fragment
    for ahead in ("starting_point", "goal", "done", "nonsense"):
        assert 'data-step="plan"' in html(c.get(f"/onboarding?step={ahead}"))


def test_a_stale_or_forged_post_saves_nothing(login, db_session, event):
    builder = newcomer()
    c = login(builder)
    r = c.post("/onboarding", {"step": "team", "team_preference": "solo"})
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding"
    assert registration(db_session, event, builder) is None
    r = c.post("/onboarding", {"step": "bogus"})
    assert r.status_code == 303


def test_the_done_screen_and_reentry(login, db_session, event):
    builder = at_step(event, "goal")
    c = login(builder)
    r = c.post("/onboarding", {"step": "goal", "goal_text": "Ship it."})
    assert r.headers["Location"] == "/onboarding?step=done"
    assert registration(db_session, event, builder).onboarding_completed_at is not None
    page = html(c.get("/onboarding?step=done"))
    assert "You&#39;re in!" in page and "All 8 steps done" in page
    assert 'href="/events/agents-jam.ics"' in page
    assert "on Buildstory. Come build with me: http://localhost/events/agents-jam" in page
    assert "https://x.com/intent/post?text=" in page
    assert 'href="/dashboard"' in page and 'name="step" value="goal"' in page  # Back
    # Once completed, /onboarding sends the builder to the dashboard.
    r = c.get("/onboarding")
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert c.hx_get("/onboarding", target="onboarding").headers["HX-Redirect"] == "/dashboard"


@pytest.mark.parametrize("choice", ["not_yet", "joining"])
def test_not_yet_and_joining_go_straight_to_done(login, db_session, event, choice):
    builder = at_step(event, "plan")
    c = login(builder)
    r = c.post("/onboarding", {"step": "plan", "plan": choice}, htmx=True, headers=HX)
    fragment = html(r)
    assert 'data-step="done"' in fragment and "Create a project when you know" in fragment
    assert r.headers["HX-Replace-Url"] == "/onboarding?step=done"
    assert registration(db_session, event, builder).onboarding_completed_at is not None
    assert db_session.scalar(select(Project).where(Project.profile_id == builder.id)) is None


def test_project_step_creates_and_enters_the_project(login, db_session, event):
    builder = at_step(event, "project")
    c = login(builder)
    page = html(c.get("/onboarding?step=project"))
    assert 'id="slug-field"' in page and 'hx-get="/project-slug-check"' in page
    assert 'class="slug-wrap"' in page  # the suggestion swap never reaches the heading
    r = c.post("/onboarding", {"step": "project", **ANSWERS["project"]})
    assert r.status_code == 303
    project = db_session.scalar(select(Project).where(Project.profile_id == builder.id))
    assert project.slug == "compiler-buddy"  # suggested from the name without JavaScript
    assert db_session.scalar(select(EventProject).where(EventProject.project_id == project.id))


@pytest.mark.parametrize("kind", ["none", "closed"])
def test_without_an_open_featured_event_only_two_steps_then_the_dashboard(login, kind):
    if kind == "closed":
        EventFactory(status="judging", featured=True)
    builder = newcomer()
    c = login(builder)
    page = html(c.get("/onboarding"))
    assert "Step 1 of 2" in page and "Welcome to Buildstory" in page
    r = c.post("/onboarding", {"step": "identity", "display_name": "Lin", "country": "AQ"})
    assert r.headers["Location"] == "/onboarding"
    assert "Step 2 of 2" in html(c.get("/onboarding"))
    r = c.post("/onboarding", {"step": "experience", "experience_level": "getting_started"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    r = c.post("/onboarding", {"step": "experience", "experience_level": "getting_started"},
               htmx=True, headers=HX)
    assert r.headers["HX-Redirect"] == "/dashboard"
    assert c.get("/onboarding").headers["Location"] == "/dashboard"
    assert 'data-step="identity"' in html(c.get("/onboarding?step=identity"))


def test_sign_up_lands_on_onboarding(client, event):
    r = client.post("/sign-up", {"username": "freshface", "email": "fresh@example.com",
                                 "password": "long enough pw"})
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding?step=start"
    page = html(client.get("/onboarding"))  # once they chose to join
    assert 'data-step="identity"' in page and 'value="freshface"' in page


def _populate(event, n):
    for i in range(n):
        other = ProfileFactory()
        EventRegistrationFactory(event=event, profile=other)
        project = ProjectFactory(owner=other)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project)


@pytest.mark.parametrize("step", ["identity", "plan", "goal"])
def test_query_count_is_small_and_constant(login, event, app, step):
    builder = at_step(event, step)
    c = login(builder)
    c.get(step_url(step))  # first request writes last_seen_at
    counts = []
    for n in (2, 20):
        _populate(event, n)
        c.get("/")  # commit the new data outside the measured request
        with count_queries(app) as full:
            assert c.get(step_url(step)).status_code == 200
        with count_queries(app) as fragment:
            c.hx_get(step_url(step), target="onboarding")
        counts.append((full.count, fragment.count))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 8 and counts[0][1] <= 8, counts


def test_the_done_step_links_builders_looking_for_a_team_to_find_teammates(login, db_session,
                                                                           event):
    builder = at_step(event, "plan")
    c = login(builder)
    c.post("/onboarding", {"step": "plan", "plan": "joining"})
    reg = registration(db_session, event, builder)
    link = f'href="/events/{event.slug}/teammates">Find teammates</a>'
    reg.team_preference = "solo"
    db_session.commit()
    assert link not in html(c.get("/onboarding?step=done"))
    reg.team_preference = "looking_for_team"
    db_session.commit()
    assert link in html(c.get("/onboarding?step=done"))
