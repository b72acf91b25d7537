"""/admin/draws: run a verifiable prize draw and read the history (admins; mounted under /admin)."""
from __future__ import annotations

import uuid

from flask import Blueprint, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..errors import NotFound, ValidationFailed
from ..events.models import Event
from ..events.queries import featured_event
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import algorithm, queries, services

bp = Blueprint("draws_admin", __name__)
BLOCKS = {"draw-form": "draw_form"}


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _selected():
    """Return the draw picked with ?draw=<id> (NotFound when unknown), or None."""
    raw = request.args.get("draw")
    if not raw:
        return None
    key = _uuid(raw)
    if key is None:
        raise NotFound()
    return queries.draw_or_404(db.session, key)


def _render(status=200, values=None, errors=None, form_error=None):
    events = queries.draw_events(db.session)
    if values is None:
        featured = featured_event(db.session)
        default = featured if featured is not None and featured in events else None
        values = {"event_id": str((default or (events[0] if events else None)).id)
                  if events else "", "winner_count": "1", "exclude_earlier_winners": False}
    selected = _selected() if request.method == "GET" else None
    selected_event = db.session.get(Event, selected.event_id) if selected else None
    rows, has_next = queries.history(db.session, page_arg())
    return htmx.page("admin/draws.html", BLOCKS, status, events=events, values=values,
                     errors=errors or {}, form_error=form_error, history=rows,
                     has_next=has_next, page=page_arg(), selected=selected,
                     selected_event=selected_event,
                     check=services.verify(selected) if selected else None,
                     algorithm_name=algorithm.ALGORITHM)


def _parse(values: dict):
    """Return (event, winner count) from the form; ValidationFailed names every bad field."""
    errors = {}
    key = _uuid(values["event_id"])
    event = queries.draw_event_or_none(db.session, key) if key else None
    if event is None:
        errors["event_id"] = services.EVENT_CHOICE
    try:
        count = services.parse_winner_count(values["winner_count"])
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return event, count


@bp.route("/draws", methods=["GET", "POST"])
@role_required("admin")
def draws():
    """The draw form, the history, and the verification panel of a chosen draw."""
    if request.method == "GET":
        return _render()
    values = {"event_id": (request.form.get("event_id") or "")[:64],
              "winner_count": (request.form.get("winner_count") or "")[:20],
              "exclude_earlier_winners": request.form.get("exclude_earlier_winners") == "1"}
    with refusal() as refused:
        event, count = _parse(values)
        prize_draw = services.run_draw(db.session, g.profile, event, count,
                                       exclude_earlier_winners=values["exclude_earlier_winners"],
                                       now=utcnow())
    if refused:
        return _render(refused.status, values, refused.errors, form_error=refused.message)
    db.session.commit()
    return htmx.redirect(url_for(".draws", draw=prize_draw.id) + "#draw-details")
