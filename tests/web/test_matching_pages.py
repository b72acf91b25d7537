"""/settings/skills, /events/<slug>/teammates (the worked example through the page),
Invite from a card, open roles, Ask to join, and join requests on /invites."""
import re
from datetime import timedelta

from sqlalchemy import select

from buildstory.db import db
from buildstory.enums import (CommitmentLevel, ExperienceLevel, InviteStatus, JoinRequestStatus,
                              TeamPreference)
from buildstory.matching import services, skills
from buildstory.models import JoinRequest, ProjectMember, TeamInvite
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, TeamInviteFactory, utcnow)
from tests.xss_payloads import PAYLOADS


def text(r):
    return r.get_data(as_text=True)


def badge(html):
    return int(re.search(r'id="invite-count" class="badge-count" data-count="(\d+)"', html)
               .group(1))


def builder(name, skill_labels=(), role_labels=(), zone=None, country=None, region=None,
            experience=None, **kw):
    profile = ProfileFactory(username=f"{name}-m", display_name=name.title(), country=country,
                             region=region, experience_level=experience, **kw)
    services.save_skills(db.session, profile, {
        "skills": [skills.key_of(s) for s in skill_labels],
        "roles": [skills.key_of(r) for r in role_labels], "timezone": zone or ""})
    return profile


def register(event, profile, commitment, at):
    EventRegistrationFactory(event=event, profile=profile, commitment_level=commitment,
                             team_preference=TeamPreference.looking_for_team, registered_at=at)


def example():
    event = EventFactory(open=True, slug="match-week")
    base = utcnow() - timedelta(days=2)
    viewer = builder("vee", ["Python", "LLM apps", "SQL"], ["Backend", "ML/AI"],
                     "Europe/Berlin", "DE", "DE-BE", ExperienceLevel.built_a_few)
    register(event, viewer, CommitmentLevel.daily, base)
    rows = [
        ("di", ["Figma", "UI design"], ["Design"], "Asia/Kolkata", CommitmentLevel.not_sure,
         ExperienceLevel.built_a_few, None, None),
        ("bo", ["Python", "SQL", "RAG"], ["Backend"], "Europe/Berlin", CommitmentLevel.all_in,
         ExperienceLevel.built_a_few, None, None),
        ("ed", [], [], None, CommitmentLevel.daily, None, "DE", "DE-BE"),
        ("ana", ["React", "TypeScript", "UI design", "Figma", "Python"], ["Frontend", "Design"],
         "Europe/London", CommitmentLevel.daily, ExperienceLevel.ships_constantly, None, None),
        ("cy", ["Marketing", "Content & video", "Community"], ["Growth"], "America/New_York",
         CommitmentLevel.nights_weekends, ExperienceLevel.getting_started, None, None),
        ("fay", ["Rust"], ["DevOps"], "Europe/Paris", CommitmentLevel.daily,
         ExperienceLevel.ships_constantly, None, None),
    ]
    people = {}
    for i, (name, s, r, zone, com, exp, country, region) in enumerate(rows):
        people[name] = builder(name, s, r, zone, country, region, exp)
        register(event, people[name], com, base + timedelta(hours=i + 1))
    return event, viewer, people


def test_skills_settings_save_and_show_errors_in_place(login):
    me = ProfileFactory(country="DE")
    c = login(me)
    html = text(c.get("/settings/skills"))
    assert "Save skills" in html and "<legend>Frontend</legend>" in html
    assert html.index("Europe/Berlin") < html.index("Africa/Abidjan")  # the country's zones first
    r = c.post("/settings/skills", {"skills": ["python", "rag"], "roles": ["backend"],
                                    "other_skills": "Elixir, node.js", "timezone": "Europe/Berlin"})
    assert r.status_code == 200 and "Skills saved." in text(r)
    db.session.refresh(me)
    assert me.skills == ["python", "node_js", "rag"] and me.other_skills == ["elixir"]
    assert me.utc_offset_minutes == 60
    r = c.post("/settings/skills", {"roles": ["frontend", "backend", "data", "design"],
                                    "timezone": "Nowhere/Land"},
               htmx=True, headers={"HX-Target": "skills-form"})
    assert r.status_code == 422
    body = text(r)
    assert body.lstrip().startswith("<form") and "Choose at most 3 roles" in body
    assert "Choose a time zone from the list" in body
    db.session.refresh(me)
    assert me.roles == ["backend"]


def test_other_skills_escape_the_xss_corpus(login):
    """Every payload, as a plain POST and as htmx: a refused value is shown back escaped
    in the field, an accepted one escaped on the profile."""
    me = ProfileFactory()
    c = login(me)
    for payload in PAYLOADS:
        for htmx in (False, True):
            r = c.post("/settings/skills", {"other_skills": payload}, htmx=htmx,
                       headers={"HX-Target": "skills-form"} if htmx else None)
            assert r.status_code in (200, 303, 422)
            assert payload not in text(r) or "<" not in payload
        assert payload not in text(c.get(f"/profiles/{me.username}")) or "<" not in payload


def test_the_teammates_page_shows_the_worked_example_in_order_with_chips(login):
    event, viewer, people = example()
    html = text(login(viewer).get("/events/match-week/teammates"))
    order = re.findall(r'id="match-([0-9a-f-]+)" class="card teammate-card" data-score="(\d+)"', html)
    names = {str(p.id): n for n, p in people.items()}
    assert [(names[i], int(s)) for i, s in order] == [
        ("ana", 85), ("fay", 55), ("cy", 55), ("di", 38), ("bo", 35), ("ed", 25)]
    for chip in ("Brings React, TypeScript +2", "Can fill Frontend +1", "Adjacent time zone",
                 "Same commitment", "Experience mix"):
        assert f'<li class="chip">{chip}</li>' in html
    assert "Create a project and enter it in this event to invite builders" in html
    assert "Invite Ana" not in html


def test_the_teammates_page_refuses_in_place(login):
    event = EventFactory(open=True, slug="not-mine")
    r = login(ProfileFactory()).get("/events/not-mine/teammates")
    assert r.status_code == 200 and "Register for this event first" in text(r)
    closed = EventFactory(complete=True, slug="over")
    me = ProfileFactory()
    EventRegistrationFactory(event=closed, profile=me)
    r = login(me).get("/events/over/teammates")
    assert r.status_code == 200 and "Team formation is closed for this event" in text(r)


def test_invite_from_a_card_in_place_under_the_invite_rules(login):
    event, viewer, people = example()
    project = ProjectFactory(owner=viewer, slug="vee-team")
    EventProjectFactory(event=event, project=project)
    c = login(viewer)
    html = text(c.get("/events/match-week/teammates"))
    assert "Invite Ana" in html
    ana = people["ana"]
    target = f"match-{ana.id}"
    form = {"username": ana.username, "score": "85", "chip": ["Brings React, TypeScript +2"]}
    r = c.post("/projects/vee-team/invites", form, htmx=True, headers={"HX-Target": target})
    assert r.status_code == 200
    body = text(r)
    assert f'id="{target}"' in body and "Invite sent" in body
    assert db.session.scalar(select(TeamInvite).where(TeamInvite.recipient_id == ana.id))
    r = c.post("/projects/vee-team/invites", form, htmx=True, headers={"HX-Target": target})
    assert r.status_code == 422 and "Invite already sent to this user" in text(r)
    assert f'id="{target}"' in text(r)


def test_open_roles_and_ask_to_join_and_accept_on_invites(login):
    event, viewer, people = example()
    owner = people["ana"]
    project = ProjectFactory(owner=owner, slug="ana-app", name="Ana App")
    EventProjectFactory(event=event, project=project)
    oc = login(owner)
    r = oc.post("/projects/ana-app/open-roles", {"open_roles": ["backend", "data"]}, htmx=True,
                headers={"HX-Target": "open-roles"})
    assert r.status_code == 200 and 'id="open-roles"' in text(r)
    r = oc.post("/projects/ana-app/open-roles",
                {"open_roles": ["frontend", "backend", "mobile", "data", "design", "growth"]},
                htmx=True, headers={"HX-Target": "open-roles"})
    assert r.status_code == 422 and "Choose at most 5 open roles" in text(r)
    r = oc.post("/projects/ana-app/open-roles", {"open_roles": ["backend"]})
    assert r.status_code == 303
    vc = login(viewer)
    html = text(vc.get("/events/match-week/teammates"))
    assert 'id="project-match-' in html and "Ask to join Ana App" in html
    assert "Wants Backend" in html
    r = vc.post("/projects/ana-app/join-requests", {"role": "design", "message": "hi",
                                                     "event": "match-week"},
                htmx=True, headers={"HX-Target": f"join-{project.id}"})
    assert r.status_code == 422 and "Choose one of the project&#39;s open roles" in text(r)
    payload = PAYLOADS[0]
    r = vc.post("/projects/ana-app/join-requests",
                {"role": "backend", "message": payload, "event": "match-week"},
                htmx=True, headers={"HX-Target": f"join-{project.id}"})
    assert r.status_code == 200 and "Request sent" in text(r)
    r = vc.post("/projects/ana-app/join-requests", {"role": "backend", "event": "match-week"},
                htmx=True, headers={"HX-Target": f"join-{project.id}"})
    assert r.status_code == 409 and "You have already asked to join this project" in text(r)
    request = db.session.scalar(select(JoinRequest).where(JoinRequest.project_id == project.id))
    html = text(oc.get("/invites"))
    assert "Requests to join your projects" in html and f'id="join-request-{request.id}"' in html
    assert payload not in html or "<" not in payload
    assert badge(html) == 1
    assert "Withdraw request" in text(vc.get("/invites"))
    r = oc.post(f"/join-requests/{request.id}/accept", {}, htmx=True,
                headers={"HX-Target": f"join-request-{request.id}"})
    assert r.status_code == 200 and "Request accepted." in text(r)
    assert 'id="invite-count"' in text(r) and 'data-count="0"' in text(r)
    assert db.session.scalar(select(ProjectMember).where(ProjectMember.profile_id == viewer.id))
    r = vc.post(f"/join-requests/{request.id}/withdraw", {}, htmx=True,
                headers={"HX-Target": f"join-request-{request.id}"})
    assert r.status_code == 409 and "This request is no longer pending" in text(r)
    r = vc.post(f"/join-requests/{request.id}/withdraw", {})
    assert r.status_code == 422  # nothing happens without the Confirm box
    r = vc.post(f"/join-requests/{request.id}/withdraw", {"confirm": "yes"})
    assert r.status_code == 409 and "This request is no longer pending" in text(r)


def test_strangers_get_404_for_someone_elses_request(login):
    project = ProjectFactory()
    services.save_open_roles(db.session, project, ["backend"])
    req = JoinRequest(project_id=project.id, requester_id=ProfileFactory().id,
                      status=JoinRequestStatus.pending, expires_at=utcnow() + timedelta(days=7))
    db.session.add(req)
    db.session.flush()
    c = login(ProfileFactory())
    assert c.post(f"/join-requests/{req.id}/accept", {}).status_code == 404
    assert c.post(f"/join-requests/{req.id}/withdraw", {}).status_code == 404
