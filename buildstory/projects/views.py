"""The projects blueprint (routes are added by the projects feature)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("projects", __name__)
