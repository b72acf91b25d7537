"""The showcase, the submission page and the share cards (docs/rules.md "Showcase and
share cards")."""
from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup, escape

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from ..db import db
from ..events import access as event_access
from ..events import queries as event_queries
from ..markdown import meta_description
from ..projects import access as project_access
from ..web import htmx
from ..web.memo import RenderMemo
from . import cards, rules, showcase
from . import submission_reads as reads
from .links import hackathon_path

bp = Blueprint("showcase", __name__)

SHOWCASE = "hackathon/showcase.html"
SHOWCASE_BLOCKS = {"showcase-results": "showcase_results", "showcase-more": "showcase_more"}
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE_IMAGE = "private, max-age=3600"


@bp.app_template_global()
def hackathon_link(name: str, **values) -> str:
    """A hackathon page's path (``links.PATHS``) for templates."""
    return hackathon_path(name, **values)


# A showcase card shows only its own data, with no form and nothing about the viewer, so
# its HTML is remembered by that data (``web.memo``): a page of 24 cards renders the ones
# it has not seen before.
CARD_HTML = RenderMemo(4096)


@bp.app_template_global()
def showcase_card(card, event, focus: bool = False):
    """The submission card (``hackathon/_macros.html``), rendered once per distinct data."""
    def render():
        macros = current_app.jinja_env.get_template("hackathon/_macros.html").module
        return macros.submission_card(card, event, focus)
    return CARD_HTML.get((event.slug, focus, *card.render_key()), render)


@bp.app_template_global()
def tool_option_tags(tools, selected: str | None):
    """The AI tool filter's ``<option>``s (up to 200), joined here rather than by a template
    loop, which spent more on them than on the rest of the form."""
    return Markup("".join(
        f'<option value="{escape(t.slug)}"{" selected" if t.slug == selected else ""}>'
        f'{escape(t.name)}</option>' for t in tools))


@bp.app_template_global()
def card_url(submission_id, version: str | None, external: bool = False) -> str:
    """The share card's URL; without a stored version, one that redirects to the current."""
    return url_for("showcase.card", submission_id=submission_id,
                   version=version or cards.PLACEHOLDER_VERSION, _external=external)


def _event(slug: str):
    return event_queries.event_by_slug_or_404(
        db.session, slug, include_drafts=event_access.can_view_drafts(g.role))


def _viewer_id():
    return g.profile.id if g.profile is not None else None


def _filters() -> dict:
    sort = request.args.get("sort", "newest")
    sort = sort if sort in showcase.SORTS else "newest"
    raw_q = " ".join((request.args.get("q") or "").split())[:100]
    q = showcase.normalise_search(raw_q)
    return {"sort": sort, "raw_q": raw_q, "q": q if len(q) >= showcase.SEARCH_MIN else "",
            "too_short": 0 < len(q) < showcase.SEARCH_MIN,
            "tool": (request.args.get("tool") or "").strip()[:100] or None}


def _page_url(event, filters: dict, after: str | None = None) -> str:
    args = {"q": filters["raw_q"], "tool": filters["tool"] or "", "sort": filters["sort"]}
    args = {k: v for k, v in args.items() if v and not (k == "sort" and v == "newest")}
    if after:
        args["after"] = after
    base = url_for("showcase.index", slug=event.slug)
    return base + ("?" + urlencode(args) if args else "")


@bp.get("/events/<slug>/showcase")
def index(slug):
    """The event's showcase: cards, search, AI tool filter, two sorts, keyset pages."""
    event = _event(slug)
    if not rules.showcase_open(event):
        return htmx.page(SHOWCASE, None, event=event, closed=True)
    filters = _filters()
    options, chosen = showcase.tool_options(db.session, event, filters["tool"])
    after = showcase.decode_cursor(filters["sort"], request.args.get("after"))
    sees_all = project_access.is_moderator(g.role)
    items, more = showcase.showcase_page(
        db.session, event, sort=filters["sort"], q=filters["q"],
        tool_id=chosen.id if chosen else None, after=after, viewer_id=_viewer_id(),
        sees_all=sees_all)
    showcase.add_extras(db.session, event, items)
    next_url = (_page_url(event, filters, showcase.encode_cursor(filters["sort"], items[-1]))
                if more else None)
    return htmx.page(SHOWCASE, SHOWCASE_BLOCKS, event=event, closed=False, cards=items,
                     next_url=next_url, filters=filters, tools=options, sorts=showcase.SORTS,
                     continued=after is not None, sees_all=sees_all,
                     search_hint=showcase.SEARCH_TOO_SHORT)


def _on_team(project, team, viewer_id) -> bool:
    """True for the project's owner or members (the team list first, else one probe for
    a member the list leaves out, such as a hidden one)."""
    if viewer_id is None:
        return False
    return reads.on_team(team, viewer_id) or reads.is_team_member(db.session, project,
                                                                        viewer_id)


def _may_see(event, hidden: bool, team: bool) -> bool:
    """Whether this viewer may open a submission's page or card: visible ones once the
    showcase is open; the team and moderators always (badged when hidden)."""
    if team or project_access.is_moderator(g.role):
        return True
    return not hidden and rules.showcase_open(event)


@bp.get("/events/<slug>/showcase/<project_slug>")
def submission(slug, project_slug):
    """One submission: all that was submitted, team, counts, awards; edit and share for
    the team."""
    event = _event(slug)
    row = reads.submission_for_page(db.session, event, project_slug)
    if row is None:
        abort(404)
    sub, project = row[0], row[1]
    card = reads.card_of(sub, project, row.hidden)
    showcase.add_extras(db.session, event, [card])
    team = _on_team(project, card.team, _viewer_id())
    if not _may_see(event, row.hidden, team):
        abort(404)
    version = cards.card_version(reads.card_inputs(event, project, sub, card))
    page_url = url_for("showcase.submission", slug=event.slug, project_slug=project.slug,
                       _external=True)
    share_text = f"{project.name} at {event.name}"
    return htmx.page("hackathon/submission.html", None, event=event, submission=sub,
                     project=project, owner=row[2], card=card, hidden=row.hidden,
                     image={"hash": row.hash, "width": row.width, "height": row.height}
                     if row.hash else None,
                     saver_name=row.saver_name, on_team=team,
                     can_moderate=project_access.is_moderator(g.role),
                     card_version=version, page_url=page_url,
                     share_url="https://x.com/intent/post?" + urlencode(
                         {"text": share_text, "url": page_url}),
                     description=meta_description(sub.what_built))


@bp.get("/cards/<uuid:submission_id>/<version>.png")
def card(submission_id, version):
    """The share card PNG of a submission's current version (stored on first request);
    an older version redirects to the current one."""
    if not cards.VERSION_RE.match(version):
        abort(404)
    row = reads.submission_by_id(db.session, submission_id)
    if row is None:
        abort(404)
    sub, project, event = row[0], row[1], row[3]
    if event.status == "draft" and not event_access.can_view_drafts(g.role):
        abort(404)
    item = reads.card_of(sub, project, row.hidden)
    showcase.add_extras(db.session, event, [item])
    if not _may_see(event, row.hidden, _on_team(project, item.team, _viewer_id())):
        abort(404)
    inputs = reads.card_inputs(event, project, sub, item)
    current = cards.card_version(inputs)
    if version != current:
        return redirect(url_for("showcase.card", submission_id=sub.id, version=current), 302)
    png = cards.card_png(db.session, sub.id, inputs)
    db.session.commit()  # the cache fill: the one write a GET makes here
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = PRIVATE_IMAGE if row.hidden else IMMUTABLE
    response.set_etag(current)
    return response
