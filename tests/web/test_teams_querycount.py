"""Query budget of the team pages and fragments: ≤ 8 statements, equal at 1× and 10× data."""
from sqlalchemy import text

from tests.factories import (ProfileFactory, ProjectFactory, ProjectMemberFactory,
                             TeamInviteFactory)
from tests.querycount import count_queries

BUDGET = 8


def seed(scale, me):
    """``me`` owns a project with a team and invites out, and has invites in."""
    mine = ProjectFactory(owner=me, slug="measured")
    for i in range(scale):
        joined_by = TeamInviteFactory(project=mine, link=True, status="accepted")
        ProjectMemberFactory(project=mine, profile=ProfileFactory(hidden=bool(i % 2)),
                             invite_id=joined_by.id)
        TeamInviteFactory(project=mine, recipient=ProfileFactory(username=f"ken{scale}x{i}"))
        TeamInviteFactory(project=mine, link=True)
        TeamInviteFactory(recipient=me)
        ProfileFactory(username=f"kenny{scale}x{i}")
    TeamInviteFactory(project=mine, link=True, raw_token="measured-link")


def measure(app, client, paths):
    for path in paths:  # warm up: first-request writes (last_seen) are not the page's
        client.get(path)
    counts = {}
    for path in paths:
        with count_queries(app) as q:
            r = client.get(path, headers={"HX-Request": "true"} if "search" in path else {})
        assert r.status_code == 200, path
        counts[path] = q.count
    return counts


PATHS = ["/invites", "/projects/measured", "/projects/measured/invitee-search?q=ken",
         "/invite/measured-link", "/dashboard"]


def test_team_pages_use_a_constant_small_number_of_queries(app, login, client, db_session):
    results = []
    for scale in (3, 30):
        me = ProfileFactory()
        seed(scale, me)
        counts = {"owner": measure(app, login(me), PATHS),
                  "stranger": measure(app, login(ProfileFactory()), ["/invites", "/invite/measured-link"]),
                  "anonymous": measure(app, client, ["/invite/measured-link"])}
        results.append(counts)
        db_session.rollback()
        for table in ("project_events", "project_members", "team_invites", "projects",
                      "sessions", "profiles"):
            db_session.execute(text(f"DELETE FROM {table}"))
        db_session.commit()
    small, large = results
    assert small == large
    for who in small.values():
        for path, n in who.items():
            assert n <= BUDGET, (path, n)
