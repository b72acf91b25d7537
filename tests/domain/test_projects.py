"""Project rules (docs/rules.md "Projects"): fields, slugs, ownership, deletion without orphans."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.enums import ProjectEventKind, StartingPoint
from buildstory.errors import Forbidden, ValidationFailed
from buildstory.models import EventProject, Project, ProjectEvent, ProjectMember, TeamInvite
from buildstory.projects import queries, services
from buildstory.projects.forms import project_values
from buildstory.projects.rules import suggest_slug
from tests.factories import (EventProjectFactory, ProfileFactory, ProjectEventFactory,
                             ProjectFactory, ProjectMemberFactory, TeamInviteFactory)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SLUG_FORMAT = ("Project URL must be 2-100 lowercase letters or numbers, separated by single "
               "hyphens or underscores")


def values(**kw):
    base = {"name": "Receipt Whisperer", "slug": "receipt-whisperer",
            "description": "Reads **receipts** so you do not have to.", "starting_point": "new",
            "goal_text": "Ship a demo", "github_url": "https://GitHub.com/amara/receipts",
            "live_url": ""}
    base.update(kw)
    return base


def errors_of(exc_info):
    return exc_info.value.errors


def test_create_project_stores_cleaned_fields(db_session):
    owner = ProfileFactory()
    project = services.create_project(db_session, owner, values(name="  Receipt   Whisperer "),
                                      now=NOW)
    assert project.id and project.profile_id == owner.id and project.owner is owner
    assert project.name == "Receipt Whisperer"
    assert project.starting_point == StartingPoint.new
    assert project.github_url == "https://github.com/amara/receipts"
    assert project.live_url is None
    assert project.created_at == NOW


def test_every_bad_field_is_reported_at_once(db_session):
    owner = ProfileFactory()
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(db_session, owner, values(
            name="   ", slug="Bad Slug", description=" \n ", starting_point="maybe",
            goal_text="g" * 1001, github_url="example.com", live_url="ftp://x.org"), now=NOW)
    assert errors_of(exc) == {
        "name": "Project name is required",
        "slug": SLUG_FORMAT,
        "description": "Description is required",
        "starting_point": "Choose a starting point from the list",
        "goal_text": "Goal must be at most 1000 characters",
        "github_url": "Invalid URL",
        "live_url": "URL must use http or https",
    }
    assert exc.value.status == 422


@pytest.mark.parametrize("field,value,message", [
    ("name", "n" * 101, "Name must be at most 100 characters"),
    ("description", "d" * 2001, "Description must be at most 2000 characters"),
    ("github_url", "https://example.com/" + "a" * 2000,
     "Repository URL must be at most 2000 characters"),
    ("live_url", "https://example.com/" + "a" * 2000, "Live URL must be at most 2000 characters"),
])
def test_length_limits(db_session, field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(db_session, ProfileFactory(), values(**{field: value}), now=NOW)
    assert errors_of(exc) == {field: message}


def test_limits_are_inclusive_and_optional_fields_may_be_empty(db_session):
    project = services.create_project(db_session, ProfileFactory(), values(
        name="n" * 100, description="d" * 2000, goal_text="g" * 1000, starting_point="",
        github_url="", live_url="https://Example.com"), now=NOW)
    assert project.starting_point is None and project.github_url is None
    assert project.live_url == "https://example.com/"


@pytest.mark.parametrize("slug", ["a", "new", "-abc", "abc-", "a--b", "a_-b", "ab c", "ab.c",
                                  "x" * 101, "émoji", ""])
def test_bad_slugs_are_refused_with_the_format_message(db_session, slug):
    status, _slug, message = queries.slug_status(db_session, slug)
    assert status == "invalid" and message == SLUG_FORMAT
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(db_session, ProfileFactory(), values(slug=slug), now=NOW)
    assert errors_of(exc)["slug"] in (SLUG_FORMAT, "Project URL is required")


@pytest.mark.parametrize("raw,stored", [("ab", "ab"), ("  My_Project-2 ", "my_project-2"),
                                        ("x" * 100, "x" * 100), ("new-thing", "new-thing")])
def test_good_slugs_are_trimmed_and_lower_cased(db_session, raw, stored):
    project = services.create_project(db_session, ProfileFactory(), values(slug=raw), now=NOW)
    assert project.slug == stored


def test_slug_status_available_taken_current(db_session):
    project = ProjectFactory(slug="taken-one")
    assert queries.slug_status(db_session, "free-one")[0] == "available"
    assert queries.slug_status(db_session, "TAKEN-ONE") == (
        "taken", "taken-one", "Project URL is already taken")
    assert queries.slug_status(db_session, "taken-one", project) == (
        "current", "taken-one", "This is the current URL")
    assert queries.slug_status(db_session, "taken-one", project.id)[0] == "current"
    other = ProjectFactory()
    assert queries.slug_status(db_session, "taken-one", other)[0] == "taken"


def test_taken_slug_is_refused(db_session):
    ProjectFactory(slug="receipt-whisperer")
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(db_session, ProfileFactory(), values(), now=NOW)
    assert errors_of(exc) == {"slug": "Project URL is already taken"}


def test_suggest_slug():
    assert suggest_slug("Café Bot 3000!") == "cafe-bot-3000"
    assert suggest_slug("  Hello,   World ") == "hello-world"
    assert suggest_slug("New") == "new-project"
    assert suggest_slug("Q") == "q-project"
    assert suggest_slug("中文项目") == ""
    long = suggest_slug("word " * 40)
    assert len(long) <= 100 and not long.endswith("-") and long.startswith("word-word")


def test_empty_slug_takes_the_name_suggestion_in_the_form():
    class Form(dict):
        pass
    parsed = project_values(Form(name="Voice Diary", slug="  "))
    assert parsed["slug"] == "voice-diary" and parsed["slug_auto"] == "voice-diary"
    assert project_values(Form(name="Voice Diary", slug="mine"))["slug"] == "mine"


def test_only_the_owner_updates(db_session):
    project = ProjectFactory(slug="keep-me")
    member = ProjectMemberFactory(project=project).profile
    for actor in (ProfileFactory(), member, ProfileFactory(admin=True)):
        with pytest.raises(Forbidden) as exc:
            services.update_project(db_session, project, actor, values(), now=NOW)
        assert exc.value.message == "You do not own this project" and exc.value.status == 403
    assert project.slug == "keep-me"


def test_owner_updates_and_keeps_or_changes_the_slug(db_session):
    project = ProjectFactory(slug="first-url")
    ProjectFactory(slug="someone-elses")
    services.update_project(db_session, project, project.owner,
                            values(slug="first-url", name="Renamed"), now=NOW)
    assert project.name == "Renamed" and project.updated_at == NOW
    with pytest.raises(ValidationFailed) as exc:
        services.update_project(db_session, project, project.owner,
                                values(slug="someone-elses"), now=NOW)
    assert errors_of(exc) == {"slug": "Project URL is already taken"}
    assert project.slug == "first-url"
    services.update_project(db_session, project, project.owner, values(slug="second-url"), now=NOW)
    assert project.slug == "second-url"


def test_only_the_owner_deletes(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    for actor in (ProfileFactory(), member, ProfileFactory(moderator=True)):
        with pytest.raises(Forbidden, match="You do not own this project"):
            services.delete_project(db_session, project, actor)
    assert db_session.get(Project, project.id) is not None


def count(session, model, **where):
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def test_delete_removes_members_invites_entries_and_history(db_session):
    project = ProjectFactory()
    keep = ProjectFactory()
    for p in (project, keep):
        ProjectMemberFactory(project=p)
        TeamInviteFactory(project=p)
        TeamInviteFactory(project=p, link=True)
        EventProjectFactory(project=p)
        ProjectEventFactory(project=p, kind=ProjectEventKind.joined)
    project_id, owner_id = project.id, project.owner.id
    db_session.expire_all()
    project = db_session.get(Project, project_id)
    services.delete_project(db_session, project, project.owner)
    db_session.expire_all()
    for model in (ProjectMember, TeamInvite, EventProject, ProjectEvent):
        assert count(db_session, model, project_id=project_id) == 0, model
        assert count(db_session, model, project_id=keep.id) >= 1, model
    assert db_session.get(Project, project_id) is None
    # The owner, the members' profiles and the events stay.
    from buildstory.models import Event, Profile
    assert db_session.get(Profile, owner_id) is not None
    assert count(db_session, Event) == 2
    orphans = db_session.scalar(select(func.count()).select_from(ProjectMember).where(
        ~ProjectMember.project_id.in_(select(Project.id))))
    assert orphans == 0
