"""Parsing of the identity forms: values trimmed, passwords untouched."""
from __future__ import annotations


def credentials(form) -> dict:
    """Return email and password as submitted (email trimmed)."""
    return {"email": (form.get("email") or "").strip()[:400],
            "password": (form.get("password") or "")[:2048]}


def sign_up(form) -> dict:
    """Return username, email and password from the sign-up form."""
    return {"username": (form.get("username") or "").strip()[:200], **credentials(form)}
