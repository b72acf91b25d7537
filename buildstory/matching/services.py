"""Writes of skills, roles, time zones and open roles (docs/rules.md "Skills and matching").

The arrays and their bit strings are always written together, so the database's checks
(bit counts equal array lengths) hold; registrations' copies follow by trigger.
"""
from __future__ import annotations

from ..errors import ValidationFailed
from ..profiles.models import Profile
from ..projects.models import Project
from . import skills


def parse_skills(values: dict) -> dict:
    """Check the **Skills** form; return the cleaned values or raise ValidationFailed.

    ``values``: ``skills`` (list of keys), ``other_skills`` (comma-separated text),
    ``roles`` (list of keys), ``timezone`` (a zone name or "").
    """
    errors = {}
    chosen = list(dict.fromkeys(values.get("skills") or []))
    if any(key not in skills.SKILL_BY_KEY for key in chosen):
        errors["skills"] = skills.UNKNOWN_SKILL
    others, folded, other_error = skills.parse_other_skills(values.get("other_skills") or "")
    if other_error:
        errors["other_skills"] = other_error
    chosen += [key for key in folded if key not in chosen]
    if "skills" not in errors and len(chosen) > skills.MAX_SKILLS:
        errors["skills"] = skills.TOO_MANY_SKILLS
    roles = list(dict.fromkeys(values.get("roles") or []))
    if any(key not in skills.ROLE_BY_KEY for key in roles):
        errors["roles"] = skills.UNKNOWN_ROLE
    elif len(roles) > skills.MAX_ROLES:
        errors["roles"] = skills.TOO_MANY_ROLES
    zone = (values.get("timezone") or "").strip()
    if zone and not skills.valid_zone(zone):
        errors["timezone"] = skills.UNKNOWN_ZONE
    if errors:
        raise ValidationFailed(errors)
    return {"skills": [i.key for i in skills.in_order(chosen, skills.SKILL_BY_KEY)],
            "other_skills": others,
            "roles": [i.key for i in skills.in_order(roles, skills.ROLE_BY_KEY)],
            "timezone": zone or None}


def save_skills(session, profile: Profile, values: dict) -> Profile:
    """Save a builder's skills, other skills, roles and time zone (422 on bad input)."""
    clean = parse_skills(values)
    profile.skills = clean["skills"]
    profile.skill_bits = skills.skill_bits(clean["skills"])
    profile.other_skills = clean["other_skills"]
    profile.roles = clean["roles"]
    profile.role_bits = skills.role_bits(clean["roles"])
    profile.timezone = clean["timezone"]
    profile.utc_offset_minutes = skills.utc_offset(clean["timezone"])
    session.flush()
    return profile


def save_open_roles(session, project: Project, roles) -> Project:
    """Set a project's open roles (the caller checked ownership); 422 on bad input."""
    roles = list(dict.fromkeys(roles or []))
    if any(key not in skills.ROLE_BY_KEY for key in roles):
        raise ValidationFailed({"open_roles": skills.UNKNOWN_ROLE})
    if len(roles) > skills.MAX_OPEN_ROLES:
        raise ValidationFailed({"open_roles": skills.TOO_MANY_OPEN_ROLES})
    project.open_roles = [i.key for i in skills.in_order(roles, skills.ROLE_BY_KEY)]
    project.open_role_bits = skills.role_bits(project.open_roles)
    session.flush()
    return project
