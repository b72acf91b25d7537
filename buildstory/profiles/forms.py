"""Parsing of the settings form and the field rules of docs/rules.md "Profiles".

Each ``clean_*`` function takes what a person typed and returns ``(value, error)``: the
normalised value to store (None for an empty field) or the exact message to show by the
field. The service combines them, so a submit reports every bad field at once.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from ..enums import ExperienceLevel

# Field name → label (the form's field names); error messages and the error summary use these.
LABELS = {
    "display_name": "Display name", "username": "Username", "bio": "Bio",
    "country": "Country", "region": "Region", "experience_level": "Experience level",
    "website_url": "Website", "twitter_handle": "X handle", "github_handle": "GitHub handle",
    "twitch_url": "Twitch URL", "stream_url": "Stream URL",
    "allow_invites": "Allow team invites",
}
TEXT_FIELDS = [name for name in LABELS if name != "allow_invites"]
URL_FIELDS = ("website_url", "stream_url")

DISPLAY_NAME_MAX, BIO_MAX, URL_MAX = 100, 500, 2000
# Longer input is cut before validation: enough to say "too long", never megabytes.
INPUT_CAP = 5000

INVALID_URL = "Invalid URL"
URL_SCHEME = "URL must use http or https"
INVALID_X = "Invalid X handle"
INVALID_GITHUB = "Invalid GitHub handle"
COUNTRY_UNKNOWN = "Choose a country from the list"
REGION_MISMATCH = "Region does not belong to the selected country"
EXPERIENCE_UNKNOWN = "Choose an experience level from the list"
INVALID_TWITCH = "Enter a Twitch channel URL, e.g. https://www.twitch.tv/yourname"

X_HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,15}")
GITHUB_HANDLE_RE = re.compile(r"[A-Za-z0-9-]{1,39}")
GITHUB_PREFIX_RE = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/", re.I)
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A Twitch channel: twitch.tv/<login>, with or without the scheme, "www." or "m.", a
# trailing "/", a query or a fragment. Logins are 1–25 letters, digits and underscores.
TWITCH_CHANNEL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?twitch\.tv/([A-Za-z0-9_]{1,25})/?(?:[?#]\S*)?", re.I)
# First path segments of twitch.tv that are pages of the site, not channels.
TWITCH_NOT_CHANNELS = frozenset({
    "directory", "videos", "settings", "search", "p", "downloads", "jobs", "turbo", "login",
    "signup", "subscriptions", "inventory", "wallet", "friends", "messages", "payments",
    "drops", "prime", "store", "legal", "creatorcamp", "following"})


def settings_values(form) -> dict:
    """Return the settings form as submitted (strings, plus the checkbox as a bool)."""
    values = {name: (form.get(name) or "")[:INPUT_CAP] for name in TEXT_FIELDS}
    values["allow_invites"] = form.get("allow_invites") in ("1", "on", "true", "yes")
    return values


def profile_values(profile) -> dict:
    """Return a profile's fields in the shape of the settings form."""
    values = {name: getattr(profile, name) or "" for name in TEXT_FIELDS}
    values["experience_level"] = str(profile.experience_level or "")
    values["allow_invites"] = bool(profile.allow_invites)
    return values


def too_long(name: str, limit: int) -> str:
    """Return the over-long message of docs/rules.md "Refusals and status codes" for a field."""
    return f"{LABELS[name]} must be at most {limit} characters"


def clean_display_name(raw: str | None) -> tuple[str | None, str | None]:
    """Return the display name trimmed, inner runs of whitespace made one space (1–100)."""
    value = " ".join((raw or "").split())
    if not value:
        return None, "Display name is required"
    if len(value) > DISPLAY_NAME_MAX:
        return None, too_long("display_name", DISPLAY_NAME_MAX)
    return value, None


def clean_bio(raw: str | None) -> tuple[str | None, str | None]:
    """Return the bio with line endings normalised (≤ 500 characters), None when empty."""
    value = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > BIO_MAX:
        return None, too_long("bio", BIO_MAX)
    return value or None, None


def clean_url(raw: str | None, name: str = "website_url") -> tuple[str | None, str | None]:
    """Return an absolute http(s) URL normalised (lower-case scheme and host, a path).

    ``example.com`` → "Invalid URL"; ``ftp://x.org`` → "URL must use http or https";
    ``https://Example.com`` → ``https://example.com/``.
    """
    value = (raw or "").strip()
    if not value:
        return None, None
    match = SCHEME_RE.match(value)
    if not match or any(c.isspace() or ord(c) < 32 for c in value):
        return None, INVALID_URL
    scheme = match.group(1).lower()
    if scheme not in DEFAULT_PORTS:
        # "example.com:8080" has no scheme, it is a host without one.
        return None, INVALID_URL if "." in scheme or value[len(scheme) + 1:].isdigit() else URL_SCHEME
    try:
        parts = urlsplit(value)
        host, port = _host(parts.hostname), parts.port
    except (ValueError, UnicodeError):
        return None, INVALID_URL
    if not value[len(scheme) + 1:].startswith("//") or not host:
        return None, INVALID_URL
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    if "@" in parts.netloc:
        return None, INVALID_URL  # credentials in a profile link only ever mislead
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))
    if len(normalised) > URL_MAX:
        return None, too_long(name, URL_MAX)
    return normalised, None


def clean_twitch_url(raw: str | None) -> tuple[str | None, str | None]:
    """Return a Twitch channel URL as ``https://www.twitch.tv/<login>`` (login lower-cased).

    ``twitch.tv/Ada_Live/`` → ``https://www.twitch.tv/ada_live``; a URL of another site or
    a twitch.tv page that is not a channel → "Enter a Twitch channel URL, …".
    """
    value = (raw or "").strip()
    if not value:
        return None, None
    match = TWITCH_CHANNEL_RE.fullmatch(value)
    if not match or match.group(1).lower() in TWITCH_NOT_CHANNELS:
        return None, INVALID_TWITCH
    return f"https://www.twitch.tv/{match.group(1).lower()}", None


def _host(hostname: str | None) -> str | None:
    """Return the host lower-cased (IDN as punycode) or None when it is not a valid one."""
    if not hostname:
        return None
    if ":" in hostname:  # an IPv6 literal, already checked by urlsplit
        return hostname.lower()
    ascii_host = hostname.encode("idna").decode("ascii").lower()
    return ascii_host if HOST_RE.fullmatch(ascii_host) and len(ascii_host) <= 253 else None


def clean_x_handle(raw: str | None) -> tuple[str | None, str | None]:
    """Return the X handle without a leading ``@`` (1–15 letters, digits, ``_``)."""
    value = (raw or "").strip()
    if value.startswith("@"):
        value = value[1:]
    if not value and not (raw or "").strip():
        return None, None
    return (value, None) if X_HANDLE_RE.fullmatch(value) else (None, INVALID_X)


def clean_github_handle(raw: str | None) -> tuple[str | None, str | None]:
    """Return the GitHub handle without a ``https://github.com/`` prefix or trailing ``/``."""
    original = (raw or "").strip()
    if not original:
        return None, None
    value = GITHUB_PREFIX_RE.sub("", original, count=1)
    if value.endswith("/"):
        value = value[:-1]
    return (value, None) if GITHUB_HANDLE_RE.fullmatch(value) else (None, INVALID_GITHUB)


def clean_experience(raw: str | None) -> tuple[ExperienceLevel | None, str | None]:
    """Return the experience level, None when empty, or the "from the list" error."""
    value = (raw or "").strip()
    if not value:
        return None, None
    try:
        return ExperienceLevel(value), None
    except ValueError:
        return None, EXPERIENCE_UNKNOWN
