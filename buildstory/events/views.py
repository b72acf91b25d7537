"""The events blueprint (routes are added by the events feature)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__)
