"""Local-only ``next`` URLs, so redirects can never leave the site."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(value: str | None, default: str) -> str:
    """Return ``value`` when it is a local path (not //host, not a scheme), else ``default``."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    value = value.strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
