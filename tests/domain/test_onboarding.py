"""The onboarding step machine (docs/rules.md "Events"): transitions, skips, resume,
Back, the short path without an open featured event, completion, and every message."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from buildstory.enums import CommitmentLevel, ExperienceLevel, StartingPoint, TeamPreference
from buildstory.errors import Conflict, ValidationFailed
from buildstory.events import onboarding as ob
from buildstory.events.onboarding_forms import form_values, saved_values
from buildstory.events.models import EventRegistration
from buildstory.projects.models import EventProject, Project
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory)

NOW = datetime.now(UTC)
ANSWERS = {
    "identity": {"display_name": "Ada Lovelace", "country": "GB", "region": "GB-LND"},
    "experience": {"experience_level": "built_a_few"},
    "team": {"team_preference": "looking_for_team"},
    "commitment": {"commitment_level": "nights_weekends"},
    "plan": {"plan": "yes"},
    "project": {"name": "Pocket Analyst", "slug": "pocket-analyst",
                "description": "An AI that reads spreadsheets."},
    "starting_point": {"starting_point": "new"},
    "goal": {"goal_text": "A demo that answers three questions."},
}


@pytest.fixture
def event(db_session):
    return EventFactory(open=True, featured=True, name="Agents Jam")


def newcomer(**kw):
    """A builder fresh from sign-up: a username, nothing else."""
    return ProfileFactory(country=None, region=None, experience_level=None, **kw)


def state_of(session, profile, now=NOW):
    return ob.load_state(session, profile, now=now)


def answer(session, profile, step, now=NOW, **extra):
    """Save ``step`` the way a submit does (fresh state first) and return the next step."""
    values = {**ANSWERS[step], **extra}
    state = state_of(session, profile, now)
    assert ob.step_to_show(state, step) == step, f"{step} is not answerable now"
    return ob.save(session, state, step, values, now=now)


def errors_of(session, profile, step, **values):
    with pytest.raises(ValidationFailed) as exc:
        ob.save(session, state_of(session, profile), step, values, now=NOW)
    return exc.value.errors


def registration(session, event, profile):
    session.expire_all()
    return session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == profile.id))


# --- The whole flow ----------------------------------------------------------------------

def test_every_transition_in_order_saves_and_resumes(db_session, event):
    builder = newcomer()
    expected_next = {"identity": "experience", "experience": "team", "team": "commitment",
                     "commitment": "plan", "plan": "project", "project": "starting_point",
                     "starting_point": "goal", "goal": ob.DONE}
    assert ob.current_step(state_of(db_session, builder)) == "identity"
    for step, nxt in expected_next.items():
        assert answer(db_session, builder, step) == nxt
        resumed = ob.current_step(state_of(db_session, builder))  # a reload: state from data
        # "Yes" saves nothing: a reload asks the question again; the answer travels as ?step=.
        assert resumed == ("plan" if step == "plan" else nxt)
    db_session.expire_all()
    assert (builder.display_name, builder.country, builder.region) == ("Ada Lovelace", "GB", "GB-LND")
    assert builder.experience_level == ExperienceLevel.built_a_few
    reg = registration(db_session, event, builder)
    assert reg.team_preference == TeamPreference.looking_for_team
    assert reg.commitment_level == CommitmentLevel.nights_weekends
    assert reg.onboarding_completed_at == NOW
    project = db_session.scalar(select(Project).where(Project.profile_id == builder.id))
    assert (project.name, project.slug) == ("Pocket Analyst", "pocket-analyst")
    assert project.starting_point == StartingPoint.new
    assert project.goal_text == "A demo that answers three questions."
    assert db_session.scalar(select(func.count()).select_from(EventProject).where(
        EventProject.event_id == event.id, EventProject.project_id == project.id)) == 1


def test_the_team_step_registers_through_the_registration_upsert(db_session, event):
    builder = ProfileFactory()
    assert registration(db_session, event, builder) is None
    assert ob.current_step(state_of(db_session, builder)) == "team"
    answer(db_session, builder, "team")
    answer(db_session, builder, "team", team_preference="solo")  # again (Back): one row
    assert db_session.scalar(select(func.count()).select_from(EventRegistration)) == 1
    assert registration(db_session, event, builder).team_preference == TeamPreference.solo


@pytest.mark.parametrize("choice", ["not_yet", "joining"])
def test_not_yet_and_joining_a_team_skip_to_done(db_session, event, choice):
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    assert ob.current_step(state_of(db_session, builder)) == "plan"
    assert answer(db_session, builder, "plan", plan=choice) == ob.DONE
    assert registration(db_session, event, builder).onboarding_completed_at == NOW
    state = state_of(db_session, builder)
    assert ob.current_step(state) == ob.DONE and state.project is None
    assert db_session.scalar(select(func.count()).select_from(Project)) == 0
    # Back from done goes to the question, not to the project steps that were skipped.
    assert ob.previous_step(state, ob.DONE) == "plan"
    assert ob.step_to_show(state, "starting_point") == ob.DONE


def test_yes_leads_to_the_project_step_without_skipping_ahead(db_session, event):
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    assert answer(db_session, builder, "plan") == "project"
    state = state_of(db_session, builder)
    assert ob.current_step(state) == "plan"
    assert ob.step_to_show(state, "project") == "project"
    for ahead in ("starting_point", "goal", ob.DONE):
        assert ob.step_to_show(state, ahead) == "plan"


def test_project_step_creates_the_project_and_enters_it(db_session, event):
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    assert answer(db_session, builder, "project") == "starting_point"
    state = state_of(db_session, builder)
    assert state.project.slug == "pocket-analyst" and state.project.profile_id == builder.id
    assert ob.current_step(state) == "starting_point"


def test_a_project_already_entered_counts_and_members_projects_do_not(db_session, event):
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    someone_elses = ProjectFactory(starting_point=None)
    EventProjectFactory(event=event, project=someone_elses)
    assert ob.current_step(state_of(db_session, builder)) == "plan"
    mine = ProjectFactory(owner=builder, starting_point=None)
    EventProjectFactory(event=event, project=mine, entered_by=builder.id)
    state = state_of(db_session, builder)
    assert state.project.id == mine.id and ob.current_step(state) == "starting_point"


# --- Resume, Back and re-entry -------------------------------------------------------------

def test_resume_lands_on_the_first_unanswered_step(db_session, event):
    builder = newcomer()
    builder.country = "FR"
    assert ob.current_step(state_of(db_session, builder)) == "experience"
    builder.experience_level = ExperienceLevel.getting_started
    assert ob.current_step(state_of(db_session, builder)) == "team"
    EventRegistrationFactory(event=event, profile=builder, commitment_level=None)
    assert ob.current_step(state_of(db_session, builder)) == "commitment"


def test_back_goes_to_the_previous_step_and_keeps_saved_answers(db_session, event):
    builder = newcomer()
    for step in ("identity", "experience", "team", "commitment", "plan", "project",
                 "starting_point"):
        answer(db_session, builder, step)
    state = state_of(db_session, builder)
    assert ob.current_step(state) == "goal"
    chain, step = [], "goal"
    while (step := ob.previous_step(state, step)) is not None:
        chain.append(step)
    assert chain == ["starting_point", "project", "plan", "commitment", "team", "experience",
                     "identity"]
    # Every earlier step can be shown again, with its saved answers filled in.
    for earlier in chain:
        assert ob.step_to_show(state, earlier) == earlier
    assert saved_values(state, "team")["team_preference"] == "looking_for_team"
    assert saved_values(state, "commitment")["commitment_level"] == "nights_weekends"
    assert saved_values(state, "plan") == {"plan": "yes"}
    assert saved_values(state, "project")["slug"] == "pocket-analyst"
    assert saved_values(state, "experience")["experience_level"] == "built_a_few"
    # Continuing from the project step again edits the same project, it never makes a second.
    assert answer(db_session, builder, "project", name="Pocket Analyst 2") == "starting_point"
    assert db_session.scalar(select(func.count()).select_from(Project)) == 1
    state = state_of(db_session, builder)
    assert state.project.name == "Pocket Analyst 2" and ob.current_step(state) == "goal"


def test_steps_ahead_of_the_current_one_are_not_shown(db_session, event):
    builder = newcomer()
    state = state_of(db_session, builder)
    for ahead in ("experience", "team", "project", "goal", ob.DONE, "bogus", None):
        assert ob.step_to_show(state, ahead) == "identity"
    assert ob.previous_step(state, "identity") is None


def test_completion_sets_the_time_once_and_reentry_is_done(db_session, event):
    builder = ProfileFactory()
    project = ProjectFactory(owner=builder)
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    EventProjectFactory(event=event, project=project, entered_by=builder.id)
    assert ob.current_step(state_of(db_session, builder)) == "goal"
    assert answer(db_session, builder, "goal") == ob.DONE
    later = NOW + timedelta(hours=2)
    assert answer(db_session, builder, "goal", now=later) == ob.DONE  # revisited via Back
    assert registration(db_session, event, builder).onboarding_completed_at == NOW
    state = state_of(db_session, builder, later)
    assert ob.current_step(state) == ob.DONE
    # None asked (a plain GET /onboarding) is DONE: the page sends them to the dashboard.
    assert ob.step_to_show(state, None) == ob.DONE
    assert ob.step_to_show(state, "team") == "team"  # Back from done still works
    assert ob.progress(state, ob.DONE) == (8, 8) and ob.progress(state, "team") == (3, 8)


# --- The short path ----------------------------------------------------------------------

def test_no_featured_event_asks_identity_and_experience_only(db_session):
    EventFactory(open=True)  # open, but not featured
    builder = newcomer()
    state = state_of(db_session, builder)
    assert state.steps == ("identity", "experience") and state.event is None
    assert ob.progress(state, "identity") == (1, 2)
    assert answer(db_session, builder, "identity") == "experience"
    assert answer(db_session, builder, "experience") is None  # → the dashboard
    state = state_of(db_session, builder)
    assert ob.current_step(state) is None and ob.step_to_show(state, None) is None
    assert ob.step_to_show(state, "identity") == "identity"  # Back still reaches it
    assert ob.step_to_show(state, "team") is None
    assert ob.previous_step(state, "experience") == "identity"


@pytest.mark.parametrize("setup", ["judging", "complete", "window_closed", "not_opened"])
def test_closed_registration_takes_the_short_path(db_session, setup):
    kw = {"status": setup} if setup in ("judging", "complete") else {"status": "open"}
    if setup == "window_closed":
        kw["registration_closes_at"] = NOW - timedelta(hours=1)
    if setup == "not_opened":
        kw["registration_opens_at"] = NOW + timedelta(hours=1)
    event = EventFactory(featured=True, **kw)
    builder = newcomer()
    EventRegistrationFactory(event=event, profile=builder, commitment_level=None)
    state = state_of(db_session, builder)
    assert state.steps == ob.SHORT_STEPS and not state.open
    assert ob.step_to_show(state, "commitment") == "identity"
    answer(db_session, builder, "identity")
    assert answer(db_session, builder, "experience") is None


def test_registration_closing_mid_flow_refuses_the_team_step(db_session):
    event = EventFactory(open=True, featured=True,
                         registration_closes_at=NOW + timedelta(minutes=5))
    builder = ProfileFactory()
    state = state_of(db_session, builder)
    with pytest.raises(Conflict, match="^Registration has closed$"):
        ob.save(db_session, state, "team", ANSWERS["team"], now=NOW + timedelta(minutes=6))
    assert registration(db_session, event, builder) is None


# --- Field rules and messages --------------------------------------------------------------

def test_identity_rules_and_messages(db_session, event):
    ProfileFactory(username="taken-name")
    builder = newcomer(no_username=True)
    errors = errors_of(db_session, builder, "identity", display_name=" ", username="taken-name",
                       country="", region="")
    assert errors == {"display_name": "Display name is required",
                      "username": "Username is already taken", "country": "Country is required"}
    errors = errors_of(db_session, builder, "identity", display_name="Ann", username="A!",
                       country="ZZ", region="")
    assert errors == {"username": "Username must be 3-30 characters, start and end with a letter "
                                  "or number, and contain only lowercase letters, numbers, "
                                  "hyphens, and underscores",
                      "country": "Choose a country from the list"}
    errors = errors_of(db_session, builder, "identity", display_name="Ann", username="ann-b",
                       country="DE", region="FR-IDF")
    assert errors == {"region": "Region does not belong to the selected country"}
    db_session.expire_all()
    assert builder.username is None and builder.country is None  # nothing saved
    state = state_of(db_session, builder)
    assert ob.save(db_session, state, "identity", {"display_name": " Ann  B ", "username": " Ann-B ",
                                                   "country": "de", "region": ""},
                   now=NOW) == "experience"
    assert (builder.display_name, builder.username, builder.country) == ("Ann B", "ann-b", "DE")


def test_identity_keeps_a_username_already_chosen(db_session, event):
    builder = newcomer(username="keeper")
    answer(db_session, builder, "identity", username="ignored")
    assert builder.username == "keeper"


def test_without_javascript_a_new_country_with_regions_asks_for_the_region_once(db_session, event):
    builder = newcomer()
    state = state_of(db_session, builder)
    values = {"display_name": "Ann", "country": "DE", "region": ""}
    assert ob.save(db_session, state, "identity", values, now=NOW, ask_region=True) == "identity"
    assert builder.country == "DE"  # saved all the same
    state = state_of(db_session, builder)
    assert ob.save(db_session, state, "identity", values, now=NOW, ask_region=True) == "experience"
    # A country without listed regions, or a region given, goes straight on.
    other = newcomer()
    assert ob.save(db_session, state_of(db_session, other), "identity",
                   {"display_name": "Bo", "country": "AQ"}, now=NOW, ask_region=True) == "experience"
    assert ob.save(db_session, state_of(db_session, newcomer()), "identity",
                   {"display_name": "Cy", "country": "DE", "region": "DE-BE"},
                   now=NOW, ask_region=True) == "experience"


def test_choice_steps_require_an_answer_from_the_list(db_session, event):
    builder = ProfileFactory(experience_level=None)
    assert errors_of(db_session, builder, "experience", experience_level="") == {
        "experience_level": "Experience level is required"}
    assert errors_of(db_session, builder, "experience", experience_level="guru") == {
        "experience_level": "Choose an experience level from the list"}
    answer(db_session, builder, "experience")
    for bad in ("", "captain"):
        assert errors_of(db_session, builder, "team", team_preference=bad) == {
            "team_preference": "Choose a team preference"}
    answer(db_session, builder, "team")
    assert errors_of(db_session, builder, "commitment", commitment_level="") == {
        "commitment_level": "Commitment level is required"}
    assert errors_of(db_session, builder, "commitment", commitment_level="always") == {
        "commitment_level": "Choose a commitment level from the list"}
    answer(db_session, builder, "commitment")
    for bad in ("", "maybe"):
        assert errors_of(db_session, builder, "plan", plan=bad) == {
            "plan": "Choose one of the answers"}


def test_project_steps_use_the_project_rules(db_session, event):
    builder = ProfileFactory()
    EventRegistrationFactory(event=event, profile=builder, commitment_level="daily")
    ProjectFactory(slug="taken-url")
    assert errors_of(db_session, builder, "project", name="", slug="taken-url",
                     description="") == {
        "name": "Project name is required", "slug": "Project URL is already taken",
        "description": "Description is required"}
    assert errors_of(db_session, builder, "project", name="X", slug="Bad URL!",
                     description="d")["slug"] == (
        "Project URL must be 2-100 lowercase letters or numbers, separated by single hyphens "
        "or underscores")
    assert db_session.scalar(select(func.count()).select_from(EventProject)) == 0
    answer(db_session, builder, "project")
    assert errors_of(db_session, builder, "starting_point", starting_point="") == {
        "starting_point": "Starting point is required"}
    assert errors_of(db_session, builder, "starting_point", starting_point="middle") == {
        "starting_point": "Choose a starting point from the list"}
    answer(db_session, builder, "starting_point", starting_point="existing")
    assert errors_of(db_session, builder, "goal", goal_text="x" * 1001) == {
        "goal_text": "Goal must be at most 1000 characters"}
    assert registration(db_session, event, builder).onboarding_completed_at is None
    # The goal is optional: an empty one completes onboarding.
    assert answer(db_session, builder, "goal", goal_text="  ") == ob.DONE
    assert registration(db_session, event, builder).onboarding_completed_at == NOW


def test_form_values_keep_only_the_step_fields_and_suggest_a_project_url():
    form = {"display_name": "Ann", "experience_level": "x", "csrf_token": "t"}
    assert form_values("identity", form) == {"display_name": "Ann", "username": "",
                                                "country": "", "region": ""}
    values = form_values("project", {"name": "Café Bot", "slug": "", "description": "d"})
    assert values["slug"] == "cafe-bot" and values["slug_auto"] == "cafe-bot"
    assert form_values("goal", {"goal_text": "y" * 9000})["goal_text"] == "y" * 5000
