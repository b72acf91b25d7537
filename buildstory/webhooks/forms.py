"""The webhook form: Name, URL, Format and one checkbox per event (docs/rules.md "Webhooks")."""
from __future__ import annotations

from ..applications.forms import clean_text, strip_controls
from ..profiles.forms import URL_MAX, clean_url
from . import guard, rules

NAME_MAX = 100
INPUT_CAP = 3000
NO_EVENTS = "Choose at least one event"
URL_REQUIRED = "URL is required"
FORMAT_INVALID = "Choose a format"


def webhook_values(form) -> dict:
    """Return the form as typed (kept for re-rendering), the ticked known events a list."""
    return {"name": strip_controls((form.get("name") or "")[:INPUT_CAP]),
            "url": strip_controls((form.get("url") or "")[:INPUT_CAP]),
            "format": (form.get("format") or "")[:20],
            "events": [e for e in form.getlist("events") if e in rules.EVENTS]}


def endpoint_values(endpoint) -> dict:
    """Return a saved endpoint in the shape of the form."""
    return {"name": endpoint.name, "url": endpoint.url, "format": endpoint.format,
            "events": list(endpoint.events)}


def clean_webhook(values: dict, *, require_https: bool, allow_private: bool,
                  check_format: bool = True) -> tuple[dict, dict]:
    """Return ``(data, errors)``: name 1–100, an http(s) URL ≤ 2000 that passes the address
    guard, a known format, at least one event."""
    data: dict = {}
    errors: dict = {}
    data["name"], err = clean_text(values.get("name"), "Name", NAME_MAX, True)
    if err:
        errors["name"] = err
    data["url"], err = clean_url(values.get("url"), "website_url")
    if err and err.startswith("Website"):
        err = f"URL must be at most {URL_MAX} characters"
    if not err and not data["url"]:
        err = URL_REQUIRED
    if not err:
        err = guard.url_error(data["url"], require_https=require_https,
                              allow_private=allow_private)
    if err:
        errors["url"] = err
    if check_format:
        data["format"] = values.get("format")
        if data["format"] not in rules.FORMATS:
            errors["format"] = FORMAT_INVALID
    events = [e for e in rules.EVENTS if e in (values.get("events") or [])]
    if not events:
        errors["events"] = NO_EVENTS
    data["events"] = events
    return data, errors
