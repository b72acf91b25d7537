"""The AI-tools catalogue on the services: folding, slugs, adding by name (with its hourly
limit and races on real connections), hide / unhide / edit / merge with their audit rows."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.db import db
from buildstory.enums import AiToolCategory
from buildstory.errors import Conflict, ValidationFailed
from buildstory.hackathon.models import EventSubmissionTool
from buildstory.models import Profile
from buildstory.tools import rules, services
from buildstory.tools.models import AiTool
from tests.factories import ProfileFactory
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory
from tests.helpers import run_concurrently

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def raises(exc, message):
    return pytest.raises(exc, match=f"^{message}$")


# --- folding and slugs ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Claude Code", "claude-code", " CLAUDE CODE", "Cláude Cöde"])
def test_names_fold_to_one_key(name):
    assert rules.fold(name) == "claudecode"


def test_folding_keeps_letters_and_digits_of_any_script():
    assert rules.fold("ｖ０") == "v0"  # NFKD turns full-width forms into ASCII
    assert rules.fold("Qwen 2.5") == "qwen25"
    assert rules.fold("深度求索") == "深度求索"
    assert rules.fold("Straße") == "strasse"


@pytest.mark.parametrize("name,slug", [("Claude Code", "claude-code"), ("v0", "v0"),
                                       ("Café AI!", "cafe-ai"), ("深度求索", "tool"),
                                       ("  GPT--4o  ", "gpt-4o")])
def test_slugs_are_ascii_groups_joined_by_hyphens(name, slug):
    assert rules.base_slug(name) == slug


def test_next_slug_counts_from_two():
    assert rules.next_slug("x", set()) == "x"
    assert rules.next_slug("x", {"x"}) == "x-2"
    assert rules.next_slug("x", {"x", "x-2"}) == "x-3"


# --- add a tool -----------------------------------------------------------------------------

def test_a_new_name_makes_a_tool_in_other(db_session):
    builder = ProfileFactory()
    tool = services.add_tool(db_session, "  Super   Agent ", by=builder, now=NOW)
    assert (tool.name, tool.name_key, tool.slug) == ("Super Agent", "superagent", "super-agent")
    assert tool.category == AiToolCategory.other and tool.created_by == builder.id


def test_a_name_folding_to_an_existing_key_selects_that_tool(db_session):
    existing = AiToolFactory(name="Claude Code", name_key="claudecode", slug="claude-code")
    tool = services.add_tool(db_session, "claude-code", by=ProfileFactory(), now=NOW)
    assert tool.id == existing.id
    assert db_session.scalar(select(func.count()).select_from(AiTool)) == 1


def test_a_merged_name_selects_the_target(db_session):
    target = AiToolFactory(name="Cursor")
    AiToolFactory(name="Cursor IDE", name_key="cursoride", merged_into_id=target.id)
    assert services.add_tool(db_session, "cursor ide", by=ProfileFactory(), now=NOW).id == target.id


def test_a_hidden_name_is_not_available(db_session):
    AiToolFactory(name="Sketchy", hidden_at=NOW)
    with raises(ValidationFailed, "This tool is not available") as err:
        services.add_tool(db_session, "SKETCHY", by=ProfileFactory(), now=NOW)
    assert err.value.errors == {"new_tool_name": "This tool is not available"}


@pytest.mark.parametrize("name,message", [
    ("   ", "New tool name is required"),
    ("x" * 61, "New tool name must be at most 60 characters"),
    ("!!! ---", "Tool name must contain a letter or number")])
def test_bad_names_are_refused_by_the_field(db_session, name, message):
    with raises(ValidationFailed, message) as err:
        services.add_tool(db_session, name, by=ProfileFactory(), now=NOW)
    assert err.value.errors == {"new_tool_name": message}


def test_slugs_are_made_unique_and_never_change(db_session):
    AiToolFactory(name="Old", slug="gpt")
    first = services.add_tool(db_session, "G.P.T", by=ProfileFactory(), now=NOW)
    second = services.add_tool(db_session, "GPT!", by=ProfileFactory(), now=NOW)
    assert first.slug == "g-p-t"
    assert second.id == first.id  # same key
    third = services.add_tool(db_session, "GPT (new)", by=ProfileFactory(), now=NOW)
    assert third.slug == "gpt-new"
    symbols = [services.add_tool(db_session, n, by=ProfileFactory(), now=NOW).slug
               for n in ("深度", "求索")]
    assert symbols == ["tool", "tool-2"]


def test_twenty_new_tools_an_hour_then_429(db_session):
    builder = ProfileFactory()
    for i in range(20):
        services.add_tool(db_session, f"Tool number {i}", by=builder, now=NOW + timedelta(minutes=i))
    with raises(services.TooManyNewTools, "You are adding tools too quickly. Try again later.") as err:
        services.add_tool(db_session, "One more", by=builder, now=NOW + timedelta(minutes=30))
    assert err.value.status == 429
    assert err.value.retry_after == 30 * 60  # the first of the hour leaves the window then
    # an existing name still selects; another builder is not limited; an hour later it works
    assert services.add_tool(db_session, "tool number 3", by=builder, now=NOW + timedelta(minutes=31))
    services.add_tool(db_session, "Theirs", by=ProfileFactory(), now=NOW)
    services.add_tool(db_session, "Later", by=builder, now=NOW + timedelta(minutes=61))
    # limit=None (RATELIMIT_ENABLED=false) turns it off
    services.add_tool(db_session, "Unlimited", by=builder, now=NOW + timedelta(minutes=61),
                      limit=None)


def test_hidden_tools_count_towards_the_limit(db_session):
    builder = ProfileFactory()
    for i in range(20):
        AiToolFactory(created_by=builder.id, created_at=NOW, hidden_at=NOW)
    with pytest.raises(services.TooManyNewTools):
        services.add_tool(db_session, "Fresh", by=builder, now=NOW + timedelta(minutes=1))


def test_one_name_added_at_once_makes_one_tool(app, committed):
    with app.app_context():
        ids = [ProfileFactory().id for _ in range(8)]
        db.session.commit()

    def add(session, i):
        return services.add_tool(session, ["Vibe Tool", "vibe-tool", " VIBE TOOL"][i % 3],
                                 by=session.get(Profile, ids[i])).id

    results = run_concurrently(app, add, n=8)
    assert {r[0] for r in results} == {"ok"}
    assert len({r[1] for r in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AiTool)) == 1


def test_twenty_concurrent_new_tools_with_fifteen_used_make_five(app, committed):
    with app.app_context():
        builder = ProfileFactory()
        for i in range(15):
            AiToolFactory(created_by=builder.id, name=f"Used {i}")
        builder_id = builder.id
        db.session.commit()

    def add(session, i):
        return services.add_tool(session, f"Racer {i}", by=session.get(Profile, builder_id)).id

    results = run_concurrently(app, add, n=20)
    oks = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(oks) == 5 and len(errors) == 15
    assert all(isinstance(e, services.TooManyNewTools) for e in errors)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AiTool)
                                 .where(AiTool.created_by == builder_id)) == 20


# --- moderation -----------------------------------------------------------------------------

def audit(session, action):
    return session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_hide_and_unhide_are_audited_and_refused_twice(db_session):
    mod, tool = ProfileFactory(moderator=True), AiToolFactory(name="Hideme")
    services.hide_tool(db_session, mod, tool, now=NOW)
    assert tool.hidden_at == NOW and tool.hidden_by == mod.id
    with raises(Conflict, "Tool is already hidden"):
        services.hide_tool(db_session, mod, tool, now=NOW)
    services.unhide_tool(db_session, mod, tool)
    with raises(Conflict, "Tool is not hidden"):
        services.unhide_tool(db_session, mod, tool)
    [hide] = audit(db_session, "hide_tool")
    assert hide.meta == {"tool_id": str(tool.id), "name": "Hideme"}
    assert len(audit(db_session, "unhide_tool")) == 1


def test_edit_keeps_the_slug_and_refuses_another_tools_name(db_session):
    mod = ProfileFactory(moderator=True)
    tool = AiToolFactory(name="Gpt", slug="gpt", category=AiToolCategory.other)
    AiToolFactory(name="Claude")
    changes = services.update_tool(db_session, mod, tool, {
        "name": "GPT-5", "category": "models", "description": "OpenAI's models."})
    assert (tool.name, tool.name_key, tool.slug, tool.category) == (
        "GPT-5", "gpt5", "gpt", AiToolCategory.models)
    assert changes["name"] == ["Gpt", "GPT-5"] and changes["category"] == ["other", "models"]
    [row] = audit(db_session, "update_tool")
    assert row.meta["tool_id"] == str(tool.id) and row.meta["changes"]["name"] == ["Gpt", "GPT-5"]
    with raises(ValidationFailed, "A tool with this name already exists"):
        services.update_tool(db_session, mod, tool, {"name": "c-l-a-u-d-e", "category": "models"})
    assert services.update_tool(db_session, mod, tool, {
        "name": "gpt 5", "category": "models", "description": "OpenAI's models."})  # own key
    with raises(ValidationFailed, "Name is required") as err:
        services.update_tool(db_session, mod, tool, {"name": "", "category": "nope",
                                                     "description": "x" * 501})
    assert err.value.errors == {"name": "Name is required",
                                "category": "Choose a category from the list",
                                "description": "Description must be at most 500 characters"}


def test_merge_moves_submissions_without_duplicates(db_session):
    mod = ProfileFactory(moderator=True)
    source, target = AiToolFactory(name="ChatGPT Plus"), AiToolFactory(name="ChatGPT")
    both = EventSubmissionFactory(tools=[source, target])
    only = EventSubmissionFactory(tools=[source])
    moved = services.merge_tool(db_session, mod, source, "chatgpt")
    assert moved == 2 and source.merged_into_id == target.id
    rows = db_session.execute(select(EventSubmissionTool.submission_id, EventSubmissionTool.tool_id)).all()
    assert sorted(rows) == sorted([(both.id, target.id), (only.id, target.id)])
    db_session.refresh(source), db_session.refresh(target)
    assert (source.usage_count, target.usage_count) == (0, 2)
    [row] = audit(db_session, "merge_tool")
    assert row.meta == {"tool_id": str(source.id), "into_tool_id": str(target.id),
                        "name": "ChatGPT Plus", "into_name": "ChatGPT", "moved": 2}
    # the source's name and key now lead to the target
    assert services.find_target(db_session, source.slug).id == target.id


def test_merge_refusals(db_session):
    mod = ProfileFactory(moderator=True)
    tool, hidden = AiToolFactory(name="Alpha"), AiToolFactory(name="Hidden one", hidden_at=NOW)
    with raises(Conflict, "Cannot merge a tool into itself"):
        services.merge_tool(db_session, mod, tool, tool.slug)
    for into in ("", "no such tool", hidden.slug):
        with raises(ValidationFailed, "Choose a visible tool to merge into") as err:
            services.merge_tool(db_session, mod, tool, into)
        assert err.value.errors == {"into": "Choose a visible tool to merge into"}
    target = AiToolFactory(name="Beta")
    services.merge_tool(db_session, mod, tool, "Beta")
    with raises(Conflict, "This tool has already been merged"):
        services.merge_tool(db_session, mod, tool, "Gamma")


def test_merging_a_target_repoints_what_was_merged_into_it(db_session):
    mod = ProfileFactory(moderator=True)
    a, b, c = AiToolFactory(name="Aaa"), AiToolFactory(name="Bbb"), AiToolFactory(name="Ccc")
    services.merge_tool(db_session, mod, a, "Bbb")
    services.merge_tool(db_session, mod, b, "Ccc")
    db_session.refresh(a)
    assert a.merged_into_id == c.id
    assert services.add_tool(db_session, "aaa", by=mod, now=NOW).id == c.id


def test_tool_actions_read_well_in_the_audit_log():
    from buildstory.admin.audit_text import action_label, details
    assert action_label("merge_tool") == "Merged AI tool"
    assert details("merge_tool", {"name": "Cursor IDE", "into_name": "Cursor", "moved": 3}) == \
        "Cursor IDE → Cursor (3 submissions moved)"
    assert details("update_tool", {"tool_id": "x", "changes": {"name": ["Gpt", "GPT"],
                                                              "description": [None, "Models"]}}) \
        == "name: Gpt → GPT; description: (empty) → Models"
    assert details("hide_tool", {"tool_id": "x", "name": "Bolt"}) == "Tool Bolt"
