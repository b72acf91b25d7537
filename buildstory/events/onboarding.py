"""The onboarding step machine for the featured event (docs/rules.md "Events"). No flask here.

The step a builder is on is never stored: it is derived from what earlier steps saved,
so a reload resumes at the first unanswered step. A step is answered when —
identity: the builder has a username and a country (onboarding asks for the country;
the region stays optional, not every country lists subdivisions); experience: the
profile has an experience level; team: a registration for the featured event exists
(this step registers); commitment: it has a commitment level; plan ("Do you know what
you're going to build?"): a project of theirs is entered in the event, or onboarding is
completed ("Not yet" / "Joining a team" skip to done; a "Yes" saves nothing, the project
step it leads to travels as ``?step=project``); project: a project they own is entered
in the event; starting_point: it has one; goal: onboarding is completed (the goal is
optional, its Continue completes). With no featured event, or its registration closed,
only identity and experience are asked. Each ``save_*`` reuses the service that owns
the rule (profiles, event registration, projects) and returns the next step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import ValidationFailed
from ..profiles import countries
from ..profiles import forms as profile_forms
from ..profiles import services as profile_services
from ..projects import forms as project_forms
from ..projects import services as project_services
from ..projects.models import EventProject, Project
from . import forms as event_forms
from . import queries, rules
from . import services as event_services

STEPS = ("identity", "experience", "team", "commitment", "plan", "project",
         "starting_point", "goal")
SHORT_STEPS = ("identity", "experience")
DONE = "done"
NEEDS_PROJECT = ("starting_point", "goal")
PLAN_CHOICES = {"yes": "Yes", "not_yet": "Not yet", "joining": "Joining a team"}

IDENTITY_ORDER = ("display_name", "username", "country", "region")

COUNTRY_REQUIRED = "Country is required"
EXPERIENCE_REQUIRED = "Experience level is required"
COMMITMENT_REQUIRED = "Commitment level is required"
PLAN_REQUIRED = "Choose one of the answers"
STARTING_POINT_REQUIRED = "Starting point is required"


@dataclass
class State:
    """What onboarding knows about a builder: profile, featured event, registration, project."""

    profile: object
    event: object | None
    registration: object | None
    project: Project | None
    open: bool  # a featured event whose registration is open now

    @property
    def steps(self) -> tuple[str, ...]:
        return STEPS if self.open else SHORT_STEPS

    @property
    def completed(self) -> bool:
        return bool(self.registration and self.registration.onboarding_completed_at)


def entered_project(session, event, profile) -> Project | None:
    """Return the latest project ``profile`` owns that is entered in ``event``, or None."""
    if event is None:
        return None
    return session.scalar(
        select(Project).join(EventProject, EventProject.project_id == Project.id)
        .where(EventProject.event_id == event.id, Project.profile_id == profile.id)
        .order_by(EventProject.submitted_at.desc(), Project.id).limit(1))


def load_state(session, profile, *, now: datetime) -> State:
    """Return the onboarding state of ``profile`` (three statements at most)."""
    event = queries.featured_event(session)
    is_open = event is not None and rules.is_registration_open(event, now)
    registration = queries.registration_for(session, event, profile) if is_open else None
    project = entered_project(session, event, profile) if registration else None
    return State(profile, event if is_open else None, registration, project, is_open)


def answered(state: State, step: str) -> bool:
    """True when ``step`` already has a saved answer (see the module docstring)."""
    profile, reg, project = state.profile, state.registration, state.project
    return {
        "identity": bool(profile.username and profile.country),
        "experience": profile.experience_level is not None,
        "team": reg is not None,
        "commitment": bool(reg and reg.commitment_level),
        "plan": project is not None or state.completed,
        "project": project is not None,
        "starting_point": bool(project and project.starting_point),
        "goal": state.completed,
    }[step]


def current_step(state: State) -> str | None:
    """Return the first unanswered step, DONE once completed, None when nothing is left."""
    if state.open and state.completed:
        return DONE
    return next((step for step in state.steps if not answered(state, step)), None)


def _order(state: State) -> tuple[str, ...]:
    return state.steps + (DONE,) if state.open else state.steps


def step_to_show(state: State, requested: str | None) -> str | None:
    """Return the step to show for a requested one (``?step=``), never one ahead of time.

    Earlier steps are always reachable (Back); "project" right after "plan" (the "Yes");
    DONE only once completed; None when the short path is finished (go to the dashboard).
    """
    current = current_step(state)
    order = _order(state)
    if requested not in order:
        return current
    if requested in NEEDS_PROJECT and state.project is None:
        return current
    if requested == DONE:
        return DONE if state.completed else current
    if current is None or current == DONE:
        return requested
    if order.index(requested) <= order.index(current):
        return requested
    if requested == "project" and current == "plan":
        return requested
    return current


def previous_step(state: State, step: str) -> str | None:
    """Return the step Back leads to from ``step`` (None on the first one)."""
    order = _order(state)
    if step not in order or order.index(step) == 0:
        return None
    if step == DONE:
        return "goal" if state.project is not None else "plan"
    return order[order.index(step) - 1]


def progress(state: State, step: str) -> tuple[int, int]:
    """Return ``(number, total)`` for "Step 3 of 8" (DONE counts as the last step done)."""
    total = len(state.steps)
    return (total, total) if step == DONE else (state.steps.index(step) + 1, total)


def _next(state: State, step: str) -> str | None:
    steps = state.steps
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else None


def save_identity(session, state: State, values: dict, *, now: datetime,
                  ask_region: bool = False) -> str | None:
    """Save display name, username (only while unset), country and region.

    The rules are the settings form's (``profiles.services``); onboarding also requires
    a country. With ``ask_region`` (a page that cannot update the region list as the
    country changes, i.e. without JavaScript) a newly chosen country that lists regions
    brings the identity step back once, now offering that country's regions.
    """
    profile = state.profile
    merged = profile_forms.profile_values(profile)
    merged.update(display_name=values.get("display_name", ""),
                  country=values.get("country", ""), region=values.get("region", ""))
    if not profile.username:
        merged["username"] = values.get("username", "")
    errors = {} if merged["country"].strip() else {"country": COUNTRY_REQUIRED}
    old_country = profile.country
    try:
        if errors:
            profile_services.validate_profile(session, profile, merged)
        else:
            profile_services.update_profile(session, profile, merged, now=now)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationFailed({k: errors[k] for k in IDENTITY_ORDER if k in errors})
    if (ask_region and profile.country != old_country and not profile.region
            and countries.regions(profile.country)):
        return "identity"
    return _next(state, "identity")


def save_experience(session, state: State, values: dict, *, now: datetime) -> str | None:
    """Save the experience level (required here); None at the end of the short path."""
    raw = (values.get("experience_level") or "").strip()
    if not raw:
        raise ValidationFailed({"experience_level": EXPERIENCE_REQUIRED})
    merged = profile_forms.profile_values(state.profile)
    merged["experience_level"] = raw
    try:
        profile_services.update_profile(session, state.profile, merged, now=now)
    except ValidationFailed as exc:
        raise _about(exc, "experience_level") from None
    return _next(state, "experience")


def _about(exc: ValidationFailed, name: str) -> ValidationFailed:
    """The error shown by ``name``: the one step's field is the only one on screen."""
    return ValidationFailed({name: exc.errors.get(name, next(iter(exc.errors.values())))})


def save_team(session, state: State, values: dict, *, now: datetime) -> str:
    """Register for the featured event with this team preference (the registration upsert)."""
    state.registration = event_services.register(
        session, state.event, state.profile, team_preference=values.get("team_preference"),
        now=now)
    return "commitment"


def save_commitment(session, state: State, values: dict, *, now: datetime) -> str:
    """Save the commitment level on the registration (required here)."""
    raw = (values.get("commitment_level") or "").strip()
    if not raw:
        raise ValidationFailed({"commitment_level": COMMITMENT_REQUIRED})
    team = state.registration.team_preference
    parsed = event_forms.registration({"team_preference": str(team), "commitment_level": raw})
    state.registration = event_services.register(
        session, state.event, state.profile, team_preference=team,
        commitment_level=parsed["commitment_level"], now=now)
    return "plan"


def complete(session, state: State, *, now: datetime) -> None:
    """Mark onboarding completed on the registration (the first time only)."""
    if state.registration.onboarding_completed_at is None:
        state.registration.onboarding_completed_at = now
        session.flush()


def save_plan(session, state: State, values: dict, *, now: datetime) -> str:
    """"Yes" leads to the project step; "Not yet" / "Joining a team" complete onboarding."""
    answer = (values.get("plan") or "").strip()
    if answer not in PLAN_CHOICES:
        raise ValidationFailed({"plan": PLAN_REQUIRED})
    if answer == "yes":
        return "project"
    complete(session, state, now=now)
    return DONE


def save_project(session, state: State, values: dict, *, now: datetime) -> str:
    """Create the project and enter it in the event (or, coming Back, save its basics)."""
    if state.project is not None:
        merged = project_forms.project_form_values(state.project)
        merged.update({k: values.get(k, "") for k in ("name", "slug", "description")})
        project_services.update_project(session, state.project, state.profile, merged, now=now)
        return "starting_point"
    project = project_services.create_project(session, state.profile, values, now=now)
    project_services.enter_event(session, project, state.event, state.profile, now=now)
    state.project = project
    return "starting_point"


def _update_project_field(session, state: State, name: str, raw: str, *, now) -> None:
    merged = project_forms.project_form_values(state.project)
    merged[name] = raw
    try:
        project_services.update_project(session, state.project, state.profile, merged, now=now)
    except ValidationFailed as exc:
        raise _about(exc, name) from None


def save_starting_point(session, state: State, values: dict, *, now: datetime) -> str:
    """Save the project's starting point (required here)."""
    raw = (values.get("starting_point") or "").strip()
    if not raw:
        raise ValidationFailed({"starting_point": STARTING_POINT_REQUIRED})
    _update_project_field(session, state, "starting_point", raw, now=now)
    return "goal"


def save_goal(session, state: State, values: dict, *, now: datetime) -> str:
    """Save the project's goal (optional, ≤ 1000 characters) and complete onboarding."""
    _update_project_field(session, state, "goal_text", values.get("goal_text") or "", now=now)
    complete(session, state, now=now)
    return DONE


SAVERS = {"identity": save_identity, "experience": save_experience, "team": save_team,
          "commitment": save_commitment, "plan": save_plan, "project": save_project,
          "starting_point": save_starting_point, "goal": save_goal}


def save(session, state: State, step: str, values: dict, *, now: datetime,
         ask_region: bool = False) -> str | None:
    """Save one step's answers; return the next step (DONE, or None for the dashboard).

    Raises ValidationFailed (422) for bad answers and Conflict (409) when the event
    refuses (e.g. registration closed meanwhile); the caller must check with
    ``step_to_show`` that ``step`` may be answered now.
    """
    if step == "identity":
        return save_identity(session, state, values, now=now, ask_region=ask_region)
    return SAVERS[step](session, state, values, now=now)
