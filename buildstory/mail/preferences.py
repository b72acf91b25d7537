"""The notification types builders can get by email: one registry, in display order.

The notifications feature imports ``TYPES`` (its enum values are these names); a later
feature adds its own with ``register``. ``default`` is the email choice of a builder who
never saved the settings page (no ``notification_preferences`` row).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import enums


@dataclass(frozen=True)
class NotificationType:
    name: str
    label: str
    default: bool = False
    # Types sharing one label are shown as a fieldset with that legend, one checkbox each.
    legend: str | None = None


TYPES: dict[str, NotificationType] = {}


def register(name: str, label: str, *, default: bool = False, legend: str | None = None):
    """Add a notification type (its email checkbox, label and default)."""
    if name in TYPES:
        raise ValueError(f"notification type {name!r} is already registered")
    TYPES[name] = NotificationType(name, label, default, legend)
    return TYPES[name]


# Every type's label is its enum label (``enums.NOTIFICATION_TYPE_LABELS``); only the
# defaults are chosen here: on for team invites, reviews received, judging and results.
EMAIL_ON_BY_DEFAULT = {"team_invite", "review_received", "judge_assigned", "results_published",
                       "join_request_received", "ownership_requested",
                       "ownership_request_reminder"}
# Types shown together under one legend on the settings page.
LEGENDS = {"join_request_received": "Join requests", "join_request_accepted": "Join requests",
           "join_request_declined": "Join requests",
           "mentor_granted": "Mentoring", "help_request_opened": "Help requests",
           "help_request_claimed": "Help requests", "help_request_released": "Help requests",
           "help_request_resolved": "Help requests", "help_request_cancelled": "Help requests",
           **{name: "Project ownership" for name in (
               "ownership_transferred", "ownership_requested", "ownership_request_reminder",
               "ownership_request_declined")}}
for _type in enums.NotificationType:
    register(_type.value, _type.label, default=_type.value in EMAIL_ON_BY_DEFAULT,
             legend=LEGENDS.get(_type.value))

# Mail that is not a notification: sent whatever the preferences, without unsubscribe.
TRANSACTIONAL = {
    "password_reset": "Reset your Buildstory password",
    "verify_email": "Confirm your email address for Buildstory",
    "confirm_email": "Confirm your new email address for Buildstory",
    "email_changed": "Your Buildstory email address was changed",
    "test": "Test email from Buildstory",
    "mentor_approved": "You are a Buildstory mentor: claim your mentor account",
}


def is_notification(kind: str) -> bool:
    return kind in TYPES


def label(kind: str) -> str:
    return TYPES[kind].label
