"""Admin event management: list, create, edit, status, feature, delete, registrations CSV."""
from __future__ import annotations

import io

from flask import Blueprint, Response, g, request, stream_with_context, url_for

from .. import csvsafe
from ..csvsafe import neutralise
from ..db import db
from ..mentoring import queries as mentoring_queries
from ..enums import EVENT_STATUS_LABELS
from ..errors import Conflict, ValidationFailed
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import forms, queries, rules, services

bp = Blueprint("events_admin", __name__)  # mounted at /admin/events (buildstory/routes.py)

LIST = "admin/events.html"
EDIT = "admin/events_edit.html"
NOTICES = {"created": "Event created", "saved": "Event saved", "status": "Status changed",
           "featured": "Event featured", "unfeatured": "Event unfeatured",
           "unchanged": "Nothing changed"}
FORM_NOTICES = {"created", "saved", "unchanged"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is admin-only (403 for moderators and builders)."""
    return None


def _form_context(values=None, errors=None) -> dict:
    return {"values": values or {"timezone": "UTC",
                                 forms.JUDGES_FIELD: str(rules.JUDGES_DEFAULT)}, "errors": errors or {},
            "timezones": rules.timezone_names()}


@bp.route("", methods=["GET", "POST"])
def index():
    """The event list and the create form; a new event starts as a draft."""
    rows, has_next = queries.admin_events(db.session, page_arg())
    page_ctx = {"rows": rows, "has_next": has_next, "page": page_arg()}
    if request.method == "GET":
        return htmx.page(LIST, None, **page_ctx, **_form_context())
    values = forms.event_values(request.form)
    with refusal(ValidationFailed) as refused:
        event = services.create_event(db.session, g.profile, forms.parse_event(values))
    if refused:
        return htmx.page(LIST, {"event-form": "form"}, refused.status, **page_ctx,
                         **_form_context(values, refused.errors))
    db.session.commit()
    return htmx.redirect(url_for("events_admin.edit", slug=event.slug, done="created"))


def _load(slug: str):
    return queries.event_by_slug_or_404(db.session, slug, include_drafts=True)


def _edit_context(event, *, values=None, errors=None, message=None, done=None,
                  action_errors=None) -> dict:
    done = done or request.args.get("done") or ""
    return {"event": event, **_form_context(values or forms.values_from_event(event), errors),
            "message": message, "notice": NOTICES.get(done), "action_errors": action_errors or {},
            "notice_in": "form" if done in FORM_NOTICES else "actions",
            "statuses": [(s, EVENT_STATUS_LABELS[s]) for s in rules.TRANSITIONS[event.status]]}


@bp.route("/<slug>", methods=["GET", "POST"])
def edit(slug):
    """The edit form (button Save event) with the status, feature and delete actions."""
    event = _load(slug)
    if request.method == "GET":
        return htmx.page(EDIT, None, **_edit_context(event),
                         help_stats=mentoring_queries.stats(db.session, event))
    values = forms.event_values(request.form)
    with refusal(ValidationFailed) as refused:
        changed = services.update_event(db.session, g.profile, event, forms.parse_event(values))
    if refused:
        return htmx.page(EDIT, {"event-form": "form"}, refused.status,
                         **_edit_context(_load(slug), values=values, errors=refused.errors))
    db.session.commit()
    done = "saved" if changed else "unchanged"
    if htmx.is_htmx() and event.slug == slug:
        return htmx.page(EDIT, {"event-form": "form"}, **_edit_context(event, done=done))
    return htmx.redirect(url_for("events_admin.edit", slug=event.slug, done=done))


def _action_answer(event, done: str):
    """After an action: the actions card for htmx, else 303 back to the edit page."""
    if htmx.is_htmx():
        return htmx.fragments((EDIT, "actions", _edit_context(event, done=done)))
    return htmx.redirect(url_for("events_admin.edit", slug=event.slug, done=done))


def _refused(slug: str, refused):
    """A refused action: the actions card (htmx) or the whole edit page, with the message."""
    event = _load(slug)
    ctx = _edit_context(event, action_errors=refused.errors, message=refused.message)
    if htmx.is_htmx():
        return htmx.fragments((EDIT, "actions", ctx), status=refused.status)
    return htmx.page(EDIT, None, refused.status, **ctx)


@bp.post("/<slug>/status")
def change_status(slug):
    """Move the event along its lifecycle (field Status)."""
    event = _load(slug)
    with refusal() as refused:
        services.transition_status(db.session, g.profile, event, forms.status(request.form))
    if refused:
        return _refused(slug, refused)
    db.session.commit()
    return _action_answer(event, "status")


@bp.post("/<slug>/feature")
def feature(slug):
    """Feature the event (the previously featured one is unfeatured)."""
    event = _load(slug)
    with refusal(Conflict) as refused:
        services.feature_event(db.session, g.profile, event)
    if refused:
        return _refused(slug, refused)
    db.session.commit()
    return _action_answer(event, "featured")


@bp.post("/<slug>/unfeature")
def unfeature(slug):
    """Stop featuring the event."""
    event = _load(slug)
    services.unfeature_event(db.session, g.profile, event)
    db.session.commit()
    return _action_answer(event, "unfeatured")


@bp.post("/<slug>/delete")
def delete(slug):
    """Delete an unused event (confirmation box required); back to the list."""
    event = _load(slug)
    with refusal() as refused:
        if not htmx.confirmed():
            raise ValidationFailed({"confirm": htmx.CONFIRM_REQUIRED})
        services.delete_event(db.session, g.profile, event)
    if refused:
        return _refused(slug, refused)
    db.session.commit()
    return htmx.redirect(url_for("events_admin.index"))


@bp.get("/<slug>/registrations.csv")
def registrations_csv(slug):
    """Stream the visible registrants of the event as CSV."""
    event = _load(slug)
    rows = queries.registrant_rows(db.session, event)

    def generate():
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)
        writer.writerow(["username", "display name", "team preference", "commitment",
                         "country", "registered at"])
        for username, name, team, commitment, country, registered_at in rows:
            writer.writerow([neutralise(v) for v in (
                username, name, team.label if team else "",
                commitment.label if commitment else "", country,
                registered_at.isoformat().replace("+00:00", "Z"))])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{event.slug}-registrations.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response

