"""/onboarding: the step-by-step flow for the featured event (routes on the events blueprint).

One template, one swappable container (``#onboarding``). With htmx each Continue swaps
the next step in place (and replaces the URL, so a reload shows the same step); without
JavaScript the form posts and the answer is a 303 back to GET /onboarding.
"""
from __future__ import annotations

from flask import g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import (COMMITMENT_LEVEL_LABELS, EXPERIENCE_LEVEL_HINTS, EXPERIENCE_LEVEL_LABELS,
                     STARTING_POINT_LABELS, TEAM_PREFERENCE_LABELS)
from ..profiles import countries
from ..web import htmx
from ..web.auth import login_required
from ..web.refusals import refusal
from . import onboarding, onboarding_forms
from .views import bp

TEMPLATE = "events/onboarding.html"
BLOCKS = {"onboarding": "step"}
HEADINGS = {
    "identity": "Tell us about you",
    "experience": "Your experience",
    "team": "Teaming up",
    "commitment": "Your commitment",
    "plan": "Your project",
    "project": "Project basics",
    "starting_point": "Where you're starting from",
    "goal": "Your goal",
    "done": "You're in!",
}


def _dashboard():
    return htmx.redirect(url_for("pages.dashboard"))


def _step_url(state, step) -> str:
    """The address of ``step``: plain /onboarding when it is where a reload lands anyway."""
    if step == onboarding.current_step(state) and step != onboarding.DONE:
        return url_for("events.onboarding")
    return url_for("events.onboarding", step=step)


def _share(state) -> dict:
    event, project = state.event, state.project
    url = url_for("events.show", slug=event.slug, _external=True)
    what = f"building {project.name} at {event.name}" if project else f"joining {event.name}"
    return {"event_url": url, "share_text": f"I'm {what} on Buildstory. Come build with me: {url}",
            "ics_url": url_for("events.calendar", slug=event.slug)}


def _context(state, step, values=None, errors=None, message=None, region_hint=False) -> dict:
    number, total = onboarding.progress(state, step)
    if values is None:
        values = onboarding_forms.saved_values(state, step)
    ctx = {"state": state, "step": step, "event": state.event, "project": state.project,
           "profile": state.profile, "values": values, "errors": errors or {},
           "message": message, "number": number, "total": total,
           "heading": HEADINGS[step], "back": onboarding.previous_step(state, step),
           "ask_username": not state.profile.username or "username" in (errors or {}),
           "countries": countries.all_countries(),
           "regions": countries.regions(values.get("country")),
           "experience_levels": [(k, v, EXPERIENCE_LEVEL_HINTS[k])
                                 for k, v in EXPERIENCE_LEVEL_LABELS.items()],
           "team_preferences": list(TEAM_PREFERENCE_LABELS.items()),
           "commitment_levels": list(COMMITMENT_LEVEL_LABELS.items()),
           "plan_choices": list(onboarding.PLAN_CHOICES.items()),
           "starting_points": list(STARTING_POINT_LABELS.items()),
           "region_hint": region_hint}
    if step == onboarding.DONE:
        ctx.update(_share(state))
    return ctx


def _render(state, step, status=200, **extra):
    return htmx.page(TEMPLATE, BLOCKS, status, **_context(state, step, **extra))


@bp.route("/onboarding", methods=["GET", "POST"], endpoint="onboarding")
@login_required
def onboarding_flow():
    """GET shows the step to answer (or ``?step=`` an earlier one); POST saves one step."""
    state = onboarding.load_state(db.session, g.profile, now=utcnow())
    if request.method == "POST":
        return _save(state)
    requested = request.args.get("step")
    step = onboarding.step_to_show(state, requested)
    if step is None or (step == onboarding.DONE and requested != onboarding.DONE):
        return _dashboard()
    region_hint = (step == "identity" and request.args.get("region") == "1"
                   and bool(countries.regions(g.profile.country)))
    return _render(state, step, region_hint=region_hint)


def _save(state):
    step = request.form.get("step", "")
    if step not in onboarding.STEPS or onboarding.step_to_show(state, step) != step:
        return _after(state, onboarding.step_to_show(state, None))  # a stale or forged form
    values = onboarding_forms.form_values(step, request.form)
    now = utcnow()
    with refusal() as refused:
        nxt = onboarding.save(db.session, state, step, values, now=now,
                              ask_region=not htmx.is_htmx())
    if refused:
        state = onboarding.load_state(db.session, g.profile, now=now)
        if refused.invalid:
            return _render(state, step, refused.status, values=values, errors=refused.errors)
        shown = onboarding.step_to_show(state, step)
        if shown is None:
            return _dashboard()
        return _render(state, shown, refused.status, message=refused.message)
    db.session.commit()
    return _after(onboarding.load_state(db.session, g.profile, now=now), nxt,
                  region_hint=(step == "identity" and nxt == "identity"))


def _after(state, step, region_hint=False):
    """303 to the next step's address, or for htmx that step swapped in (URL replaced)."""
    if step is None:
        return _dashboard()
    url = _step_url(state, step)
    if region_hint:
        url = url_for("events.onboarding", step="identity", region=1)
    if not htmx.is_htmx():
        return htmx.redirect(url)
    response = _render(state, step, region_hint=region_hint)
    response.headers["HX-Replace-Url"] = url
    return response
