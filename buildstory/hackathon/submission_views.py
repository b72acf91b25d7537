"""The submission form of a project in an event, its demo image and its withdrawal, and
the demo images' URLs (docs/rules.md "Submissions")."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from sqlalchemy import select

from .. import storage
from ..clock import utcnow
from ..db import db
from ..enums import AI_TOOL_CATEGORY_LABELS, EventStatus
from ..errors import Conflict, DomainError, Forbidden, ValidationFailed
from ..events.models import Event
from ..projects import access as project_access
from ..projects import queries as project_queries
from ..tools import services as tool_services
from ..tools import views as tool_views
from ..web import htmx
from ..web.auth import login_required
from ..web.errors import error_response
from ..web.refusals import refusal
from . import images, rules
from . import submission_forms as forms
from . import submissions as services
from .models import SubmissionImage

bp = Blueprint("submissions", __name__)

PAGE = "hackathon/submission_form.html"
BLOCKS = {"submission-form": "form", "tool-picker": "tool_picker",
          "submission-image": "image_panel", "withdraw-submission": "withdraw_panel"}
NOTICES = {"submitted": "Project submitted", "updated": "Submission updated",
           "unchanged": "Nothing changed", "image": "Demo image updated",
           "image-removed": "Demo image removed", "withdrawn": "Submission withdrawn"}
IMMUTABLE = "public, max-age=31536000, immutable"
UPLOAD_ENDPOINT = "submissions.upload_image"


def _load(slug: str, event_slug: str):
    """Return (project, event) for a team member; 404 for what the viewer may not see,
    403 "You are not on this project's team" for anyone else."""
    project = project_queries.project_for_page(db.session, slug)
    if project is None or not project_access.can_view(project, g.profile, g.role):
        abort(404)
    event = db.session.scalar(select(Event).where(Event.slug == event_slug))
    if event is None or (event.status == EventStatus.draft and g.role != "admin"):
        abort(404)
    if not project_access.is_on_team(project, g.profile):
        raise Forbidden(services.NOT_ON_TEAM)
    return project, event


def _context(project, event, *, values=None, errors=None, message=None, notice=None,
             image_error=None, image_notice=None, withdraw_error=None, tool_error=None,
             confirm_error=None) -> dict:
    state = services.form_state(db.session, project, event, g.profile)
    sub = state.submission
    tools = services.picker_tools(db.session, sub.id if sub else None,
                                  forms.tool_ids(values["tools"]) if values else [])
    if values is None:
        stored = [t.id for t, used in tools if used]
        values = (forms.from_submission(sub, stored) if sub is not None
                  else forms.first_values(project))
    ticked = set(values["tools"])
    groups: dict = {}
    for tool, _used in tools:
        groups.setdefault(tool.category, []).append((tool, str(tool.id) in ticked))
    thumb_size = None
    if state.image:
        _, width, height = state.image
        scale = min(1, images.THUMB_BOX[0] / width, images.THUMB_BOX[1] / height)
        thumb_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    closed = rules.submission_refusal(event, utcnow())
    return {"project": project, "event": event, "submission": sub, "image": state.image,
            "thumb_size": thumb_size, "registered": state.registered, "closed": closed,
            "can_change": state.registered and not closed,
            "values": values, "errors": errors or {}, "message": message, "notice": notice,
            "tool_groups": [(AI_TOOL_CATEGORY_LABELS[c], groups[c])
                            for c in AI_TOOL_CATEGORY_LABELS if c in groups],
            "image_error": image_error, "image_notice": image_notice,
            "withdraw_error": withdraw_error, "confirm_error": confirm_error,
            "tool_error": tool_error}


def _page(project, event, status=200, **kw):
    return htmx.page(PAGE, BLOCKS, status, **_context(project, event, **kw))


def _here(project, event, done: str, anchor: str = "") -> str:
    return url_for("submissions.form", slug=project.slug, event_slug=event.slug,
                   done=done) + anchor


@bp.route("/projects/<slug>/submissions/<event_slug>", methods=["GET", "POST"])
@login_required
def form(slug, event_slug):
    """The submission form: Submit project (later Update submission), and Add tool."""
    project, event = _load(slug, event_slug)
    if request.method == "GET":
        return _page(project, event, notice=NOTICES.get(request.args.get("done", "")))
    values = forms.values(request.form)
    if request.form.get("add_tool") and values[forms.NEW_TOOL].strip():
        return _add_tool(project, event, values)
    with refusal() as refused:
        services.refusal(db.session, project, event, g.profile, now=utcnow())  # who/when first
        fields, tool_ids = _checked(values)
        result = services.save_submission(db.session, project, event, g.profile, fields,
                                          tool_ids, now=utcnow())
    if refused:
        return _page(project, event, refused.status, values=values, errors=refused.errors,
                     message=refused.message)
    db.session.commit()
    done = "submitted" if result.created else ("updated" if result.changed else "unchanged")
    if htmx.is_htmx() and htmx.target() == "submission-form":
        return htmx.page(PAGE, BLOCKS, **_context(project, event, notice=NOTICES[done]))
    return htmx.redirect(_here(project, event, done))


def _checked(values: dict) -> tuple[dict, list]:
    """Return the cleaned fields and tool ids; ValidationFailed with every field's message
    (the text fields and the tools together)."""
    errors: dict[str, str] = {}
    fields: dict = {}
    tool_ids = forms.tool_ids(values["tools"])
    try:
        fields = forms.clean(values)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        services.check_tools(db.session, tool_ids)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return fields, tool_ids


def _add_tool(project, event, values):
    """Add a tool to the catalogue (or find it) and show the form again, input kept and the
    tool ticked; nothing else is saved. With htmx only the tool picker is swapped."""
    with refusal(DomainError) as refused:
        services.refusal(db.session, project, event, g.profile, now=utcnow())
        tool = tool_services.add_tool(db.session, values[forms.NEW_TOOL], by=g.profile,
                                      limit=tool_views.new_tool_limit())
    if refused and refused.status in (403, 409):  # who and when: the form's message
        return _page(project, event, refused.status, values=values, message=refused.message)
    if refused:  # 422 (the name) or 429 (too many): by the field
        message = refused.errors.get(tool_services.NEW_TOOL_FIELD) or refused.message
        response = _page(project, event, refused.status, values=values, tool_error=message)
        if retry := getattr(refused.error, "retry_after", None):
            response.headers["Retry-After"] = str(retry)
        return response
    db.session.commit()
    ticked = [*values["tools"], str(tool.id)]
    return _page(project, event, values={**values, "tools": list(dict.fromkeys(ticked)),
                                         forms.NEW_TOOL: ""})


# --- demo image -------------------------------------------------------------------------

@bp.url_value_preprocessor
def _upload_body_limit(endpoint, view_args):
    # Before the CSRF check reads the form: the image upload alone may exceed the 1 MB cap.
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = current_app.config["UPLOAD_BODY_LIMIT"]


@bp.errorhandler(413)
def _too_large(exc):
    if request.endpoint == UPLOAD_ENDPOINT:
        return error_response(413, images.TOO_LARGE)
    return error_response(413)


def _image_answer(project, event, done: str):
    if htmx.is_htmx():
        return htmx.page(PAGE, BLOCKS, **_context(project, event, image_notice=NOTICES[done]))
    return htmx.redirect(_here(project, event, done, "#submission-image"))


@bp.post("/projects/<slug>/submissions/<event_slug>/image")
@login_required
def upload_image(slug, event_slug):
    """Store the Demo image (≤ 5 MB; 413 beyond, 422 for anything but an image)."""
    project, event = _load(slug, event_slug)
    upload = request.files.get("image")
    data = upload.stream.read(images.MAX_BYTES + 1) if upload else b""
    with refusal(images.ImageTooLarge, ValidationFailed, Conflict) as refused:
        services.set_image(db.session, project, event, g.profile, data, now=utcnow())
    if refused and refused.status == 413:  # htmx: answers but 422/409 go to the messages
        if htmx.is_htmx():
            return error_response(413, refused.message)
        return _page(project, event, 413, image_error=refused.message)
    if refused:
        error = refused.errors.get(images.FIELD) if refused.invalid else refused.message
        return _page(project, event, refused.status, image_error=error)
    db.session.commit()
    return _image_answer(project, event, "image")


@bp.post("/projects/<slug>/submissions/<event_slug>/image/delete")
@login_required
def delete_image(slug, event_slug):
    """Remove the demo image (after the confirmation)."""
    project, event = _load(slug, event_slug)
    if not htmx.confirmed():
        return _page(project, event, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    with refusal() as refused:
        services.remove_image(db.session, project, event, g.profile, now=utcnow())
    if refused:
        return _page(project, event, refused.status, image_error=refused.message)
    db.session.commit()
    return _image_answer(project, event, "image-removed")


@bp.post("/projects/<slug>/submissions/<event_slug>/withdraw")
@login_required
def withdraw(slug, event_slug):
    """Withdraw the submission (after the confirmation); the entry stays."""
    project, event = _load(slug, event_slug)
    if not htmx.confirmed():
        return _page(project, event, 422, withdraw_error=htmx.CONFIRM_REQUIRED)
    with refusal() as refused:
        services.withdraw(db.session, project, event, g.profile, now=utcnow())
    if refused:
        return _page(project, event, refused.status, withdraw_error=refused.message)
    db.session.commit()
    return htmx.redirect(_here(project, event, "withdrawn"))


def _serve(submission_id, digest: str, column, key_column):
    """The stored image at its content-addressed URL; 404 for unknown or stale hashes and,
    for invisible submissions, to everyone but their team and moderators."""
    found = services.image_for_url(db.session, submission_id, digest, column, key_column)
    if found is None:
        abort(404)
    inline, key, visible, project_id = found
    if not visible:
        me = g.profile
        allowed = project_access.is_moderator(g.role) or (
            me is not None and services.is_on_team(db.session, project_id, me.id))
        if not allowed:
            abort(404)
    data = storage.read(db.session, key=key, inline=inline)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/webp")
    response.headers["Cache-Control"] = IMMUTABLE if visible else "private, max-age=3600"
    response.set_etag(digest)
    return response


@bp.get("/submission-images/<uuid:submission_id>/<digest>")
def demo_image(submission_id, digest):
    """A submission's demo image (WebP, fits 1600×1000)."""
    return _serve(submission_id, digest, SubmissionImage.image, SubmissionImage.storage_key)


@bp.get("/submission-images/<uuid:submission_id>/<digest>/thumb")
def demo_thumb(submission_id, digest):
    """The demo image's 480×300 thumbnail."""
    return _serve(submission_id, digest, SubmissionImage.thumb,
                  SubmissionImage.thumb_storage_key)


def image_url(submission_id, digest: str, thumb: bool = False) -> str:
    """Return the immutable URL of a submission's demo image (or thumbnail)."""
    endpoint = "submissions.demo_thumb" if thumb else "submissions.demo_image"
    return url_for(endpoint, submission_id=submission_id, digest=digest)


def submissions_open(event) -> bool:
    """True while the event takes submissions (for links to the form)."""
    return rules.submission_refusal(event, utcnow()) is None


bp.add_app_template_global(image_url, "submission_image_url")
bp.add_app_template_global(submissions_open)
