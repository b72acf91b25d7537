"""Suggested teammates (docs/rules.md "Skills and matching"): the score formula's worked
example, who is never listed, and the triggers keeping registrations' copies equal."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from buildstory.db import db
from buildstory.enums import CommitmentLevel, ExperienceLevel, TeamPreference
from buildstory.errors import ValidationFailed
from buildstory.matching import queries, services, skills
from buildstory.models import EventRegistration
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory, utcnow)

LIMIT = 6


def builder(name, skill_labels=(), role_labels=(), zone=None, country=None, region=None,
            experience=None, **kw):
    profile = ProfileFactory(username=f"{name}-m", display_name=name.title(), country=country,
                             region=region, experience_level=experience, **kw)
    services.save_skills(db.session, profile, {
        "skills": [skills.key_of(s) for s in skill_labels],
        "roles": [skills.key_of(r) for r in role_labels], "timezone": zone or ""})
    return profile


def register(event, profile, commitment, *, at, preference=TeamPreference.looking_for_team):
    reg = EventRegistrationFactory(event=event, profile=profile, team_preference=preference,
                                   commitment_level=commitment, registered_at=at)
    db.session.flush()
    return reg


@pytest.fixture
def example(db_session):
    """The fixed example: V and six candidates, registered in the order di, bo, ed, ana,
    cy, fay (fay after cy)."""
    event = EventFactory(open=True)
    base = utcnow() - timedelta(days=3)
    viewer = builder("vee", ["Python", "LLM apps", "SQL"], ["Backend", "ML/AI"],
                     "Europe/Berlin", "DE", "DE-BE", ExperienceLevel.built_a_few)
    register(event, viewer, CommitmentLevel.daily, at=base)
    rows = [
        ("di", ["Figma", "UI design"], ["Design"], "Asia/Kolkata", None, None,
         CommitmentLevel.not_sure, ExperienceLevel.built_a_few),
        ("bo", ["Python", "SQL", "RAG"], ["Backend"], "Europe/Berlin", None, None,
         CommitmentLevel.all_in, ExperienceLevel.built_a_few),
        ("ed", [], [], None, "DE", "DE-BE", CommitmentLevel.daily, None),
        ("ana", ["React", "TypeScript", "UI design", "Figma", "Python"], ["Frontend", "Design"],
         "Europe/London", None, None, CommitmentLevel.daily, ExperienceLevel.ships_constantly),
        ("cy", ["Marketing", "Content & video", "Community"], ["Growth"], "America/New_York",
         None, None, CommitmentLevel.nights_weekends, ExperienceLevel.getting_started),
        ("fay", ["Rust"], ["DevOps"], "Europe/Paris", None, None, CommitmentLevel.daily,
         ExperienceLevel.ships_constantly),
    ]
    people = {}
    for i, (name, s, r, zone, country, region, com, exp) in enumerate(rows):
        people[name] = builder(name, s, r, zone, country, region, exp)
        register(event, people[name], com, at=base + timedelta(hours=i + 1))
    return event, viewer, people


def ranked(event, viewer, filters=None, **kw):
    context = queries.viewer_context(db.session, event.id, viewer.id, kw.pop("project", None))
    rows, more = queries.rank_builders(db.session, event.id, context, filters, **kw)
    names = {p.id: p.username.removesuffix("-m") for p in db.session.scalars(
        select(queries.Profile).where(queries.Profile.id.in_([r.profile_id for r in rows])))}
    return context, [(names[r.profile_id], r) for r in rows], more


def test_the_worked_example_scores_orders_and_explains_exactly(example):
    event, viewer, _ = example
    context, rows, more = ranked(event, viewer)
    assert [(name, (r.k, r.r, r.z, r.m, r.x), r.score) for name, r in rows] == [
        ("ana", (40, 10, 15, 10, 10), 85),
        ("fay", (10, 10, 15, 10, 10), 55),
        ("cy", (30, 10, 0, 5, 10), 55),
        ("di", (20, 10, 0, 3, 5), 38),
        ("bo", (10, 0, 15, 5, 5), 35),
        ("ed", (0, 0, 15, 10, 0), 25),
    ]
    assert more is False
    _, first, more = ranked(event, viewer, per_page=4)
    _, second, _ = ranked(event, viewer, per_page=4, page=2)
    assert more is True and [n for n, _ in first + second] == ["ana", "fay", "cy", "di", "bo",
                                                                 "ed"]
    assert queries.builder_chips(rows[0][1], context) == [
        "Brings React, TypeScript +2", "Can fill Frontend +1", "Adjacent time zone",
        "Same commitment", "Experience mix"]
    assert queries.builder_chips(rows[1][1], context) == [
        "Brings Rust", "Can fill DevOps", "Same time zone", "Same commitment", "Experience mix"]
    assert queries.builder_chips(rows[5][1], context) == ["Same region", "Same commitment"]


def test_never_listed_hidden_invites_off_has_team_entered_no_username_or_sharing(example):
    event, viewer, people = example
    base = utcnow() - timedelta(days=1)
    strong = ["React", "Vue", "Svelte", "TypeScript"]
    hidden = builder("hid", strong, ["Frontend"], hidden=True)
    invites_off = builder("quiet", strong, ["Frontend"], allow_invites=False)
    has_team = builder("teamed", strong, ["Frontend"])
    entered_owner = builder("ownr", strong, ["Frontend"])
    entered_member = builder("membr", strong, ["Frontend"])
    nameless = builder("nameless", strong, ["Frontend"])
    sharing = builder("sharer", strong, ["Frontend"])
    for i, p in enumerate([hidden, invites_off, entered_owner, entered_member, nameless,
                           sharing]):
        register(event, p, CommitmentLevel.daily, at=base + timedelta(minutes=i))
    register(event, has_team, CommitmentLevel.daily, at=base,
             preference=TeamPreference.has_team)
    project = EventProjectFactory(event=event, project=ProjectFactory(owner=entered_owner)).project
    ProjectMemberFactory(project=project, profile=entered_member)
    ProjectMemberFactory(project=ProjectFactory(owner=viewer), profile=sharing)
    nameless.username = None
    db.session.flush()
    _, rows, _ = ranked(event, viewer)
    assert [name for name, _ in rows] == ["ana", "fay", "cy", "di", "bo", "ed"]


def test_a_team_with_an_open_role_scores_25_for_filling_it(example):
    event, viewer, people = example
    project = ProjectFactory(owner=viewer)
    services.save_open_roles(db.session, project, ["design"])
    EventProjectFactory(event=event, project=project)
    context, rows, _ = ranked(event, viewer)
    by_name = dict(rows)
    assert by_name["di"].r == 25 and by_name["ana"].r == 25 and by_name["fay"].r == 0
    assert "Fills your open role: Design" in queries.builder_chips(by_name["di"], context)


def test_filters_narrow_the_list(example):
    event, viewer, _ = example
    _, rows, _ = ranked(event, viewer, queries.Filters(role="design"))
    assert [n for n, _ in rows] == ["ana", "di"]
    _, rows, _ = ranked(event, viewer, queries.Filters(skill="python"))
    assert [n for n, _ in rows] == ["ana", "bo"]
    _, rows, _ = ranked(event, viewer, queries.Filters(near=True))
    assert [n for n, _ in rows] == ["ana", "fay", "bo"]
    _, rows, _ = ranked(event, viewer, queries.Filters(commitment="daily",
                                                       experience="ships_constantly"))
    assert [n for n, _ in rows] == ["ana", "fay"]


def test_projects_looking_for_your_skills_rank_by_wanted_roles_and_needed_skills(example):
    event, viewer, people = example
    wants_both = ProjectFactory(owner=people["ana"], slug="wants-both")
    services.save_open_roles(db.session, wants_both, ["backend", "ml_ai"])
    wants_one = ProjectFactory(owner=people["fay"], slug="wants-one")
    services.save_open_roles(db.session, wants_one, ["backend"])
    unrelated = ProjectFactory(owner=people["cy"], slug="unrelated")
    services.save_open_roles(db.session, unrelated, ["growth"])
    full = ProjectFactory(owner=people["di"], slug="full")
    services.save_open_roles(db.session, full, ["backend"])
    for p in (wants_both, wants_one, unrelated, full):
        EventProjectFactory(event=event, project=p)
    for _ in range(LIMIT - 1):
        ProjectMemberFactory(project=full)
    db.session.flush()
    context = queries.viewer_context(db.session, event.id, viewer.id)
    rows, total = queries.rank_projects(db.session, event.id, context, now=utcnow(),
                                        team_limit=LIMIT)
    assert [r.slug for r in rows] == ["wants-both", "wants-one"]
    # ana's team lacks LLM apps and SQL (she has Python); London is 60 minutes from Berlin
    assert queries.project_score(rows[0]) == 40 + 20 + 15 + 10
    assert queries.project_chips(rows[0], context) == [
        "Wants Backend +1", "Needs LLM apps, SQL", "Adjacent time zone", "Same commitment"]


def test_skills_form_rules(db_session):
    with pytest.raises(ValidationFailed) as exc:
        services.parse_skills({"skills": [s.key for s in skills.SKILLS[:11]]})
    assert exc.value.errors == {"skills": "Choose at most 10 skills"}
    with pytest.raises(ValidationFailed) as exc:
        services.parse_skills({"skills": ["cobol"], "roles": ["frontend", "backend", "data",
                                                               "design"],
                               "other_skills": "a, b", "timezone": "Mars/Base"})
    assert exc.value.errors == {"skills": "Choose skills from the list",
                                "roles": "Choose at most 3 roles",
                                "other_skills": "Each other skill must be 2-30 characters",
                                "timezone": "Choose a time zone from the list"}
    with pytest.raises(ValidationFailed) as exc:
        services.parse_skills({"other_skills": "elixir, <script>"})
    assert exc.value.errors["other_skills"] == \
        "Other skills may use letters, numbers, spaces and + # . - / &"
    with pytest.raises(ValidationFailed) as exc:
        services.parse_skills({"other_skills": "elixir, ocaml, zig, nim"})
    assert exc.value.errors["other_skills"] == "Add at most 3 other skills"
    clean = services.parse_skills({"skills": ["python"], "other_skills":
                                   " Node.JS ,  Elixir   Phoenix, elixir phoenix, PYTHON"})
    assert clean["skills"] == ["python", "node_js"]
    assert clean["other_skills"] == ["elixir phoenix"]


def test_the_catalogue_keys_and_bits_are_permanent():
    assert skills.key_of("Node.js") == "node_js"
    assert skills.SKILL_BY_KEY["node_js"].bit == 5
    assert skills.SKILL_BY_KEY["security"].bit == 39
    assert skills.ROLE_BY_KEY["ml_ai"].bit == 3 and skills.ROLE_BY_KEY["devops"].bit == 8
    assert skills.utc_offset("Europe/Berlin") == 60  # winter time, whatever today is
    assert skills.zone_choices("DE")[:2] == ["Europe/Zurich", "Europe/Berlin"] or \
        "Europe/Berlin" in skills.zone_choices("DE")[:3]


def copies(registration):
    return db.session.execute(text(
        "SELECT match_ok, skill_bits::text, role_bits::text, utc_offset_minutes, "
        "experience_level::text, country, region FROM event_registrations WHERE id = :id"),
        {"id": registration.id}).one()


def test_triggers_keep_every_registrations_copy_equal_to_the_profile(db_session):
    profile = builder("copycat", ["Python"], ["Backend"], "Europe/Berlin", "DE", "DE-BE",
                      ExperienceLevel.built_a_few)
    regs = [register(EventFactory(), profile, CommitmentLevel.daily, at=utcnow())
            for _ in range(2)]
    for reg in regs:
        assert copies(reg) == (True, skills.skill_bits(["python"]), skills.role_bits(["backend"]),
                               60, "built_a_few", "DE", "DE-BE")
    services.save_skills(db.session, profile, {"skills": ["rust"], "roles": ["devops"],
                                               "timezone": "Asia/Kolkata"})
    profile.country, profile.region = "IN", None
    profile.experience_level = ExperienceLevel.ships_constantly
    db.session.flush()
    for reg in regs:
        assert copies(reg) == (True, skills.skill_bits(["rust"]), skills.role_bits(["devops"]),
                               330, "ships_constantly", "IN", None)
    for change, undo in [("hidden_at", "now()"), ("banned_at", "now()")]:
        db.session.execute(text(f"UPDATE profiles SET {change} = {undo} WHERE id = :id"),
                           {"id": profile.id})
        assert [copies(r).match_ok for r in regs] == [False, False]
        db.session.execute(text(f"UPDATE profiles SET {change} = NULL WHERE id = :id"),
                           {"id": profile.id})
        assert [copies(r).match_ok for r in regs] == [True, True]
    profile.allow_invites = False
    db.session.flush()
    assert [copies(r).match_ok for r in regs] == [False, False]
    profile.allow_invites = True
    profile.username = None
    db.session.flush()
    assert [copies(r).match_ok for r in regs] == [False, False]
    profile.username = "copycat2"
    db.session.flush()
    assert [copies(r).match_ok for r in regs] == [True, True]
    assert db.session.scalar(select(EventRegistration.match_ok).where(
        EventRegistration.id == regs[0].id)) is True
