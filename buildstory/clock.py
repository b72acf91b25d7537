"""The clock: the one place the app reads the current time.

Services never call it: they take ``now=`` from the view, so tests pass any time they
like without patching anything (docs/architecture.md, "Layers").
"""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)
