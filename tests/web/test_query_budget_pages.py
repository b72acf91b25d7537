"""Query budget of the pages no feature test counts yet (docs/architecture.md "Quality bars"): the
forms (sign-in, sign-up, password reset, account, new/edit project, applications), the live
checks, the calendar file and the streams admin. Each is counted with a small dataset and
again with ten times as much: the counts must be equal, ≤ 8, and ≤ 2 for the live checks.
"""
from datetime import timedelta

import pytest

from buildstory.enums import EventStatus
from buildstory.identity import services, tokens
from tests.factories import (AccountFactory, AuditLogFactory, EventFactory,
                             EventProjectFactory, EventRegistrationFactory,
                             MentorApplicationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, SponsorshipInquiryFactory,
                             TeamInviteFactory)
from tests.querycount import count_queries

BUDGET = 8
CHECK_BUDGET = 2


def grow(n: int, event) -> None:
    """Add ``n`` builders, each registered with a project, a teammate, an invite and an
    audit row, plus applications — the tables these pages could be tempted to scan."""
    for _ in range(n):
        builder = ProfileFactory()
        EventRegistrationFactory(event=event, profile=builder)
        project = ProjectFactory(owner=builder)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project)
        TeamInviteFactory(project=project)
        AuditLogFactory()
        MentorApplicationFactory()
        SponsorshipInquiryFactory()


def measure(app, client, paths) -> dict:
    for path in paths:  # warm up: the first request of a session writes last_seen_at
        client.get(path)
    counts = {}
    for path in paths:
        with count_queries(app) as q:
            r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        counts[path] = q.count
    return counts


ANONYMOUS = ["/sign-in", "/sign-up", "/forgot-password", "/mentor-apply", "/sponsor-apply",
             "/mentor-apply/thanks", "/sponsor-apply/thanks", "/robots.txt",
             "/events/counted.ics"]
CHECKS = ["/username-check?username=taken-name", "/username-check?username=free-name-42",
          "/username-check?username=x", "/project-slug-check?slug=counted-bot",
          "/project-slug-check?slug=free-slug-42", "/project-slug-check?slug=-"]
BUILDER = ["/projects/new", "/projects/counted-bot/edit", "/settings/account"]
ADMIN = ["/admin/streams"]


@pytest.fixture
def people(app, db_session, login, client):
    """The visitors: anonymous, a builder with a local account and a project, an admin."""
    event = EventFactory(status=EventStatus.open, slug="counted")
    ProfileFactory(username="taken-name")
    account = AccountFactory(profile__username="counted-owner")
    ProjectFactory(owner=account.profile, slug="counted-bot")
    with app.app_context():
        reset = tokens.encode_reset(account, app.config["SECRET_KEY"], now=services.utcnow(),
                                    ttl=timedelta(hours=1))
    return {"event": event, "anonymous": client, "builder": login(account.profile),
            "admin": login(ProfileFactory(admin=True)), "reset": f"/reset-password/{reset}"}


def test_remaining_pages_are_within_budget_and_constant(app, people):
    results = []
    for n in (3, 27):  # 3 builders of everything, then 30: ten times as much
        grow(n, people["event"])
        results.append({
            "anonymous": measure(app, people["anonymous"], [*ANONYMOUS, people["reset"]]),
            "anonymous checks": measure(app, people["anonymous"], CHECKS[:3]),
            "builder": measure(app, people["builder"], BUILDER),
            "builder checks": measure(app, people["builder"], CHECKS),
            "admin": measure(app, people["admin"], ADMIN),
        })
    small, large = results
    assert small == large
    for who, counts in small.items():
        limit = CHECK_BUDGET if "checks" in who else BUDGET
        for path, n in counts.items():
            assert n <= limit, (who, path, n)
