"""The onboarding forms: which fields each step sends, and saved answers in form shape."""
from __future__ import annotations

from ..profiles import forms as profile_forms
from ..projects import forms as project_forms

# The fields each step's form sends (everything else in a submit is ignored).
FIELDS = {
    "identity": ("display_name", "username", "country", "region"),
    "experience": ("experience_level",),
    "team": ("team_preference",),
    "commitment": ("commitment_level",),
    "plan": ("plan",),
    "project": ("name", "slug", "slug_auto", "description"),
    "starting_point": ("starting_point",),
    "goal": ("goal_text",),
    "start": ("choice",),
}
INPUT_CAP = 5000


def form_values(step: str, form) -> dict[str, str]:
    """Return the submitted fields of ``step`` as strings (capped, for re-display)."""
    values = {name: (form.get(name) or "")[:INPUT_CAP] for name in FIELDS.get(step, ())}
    if step == "project":  # a blank Project URL is filled from the name, as on /projects/new
        full = project_forms.project_values(form)
        values.update(slug=full["slug"], slug_auto=full["slug_auto"])
    return values


def saved_values(state, step: str) -> dict[str, str]:
    """Return the saved answers of ``step`` (from an ``onboarding.State``) in its form's shape."""
    profile, reg, project = state.profile, state.registration, state.project
    if step in ("identity", "experience"):
        return profile_forms.profile_values(profile)
    if step in ("team", "commitment"):
        return {"team_preference": str(reg.team_preference) if reg else "",
                "commitment_level": str(reg.commitment_level or "") if reg else ""}
    if step == "plan":
        return {"plan": "yes" if project is not None else ""}
    if step in ("project", "starting_point", "goal") and project is not None:
        return project_forms.project_form_values(project)
    return {}
