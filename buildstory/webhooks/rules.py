"""Pure webhook rules: the events, payload bodies, Discord text and the JSON signature.

No database and no network here: ``guard.py`` checks addresses, ``delivery.py`` sends.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime

# The events an endpoint may subscribe to (one checkbox each), in the order shown.
EVENTS = {
    "milestone": "Builder milestones",
    "project_created": "Project created",
    "submission_made": "Submission made",
    "results_published": "Results published",
    "mentor_application": "Mentor application",
    "sponsor_inquiry": "Sponsor inquiry",
    "roadmap_shipped": "Roadmap item shipped",
}
PING = "ping"
FORMATS = {"discord": "Discord", "json": "JSON"}
MAX_ENDPOINTS = 20
DISCORD_MAX = 2000
BOT_NAME = "Buildstory"
ZWSP = "\u200b"
# Discord markdown: escaping these makes user text literal (a name "**x**" stays that).
_BARE_AT_RE = re.compile("@(?!" + ZWSP + ")")
_MARKDOWN_RE = re.compile(r"([\\*_~`|>#\[\]()<:-])")


def escape_discord(text: str) -> str:
    """Return ``text`` with Discord markdown escaped and every ``@`` followed by U+200B,
    so ``@everyone`` and ``<@123>`` ping nobody even if ``allowed_mentions`` were ignored."""
    return _MARKDOWN_RE.sub(r"\\\1", str(text)).replace("@", "@" + ZWSP)


def _number(n: int) -> str:
    return f"{n:,}"


def milestone_sentence(data: dict) -> str:
    """"Buildstory now has 1,000 builders" / "<event> now has 250 registrations"."""
    count = _number(int(data.get("count", 0)))
    if data.get("series") == "registrations":
        name = data.get("event_name") or "The featured event"
        return f"{name} now has {count} registrations"
    return f"Buildstory now has {count} builders"


def discord_content(event: str, data: dict, public_url: str = "") -> str:
    """The Discord message for an event: user text escaped, at most 2000 characters."""
    e = escape_discord
    base = public_url.rstrip("/")
    if event == PING:
        text = "Buildstory webhook test: this endpoint is set up."
    elif event == "milestone":
        text = e(milestone_sentence(data))
    elif event == "project_created":
        text = f"New project: **{e(data['name'])}** by @{e(data['owner_username'])}"
        if base:
            text += f"\n<{base}/projects/{data['project_slug']}>"
    elif event == "submission_made":
        text = f"**{e(data['name'])}** was submitted to {e(data['event_slug'])}"
    elif event == "results_published":
        lines = [f"Results are out for {e(data['event_slug'])}"]
        lines += [f"{w['place']}. {e(w['name'])}" for w in data.get("winners", [])]
        text = "\n".join(lines)
    elif event == "roadmap_shipped":
        text = f"Shipped: **{e(data['title'])}**"
        if base:
            text += f"\n<{base}/roadmap/{data['slug']}>"
    elif event == "mentor_application":
        kinds = ", ".join(data.get("mentor_types") or [])
        text = f"New mentor application from {e(data['name'])} ({e(kinds)})"
    elif event == "sponsor_inquiry":
        text = f"New sponsorship inquiry from {e(data['company_name'])}"
    else:
        text = e(event)
    text = _BARE_AT_RE.sub("@" + ZWSP, text)  # our own "@username" too
    return text if len(text) <= DISCORD_MAX else text[:DISCORD_MAX - 1] + "…"


def discord_body(event: str, data: dict, public_url: str = "") -> dict:
    """The JSON Discord expects: content, our name, and no mentions parsed at all."""
    return {"content": discord_content(event, data, public_url), "username": BOT_NAME,
            "allowed_mentions": {"parse": []}}


def json_body(delivery_id: uuid.UUID, event: str, created_at: datetime, data: dict) -> dict:
    """The signed JSON format: id (the delivery, same on retries), type, created_at, data."""
    return {"id": str(delivery_id), "type": event,
            "created_at": created_at.isoformat(), "data": data}


def encode(body: dict) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def json_headers(delivery_id, event: str, timestamp: int, secret: str, body: bytes) -> dict:
    """The headers of a JSON delivery (the delivery id stays the same on every retry)."""
    return {"Content-Type": "application/json", "X-Buildstory-Event": event,
            "X-Buildstory-Delivery": str(delivery_id),
            "X-Buildstory-Timestamp": str(timestamp),
            "X-Buildstory-Signature": signature(secret, timestamp, body)}


# Milestone thresholds: 10, 25, 50, 100, 250, 500, 1,000, … (×10 each third step).
def thresholds_up_to(count: int) -> list[int]:
    """Every threshold ≤ ``count``, ascending."""
    found, scale = [], 1
    while True:
        for step in (10, 25, 50):
            value = step * scale
            if value > count:
                return found
            found.append(value)
        scale *= 10


def highest_threshold(count: int) -> int | None:
    """The highest threshold reached by ``count``, or None below 10."""
    reached = thresholds_up_to(count)
    return reached[-1] if reached else None
