"""Public profile pages and the member directory (routes on the profiles blueprint)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from flask import abort, g, redirect, request, url_for
from markupsafe import Markup, escape

from .. import cache, markdown
from ..db import db
from ..mentoring import queries as mentoring_queries
from ..enums import EXPERIENCE_LEVEL_LABELS, ExperienceLevel
from ..web import htmx
from ..web.args import page_arg
from ..hackathon import awards as hackathon_awards
from . import access, countries, queries
from .rules import username_format_error
from .views import bp

MEMBERS = "profiles/members.html"
MEMBERS_BLOCKS = {"member-results": "member_results"}
MAX_PAGE = 5000  # a larger ?page= is read as this one (a bound on the OFFSET scan)


class Location(NamedTuple):
    """What a profile shows for where a builder builds from."""

    flag: str
    text: str


@bp.app_template_global()
def profile_location(profile) -> Location | None:
    """Return the flag and "Region, Country" of a profile, or None without a country."""
    return _location(profile.country, profile.region)


@lru_cache(maxsize=4096)
def _location(country_code: str | None, region_code: str | None) -> Location | None:
    """The Location of a (country, region) pair, computed once per process per pair."""
    country = countries.country(country_code)
    if country is None:
        return None
    text = countries.location_text(country_code, region_code)
    # Some ISO 3166-2 names carry their code ("Stockholms län [SE-01]"); people read names.
    return Location(country.flag, re.sub(r"\s*\[[^\]]*\]", "", text))


@bp.app_template_global()
def directory_countries() -> tuple[tuple[str, int], ...]:
    """The directory's Country filter: countries with visible builders and their counts,
    kept for STATS_CACHE_SECONDS (``buildstory/cache.py``); called by the full page only."""
    return cache.cached(("directory_countries",),
                        lambda: queries.country_counts(db.session))


@bp.app_template_global()
@lru_cache(maxsize=512)
def country_options(selected: str | None, counts: tuple[tuple[str, int], ...]) -> Markup:
    """Return the Country filter's ``<option>`` lines (6-space indented, one per line):
    the countries in ``counts`` by name, each with its number of builders, ``selected``
    marked (kept even without builders, so the form shows the filter in use)."""
    found = dict(counts)
    if selected and selected not in found:
        found[selected] = 0
    listed = [c for c in countries.all_countries() if c.code in found]
    return Markup("\n".join(
        f'      <option value="{escape(c.code)}"{" selected" if c.code == selected else ""}>'
        f'{escape(c.name)} ({found[c.code]})</option>' for c in listed))


@bp.app_template_test("http_url")
def is_http_url(value) -> bool:
    """``{% if url is http_url %}``: only absolute http(s) URLs ever become links."""
    return markdown.is_http_url(value)


@bp.app_template_filter("display_url")
def display_url(value) -> str:
    """Return a URL as people read it: no scheme, no "www.", no trailing slash."""
    text = re.sub(r"^https?://(www\.)?", "", value or "", flags=re.I)
    return text[:-1] if text.endswith("/") and text.count("/") == 1 else text


@bp.get("/profiles/<username>")
def profile(username):
    """A builder's public profile; hidden and banned builders are 404 to the public."""
    name = username.strip().lower()
    if name != username:
        return redirect(url_for("profiles.profile", username=name), 301)
    if username_format_error(name):
        abort(404)
    sees_hidden = access.sees_hidden_profiles(g.role)
    builder = queries.public_profile(db.session, name, viewer=g.profile, sees_hidden=sees_hidden)
    if builder is None:
        abort(404)
    fallback = f"{builder.display_name} (@{builder.username}) builds with AI on Buildstory."
    return htmx.page("profiles/profile.html", profile=builder, can_moderate=sees_hidden,
                     awards=hackathon_awards.profile_awards(db.session, builder.id),
                     is_mentor=builder.banned_at is None and _mentor_badge(builder),
                     is_self=g.profile is not None and g.profile.id == builder.id,
                     description=markdown.meta_description(builder.bio, fallback=fallback))


def _mentor_badge(builder) -> bool:
    """The Mentor badge: read with the profile (``queries.public_profile``), or asked for
    on the builder's own page, which reads no profile."""
    badge = getattr(builder, "mentor_badge", None)
    if badge is None or builder is g.profile:
        return mentoring_queries.is_mentor(db.session, builder.id)
    return badge


def _printable(value: str | None) -> str:
    """Drop control characters (PostgreSQL text cannot even hold NUL) and outer spaces."""
    return "".join(c if c.isprintable() else " " for c in value or "").strip()


def directory_filters(args) -> queries.DirectoryFilters:
    """Parse the directory's query string; invalid filter values are ignored, never a 500."""
    try:
        experience = ExperienceLevel(args.get("experience", ""))
    except ValueError:
        experience = None
    country = countries.country(args.get("country"))
    page = page_arg(maximum=MAX_PAGE, args=args)
    return queries.DirectoryFilters(
        q=_printable(args.get("q"))[:100], experience=experience,
        country=country.code if country else None,
        event=_printable(args.get("event"))[:100] or None,
        seeking=args.get("seeking") == "1", page=page)


class EventOption(NamedTuple):
    """An event of the directory's Event filter."""

    slug: str
    name: str


def _event_options() -> list[EventOption]:
    """The Event filter's options (public events, newest first), kept for
    STATS_CACHE_SECONDS (``buildstory/cache.py``): they change a few times a month and the
    directory is a hot page."""
    from ..events import queries as event_queries  # events imports profiles

    return cache.cached(("event_options",), lambda: [
        EventOption(e.slug, e.name) for e in event_queries.public_events(db.session)])


@bp.get("/members")
def members():
    """The member directory: visible builders, live search, filters, 24 per page."""
    from ..events import queries as event_queries  # events imports profiles

    filters = directory_filters(request.args)
    builders, has_next = queries.directory(db.session, filters)
    preferences = (event_queries.team_preferences(db.session, filters.event,
                                                  [b.id for b in builders])
                   if filters.event else {})
    return htmx.page(MEMBERS, MEMBERS_BLOCKS, members=builders, filters=filters,
                     events=_event_options(), preferences=preferences,
                     has_next=has_next, page_size=queries.DIRECTORY_PAGE_SIZE,
                     can_moderate=access.sees_hidden_profiles(g.role),
                     experience_levels=EXPERIENCE_LEVEL_LABELS)
