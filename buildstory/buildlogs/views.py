"""Build-log pages: feeds, posting, one post, edit, delete, inline moderation and the
images (docs/rules.md "Build logs"). Views parse, load or 404, call one service, commit."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, request, url_for

from .. import storage
from ..clock import utcnow
from ..db import db
from ..errors import Conflict, Forbidden, ValidationFailed
from ..profiles import queries as profile_queries
from ..profiles.rules import username_format_error
from ..profiles.services import ImageTooLarge
from ..projects import access as project_access, queries as project_queries
from ..tools import access as tool_access, queries as tool_queries
from ..web import htmx
from ..web.auth import login_required, role_required
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import queries, rules, services
from .models import Post

bp = Blueprint("buildlogs", __name__)

IMMUTABLE = "public, max-age=31536000, immutable"
FEED_BLOCKS = {"older-posts": "feed_page"}
SECTION = "buildlogs/section.html"


def _limits() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _is_moderator() -> bool:
    return project_access.is_moderator(g.role)


def _before():
    try:
        return queries.decode_cursor(request.args.get("before"))
    except (ValueError, OverflowError):
        abort(404)


def _viewer_id():
    return g.profile.id if g.profile is not None else None


def _card_context(**extra) -> dict:
    return {"viewer": g.profile, "is_moderator": _is_moderator(), "now": utcnow(), **extra}


def _feed_page(title: str, heading: str, page, *, back=None, description=None):
    if request.args.get("before") and not page.cards:
        abort(404)
    return htmx.page("buildlogs/feed.html", FEED_BLOCKS,
                     **_card_context(title=title, heading=heading, page=page, back=back,
                                     description=description))


# --- Feeds -------------------------------------------------------------------------------

@bp.get("/feed")
def feed():
    """Every visible post, newest first."""
    page = queries.feed(db.session, before=_before(), viewer_id=_viewer_id())
    return _feed_page("Build logs", "Build logs", page,
                      description="What builders on Buildstory are shipping, newest first.")


def _project_or_404(slug):
    project = project_queries.project_for_page(db.session, slug)
    if project is None or not project_access.can_view(project, g.profile, g.role):
        abort(404)
    return project


def _tool_or_404(slug):
    tool = tool_queries.tool_by_slug(db.session, slug)
    if tool is None or tool.merged_into_id is not None or not tool_access.can_view(tool, g.role):
        abort(404)
    return tool


@bp.get("/projects/<slug>/updates")
def project_updates(slug):
    """All of a project's updates."""
    project = _project_or_404(slug)
    page = queries.feed(db.session, project_id=project.id, before=_before(),
                        viewer_id=_viewer_id())
    return _feed_page(f"Updates of {project.name}", f"Updates of {project.name}", page,
                      back=(url_for("projects.show", slug=project.slug), project.name))


@bp.get("/tools/<slug>/posts")
def tool_posts(slug):
    """All posts about a tool."""
    tool = _tool_or_404(slug)
    page = queries.feed(db.session, tool_id=tool.id, before=_before(), viewer_id=_viewer_id())
    return _feed_page(f"Posts about {tool.name}", f"Posts about {tool.name}", page,
                      back=(url_for("tools.show", slug=tool.slug), tool.name))


@bp.get("/profiles/<username>/activity")
def activity(username):
    """All of a builder's posts."""
    if username_format_error(username):
        abort(404)
    builder = profile_queries.public_profile(db.session, username, viewer=g.profile,
                                             sees_hidden=_is_moderator())
    if builder is None:
        abort(404)
    page = queries.feed(db.session, author_id=builder.id, before=_before(),
                        viewer_id=_viewer_id())
    return _feed_page(f"Activity of {builder.display_name}", f"Activity of {builder.display_name}",
                      page, back=(url_for("profiles.profile", username=builder.username),
                                  builder.display_name))


# --- Posting ------------------------------------------------------------------------------

def section_context(*, project=None, tool=None, values=None, errors=None, message=None,
                    done=None) -> dict:
    """What the Updates section (``section.html``) shows: the latest five and the
    composer for those who may post."""
    if project is not None:
        latest = queries.latest(db.session, project_id=project.id, viewer_id=_viewer_id())
        can_post = services.can_post_on(project, g.profile)
        action = url_for("buildlogs.post_update", slug=project.slug)
        more = url_for("buildlogs.project_updates", slug=project.slug)
    else:
        latest = queries.latest(db.session, tool_id=tool.id, viewer_id=_viewer_id())
        can_post = g.profile is not None
        action = url_for("buildlogs.post_about_tool", slug=tool.slug)
        more = url_for("buildlogs.tool_posts", slug=tool.slug)
    return _card_context(project=project, tool=tool, latest=latest, can_post=can_post,
                         action=action, more=more, values=values or {}, errors=errors or {},
                         message=message, done=done)


def _post(project=None, tool=None):
    request.max_content_length = current_app.config["UPLOAD_BODY_LIMIT"]
    upload = request.files.get("image")
    data = upload.read() if upload is not None and upload.filename else None
    with refusal(ValidationFailed, Conflict, ImageTooLarge) as refused:
        services.create_post(db.session, g.profile, request.form, project=project, tool=tool,
                             image=data, now=utcnow(), limits=_limits())
    if refused:
        errors = refused.errors or ({"image": refused.message}
                                    if isinstance(refused.error, ImageTooLarge) else {})
        ctx = section_context(project=project, tool=tool, values=request.form, errors=errors,
                              message=None if errors else refused.message)
        if htmx.is_htmx():
            return htmx.fragments((SECTION, "updates", {"updates_section": ctx}),
                                  status=refused.status)
        return htmx.page("buildlogs/compose.html", None, refused.status, project=project,
                         tool=tool, updates_section=ctx)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.fragments((SECTION, "updates", {"updates_section": section_context(
            project=project, tool=tool, done="Posted.")}))
    if project is not None:
        return htmx.redirect(url_for("projects.show", slug=project.slug) + "#updates")
    return htmx.redirect(url_for("tools.show", slug=tool.slug) + "#updates")


@bp.post("/projects/<slug>/updates")
@login_required
def post_update(slug):
    """The team posts an update on its project."""
    return _post(project=_project_or_404(slug))


@bp.post("/tools/<slug>/posts")
@login_required
def post_about_tool(slug):
    """Any signed-in builder posts about a tool."""
    return _post(tool=_tool_or_404(slug))


# --- One post -----------------------------------------------------------------------------

def _card_or_404(post_id) -> queries.Card:
    card = queries.card(db.session, post_id, _viewer_id())
    if card is None or not queries.can_view(card, g.profile, _is_moderator()):
        abort(404)
    return card


@bp.get("/posts/<uuid:post_id>")
def show(post_id):
    """One post (and, later, its comments)."""
    card = _card_or_404(post_id)
    from . import talk_views  # its comments and reactions
    talk = talk_views.talk_context(card.post,
                                   after=talk_views.parse_cursor(request.args.get("after")))
    return htmx.page("buildlogs/post.html", None, **_card_context(card=card), talk=talk)


def _card_answer(card, status: int = 200, **extra):
    ctx = _card_context(card=card, **extra)
    if htmx.is_htmx():
        return htmx.fragments(("buildlogs/post.html", "post_card", ctx), status=status)
    return htmx.page("buildlogs/post.html", None, status, **ctx)


@bp.route("/posts/<uuid:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id):
    """The author changes the body and link within 15 minutes."""
    card = _card_or_404(post_id)
    post = card.post
    if request.method == "GET":
        if g.profile.id != post.author_id:
            raise Forbidden(rules.NOT_AUTHOR_EDIT)
        if not rules.within_edit_window(post.created_at, utcnow()):
            return _card_answer(card, 409, message=rules.EDIT_WINDOW_PASSED)
        values = {"body": post.body, "link_url": post.link_url or ""}
        return _card_answer(card, editing=True, values=values, errors={})
    with refusal(ValidationFailed, Conflict) as refused:
        services.edit_post(db.session, g.profile, post, request.form, now=utcnow())
    if refused:
        card = _card_or_404(post_id)
        return _card_answer(card, refused.status, editing=True, values=request.form,
                            errors=refused.errors, message=refused.message)
    db.session.commit()
    if not htmx.is_htmx():
        return htmx.redirect(url_for("buildlogs.show", post_id=post.id))
    return _card_answer(_card_or_404(post_id), done="Update saved.")


@bp.post("/posts/<uuid:post_id>/delete")
@login_required
def delete(post_id):
    """The author (or the project's owner) deletes a post; it leaves every list."""
    card = _card_or_404(post_id)
    if not services.can_delete(card.post, g.profile, card.project):
        raise Forbidden(rules.NOT_AUTHOR_DELETE)
    if not htmx.confirmed():
        return _card_answer(card, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    services.delete_post(db.session, g.profile, card.post, project=card.project, now=utcnow())
    db.session.commit()
    if htmx.is_htmx():
        return htmx.fragments(("buildlogs/post.html", "post_deleted", _card_context(card=card)))
    if card.project is not None:
        return htmx.redirect(url_for("projects.show", slug=card.project.slug) + "#updates")
    return htmx.redirect(url_for("tools.show", slug=card.tool.slug) + "#updates")


# --- Moderation ---------------------------------------------------------------------------

def _moderate(post_id, action, done: str, ask: bool):
    card = queries.card(db.session, post_id, _viewer_id())
    if card is None or card.post.deleted_at is not None:
        abort(404)
    if ask and not htmx.confirmed():
        return _card_answer(card, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    with refusal(Conflict) as refused:
        action(db.session, g.profile, card.post, card.author, now=utcnow())
    if refused:
        return _card_answer(queries.card(db.session, post_id, _viewer_id()), refused.status,
                            message=refused.message)
    db.session.commit()
    if not htmx.is_htmx():  # back where the form came from (e.g. the reports queue)
        return htmx.redirect(safe_next(request.form.get("next"),
                                       url_for("buildlogs.show", post_id=post_id)))
    return _card_answer(queries.card(db.session, post_id, _viewer_id()), done=done)


@bp.post("/moderation/posts/<uuid:post_id>/hide")
@role_required("moderator")
def hide(post_id):
    """Hide a post from every public surface (its author still sees it, badged)."""
    return _moderate(post_id, services.hide_post, "Update hidden.", ask=True)


@bp.post("/moderation/posts/<uuid:post_id>/unhide")
@role_required("moderator")
def unhide(post_id):
    """Show a hidden post again."""
    return _moderate(post_id, services.unhide_post, "Update visible again.", ask=False)


# --- Images -------------------------------------------------------------------------------

@bp.get("/post-images/<uuid:post_id>/<digest>")
def image(post_id, digest):
    """A post's image: immutable (its hash is in the URL); 404 while the post is not
    visible to this viewer."""
    card = _card_or_404(post_id)
    row = queries.image(db.session, post_id, digest)
    data = None if row is None else storage.read(db.session, key=row.storage_key,
                                                 inline=row.data)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/webp")
    response.headers["Cache-Control"] = IMMUTABLE if queries.is_visible(card) \
        else "private, max-age=3600"
    response.set_etag(digest)
    return response


# --- Template helpers ---------------------------------------------------------------------

@bp.app_template_global("post_body")
def post_body(post):
    """A post's body as safe HTML with ``@username`` linked to the profile."""
    return rules.render_body(post.body, lambda name: url_for("profiles.profile", username=name))


@bp.app_template_global("post_link_host")
def post_link_host(url):
    """The host a post's link is shown with."""
    from urllib.parse import urlsplit
    return (urlsplit(url).hostname or url).removeprefix("www.")


@bp.app_template_global("post_editable")
def post_editable(post, viewer, now):
    return viewer is not None and viewer.id == post.author_id and \
        rules.within_edit_window(post.created_at, now)


@bp.app_template_global("post_deletable")
def post_deletable(card, viewer):
    return services.can_delete(card.post, viewer, card.project)


@bp.app_template_global("recent_activity")
def recent_activity(profile):
    """A builder's latest five visible posts (the profile page's Activity)."""
    return queries.latest(db.session, author_id=profile.id, viewer_id=_viewer_id())


@bp.app_template_global("activity_viewer")
def activity_viewer():
    return g.profile


@bp.app_template_global("activity_moderator")
def activity_moderator():
    return _is_moderator()


@bp.app_template_global("activity_now")
def activity_now():
    return utcnow()
