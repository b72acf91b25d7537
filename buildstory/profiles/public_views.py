"""Public profile pages and the member directory (routes on the profiles blueprint)."""
from __future__ import annotations

from .views import bp  # noqa: F401
