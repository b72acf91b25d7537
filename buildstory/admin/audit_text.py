"""How audit rows read: action labels and a one-line summary of each row's metadata."""
from __future__ import annotations

from ..enums import USER_ROLE_LABELS

# Every action of docs/rules.md "Moderation" with the words the audit log shows.
ACTION_LABELS = {
    "hide_user": "Hid builder", "unhide_user": "Unhid builder",
    "hide_project": "Hid project", "unhide_project": "Unhid project",
    "ban_user": "Banned builder", "unban_user": "Unbanned builder",
    "set_role": "Changed role", "delete_user": "Deleted user",
    "create_event": "Created event", "update_event": "Updated event",
    "transition_event_status": "Changed event status",
    "set_featured_event": "Featured event", "unset_featured_event": "Unfeatured event",
    "delete_event": "Deleted event",
    "approve_mentor": "Approved mentor", "decline_mentor": "Declined mentor",
    "contact_sponsor": "Contacted sponsor", "accept_sponsor": "Accepted sponsor",
    "decline_sponsor": "Declined sponsor",
    "add_twitch_category": "Added Twitch category",
    "remove_twitch_category": "Removed Twitch category",
    "run_prize_draw": "Ran prize draw",
    "add_judge": "Added judge", "remove_judge": "Removed judge",
    "hide_review": "Hid review", "unhide_review": "Unhid review",
    "publish_results": "Published results",
    "create_webhook": "Added webhook", "update_webhook": "Updated webhook",
    "enable_webhook": "Enabled webhook", "disable_webhook": "Disabled webhook",
    "rotate_webhook_secret": "Rotated webhook secret", "delete_webhook": "Deleted webhook",
    "retry_job": "Retried job", "retry_email": "Retried email",
    "retry_webhook_delivery": "Retried webhook delivery",
    "hide_tool": "Hid AI tool", "unhide_tool": "Unhid AI tool", "update_tool": "Edited AI tool",
    "merge_tool": "Merged AI tool",
    "resolve_report": "Resolved report", "dismiss_report": "Dismissed report",
}
_SKIP = {"project_id", "event_id", "application_id", "inquiry_id", "draw_id",
         "deleted_profile_id", "deletedProfileId", "via", "review_id"}


def action_label(action: str) -> str:
    """Return the readable label of an action (the raw name for unknown ones)."""
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def _role(value) -> str:
    return USER_ROLE_LABELS.get(value, str(value))


def details(action: str, meta: dict | None) -> str:
    """Return a short plain-text summary of an audit row's metadata."""
    meta = meta or {}
    via = {"cli": " (command line)",
           "job": " (automatically, after repeated failures)"}.get(meta.get("via"), "")
    if action == "ban_user":
        return f"Reason: {meta['reason']}" if meta.get("reason") else "No reason given"
    if action == "set_role":
        old, new = _first(meta, "oldRole", "old_role"), _first(meta, "newRole", "new_role")
        return f"{_role(old)} → {_role(new)}{via}"
    if action in ("hide_project", "unhide_project"):
        return f"Project /{meta.get('slug', '')}"
    if action == "delete_user":
        return deleted_user_details(meta)
    if action in ("hide_tool", "unhide_tool"):
        return f"Tool {meta.get('name', '')}"
    if action == "merge_tool":
        return (f"{meta.get('name', '?')} → {meta.get('into_name', '?')} "
                f"({meta.get('moved', 0)} submissions moved)")
    if action == "update_tool":
        empty = "(empty)"
        return "; ".join(f"{field}: {empty if old is None else _short(old)} → "
                         f"{empty if new is None else _short(new)}"
                         for field, (old, new) in (meta.get("changes") or {}).items())
    if action == "transition_event_status":
        return f"{meta.get('from', '?')} → {meta.get('to', '?')}"
    parts = [f"{key.replace('_', ' ')}: {_short(value)}" for key, value in meta.items()
             if key not in _SKIP and value not in (None, "", [], {})]
    return "; ".join(parts) + via


def _first(meta: dict, *keys: str):
    """The value of the first key present: rows written before the keys were renamed
    (``old_role``, ``identity_id``…) keep reading."""
    for key in keys:
        if meta.get(key) not in (None, ""):
            return meta[key]
    return None


def deleted_identity(meta: dict | None) -> str | None:
    """The identity id a delete_user row recorded (``clerkId``, formerly ``identity_id``)."""
    return _first(meta or {}, "clerkId", "identity_id")


def deleted_user_details(meta: dict) -> str:
    """Who was deleted: display name, @username and identity id, as far as recorded."""
    name = _first(meta, "displayName", "display_name")
    username = meta.get("username")
    parts = [str(name)] if name else []
    if username:
        parts.append(f"@{username}")
    parts.append(f"identity {deleted_identity(meta) or '?'}")
    return "; ".join(parts)


def _short(value) -> str:
    if isinstance(value, dict):
        return ", ".join(str(k) for k in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"
