"""Ownership on the project page and the admin user page (docs/rules.md "Ownership"):
transfer and leave forms, the ownership panel, requests, keep and withdraw, both as htmx
(with the forms' real HX-Target) and as plain posts; the succession list before a
deletion; names through the XSS corpus; the page's query budget with a pending request."""
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from sqlalchemy import select

from buildstory.enums import OwnershipRequestStatus as S
from buildstory.models import OwnershipRequest, Project, ProjectMember
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory)
from tests.querycount import count_queries
from tests.xss_payloads import PAYLOADS

HX = {"HX-Request": "true", "HX-Target": "team"}


def text(r):
    return r.get_data(as_text=True)


@pytest.fixture
def kiln(db_session):
    project = ProjectFactory(slug="kiln", name="Kiln", owner__display_name="Olu Owner")
    ana = ProjectMemberFactory(project=project, profile=ProfileFactory(display_name="Ana Member")).profile
    EventProjectFactory(event=EventFactory(active=True), project=project)
    db_session.flush()
    return project, project.owner, ana


def owner_of(db_session, project):
    db_session.expire_all()
    return db_session.scalar(select(Project.profile_id).where(Project.id == project.id))


def test_transfer_with_htmx_swaps_the_team_section(login, db_session, kiln):
    project, owner, ana = kiln
    c = login(owner)
    page = text(c.get("/projects/kiln"))
    assert 'hx-confirm="Transfer ownership of Kiln?' in page and 'hx-target="#team"' in page
    r = c.post("/projects/kiln/transfer", {"new_owner": ""}, headers=HX)
    assert r.status_code == 422 and "Choose a new owner" in text(r)
    assert text(r).lstrip().startswith('<section id="team"')
    r = c.post("/projects/kiln/transfer", {"new_owner": str(ProfileFactory().id)}, headers=HX)
    assert r.status_code == 422 and "New owner must be a current member" in text(r)
    r = c.post("/projects/kiln/transfer", {"new_owner": str(ana.id)}, headers=HX)
    assert r.status_code == 200 and "Ana Member now owns this project" in text(r)
    assert owner_of(db_session, project) == ana.id
    # the old owner's second tab: refused, nothing changes
    r = c.post("/projects/kiln/transfer", {"new_owner": str(owner.id)}, headers=HX)
    assert r.status_code == 403 and owner_of(db_session, project) == ana.id


def test_transfer_without_javascript_needs_the_box(login, db_session, kiln):
    project, owner, ana = kiln
    c = login(owner)
    r = c.post("/projects/kiln/transfer", {"new_owner": str(ana.id)})
    assert r.status_code == 422 and "Tick the box to confirm the transfer" in text(r)
    assert owner_of(db_session, project) == owner.id
    r = c.post("/projects/kiln/transfer", {"new_owner": str(ana.id), "confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/kiln#team"
    assert owner_of(db_session, project) == ana.id
    assert db_session.scalar(select(ProjectMember.joined_at).where(
        ProjectMember.profile_id == owner.id)) == project.created_at


def test_the_owner_leaves_with_a_next_owner(login, db_session, kiln):
    project, owner, ana = kiln
    c = login(owner)
    r = c.post("/projects/kiln/leave", {"confirm": "yes", "next_owner": ""}, headers=HX)
    assert r.status_code == 422 and "Choose the next owner" in text(r)
    r = c.post("/projects/kiln/leave", {"confirm": "yes", "next_owner": str(ana.id)})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/kiln"
    assert owner_of(db_session, project) == ana.id
    assert not db_session.scalars(select(ProjectMember).where(
        ProjectMember.project_id == project.id)).all()


def test_request_keep_and_withdraw_through_the_panel(login, db_session, kiln):
    project, owner, ana = kiln
    member = login(ana)
    page = text(member.get("/projects/kiln"))
    assert 'id="ownership-panel"' in page and ">Request ownership</button>" in page
    r = member.post("/projects/kiln/ownership-requests", headers=HX)
    assert r.status_code == 200
    assert "Ownership passes to <strong>Ana Member</strong> on" in text(r)
    assert "unless the owner keeps it" in text(r) and "Withdraw ownership request" in text(r)
    r = member.post("/projects/kiln/ownership-requests", headers=HX)
    assert r.status_code == 409
    assert "An ownership request is already pending for this project" in text(r)
    request = db_session.scalar(select(OwnershipRequest))
    # the owner sees Keep ownership; a stranger may not answer it
    owner_client = login(owner)
    assert ">Keep ownership</button>" in text(owner_client.get("/projects/kiln"))
    assert login(ProfileFactory()).post(f"/ownership-requests/{request.id}/decline").status_code == 404
    r = owner_client.post(f"/ownership-requests/{request.id}/decline")
    assert r.status_code == 303 and r.headers["Location"] == "/projects/kiln#team"
    db_session.expire_all()
    assert request.status == S.declined
    r = member.post(f"/ownership-requests/{request.id}/withdraw", {"confirm": "yes"}, headers=HX)
    assert r.status_code == 409 and "This request is no longer pending" in text(r)


def test_withdraw_without_javascript_needs_the_box(login, db_session, kiln):
    project, owner, ana = kiln
    member = login(ana)
    assert member.post("/projects/kiln/ownership-requests").status_code == 303
    request = db_session.scalar(select(OwnershipRequest))
    r = member.post(f"/ownership-requests/{request.id}/withdraw", {})
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    r = member.post(f"/ownership-requests/{request.id}/withdraw", {"confirm": "yes"})
    assert r.status_code == 303
    db_session.expire_all()
    assert request.status == S.withdrawn


def test_an_active_owner_cannot_be_asked(login, db_session, kiln):
    project, owner, ana = kiln
    login(owner).get("/projects/kiln")  # the owner is seen now
    r = login(ana).post("/projects/kiln/ownership-requests", headers=HX)
    assert r.status_code == 409 and "The owner has been active in the last 48 hours" in text(r)


@pytest.mark.parametrize("payload", PAYLOADS[:12])
def test_names_in_the_panel_and_forms_are_escaped(login, db_session, kiln, payload):
    project, owner, ana = kiln
    ana.display_name = payload
    db_session.flush()
    assert login(ana).post("/projects/kiln/ownership-requests").status_code == 303
    body = text(login(owner).get("/projects/kiln"))
    assert payload not in body
    assert escape(payload, quote=False) in body


def test_admin_user_page_lists_what_passes_and_what_is_deleted(login, db_session, kiln):
    project, owner, ana = kiln
    ProjectFactory(owner=owner, name="Lonely Kiln", slug="lonely-kiln")
    admin = ProfileFactory(admin=True)
    r = login(admin).get(f"/admin/users/{owner.id}")
    body = text(r)
    assert r.status_code == 200, body[-3000:]
    passes = body[body.index("Passes to a new owner"):body.index("Deleted with this user")]
    assert "Kiln" in passes and "Ana Member" in passes and "Lonely Kiln" not in passes
    deleted = body[body.index("Deleted with this user"):body.index("Confirm username")]
    assert "Lonely Kiln" in deleted
    # moderators cannot delete, so they are not shown the list
    moderator = ProfileFactory(moderator=True)
    assert "Passes to a new owner" not in text(login(moderator).get(f"/admin/users/{owner.id}"))


def test_project_page_budget_with_a_pending_request(app, login, db_session, kiln):
    project, owner, ana = kiln
    assert login(ana).post("/projects/kiln/ownership-requests").status_code == 303
    for viewer in (owner, ana):
        c = login(viewer)
        c.get("/projects/kiln")  # first-request writes (last_seen) are not the page's
        with count_queries(app) as q:
            r = c.get("/projects/kiln")
        assert r.status_code == 200 and "unless the owner keeps it" in text(r)
        assert q.count <= 8, q.count
